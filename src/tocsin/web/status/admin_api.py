"""The status page's management API under ``/api/v1``: the page and its components and maintenance
(admins), and public updates on incidents (responders)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field

from tocsin.domain.incident import LIMITS, parse_human_id
from tocsin.services.container import Services
from tocsin.services.statuspage import ComponentSpec, MaintenanceSpec
from tocsin.services.statuspage_model import ComponentStatus, PublicStatus
from tocsin.services.tokens import ApiRole, Principal
from tocsin.store.status import StoredComponent, StoredMaintenance, StoredPage, StoredUpdate
from tocsin.web.auth import require, services_of
from tocsin.web.schemas import IncidentOut

__all__ = ["router"]

router = APIRouter(tags=["status page"])
Viewer = Annotated[Principal, Depends(require(ApiRole.VIEWER))]
Responder = Annotated[Principal, Depends(require(ApiRole.RESPONDER))]
Admin = Annotated[Principal, Depends(require(ApiRole.ADMIN))]
Svc = Annotated[Services, Depends(services_of)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PageOut(BaseModel):
    page_id: str
    name: str
    time_zone: str
    updated_at: datetime

    @classmethod
    def of(cls, page: StoredPage) -> PageOut:
        return cls(page_id=page.page_id, name=page.name, time_zone=page.time_zone, updated_at=page.updated_at)


class PageIn(_In):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    time_zone: str | None = Field(default=None, min_length=1, max_length=64)


class ComponentIn(_In):
    name: str = Field(min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=1_000)
    services: list[str] = Field(default_factory=list, max_length=LIMITS.services)
    position: int | None = Field(default=None, ge=0, le=10_000)
    status_override: ComponentStatus | None = None
    showcase: bool = True
    only_show_if_degraded: bool = False

    def spec(self) -> ComponentSpec:
        return ComponentSpec(**self.model_dump())


class ComponentPatch(_In):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=1_000)
    services: list[str] | None = Field(default=None, max_length=LIMITS.services)
    position: int | None = Field(default=None, ge=0, le=10_000)
    status_override: ComponentStatus | None = None
    showcase: bool | None = None
    only_show_if_degraded: bool | None = None


class ComponentOut(BaseModel):
    id: int
    name: str
    description: str | None
    services: list[str]
    position: int
    status_override: str | None
    showcase: bool
    only_show_if_degraded: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, c: StoredComponent) -> ComponentOut:
        return cls(
            id=c.id, name=c.name, description=c.description, services=list(c.services), position=c.position,
            status_override=c.status_override, showcase=c.showcase, only_show_if_degraded=c.only_show_if_degraded,
            created_at=c.created_at, updated_at=c.updated_at,
        )  # fmt: skip


class MaintenanceIn(_In):
    name: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=LIMITS.note)
    scheduled_for: datetime
    scheduled_until: datetime
    components: list[int] = Field(default_factory=list, max_length=100)


class MaintenanceOut(BaseModel):
    id: int
    name: str
    body: str
    components: list[int]
    scheduled_for: datetime
    scheduled_until: datetime
    created_by: str
    cancelled_at: datetime | None

    @classmethod
    def of(cls, m: StoredMaintenance) -> MaintenanceOut:
        return cls(
            id=m.id, name=m.name, body=m.body, components=list(m.component_ids), scheduled_for=m.scheduled_for,
            scheduled_until=m.scheduled_until, created_by=m.created_by, cancelled_at=m.cancelled_at,
        )  # fmt: skip


class PublicUpdateIn(_In):
    status: PublicStatus
    body: str = Field(min_length=1, max_length=5_000)


class PublicUpdateOut(BaseModel):
    id: int
    status: str
    body: str
    author: str
    created_at: datetime

    @classmethod
    def of(cls, u: StoredUpdate) -> PublicUpdateOut:
        return cls(id=u.id, status=u.status, body=u.body, author=u.author, created_at=u.created_at)


class CustomerFacingIn(_In):
    customer_facing: bool


@router.get("/status/page", summary="The status page's name and time zone")
def get_page(_: Viewer, services: Svc) -> PageOut:
    return PageOut.of(services.statuspage.page())


@router.patch("/status/page", summary="Rename the status page or change its time zone")
def patch_page(body: PageIn, _: Admin, services: Svc) -> PageOut:
    return PageOut.of(services.statuspage.update_page(name=body.name, time_zone=body.time_zone))


@router.get("/status/components", summary="Status page components, in display order")
def list_components(_: Viewer, services: Svc) -> list[ComponentOut]:
    return [ComponentOut.of(c) for c in services.statuspage.components()]


@router.post("/status/components", status_code=status.HTTP_201_CREATED, summary="Add a component")
def create_component(body: ComponentIn, _: Admin, services: Svc) -> ComponentOut:
    return ComponentOut.of(services.statuspage.create_component(body.spec()))


@router.patch("/status/components/{component_id}", summary="Change a component (null clears the override)")
def patch_component(component_id: int, body: ComponentPatch, _: Admin, services: Svc) -> ComponentOut:
    current = ComponentOut.of(services.statuspage.component(component_id)).model_dump()
    merged = {key: current[key] for key in ComponentIn.model_fields} | body.model_dump(exclude_unset=True)
    return ComponentOut.of(services.statuspage.update_component(component_id, ComponentIn(**merged).spec()))


@router.delete("/status/components/{component_id}", status_code=204, summary="Remove a component")
def delete_component(component_id: int, _: Admin, services: Svc) -> None:
    services.statuspage.delete_component(component_id)


@router.get("/status/maintenances", summary="Maintenance windows: upcoming, running and recent")
def list_maintenances(_: Viewer, services: Svc) -> list[MaintenanceOut]:
    return [MaintenanceOut.of(m) for m in services.statuspage.maintenances()]


@router.post("/status/maintenances", status_code=201, summary="Schedule maintenance")
def schedule(body: MaintenanceIn, who: Admin, services: Svc) -> MaintenanceOut:
    spec = MaintenanceSpec(body.name, body.scheduled_for, body.scheduled_until, body.body, body.components)
    return MaintenanceOut.of(services.statuspage.schedule_maintenance(spec, actor=who.name))


@router.delete("/status/maintenances/{maintenance_id}", status_code=204, summary="Cancel maintenance")
def cancel(maintenance_id: int, _: Admin, services: Svc) -> None:
    services.statuspage.cancel_maintenance(maintenance_id)


@router.get(
    "/incidents/{incident_id}/public-updates", tags=["incidents"], summary="Public updates, newest first"
)
def list_updates(incident_id: str, _: Viewer, services: Svc) -> list[PublicUpdateOut]:
    return [PublicUpdateOut.of(u) for u in services.statuspage.updates(parse_human_id(incident_id))]


@router.post(
    "/incidents/{incident_id}/public-updates",
    tags=["incidents"],
    status_code=201,
    summary="Post a public update (the incident must be customer-facing)",
)
def post_update(incident_id: str, body: PublicUpdateIn, who: Responder, services: Svc) -> PublicUpdateOut:
    number = parse_human_id(incident_id)
    return PublicUpdateOut.of(services.statuspage.post_update(number, body.status, body.body, actor=who.name))


@router.post(
    "/incidents/{incident_id}/customer-facing", tags=["incidents"], summary="Show on the status page or not"
)
def customer_facing(incident_id: str, body: CustomerFacingIn, who: Responder, services: Svc) -> IncidentOut:
    incident = services.statuspage.set_customer_facing(
        parse_human_id(incident_id), body.customer_facing, actor=who.name
    )
    return IncidentOut.of(incident)
