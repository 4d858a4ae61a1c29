"""The REST API through the real app and real tokens: every incident endpoint, its filters and paging,
problem JSON for every refusal (with nothing written), authentication, roles, OpenAPI and health."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from tocsin.clock import FakeClock
from tocsin.domain.incident import LIMITS
from tocsin.services.container import Services, build_services
from tocsin.services.tokens import ApiRole
from tocsin.store.db import Database
from tocsin.web.app import create_app
from tocsin.web.inprocess import in_process_client

AppClient = Callable[..., httpx.Client]
PG_URL = os.environ.get("TOCSIN_TEST_DATABASE_URL")


def declare(
    api: httpx.Client, title: str = "Checkout is down", severity: str = "SEV1", **body: Any
) -> dict[str, Any]:
    response = api.post("/api/v1/incidents", json={"title": title, "severity": severity, **body})
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def timeline(api: httpx.Client, incident: str = "INC-1") -> list[dict[str, Any]]:
    response = api.get(f"/api/v1/incidents/{incident}/timeline")
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()
    return entries


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is problem JSON (RFC 9457) with this status and stable code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith(f"/{code}")
    assert body["title"]
    assert body["detail"]
    return body


def snapshot(api: httpx.Client) -> tuple[Any, ...]:
    """Everything a refused request could have changed: the incident list and each timeline."""
    page = api.get("/api/v1/incidents", params={"limit": 500}).json()
    return (page, *(tuple(e["id"] for e in timeline(api, item["id"])) for item in page["items"]))


# -- declaring, showing, listing -------------------------------------------------------------------------


def test_declare_returns_the_incident_with_its_times(api: httpx.Client, clock: FakeClock) -> None:
    response = api.post(
        "/api/v1/incidents",
        json={
            "title": "Checkout is down",
            "severity": "P0",
            "summary": "500s on /checkout",
            "services": ["checkout", "payments"],
            "commander": "bob",
            "customer_facing": True,
        },
    )
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    item = response.json()
    assert (item["id"], item["number"], item["state"], item["severity"]) == ("INC-1", 1, "triggered", "SEV1")
    assert item["services"] == ["checkout", "payments"]
    assert item["roles"] == {"commander": "bob"}
    assert item["customer_facing"] is True
    assert item["created_by"].startswith("token:")
    assert item["started_at"] == clock.now().isoformat().replace("+00:00", "Z")
    times = item["times"]
    assert (times["response_target"], times["resolution_target"]) == ("pending", "pending")
    assert times["time_to_acknowledge_s"] is None


def test_show_finds_an_incident_by_any_form_of_its_id(api: httpx.Client) -> None:
    declare(api)
    for form in ("INC-1", "inc-1", "1"):
        response = api.get(f"/api/v1/incidents/{form}")
        assert response.status_code == 200
        assert response.json()["id"] == "INC-1"


def test_list_filters_by_state_severity_service_and_time(api: httpx.Client, clock: FakeClock) -> None:
    start = clock.now()
    declare(api, "api slow", "SEV2", services=["api"])
    clock.advance(hours=1)
    declare(api, "db down", "SEV1", services=["db", "api"])
    clock.advance(hours=1)
    declare(api, "typo", "SEV4", services=["web"])
    api.post("/api/v1/incidents/INC-2/resolve")

    def ids(**params: Any) -> list[str]:
        response = api.get("/api/v1/incidents", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["total"] == len(page["items"])
        return [item["id"] for item in page["items"]]

    hour = timedelta(hours=1)
    assert ids() == ["INC-3", "INC-2", "INC-1"]
    assert ids(state="triggered") == ["INC-3", "INC-1"]
    assert ids(state=["resolved", "closed"]) == ["INC-2"]
    assert ids(severity=["SEV1", "Low"]) == ["INC-3", "INC-2"]  # aliases work in filters too
    assert ids(service="api") == ["INC-2", "INC-1"]
    assert ids(since=(start + hour).isoformat()) == ["INC-3", "INC-2"]
    assert ids(until=(start + hour).isoformat()) == ["INC-1"]
    assert ids(since=(start + timedelta(minutes=1)).isoformat(), until=(start + 2 * hour).isoformat()) == [
        "INC-2"
    ]
    assert ids(since="2026-01-05T10:00:00+01:00") == ["INC-3", "INC-2", "INC-1"]  # offsets are honoured
    assert ids(state="triggered", service="api") == ["INC-1"]


def test_list_pages_with_a_total(api: httpx.Client, clock: FakeClock) -> None:
    for n in range(5):
        declare(api, f"incident {n}")
        clock.advance(minutes=1)
    first = api.get("/api/v1/incidents", params={"limit": 2}).json()
    assert (first["total"], first["limit"], first["offset"]) == (5, 2, 0)
    assert [i["id"] for i in first["items"]] == ["INC-5", "INC-4"]
    last = api.get("/api/v1/incidents", params={"limit": 2, "offset": 4}).json()
    assert [i["id"] for i in last["items"]] == ["INC-1"]
    beyond = api.get("/api/v1/incidents", params={"offset": 10}).json()
    assert (beyond["items"], beyond["total"]) == ([], 5)


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"limit": 0}, 422, "validation_error"),
        ({"limit": 501}, 422, "validation_error"),
        ({"offset": -1}, 422, "validation_error"),
        ({"state": "sleeping"}, 422, "validation_error"),
        ({"since": "yesterday"}, 422, "validation_error"),
        ({"severity": "SEV9"}, 400, "unknown_severity"),
    ],
)
def test_bad_list_parameters_are_problems(
    api: httpx.Client, params: dict[str, Any], status: int, code: str
) -> None:
    assert_problem(api.get("/api/v1/incidents", params=params), status, code)


def test_a_time_filter_without_a_zone_is_not_a_server_error(api: httpx.Client) -> None:
    declare(api)
    response = api.get("/api/v1/incidents", params={"since": "2026-01-05T08:00:00"})
    assert response.status_code < 500


# -- changing ----------------------------------------------------------------------------------------------


def test_ack_records_the_token_as_the_responder(app_client: AppClient, clock: FakeClock) -> None:
    admin, responder = app_client("admin"), app_client("responder")
    declare(admin)
    clock.advance(minutes=3)
    response = responder.post("/api/v1/incidents/INC-1/ack")
    assert response.status_code == 200
    item = response.json()
    assert item["state"] == "acknowledged"
    assert item["acknowledged_by"] == "token:test-responder-1"
    assert item["times"]["time_to_acknowledge_s"] == 180
    assert item["times"]["response_target"] == "met"
    assert [(e["kind"], e["actor"]) for e in timeline(admin)][-1] == (
        "acknowledged",
        "token:test-responder-1",
    )


def test_a_second_ack_is_a_conflict_and_writes_nothing(api: httpx.Client) -> None:
    declare(api)
    api.post("/api/v1/incidents/INC-1/ack")
    before = snapshot(api)
    body = assert_problem(api.post("/api/v1/incidents/INC-1/ack"), 409, "already_acknowledged")
    assert "already acknowledged" in body["detail"]
    assert snapshot(api) == before


def test_state_changes_walk_the_lifecycle(api: httpx.Client, clock: FakeClock) -> None:
    declare(api)
    for state in (
        "acknowledged",
        "investigating",
        "identified",
        "mitigating",
        "monitoring",
        "resolved",
        "closed",
    ):
        clock.advance(minutes=5)
        response = api.post("/api/v1/incidents/INC-1/state", json={"state": state, "note": f"to {state}"})
        assert response.status_code == 200, response.text
        assert response.json()["state"] == state
    item = api.get("/api/v1/incidents/INC-1").json()
    assert item["times"]["time_to_resolve_s"] == 30 * 60
    assert item["closed_at"] is not None
    moves = [
        (e["details"]["from"], e["details"]["to"]) for e in timeline(api) if e["kind"] == "state_changed"
    ]
    assert moves[0] == ("acknowledged", "investigating")
    assert moves[-1] == ("resolved", "closed")


def test_resolve_with_and_without_a_note(api: httpx.Client) -> None:
    declare(api, "one")
    declare(api, "two")
    assert api.post("/api/v1/incidents/INC-1/resolve").json()["state"] == "resolved"
    resolved = api.post("/api/v1/incidents/INC-2/resolve", json={"note": "rolled back"}).json()
    assert resolved["state"] == "resolved"
    assert resolved["resolved_at"] is not None
    assert timeline(api, "INC-2")[-1]["details"] == {
        "from": "triggered",
        "to": "resolved",
        "note": "rolled back",
    }


def test_reopen_moves_a_resolved_incident_back_to_investigating(api: httpx.Client) -> None:
    declare(api)
    api.post("/api/v1/incidents/INC-1/resolve")
    response = api.post(
        "/api/v1/incidents/INC-1/state", json={"state": "investigating", "note": "it is back"}
    )
    assert response.status_code == 200
    item = response.json()
    assert (item["state"], item["resolved_at"], item["times"]["resolved_at"]) == ("investigating", None, None)


def test_severity_change(api: httpx.Client) -> None:
    declare(api, severity="SEV3")
    response = api.post("/api/v1/incidents/INC-1/severity", json={"severity": "Critical"})
    assert response.status_code == 200
    assert response.json()["severity"] == "SEV1"
    assert timeline(api)[-1]["details"] == {"from": "SEV3", "to": "SEV1"}
    assert_problem(api.post("/api/v1/incidents/INC-1/severity", json={"severity": "P0"}), 409, "unchanged")


def test_roles_notes_and_links(api: httpx.Client) -> None:
    declare(api)
    roles = api.post("/api/v1/incidents/INC-1/roles", json={"role": "communications", "person": "carol"})
    assert roles.status_code == 200
    assert roles.json()["roles"] == {"communications": "carol"}
    note = api.post("/api/v1/incidents/INC-1/notes", json={"text": "Failover started."})
    assert note.status_code == 201
    link = api.post(
        "/api/v1/incidents/INC-1/links", json={"url": "https://grafana.example.com/d/1", "title": "Grafana"}
    )
    assert link.status_code == 201
    assert link.json()["links"] == [{"url": "https://grafana.example.com/d/1", "title": "Grafana"}]
    assert [(e["kind"], e["details"]) for e in timeline(api)[1:]] == [
        ("role_assigned", {"role": "communications", "person": "carol", "previous": None}),
        ("note", {"text": "Failover started."}),
        ("link_added", {"url": "https://grafana.example.com/d/1", "title": "Grafana"}),
    ]


def test_the_timeline_pages_forward(api: httpx.Client) -> None:
    declare(api)
    for n in range(3):
        api.post("/api/v1/incidents/INC-1/notes", json={"text": f"note {n}"})
    everything = timeline(api)
    assert [e["kind"] for e in everything] == ["declared", "note", "note", "note"]
    assert everything == sorted(everything, key=lambda e: e["id"])
    page = api.get(
        "/api/v1/incidents/INC-1/timeline", params={"after": everything[0]["id"], "limit": 2}
    ).json()
    assert [e["details"]["text"] for e in page] == ["note 0", "note 1"]
    assert_problem(api.get("/api/v1/incidents/INC-1/timeline", params={"limit": 0}), 422, "validation_error")


# -- refusals: problem JSON, and nothing written -----------------------------------------------------------


def over(limit: int) -> str:
    """A text one character over ``limit``."""
    return "x" * (limit + 1)


INVALID = (422, "validation_error")  # refused by the request schema, before any use case runs
ONE = "/incidents/INC-1"

# fmt: off
REFUSALS: list[tuple[str, str, dict[str, Any] | None, tuple[int, str]]] = [
    ("declare: unknown severity", "/incidents", {"title": "x", "severity": "SEV9"}, (400, "unknown_severity")),
    ("declare: empty title", "/incidents", {"title": "", "severity": "SEV1"}, INVALID),
    ("declare: blank title", "/incidents", {"title": "   ", "severity": "SEV1"}, (400, "empty_field")),
    ("declare: no severity", "/incidents", {"title": "x"}, INVALID),
    ("declare: title too long", "/incidents", {"title": over(LIMITS.title), "severity": "SEV1"}, INVALID),
    ("declare: summary too long", "/incidents", {"title": "x", "severity": "SEV1", "summary": over(LIMITS.summary)}, INVALID),
    ("declare: too many services", "/incidents", {"title": "x", "severity": "SEV1", "services": ["s"] * (LIMITS.services + 1)}, INVALID),
    ("declare: service too long", "/incidents", {"title": "x", "severity": "SEV1", "services": [over(LIMITS.service_name)]}, (400, "too_long")),
    ("declare: unknown field", "/incidents", {"title": "x", "severity": "SEV1", "colour": "red"}, INVALID),
    ("ack: unknown incident", "/incidents/INC-99/ack", None, (404, "incident_not_found")),
    ("ack: malformed id", "/incidents/banana/ack", None, (400, "invalid_incident_id")),
    ("state: invalid transition", f"{ONE}/state", {"state": "closed"}, (409, "invalid_transition")),
    ("state: unknown state", f"{ONE}/state", {"state": "sleeping"}, INVALID),
    ("state: note too long", f"{ONE}/state", {"state": "investigating", "note": over(LIMITS.note)}, INVALID),
    ("severity: unknown", f"{ONE}/severity", {"severity": "SEV0"}, (400, "unknown_severity")),
    ("roles: unknown role", f"{ONE}/roles", {"role": "janitor", "person": "x"}, INVALID),
    ("roles: person too long", f"{ONE}/roles", {"role": "scribe", "person": over(LIMITS.person)}, INVALID),
    ("notes: empty", f"{ONE}/notes", {"text": ""}, INVALID),
    ("notes: too long", f"{ONE}/notes", {"text": over(LIMITS.note)}, INVALID),
    ("notes: unknown incident", "/incidents/INC-42/notes", {"text": "hi"}, (404, "incident_not_found")),
    ("links: bad URL", f"{ONE}/links", {"url": "not a url"}, (400, "invalid_url")),
    ("links: not http", f"{ONE}/links", {"url": "javascript:alert(1)"}, (400, "invalid_url")),
    ("links: URL too long", f"{ONE}/links", {"url": "https://x.example/" + over(LIMITS.url)}, INVALID),
    ("links: title too long", f"{ONE}/links", {"url": "https://x.example", "title": over(LIMITS.link_title)}, INVALID),
]
# fmt: on


@pytest.mark.parametrize(("path", "body", "problem"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_refused_requests_are_problems_and_write_nothing(
    api: httpx.Client, path: str, body: dict[str, Any] | None, problem: tuple[int, str]
) -> None:
    declare(api)
    before = snapshot(api)
    assert_problem(api.post(f"/api/v1{path}", json=body), *problem)
    assert snapshot(api) == before


def test_a_validation_problem_names_the_field(api: httpx.Client) -> None:
    body = assert_problem(
        api.post("/api/v1/incidents", json={"title": "x" * (LIMITS.title + 1), "severity": "SEV1"}),
        422,
        "validation_error",
    )
    assert [error["field"] for error in body["errors"]] == ["title"]
    assert "title" in body["detail"]


def test_an_unknown_incident_is_a_404_problem_on_every_read(api: httpx.Client) -> None:
    for path in ("/api/v1/incidents/INC-5", "/api/v1/incidents/INC-5/timeline"):
        body = assert_problem(api.get(path), 404, "incident_not_found")
        assert "INC-5" in body["detail"]


def test_an_unknown_route_is_a_problem_too(api: httpx.Client) -> None:
    assert_problem(api.get("/api/v1/nothing-here"), 404, "not_found")


# -- authentication and roles ------------------------------------------------------------------------------


@pytest.fixture
def raw_client(services: Services) -> Iterator[Callable[[dict[str, str]], httpx.Client]]:
    """A client of the real app sending exactly the headers given (for bad and missing tokens)."""
    app = create_app(services)
    clients: list[httpx.Client] = []

    def make(headers: dict[str, str]) -> httpx.Client:
        clients.append(in_process_client(app, headers=headers))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer tocsin_not-a-real-token"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "tocsin_not-a-real-token"},
    ],
    ids=["no header", "unknown token", "empty bearer", "basic auth", "no scheme"],
)
def test_every_api_call_needs_a_valid_token(
    raw_client: Callable[[dict[str, str]], httpx.Client], api: httpx.Client, headers: dict[str, str]
) -> None:
    declare(api)
    client = raw_client(headers)
    for method, path in (
        ("GET", "/incidents"),
        ("GET", "/incidents/INC-1"),
        ("POST", "/incidents/INC-1/ack"),
    ):
        response = client.request(method, f"/api/v1{path}")
        assert_problem(response, 401, "unauthenticated")
        assert response.headers["www-authenticate"] == "Bearer"
    assert api.get("/api/v1/incidents/INC-1").json()["state"] == "triggered"


def test_a_revoked_token_stops_working(
    services: Services, raw_client: Callable[[dict[str, str]], httpx.Client]
) -> None:
    _, secret = services.tokens.create("laptop", ApiRole.RESPONDER)
    client = raw_client({"Authorization": f"Bearer {secret}"})
    assert client.get("/api/v1/incidents").status_code == 200
    services.tokens.revoke("laptop")
    assert_problem(client.get("/api/v1/incidents"), 401, "unauthenticated")


WRITES: list[tuple[str, dict[str, Any] | None]] = [
    ("/incidents", {"title": "x", "severity": "SEV1"}),
    ("/incidents/INC-1/ack", None),
    ("/incidents/INC-1/state", {"state": "investigating"}),
    ("/incidents/INC-1/resolve", None),
    ("/incidents/INC-1/severity", {"severity": "SEV2"}),
    ("/incidents/INC-1/roles", {"role": "scribe", "person": "x"}),
    ("/incidents/INC-1/notes", {"text": "x"}),
    ("/incidents/INC-1/links", {"url": "https://example.com"}),
    ("/tokens", {"name": "x", "role": "admin"}),
]


def test_a_viewer_reads_everything_but_writes_nothing(app_client: AppClient, api: httpx.Client) -> None:
    declare(api)
    viewer = app_client("viewer")
    for path in ("/incidents", "/incidents/INC-1", "/incidents/INC-1/timeline", "/severities"):
        assert viewer.get(f"/api/v1{path}").status_code == 200, path
    before = snapshot(api)
    for path, body in WRITES:
        response = viewer.post(f"/api/v1{path}", json=body)
        assert_problem(response, 403, "forbidden")
        assert "viewer" in response.json()["detail"]
    assert_problem(viewer.delete("/api/v1/tokens/test-admin-0"), 403, "forbidden")
    assert snapshot(api) == before


def test_a_responder_works_incidents_but_cannot_manage_tokens(app_client: AppClient) -> None:
    responder = app_client("responder")
    assert declare(responder)["id"] == "INC-1"
    assert responder.post("/api/v1/incidents/INC-1/ack").status_code == 200
    assert_problem(responder.get("/api/v1/tokens"), 403, "forbidden")
    assert_problem(responder.post("/api/v1/tokens", json={"name": "mine", "role": "admin"}), 403, "forbidden")
    assert_problem(responder.delete("/api/v1/tokens/test-responder-0"), 403, "forbidden")


def test_an_admin_manages_tokens_whose_secrets_are_shown_once(
    api: httpx.Client, raw_client: Callable[[dict[str, str]], httpx.Client]
) -> None:
    created = api.post("/api/v1/tokens", json={"name": "grafana", "role": "responder"})
    assert created.status_code == 201
    secret = created.json()["token"]
    assert secret.startswith(created.json()["prefix"])
    listed = api.get("/api/v1/tokens").json()
    assert [t["name"] for t in listed] == ["test-admin-0", "grafana"]
    assert all("token" not in t for t in listed)
    assert secret not in api.get("/api/v1/tokens").text
    grafana = raw_client({"Authorization": f"Bearer {secret}"})
    assert declare(grafana)["created_by"] == "token:grafana"
    assert_problem(
        api.post("/api/v1/tokens", json={"name": "grafana", "role": "viewer"}), 409, "token_exists"
    )
    assert api.delete("/api/v1/tokens/grafana").status_code == 204
    assert_problem(grafana.get("/api/v1/incidents"), 401, "unauthenticated")
    assert_problem(api.delete("/api/v1/tokens/grafana"), 404, "token_not_found")


def test_severities_are_listed_most_severe_first(api: httpx.Client) -> None:
    levels = api.get("/api/v1/severities").json()
    assert [level["name"] for level in levels] == ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert levels[0]["aliases"] == ["P0", "Severity 1", "Critical"]
    assert (levels[0]["response_target_s"], levels[0]["resolution_target_s"]) == (900, 3600)
    assert levels[3]["response_target_s"] is None


# -- OpenAPI and health ------------------------------------------------------------------------------------


def test_the_openapi_document_describes_every_endpoint(
    raw_client: Callable[[dict[str, str]], httpx.Client],
) -> None:
    response = raw_client({}).get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for path in (
        "/api/v1/incidents",
        "/api/v1/incidents/{incident_id}",
        "/api/v1/incidents/{incident_id}/timeline",
        "/api/v1/incidents/{incident_id}/ack",
        "/api/v1/incidents/{incident_id}/state",
        "/api/v1/incidents/{incident_id}/resolve",
        "/api/v1/incidents/{incident_id}/severity",
        "/api/v1/incidents/{incident_id}/roles",
        "/api/v1/incidents/{incident_id}/notes",
        "/api/v1/incidents/{incident_id}/links",
        "/api/v1/tokens",
        "/health",
        "/health/ready",
    ):
        assert path in paths, path
    listing = {p["name"] for p in paths["/api/v1/incidents"]["get"]["parameters"]}
    assert {"state", "severity", "service", "since", "until", "limit", "offset"} <= listing


def test_health_answers_without_a_token(raw_client: Callable[[dict[str, str]], httpx.Client]) -> None:
    client = raw_client({})
    live = client.get("/health")
    assert (live.status_code, live.json()["status"]) == (200, "ok")
    ready = client.get("/health/ready")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert body["checks"] == {"database": "ok", "migrations": "current"}
    assert body["revision"] == body["expected_revision"]


@pytest.fixture
def unmigrated_db(tmp_path: Path, db: Database) -> Iterator[Database]:
    """A reachable database with no tables: an empty SQLite file, or an empty PostgreSQL schema."""
    if not PG_URL:
        empty = Database(f"sqlite:///{tmp_path / 'empty.db'}")
        yield empty
        empty.dispose()
        return
    with db.write() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS tocsin_unmigrated CASCADE"))
        conn.execute(text("CREATE SCHEMA tocsin_unmigrated"))
    separator = "&" if "?" in PG_URL else "?"
    empty = Database(f"{PG_URL}{separator}options=-csearch_path%3Dtocsin_unmigrated")
    yield empty
    empty.dispose()
    with db.write() as conn:
        conn.execute(text("DROP SCHEMA tocsin_unmigrated CASCADE"))


def ready_of(database: Database, clock: FakeClock) -> httpx.Response:
    client = in_process_client(create_app(build_services(database, clock)))
    try:
        return client.get("/health/ready")
    finally:
        client.close()


def test_ready_is_503_when_migrations_are_not_applied(unmigrated_db: Database, clock: FakeClock) -> None:
    response = ready_of(unmigrated_db, clock)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not_ready"
    assert body["checks"] == {"database": "ok", "migrations": "pending"}
    assert body["revision"] is None
    assert body["expected_revision"]


def test_ready_is_503_when_the_database_is_unreachable(clock: FakeClock) -> None:
    nowhere = Database("postgresql+psycopg://tocsin@127.0.0.1:9/tocsin?connect_timeout=2")
    try:
        response = ready_of(nowhere, clock)
    finally:
        nowhere.dispose()
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "unreachable", "migrations": "pending"}
