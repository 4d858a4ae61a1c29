"""An incident's alerts, one page at a time: an incident may absorb any number, so none is loaded whole."""

from __future__ import annotations

from dataclasses import dataclass

from tocsin.errors import NotFound
from tocsin.store import alerts, incidents, integrations
from tocsin.store.alerts import StoredAlert
from tocsin.store.db import Database

__all__ = ["MAX_PAGE", "AlertPage", "incident_alerts"]

MAX_PAGE = 1000


@dataclass(frozen=True)
class AlertPage:
    """One page of an incident's alerts, oldest first, with the counts of the whole list.

    ``next_after`` is the ``after`` to ask for the next page, ``None`` on the last one.
    ``integration_names`` names the integration of every alert on the page (by integration id).
    """

    alerts: list[StoredAlert]
    integration_names: dict[int, str]
    total: int
    firing: int
    next_after: int | None


def incident_alerts(db: Database, number: int, *, after_id: int = 0, limit: int = 100) -> AlertPage:
    """The alerts of incident ``number`` with an id above ``after_id``, at most ``limit`` of them."""
    limit = max(1, min(limit, MAX_PAGE))
    with db.read() as conn:
        if incidents.get(conn, number) is None:
            raise NotFound(f"no incident INC-{number}", code="incident_not_found")
        # One more than asked tells whether another page follows without a second query.
        found = alerts.list_for_incident(conn, number, limit=limit + 1, after_id=after_id)
        total, firing = alerts.count_for_incident(conn, number)
        names = {item.id: item.name for item in integrations.list_all(conn)}
    page = found[:limit]
    next_after = page[-1].id if len(found) > limit else None
    used = {alert.integration_id for alert in page}
    return AlertPage(
        alerts=page,
        integration_names={key: names.get(key, "?") for key in used},
        total=total,
        firing=firing,
        next_after=next_after,
    )
