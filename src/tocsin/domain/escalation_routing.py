"""Routing by severity: which escalation policy an incident uses, and whether it pages at all.

Built from the severity scheme (``pages`` and ``business_hours_only`` on each level) or set per severity
by the operator. SEV4 in the default scheme does not page: its response is due the next business day.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from tocsin.clock import utc
from tocsin.domain.notification_rules import BusinessHours
from tocsin.domain.severity import SeverityScheme, normalize_severity_name
from tocsin.errors import InvalidInput

__all__ = ["SeverityRoute", "SeverityRouting", "escalation_start"]


@dataclass(frozen=True)
class SeverityRoute:
    """For incidents of ``severity`` (or any of its ``aliases``): which policy, and whether they page.

    ``policy_id`` ``None`` means the routing's default policy. ``business_hours_only`` holds the page until
    business hours open; on a route that does not page it means the response is due the next business day.
    """

    severity: str
    policy_id: str | None = None
    pages: bool = True
    business_hours_only: bool = False
    aliases: tuple[str, ...] = ()

    def names(self) -> list[str]:
        """The severity's names, folded for comparison."""
        return [normalize_severity_name(name) for name in (self.severity, *self.aliases)]


@dataclass(frozen=True)
class SeverityRouting:
    """The routes per severity, with a default policy for severities that name none."""

    routes: tuple[SeverityRoute, ...] = ()
    default_policy_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "routes", tuple(self.routes))
        names = [name for route in self.routes for name in route.names()]
        if len(set(names)) != len(names):
            raise InvalidInput("each severity can be routed only once", code="duplicate_severity_route")

    @classmethod
    def from_scheme(cls, scheme: SeverityScheme, default_policy_id: str | None) -> SeverityRouting:
        """Routes that follow each severity level's ``pages`` and ``business_hours_only`` flags."""
        routes = tuple(
            SeverityRoute(level.name, None, level.pages, level.business_hours_only, level.aliases)
            for level in scheme.levels
        )
        return cls(routes, default_policy_id)

    def route_for(self, severity: str) -> SeverityRoute:
        """The route for ``severity`` with its policy filled in from the default.

        A severity with no route pages with the default policy: an unexpected page is better than a
        missed one.
        """
        wanted = normalize_severity_name(severity)
        for route in self.routes:
            if wanted in route.names():
                return replace(route, policy_id=route.policy_id or self.default_policy_id)
        return SeverityRoute(severity, self.default_policy_id)


def escalation_start(route: SeverityRoute, opened_at: datetime, hours: BusinessHours) -> datetime | None:
    """When the escalation of an incident opened at ``opened_at`` starts, or ``None`` if it never pages.

    No page without a policy or on a route that does not page (if that route is business-hours-only, the
    response is due at ``hours.next_business_day(opened_at)``); a business-hours-only route that pages
    waits for business hours to open.
    """
    opened_at = utc(opened_at)
    if not route.pages or route.policy_id is None:
        return None
    if route.business_hours_only:
        return hours.next_open(opened_at)
    return opened_at
