"""The public status page's routes: no sign-in, cacheable, cheap under a spike.

Every document is rendered once per snapshot and kept as bytes with its ETag; a request costs a dict
lookup (and a 304 when the client already has it). The snapshot itself is recomputed at most every
``max_age`` seconds and at once after a change in this process. These are plain Starlette routes: the
page needs none of FastAPI's request parsing, and skipping it keeps each hit small.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import format_datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tocsin.services.container import Services
from tocsin.services.statuspage_model import StatusSnapshot
from tocsin.web.status.atom import render_atom
from tocsin.web.status.pages import render_history, render_incident, render_status
from tocsin.web.status.statuspage_json import DOCUMENTS, render_document

__all__ = ["RenderCache", "routes"]

_HTML = "text/html; charset=utf-8"
_JSON = "application/json"
_ATOM = "application/atom+xml"
_PAGE_SECURITY = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@dataclass(frozen=True)
class Rendered:
    body: bytes
    media_type: str
    etag: str


Renderer = Callable[[StatusSnapshot], bytes | None]


class RenderCache:
    """Rendered documents of the current snapshot; a new snapshot starts an empty cache."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshot: StatusSnapshot | None = None
        self._items: dict[str, Rendered | None] = {}

    def get(self, snapshot: StatusSnapshot, key: str) -> tuple[bool, Rendered | None]:
        """``(True, rendering)`` if cached (``None``: rendered, and does not exist); ``(False, None)`` if not."""
        with self._lock:
            if snapshot is not self._snapshot or key not in self._items:
                return False, None
            return True, self._items[key]

    def put(self, snapshot: StatusSnapshot, key: str, rendered: Rendered | None) -> None:
        with self._lock:
            if snapshot is not self._snapshot:
                self._snapshot, self._items = snapshot, {}
            if len(self._items) < 1_000:  # incident pages are keyed by id: bound what a crawler can fill
                self._items[key] = rendered


def _render(snapshot: StatusSnapshot, renderer: Renderer, media_type: str) -> Rendered | None:
    body = renderer(snapshot)
    if body is None:
        return None
    return Rendered(body, media_type, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')


async def _snapshot(services: Services) -> StatusSnapshot:
    fresh = services.statuspage.fresh_snapshot()
    return fresh if fresh is not None else await run_in_threadpool(services.statuspage.snapshot)


async def _serve(request: Request, key: str, renderer: Renderer, media_type: str) -> Response:
    services: Services = request.app.state.services
    cache: RenderCache = request.app.state.status_cache
    snapshot = await _snapshot(services)
    cached, rendered = cache.get(snapshot, key)
    if not cached:
        rendered = _render(snapshot, renderer, media_type)
        cache.put(snapshot, key, rendered)
    if rendered is None:
        return Response(b"Not found", status_code=404, media_type="text/plain")
    max_age = int(services.statuspage.max_age)
    headers = {
        "Cache-Control": f"public, max-age={max_age}",
        "ETag": rendered.etag,
        "Last-Modified": format_datetime(snapshot.updated_at, usegmt=True),
    }
    if media_type == _JSON:
        headers["Access-Control-Allow-Origin"] = "*"  # status widgets on other sites read it
    elif media_type == _HTML:
        headers |= _PAGE_SECURITY
    if request.headers.get("if-none-match") == rendered.etag:
        return Response(status_code=304, headers=headers)
    return Response(rendered.body, media_type=media_type, headers=headers)


def _document(name: str) -> Callable[[Request], object]:
    async def endpoint(request: Request) -> Response:
        return await _serve(request, name, lambda s: render_document(name, s), _JSON)

    return endpoint


async def _status_page(request: Request) -> Response:
    return await _serve(request, "page", render_status, _HTML)


async def _history(request: Request) -> Response:
    return await _serve(request, "history", render_history, _HTML)


async def _atom(request: Request) -> Response:
    return await _serve(request, "atom", render_atom, _ATOM)


async def _incident(request: Request) -> Response:
    public_id = str(request.path_params["incident_id"])[:40]
    return await _serve(request, f"incident:{public_id}", lambda s: render_incident(s, public_id), _HTML)


def routes() -> list[Route]:
    """The public routes, all ``GET``/``HEAD``, under ``/status``."""
    found = [
        Route("/status", _status_page, methods=["GET", "HEAD"]),
        Route("/status/history", _history, methods=["GET", "HEAD"]),
        Route("/status/history.atom", _atom, methods=["GET", "HEAD"]),
        Route("/status/incidents/{incident_id}", _incident, methods=["GET", "HEAD"]),
    ]
    for name in DOCUMENTS:
        found.append(Route(f"/status/api/v2/{name}", _document(name), methods=["GET", "HEAD"]))
    return found
