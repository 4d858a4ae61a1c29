"""Reference pages: who is on call (now, next, and a two-week grid), playbooks with their versions and
lint reports, and integrations with their keys' prefixes and the last alert each received."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from tocsin.domain.schedule import ShiftSource, shifts_between
from tocsin.services.oncall import OnCallNow
from tocsin.services.playbooks import contents
from tocsin.services.tokens import ApiRole
from tocsin.web.auth import services_of
from tocsin.web.ui.deps import UiRoute, viewer
from tocsin.web.ui.render import Viewer, render

__all__ = ["GRID_DAYS", "router"]

router = APIRouter(route_class=UiRoute, include_in_schema=False)
Seeing = Annotated[Viewer, Depends(viewer(ApiRole.VIEWER))]
GRID_DAYS = 14


@dataclass(frozen=True)
class GridCell:
    people: tuple[str, ...]
    overridden: bool


@dataclass(frozen=True)
class GridRow:
    now: OnCallNow
    cells: tuple[GridCell, ...]


def _grid_row(found: OnCallNow, days: list[date], who: Viewer, names: dict[str, str]) -> GridRow:
    """Who covers some of each day (in the viewer's zone) on one schedule."""
    start = datetime.combine(days[0], time(), who.zone)
    shifts = shifts_between(found.schedule, start, start + timedelta(days=len(days)))
    cells = []
    for day in days:
        begins = datetime.combine(day, time(), who.zone)
        ends = datetime.combine(day + timedelta(days=1), time(), who.zone)
        covering = [s for s in shifts if s.start < ends and s.end > begins]
        people = tuple(dict.fromkeys(names.get(s.user_id, s.user_id) for s in covering))
        cells.append(GridCell(people, any(s.source == ShiftSource.OVERRIDE for s in covering)))
    return GridRow(found, tuple(cells))


@router.get("/oncall")
def oncall(request: Request, who: Seeing) -> Response:
    schedules = services_of(request).paging.schedules
    names = schedules.user_names()
    today = services_of(request).clock.now().astimezone(who.zone).date()
    days = [today + timedelta(days=n) for n in range(GRID_DAYS)]
    rows = [_grid_row(found, days, who, names) for found in schedules.on_call()]
    return render(request, "oncall.html", who, rows=rows, days=days, names=names)


@router.get("/playbooks")
def playbooks(request: Request, who: Seeing) -> Response:
    service = services_of(request).playbooks
    active = service.active()
    catalog = [(name, service.versions(name)) for name, _, _ in service.catalog()]
    return render(request, "playbooks.html", who, catalog=catalog, active=active, contents=contents)


@router.get("/playbooks/{name}/{version}")
def playbook_version(request: Request, name: str, version: int, who: Seeing) -> Response:
    service = services_of(request).playbooks
    stored = service.version(name, version)
    active = service.active()
    return render(
        request,
        "playbook.html",
        who,
        stored=stored,
        report=stored.lint,
        is_active=active is not None and active.id == stored.id,
    )


@router.get("/integrations")
def integrations(request: Request, who: Seeing) -> Response:
    found = services_of(request).integrations.list()
    return render(request, "integrations.html", who, integrations=found)
