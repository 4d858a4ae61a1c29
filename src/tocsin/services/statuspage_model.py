"""What the public status page shows, computed from incidents: no I/O here.

Statuspage's vocabulary is used throughout (component status, incident impact, the page indicator), so
the JSON API can be Statuspage-compatible without translation. How tocsin's facts map to it:

- an incident's **impact** follows its severity rank: the most severe level is ``critical``, the next
  ``major``, every other ``minor``;
- its **public status** is ``resolved`` once the incident is resolved, else that of its newest public
  update, else derived from the incident's state;
- a **component** is affected by the open customer-facing incidents on any of its services: ``critical``
  → ``major_outage``, ``major`` → ``partial_outage``, ``minor`` → ``degraded_performance``; an admin's
  override wins; with nothing wrong, a running maintenance makes it ``under_maintenance``;
- **uptime** counts a major outage fully and a partial outage at 30%, as Statuspage does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from tocsin.domain.incident import Incident, IncidentState
from tocsin.store.status import StoredComponent, StoredMaintenance, StoredPage, StoredUpdate

__all__ = [
    "UPTIME_DAYS",
    "ComponentStatus",
    "ComponentView",
    "Impact",
    "Indicator",
    "MaintenanceStatus",
    "MaintenanceView",
    "PublicIncident",
    "PublicStatus",
    "StatusSnapshot",
    "UptimeDay",
    "build_snapshot",
    "public_incident",
]

UPTIME_DAYS = 90


class ComponentStatus(StrEnum):
    OPERATIONAL = "operational"
    UNDER_MAINTENANCE = "under_maintenance"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"

    @property
    def weight(self) -> int:
        """Order from best to worst, for "the worst status of the day"."""
        return list(ComponentStatus).index(self)

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Impact(StrEnum):
    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"

    @property
    def weight(self) -> int:
        return list(Impact).index(self)


class Indicator(StrEnum):
    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"
    MAINTENANCE = "maintenance"


class PublicStatus(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    POSTMORTEM = "postmortem"

    @property
    def is_open(self) -> bool:
        return self not in (PublicStatus.RESOLVED, PublicStatus.POSTMORTEM)


class MaintenanceStatus(StrEnum):
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    VERIFYING = "verifying"
    COMPLETED = "completed"


_DESCRIPTIONS = {
    Indicator.NONE: "All Systems Operational",
    Indicator.MINOR: "Partial System Outage",
    Indicator.MAJOR: "Major Service Outage",
    Indicator.CRITICAL: "Major System Outage",
    Indicator.MAINTENANCE: "Service Under Maintenance",
}
_FROM_STATE = {
    IncidentState.IDENTIFIED: PublicStatus.IDENTIFIED,
    IncidentState.MITIGATING: PublicStatus.IDENTIFIED,
    IncidentState.MONITORING: PublicStatus.MONITORING,
}
_OUTAGE = {Impact.CRITICAL: ComponentStatus.MAJOR_OUTAGE, Impact.MAJOR: ComponentStatus.PARTIAL_OUTAGE}
_DOWNTIME_WEIGHT = {ComponentStatus.MAJOR_OUTAGE: 1.0, ComponentStatus.PARTIAL_OUTAGE: 0.3}


@dataclass(frozen=True)
class PublicIncident:
    number: int
    name: str
    status: PublicStatus
    impact: Impact
    started_at: datetime
    updated_at: datetime
    monitoring_at: datetime | None
    resolved_at: datetime | None
    updates: tuple[StoredUpdate, ...]  # newest first
    services: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"inc_{self.number}"

    def affects(self, component: StoredComponent) -> bool:
        return bool(set(component.services) & set(self.services))

    @property
    def outage(self) -> ComponentStatus:
        return _OUTAGE.get(self.impact, ComponentStatus.DEGRADED_PERFORMANCE)


@dataclass(frozen=True)
class MaintenanceView:
    maintenance: StoredMaintenance
    status: MaintenanceStatus

    @property
    def id(self) -> str:
        return f"mnt_{self.maintenance.id}"


@dataclass(frozen=True)
class UptimeDay:
    day: date
    status: ComponentStatus | None  # None: the component did not exist yet
    downtime_s: float  # weighted: partial outages count 30%


@dataclass(frozen=True)
class ComponentView:
    component: StoredComponent
    status: ComponentStatus
    updated_at: datetime
    days: tuple[UptimeDay, ...]
    uptime_percent: float

    @property
    def id(self) -> str:
        return f"cmp_{self.component.id}"

    @property
    def visible(self) -> bool:
        return not self.component.only_show_if_degraded or self.status != ComponentStatus.OPERATIONAL


@dataclass(frozen=True)
class StatusSnapshot:
    page: StoredPage
    url: str
    generated_at: datetime
    indicator: Indicator
    components: tuple[ComponentView, ...]
    incidents: tuple[PublicIncident, ...]  # customer-facing, newest first (open and recent)
    maintenances: tuple[MaintenanceView, ...]

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self.indicator]

    @property
    def unresolved(self) -> tuple[PublicIncident, ...]:
        return tuple(i for i in self.incidents if i.status.is_open)

    @property
    def updated_at(self) -> datetime:
        stamps = [self.page.updated_at, *(c.updated_at for c in self.components)]
        stamps += [i.updated_at for i in self.incidents] + [
            m.maintenance.updated_at for m in self.maintenances
        ]
        return max(stamps)

    def components_of(self, incident: PublicIncident) -> tuple[ComponentView, ...]:
        return tuple(c for c in self.components if incident.affects(c.component))


def _impact(rank: int) -> Impact:
    return {0: Impact.CRITICAL, 1: Impact.MAJOR}.get(rank, Impact.MINOR)


def public_incident(incident: Incident, rank: int, updates: Sequence[StoredUpdate]) -> PublicIncident:
    """The public face of a customer-facing incident with its public updates (newest first)."""
    newest = updates[0] if updates else None
    if incident.state in (IncidentState.RESOLVED, IncidentState.CLOSED):
        status = PublicStatus.RESOLVED
    elif newest is not None:
        status = PublicStatus(newest.status)
    else:
        status = _FROM_STATE.get(incident.state, PublicStatus.INVESTIGATING)
    resolved_at = incident.resolved_at if incident.resolved_at and not incident.state.is_open else None
    if resolved_at is None and status == PublicStatus.RESOLVED and newest is not None:
        resolved_at = newest.created_at
    monitoring = [u.created_at for u in updates if u.status == PublicStatus.MONITORING]
    stamps = [incident.updated_at, *(u.created_at for u in updates)]
    return PublicIncident(
        number=incident.number,
        name=incident.title,
        status=status,
        impact=_impact(rank),
        started_at=incident.started_at,
        updated_at=max(stamps),
        monitoring_at=min(monitoring) if monitoring else None,
        resolved_at=resolved_at,
        updates=tuple(updates),
        services=incident.services,
    )


def _maintenance_status(maintenance: StoredMaintenance, now: datetime) -> MaintenanceStatus:
    if now < maintenance.scheduled_for:
        return MaintenanceStatus.SCHEDULED
    if now < maintenance.scheduled_until and maintenance.cancelled_at is None:
        return MaintenanceStatus.IN_PROGRESS
    return MaintenanceStatus.COMPLETED


def _uptime_days(
    component: StoredComponent, incidents: Sequence[PublicIncident], zone: ZoneInfo, now: datetime
) -> tuple[tuple[UptimeDay, ...], float]:
    """The last ``UPTIME_DAYS`` days of ``component`` in the page's zone, and its uptime over them."""
    today = now.astimezone(zone).date()
    first_day = component.created_at.astimezone(zone).date()  # counted whole, as Statuspage's start_date
    touching = [i for i in incidents if i.affects(component)]
    days: list[UptimeDay] = []
    counted = downtime = 0.0
    for offset in range(UPTIME_DAYS - 1, -1, -1):
        day = today - timedelta(days=offset)
        start = datetime.combine(day, datetime.min.time(), zone)
        end = min(datetime.combine(day + timedelta(days=1), datetime.min.time(), zone), now)
        if day < first_day or end <= start:
            days.append(UptimeDay(day, None, 0.0))
            continue
        worst, lost = ComponentStatus.OPERATIONAL, 0.0
        for incident in touching:
            overlap = min(end, incident.resolved_at or now) - max(start, incident.started_at)
            if overlap.total_seconds() > 0:
                worst = max(worst, incident.outage, key=lambda status: status.weight)
                lost += overlap.total_seconds() * _DOWNTIME_WEIGHT.get(incident.outage, 0.0)
        lost = min(lost, (end - start).total_seconds())
        days.append(UptimeDay(day, worst, lost))
        counted += (end - start).total_seconds()
        downtime += lost
    percent = 100.0 if counted == 0 else round(100.0 * (1 - downtime / counted), 2)
    return tuple(days), percent


