"""Configuring paging through the REST API: users and their rules, teams, schedules with overrides, who is
on call, policies and routing, channels (secrets never shown back), with roles and problem JSON."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.api.test_incidents_api import assert_problem, declare
from tocsin.clock import FakeClock
from tocsin.plugins.channels import REDACTED

AppClient = Callable[..., httpx.Client]


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


@pytest.fixture
def people(api: httpx.Client) -> httpx.Client:
    for user_id, name in (("alice", "Alice Smith"), ("bob", "Bob Jones")):
        ok(
            api.post("/api/v1/users", json={"id": user_id, "name": name, "email": f"{user_id}@example.org"}),
            201,
        )
    return api


WEEKLY = {
    "id": "primary",
    "name": "Primary",
    "time_zone": "Europe/Berlin",
    "layers": [{"name": "weekly", "rotation": {"participants": ["alice", "bob"], "start": "2026-01-05"}}],
}


def test_users_with_rules_and_teams(people: httpx.Client) -> None:
    rules = [{"channel": "slack", "delay_minutes": 0}, {"channel": "webhook", "delay_minutes": 2}]
    updated = ok(people.put("/api/v1/users/alice/rules", json=rules))
    assert updated["rules"] == rules
    ok(people.post("/api/v1/teams", json={"id": "db", "name": "Databases", "members": ["alice", "bob"]}), 201)
    alice = ok(people.get("/api/v1/users/alice"))
    assert (alice["name"], alice["teams"], alice["time_zone"]) == ("Alice Smith", ["db"], "UTC")
    assert [u["id"] for u in ok(people.get("/api/v1/users"))] == ["alice", "bob"]
    assert ok(people.patch("/api/v1/teams/db", json={"members": ["bob"]}))["members"] == ["bob"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"id": "Alice!", "name": "A"}, "validation_error"),
        ({"id": "carol", "name": "C", "email": "not-an-address"}, "invalid_email"),
        ({"id": "carol", "name": "C", "slack_user_id": "carol"}, "invalid_slack_user_id"),
        ({"id": "carol", "name": "C", "time_zone": "Mars/Olympus"}, "unknown_time_zone"),
        ({"id": "alice", "name": "Again"}, "user_exists"),
    ],
)
def test_bad_users_are_refused_saying_what_is_wrong(
    people: httpx.Client, body: dict[str, Any], code: str
) -> None:
    response = people.post("/api/v1/users", json=body)
    assert_problem(
        response, 409 if code == "user_exists" else 422 if code == "validation_error" else 400, code
    )
    assert len(ok(people.get("/api/v1/users"))) == 2


def test_schedules_overrides_and_who_is_on_call(people: httpx.Client, clock: FakeClock) -> None:
    created = ok(people.post("/api/v1/schedules", json=WEEKLY), 201)
    assert created["layers"][0]["rotation"]["tz"] == "Europe/Berlin"  # the schedule's zone by default
    # The fake clock is Monday 2026-01-05 09:00 UTC: alice's first week began at 09:00 Berlin.
    [now] = ok(people.get("/api/v1/oncall"))
    assert (now["schedule"], [p["id"] for p in now["on_call"]], [p["id"] for p in now["next"]]) == (
        "primary",
        ["alice"],
        ["bob"],
    )
    assert now["until"] == "2026-01-12T08:00:00Z"
    start, end = clock.now(), clock.now() + timedelta(hours=4)
    override = ok(
        people.post(
            "/api/v1/schedules/primary/overrides",
            json={"user_id": "bob", "start": start.isoformat(), "end": end.isoformat(), "note": "swap"},
        ),
        201,
    )
    assert [p["id"] for p in ok(people.get("/api/v1/oncall"))[0]["on_call"]] == ["bob"]
    shifts = ok(people.get("/api/v1/schedules/primary/shifts", params={"days": 8}))
    assert [(s["user_id"], s["source"]) for s in shifts] == [
        ("bob", "override"),
        ("alice", "layer"),
        ("bob", "layer"),
    ]
    ok(people.delete(f"/api/v1/schedules/primary/overrides/{override['id']}"), 204)
    assert [p["id"] for p in ok(people.get("/api/v1/oncall"))[0]["on_call"]] == ["alice"]


def test_a_schedule_naming_an_unknown_user_is_refused(people: httpx.Client) -> None:
    body = WEEKLY | {"layers": [{"rotation": {"participants": ["alice", "zoe"], "start": "2026-01-05"}}]}
    problem = assert_problem(people.post("/api/v1/schedules", json=body), 400, "unknown_user")
    assert "zoe" in problem["detail"]


def test_policies_routing_and_what_a_policy_still_uses(people: httpx.Client) -> None:
    ok(people.post("/api/v1/schedules", json=WEEKLY), 201)
    policy = {
        "id": "default",
        "name": "Default",
        "repeat": 1,
        "levels": [
            {"label": "On-call", "delay_minutes": 5, "targets": [{"kind": "schedule", "id": "primary"}]},
            {"label": "CTO", "delay_minutes": 10, "targets": []},
        ],
    }
    created = ok(people.post("/api/v1/policies", json=policy), 201)
    assert created["unassigned_levels"] == [2]
    routing = ok(people.get("/api/v1/routing"))
    assert routing["default_policy"] == "default"  # the first policy becomes the default
    pages = {r["severity"]: r["pages"] for r in routing["routes"]}
    assert pages == {"SEV1": True, "SEV2": True, "SEV3": False, "SEV4": False}
    routed = ok(people.put("/api/v1/routing/P2", json={"pages": True, "unresolved_after_minutes": 90}))
    [sev3] = [r for r in routed["routes"] if r["severity"] == "SEV3"]
    assert (sev3["pages"], sev3["unresolved_after_minutes"], sev3["set_by_operator"]) == (True, 90, True)
    assert_problem(people.delete("/api/v1/users/alice"), 409, "user_in_use")
    assert_problem(people.delete("/api/v1/schedules/primary"), 409, "schedule_in_use")
    assert_problem(people.delete("/api/v1/policies/default"), 409, "policy_in_use")
    bad = policy | {
        "id": "typo",
        "levels": [{"delay_minutes": 5, "targets": [{"kind": "user", "id": "alcie"}]}],
    }
    assert (
        "user 'alcie'"
        in assert_problem(people.post("/api/v1/policies", json=bad), 400, "unknown_target")["detail"]
    )


def test_channels_are_checked_when_saved_and_never_show_their_secrets(api: httpx.Client) -> None:
    kinds = {k["kind"]: k for k in ok(api.get("/api/v1/channels/kinds"))}
    assert {"email", "slack", "webhook", "pagerduty", "console"} <= set(kinds)
    assert [f["name"] for f in kinds["email"]["fields"] if f["required"]] == ["host", "from_address"]
    config = {
        "host": "smtp.example.org",
        "from_address": "oncall@example.org",
        "username": "u",
        "password": "hunter2",
    }
    created = ok(api.post("/api/v1/channels", json={"id": "email", "kind": "email", "config": config}), 201)
    assert created["config"]["password"] == REDACTED
    assert "hunter2" not in api.get("/api/v1/channels").text
    # Sending back what was shown keeps the secret; the config stays valid.
    shown = created["config"] | {"port": 2525}
    ok(api.patch("/api/v1/channels/email", json={"config": shown}))
    plain = {
        "host": "smtp.example.org",
        "from_address": "oncall@example.org",
        "security": "plain",
        "username": "u",
        "password": "x",
    }
    problem = assert_problem(
        api.post("/api/v1/channels", json={"id": "bad", "kind": "email", "config": plain}),
        400,
        "invalid_channel_config",
    )
    assert "unencrypted" in problem["detail"]
    assert_problem(
        api.post("/api/v1/channels", json={"id": "sms", "kind": "sms", "config": {}}),
        404,
        "unknown_channel_kind",
    )


def test_viewers_read_responders_override_only_admins_configure(
    people: httpx.Client, app_client: AppClient
) -> None:
    ok(people.post("/api/v1/schedules", json=WEEKLY), 201)
    viewer, responder = app_client("viewer"), app_client("responder")
    assert viewer.get("/api/v1/users").status_code == 200
    assert_problem(viewer.post("/api/v1/users", json={"id": "eve", "name": "Eve"}), 403, "forbidden")
    assert_problem(
        responder.post("/api/v1/policies", json={"id": "p", "name": "P", "levels": [{"delay_minutes": 1}]}),
        403,
        "forbidden",
    )
    start = "2026-01-05T10:00:00Z"
    body = {"user_id": "bob", "start": start, "end": "2026-01-05T12:00:00Z"}
    made = ok(responder.post("/api/v1/schedules/primary/overrides", json=body), 201)
    assert made["created_by"].startswith("token:test-responder")


def test_an_incident_shows_how_it_escalates(people: httpx.Client) -> None:
    policy = {
        "id": "default",
        "name": "Default",
        "levels": [{"delay_minutes": 5, "targets": [{"kind": "user", "id": "alice"}]}],
    }
    ok(people.post("/api/v1/policies", json=policy), 201)
    declare(people)
    declare(people, "Typo on the about page", "SEV4")
    paging = ok(people.get("/api/v1/incidents/INC-1/paging"))
    assert (paging["status"], paging["policy"]["id"]) == ("active", "default")
    # Level 1 was paged with the declaration; no worker runs here, so the e-mail waits in the outbox.
    [waiting] = paging["messages"]
    assert (waiting["user"], waiting["channel"], waiting["status"], waiting["level"]) == (
        "alice",
        "email",
        "pending",
        1,
    )
    quiet = ok(people.get("/api/v1/incidents/INC-2/paging"))
    assert (quiet["status"], quiet["policy"]) == (None, None)
    ok(people.post("/api/v1/incidents/INC-1/ack"))  # the API's (and the CLI's) acknowledgement
    assert ok(people.get("/api/v1/incidents/INC-1/paging"))["status"] == "stopped"
    kinds = [e["kind"] for e in ok(people.get("/api/v1/incidents/INC-1/timeline"))]
    assert kinds[-2:] == ["acknowledged", "escalation_stopped"]
