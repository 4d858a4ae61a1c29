"""``/api/v1/policies`` and ``/api/v1/routing``: who is paged in which order, and which severities page.

Also ``/api/v1/incidents/{id}/paging``: how one incident escalates (its frozen policy) and every message
decided for it, with its delivery status.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field

from tocsin.domain.escalation import (
    MAX_REPEAT,
    EscalationLevel,
    EscalationPolicy,
    EscalationTarget,
    ScheduleTarget,
    TeamTarget,
    UserTarget,
)
from tocsin.domain.incident import parse_human_id
from tocsin.domain.notification_rules import BusinessHours
from tocsin.domain.schedule import TimeWindow, Weekday
from tocsin.domain.schedule_window import WEEKDAYS
from tocsin.services.container import Services
from tocsin.services.paging_policies import Routing
from tocsin.services.tokens import ApiRole, Principal
from tocsin.store.outbox import StoredMessage
from tocsin.store.policies import StoredPolicy, StoredRoute
from tocsin.web.auth import require, services_of

__all__ = ["PolicyIn", "PolicyOut", "RoutingOut", "router"]

router = APIRouter(tags=["escalation"])
Viewer = Annotated[Principal, Depends(require(ApiRole.VIEWER))]
Admin = Annotated[Principal, Depends(require(ApiRole.ADMIN))]
Svc = Annotated[Services, Depends(services_of)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TargetIn(_In):
    kind: Literal["user", "schedule", "team"]
    id: str = Field(min_length=1, max_length=64)

    def to_target(self) -> EscalationTarget:
        if self.kind == "user":
            return UserTarget(self.id)
        return ScheduleTarget(self.id) if self.kind == "schedule" else TeamTarget(self.id)

    @classmethod
    def of(cls, target: EscalationTarget) -> TargetIn:
        match target:
            case UserTarget(user_id=ident):
                return cls(kind="user", id=ident)
            case ScheduleTarget(schedule_id=ident):
                return cls(kind="schedule", id=ident)
            case TeamTarget(team_id=ident):
                return cls(kind="team", id=ident)


class LevelIn(_In):
    label: str = Field(default="", max_length=100, description="the role, e.g. 'Team Lead'")
    delay_minutes: float = Field(
        ge=0, le=7 * 24 * 60, description="wait for an acknowledgement before the next"
    )
    targets: list[TargetIn] = Field(default_factory=list, max_length=20)


class PolicyFields(_In):
    name: str = Field(min_length=1, max_length=200)
    repeat: int = Field(default=0, ge=0, le=MAX_REPEAT, description="passes after the first")
    levels: list[LevelIn] = Field(min_length=1, max_length=20)

    def to_policy(self, policy_id: str) -> EscalationPolicy:
        levels = tuple(
            EscalationLevel(
                timedelta(minutes=level.delay_minutes),
                tuple(t.to_target() for t in level.targets),
                level.label,
            )
            for level in self.levels
        )
        return EscalationPolicy(policy_id, self.name, levels, self.repeat)


class PolicyIn(PolicyFields):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_\-]*$")


class PolicyOut(BaseModel):
    id: str
    name: str
    repeat: int
    levels: list[LevelIn]
    unassigned_levels: list[int] = Field(description="1-based levels with no targets: they page nobody")
    updated_at: datetime | None = None

    @classmethod
    def of(cls, policy: EscalationPolicy, updated_at: datetime | None = None) -> PolicyOut:
        levels = [
            LevelIn(
                label=lvl.label,
                delay_minutes=lvl.delay.total_seconds() / 60,
                targets=[TargetIn.of(t) for t in lvl.targets],
            )
            for lvl in policy.levels
        ]
        unassigned = [n + 1 for n, lvl in enumerate(policy.levels) if not lvl.targets]
        return cls(
            id=policy.id,
            name=policy.name,
            repeat=policy.repeat,
            levels=levels,
            unassigned_levels=unassigned,
            updated_at=updated_at,
        )

    @classmethod
    def stored(cls, found: StoredPolicy) -> PolicyOut:
        return cls.of(found.policy, found.updated_at)


class RouteIn(_In):
    policy: str | None = Field(default=None, description="null: the default policy")
    pages: bool = True
    business_hours_only: bool = False
    unresolved_after_minutes: float | None = Field(
        default=None, gt=0, description="null: the resolution target"
    )


class RouteOut(BaseModel):
    severity: str
    policy: str | None = Field(
        description="the policy this severity escalates by (the default if not routed)"
    )
    pages: bool
    business_hours_only: bool
    unresolved_after_minutes: float | None
    set_by_operator: bool


class HoursIn(_In):
    tz: str = "UTC"
    days: list[Weekday] = Field(default=sorted(WEEKDAYS), min_length=1, description="0 is Monday")
    start: time = time(9, 0)
    end: time = time(17, 0)
    closed_dates: list[date] = Field(default_factory=list, max_length=400)

    def to_hours(self) -> BusinessHours:
        return BusinessHours(
            self.tz, TimeWindow(frozenset(self.days), self.start, self.end), frozenset(self.closed_dates)
        )


class RoutingOut(BaseModel):
    default_policy: str | None
    routes: list[RouteOut]
    business_hours: HoursIn

    @classmethod
    def of(cls, routing: Routing) -> RoutingOut:
        operator = {route.severity for route in routing.operator_routes}
        routes = [
            RouteOut(
                severity=route.severity,
                policy=route.policy_id,
                pages=route.pages,
                business_hours_only=route.business_hours_only,
                unresolved_after_minutes=(
                    routing.unresolved_after[route.severity].total_seconds() / 60
                    if route.severity in routing.unresolved_after
                    else None
                ),
                set_by_operator=route.severity in operator,
            )
            for route in routing.routing.routes
        ]
        hours = routing.business_hours
        return cls(
            default_policy=routing.default_policy_id,
            routes=routes,
            business_hours=HoursIn(
                tz=hours.tz,
                days=sorted(hours.window.days),
                start=hours.window.start,
                end=hours.window.end,
                closed_dates=sorted(hours.closed_dates),
            ),
        )


class DefaultIn(_In):
    policy: str = Field(min_length=1, max_length=64)


class MessageOut(BaseModel):
    key: str
    user: str
    channel: str
    kind: str
    level: int | None
    status: str
    due_at: datetime
    attempts: int
    last_error: str | None
    finished_at: datetime | None

    @classmethod
    def of(cls, message: StoredMessage) -> MessageOut:
        return cls(
            key=message.idempotency_key, user=message.user_id, channel=message.channel, kind=message.kind,
            level=message.level, status=message.status.value, due_at=message.due_at, attempts=message.attempts,
            last_error=message.last_error, finished_at=message.finished_at,
        )  # fmt: skip


class PagingOut(BaseModel):
    incident: str
    status: str | None = Field(description="active, stopped or exhausted; null when the incident never paged")
    policy: PolicyOut | None = Field(description="the policy as frozen when the escalation started")
    started_at: datetime | None
    messages: list[MessageOut]


@router.get("/policies", summary="Escalation policies")
def list_policies(_: Viewer, services: Svc) -> list[PolicyOut]:
    return [PolicyOut.stored(found) for found in services.paging.policies.list_policies()]


@router.post(
    "/policies", status_code=status.HTTP_201_CREATED, summary="Add a policy (the first is the default)"
)
def create_policy(body: PolicyIn, _: Admin, services: Svc) -> PolicyOut:
    return PolicyOut.stored(services.paging.policies.create(body.to_policy(body.id)))


@router.get("/policies/{policy_id}", summary="One policy")
def get_policy(policy_id: str, _: Viewer, services: Svc) -> PolicyOut:
    return PolicyOut.stored(services.paging.policies.get(policy_id))


@router.put("/policies/{policy_id}", summary="Replace a policy (running escalations keep their frozen copy)")
def update_policy(policy_id: str, body: PolicyFields, _: Admin, services: Svc) -> PolicyOut:
    return PolicyOut.stored(services.paging.policies.update(body.to_policy(policy_id)))


@router.delete("/policies/{policy_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a policy")
def delete_policy(policy_id: str, _: Admin, services: Svc) -> None:
    services.paging.policies.delete(policy_id)


@router.get("/routing", summary="Which policy each severity escalates by, and whether it pages")
def get_routing(_: Viewer, services: Svc) -> RoutingOut:
    return RoutingOut.of(services.paging.policies.routing())


@router.put("/routing/default", summary="The policy of every severity not routed elsewhere")
def set_default(body: DefaultIn, _: Admin, services: Svc) -> RoutingOut:
    return RoutingOut.of(services.paging.policies.set_default(body.policy))


@router.put("/routing/business-hours", summary="When business hours are (for severities held to them)")
def set_hours(body: HoursIn, _: Admin, services: Svc) -> RoutingOut:
    return RoutingOut.of(services.paging.policies.set_business_hours(body.to_hours()))


@router.put("/routing/{severity}", summary="Route one severity")
def set_route(severity: str, body: RouteIn, _: Admin, services: Svc) -> RoutingOut:
    after = timedelta(minutes=body.unresolved_after_minutes) if body.unresolved_after_minutes else None
    route = StoredRoute(severity, body.policy, body.pages, body.business_hours_only, after)
    return RoutingOut.of(services.paging.policies.set_route(route))


@router.delete("/routing/{severity}", summary="Let a severity follow the scheme and the default policy again")
def clear_route(severity: str, _: Admin, services: Svc) -> RoutingOut:
    return RoutingOut.of(services.paging.policies.clear_route(severity))


@router.get("/incidents/{incident_id}/paging", summary="How an incident escalates, and every message sent")
def incident_paging(incident_id: str, _: Viewer, services: Svc) -> PagingOut:
    number = parse_human_id(incident_id)
    incident = services.incidents.get(number)
    escalation = services.paging.escalation(number)
    messages = [MessageOut.of(m) for m in services.paging.delivery.messages(number)]
    if escalation is None:
        return PagingOut(
            incident=incident.human_id, status=None, policy=None, started_at=None, messages=messages
        )
    return PagingOut(
        incident=incident.human_id,
        status=escalation.status.value,
        policy=PolicyOut.of(escalation.frozen.policy),
        started_at=escalation.frozen.started_at,
        messages=messages,
    )
