"""``/health`` (the process is up) and ``/health/ready`` (the database is reachable and migrated)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from tocsin import __version__
from tocsin.services.health import readiness
from tocsin.web.auth import services_of

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness")
def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@router.get("/health/ready", summary="Readiness: database reachable, migrations current")
def ready(request: Request) -> JSONResponse:
    state = readiness(services_of(request).db)
    body = {
        "status": "ready" if state.ready else "not_ready",
        "checks": {
            "database": "ok" if state.database else "unreachable",
            "migrations": "current" if state.migrations_current else "pending",
        },
        "revision": state.revision,
        "expected_revision": state.expected_revision,
    }
    return JSONResponse(body, status_code=200 if state.ready else 503)
