"""Request and response bodies of the REST API (pydantic at the edge; the domain stays dataclasses)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from tocsin.domain.incident import LIMITS, Incident, IncidentState, Role
from tocsin.domain.metrics import IncidentTimes
from tocsin.domain.severity import SeverityLevel
from tocsin.domain.timeline import TimelineEntry

T = TypeVar("T")

__all__ = [
    "AssignIn",
    "DeclareIn",
    "IncidentOut",
    "LinkIn",
    "NoteIn",
    "Page",
    "ResolveIn",
    "SeverityIn",
    "SeverityOut",
    "StateIn",
    "TimelineEntryOut",
    "TimesOut",
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeclareIn(_In):
    title: str = Field(min_length=1, max_length=LIMITS.title)
    severity: str = Field(min_length=1, max_length=50)
    summary: str = Field(default="", max_length=LIMITS.summary)
    services: list[str] = Field(default_factory=list, max_length=LIMITS.services)
    commander: str | None = Field(default=None, max_length=LIMITS.person)
    customer_facing: bool = False


class StateIn(_In):
    state: IncidentState
    note: str = Field(default="", max_length=LIMITS.note)


class ResolveIn(_In):
    note: str = Field(default="", max_length=LIMITS.note)


class SeverityIn(_In):
    severity: str = Field(min_length=1, max_length=50)


class AssignIn(_In):
    role: Role
    person: str = Field(min_length=1, max_length=LIMITS.person)


class NoteIn(_In):
    text: str = Field(min_length=1, max_length=LIMITS.note)


class LinkIn(_In):
    url: str = Field(min_length=1, max_length=LIMITS.url)
    title: str = Field(default="", max_length=LIMITS.link_title)


class TimesOut(BaseModel):
    started_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    time_to_acknowledge_s: float | None
    time_to_resolve_s: float | None
    response_target: str
    resolution_target: str

    @classmethod
    def of(cls, times: IncidentTimes) -> TimesOut:
        tta, ttr = times.time_to_acknowledge, times.time_to_resolve
        return cls(
            started_at=times.started_at,
            acknowledged_at=times.acknowledged_at,
            resolved_at=times.resolved_at,
            time_to_acknowledge_s=tta.total_seconds() if tta is not None else None,
            time_to_resolve_s=ttr.total_seconds() if ttr is not None else None,
            response_target=times.response_target.value,
            resolution_target=times.resolution_target.value,
        )


class IncidentOut(BaseModel):
    id: str
    number: int
    title: str
    state: IncidentState
    severity: str
    summary: str
    services: list[str]
    customer_facing: bool
    roles: dict[str, str]
    links: list[dict[str, str]]
    started_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    closed_at: datetime | None
    created_by: str
    times: TimesOut | None = None

    @classmethod
    def of(cls, incident: Incident, times: IncidentTimes | None = None) -> IncidentOut:
        return cls(
            id=incident.human_id,
            number=incident.number,
            title=incident.title,
            state=incident.state,
            severity=incident.severity,
            summary=incident.summary,
            services=list(incident.services),
            customer_facing=incident.customer_facing,
            roles=incident.roles,
            links=[{"url": link.url, "title": link.title} for link in incident.links],
            started_at=incident.started_at,
            updated_at=incident.updated_at,
            acknowledged_at=incident.acknowledged_at,
            acknowledged_by=incident.acknowledged_by,
            resolved_at=incident.resolved_at,
            closed_at=incident.closed_at,
            created_by=incident.created_by,
            times=TimesOut.of(times) if times else None,
        )


class TimelineEntryOut(BaseModel):
    id: int
    at: datetime
    actor: str
    kind: str
    details: dict[str, Any]

    @classmethod
    def of(cls, entry: TimelineEntry) -> TimelineEntryOut:
        return cls(id=entry.id, at=entry.at, actor=entry.actor, kind=entry.kind, details=entry.details)


class SeverityOut(BaseModel):
    rank: int
    name: str
    aliases: list[str]
    description: str
    examples: list[str]
    response_target_s: int | None
    resolution_target_s: int | None
    update_cadence_s: int | None
    pages: bool

    @classmethod
    def of(cls, level: SeverityLevel) -> SeverityOut:
        def seconds(value: Any) -> int | None:
            return int(value.total_seconds()) if value is not None else None

        return cls(
            rank=level.rank,
            name=level.name,
            aliases=list(level.aliases),
            description=level.description,
            examples=list(level.examples),
            response_target_s=seconds(level.response_target),
            resolution_target_s=seconds(level.resolution_target),
            update_cadence_s=seconds(level.update_cadence),
            pages=level.pages,
        )


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
