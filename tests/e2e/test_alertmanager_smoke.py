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


def _webhook(status: str, alerts: int) -> Callable[[CapturedRequest], bool]:
    """A webhook message of ``status`` holding ``alerts`` alerts (a first flush may hold fewer)."""

    def accept(request: CapturedRequest) -> bool:
        if not request.path.startswith("/integrations/alertmanager/"):
            return False
        message = request.json()
        return message.get("status") == status and len(message.get("alerts") or []) == alerts

    return accept


def _pagerduty(action: str, summary_prefix: str) -> Callable[[CapturedRequest], bool]:
    """A PagerDuty event of ``action`` whose summary starts so (``[FIRING:2]`` once both alerts are in)."""

    def accept(request: CapturedRequest) -> bool:
        if request.path != "/v2/enqueue":
            return False
        event = request.json()
        summary = str((event.get("payload") or {}).get("summary", ""))
        return event.get("event_action") == action and summary.startswith(summary_prefix)

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

    fired = AlertmanagerSource().parse(
        capture.wait_for(_webhook("firing", alerts=2), what="firing webhook").body, {}
    )
    assert fired.status is AlertStatus.FIRING
    assert fired.group_key == '{}:{alertname="HighLatency", service="api"}'
    assert fired.is_complete
    assert fired.external_url == alertmanager.base_url
    assert sorted(alert.labels["instance"] for alert in fired.alerts) == ["i1", "i2"]
    first = next(alert for alert in fired.alerts if alert.labels["instance"] == "i1")
    assert first.is_firing
    assert first.action is EventAction.TRIGGER
    assert first.title == "HighLatency: p99 latency high on i1"
    assert first.severity_text == "critical"
    assert len({alert.dedup_key for alert in fired.alerts}) == 2
    assert first.ends_at is None
    assert first.starts_at is not None
    assert [link.text for link in first.links] == ["Source", "Runbook"]

    paged = PagerDutySource().parse(
        capture.wait_for(_pagerduty("trigger", "[FIRING:2]"), what="PagerDuty trigger").body, {}
    )
    assert paged.integration_key == ROUTING_KEY
    (page,) = paged.alerts
    assert page.action is EventAction.TRIGGER
    # Alertmanager's PagerDuty dedup_key is the SHA-256 of the group key: one PagerDuty alert per group.
    assert page.dedup_key == hashlib.sha256(fired.group_key.encode()).hexdigest()
    assert page.severity_text == "critical"
    assert page.title.startswith("[FIRING:2] HighLatency")

    alertmanager.post_alerts([alertmanager.resolved(alert) for alert in alerts])

    resolved = AlertmanagerSource().parse(
        capture.wait_for(_webhook("resolved", alerts=2), what="resolved webhook").body, {}
    )
    assert resolved.group_key == fired.group_key
    assert {alert.dedup_key for alert in resolved.alerts} == {alert.dedup_key for alert in fired.alerts}
    assert all(alert.status is AlertStatus.RESOLVED for alert in resolved.alerts)
    assert all(alert.action is EventAction.RESOLVE and alert.ends_at is not None for alert in resolved.alerts)

    unpaged = PagerDutySource().parse(
        capture.wait_for(_pagerduty("resolve", "[RESOLVED]"), what="PagerDuty resolve").body, {}
    )
    (resolution,) = unpaged.alerts
    assert resolution.dedup_key == page.dedup_key
    assert resolution.status is AlertStatus.RESOLVED


def test_max_alerts_truncation_marks_the_batch_incomplete(tmp_path: Path, capture: CaptureServer) -> None:
    setup = AlertmanagerSetup(
        webhook_url=f"{capture.base_url}/integrations/alertmanager/test-key", max_alerts=2
    )
    with running_alertmanager(tmp_path / "alertmanager", setup) as alertmanager:
        alertmanager.post_alerts(
            [
                alertmanager.fire({"alertname": "DiskFull", "service": "db", "instance": f"db{n}"})
                for n in (1, 2, 3)
            ]
        )
        request = capture.wait_for(_webhook("firing", alerts=2), what="truncated firing webhook")

    batch = AlertmanagerSource().parse(request.body, {})
    assert batch.truncated_alerts == 1
    assert not batch.is_complete
    assert len(batch.alerts) == 2
