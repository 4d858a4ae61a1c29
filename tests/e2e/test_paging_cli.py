"""Paging set up and read back with ``tocsin`` commands as a user types them (the real Typer app, run
in-process on a fresh data directory): users and rules, teams, a schedule with a layer and an override,
who is on call, policies and routing, channels, and how an incident escalates."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tocsin.cli.main import app
from tocsin.store.db import Database

PG_URL = os.environ.get("TOCSIN_TEST_DATABASE_URL")
Run = Callable[..., str]


@pytest.fixture
def tocsin(tmp_path: Path, db: Database) -> Run:
    env = {"TOCSIN_DATA_DIR": str(tmp_path / "data"), "TOCSIN_DATABASE_URL": PG_URL, "COLUMNS": "200"}
    runner = CliRunner()

    def run(*args: str, fails: bool = False) -> str:
        result = runner.invoke(app, list(args), env=env)
        if fails:
            assert result.exit_code != 0, result.output
            return str(result.exception)
        assert result.exit_code == 0, f"{args}: {result.output}\n{result.exception!r}"
        return result.output

    return run


def as_json(output: str) -> Any:
    return json.loads(output)


def test_people_schedules_and_who_is_on_call(tocsin: Run) -> None:
    tocsin(
        "user",
        "add",
        "alice",
        "--name",
        "Alice Smith",
        "--email",
        "alice@example.org",
        "--tz",
        "Europe/Berlin",
    )
    tocsin(
        "user",
        "add",
        "bob",
        "--name",
        "Bob Jones",
        "--email",
        "bob@example.org",
        "--rule",
        "slack:0",
        "--rule",
        "email:5m",
    )
    assert "slack at once, email after 5 min" in tocsin("user", "list")
    rules = as_json(tocsin("user", "rules", "alice", "email:0", "webhook:2m", "--json"))["rules"]
    assert rules == [{"channel": "email", "delay_minutes": 0.0}, {"channel": "webhook", "delay_minutes": 2.0}]
    tocsin("team", "add", "db", "--name", "Databases", "--member", "alice", "--member", "bob")
    assert as_json(tocsin("user", "show", "bob", "--json"))["teams"] == ["db"]

    tocsin(
        "schedule", "add", "primary", "--name", "Primary", "--tz", "Europe/Berlin",
        "--participants", "alice,bob", "--start", "2026-03-02", "--every", "weekly",
    )  # fmt: skip
    tocsin(
        "schedule", "layer", "primary", "--name", "nights", "--participants", "bob",
        "--start", "2026-03-02", "--every", "daily", "--handoff", "22:00", "--restrict", "mon-fri/22:00-06:00",
    )  # fmt: skip
    # Wednesday 4 March 2026, 12:00 Berlin (11:00 UTC): Alice's week, outside Bob's nights.
    assert "Alice Smith" in tocsin("oncall", "now", "--at", "2026-03-04T11:00:00Z")
    at_night = as_json(tocsin("oncall", "now", "--at", "2026-03-04T23:00:00Z", "--json"))
    assert [p["id"] for p in at_night[0]["on_call"]] == ["bob"]
    tocsin(
        "schedule", "override", "primary", "--user", "bob",
        "--start", "2099-03-04T10:00:00Z", "--end", "2099-03-04T14:00:00Z", "--note", "swap",
    )  # fmt: skip
    at_swap = as_json(tocsin("oncall", "now", "--at", "2099-03-04T11:00:00Z", "--json"))
    assert [p["id"] for p in at_swap[0]["on_call"]] == ["bob"]
    shown = tocsin("oncall", "show", "primary", "--days", "14")
    assert "Primary (times in Europe/Berlin)" in shown
    assert "override" in shown
    url = tocsin("schedule", "feed", "primary").strip().splitlines()[-1]
    assert "/calendars/oncall/" in url
    assert url.endswith(".ics")

    refused = tocsin(
        "schedule",
        "add",
        "other",
        "--name",
        "O",
        "--participants",
        "zoe",
        "--start",
        "2026-03-02",
        fails=True,
    )
    assert "no such user: zoe" in refused


def test_policies_routing_channels_and_an_incident_escalating(tocsin: Run) -> None:
    tocsin("user", "add", "alice", "--name", "Alice", "--email", "alice@example.org")
    tocsin("channel", "add", "console", "--kind", "console")
    tocsin(
        "channel", "add", "email", "--kind", "email", "--set", "host=smtp.example.org",
        "--set", "from_address=oncall@example.org", "--set", "username=u", "--set", "password=hunter2",
    )  # fmt: skip
    listed = tocsin("channel", "list")
    assert "hunter2" not in listed
    assert "********" in listed
    tocsin("channel", "set", "email", "--set", "port=2525")
    assert as_json(tocsin("channel", "list", "--json"))[1]["config"]["port"] == "2525"
    assert "email" in tocsin("channel", "kinds")

    shown = tocsin(
        "policy", "add", "default", "--name", "Default", "--level", "5m:user:alice", "--level", "10m:",
        "--label", "On-call", "--label", "CTO", "--repeat", "1",
    )  # fmt: skip
    assert "nobody yet (unassigned)" in shown
    assigned = as_json(tocsin("policy", "assign", "default", "2", "user:alice", "--json"))
    assert assigned["unassigned_levels"] == []
    routing = tocsin("policy", "route", "SEV3", "--page", "--unresolved-after", "90m")
    assert "90 min" in routing
    routes = {r["severity"]: r for r in as_json(tocsin("policy", "routes", "--json"))["routes"]}
    assert (routes["SEV3"]["pages"], routes["SEV4"]["pages"]) == (True, False)

    tocsin("incident", "declare", "Checkout is down", "--severity", "SEV3")
    status = as_json(tocsin("policy", "status", "INC-1", "--json"))
    assert (status["status"], status["policy"]["id"]) == ("active", "default")
    assert [(m["user"], m["status"]) for m in status["messages"]] == [("alice", "pending")]
    tocsin("incident", "ack", "INC-1")
    assert as_json(tocsin("policy", "status", "INC-1", "--json"))["status"] == "stopped"
    assert "is the default policy" in tocsin("policy", "remove", "default", fails=True)
