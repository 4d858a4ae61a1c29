"""Debian's real Alertmanager drives incidents in a real ``tocsin serve``.

Alerts are posted to Alertmanager's ``/api/v2/alerts``; Alertmanager groups them and delivers them to
tocsin through ``webhook_configs`` (and, in the second test, through ``pagerduty_configs`` with ``url:``
pointed at tocsin's ``/v2/enqueue``). The test then reads tocsin's REST API as a responder would: the
incident opens, holds the group's alerts, gets the severity the rules say, and resolves when Alertmanager
reports the alerts resolved.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.alertmanager import AlertmanagerSetup, requires_alertmanager, running_alertmanager
from tests.e2e.tocsin_server import RunningTocsin, running_tocsin, wait_until
from tocsin.store.db import Database

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120), requires_alertmanager]


@pytest.fixture
def tocsin(tmp_path: Path, db: Database) -> Iterator[RunningTocsin]:
    """A running tocsin on a fresh data directory (``db`` resets the PostgreSQL test database when in use)."""
    with running_tocsin(tmp_path / "tocsin") as running:
        yield running


def _by_title(tocsin: RunningTocsin, prefix: str) -> dict[str, Any] | None:
    return next((i for i in tocsin.incidents() if i["title"].startswith(prefix)), None)


def test_alertmanager_webhooks_open_group_and_resolve_incidents(
    tmp_path: Path, tocsin: RunningTocsin
) -> None:
    key = tocsin.create_integration(
        "alertmanager", "prometheus", severity_rules=[{"matchers": 'severity="critical"', "severity": "SEV1"}]
    )
    setup = AlertmanagerSetup(
        webhook_url=f"{tocsin.url}/integrations/alertmanager/{key}",
        repeat_interval="2s",  # Alertmanager re-sends the unchanged group: tocsin must stay idempotent
    )
    with running_alertmanager(tmp_path / "alertmanager", setup) as alertmanager:
        latency = [
            alertmanager.fire(
                {"alertname": "HighLatency", "service": "api", "severity": "critical", "instance": f"i{n}"},
                {"summary": f"p99 latency high on i{n}"},
            )
            for n in (1, 2)
        ]
        disk = alertmanager.fire({"alertname": "DiskFull", "service": "db", "severity": "warning"})
        alertmanager.post_alerts([*latency, disk])

        def with_both_alerts() -> dict[str, Any] | None:
            found = _by_title(tocsin, "HighLatency")
            return found if found and len(tocsin.alerts(found["id"])) == 2 else None

        high = wait_until(with_both_alerts, what="the HighLatency incident with both alerts")
        full = wait_until(lambda: _by_title(tocsin, "DiskFull"), what="the DiskFull incident")
        assert (high["severity"], high["services"], high["state"]) == ("SEV1", ["api"], "triggered")
        assert (full["severity"], full["services"]) == ("SEV3", ["db"])  # the sender said "warning"
        assert {alert["labels"]["instance"] for alert in tocsin.alerts(high["id"])} == {"i1", "i2"}
        assert high["created_by"] == "integration:prometheus"

        # Re-sends of the unchanged group are counted, not turned into more incidents.
        wait_until(
            lambda: min(alert["event_count"] for alert in tocsin.alerts(high["id"])) >= 2,
            what="a repeat delivery",
        )
        assert len(tocsin.incidents()) == 2

        alertmanager.post_alerts([alertmanager.resolved(alert) for alert in latency])

        def resolved_incident() -> dict[str, Any] | None:
            found = _by_title(tocsin, "HighLatency")
            return found if found and found["state"] == "resolved" else None

        resolved = wait_until(resolved_incident, what="HighLatency resolved")
        assert resolved["id"] == high["id"]
        assert {alert["status"] for alert in tocsin.alerts(high["id"])} == {"resolved"}
        still = _by_title(tocsin, "DiskFull")
        assert still is not None
        assert still["state"] == "triggered"  # another group: untouched
        (note,) = [
            e for e in tocsin.timeline(high["id"], "state_changed") if e["details"]["to"] == "resolved"
        ]
        assert note["details"]["note"] == "all its alerts resolved"


def test_alertmanager_pagerduty_configs_page_tocsin(tmp_path: Path, tocsin: RunningTocsin) -> None:
    key = tocsin.create_integration("pagerduty", "am-pagerduty")
    setup = AlertmanagerSetup(pagerduty_url=f"{tocsin.url}/v2/enqueue", routing_key=key)
    with running_alertmanager(tmp_path / "alertmanager", setup) as alertmanager:
        alerts = [
            alertmanager.fire(
                {"alertname": "DBDown", "service": "db", "severity": "critical", "instance": f"db{n}"}
            )
            for n in (1, 2)
        ]
        alertmanager.post_alerts(alerts)
        incident = wait_until(lambda: _by_title(tocsin, "[FIRING:2] DBDown"), what="the paged incident")
        assert (incident["severity"], incident["state"]) == ("SEV1", "triggered")
        (alert,) = tocsin.alerts(incident["id"])
        # One PagerDuty alert per Alertmanager group: its dedup_key is the SHA-256 of the group key.
        group_key = '{}:{alertname="DBDown", service="db"}'
        assert alert["dedup_key"] == hashlib.sha256(group_key.encode()).hexdigest()

        alertmanager.post_alerts([alertmanager.resolved(alert) for alert in alerts])
        wait_until(
            lambda: tocsin.incidents()[0]["state"] == "resolved", what="the incident resolved by Alertmanager"
        )
        assert len(tocsin.incidents()) == 1
