"""Alertmanager webhooks through the real app: dedup, grouping, severity, service, auto-resolve and reopen.

Each test posts version 4 messages as Alertmanager does and asserts what a responder sees through the
API: the incidents, their severity and services, their timeline and their (paged) alerts.
"""

from __future__ import annotations

import httpx

from tests.api.alerting import (
    alert_statuses,
    all_alerts,
    am_alert,
    am_message,
    create_integration,
    incidents,
    labels,
    only_incident,
    post_am,
    sender,
    timeline,
)
from tocsin.clock import FakeClock

__all__ = ["sender"]  # the fixture, imported for pytest

LATENCY = '{}:{alertname="HighLatency", service="api"}'


def _latency(n: int, status: str = "firing", **more: str) -> dict[str, object]:
    return am_alert(
        f"fp-latency-{n}",
        labels("HighLatency", service="api", instance=f"i{n}", **more),
        status=status,
        summary=f"p99 latency high on i{n}",
    )


def test_a_firing_group_opens_one_incident_with_its_alerts(api: httpx.Client, sender: httpx.Client) -> None:
    key = create_integration(api, "alertmanager", "prometheus")
    answer = post_am(sender, key, am_message([_latency(1), _latency(2)], LATENCY))

    incident = only_incident(api)
    assert answer["incidents_opened"] == [incident["id"]]
    assert answer["alerts"] == 2
    assert incident["title"] == "HighLatency: p99 latency high on i1"
    assert incident["state"] == "triggered"
    assert incident["services"] == ["api"]
    assert incident["created_by"] == "integration:prometheus"
    stored = all_alerts(api, incident["id"])
    assert [alert["dedup_key"] for alert in stored] == ["fp-latency-1", "fp-latency-2"]
    assert stored[0]["integration"] == "prometheus"
    assert stored[0]["labels"]["instance"] == "i1"
    assert stored[0]["links"][0]["href"] == "http://prometheus.local/graph?g0.expr=up"
    (fired,) = timeline(api, incident["id"], "alerts")
    assert fired["details"]["fired"] == 2


def test_identical_resends_are_idempotent(api: httpx.Client, sender: httpx.Client) -> None:
    key = create_integration(api, "alertmanager")
    message = am_message([_latency(1), _latency(2)], LATENCY)
    post_am(sender, key, message)
    again = post_am(sender, key, message)
    post_am(sender, key, message)

    incident = only_incident(api)
    assert again["repeats"] == 2
    assert again["incidents_opened"] == []
    assert [alert["event_count"] for alert in all_alerts(api, incident["id"])] == [3, 3]
    # Repeats are counted on the alerts, not written to the timeline again and again.
    assert len(timeline(api, incident["id"], "alerts")) == 1
    integration = api.get("/api/v1/integrations/alertmanager-1").json()
    assert integration["alert_count"] == 6


def test_groups_follow_the_group_key_by_default(api: httpx.Client, sender: httpx.Client) -> None:
    key = create_integration(api, "alertmanager")
    post_am(sender, key, am_message([_latency(1)], LATENCY))
    post_am(sender, key, am_message([_latency(1), _latency(2)], LATENCY))
    disk = am_alert("fp-disk", labels("DiskFull", service="db"), summary="disk 95% full")
    post_am(sender, key, am_message([disk], '{}:{alertname="DiskFull", service="db"}'))

    latency, disk_incident = incidents(api)
    assert set(alert_statuses(api, latency["id"])) == {"fp-latency-1", "fp-latency-2"}
    assert set(alert_statuses(api, disk_incident["id"])) == {"fp-disk"}
    assert disk_incident["services"] == ["db"]


def test_group_by_labels_joins_groups_within_the_window(
    api: httpx.Client, sender: httpx.Client, clock: FakeClock
) -> None:
    key = create_integration(api, "alertmanager", group_by=["service"], group_window_s=600)
    cpu = am_alert("fp-cpu", labels("HighCPU", service="api"))
    post_am(sender, key, am_message([cpu], '{}:{alertname="HighCPU"}'))
    clock.advance(minutes=5)
    post_am(sender, key, am_message([_latency(1)], LATENCY))  # another group key, the same service
    other = am_alert("fp-db", labels("HighCPU", service="db"))
    post_am(sender, key, am_message([other], '{}:{alertname="HighCPU"}'))  # the same group key, not service

    api_incident, db_incident = incidents(api)
    assert set(alert_statuses(api, api_incident["id"])) == {"fp-cpu", "fp-latency-1"}
    assert set(alert_statuses(api, db_incident["id"])) == {"fp-db"}

    clock.advance(minutes=11)  # past the window since the group's last alert
    late = am_alert("fp-late", labels("Errors", service="api"))
    post_am(sender, key, am_message([late], '{}:{alertname="Errors"}'))
    assert len(incidents(api)) == 3
    assert set(alert_statuses(api, incidents(api)[2]["id"])) == {"fp-late"}


