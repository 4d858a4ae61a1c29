"""``/api/v1/schedules``: rotations in layers, overrides, the shifts they make, and calendar feeds."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, ConfigDict, Field

from tocsin.clock import utc
from tocsin.domain.schedule import (
    Layer,
    Override,
    Rotation,
    RotationKind,
    Schedule,
    ShiftSource,
    TimeWindow,
    Weekday,
    shifts_between,
)
from tocsin.domain.schedule_window import WEEKDAYS
from tocsin.services.container import Services
from tocsin.services.tokens import ApiRole, Principal
from tocsin.store.schedules import StoredOverride, StoredSchedule
from tocsin.web.api.people import FeedOut
from tocsin.web.auth import require, services_of

__all__ = ["LayerIn", "OverrideOut", "ScheduleOut", "router"]

router = APIRouter(prefix="/schedules", tags=["schedules"])
Viewer = Annotated[Principal, Depends(require(ApiRole.VIEWER))]
Responder = Annotated[Principal, Depends(require(ApiRole.RESPONDER))]
Admin = Annotated[Principal, Depends(require(ApiRole.ADMIN))]
Svc = Annotated[Services, Depends(services_of)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RotationIn(_In):
    participants: list[str] = Field(min_length=1, max_length=100, description="user ids, in turn order")
    start: date = Field(description="local date of the first handoff (its weekday, for a weekly rotation)")
    handoff: time = Field(default=time(9, 0), description="local time of day of every handoff")
    tz: str | None = Field(default=None, description="IANA zone of the handoffs; the schedule's by default")
    kind: RotationKind = RotationKind.WEEKLY
    length_hours: float | None = Field(default=None, gt=0, description="turn length of a custom rotation")


class WindowIn(_In):
    days: list[Weekday] = Field(default=sorted(WEEKDAYS), min_length=1, description="0 is Monday")
    start: time = time(9, 0)
    end: time = time(17, 0)


class LayerIn(_In):
    name: str = Field(default="", max_length=100)
    rotation: RotationIn
    restrictions: list[WindowIn] = Field(default_factory=list, max_length=14)

    def to_layer(self, schedule_tz: str) -> Layer:
        spec = self.rotation
        length = timedelta(hours=spec.length_hours) if spec.length_hours else None
        rotation = Rotation(
            tuple(spec.participants), spec.start, spec.handoff, spec.tz or schedule_tz, spec.kind, length
        )
        windows = tuple(TimeWindow(frozenset(w.days), w.start, w.end) for w in self.restrictions)
        return Layer(rotation, self.name, windows)

    @classmethod
    def of(cls, layer: Layer) -> LayerIn:
        rotation = layer.rotation
        return cls(
            name=layer.name,
            rotation=RotationIn(
                participants=list(rotation.participants),
                start=rotation.start,
                handoff=rotation.handoff,
                tz=rotation.tz,
                kind=rotation.kind,
                length_hours=rotation.length.total_seconds() / 3600 if rotation.length else None,
            ),
            restrictions=[
                WindowIn(days=sorted(w.days), start=w.start, end=w.end) for w in layer.restrictions
            ],
        )


class ScheduleFields(_In):
    name: str = Field(min_length=1, max_length=200)
    time_zone: str = Field(default="UTC", max_length=64)
    layers: list[LayerIn] = Field(default_factory=list, max_length=10, description="later layers win")

    def to_schedule(self, schedule_id: str) -> Schedule:
        layers = tuple(layer.to_layer(self.time_zone) for layer in self.layers)
        return Schedule(schedule_id, self.name, self.time_zone, layers)


class ScheduleIn(ScheduleFields):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_\-]*$")


class OverrideIn(_In):
    user_id: str = Field(min_length=1, max_length=64)
    start: datetime
    end: datetime
    note: str = Field(default="", max_length=500)


class OverrideOut(BaseModel):
    id: int
    user_id: str
    start: datetime
    end: datetime
    note: str
    created_by: str

    @classmethod
    def of(cls, found: StoredOverride) -> OverrideOut:
        return cls(
            id=found.id,
            user_id=found.user_id,
            start=found.starts_at,
            end=found.ends_at,
            note=found.note,
            created_by=found.created_by,
        )


class ScheduleOut(BaseModel):
    id: str
    name: str
    time_zone: str
    layers: list[LayerIn]
    overrides: list[OverrideOut]
    updated_at: datetime

    @classmethod
    def of(cls, stored: StoredSchedule) -> ScheduleOut:
        schedule = stored.schedule
        return cls(
            id=schedule.id,
            name=schedule.name,
            time_zone=schedule.tz,
            layers=[LayerIn.of(layer) for layer in schedule.layers],
            overrides=[OverrideOut.of(found) for found in stored.overrides],
            updated_at=stored.updated_at,
        )

    def to_domain(self) -> Schedule:
        """The schedule as the domain computes with it (the CLI renders on-call tables from this)."""
        layers = tuple(layer.to_layer(self.time_zone) for layer in self.layers)
        overrides = tuple(Override(o.user_id, o.start, o.end, str(o.id)) for o in self.overrides)
        return Schedule(self.id, self.name, self.time_zone, layers, overrides)


class ShiftOut(BaseModel):
    user_id: str
    start: datetime
    end: datetime
    source: ShiftSource
    source_index: int


@router.get("", summary="On-call schedules")
def list_schedules(_: Viewer, services: Svc) -> list[ScheduleOut]:
    return [ScheduleOut.of(found) for found in services.paging.schedules.list_schedules()]


@router.post("", status_code=status.HTTP_201_CREATED, summary="Add a schedule")
def create_schedule(body: ScheduleIn, _: Admin, services: Svc) -> ScheduleOut:
    return ScheduleOut.of(services.paging.schedules.create(body.to_schedule(body.id)))


@router.get("/{schedule_id}", summary="One schedule, with its overrides")
def get_schedule(schedule_id: str, _: Viewer, services: Svc) -> ScheduleOut:
    return ScheduleOut.of(services.paging.schedules.get(schedule_id))


@router.put("/{schedule_id}", summary="Replace a schedule's name, zone and layers (overrides stay)")
def update_schedule(schedule_id: str, body: ScheduleFields, _: Admin, services: Svc) -> ScheduleOut:
    return ScheduleOut.of(services.paging.schedules.update(body.to_schedule(schedule_id)))


@router.delete("/{schedule_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a schedule")
def delete_schedule(schedule_id: str, _: Admin, services: Svc) -> None:
    services.paging.schedules.delete(schedule_id)


@router.get("/{schedule_id}/shifts", summary="Who is on call when: the final shifts, overrides applied")
def list_shifts(
    schedule_id: str,
    _: Viewer,
    services: Svc,
    start: datetime | None = None,
    days: Annotated[int, Query(ge=1, le=366)] = 14,
) -> list[ShiftOut]:
    schedule = services.paging.schedules.get(schedule_id).schedule
    begins = utc(start) if start else services.clock.now()
    return [
        ShiftOut(user_id=s.user_id, start=s.start, end=s.end, source=s.source, source_index=s.source_index)
        for s in shifts_between(schedule, begins, begins + timedelta(days=days))
    ]


@router.post("/{schedule_id}/overrides", status_code=status.HTTP_201_CREATED, summary="Swap someone in")
def add_override(schedule_id: str, body: OverrideIn, who: Responder, services: Svc) -> OverrideOut:
    found = services.paging.schedules.add_override(
        schedule_id, body.user_id, body.start, body.end, note=body.note, actor=who.name
    )
    return OverrideOut.of(found)


@router.delete(
    "/{schedule_id}/overrides/{override_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Undo"
)
def remove_override(schedule_id: str, override_id: int, _: Responder, services: Svc) -> None:
    services.paging.schedules.remove_override(schedule_id, override_id)


@router.post("/{schedule_id}/feed", summary="A new secret iCalendar feed of the schedule")
def schedule_feed(schedule_id: str, _: Admin, services: Svc) -> FeedOut:
    return FeedOut(url=services.paging.schedules.create_feed("schedule", schedule_id))
