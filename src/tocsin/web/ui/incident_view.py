"""What the incident page shows, gathered from the services in one place (the routes stay thin)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tocsin.domain.incident import Incident, IncidentState, Role, check_transition
from tocsin.domain.metrics import IncidentTimes, incident_times
from tocsin.domain.severity import SeverityLevel
from tocsin.errors import InvalidTransition
from tocsin.services.container import Services
from tocsin.services.incident_alerts import AlertPage, incident_alerts
from tocsin.services.statuspage_model import PublicStatus
from tocsin.store.status import StoredUpdate
from tocsin.web.ui.incident_extras import Checklist, PagingView, load_checklist, load_paging
from tocsin.web.ui.timeline_text import TimelineLine, describe

__all__ = ["ALERTS_PER_PAGE", "IncidentView", "allowed_states", "load_alerts", "load_incident", "load_lines"]

ALERTS_PER_PAGE = 25
_PUBLIC_STATUSES = (
    PublicStatus.INVESTIGATING,
    PublicStatus.IDENTIFIED,
    PublicStatus.MONITORING,
    PublicStatus.RESOLVED,
)


def allowed_states(current: IncidentState) -> tuple[IncidentState, ...]:
    """The states the lifecycle lets ``current`` move to, in lifecycle order."""
    allowed = []
    for target in IncidentState:
        try:
            check_transition(current, target)
        except InvalidTransition:
            continue
        allowed.append(target)
    return tuple(allowed)


@dataclass(frozen=True)
class IncidentView:
    incident: Incident
    times: IncidentTimes
    level: SeverityLevel | None
    severities: tuple[SeverityLevel, ...]
    next_states: tuple[IncidentState, ...]
    public_updates: tuple[StoredUpdate, ...]
    roles: tuple[Role, ...] = tuple(Role)
    public_statuses: tuple[PublicStatus, ...] = _PUBLIC_STATUSES
    deadlines: dict[str, datetime] = field(default_factory=dict)
    paging: PagingView | None = None
    checklist: Checklist | None = None

    @property
    def suggested_public_status(self) -> PublicStatus:
        state = self.incident.state
        if state in (IncidentState.RESOLVED, IncidentState.CLOSED):
            return PublicStatus.RESOLVED
        if state == IncidentState.MONITORING:
            return PublicStatus.MONITORING
        if state in (IncidentState.IDENTIFIED, IncidentState.MITIGATING):
            return PublicStatus.IDENTIFIED
        return PublicStatus.INVESTIGATING


def load_incident(services: Services, number: int) -> IncidentView:
    incident = services.incidents.get(number)
    entries = services.incidents.timeline(number)
    scheme = services.severities.scheme()
    level = scheme.resolve(incident.severity)
    deadlines: dict[str, datetime] = {}
    if level is not None and incident.state == IncidentState.TRIGGERED and level.response_target:
        deadlines["acknowledge"] = incident.started_at + level.response_target
    if level is not None and incident.state.is_open and level.resolution_target:
        deadlines["resolve"] = incident.started_at + level.resolution_target
    return IncidentView(
        incident=incident,
        times=incident_times(entries, level, services.clock.now()),
        level=level,
        severities=scheme.levels,
        next_states=allowed_states(incident.state),
        public_updates=tuple(services.statuspage.updates(number)),
        deadlines=deadlines,
        paging=load_paging(services, number, entries),
        checklist=load_checklist(services, number, entries),
    )


def load_lines(services: Services, number: int, *, after_id: int = 0, limit: int = 500) -> list[TimelineLine]:
    return [describe(e) for e in services.incidents.timeline(number, after_id=after_id, limit=limit)]


def load_alerts(services: Services, number: int, *, after_id: int = 0) -> AlertPage:
    return incident_alerts(services.db, number, after_id=after_id, limit=ALERTS_PER_PAGE)
