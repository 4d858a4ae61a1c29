"""``/api/v1/incidents``: declare, list, show and change incidents."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from tocsin.domain.incident import IncidentState, parse_human_id
from tocsin.services.container import Services
from tocsin.services.incidents import Declaration
from tocsin.services.tokens import ApiRole, Principal
from tocsin.store.incidents import IncidentFilter
from tocsin.web.auth import require, services_of
from tocsin.web.schemas import (
    AssignIn,
    DeclareIn,
    IncidentOut,
    LinkIn,
    NoteIn,
    Page,
    ResolveIn,
    SeverityIn,
    StateIn,
    TimelineEntryOut,
)

__all__ = ["router"]

router = APIRouter(prefix="/incidents", tags=["incidents"])

Viewer = Annotated[Principal, Depends(require(ApiRole.VIEWER))]
Responder = Annotated[Principal, Depends(require(ApiRole.RESPONDER))]
Svc = Annotated[Services, Depends(services_of)]


def _show(services: Services, number: int) -> IncidentOut:
    return IncidentOut.of(*services.incidents.get_with_times(number))


@router.get("", summary="List incidents, newest first")
def list_incidents(
    _: Viewer,
    services: Svc,
    state: Annotated[list[IncidentState] | None, Query()] = None,
    severity: Annotated[list[str] | None, Query()] = None,
    service: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[IncidentOut]:
    severities = [services.severities.resolve(name).name for name in severity or ()]
    where = IncidentFilter(
        states=state or (),
        severities=severities,
        service=service,
        started_after=_as_utc(since),
        started_before=_as_utc(until),
    )
    found, total = services.incidents.find(where, limit=limit, offset=offset)
    return Page[IncidentOut](
        items=[IncidentOut.of(i) for i in found], total=total, limit=limit, offset=offset
    )


def _as_utc(value: datetime | None) -> datetime | None:
    """A time without a zone is read as UTC, as the CLI does."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


@router.post("", status_code=status.HTTP_201_CREATED, summary="Declare an incident")
def declare(body: DeclareIn, who: Responder, services: Svc) -> IncidentOut:
    declaration = Declaration(
        title=body.title,
        severity=body.severity,
        summary=body.summary,
        services=body.services,
        commander=body.commander,
        customer_facing=body.customer_facing,
    )
    incident = services.incidents.declare(declaration, actor=who.name)
    return _show(services, incident.number)


@router.get("/{incident_id}", summary="Show one incident with its derived times")
def show(incident_id: str, _: Viewer, services: Svc) -> IncidentOut:
    return _show(services, parse_human_id(incident_id))


@router.get("/{incident_id}/timeline", summary="The incident's timeline, oldest first")
def get_timeline(
    incident_id: str,
    _: Viewer,
    services: Svc,
    after: Annotated[int, Query(ge=0, description="only entries with a greater id")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> list[TimelineEntryOut]:
    entries = services.incidents.timeline(parse_human_id(incident_id), after_id=after, limit=limit)
    return [TimelineEntryOut.of(e) for e in entries]


@router.post("/{incident_id}/ack", summary="Acknowledge")
def acknowledge(incident_id: str, who: Responder, services: Svc) -> IncidentOut:
    number = parse_human_id(incident_id)
    services.incidents.acknowledge(number, actor=who.name)
    return _show(services, number)


@router.post("/{incident_id}/state", summary="Move the incident through its lifecycle")
def change_state(incident_id: str, body: StateIn, who: Responder, services: Svc) -> IncidentOut:
    number = parse_human_id(incident_id)
    services.incidents.change_state(number, body.state, actor=who.name, note=body.note)
    return _show(services, number)


@router.post("/{incident_id}/resolve", summary="Resolve")
def resolve(incident_id: str, who: Responder, services: Svc, body: ResolveIn | None = None) -> IncidentOut:
    number = parse_human_id(incident_id)
    note = body.note if body else ""
    services.incidents.change_state(number, IncidentState.RESOLVED, actor=who.name, note=note)
    return _show(services, number)


@router.post("/{incident_id}/severity", summary="Change severity")
def change_severity(incident_id: str, body: SeverityIn, who: Responder, services: Svc) -> IncidentOut:
    number = parse_human_id(incident_id)
    services.incidents.change_severity(number, body.severity, actor=who.name)
    return _show(services, number)


@router.post("/{incident_id}/roles", summary="Assign a role (commander, communications, scribe)")
def assign(incident_id: str, body: AssignIn, who: Responder, services: Svc) -> IncidentOut:
    number = parse_human_id(incident_id)
    services.incidents.assign_role(number, body.role, body.person, actor=who.name)
    return _show(services, number)


@router.post("/{incident_id}/notes", status_code=201, summary="Add a note to the timeline")
def add_note(incident_id: str, body: NoteIn, who: Responder, services: Svc) -> IncidentOut:
    number = parse_human_id(incident_id)
    services.incidents.add_note(number, body.text, actor=who.name)
    return _show(services, number)


@router.post("/{incident_id}/links", status_code=201, summary="Attach a link")
def add_link(incident_id: str, body: LinkIn, who: Responder, services: Svc) -> IncidentOut:
    number = parse_human_id(incident_id)
    services.incidents.add_link(number, body.url, body.title, actor=who.name)
    return _show(services, number)
