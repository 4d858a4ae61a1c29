"""The Statuspage-compatible JSON API, checked against the field tables of PROTOCOLS.md §5: every field,
its type and its allowed values, on a page with components, incidents, updates and maintenance."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
import jsonschema
import pytest

from tocsin.clock import FakeClock
from tocsin.domain.incident import IncidentState
from tocsin.services.container import Services
from tocsin.services.incidents import Declaration
from tocsin.services.statuspage import ComponentSpec, MaintenanceSpec
from tocsin.services.statuspage_model import PublicStatus
from tocsin.web.app import create_app
from tocsin.web.inprocess import in_process_client

TIME = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"}
NULLABLE_TIME = {"anyOf": [TIME, {"type": "null"}]}
INCIDENT_STATUS = ["investigating", "identified", "monitoring", "resolved", "postmortem"]
COMPONENT_STATUS = [
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
]


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


PAGE = _object({
    "id": {"type": "string"}, "name": {"type": "string"}, "url": {"type": "string"},
    "time_zone": {"type": "string"}, "updated_at": TIME,
})  # fmt: skip
STATUS = _object({
    "indicator": {"enum": ["none", "minor", "major", "critical", "maintenance"]},
    "description": {"type": "string"},
})  # fmt: skip
COMPONENT = _object({
    "id": {"type": "string"}, "name": {"type": "string"}, "status": {"enum": COMPONENT_STATUS},
    "created_at": TIME, "updated_at": TIME, "position": {"type": "integer"},
    "description": {"type": ["string", "null"]}, "showcase": {"type": "boolean"},
    "start_date": {"type": ["string", "null"], "pattern": r"^\d{4}-\d\d-\d\d$"},
    "group_id": {"type": ["string", "null"]}, "page_id": {"type": "string"}, "group": {"type": "boolean"},
    "only_show_if_degraded": {"type": "boolean"},
})  # fmt: skip
UPDATE = _object({
    "id": {"type": "string"}, "incident_id": {"type": "string"}, "status": {"type": "string"},
    "body": {"type": "string"}, "created_at": TIME, "updated_at": TIME, "display_at": TIME,
    "affected_components": {"type": ["array", "null"]}, "deliver_notifications": {"type": "boolean"},
    "custom_tweet": {"type": ["string", "null"]}, "tweet_id": {"type": ["string", "null"]},
})  # fmt: skip
_INCIDENT_FIELDS = {
    "id": {"type": "string"}, "name": {"type": "string"}, "status": {"enum": INCIDENT_STATUS},
    "impact": {"enum": ["none", "minor", "major", "critical"]}, "created_at": TIME, "updated_at": TIME,
    "started_at": TIME, "monitoring_at": NULLABLE_TIME, "resolved_at": NULLABLE_TIME,
    "shortlink": {"type": "string"}, "page_id": {"type": "string"},
    "incident_updates": {"type": "array", "items": UPDATE}, "components": {"type": "array", "items": COMPONENT},
}  # fmt: skip
INCIDENT = _object(_INCIDENT_FIELDS)
MAINTENANCE = _object(_INCIDENT_FIELDS | {
    "status": {"enum": ["scheduled", "in_progress", "verifying", "completed"]},
    "impact": {"enum": ["maintenance", "none", "minor", "major", "critical"]},
    "scheduled_for": TIME, "scheduled_until": TIME,
})  # fmt: skip
DOCUMENTS = {
    "summary.json": _object({
        "page": PAGE, "status": STATUS, "components": {"type": "array", "items": COMPONENT},
        "incidents": {"type": "array", "items": INCIDENT},
        "scheduled_maintenances": {"type": "array", "items": MAINTENANCE},
    }),
    "status.json": _object({"page": PAGE, "status": STATUS}),
    "components.json": _object({"page": PAGE, "components": {"type": "array", "items": COMPONENT}}),
    "incidents.json": _object({"page": PAGE, "incidents": {"type": "array", "items": INCIDENT}}),
    "incidents/unresolved.json": _object({"page": PAGE, "incidents": {"type": "array", "items": INCIDENT}}),
    "scheduled-maintenances.json": _object({"page": PAGE, "scheduled_maintenances": {"type": "array", "items": MAINTENANCE}}),
    "scheduled-maintenances/upcoming.json": _object({"page": PAGE, "scheduled_maintenances": {"type": "array", "items": MAINTENANCE}}),
    "scheduled-maintenances/active.json": _object({"page": PAGE, "scheduled_maintenances": {"type": "array", "items": MAINTENANCE}}),
}  # fmt: skip


@pytest.fixture
def page(services: Services, clock: FakeClock) -> httpx.Client:
    """A page with two components, a resolved and an open customer-facing incident, an internal one,
    and a maintenance window starting tomorrow."""
    status = services.statuspage
    status.update_page(name="Example Co", time_zone="Europe/Berlin")
    api = status.create_component(ComponentSpec("API", services=["api"]))
    status.create_component(ComponentSpec("Website", description="www", services=["web"]))
    clock.advance(hours=1)
    old = services.incidents.declare(
        Declaration("Login errors", "SEV3", services=["web"], customer_facing=True), actor="t"
    )
    status.post_update(old.number, PublicStatus.INVESTIGATING, "Looking into login errors.", actor="t")
    services.incidents.change_state(old.number, IncidentState.RESOLVED, actor="t")
    services.incidents.declare(Declaration("Internal: disk 80%", "SEV1", services=["api"]), actor="t")
    clock.advance(hours=1)
    live = services.incidents.declare(
        Declaration("API errors", "SEV2", services=["api"], customer_facing=True), actor="t"
    )
    status.post_update(live.number, PublicStatus.INVESTIGATING, "Some requests fail.", actor="t")
    clock.advance(minutes=10)
    status.post_update(live.number, PublicStatus.MONITORING, "A fix is out; watching.", actor="t")
    start = clock.now() + timedelta(days=1)
    status.schedule_maintenance(
        MaintenanceSpec("DB upgrade", start, start + timedelta(hours=1), "", [api.id]), actor="t"
    )
    return in_process_client(create_app(services))


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_each_document_has_exactly_the_statuspage_fields(page: httpx.Client, name: str) -> None:
    response = page.get(f"/status/api/v2/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["access-control-allow-origin"] == "*"
    jsonschema.validate(response.json(), DOCUMENTS[name])


def test_the_summary_says_what_is_going_on(page: httpx.Client) -> None:
    summary = page.get("/status/api/v2/summary.json").json()
    assert summary["page"]["name"] == "Example Co"
    assert summary["page"]["time_zone"] == "Europe/Berlin"
    assert summary["page"]["url"].endswith("/status")
    assert summary["status"] == {"indicator": "major", "description": "Major Service Outage"}
    components = {c["name"]: c["status"] for c in summary["components"]}
    assert components == {"API": "partial_outage", "Website": "operational"}
    [incident] = summary["incidents"]  # the open customer-facing one; never the internal one
    assert (incident["name"], incident["status"], incident["impact"]) == ("API errors", "monitoring", "major")
    assert [u["body"] for u in incident["incident_updates"]] == [
        "A fix is out; watching.",
        "Some requests fail.",
    ]
    assert incident["monitoring_at"] == incident["incident_updates"][0]["created_at"]
    assert incident["shortlink"] == f"{summary['page']['url']}/incidents/{incident['id']}"
    assert [c["name"] for c in incident["components"]] == ["API"]
    [maintenance] = summary["scheduled_maintenances"]
    assert (maintenance["name"], maintenance["status"]) == ("DB upgrade", "scheduled")


def test_incidents_lists_recent_ones_newest_first_with_resolution(page: httpx.Client) -> None:
    incidents = page.get("/status/api/v2/incidents.json").json()["incidents"]
    assert [i["name"] for i in incidents] == ["API errors", "Login errors"]
    resolved = incidents[1]
    assert (resolved["status"], resolved["impact"], resolved["resolved_at"] is not None) == (
        "resolved",
        "minor",
        True,
    )
    unresolved = page.get("/status/api/v2/incidents/unresolved.json").json()["incidents"]
    assert [i["name"] for i in unresolved] == ["API errors"]
    assert "Internal" not in page.get("/status/api/v2/incidents.json").text


def test_responses_are_cacheable_and_revalidate_with_an_etag(page: httpx.Client) -> None:
    first = page.get("/status/api/v2/summary.json")
    assert first.headers["cache-control"] == "public, max-age=10"
    assert re.fullmatch(r'"[0-9a-f]{32}"', first.headers["etag"])
    assert first.headers["last-modified"].endswith("GMT")
    again = page.get("/status/api/v2/summary.json", headers={"If-None-Match": first.headers["etag"]})
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == first.headers["etag"]
    html = page.get("/status")
    assert html.headers["cache-control"] == "public, max-age=10"
    assert page.get("/status", headers={"If-None-Match": html.headers["etag"]}).status_code == 304


def test_a_change_shows_at_once_not_after_the_cache_expires(page: httpx.Client, services: Services) -> None:
    before = page.get("/status/api/v2/status.json")
    assert before.json()["status"]["indicator"] == "major"
    services.incidents.change_state(3, IncidentState.RESOLVED, actor="t")
    after = page.get("/status/api/v2/status.json", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.json()["status"] == {"indicator": "none", "description": "All Systems Operational"}
