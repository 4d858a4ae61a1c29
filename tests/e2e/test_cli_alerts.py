"""``tocsin integration ...`` and ``tocsin alert send`` as a user runs them: locally, then against a server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.processes import Cli, serving, tocsin_env
from tocsin.store.db import Database

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


@pytest.fixture
def cli(tmp_path: Path, db: Database) -> Cli:
    return Cli(tocsin_env(tmp_path / "data", TOCSIN_BASE_URL="https://tocsin.example.org"))


def test_integrations_and_test_alerts_on_the_local_database(cli: Cli) -> None:
    created = cli.json(
        "integration", "create", "--source", "alertmanager", "--name", "prometheus",
        "--severity-rule", 'severity="critical"=SEV1', "--group-by", "service", "--reopen-window", "10m",
    )  # fmt: skip
    key = created["key"]
    assert created["webhook_url"] == f"https://tocsin.example.org/integrations/alertmanager/{key}"
    assert created["settings"]["severity_rules"] == [{"matchers": 'severity="critical"', "severity": "SEV1"}]
    assert (created["settings"]["group_by"], created["settings"]["reopen_window_s"]) == (["service"], 600)

    fired = cli.json(
        "alert", "send", "--integration", "prometheus", "--title", "DiskFull",
        "--severity", "critical", "--label", "service=db", "--label", "instance=db1",
    )  # fmt: skip
    assert fired["incidents_opened"] == ["INC-1"]
    (stored,) = cli.json("alert", "list", "INC-1")["items"]
    assert (stored["dedup_key"], stored["integration"], stored["status"]) == (
        fired["dedup_key"],
        "prometheus",
        "firing",
    )
    assert stored["labels"] == {
        "alertname": "DiskFull",
        "service": "db",
        "instance": "db1",
        "severity": "critical",
    }
    shown = cli.json("incident", "show", "INC-1")
    assert (shown["title"], shown["severity"], shown["services"]) == ("DiskFull", "SEV1", ["db"])

    said = cli.run(
        "alert", "send", "--integration", "prometheus", "--title", "DiskFull", "--severity", "critical",
        "--label", "service=db", "--label", "instance=db1", "--resolve",
    ).stdout  # fmt: skip
    assert "Resolved DiskFull through prometheus" in said
    assert "Updated INC-1." in said
    assert cli.json("incident", "show", "INC-1")["state"] == "resolved"
    table = cli.run("alert", "list", "INC-1").stdout
    assert "Alerts of INC-1 (0 of 1 firing)" in table
    assert "resolved" in table

    listed = cli.run("integration", "list").stdout
    assert "prometheus" in listed
    assert key[:6] in listed
    assert key not in listed
    detail = cli.run("integration", "show", "prometheus").stdout
    assert 'severity="critical" -> SEV1' in detail

    updated = cli.json(
        "integration", "update", "prometheus", "--no-auto-resolve", "--default-severity", "SEV4"
    )
    assert (updated["settings"]["auto_resolve"], updated["settings"]["default_severity"]) == (False, "SEV4")
    assert updated["settings"]["group_by"] == ["service"]  # options left out keep their value


def test_sending_to_a_server_needs_the_key(cli: Cli, tmp_path: Path) -> None:
    pd = cli.json("integration", "create", "--source", "pagerduty", "--name", "pd")
    assert pd["webhook_url"] == "https://tocsin.example.org/v2/enqueue"
    with serving(cli.env, tmp_path / "serve.log", "--no-worker") as server:
        remote = ("--server", server.url)
        sent = cli.json(
            *remote, "alert", "send", "--key", pd["key"], "--source", "pagerduty",
            "--title", "checkout 5xx", "--severity", "critical", "--label", "component=checkout",
        )  # fmt: skip
        assert (sent["status"], sent["integration"]) == ("firing", "pagerduty")
        no_key, wrong_key, bad_severity = cli.fail_all(
            (*remote, "alert", "send", "--integration", "pd", "--title", "x"),
            (*remote, "alert", "send", "--key", "0" * 32, "--source", "pagerduty", "--title", "x"),
            (
                *remote,
                "alert",
                "send",
                "--key",
                pd["key"],
                "--source",
                "pagerduty",
                "--title",
                "x",
                "--severity",
                "P1",
            ),
        )
        resolved = cli.json(
            *remote, "alert", "send", "--key", pd["key"], "--source", "pagerduty",
            "--title", "checkout 5xx", "--label", "component=checkout", "--resolve",
        )  # fmt: skip
    assert "needs the integration's key" in no_key
    assert "no active integration has this key" in wrong_key
    assert "'payload.severity' is invalid" in bad_severity
    assert resolved["dedup_key"] == sent["dedup_key"]
    incident = cli.json("incident", "show", "INC-1")
    assert (incident["title"], incident["severity"], incident["services"]) == (
        "checkout 5xx",
        "SEV1",
        ["checkout"],
    )
    assert incident["state"] == "resolved"
    assert len(cli.json("incident", "list")["items"]) == 1


def test_rotate_revoke_and_mistakes_are_one_line(cli: Cli) -> None:
    first = cli.json("integration", "create", "--source", "generic", "--name", "checker")["key"]
    rotated = cli.json("integration", "rotate", "checker")["key"]
    assert rotated != first
    assert cli.run("integration", "revoke", "checker").stdout.strip() == "Revoked checker."
    revoked, bad_rule, bad_name, bad_source, bad_label = cli.fail_all(
        ("alert", "send", "--integration", "checker", "--title", "x"),
        ("integration", "create", "--source", "generic", "--name", "x", "--severity-rule", "SEV1"),
        ("integration", "create", "--source", "generic", "--name", "has space"),
        ("integration", "create", "--source", "nagios", "--name", "n"),
        ("alert", "send", "--integration", "checker", "--title", "x", "--label", "novalue"),
    )
    assert "revoked" in revoked
    assert "write MATCHERS=SEVERITY" in bad_rule
    assert "use letters, digits" in bad_name
    assert "unknown source 'nagios'" in bad_source
    assert "write it as name=value" in bad_label
    assert [item["name"] for item in cli.json("integration", "list")] == ["checker"]