def test_severity_from_label_rules_source_severity_and_default(
    api: httpx.Client, sender: httpx.Client
) -> None:
    key = create_integration(
        api,
        "alertmanager",
        severity_rules=[{"matchers": 'severity="critical",team=~"db|storage"', "severity": "SEV1"}],
        default_severity="SEV4",
    )
    sent = [
        ("fp-rule", labels("DBDown", severity="critical", team="db")),  # the rule
        ("fp-source", labels("DBSlow", severity="warning", team="db")),  # the sender's word: warning
        ("fp-critical", labels("Other", severity="critical", team="web")),  # not the rule; critical
        ("fp-default", labels("NoSeverity")),  # nothing said: the integration default
    ]
    for fingerprint, alert_labels in sent:
        group = '{}:{alertname="' + alert_labels["alertname"] + '"}'
        post_am(sender, key, am_message([am_alert(fingerprint, alert_labels)], group))

    found = incidents(api)
    assert [incident["severity"] for incident in found] == ["SEV1", "SEV3", "SEV1", "SEV4"]
    bases = [timeline(api, i["id"], "triage")[0]["details"]["severity_basis"] for i in found]
    assert bases == ["label_rule", "source_severity", "source_severity", "integration_default"]
    reason = timeline(api, found[0]["id"], "triage")[0]["details"]["severity_reason"]
    assert reason == 'label rule severity="critical", team=~"db|storage" -> SEV1'


def test_without_rules_or_default_an_alert_still_pages_at_the_second_level(
    api: httpx.Client, sender: httpx.Client
) -> None:
    key = create_integration(api, "alertmanager", use_source_severity=False)
    post_am(sender, key, am_message([am_alert("fp", labels("X", severity="critical"))]))
    incident = only_incident(api)
    assert incident["severity"] == "SEV2"
    assert timeline(api, incident["id"], "triage")[0]["details"]["severity_basis"] == "fallback"


def test_service_comes_from_the_configured_labels(api: httpx.Client, sender: httpx.Client) -> None:
    default = create_integration(api, "alertmanager", "default-labels")
    custom = create_integration(api, "alertmanager", "custom-labels", service_labels=["team", "app"])
    post_am(sender, default, am_message([am_alert("a", labels("A", app="checkout", job="node"))], "g-a"))
    post_am(sender, custom, am_message([am_alert("b", labels("B", app="checkout", team="payments"))], "g-b"))
    post_am(sender, custom, am_message([am_alert("c", labels("C", job="node"))], "g-c"))

    assert [incident["services"] for incident in incidents(api)] == [["checkout"], ["payments"], []]


def test_the_incident_resolves_when_every_alert_resolves(api: httpx.Client, sender: httpx.Client) -> None:
    key = create_integration(api, "alertmanager")
    post_am(sender, key, am_message([_latency(1), _latency(2)], LATENCY))
    incident_id = only_incident(api)["id"]

    post_am(sender, key, am_message([_latency(1, "resolved"), _latency(2)], LATENCY))
    assert only_incident(api)["state"] == "triggered"
    assert alert_statuses(api, incident_id) == {"fp-latency-1": "resolved", "fp-latency-2": "firing"}

    answer = post_am(sender, key, am_message([_latency(1, "resolved"), _latency(2, "resolved")], LATENCY))
    incident = only_incident(api)
    assert answer["resolved"] == 1  # i1 was already resolved: only i2 changed
    assert incident["state"] == "resolved"
    (resolved,) = [e for e in timeline(api, incident_id, "state_changed") if e["details"]["to"] == "resolved"]
    assert resolved["details"]["note"] == "all its alerts resolved"
    assert resolved["actor"] == "integration:alertmanager-1"
    ended = all_alerts(api, incident_id)
    assert {alert["ends_at"] for alert in ended} == {"2026-01-05T09:10:00Z"}


