"""The ASGI application: REST API, health, and (later) webhooks, UI and status page. Thin: calls services."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from tocsin import __version__
from tocsin.services.container import Services
from tocsin.services.tokens import Principal
from tocsin.web import health, paging_endpoints, status, ui, webhooks
from tocsin.web.api import (
    admin,
    channels,
    incident_alerts,
    incidents,
    integrations,
    messages,
    oncall,
    people,
    playbooks,
    policies,
    schedules,
)
from tocsin.web.problems import install_problem_handlers

__all__ = ["create_app"]


def create_app(services: Services, *, local_principal: Principal | None = None) -> FastAPI:
    """Build the app over ``services``.

    ``local_principal`` trusts every request as that principal: only for the in-process client the CLI
    uses on the local database (whoever can open the database file is already its admin).
    """
    app = FastAPI(
        title="tocsin",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    app.state.services = services
    app.state.local_principal = local_principal
    install_problem_handlers(app)
    # Webhooks first: routes are matched in order, and alert storms should not walk the whole API.
    app.include_router(webhooks.router)
    api = APIRouter(prefix="/api/v1")
    status.install(app, api)  # the public page early too: it is what a traffic spike hits
    ui.install(app, api)
    api.include_router(incidents.router)
    api.include_router(admin.router)
    api.include_router(integrations.router)
    api.include_router(incident_alerts.router)
    api.include_router(playbooks.router)
    api.include_router(playbooks.incident_router)
    api.include_router(messages.router)
    for paging_router in (people.router, schedules.router, oncall.router, policies.router, channels.router):
        api.include_router(paging_router)
    app.include_router(api)
    app.include_router(health.router)
    app.include_router(paging_endpoints.router)
    return app
