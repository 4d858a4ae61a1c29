"""The real ``tocsin`` console script, run as a user runs it: on the local database, then against a real
server with a token."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest

from tests.e2e.processes import Cli, serving, tocsin_env
from tocsin.store.db import Database

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


@pytest.fixture
def cli(tmp_path: Path, db: Database) -> Cli:
    """A user's CLI on a fresh data directory (``db`` resets the PostgreSQL test database when in use)."""
    return Cli(tocsin_env(tmp_path / "data"))


def test_the_incident_lifecycle_from_the_command_line(cli: Cli) -> None:
    declared = cli.json(
        "incident", "declare", "Checkout is down", "--severity", "P0",
        "--service", "checkout", "--service", "payments",
        "--summary", "500s on /checkout", "--commander", "bob", "--customer-facing",
    )  # fmt: skip
    assert (declared["id"], declared["severity"], declared["state"]) == ("INC-1", "SEV1", "triggered")
    assert declared["services"] == ["checkout", "payments"]
    assert declared["roles"] == {"commander": "bob"}
    assert declared["customer_facing"] is True

    listed = cli.json("incident", "list")
    assert listed["total"] == 1
    assert [item["id"] for item in listed["items"]] == ["INC-1"]

    acked = cli.json("incident", "ack", "INC-1")
    assert acked["state"] == "acknowledged"
    assert acked["acknowledged_by"] == f"cli:{getpass.getuser()}"
    assert "already acknowledged" in cli.fails("incident", "ack", "INC-1")

    said = cli.run("incident", "state", "INC-1", "investigating", "--note", "primary DB").stdout
    assert said.strip() == "INC-1 is now investigating."
    assert cli.json("incident", "severity", "inc-1", "SEV2")["severity"] == "SEV2"
    assert cli.run("incident", "assign", "1", "scribe", "dana").stdout.strip() == "INC-1: scribe is dana."
    cli.run("incident", "note", "INC-1", "Failed over to the replica.")
    assert cli.json("incident", "resolve", "INC-1", "--note", "replica promoted")["state"] == "resolved"

    shown = cli.json("incident", "show", "INC-1")
    assert (shown["state"], shown["severity"]) == ("resolved", "SEV2")
    assert shown["roles"] == {"commander": "bob", "scribe": "dana"}
    assert shown["times"]["time_to_resolve_s"] is not None
    assert [entry["kind"] for entry in shown["timeline"]] == [
        "declared", "acknowledged", "state_changed", "severity_changed", "role_assigned", "note", "state_changed",
    ]  # fmt: skip
    assert shown["timeline"][-2]["details"] == {"text": "Failed over to the replica."}
    assert shown["timeline"][-1]["details"] == {
        "from": "investigating",
        "to": "resolved",
        "note": "replica promoted",
    }


def test_bad_input_is_one_line_and_writes_nothing(cli: Cli) -> None:
    cli.run("incident", "declare", "Checkout is down", "--severity", "SEV1", "--service", "checkout")
    unknown_severity, empty_title, invalid_move, unknown_incident = cli.fail_all(
        ("incident", "declare", "Other", "--severity", "SEV9"),
        ("incident", "declare", "", "--severity", "SEV1"),
        ("incident", "state", "INC-1", "closed"),
        ("incident", "ack", "INC-7"),
    )
    assert "unknown severity 'SEV9'" in unknown_severity
    assert "title" in empty_title
    assert "cannot move an incident from triggered to closed" in invalid_move
    assert "no incident INC-7" in unknown_incident
    # What people see (tables, not JSON) shows the one incident, untouched.
    listed = cli.run("incident", "list").stdout
    assert "Incidents (1 in all)" in listed
    assert "INC-1" in listed
    assert "Checkout is down" in listed
    assert "triggered" in listed
    shown = cli.run("incident", "show", "INC-1").stdout
    assert "Timeline" in shown
    assert "declared" in shown
    assert "checkout" in shown
    assert "state_changed" not in shown


def test_the_cli_against_a_server_with_a_token(cli: Cli, tmp_path: Path) -> None:
    token = cli.json("token", "create", "--name", "e2e", "--role", "responder")["token"]
    with serving(cli.env, tmp_path / "serve.log", "--no-worker") as server:
        remote = ("--server", server.url, "--token", token)
        declared = cli.json(*remote, "incident", "declare", "API 5xx", "--severity", "SEV2")
        assert (declared["id"], declared["created_by"]) == ("INC-1", "token:e2e")
        assert cli.json(*remote, "incident", "ack", "INC-1")["acknowledged_by"] == "token:e2e"

        from_env = Cli(cli.env | {"TOCSIN_SERVER": server.url, "TOCSIN_TOKEN": token})
        assert [item["id"] for item in from_env.json("incident", "list")["items"]] == ["INC-1"]

        wrong_token, no_token, not_admin = cli.fail_all(
            ("--server", server.url, "--token", "tocsin_wrong", "incident", "list"),
            ("--server", server.url, "incident", "list"),
            (*remote, "token", "create", "--name", "sneaky", "--role", "admin"),
        )
        assert "API token is not valid" in wrong_token
        assert "needs --token" in no_token
        assert "admin role" in not_admin
    assert server.process is not None
    assert server.process.returncode is not None
    assert "cannot reach the tocsin server" in cli.fails(*remote, "incident", "list")
