"""The runbook's messages for an incident: its templates filled with the incident's facts, ready to
post to Slack, e-mail or the status page (or to copy)."""

from __future__ import annotations

from datetime import datetime, timedelta

from tocsin.clock import Clock
from tocsin.domain.incident import Incident, IncidentState
from tocsin.domain.messages import FilledMessage, fill_template
from tocsin.domain.playbook import Playbook
from tocsin.domain.playbook_comms import IncidentField, Template
from tocsin.domain.timeline import TimelineEntry, TimelineKind
from tocsin.errors import NotFound
from tocsin.services.incidents import IncidentService
from tocsin.services.playbooks import PlaybookService
from tocsin.services.severities import SeverityService

__all__ = ["MessageService", "incident_facts"]


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _last(entries: list[TimelineEntry], kind: str, key: str, **match: str) -> str:
    for entry in reversed(entries):
        if entry.kind == kind and all(entry.details.get(k) == v for k, v in match.items()):
            return str(entry.details.get(key) or "")
    return ""


def incident_facts(
    incident: Incident, entries: list[TimelineEntry], *, now: datetime, url: str, cadence: timedelta | None
) -> dict[IncidentField, str]:
    """What an incident can say about itself, by the field names templates use."""
    end = incident.resolved_at if incident.state in (IncidentState.RESOLVED, IncidentState.CLOSED) else now
    resolution = _last(entries, TimelineKind.STATE_CHANGED, "note", to=IncidentState.RESOLVED.value)
    return {
        IncidentField.INCIDENT_ID: incident.human_id,
        IncidentField.TITLE: incident.title,
        IncidentField.SUMMARY: incident.summary or incident.title,
        IncidentField.SEVERITY: incident.severity,
        IncidentField.STATUS: incident.state.value.capitalize(),
        IncidentField.SERVICES: ", ".join(incident.services),
        IncidentField.STARTED_AT: _when(incident.started_at),
        IncidentField.ACKNOWLEDGED_AT: _when(incident.acknowledged_at),
        IncidentField.RESOLVED_AT: _when(incident.resolved_at),
        IncidentField.DURATION: _span((end or now) - incident.started_at),
        IncidentField.COMMANDER: incident.commander or "",
        IncidentField.RESPONDER: incident.acknowledged_by or "",
        IncidentField.RESOLUTION: resolution,
        IncidentField.LATEST_UPDATE: _last(entries, TimelineKind.NOTE, "text"),
        IncidentField.NEXT_UPDATE_AT: _when(now + cadence) if cadence and incident.state.is_open else "",
        IncidentField.URL: url,
    }


class MessageService:
    def __init__(
        self,
        clock: Clock,
        incidents: IncidentService,
        playbooks: PlaybookService,
        severities: SeverityService,
    ) -> None:
        self.clock = clock
        self.incidents = incidents
        self.playbooks = playbooks
        self.severities = severities

    def _playbook(self, number: int) -> Playbook:
        stored = self.playbooks.for_incident(number) or self.playbooks.active()
        if stored is None:
            raise NotFound(
                "no playbook: import and apply a runbook with message templates first", code="no_playbook"
            )
        return self.playbooks.playbook(stored)

    def templates(self, number: int) -> tuple[Template, ...]:
        """The templates of the playbook the incident is worked from."""
        self.incidents.get(number)
        return self._playbook(number).templates

    def render(self, number: int, name: str, *, url: str) -> FilledMessage:
        incident = self.incidents.get(number)
        found = [t for t in self._playbook(number).templates if t.name.casefold() == name.strip().casefold()]
        if not found:
            names = ", ".join(t.name for t in self._playbook(number).templates) or "none"
            raise NotFound(
                f"no template {name!r} in this incident's playbook; it has: {names}", code="no_template"
            )
        template = found[0]
        level = self.severities.scheme().resolve(incident.severity)
        cadence = template.update_cadence or (level.update_cadence if level else None)
        entries = self.incidents.timeline(number)
        facts = incident_facts(incident, entries, now=self.clock.now(), url=url, cadence=cadence)
        return fill_template(template, facts)
