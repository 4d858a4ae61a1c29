"""Live updates over server-sent events.

- ``/incidents/{id}/live`` sends each new timeline entry (``event: entry``, ``id:`` the entry's id) and
  the refreshed summary. A browser that reconnects sends ``Last-Event-ID`` and gets exactly the entries it
  missed: the stream is a cursor over the append-only timeline, not a feed of ephemeral messages.
- ``/incidents-live`` says ``changed`` whenever an incident changes, so the list can refresh itself.

Changes committed by this process wake a stream at once (the event bus); changes by other processes
(several ``tocsin serve`` on PostgreSQL) are found by a look at the database every few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from tocsin.domain.incident import parse_human_id
from tocsin.services.container import Services
from tocsin.services.events import Change
from tocsin.services.tokens import ApiRole
from tocsin.store.incidents import IncidentFilter
from tocsin.web.auth import services_of
from tocsin.web.ui.deps import UiRoute, viewer
from tocsin.web.ui.incident_view import load_incident, load_lines
from tocsin.web.ui.render import Viewer, render_fragment

__all__ = ["router", "sse_message"]

router = APIRouter(route_class=UiRoute, include_in_schema=False)

Seeing = Annotated[Viewer, Depends(viewer(ApiRole.VIEWER))]
RECHECK_S = 5.0  # how often a stream looks at the database for other processes' changes
_POLL_S = 0.2
_BATCH = 200
_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


def sse_message(data: str, *, event: str | None = None, event_id: int | None = None) -> str:
    """One server-sent event; every line of ``data`` becomes its own ``data:`` line, as the format says."""
    lines = [f"event: {event}"] if event else []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines += [f"data: {line}" for line in data.splitlines() or [""]]
    return "\n".join(lines) + "\n\n"


async def _next_change(inbox: queue.Queue[Change], timeout: float) -> list[Change]:
    """Changes published within ``timeout`` seconds (all of them once the first arrives), or none."""
    waited = 0.0
    while True:
        found: list[Change] = []
        with contextlib.suppress(queue.Empty):
            while True:
                found.append(inbox.get_nowait())
        if found or waited >= timeout:
            return found
        await asyncio.sleep(_POLL_S)
        waited += _POLL_S


def _resume_from(request: Request, after: int) -> int:
    header = request.headers.get("last-event-id", "")
    return int(header) if header.isdigit() else after


async def _incident_events(
    request: Request, services: Services, who: Viewer, number: int, after: int
) -> AsyncIterator[str]:
    inbox = services.events.subscribe()
    try:
        yield "retry: 2000\n\n"
        while True:
            lines = await run_in_threadpool(load_lines, services, number, after_id=after, limit=_BATCH)
            for line in lines:
                html = render_fragment(request, "_timeline_entry.html", who, line=line)
                yield sse_message(html, event="entry", event_id=line.entry.id)
            if lines:
                after = lines[-1].entry.id
                view = await run_in_threadpool(load_incident, services, number)
                yield sse_message(
                    render_fragment(request, "_incident_summary.html", who, view=view), event="summary"
                )
                if len(lines) == _BATCH:
                    continue
            if not await _next_change(inbox, RECHECK_S):
                yield ": still here\n\n"
    finally:
        services.events.unsubscribe(inbox)


@router.get("/incidents/{incident_id}/live")
async def incident_live(
    request: Request, incident_id: str, who: Seeing, after: Annotated[int, Query(ge=0)] = 0
) -> StreamingResponse:
    services = services_of(request)
    number = parse_human_id(incident_id)
    await run_in_threadpool(services.incidents.get, number)  # 404 now, not mid-stream
    stream = _incident_events(request, services, who, number, _resume_from(request, after))
    return StreamingResponse(stream, media_type="text/event-stream", headers=_HEADERS)


async def _list_events(services: Services) -> AsyncIterator[str]:
    inbox = services.events.subscribe()

    def newest() -> tuple[int, int]:
        found, total = services.incidents.find(IncidentFilter(), limit=1)
        return (found[0].number if found else 0, total)

    try:
        yield "retry: 2000\n\n"
        seen = await run_in_threadpool(newest)
        while True:
            changes = await _next_change(inbox, RECHECK_S)
            numbers = sorted(
                {c.incident_number for c in changes if c.topic == "incident" and c.incident_number}
            )
            latest = await run_in_threadpool(newest)
            if numbers or latest != seen:
                seen = latest
                yield sse_message(",".join(str(n) for n in numbers) or str(latest[0]), event="changed")
            else:
                yield ": still here\n\n"
    finally:
        services.events.unsubscribe(inbox)


@router.get("/incidents-live")
async def incidents_live(request: Request, _: Seeing) -> StreamingResponse:
    stream = _list_events(services_of(request))
    return StreamingResponse(stream, media_type="text/event-stream", headers=_HEADERS)
