"""The public status page (HTML and Atom) and how it is run: components and maintenance by admins over the
API and the UI, public updates and customer-facing incidents by responders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from xml.etree import ElementTree as ET

import httpx
import pytest
from fastapi import FastAPI

from tests.api.ui_support import browser, fast_accounts
from tocsin.clock import FakeClock
from tocsin.services.container import Services
from tocsin.services.incidents import Declaration
from tocsin.services.statuspage import ComponentSpec
from tocsin.services.statuspage_model import PublicStatus
from tocsin.web.app import create_app
from tocsin.web.inprocess import in_process_client

ATOM = "{http://www.w3.org/2005/Atom}"
XSS = '<script>alert(1)</script><img src=x onerror="alert(2)">'


@pytest.fixture
def app(services: Services) -> FastAPI:
    return create_app(fast_accounts(services))


@pytest.fixture
def public(app: FastAPI) -> httpx.Client:
    return in_process_client(app)  # nobody signed in


def _customer_facing(services: Services, title: str, severity: str = "SEV2", service: str = "api") -> int:
    declared = Declaration(title, severity, services=[service], customer_facing=True)
    return services.incidents.declare(declared, actor="t").number


def test_the_page_needs_no_sign_in_and_shows_state_components_and_updates(
    public: httpx.Client, services: Services
) -> None:
    services.statuspage.update_page(name="Example Co")
    services.statuspage.create_component(ComponentSpec("API", services=["api"]))
    number = _customer_facing(services, "API errors")
    services.statuspage.post_update(number, PublicStatus.IDENTIFIED, "A bad deploy; rolling back.", actor="t")
    page = public.get("/status")
    assert page.status_code == 200
    assert "<title>Example Co status</title>" in page.text
    assert "Major Service Outage" in page.text
    assert "Partial outage" in page.text
    assert "A bad deploy; rolling back." in page.text
    assert page.text.count('class="bar ') == 90
    assert "<script" not in page.text  # the public page runs no script at all
    assert "default-src 'none'" in page.headers["content-security-policy"]


def test_internal_incidents_and_notes_never_reach_the_public(
    public: httpx.Client, services: Services
) -> None:
    number = services.incidents.declare(Declaration("Secret db password rotated", "SEV1"), actor="t").number
    services.incidents.add_note(number, "password was hunter2", actor="t")
    for path in ("/status", "/status/history", "/status/history.atom", "/status/api/v2/incidents.json"):
        body = public.get(path).text
        assert "Secret db" not in body, path
        assert "hunter2" not in body, path
    assert public.get(f"/status/incidents/inc_{number}").status_code == 404


def test_what_responders_write_is_escaped_on_every_public_view(
    public: httpx.Client, services: Services
) -> None:
    number = _customer_facing(services, f"Outage {XSS}")
    services.statuspage.post_update(number, PublicStatus.INVESTIGATING, XSS, actor="t")
    for path in ("/status", f"/status/incidents/inc_{number}", "/status/history"):
        body = public.get(path).text
        assert "<script>alert(1)" not in body, path
        assert "<img src=x" not in body, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, path
    feed = ET.fromstring(public.get("/status/history.atom").content)
    content = feed.find(f"{ATOM}entry/{ATOM}content")
    assert content is not None
    assert content.text is not None
    assert "&lt;script&gt;" in content.text
    assert "<script>" not in content.text


def test_the_atom_feed_has_an_entry_per_incident_with_its_trail(
    public: httpx.Client, services: Services, clock: FakeClock
) -> None:
    first = _customer_facing(services, "Login errors")
    services.statuspage.post_update(first, PublicStatus.INVESTIGATING, "Looking.", actor="t")
    clock.advance(minutes=20)
    services.statuspage.post_update(first, PublicStatus.RESOLVED, "Fixed.", actor="t")
    clock.advance(hours=1)
    second = _customer_facing(services, "Slow API")
    response = public.get("/status/history.atom")
    assert response.headers["content-type"] == "application/atom+xml"
    assert "etag" in response.headers
    feed = ET.fromstring(response.content)
    assert feed.findtext(f"{ATOM}title") == "Status - Incident History"
    assert feed.findtext(f"{ATOM}id") == "tag:localhost,2005:/history"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Slow API", "Login errors"]
    assert entries[1].findtext(f"{ATOM}id") == f"tag:localhost,2005:Incident/inc_{first}"
    trail = entries[1].findtext(f"{ATOM}content") or ""
    assert trail.index("Fixed.") < trail.index("Looking.")  # newest first
    assert entries[0].find(f"{ATOM}link").get("href") == f"http://localhost/status/incidents/inc_{second}"  # type: ignore[union-attr]
    for entry in entries:
        assert entry.findtext(f"{ATOM}updated")
        assert entry.findtext(f"{ATOM}published")


def test_admins_manage_components_over_the_api(
    api: httpx.Client, app_client: Callable[..., httpx.Client]
) -> None:
    made = api.post("/api/v1/status/components", json={"name": "API", "services": ["api", "gateway"]})
    assert made.status_code == 201
    component = made.json()
    assert (component["position"], component["services"]) == (1, ["api", "gateway"])
    assert api.post("/api/v1/status/components", json={"name": "API"}).status_code == 409
    patched = api.patch(
        f"/api/v1/status/components/{component['id']}", json={"status_override": "under_maintenance"}
    )
    assert patched.json()["status_override"] == "under_maintenance"
    assert patched.json()["services"] == ["api", "gateway"]  # untouched fields stay
    assert (
        api.patch(f"/api/v1/status/components/{component['id']}", json={"status_override": None}).json()[
            "status_override"
        ]
        is None
    )
    responder = app_client("responder")
    assert responder.post("/api/v1/status/components", json={"name": "Web"}).status_code == 403
    assert responder.get("/api/v1/status/components").status_code == 200
    assert api.delete(f"/api/v1/status/components/{component['id']}").status_code == 204
    assert api.get("/api/v1/status/components").json() == []


def test_maintenance_is_scheduled_and_cancelled_over_the_api(api: httpx.Client, clock: FakeClock) -> None:
    component = api.post("/api/v1/status/components", json={"name": "DB"}).json()
    start = clock.now() + timedelta(hours=1)
    body = {"name": "Upgrade", "scheduled_for": start.isoformat(), "scheduled_until": (start + timedelta(hours=2)).isoformat(),
            "components": [component["id"]]}  # fmt: skip
    made = api.post("/api/v1/status/maintenances", json=body)
    assert made.status_code == 201
    upcoming = api.get("/status/api/v2/scheduled-maintenances/upcoming.json").json()["scheduled_maintenances"]
    assert [m["name"] for m in upcoming] == ["Upgrade"]
    backwards = body | {"scheduled_until": start.isoformat()}
    assert api.post("/api/v1/status/maintenances", json=backwards).json()["code"] == "bad_window"
    assert api.delete(f"/api/v1/status/maintenances/{made.json()['id']}").status_code == 204
    assert (
        api.get("/status/api/v2/scheduled-maintenances/upcoming.json").json()["scheduled_maintenances"] == []
    )


def test_public_updates_need_a_customer_facing_incident(api: httpx.Client, services: Services) -> None:
    number = services.incidents.declare(Declaration("Internal", "SEV2"), actor="t").number
    update = {"status": "investigating", "body": "We are looking into it."}
    refused = api.post(f"/api/v1/incidents/{number}/public-updates", json=update)
    assert (refused.status_code, refused.json()["code"]) == (409, "not_customer_facing")
    marked = api.post(f"/api/v1/incidents/{number}/customer-facing", json={"customer_facing": True})
    assert marked.json()["customer_facing"] is True
    posted = api.post(f"/api/v1/incidents/{number}/public-updates", json=update)
    assert posted.status_code == 201
    assert (
        api.get(f"/api/v1/incidents/{number}/public-updates").json()[0]["body"] == "We are looking into it."
    )
    kinds = [e["kind"] for e in api.get(f"/api/v1/incidents/{number}/timeline").json()]
    assert kinds[-2:] == ["customer_facing_changed", "public_update"]
    assert "We are looking into it." in api.get("/status").text


def test_responders_publish_from_the_incident_page(
    app: FastAPI, services: Services, public: httpx.Client
) -> None:
    alice = browser(app, services, "responder", username="alice")
    services.statuspage.create_component(ComponentSpec("Checkout", services=["checkout"]))
    number = services.incidents.declare(
        Declaration("Checkout 502", "SEV1", services=["checkout"]), actor="t"
    ).number
    assert "Checkout 502" not in public.get("/status").text
    alice.post_form(f"/incidents/{number}/customer-facing", {"customer_facing": "true"}, htmx=True)
    page = alice.get(f"/incidents/{number}").text
    assert "Post public update" in page
    alice.post_form(
        f"/incidents/{number}/public-update", {"status": "identified", "body": "A fix is rolling out."}
    )
    status = public.get("/status").text
    assert "Checkout 502" in status
    assert "A fix is rolling out." in status
    assert "Major outage" in status
    assert services.statuspage.updates(number)[0].author == "alice"


def test_admins_run_the_status_page_from_the_ui(app: FastAPI, services: Services, clock: FakeClock) -> None:
    admin = browser(app, services, "admin")
    admin.post_form("/admin/status/page", {"name": "Acme", "time_zone": "Europe/Paris"})
    admin.post_form("/admin/status/component", {"name": "API", "services": "api, edge", "showcase": "on"})
    [component] = services.statuspage.components()
    assert (component.name, component.services, component.showcase) == ("API", ("api", "edge"), True)
    start = (clock.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")  # the form's local time: UTC here
    end = (clock.now() + timedelta(days=1, hours=1)).strftime("%Y-%m-%dT%H:%M")
    done = admin.post_form("/admin/status/maintenance",
                           {"name": "Upgrade", "scheduled_for": start, "scheduled_until": end, "components": str(component.id)})  # fmt: skip
    assert "Scheduled the maintenance." in done.text
    assert services.statuspage.page().name == "Acme"
    assert services.statuspage.maintenances()[0].component_ids == (component.id,)
    bad = admin.post_form("/admin/status/page", {"name": "Acme", "time_zone": "Nowhere/Land"})
    assert bad.status_code == 400
    assert "is not a time zone" in bad.text
