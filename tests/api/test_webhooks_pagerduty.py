"""The PagerDuty Events API v2 endpoints through the real app, answered as PagerDuty answers.

Trigger / acknowledge / resolve by ``dedup_key`` scoped to the routing key; 202 with ``status``,
``message`` and ``dedup_key``; 400 with ``errors``; ack and resolve for unknown keys are quiet no-ops;
change events land on the timelines of open incidents.
"""

from __future__ import annotations

import httpx

from tests.api.alerting import (
    alert_statuses,
    create_integration,
    incidents,
    only_incident,
    pd_event,
    post_pd,
    sender,
    timeline,
)
from tests.unit.builtin.sources.payloads import ALERTMANAGER_TO_PAGERDUTY, PAGERDUTY_CHANGE
from tocsin.clock import FakeClock

__all__ = ["sender"]


def test_trigger_acknowledge_resolve(api: httpx.Client, sender: httpx.Client) -> None:
    key = create_integration(api, "pagerduty", "pd")
    answer = post_pd(sender, pd_event(key, component="postgres"))
    assert answer == {"status": "success", "message": "Event processed", "dedup_key": "db1-down"}
    incident = only_incident(api)
    assert (incident["title"], incident["severity"], incident["state"]) == (
        "db1 unreachable",
        "SEV1",
        "triggered",
    )
    assert incident["services"] == ["postgres"]  # payload.component names the service

    post_pd(sender, pd_event(key, "acknowledge"))
    acknowledged = only_incident(api)
    assert (acknowledged["state"], acknowledged["acknowledged_by"]) == ("acknowledged", "integration:pd")

    post_pd(sender, pd_event(key))  # a trigger for an acknowledged alert stays quiet
    assert only_incident(api)["state"] == "acknowledged"

    post_pd(sender, pd_event(key, "resolve"))
    assert only_incident(api)["state"] == "resolved"
    assert alert_statuses(api, incident["id"]) == {"db1-down": "resolved"}


def test_pagerduty_severities_map_to_the_scheme(api: httpx.Client, sender: httpx.Client) -> None:
    key = create_integration(api, "pagerduty")
    for severity in ("critical", "error", "warning", "info"):
        post_pd(sender, pd_event(key, dedup_key=severity, severity=severity, summary=f"{severity} thing"))
    assert [incident["severity"] for incident in incidents(api)] == ["SEV1", "SEV2", "SEV3", "SEV4"]


def test_a_trigger_without_dedup_key_gets_one(api: httpx.Client, sender: httpx.Client) -> None:
    key = create_integration(api, "pagerduty")
    first = post_pd(sender, pd_event(key, dedup_key=None))["dedup_key"]
    second = post_pd(sender, pd_event(key, dedup_key=None))["dedup_key"]
    assert len(first) >= 16
    assert first != second
    assert len(incidents(api)) == 2
    post_pd(sender, pd_event(key, "resolve", first))
    assert [incident["state"] for incident in incidents(api)] == ["resolved", "triggered"]


def test_ack_and_resolve_of_unknown_keys_are_quiet(api: httpx.Client, sender: httpx.Client) -> None:
    key = create_integration(api, "pagerduty")
    assert post_pd(sender, pd_event(key, "acknowledge", "nope"))["dedup_key"] == "nope"
    assert post_pd(sender, pd_event(key, "resolve", "nope"))["dedup_key"] == "nope"
    assert incidents(api) == []


def test_dedup_keys_are_scoped_to_the_routing_key(api: httpx.Client, sender: httpx.Client) -> None:
    first = create_integration(api, "pagerduty", "pd-a")
    second = create_integration(api, "pagerduty", "pd-b")
    post_pd(sender, pd_event(first))
    post_pd(sender, pd_event(second))
    post_pd(sender, pd_event(second, "resolve"))
    assert [incident["state"] for incident in incidents(api)] == ["triggered", "resolved"]