def _component_view(
    component: StoredComponent,
    incidents: Sequence[PublicIncident],
    maintenances: Sequence[MaintenanceView],
    zone: ZoneInfo,
    now: datetime,
) -> ComponentView:
    hitting = [i for i in incidents if i.status.is_open and i.affects(component)]
    if component.status_override:
        status = ComponentStatus(component.status_override)
    elif hitting:
        status = max((i.outage for i in hitting), key=lambda s: s.weight)
    elif any(
        m.status == MaintenanceStatus.IN_PROGRESS and component.id in m.maintenance.component_ids
        for m in maintenances
    ):
        status = ComponentStatus.UNDER_MAINTENANCE
    else:
        status = ComponentStatus.OPERATIONAL
    days, percent = _uptime_days(component, incidents, zone, now)
    updated = max([component.updated_at, *(i.updated_at for i in hitting)])
    return ComponentView(component, status, updated, days, percent)


def _indicator(
    unresolved: Sequence[PublicIncident],
    components: Sequence[ComponentView],
    maintenances: Sequence[MaintenanceView],
) -> Indicator:
    """Worst unresolved incident impact; without one, derived from components; then maintenance."""
    if unresolved:
        worst = max((i.impact for i in unresolved), key=lambda impact: impact.weight)
        if worst != Impact.NONE:
            return Indicator(worst.value)
    statuses = {c.status for c in components}
    if ComponentStatus.MAJOR_OUTAGE in statuses:
        return Indicator.MAJOR
    if statuses & {ComponentStatus.PARTIAL_OUTAGE, ComponentStatus.DEGRADED_PERFORMANCE}:
        return Indicator.MINOR
    if any(m.status == MaintenanceStatus.IN_PROGRESS for m in maintenances):
        return Indicator.MAINTENANCE
    return Indicator.NONE


def build_snapshot(
    *,
    page: StoredPage,
    url: str,
    components: Sequence[StoredComponent],
    incidents: Sequence[tuple[Incident, int]],
    updates: Mapping[int, Sequence[StoredUpdate]],
    maintenances: Sequence[StoredMaintenance],
    now: datetime,
) -> StatusSnapshot:
    """Everything the status page shows at ``now``; ``incidents`` pairs each with its severity rank."""
    zone = ZoneInfo(page.time_zone)
    public = tuple(public_incident(i, rank, updates.get(i.number, ())) for i, rank in incidents)
    windows = tuple(
        MaintenanceView(m, _maintenance_status(m, now)) for m in maintenances if m.cancelled_at is None
    )
    views = tuple(_component_view(c, public, windows, zone, now) for c in components)
    unresolved = [i for i in public if i.status.is_open]
    return StatusSnapshot(
        page=page,
        url=url,
        generated_at=now,
        indicator=_indicator(unresolved, views, windows),
        components=views,
        incidents=public,
        maintenances=windows,
    )
