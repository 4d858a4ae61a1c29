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

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from tocsin.clock import Clock
from tocsin.domain.incident import LIMITS, Incident, check_text
from tocsin.domain.timeline import TimelineKind
from tocsin.errors import Conflict, InvalidInput, NotFound
from tocsin.services.accounts import check_time_zone
from tocsin.services.events import Change, EventBus
from tocsin.services.incidents import IncidentService
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

__all__ = [
    "CUSTOMER_FACING_KIND",
    "PUBLIC_UPDATE_KIND",
    "ComponentSpec",
    "MaintenanceSpec",
    "StatusPageService",
]

PUBLIC_UPDATE_KIND = TimelineKind.PUBLIC_UPDATE.value
CUSTOMER_FACING_KIND = TimelineKind.CUSTOMER_FACING_CHANGED.value
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
    def __init__(
        self,
        db: Database,
        clock: Clock,
        events: EventBus,
        incidents: IncidentService,
        *,
        max_age: float = 10.0,
    ) -> None:
        self.db = db
        self.incident_service = incidents
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

    def fresh_snapshot(self) -> StatusSnapshot | None:
        """The cached snapshot if it is still current, without touching the database; else ``None``."""
        with self._lock:
            if self._drain():
                self._cached = None
            cached = self._cached
            if cached is None or time.monotonic() - cached[1] > self.max_age:
                return None
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
            page = rows.get_page(conn) or rows.default_page(now)
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

    # -- the page --------------------------------------------------------------------------------------

    def page(self) -> StoredPage:
        with self.db.read() as conn:
            return rows.get_page(conn) or rows.default_page(self.clock.now())

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

    # -- components ------------------------------------------------------------------------------------

    def components(self) -> list[StoredComponent]:
        with self.db.read() as conn:
            return rows.list_components(conn)

    def component(self, component_id: int) -> StoredComponent:
        with self.db.read() as conn:
            found = rows.component_by_id(conn, component_id)
        if found is None:
            raise NotFound(f"no component with id {component_id}", code="component_not_found")
        return found

    def create_component(self, spec: ComponentSpec) -> StoredComponent:
        values = _checked_component(spec)
        now = self.clock.now()
        try:
            with self.db.write() as conn:
                position = spec.position
                if position is None:
                    position = 1 + max((c.position for c in rows.list_components(conn)), default=0)
                new_id = rows.insert_component(
                    conn, position=position, created_at=now, updated_at=now, **values
                )
                created = rows.component_by_id(conn, new_id)
        except IntegrityError as exc:
            raise Conflict(f"a component named {spec.name!r} exists", code="component_exists") from exc
        assert created is not None
        self.forget()
        return created

    def update_component(self, component_id: int, spec: ComponentSpec) -> StoredComponent:
        """Replace the component's description with ``spec`` (keeping its position if none is given)."""
        values = _checked_component(spec)
        current = self.component(component_id)
        position = current.position if spec.position is None else spec.position
        try:
            with self.db.write() as conn:
                rows.update_component(
                    conn, component_id, position=position, updated_at=self.clock.now(), **values
                )
        except IntegrityError as exc:
            raise Conflict(f"a component named {spec.name!r} exists", code="component_exists") from exc
        self.forget()
        return self.component(component_id)

    def delete_component(self, component_id: int) -> None:
        self.component(component_id)
        with self.db.write() as conn:
            rows.delete_component(conn, component_id)
        self.forget()

    # -- maintenance -----------------------------------------------------------------------------------

    def maintenances(self) -> list[StoredMaintenance]:
        """Maintenance windows that have not ended, and those of the last 90 days."""
        since = self.clock.now() - timedelta(days=UPTIME_DAYS)
        with self.db.read() as conn:
            return rows.list_maintenances(conn, ending_after=since)

    def schedule_maintenance(self, spec: MaintenanceSpec, *, actor: str) -> StoredMaintenance:
        """Announce a maintenance window; its components show as under maintenance while it runs."""
        values = self._checked_maintenance(spec)
        now = self.clock.now()
        with self.db.write() as conn:
            new_id = rows.insert_maintenance(conn, created_by=actor, created_at=now, updated_at=now, **values)
            created = rows.maintenance_by_id(conn, new_id)
        assert created is not None
        self.forget()
        return created

    def cancel_maintenance(self, maintenance_id: int) -> None:
        with self.db.write() as conn:
            found = rows.maintenance_by_id(conn, maintenance_id)
            if found is None or found.cancelled_at is not None:
                raise NotFound(f"no scheduled maintenance {maintenance_id}", code="maintenance_not_found")
            now = self.clock.now()
            rows.update_maintenance(conn, maintenance_id, cancelled_at=now, updated_at=now)
        self.forget()

    def _checked_maintenance(self, spec: MaintenanceSpec) -> dict[str, object]:
        if spec.scheduled_until <= spec.scheduled_for:
            raise InvalidInput("a maintenance window must end after it starts", code="bad_window")
        known = {c.id for c in self.components()}
        unknown = sorted(set(spec.component_ids) - known)
        if unknown:
            raise InvalidInput(f"no component with id {unknown[0]}", code="component_not_found")
        return {
            "name": check_text("maintenance name", spec.name, 200, required=True),
            "body": check_text("maintenance description", spec.body, LIMITS.note),
            "components": list(dict.fromkeys(spec.component_ids)),
            "scheduled_for": spec.scheduled_for,
            "scheduled_until": spec.scheduled_until,
        }

    # -- incidents -------------------------------------------------------------------------------------

    def updates(self, number: int) -> list[StoredUpdate]:
        """The incident's public updates, newest first."""
        with self.db.read() as conn:
            if incidents.get(conn, number) is None:
                raise NotFound(f"no incident INC-{number}", code="incident_not_found")
            return rows.updates_for(conn, [number]).get(number, [])

    def post_update(self, number: int, status: PublicStatus, body: str, *, actor: str) -> StoredUpdate:
        """Publish an update on a customer-facing incident; it shows on the status page at once."""
        body = check_text("update", body, _UPDATE_LIMIT, required=True)
        if status == PublicStatus.POSTMORTEM:
            raise InvalidInput(
                "an update is investigating, identified, monitoring or resolved", code="bad_status"
            )
        with self.db.write() as conn:
            incident = incidents.get(conn, number)
            if incident is None:
                raise NotFound(f"no incident INC-{number}", code="incident_not_found")
            if not incident.customer_facing:
                raise Conflict(
                    f"{incident.human_id} is internal; mark it customer-facing before posting public updates",
                    code="not_customer_facing",
                )
            now = self.clock.now()
            update_id = rows.insert_update(
                conn, incident_number=number, status=status.value, body=body, author=actor, at=now
            )
            details = {"update_id": update_id, "status": status.value, "body": body}
            timeline.append(conn, number, at=now, actor=actor, kind=PUBLIC_UPDATE_KIND, details=details)
            self._publish_after(conn, number)
            posted = rows.updates_for(conn, [number])[number][0]
        return posted

    def set_customer_facing(self, number: int, value: bool, *, actor: str) -> Incident:
        """Mark an incident customer-facing (it appears on the status page) or internal again."""
        return self.incident_service.set_customer_facing(number, value, actor=actor)

    def _publish_after(self, conn: Connection, number: int) -> None:
        after_commit(conn, lambda: self.events.publish(Change("incident", number)))