def test_no_auto_resolve_when_truncated_still_firing_or_switched_off(
    api: httpx.Client, sender: httpx.Client
) -> None:
    key = create_integration(api, "alertmanager")
    off = create_integration(api, "alertmanager", "manual", auto_resolve=False)
    post_am(sender, key, am_message([_latency(1), _latency(2)], LATENCY, truncated=3))
    post_am(sender, off, am_message([_latency(1)], LATENCY))
    truncated, manual = incidents(api)

    # Every alert shown is resolved, but three were never shown: they may still fire.
    post_am(sender, key, am_message([_latency(1, "resolved"), _latency(2, "resolved")], LATENCY, truncated=3))
    post_am(sender, off, am_message([_latency(1, "resolved")], LATENCY))

    assert [incident["state"] for incident in incidents(api)] == ["triggered", "triggered"]
    assert set(alert_statuses(api, truncated["id"]).values()) == {"resolved"}
    assert alert_statuses(api, manual["id"]) == {"fp-latency-1": "resolved"}


def test_a_group_still_reported_firing_keeps_its_incident_open(
    api: httpx.Client, sender: httpx.Client
) -> None:
    key = create_integration(api, "alertmanager")
    post_am(sender, key, am_message([_latency(1)], LATENCY))
    message = am_message([_latency(1, "resolved")], LATENCY)
    message["status"] = "firing"  # Alertmanager: something in the group (that we were not shown) fires
    post_am(sender, key, message)
    assert only_incident(api)["state"] == "triggered"


def test_refiring_within_the_reopen_window_reopens_after_it_opens_anew(
    api: httpx.Client, sender: httpx.Client, clock: FakeClock
) -> None:
    key = create_integration(api, "alertmanager", reopen_window_s=1800)
    post_am(sender, key, am_message([_latency(1)], LATENCY))
    post_am(sender, key, am_message([_latency(1, "resolved")], LATENCY))
    first = only_incident(api)
    assert first["state"] == "resolved"

    clock.advance(minutes=20)
    answer = post_am(sender, key, am_message([_latency(1)], LATENCY))
    reopened = only_incident(api)
    assert answer["incidents_opened"] == []
    assert (reopened["id"], reopened["state"], reopened["resolved_at"]) == (
        first["id"],
        "investigating",
        None,
    )
    moves = [(e["details"]["from"], e["details"]["to"]) for e in timeline(api, first["id"], "state_changed")]
    assert moves == [("triggered", "resolved"), ("resolved", "investigating")]
    assert alert_statuses(api, first["id"]) == {"fp-latency-1": "firing"}

    post_am(sender, key, am_message([_latency(1, "resolved")], LATENCY))
    clock.advance(minutes=31)
    answer = post_am(sender, key, am_message([_latency(1)], LATENCY))
    old, new = incidents(api)
    assert answer["incidents_opened"] == [new["id"]]
    assert (old["state"], new["state"]) == ("resolved", "triggered")
    # The alert moved to the new incident: the same fingerprint, one row, counted every time it came.
    assert alert_statuses(api, new["id"]) == {"fp-latency-1": "firing"}
    assert alert_statuses(api, old["id"]) == {}
    assert all_alerts(api, new["id"])[0]["event_count"] == 5


def test_a_resolve_for_an_alert_never_seen_does_nothing(api: httpx.Client, sender: httpx.Client) -> None:
    key = create_integration(api, "alertmanager")
    answer = post_am(sender, key, am_message([_latency(1, "resolved")], LATENCY))
    assert answer["alerts"] == 1
    assert answer["resolved"] == 0
    assert incidents(api) == []


def test_an_incident_absorbs_many_alerts_and_pages_them(api: httpx.Client, sender: httpx.Client) -> None:
    key = create_integration(api, "alertmanager")
    for start in range(0, 1200, 400):
        batch = [_latency(n) for n in range(start, start + 400)]
        post_am(sender, key, am_message(batch, LATENCY))
    incident_id = only_incident(api)["id"]

    first = api.get(f"/api/v1/incidents/{incident_id}/alerts", params={"limit": 500}).json()
    assert (len(first["items"]), first["total"], first["firing"], first["limit"]) == (500, 1200, 1200, 500)
    assert first["next_after"] == first["items"][-1]["id"]
    paged = all_alerts(api, incident_id, page_size=500)
    ids = [alert["id"] for alert in paged]
    assert ids == sorted(ids)
    assert {alert["dedup_key"] for alert in paged} == {f"fp-latency-{n}" for n in range(1200)}
    assert api.get(f"/api/v1/incidents/{incident_id}/alerts", params={"limit": 1001}).status_code == 422
