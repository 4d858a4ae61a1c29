"""Runbooks as configuration, through the REST API: import and versions, apply, pinning, export, lint."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.seeds import REPO_ROOT, requires_seeds, seed

EXAMPLE = REPO_ROOT / "examples" / "runbooks" / "example.md"
EXAMPLE_YAML_HEADER = "tocsin_playbook: 1\n"


def import_runbook(
    api: httpx.Client, content: str, name: str = "tracking", source: str = "tracking.md"
) -> dict:
    response = api.post("/api/v1/playbooks", json={"content": content, "name": name, "source_name": source})
    assert response.status_code == 201, response.text
    return response.json()


def test_import_stores_a_version_and_reimporting_the_same_content_stores_nothing(api: httpx.Client) -> None:
    text = EXAMPLE.read_text()
    first = import_runbook(api, text)
    again = import_runbook(api, text)
    assert (first["version"], first["created"]) == (1, True)
    assert (again["version"], again["created"]) == (1, False)
    assert first["contents"]["scenarios"] == 3
    assert first["unparsed"] == []


def test_a_changed_runbook_becomes_a_new_version(api: httpx.Client) -> None:
    text = EXAMPLE.read_text()
    import_runbook(api, text)
    changed = text.replace("### Stale cache after a carrier outage", "### Stale cache after a courier outage")
    second = import_runbook(api, changed)
    assert (second["version"], second["created"]) == (2, True)
    versions = api.get("/api/v1/playbooks/tracking/versions").json()
    assert [v["version"] for v in versions] == [1, 2]


def test_applying_a_playbook_drives_the_severity_scheme(api: httpx.Client) -> None:
    text = EXAMPLE.read_text().replace("SEV", "P").replace("P1 ", "P1 ")
    import_runbook(api, text)
    applied = api.post("/api/v1/playbooks/tracking/apply", json={})
    assert applied.status_code == 200, applied.text
    names = [level["name"] for level in api.get("/api/v1/severities").json()]
    assert names[:2] == ["P1", "P2"]
    # The familiar names keep working as aliases of the same rank.
    declared = api.post("/api/v1/incidents", json={"title": "API down", "severity": "SEV1"}).json()
    assert declared["severity"] == "P1"


def test_an_incident_keeps_the_playbook_version_it_started_with(api: httpx.Client) -> None:
    text = EXAMPLE.read_text()
    import_runbook(api, text)
    api.post("/api/v1/playbooks/tracking/apply", json={})
    before = api.post("/api/v1/incidents", json={"title": "old", "severity": "SEV2"}).json()["id"]
    import_runbook(api, text + "\n\n## Notes\n\nA line added later.\n")
    api.post("/api/v1/playbooks/tracking/apply", json={"version": 2})
    after = api.post("/api/v1/incidents", json={"title": "new", "severity": "SEV2"}).json()["id"]
    assert api.get(f"/api/v1/incidents/{before}/playbook").json()["version"] == 1
    assert api.get(f"/api/v1/incidents/{after}/playbook").json()["version"] == 2


def test_export_import_export_is_identical(api: httpx.Client) -> None:
    import_runbook(api, EXAMPLE.read_text())
    exported = api.get("/api/v1/playbooks/tracking/export", params={"format": "yaml"})
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("application/yaml")
    reimported = api.post(
        "/api/v1/playbooks", json={"content": exported.text, "name": "copy", "source_name": "copy.yaml"}
    ).json()
    assert reimported["created"] is True
    again = api.get("/api/v1/playbooks/copy/export").text
    assert again == exported.text


def test_bad_yaml_is_refused_with_where_it_is_wrong_and_nothing_is_stored(api: httpx.Client) -> None:
    content = EXAMPLE_YAML_HEADER + "title: x\nseverities: 12\n"
    body = {"content": content, "name": "bad", "source_name": "bad.yaml"}
    response = api.post("/api/v1/playbooks", json=body)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert "severities" in response.json()["detail"]
    assert api.get("/api/v1/playbooks").json() == []


def test_lint_reports_without_storing(api: httpx.Client) -> None:
    text = (
        "# Runbook\n\n## Severity\n\n| Level | Description | Response Time |\n|---|---|---|\n"
        "| P0 | Everything is down | 5 minutes |\n\n```bash\nrm -rf /tmp/x\n```\n"
    )
    report = api.post("/api/v1/playbooks/lint", json={"content": text, "source_name": "x.md"}).json()
    assert report["severities"][0]["name"] == "P0"
    assert report["severities"][0]["response_target_s"] == 300
    steps = [step for group in (*report["scenarios"], *report["procedures"]) for step in group["steps"]]
    kept = [(step["code"], step["safety"]) for step in steps] + [
        (u["text"], None) for u in report["unparsed"]
    ]
    assert ("rm -rf /tmp/x", "destructive") in kept  # the code block is kept and classified, never dropped
    assert api.get("/api/v1/playbooks").json() == []


@pytest.mark.parametrize(("role", "allowed"), [("viewer", False), ("responder", False), ("admin", True)])
def test_only_admins_import_and_apply(
    app_client: Callable[..., httpx.Client], role: str, allowed: bool
) -> None:
    client = app_client(role)
    body = {"content": EXAMPLE.read_text(), "name": "tracking", "source_name": "tracking.md"}
    assert (client.post("/api/v1/playbooks", json=body).status_code == 201) is allowed
    assert client.get("/api/v1/playbooks").status_code == 200


def test_an_alert_is_matched_to_the_active_playbooks_scenario(api: httpx.Client) -> None:
    import_runbook(api, EXAMPLE.read_text())
    api.post("/api/v1/playbooks/tracking/apply", json={})
    created = api.post("/api/v1/integrations", json={"name": "hooks", "source": "generic"}).json()
    alert = {
        "title": "Database connections exhausted on tracking-db",
        "severity": "critical",
        "dedup_key": "db-1",
    }
    response = api.post(f"/integrations/generic/{created['key']}", json=alert)
    assert response.status_code == 202, response.text
    number = response.json()["incidents_opened"][0]
    triage = [e for e in api.get(f"/api/v1/incidents/{number}/timeline").json() if e["kind"] == "triage"]
    assert triage[0]["details"]["scenario"] == "Database connections exhausted"
    assert triage[0]["details"]["playbook_version"] == "tracking@v1"
    assert triage[0]["details"]["scenario_score"] > 0.35


@requires_seeds
@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_every_seed_imports_and_applies(api: httpx.Client, prefix: str) -> None:
    path: Path = seed(prefix)
    imported = import_runbook(api, path.read_text(encoding="utf-8"), name=f"seed-{prefix}", source=path.name)
    assert imported["contents"]["severities"] == 4
    applied = api.post(f"/api/v1/playbooks/seed-{prefix}/apply", json={}).json()
    assert len(api.get("/api/v1/severities").json()) == 4
    assert applied["applied"]["active"] is True


def test_the_runbooks_templates_come_filled_with_the_incidents_facts(api: httpx.Client) -> None:
    import_runbook(api, EXAMPLE.read_text())
    api.post("/api/v1/playbooks/tracking/apply", json={})
    body = {
        "title": "Tracking API returns 502",
        "severity": "SEV1",
        "services": ["tracking-api"],
        "commander": "bob",
    }
    number = api.post("/api/v1/incidents", json=body).json()["id"]
    names = [t["name"] for t in api.get(f"/api/v1/incidents/{number}/messages").json()]
    assert names == ["Initial alert", "Status update", "Resolution"]
    message = api.get(f"/api/v1/incidents/{number}/messages/Initial alert").json()
    assert message["text"].startswith(
        ":rotating_light: SEV1 incident: Tracking API returns 502\nService: tracking-api"
    )
    assert "Incident commander: bob" in message["text"]
    assert message["unfilled"] == ["[Customer Impact]"]
    missing = api.get(f"/api/v1/incidents/{number}/messages/Postmortem")
    assert missing.status_code == 404
    assert "Initial alert" in missing.json()["detail"]
