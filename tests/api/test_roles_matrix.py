"""Every route of the app, called by every role: anonymous, viewer, responder and admin.

The role each route needs is read from the route itself (the ``require(role)`` / ``viewer(role)``
dependency it declares), so a route added later is checked without touching this file, and a route that
declares no role fails :func:`test_every_route_says_who_may_call_it` unless it is public on purpose.
Calls go over a real socket (so live streams can be opened and closed like any other page).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from tests.api.ui_support import PASSWORD, csrf_of, scratch_services, serving, sign_in
from tocsin.clock import FakeClock
from tocsin.services.container import Services, build_services
from tocsin.services.incidents import Declaration
from tocsin.services.tokens import ApiRole
from tocsin.store.db import Database
from tocsin.web.app import create_app

pytestmark = pytest.mark.timeout(120)

ROLES = (ApiRole.VIEWER, ApiRole.RESPONDER, ApiRole.ADMIN)
CALLERS = ("anonymous", *ROLES)

# Routes anyone may call, and why. Everything else must declare the role it needs.
PUBLIC = {
    "/api/v1/openapi.json": "the API's own description",
    "/api/v1/docs": "the API's own description",
    "/docs/oauth2-redirect": "part of the API docs page",
    "/integrations/alertmanager/{key}": "the integration key in the URL is the credential",
    "/integrations/grafana/{key}": "the integration key in the URL is the credential",
    "/integrations/generic/{key}": "the integration key in the URL is the credential",
    "/v2/enqueue": "the PagerDuty routing key in the body is the credential",
    "/v2/change/enqueue": "the PagerDuty routing key in the body is the credential",
    "/health": "liveness probe",
    "/health/ready": "readiness probe",
    "/ack/{token}": "a signed, single-use, expiring acknowledge link",
    "/slack/commands": "Slack's request signature is the credential",
    "/calendars/oncall/{token}.ics": "the secret URL is the credential",
    "/login": "signing in",
    "/": "redirects to the incidents list",
    "/ui-static": "stylesheets and scripts",
}
PUBLIC_PREFIXES = ("/status",)  # the public status page and its JSON API
STREAMS = {"/incidents/{incident_id}/live", "/incidents-live"}
_ARGUMENTS = {
    "incident_id": "1",
    "version": "1",
    "component_id": "1",
    "maintenance_id": "1",
    "override_id": "1",
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    needs: ApiRole

    @property
    def is_ui(self) -> bool:
        return not self.path.startswith("/api/")

    def url(self) -> str:
        return re.sub(r"{(\w+)}", lambda m: _ARGUMENTS.get(m[1], "x"), self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _declared_roles(dependant: Any) -> list[ApiRole]:
    """Roles named by the route's auth dependencies (``require``, ``viewer``, ``posted``)."""
    found: list[ApiRole] = []
    for sub in dependant.dependencies:
        for cell in getattr(sub.call, "__closure__", None) or ():
            if isinstance(cell.cell_contents, ApiRole):
                found.append(cell.cell_contents)
        found += _declared_roles(sub)
    return found


def _routes(app: FastAPI) -> Iterator[tuple[str, str, list[ApiRole]]]:
    for context in iter_route_contexts(app.routes):
        route, path = context.original_route, context.path or ""
        methods = sorted(set(getattr(route, "methods", None) or ["GET"]) - {"HEAD"})
        roles = _declared_roles(route.dependant) if isinstance(route, APIRoute) else []
        for method in methods:
            yield method, path, roles


def _is_public(path: str) -> bool:
    return path in PUBLIC or path.startswith(PUBLIC_PREFIXES)


def _route_table() -> list[tuple[str, str, list[ApiRole]]]:
    """Every (method, path, declared roles) of the app; the app is built over a throwaway database."""
    services = build_services(Database("sqlite://"), FakeClock())
    try:
        return list(_routes(create_app(services)))
    finally:
        services.close()


ROUTE_TABLE = _route_table()


ENDPOINTS = [Endpoint(m, p, max(r, key=list(ApiRole).index)) for m, p, r in ROUTE_TABLE if r]


def test_every_route_says_who_may_call_it() -> None:
    undeclared = [f"{m} {p}" for m, p, roles in ROUTE_TABLE if not roles and not _is_public(p)]
    assert undeclared == [], "routes with no role and not public on purpose"
    assert len(ENDPOINTS) > 60  # the matrix below really covers the app


@dataclass
class Site:
    url: str
    services: Services
    tokens: dict[ApiRole, str]
    browsers: dict[str, tuple[httpx.Client, str]]

    def browser(self, caller: str, *, fresh: bool = False) -> tuple[httpx.Client, str]:
        """``caller``'s client (its session cookie) and CSRF token; ``fresh`` for a session of its own."""
        if fresh or caller not in self.browsers:
            http = httpx.Client(base_url=self.url, timeout=10)
            csrf = ""
            if caller != "anonymous":
                assert sign_in(http, f"{caller}-person").status_code == 303
                csrf = csrf_of(http.get("/account").text)
            if fresh:
                return http, csrf
            self.browsers[caller] = (http, csrf)
        return self.browsers[caller]


@pytest.fixture(scope="module")
def site(_migrated_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with scratch_services(_migrated_template, tmp_path_factory.mktemp("roles")) as services:
        services.incidents.declare(Declaration("Checkout down", "SEV1", services=["checkout"]), actor="test")
        tokens = {}
        for role in ROLES:
            services.accounts.create(f"{role}-person", role, password=PASSWORD)
            tokens[role] = services.tokens.create(f"{role}-token", role)[1]
        with serving(create_app(services)) as url:
            site = Site(url, services, tokens, {})
            yield site
            for http, _ in site.browsers.values():
                http.close()


def _call(site: Site, endpoint: Endpoint, caller: str) -> httpx.Response:
    fresh = endpoint.path == "/logout"  # signing out must not end the session the other cases share
    http, csrf = site.browser(caller, fresh=fresh)
    headers = {}
    if not endpoint.is_ui and caller != "anonymous":
        headers["Authorization"] = f"Bearer {site.tokens[ApiRole(caller)]}"
    kwargs: dict[str, Any] = {"headers": headers}
    if endpoint.method != "GET":
        kwargs |= {"data": {"csrf_token": csrf}} if endpoint.is_ui else {"json": {}}
    try:
        with http.stream(endpoint.method, endpoint.url(), **kwargs) as response:
            return response  # status and headers only: live streams never end
    finally:
        if fresh:
            http.close()


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_each_role_gets_what_the_route_allows(site: Site, endpoint: Endpoint, caller: str) -> None:
    response = _call(site, endpoint, caller)
    status, location = response.status_code, response.headers.get("location", "")
    if caller == "anonymous":
        if endpoint.is_ui:
            assert (status, location.split("?")[0]) == (303, "/login")
        else:
            assert status == 401
    elif not ApiRole(caller).allows(endpoint.needs):
        assert status == 403, f"{caller} may not call {endpoint}, yet got {status}"
    else:
        assert status not in (401, 403), f"{caller} may call {endpoint}, yet got {status}"
        assert not location.startswith("/login?next="), f"{caller} was sent to sign in by {endpoint}"
