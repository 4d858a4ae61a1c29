"""Escalation policies and routing by severity: which policy an incident escalates by, and whether it pages.

Routing starts from the severity scheme (SEV1 and SEV2 page; SEV3 and SEV4 do not; SEV4 is due the next
business day) and an operator can route any severity to a policy, stop or start its paging, hold it to
business hours, or set when an unresolved incident of it notifies the next level. Building a policy from
a runbook's escalation path is :mod:`tocsin.services.paging_playbook`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from tocsin.clock import Clock
from tocsin.domain.escalation import (
    EscalationPolicy,
    ScheduleTarget,
    SeverityRouting,
    TeamTarget,
    UserTarget,
)
from tocsin.domain.incident import check_text
from tocsin.domain.notification_rules import BusinessHours
from tocsin.domain.schedule_window import TimeWindow, Weekday
from tocsin.errors import Conflict, InvalidInput, NotFound
from tocsin.services.paging_common import check_slug
from tocsin.store import people, policies, schedules, severities
from tocsin.store.db import Database
from tocsin.store.policies import StoredPolicy, StoredRoute

__all__ = [
    "BUSINESS_HOURS_SETTING",
    "DEFAULT_POLICY_SETTING",
    "PolicyService",
    "Routing",
    "business_hours_to_json",
    "check_policy_targets",
    "load_business_hours",
    "load_routing",
]

DEFAULT_POLICY_SETTING = "default_policy"
BUSINESS_HOURS_SETTING = "business_hours"


@dataclass(frozen=True)
class Routing:
    """The effective routing: a route for every severity of the scheme, and when each escalates unresolved."""

    routing: SeverityRouting
    operator_routes: tuple[StoredRoute, ...]
    unresolved_after: dict[str, timedelta]  # by severity name; absent: its resolution target
    business_hours: BusinessHours

    @property
    def default_policy_id(self) -> str | None:
        return self.routing.default_policy_id


def load_business_hours(conn: Connection) -> BusinessHours:
    """The configured business hours (Monday to Friday, 09:00 to 17:00 UTC unless set)."""
    data = policies.get_setting(conn, BUSINESS_HOURS_SETTING)
    if not data:
        return BusinessHours()
    window = TimeWindow(
        frozenset(Weekday(day) for day in data["days"]),
        time.fromisoformat(data["start"]),
        time.fromisoformat(data["end"]),
    )
    closed = frozenset(date.fromisoformat(day) for day in data.get("closed_dates", []))
    return BusinessHours(data["tz"], window, closed)


def business_hours_to_json(hours: BusinessHours) -> dict[str, Any]:
    return {
        "tz": hours.tz,
        "days": sorted(int(day) for day in hours.window.days),
        "start": hours.window.start.isoformat("minutes"),
        "end": hours.window.end.isoformat("minutes"),
        "closed_dates": sorted(day.isoformat() for day in hours.closed_dates),
    }


def load_routing(conn: Connection) -> Routing:
    """The routing in force: the scheme's flags, the operator's routes over them, and the default policy."""
    scheme = severities.load_scheme(conn)
    default = policies.get_setting(conn, DEFAULT_POLICY_SETTING)
    base = SeverityRouting.from_scheme(scheme, default if isinstance(default, str) else None)
    stored = policies.list_routes(conn)
    by_level = {}
    for route in stored:
        level = scheme.resolve(route.severity)
        if level is not None:  # a route for a severity the scheme no longer has is ignored
            by_level[level.name] = route
    routes = tuple(
        replace(
            route,
            policy_id=by_level[route.severity].policy_id,
            pages=by_level[route.severity].pages,
            business_hours_only=by_level[route.severity].business_hours_only,
        )
        if route.severity in by_level
        else route
        for route in base.routes
    )
    unresolved = {
        name: route.unresolved_after for name, route in by_level.items() if route.unresolved_after is not None
    }
    routing = SeverityRouting(routes, base.default_policy_id)
    return Routing(routing, tuple(stored), unresolved, load_business_hours(conn))


def check_policy_targets(conn: Connection, policy: EscalationPolicy) -> None:
    """Refuse a policy that names users, schedules or teams that do not exist (a typo would page nobody)."""
    wanted: dict[str, set[str]] = {"user": set(), "schedule": set(), "team": set()}
    for level in policy.levels:
        for target in level.targets:
            match target:
                case UserTarget(user_id=ident):
                    wanted["user"].add(ident)
                case ScheduleTarget(schedule_id=ident):
                    wanted["schedule"].add(ident)
                case TeamTarget(team_id=ident):
                    wanted["team"].add(ident)
    found = {
        "user": set(people.users_by_id(conn, wanted["user"])),
        "schedule": set(schedules.load_schedules(conn, wanted["schedule"])),
        "team": set(people.members_of(conn, wanted["team"])),
    }
    missing = [f"{kind} {ident!r}" for kind in wanted for ident in sorted(wanted[kind] - found[kind])]
    if missing:
        raise InvalidInput(f"policy {policy.id!r} names no such {', '.join(missing)}", code="unknown_target")


class PolicyService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    # -- policies --------------------------------------------------------------------------------------

    def create(self, policy: EscalationPolicy) -> StoredPolicy:
        """Add a policy; the first policy added becomes the default."""
        policy = self._checked(policy)
        try:
            with self.db.write() as conn:
                check_policy_targets(conn, policy)
                policies.insert_policy(conn, policy, self.clock.now())
                if policies.get_setting(conn, DEFAULT_POLICY_SETTING) is None:
                    policies.set_setting(conn, DEFAULT_POLICY_SETTING, policy.id)
                return self._get(conn, policy.id)
        except IntegrityError as exc:
            raise Conflict(f"a policy with id {policy.id!r} exists", code="policy_exists") from exc

    def update(self, policy: EscalationPolicy) -> StoredPolicy:
        """Replace a policy; running escalations keep the copy frozen when they started."""
        policy = self._checked(policy)
        with self.db.write() as conn:
            check_policy_targets(conn, policy)
            if not policies.update_policy(conn, policy, self.clock.now()):
                raise _no_policy(policy.id)
            return self._get(conn, policy.id)

    def get(self, policy_id: str) -> StoredPolicy:
        with self.db.read() as conn:
            return self._get(conn, policy_id)

    def list_policies(self) -> list[StoredPolicy]:
        with self.db.read() as conn:
            return policies.list_policies(conn)

    def delete(self, policy_id: str) -> None:
        """Remove a policy; refused while it is the default or a severity is routed to it."""
        with self.db.write() as conn:
            if policies.get_setting(conn, DEFAULT_POLICY_SETTING) == policy_id:
                raise Conflict(
                    f"{policy_id!r} is the default policy; make another one the default first",
                    code="policy_in_use",
                )
            routed = [route.severity for route in policies.list_routes(conn) if route.policy_id == policy_id]
            if routed:
                raise Conflict(
                    f"{', '.join(routed)} {'is' if len(routed) == 1 else 'are'} routed to {policy_id!r}; "
                    "route them elsewhere first",
                    code="policy_in_use",
                )
            if not policies.delete_policy(conn, policy_id):
                raise _no_policy(policy_id)

    @staticmethod
    def _checked(policy: EscalationPolicy) -> EscalationPolicy:
        check_slug("policy", policy.id)
        return replace(policy, name=check_text("policy name", policy.name, 200, required=True))

    @staticmethod
    def _get(conn: Connection, policy_id: str) -> StoredPolicy:
        found = policies.get_policy(conn, policy_id)
        if found is None:
            raise _no_policy(policy_id)
        return found

    # -- routing ---------------------------------------------------------------------------------------

    def routing(self) -> Routing:
        with self.db.read() as conn:
            return load_routing(conn)

    def set_default(self, policy_id: str) -> Routing:
        """Make ``policy_id`` the policy of every severity not routed to another one."""
        with self.db.write() as conn:
            self._get(conn, policy_id)
            policies.set_setting(conn, DEFAULT_POLICY_SETTING, policy_id)
            return load_routing(conn)

    def set_route(self, route: StoredRoute) -> Routing:
        """Route one severity (by any of its names): its policy, whether it pages, and when it escalates
        unresolved."""
        with self.db.write() as conn:
            level = severities.load_scheme(conn).resolve(route.severity)
            if level is None:
                raise NotFound(f"unknown severity {route.severity!r}", code="unknown_severity")
            if route.policy_id is not None:
                self._get(conn, route.policy_id)
            if route.unresolved_after is not None and route.unresolved_after <= timedelta(0):
                raise InvalidInput("unresolved_after must be positive", code="invalid_duration")
            policies.put_route(conn, replace(route, severity=level.name))
            return load_routing(conn)

    def clear_route(self, severity: str) -> Routing:
        """Let a severity follow the scheme and the default policy again."""
        with self.db.write() as conn:
            level = severities.load_scheme(conn).resolve(severity)
            if level is None or not policies.delete_route(conn, level.name):
                raise NotFound(f"no route for {severity!r}", code="route_not_found")
            return load_routing(conn)

    def set_business_hours(self, hours: BusinessHours) -> Routing:
        with self.db.write() as conn:
            policies.set_setting(conn, BUSINESS_HOURS_SETTING, business_hours_to_json(hours))
            return load_routing(conn)


def _no_policy(policy_id: str) -> NotFound:
    return NotFound(f"no escalation policy {policy_id!r}", code="policy_not_found")