def test_a_trigger_after_resolve_reopens_within_the_window_else_opens_anew(
    api: httpx.Client, sender: httpx.Client, clock: FakeClock
) -> None:
    key = create_integration(api, "pagerduty", reopen_window_s=600)
    post_pd(sender, pd_event(key))
    post_pd(sender, pd_event(key, "resolve"))
    clock.advance(minutes=5)
    post_pd(sender, pd_event(key))
    assert only_incident(api)["state"] == "investigating"

    post_pd(sender, pd_event(key, "resolve"))
    clock.advance(minutes=15)
    post_pd(sender, pd_event(key))
    assert [incident["state"] for incident in incidents(api)] == ["resolved", "triggered"]


def test_what_alertmanager_sends_to_pagerduty_opens_and_resolves(
    api: httpx.Client, sender: httpx.Client
) -> None:
    key = create_integration(api, "pagerduty")
    trigger = ALERTMANAGER_TO_PAGERDUTY | {"routing_key": key}
    post_pd(sender, trigger)
    incident = only_incident(api)
    assert incident["title"] == "[FIRING:1] DBDown db (db1 true critical)"
    assert incident["severity"] == "SEV1"
    # Alertmanager's resolve still carries a full payload; it is not refused for it.
    resolve = trigger | {"event_action": "resolve", "payload": trigger["payload"] | {"summary": "[RESOLVED]"}}
    post_pd(sender, resolve)
    assert only_incident(api)["state"] == "resolved"


def test_bad_events_get_400_with_every_error_and_store_nothing(
    api: httpx.Client, sender: httpx.Client
) -> None:
    key = create_integration(api, "pagerduty")
    bad = {"routing_key": key, "event_action": "trigger", "payload": {"summary": "", "severity": "fatal"}}
    response = sender.post("/v2/enqueue", json=bad)
    assert response.status_code == 400
    body = response.json()
    assert (body["status"], body["message"]) == ("invalid event", "Event object is invalid")
    assert "'payload.summary' is missing or blank" in body["errors"]
    assert "'payload.source' is missing or blank" in body["errors"]
    assert any(error.startswith("'payload.severity' is invalid") for error in body["errors"])

    no_key = sender.post("/v2/enqueue", json={"routing_key": key, "event_action": "resolve"})
    assert no_key.status_code == 400
    assert any("dedup_key" in error for error in no_key.json()["errors"])
    assert incidents(api) == []
    assert api.get("/api/v1/integrations/pagerduty-1").json()["alert_count"] == 0


def test_change_events_land_on_open_incidents(api: httpx.Client, sender: httpx.Client) -> None:
    key = create_integration(api, "pagerduty", "deploys")
    post_pd(sender, pd_event(key, dedup_key="open"))
    post_pd(sender, pd_event(key, dedup_key="closed"))
    post_pd(sender, pd_event(key, "resolve", "closed"))

    response = sender.post("/v2/change/enqueue", json=PAGERDUTY_CHANGE | {"routing_key": key})
    assert response.status_code == 202
    answer = response.json()
    assert (answer["status"], answer["message"]) == ("success", "Change event processed")
    open_incident, resolved = incidents(api)
    (change,) = timeline(api, open_incident["id"], "change_event")
    assert change["details"]["summary"] == "Deployed checkout v2.4.1"
    assert change["details"]["id"] == answer["id"]
    assert change["details"]["links"] == [{"href": "https://ci.example.org/builds/1732", "text": "Build"}]
    assert timeline(api, resolved["id"], "change_event") == []


def test_change_events_need_a_known_key_and_a_summary(api: httpx.Client, sender: httpx.Client) -> None:
    key = create_integration(api, "pagerduty")
    unknown = sender.post("/v2/change/enqueue", json=PAGERDUTY_CHANGE | {"routing_key": "0" * 32})
    assert unknown.status_code == 404
    blank = sender.post("/v2/change/enqueue", json={"routing_key": key, "payload": {"summary": " "}})
    assert blank.status_code == 400
    assert blank.json()["errors"] == ["'payload.summary' is missing or blank"]
