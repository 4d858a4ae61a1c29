"""The public status page (``/status``, its Atom feed and Statuspage-compatible JSON), and the API that
manages it (``/api/v1/status/...`` and public updates on incidents)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from tocsin.web.status import admin_api
from tocsin.web.status.routes import RenderCache, routes

__all__ = ["install"]


def install(app: FastAPI, api: APIRouter) -> None:
    """Serve the public page from ``app`` and add the management API to ``api`` (``/api/v1``)."""
    app.state.status_cache = RenderCache()
    app.router.routes.extend(routes())
    api.include_router(admin_api.router)
