"""``/api/v1/oncall``: who is on call now (or at any moment), on every schedule or one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from tocsin.services.container import Services
from tocsin.services.oncall import OnCallNow
from tocsin.services.tokens import ApiRole, Principal
from tocsin.web.auth import require, services_of

__all__ = ["OnCallOut", "router"]

router = APIRouter(tags=["schedules"])
Viewer = Annotated[Principal, Depends(require(ApiRole.VIEWER))]
Svc = Annotated[Services, Depends(services_of)]


class Person(BaseModel):
    id: str
    name: str


class OnCallOut(BaseModel):
    schedule: str
    name: str
    time_zone: str
    on_call: list[Person] = Field(description="empty: a gap in cover, nobody would be paged")
    until: datetime | None = Field(description="the next handoff; null when none is ahead")
    next: list[Person]

    @classmethod
    def of(cls, found: OnCallNow, names: dict[str, str]) -> OnCallOut:
        def people(ids: tuple[str, ...]) -> list[Person]:
            return [Person(id=user_id, name=names.get(user_id, user_id)) for user_id in ids]

        handoff = found.handoff
        return cls(
            schedule=found.schedule.id,
            name=found.schedule.name,
            time_zone=found.schedule.tz,
            on_call=people(found.user_ids),
            until=handoff.at if handoff else None,
            next=people(handoff.incoming) if handoff else [],
        )


@router.get("/oncall", summary="Who is on call at a moment (now by default)")
def on_call(
    _: Viewer, services: Svc, at: datetime | None = None, schedule: str | None = None
) -> list[OnCallOut]:
    schedules = services.paging.schedules
    names = schedules.user_names()
    return [OnCallOut.of(found, names) for found in schedules.on_call(at, schedule)]
