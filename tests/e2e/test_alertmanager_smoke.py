"""The real Alertmanager's webhook and PagerDuty deliveries parse with tocsin's sources, resolution included.

Debian's ``prometheus-alertmanager`` gets two alerts of one group through its v2 API, sends them to a
local capture server through ``webhook_configs`` and ``pagerduty_configs`` (``url:`` pointed at the
capture server), and then, once the alerts are ended, sends their resolution.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.alertmanager import (
    AlertmanagerSetup,
    CapturedRequest,
    CaptureServer,
    RunningAlertmanager,
    requires_alertmanager,
    running_alertmanager,
)
from tocsin.builtin.sources import AlertmanagerSource, PagerDutySource
from tocsin.domain.alert import AlertStatus, EventAction

pytestmark = [pytest.mark.e2e, requires_alertmanager]

ROUTING_KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def capture() -> Iterator[CaptureServer]:
    with CaptureServer() as server:
        yield server


@pytest.fixture
def alertmanager(tmp_path: Path, capture: CaptureServer) -> Iterator[RunningAlertmanager]:
    setup = AlertmanagerSetup(
        webhook_url=f"{capture.base_url}/integrations/alertmanager/test-key",
        pagerduty_url=f"{capture.base_url}/v2/enqueue",
        routing_key=ROUTING_KEY,
    )
    with running_alertmanager(tmp_path / "alertmanager", setup) as running:
        yield running


def _webhook(status: str) -> Callable[[CapturedRequest], bool]:
    def accept(request: CapturedRequest) -> bool:
        return request.path.startswith("/integrations/alertmanager/") and request.json().get("status") == status

    return accept


def _pagerduty(action: str) -> Callable[[CapturedRequest], bool]:
    def accept(request: CapturedRequest) -> bool:
        return request.path == "/v2/enqueue" and request.json().get("event_action") == action

    return accept


def test_alert_group_fires_and_resolves_through_webhook_and_pagerduty(
    alertmanager: RunningAlertmanager, capture: CaptureServer
) -> None:
    common = {"alertname": "HighLatency", "service": "api", "severity": "critical"}
    alerts = [
        alertmanager.fire(
            {**common, "instance": f"i{n}"},
            {"summary": f"p99 latency high on i{n}", "runbook_url": "https://runbooks.example.org/latency"},
            source="http://prometheus.local/graph?g0.expr=latency",
        )
        for n in (1, 2)
    ]
    alertmanager.post_alerts(alerts)

    fired = AlertmanagerSource().parse(capture.wait_for(_webhook("firing"), what="firing webhook").body, {})
    assert fired.status is AlertStatus.FIRING
    assert fired.group_key == '{}:{alertname="HighLatency", service="api"}'
    assert fired.is_complete
    assert fired.external_url == alertmanager.base_url
    assert sorted(alert.labels["instance"] for alert in fired.alerts) == ["i1", "i2"]
    first = next(alert for alert in fired.alerts if alert.labels["instance"] == "i1")
    assert first.is_firing and first.action is EventAction.TRIGGER
    assert first.title == "HighLatency: p99 latency high on i1"
    assert first.severity_text == "critical"
    assert len({alert.dedup_key for alert in fired.alerts}) == 2
    assert first.ends_at is None and first.starts_at is not None
    assert [link.text for link in first.links] == ["Source", "Runbook"]

    paged = PagerDutySource().parse(capture.wait_for(_pagerduty("trigger"), what="PagerDuty trigger").body, {})
    assert paged.integration_key == ROUTING_KEY
    (page,) = paged.alerts
    assert page.action is EventAction.TRIGGER
    # Alertmanager's PagerDuty dedup_key is the SHA-256 of the group key: one PagerDuty alert per group.
    assert page.dedup_key == hashlib.sha256(fired.group_key.encode()).hexdigest()
    assert page.severity_text == "critical"
    assert page.title.startswith("[FIRING:2] HighLatency")

    alertmanager.post_alerts([alertmanager.resolved(alert) for alert in alerts])

    resolved = AlertmanagerSource().parse(capture.wait_for(_webhook("resolved"), what="resolved webhook").body, {})
    assert resolved.group_key == fired.group_key
    assert {alert.dedup_key for alert in resolved.alerts} == {alert.dedup_key for alert in fired.alerts}
    assert all(alert.status is AlertStatus.RESOLVED for alert in resolved.alerts)
    assert all(alert.action is EventAction.RESOLVE and alert.ends_at is not None for alert in resolved.alerts)

    unpaged = PagerDutySource().parse(capture.wait_for(_pagerduty("resolve"), what="PagerDuty resolve").body, {})
    (resolution,) = unpaged.alerts
    assert resolution.dedup_key == page.dedup_key
    assert resolution.status is AlertStatus.RESOLVED
