"""The ingest processor on a real database (SQLite, or PostgreSQL with TOCSIN_TEST_DATABASE_URL).

What the webhook tests cannot reach from outside: several submissions in one group commit, the playbook's
scenarios and thresholds in triage, and messages whose alerts span incidents.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import Connection

from tests.api.alerting import am_alert, am_message
from tocsin.builtin.sources import AlertmanagerSource, PagerDutySource
from tocsin.clock import FakeClock
from tocsin.domain.alert import parse_matchers
from tocsin.domain.alert_rules import ThresholdRule
from tocsin.domain.incident import IncidentState
from tocsin.domain.scenario_match import ScenarioMatcher, ScenarioSpec
from tocsin.services.container import Services
from tocsin.services.incident_alerts import incident_alerts
from tocsin.services.ingest import AlertPlaybook, IngestProcessor, IngestResult, Submission
from tocsin.services.integrations import IntegrationSettings, SourceName
from tocsin.store.incidents import IncidentFilter
from tocsin.store.integrations import StoredIntegration

PLAYBOOK = AlertPlaybook(
    version="2026-01-05.1",
    matcher=ScenarioMatcher(
        [
            ScenarioSpec("db-down", "Database unavailable", "connections refused; replication stopped"),
            ScenarioSpec("latency", "Slow API responses", "p99 response time above target"),
            ScenarioSpec("payments", "Payment provider errors", matchers=parse_matchers('team="payments"')),
        ]
    ),
    thresholds=(ThresholdRule("Memory usage > 85% for 15 minutes", "SEV2"),),
)


class FixedPlaybook:
    def for_alerts(self, conn: Connection) -> AlertPlaybook | None:
        return PLAYBOOK


def _integration(services: Services, name: str = "prom", **settings: Any) -> StoredIntegration:
    created, _ = services.integrations.create(name, SourceName.ALERTMANAGER, IntegrationSettings(**settings))
    return created


def _am(integration: StoredIntegration, alerts: list[dict[str, Any]], group: str = "g") -> Submission:
    body = json.dumps(am_message(alerts, group)).encode()
    return Submission(integration, AlertmanagerSource().parse(body, {}))


def _process(
    services: Services, clock: FakeClock, *subs: Submission, playbook: bool = False
) -> list[IngestResult]:
    processor = IngestProcessor(services.incidents, FixedPlaybook() if playbook else None)
    with services.db.write() as conn:
        return processor.process(conn, list(subs), clock.now())


def _triage(services: Services, number: int) -> dict[str, Any]:
    (entry,) = [e for e in services.incidents.timeline(number) if e.kind == "triage"]
    return entry.details


def test_submissions_in_one_commit_see_each_other(services: Services, clock: FakeClock) -> None:
    prom = _integration(services)
    first = _am(prom, [am_alert("a", {"alertname": "X"})])
    same_group = _am(prom, [am_alert("a", {"alertname": "X"}), am_alert("b", {"alertname": "X"})])
    one, two = _process(services, clock, first, same_group)

    assert one.incidents_opened == ["INC-1"]
    assert (two.incidents_opened, two.repeats, two.incidents_touched) == ([], 1, {"INC-1"})
    page = incident_alerts(services.db, 1)
    assert [(alert.dedup_key, alert.event_count) for alert in page.alerts] == [("a", 2), ("b", 1)]


def test_triage_records_the_scenario_match_and_its_score(services: Services, clock: FakeClock) -> None:
    prom = _integration(services)
    db_down = am_alert("db", {"alertname": "PostgresDown"}, summary="connections refused on db1")
    payments = am_alert("pay", {"alertname": "Whatever", "team": "payments"})
    unrelated = am_alert("zz", {"alertname": "CertificateRenewal"}, summary="certificate renews tomorrow")
    _process(
        services, clock, _am(prom, [db_down], "g1"), _am(prom, [payments], "g2"), _am(prom, [unrelated], "g3"),
        playbook=True,
    )  # fmt: skip

    text = _triage(services, 1)
    assert (text["scenario_id"], text["scenario"], text["scenario_basis"]) == (
        "db-down",
        "Database unavailable",
        "text",
    )
    assert 0.35 <= text["scenario_score"] <= 1.0
    assert text["playbook_version"] == "2026-01-05.1"
    labelled = _triage(services, 2)
    assert (labelled["scenario_id"], labelled["scenario_score"], labelled["scenario_basis"]) == (
        "payments",
        1.0,
        "matchers",
    )
    assert "scenario_id" not in _triage(services, 3)  # no scenario fits: none is claimed


def test_playbook_thresholds_set_severity_unless_a_label_rule_applies(
    services: Services, clock: FakeClock
) -> None:
    plain = _integration(services, "plain")
    ruled = _integration(services, "ruled", severity_rules=(('team="core"', "SEV1"),))
    memory = am_alert("m", {"alertname": "HostMemoryUsage", "team": "core"}, summary="memory usage at 91%")
    _process(services, clock, _am(plain, [memory]), _am(ruled, [memory]), playbook=True)

    by_threshold, by_rule = (services.incidents.get(n) for n in (1, 2))
    assert (by_threshold.severity, by_rule.severity) == ("SEV2", "SEV1")
    assert _triage(services, 1)["severity_basis"] == "threshold_rule"
    assert "Memory usage > 85%" in _triage(services, 1)["severity_reason"]
    assert _triage(services, 2)["severity_basis"] == "label_rule"


def test_one_message_spanning_incidents_resolves_each(services: Services, clock: FakeClock) -> None:
    prom = _integration(services, group_by=("service",))
    alerts = [am_alert(f"{s}{n}", {"alertname": "Down", "service": s}) for s in ("api", "db") for n in (1, 2)]
    _process(services, clock, _am(prom, alerts))
    found, total = services.incidents.find(IncidentFilter())
    assert total == 2
    assert {incident.services for incident in found} == {("api",), ("db",)}

    resolved = [am_alert(a["fingerprint"], a["labels"], status="resolved") for a in alerts]
    (result,) = _process(services, clock, _am(prom, resolved))
    assert result.resolved == 4
    assert {services.incidents.get(n).state for n in (1, 2)} == {IncidentState.RESOLVED}


def test_pagerduty_acknowledge_only_acknowledges_a_triggered_incident(
    services: Services, clock: FakeClock
) -> None:
    pd, _ = services.integrations.create("pd", SourceName.PAGERDUTY)

    def event(action: str) -> Submission:
        body: dict[str, Any] = {"routing_key": "k" * 32, "event_action": action, "dedup_key": "x"}
        if action == "trigger":
            body["payload"] = {"summary": "x down", "source": "x", "severity": "error"}
        return Submission(pd, PagerDutySource().parse(json.dumps(body).encode(), {}))

    _process(services, clock, event("trigger"))
    services.incidents.change_state(1, IncidentState.INVESTIGATING, actor="alice")
    (ack,) = _process(services, clock, event("acknowledge"))
    incident = services.incidents.get(1)
    assert ack.ignored == 1
    assert (incident.state, incident.acknowledged_by) == (IncidentState.INVESTIGATING, "alice")


@pytest.mark.parametrize("reopen_window_s", [0, 600])
def test_a_closed_incident_is_never_reopened(
    services: Services, clock: FakeClock, reopen_window_s: int
) -> None:
    prom = _integration(services, reopen_window_s=reopen_window_s)
    alert = am_alert("a", {"alertname": "X"})
    _process(services, clock, _am(prom, [alert]))
    _process(services, clock, _am(prom, [am_alert("a", {"alertname": "X"}, status="resolved")]))
    services.incidents.change_state(1, IncidentState.CLOSED, actor="alice")
    (again,) = _process(services, clock, _am(prom, [alert]))
    assert again.incidents_opened == ["INC-2"]
    assert services.incidents.get(1).state == IncidentState.CLOSED


def test_a_reopen_window_of_zero_always_opens_a_new_incident(services: Services, clock: FakeClock) -> None:
    prom = _integration(services, reopen_window_s=0)
    _process(services, clock, _am(prom, [am_alert("a", {"alertname": "X"})]))
    _process(services, clock, _am(prom, [am_alert("a", {"alertname": "X"}, status="resolved")]))
    (again,) = _process(services, clock, _am(prom, [am_alert("a", {"alertname": "X"})]))  # the same instant
    assert again.incidents_opened == ["INC-2"]
    assert services.incidents.get(1).state == IncidentState.RESOLVED
