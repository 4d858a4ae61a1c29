"""The web UI: server-rendered pages (Jinja2) made live with htmx and server-sent events.

Pages need a signed-in account; what each may do follows its role (viewer, responder, admin), checked on
every route. htmx and the UI's own script are served from the package: nothing comes from a CDN.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from tocsin.web.ui import accounts_api, admin_pages, auth_pages, catalog_pages, incident_pages, live

__all__ = ["STATIC", "install"]

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI, api: APIRouter) -> None:
    """Add the UI's pages, live streams and static files to ``app``, and the accounts API to ``api``."""
    api.include_router(accounts_api.router)
    for module in (auth_pages, incident_pages, live, catalog_pages, admin_pages):
        app.include_router(module.router)
    app.mount("/ui-static", StaticFiles(directory=STATIC), name="ui-static")
