"""The incident pages as a responder uses them: the list and its filters, the incident page (escaped
alert text, alerts paged, actions with and without htmx), the declare form, and the reference pages."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from tests.api.ui_support import Browser, browser, fast_accounts
from tests.seeds import requires_seeds, seed
from tocsin.clock import FakeClock
from tocsin.domain.incident import IncidentState
from tocsin.services.container import Services
from tocsin.services.incidents import Declaration
from tocsin.services.integrations import SourceName
from tocsin.web.app import create_app
from tocsin.web.inprocess import in_process_client

XSS = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


@pytest.fixture
def app(services: Services) -> FastAPI:
    return create_app(fast_accounts(services))


@pytest.fixture
def alice(app: FastAPI, services: Services) -> Browser:
    return browser(app, services, "responder", username="alice")


def _declare(svc: Services, title: str, severity: str = "SEV2", **extra: object) -> int:
    return svc.incidents.declare(Declaration(title, severity, **extra), actor="test").number  # type: ignore[arg-type]


def _alert(app: FastAPI, services: Services, **fields: object) -> httpx.Response:
    """Send one generic-webhook message through a new integration, as a monitoring system would."""
    _, key = services.integrations.create("prometheus", SourceName.GENERIC)
    with in_process_client(app) as sender:
        return sender.post(f"/integrations/generic/{key}", json=fields)


def test_the_list_filters_by_state_severity_and_service(alice: Browser, services: Services) -> None:
    db_down = _declare(services, "Database down", "SEV1", services=["db"])
    _declare(services, "Slow search", "SEV3", services=["search"])
    old = _declare(services, "Old outage", "SEV2", services=["db"])
    services.incidents.change_state(old, IncidentState.RESOLVED, actor="test")
    page = alice.get("/incidents").text
    assert "Database down" in page
    assert "Slow search" in page
    assert "Old outage" not in page  # open ones by default
    assert "Old outage" in alice.get("/incidents?show=resolved").text
    only_sev1 = alice.get("/incidents?show=all&severity=P0").text  # an alias works too
    assert "Database down" in only_sev1
    assert "Slow search" not in only_sev1
    db = alice.get("/incidents?show=all&service=db").text
    assert "Database down" in db
    assert "Old outage" in db
    assert "Slow search" not in db
    fragment = alice.get("/incidents?show=all&service=db", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    assert f'id="row-{db_down}"' in fragment.text
    assert alice.get("/incidents?severity=SEV9").status_code == 400


def test_the_list_pages_by_fifty(alice: Browser, services: Services, clock: FakeClock) -> None:
    for n in range(55):
        _declare(services, f"Incident number {n}")
        clock.advance(seconds=1)
    first = alice.get("/incidents").text
    assert "55 incidents" in first
    assert "page 1 of 2" in first
    assert "Incident number 54" in first
    assert "Incident number 4<" not in first
    second = alice.get("/incidents?page=2").text
    assert "Incident number 4<" in second
    assert "Incident number 54" not in second


def test_alert_text_is_shown_as_text_never_as_markup(
    app: FastAPI, alice: Browser, services: Services
) -> None:
    sent = _alert(app, services, title=f"CPU {XSS}", summary=XSS, labels={"team": XSS})
    assert sent.status_code == 202, sent.text
    for path in ("/incidents", "/incidents/1"):
        page = alice.get(path).text
        assert "<script>alert(2)" not in page
        assert "<img src=x" not in page
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    headers = alice.get("/incidents/1").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "'unsafe-inline'" not in headers["content-security-policy"]


def test_the_incident_page_shows_alerts_a_page_at_a_time(
    app: FastAPI, alice: Browser, services: Services
) -> None:
    alerts = [{"title": f"disk {n} full", "dedup_key": f"disk-{n}", "group_key": "disks"} for n in range(30)]
    assert _alert(app, services, alerts=alerts).status_code == 202
    page = alice.get("/incidents/1").text
    assert "30 firing of 30" in page
    assert "disk 0 full" in page
    assert "disk 24 full" in page
    assert "disk 25 full" not in page
    more = page.split('hx-get="/incidents/1/alerts?after=')[1].split('"')[0]
    rest = alice.get(f"/incidents/1/alerts?after={more}").text
    assert "disk 25 full" in rest
    assert "disk 29 full" in rest
    assert "disk 24 full" not in rest
    assert "More alerts" not in rest


def test_actions_change_the_incident_and_are_signed_by_the_responder(
    alice: Browser, services: Services
) -> None:
    number = _declare(services, "Checkout down", "SEV1")
    assert alice.post_form(f"/incidents/{number}/ack").headers["location"] == f"/incidents/{number}"
    alice.post_form(f"/incidents/{number}/state", {"state": "identified", "note": "bad deploy"})
    alice.post_form(f"/incidents/{number}/severity", {"severity": "SEV2"})
    alice.post_form(f"/incidents/{number}/role", {"role": "commander", "person": "bob"})
    alice.post_form(f"/incidents/{number}/note", {"text": "rolled back"})
    alice.post_form(f"/incidents/{number}/resolve", {"note": "error rate normal"})
    incident = services.incidents.get(number)
    assert (incident.state, incident.severity, incident.commander) == ("resolved", "SEV2", "bob")
    mine = {"acknowledged", "state_changed", "severity_changed", "role_assigned", "note"}
    actors = [e.actor for e in services.incidents.timeline(number) if e.kind in mine]
    assert actors == ["alice"] * 6
    page = alice.get(f"/incidents/{number}").text
    for words in ("acknowledged", "moved it acknowledged → identified", "bad deploy", "changed severity SEV1 → SEV2",
                  "made bob commander", "rolled back", "error rate normal"):  # fmt: skip
        assert words in page


def test_with_htmx_an_action_returns_the_refreshed_panel(alice: Browser, services: Services) -> None:
    number = _declare(services, "Checkout down", "SEV1")
    response = alice.post_form(f"/incidents/{number}/ack", htmx=True)
    assert response.status_code == 200
    assert response.text.startswith('<div id="incident-actions"')
    assert 'id="incident-summary" hx-swap-oob="true"' in response.text
    assert 'id="incident-state">acknowledged<' in response.text
    assert "Acknowledge</button>" not in response.text


def test_a_refused_action_explains_itself_in_the_flash_area(alice: Browser, services: Services) -> None:
    number = _declare(services, "Checkout down", "SEV1")
    alice.post_form(f"/incidents/{number}/ack")
    again = alice.post_form(f"/incidents/{number}/ack", htmx=True)
    assert again.status_code == 409
    assert again.headers["hx-retarget"] == "#flash"
    assert "already acknowledged by alice" in again.text
    plain = alice.post_form(f"/incidents/{number}/state", {"state": "closed"})
    assert plain.status_code == 409
    assert "cannot move an incident from acknowledged to closed" in plain.text
    assert "<html" in plain.text  # a whole page without htmx
    assert alice.get("/incidents/999").status_code == 404


def test_declaring_from_the_form(alice: Browser, services: Services) -> None:
    form = alice.get("/incidents/new").text
    assert "Critical: complete outage" in form  # the scheme's descriptions guide the choice
    made = alice.post_form(
        "/incidents/new",
        {"title": "EU checkout 502", "severity": "SEV1", "summary": "since 14:02", "services": "checkout, eu",
         "commander": "alice", "customer_facing": "on"},
    )  # fmt: skip
    assert made.status_code == 303
    incident = services.incidents.get(int(made.headers["location"].rsplit("/", 1)[1]))
    assert (incident.title, incident.severity, incident.services) == (
        "EU checkout 502",
        "SEV1",
        ("checkout", "eu"),
    )
    assert (incident.commander, incident.customer_facing, incident.created_by) == ("alice", True, "alice")
    refused = alice.post_form("/incidents/new", {"title": "Kept", "severity": "SEV9", "services": "api"})
    assert refused.status_code == 400
    assert "unknown severity" in refused.text
    assert 'value="Kept"' in refused.text
    assert 'value="api"' in refused.text


def test_viewers_see_no_action_forms(app: FastAPI, services: Services) -> None:
    viewer = browser(app, services, "viewer")
    number = _declare(services, "Checkout down", "SEV1")
    page = viewer.get(f"/incidents/{number}").text
    assert "Checkout down" in page
    assert "Acknowledge</button>" not in page
    assert "/ack" not in page
    assert viewer.post_form(f"/incidents/{number}/ack").status_code == 403


def test_integrations_show_key_prefixes_and_the_last_alert(
    app: FastAPI, alice: Browser, services: Services, clock: FakeClock
) -> None:
    _, quiet_key = services.integrations.create("grafana", SourceName.GRAFANA)
    assert _alert(app, services, title="disk full").status_code == 202
    clock.advance(minutes=5)
    page = alice.get("/integrations").text
    prometheus = services.integrations.get("prometheus")
    assert f"<code>{prometheus.key_prefix}…</code>" in page
    assert f"<code>{quiet_key[:6]}…</code>" in page
    assert quiet_key not in page  # never the whole key
    assert "5m 00s ago" in page
    assert "never" in page


def test_the_oncall_page_shows_now_next_and_two_weeks(
    app: FastAPI, alice: Browser, services: Services, clock: FakeClock
) -> None:
    from datetime import time

    from tocsin.domain.schedule import Layer, Rotation, RotationKind, Schedule
    from tocsin.store.people import User

    paging = services.paging
    for user in ("dana", "erin"):
        paging.people.create_user(User(user, user.capitalize(), f"{user}@example.org"))
    rotation = Rotation(("dana", "erin"), clock.now().date(), time(9, 0), "UTC", RotationKind.WEEKLY)
    paging.schedules.create(Schedule("primary", "Primary on-call", "UTC", (Layer(rotation, "primary"),)))
    page = alice.get("/oncall").text
    now_row = page.split("<tbody>")[1].split("</tbody>")[0]
    assert "Primary on-call" in now_row
    assert "Dana" in now_row
    assert "Erin" in now_row
    grid = page.split("The next two weeks")[1]
    assert grid.count('<td class="on') == 14
    assert grid.count("Dana") >= 7
    assert grid.count("Erin") >= 7
    clock.advance(timedelta(days=7, hours=1))
    later = browser(app, services, "viewer")  # a week on: alice's session has long expired
    now_cell = later.get("/oncall").text.split("<tbody>")[1].split("</td>")[1]
    assert now_cell.strip().endswith("Erin")


@requires_seeds
def test_playbooks_and_the_matched_scenario_checklist(
    app: FastAPI, alice: Browser, services: Services
) -> None:
    services.playbooks.import_text(seed("003").read_text(), name="mangu", source_name="003.md", actor="test")
    services.playbooks.apply("mangu", actor="test")
    listing = alice.get("/playbooks").text
    assert "mangu" in listing
    assert "active" in listing
    report = alice.get("/playbooks/mangu/1").text
    assert "Severity levels" in report
    assert "Not understood" in report
    form = alice.get("/incidents/new").text
    assert "Is the main site accessible?" in form
    assert 'data-severity="P0"' in form
    sent = _alert(app, services, title="Database connection failure", summary="too many connections",
                  labels={"service": "api"})  # fmt: skip
    assert sent.status_code == 202
    page = alice.get("/incidents/1").text
    assert "Runbook: Database Connection Failure" in page
    assert "Check RDS status" in page
    assert "read-only" in page
    assert "destructive" in page
    done = alice.post_form("/incidents/1/checklist", {"step": "0"}, htmx=True)
    assert done.status_code == 200
    notes = [e for e in services.incidents.timeline(1) if e.kind == "note"]
    assert notes[-1].actor == "alice"
    assert "Check RDS status" in notes[-1].details["text"]
    checklist = alice.get("/incidents/1").text.split('id="checklist"')[1].split("</section>")[0]
    assert checklist.count('title="done"') == 1
