"""The public status page: components (managed by admins), public updates (posted by responders on
customer-facing incidents), scheduled maintenance, and the snapshot the page is rendered from.

The snapshot is computed at most once per ``max_age`` and again as soon as anything it shows changes in
this process, so a traffic spike costs one computation, not one per request.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from tocsin.clock import Clock
from tocsin.domain.incident import LIMITS, Incident, check_text
from tocsin.errors import Conflict, InvalidInput, NotFound
from tocsin.services.accounts import check_time_zone
from tocsin.services.events import Change, EventBus
from tocsin.services.statuspage_model import (
    UPTIME_DAYS,
    ComponentStatus,
    PublicStatus,
    StatusSnapshot,
    build_snapshot,
)
from tocsin.store import incidents, severities, timeline
from tocsin.store import status as rows
from tocsin.store.db import Database, after_commit
from tocsin.store.status import StoredComponent, StoredMaintenance, StoredPage, StoredUpdate

__all__ = ["CUSTOMER_FACING_KIND", "PUBLIC_UPDATE_KIND", "ComponentSpec", "MaintenanceSpec", "StatusPageService"]

PUBLIC_UPDATE_KIND = "public_update"
CUSTOMER_FACING_KIND = "customer_facing_changed"
_UPDATE_LIMIT = 5_000
_RETRIES = 5


@dataclass(frozen=True)
class ComponentSpec:
    """A component as an admin describes it; ``services`` are the incident services that affect it."""

    name: str
    description: str | None = None
    services: Sequence[str] = ()
    position: int | None = None
    status_override: ComponentStatus | None = None
    showcase: bool = True
    only_show_if_degraded: bool = False


@dataclass(frozen=True)
class MaintenanceSpec:
    name: str
    scheduled_for: datetime
    scheduled_until: datetime
    body: str = ""
    component_ids: Sequence[int] = ()


def _checked_component(spec: ComponentSpec) -> dict[str, object]:
    services = [check_text("service", s, LIMITS.service_name, required=True) for s in spec.services]
    if len(services) > LIMITS.services:
        raise InvalidInput(f"at most {LIMITS.services} services per component", code="too_many")
    description = check_text("description", spec.description or "", 1_000) or None
    return {
        "name": check_text("component name", spec.name, 100, required=True),
        "description": description,
        "services": list(dict.fromkeys(services)),
        "status_override": spec.status_override.value if spec.status_override else None,
        "showcase": spec.showcase,
        "only_show_if_degraded": spec.only_show_if_degraded,
    }


class StatusPageService:
    def __init__(self, db: Database, clock: Clock, events: EventBus, *, max_age: float = 10.0) -> None:
        self.db = db
        self.clock = clock
        self.events = events
        self.public_url = "http://localhost"
        self.max_age = max_age
        self._inbox = events.subscribe()
        self._lock = threading.Lock()
        self._cached: tuple[StatusSnapshot, float] | None = None

    # -- the snapshot ----------------------------------------------------------------------------------

    def snapshot(self) -> StatusSnapshot:
        """What the page shows now (cached; recomputed when stale or when something changed)."""
        with self._lock:
            changed = self._drain()
            cached = self._cached
            if cached is None or changed or time.monotonic() - cached[1] > self.max_age:
                self._cached = cached = (self._compute(), time.monotonic())
            return cached[0]

    def _drain(self) -> bool:
        changed = False
        with contextlib.suppress(queue.Empty):
            while True:
                changed |= self._inbox.get_nowait().topic == "incident"
        return changed

    def forget(self) -> None:
        """Drop the cached snapshot (after a change made here)."""
        with self._lock:
            self._cached = None

    def _compute(self) -> StatusSnapshot:
        now = self.clock.now()
        with self.db.read() as conn:
            page = rows.ensure_page(conn, now) if self._has_page(conn) else self._default_page(now)
            scheme = severities.load_scheme(conn)
            found = rows.public_incidents(conn, since=now - timedelta(days=UPTIME_DAYS))
            updates = rows.updates_for(conn, [i.number for i in found])
            components = rows.list_components(conn)
            maintenances = rows.list_maintenances(conn, ending_after=now - timedelta(days=UPTIME_DAYS))
        ranked = []
        for incident in found:
            level = scheme.resolve(incident.severity)
            ranked.append((incident, level.rank if level else len(scheme.levels)))
        return build_snapshot(
            page=page,
            url=f"{self.public_url.rstrip('/')}/status",
            components=components,
            incidents=ranked,
            updates=updates,
            maintenances=maintenances,
            now=now,
        )

    @staticmethod
    def _has_page(conn: object) -> bool:
        from sqlalchemy import Connection, select

        from tocsin.store.schema_status import status_page

        assert isinstance(conn, Connection)
        return conn.execute(select(status_page.c.id)).first() is not None

    @staticmethod
    def _default_page(now: datetime) -> StoredPage:
        return StoredPage(page_id="tocsin", name="Status", time_zone="Etc/UTC", updated_at=now)

    # -- the page --------------------------------------------------------------------------------------

    def page(self) -> StoredPage:
        with self.db.write() as conn:
            return rows.ensure_page(conn, self.clock.now())

    def update_page(self, *, name: str | None = None, time_zone: str | None = None) -> StoredPage:
        """Rename the page or set the zone its days (uptime bars, history) are counted in."""
        values: dict[str, str] = {}
        if name is not None:
            values["name"] = check_text("page name", name, 100, required=True)
        if time_zone is not None:
            values["time_zone"] = check_time_zone(time_zone)
        with self.db.write() as conn:
            rows.update_page(conn, self.clock.now(), **values)
            page = rows.ensure_page(conn, self.clock.now())
        self.forget()
        return page
