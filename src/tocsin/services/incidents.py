"""Incident use cases: declare, acknowledge, move through the lifecycle, and record what happened.

Each method is one transaction: the incident row, its timeline entries and its timer jobs are written
together or not at all, so a crash mid-request never leaves a half-written incident.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlparse

from sqlalchemy import Connection

from tocsin.clock import Clock
from tocsin.domain.incident import (
    LIMITS,
    Incident,
    IncidentState,
    Role,
    check_text,
    check_transition,
)
from tocsin.domain.metrics import IncidentTimes, incident_times
from tocsin.domain.timeline import TimelineEntry, TimelineKind
from tocsin.errors import Conflict, InvalidInput, NotFound
from tocsin.services import targets
from tocsin.services.events import Change, EventBus
from tocsin.services.severities import resolve_severity
from tocsin.store import incidents, severities, timeline
from tocsin.store.db import Database, after_commit
from tocsin.store.incidents import IncidentFilter

__all__ = ["Declaration", "IncidentHook", "IncidentService", "Mutation"]

_RETRIES = 5


@dataclass(frozen=True)
class Declaration:
    title: str
    severity: str
    summary: str = ""
    services: Sequence[str] = ()
    commander: str | None = None
    customer_facing: bool = False


@dataclass
class Mutation:
    """What a change does to an incident: new column values and the timeline entries that record it."""

    fields: dict[str, Any] = field(default_factory=dict)
    entries: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    after: Callable[[Connection, Incident, datetime], None] | None = None


class IncidentHook(Protocol):
    """Runs inside the transaction of every incident change, so its writes commit with it (or not at all).

    Paging freezes the escalation policy here and writes its outbox; playbooks pin their version.
    """

    def on_declared(self, conn: Connection, incident: Incident, now: datetime) -> None: ...

    def on_changed(self, conn: Connection, before: Incident, after: Incident, now: datetime) -> None: ...


class ConcurrentChange(Exception):
    """Another writer changed the incident between our read and our write; the caller retries."""


def _check_services(services: Sequence[str]) -> list[str]:
    cleaned = [check_text("service", s, LIMITS.service_name, required=True) for s in services]
    if len(cleaned) > LIMITS.services:
        raise InvalidInput(f"at most {LIMITS.services} services per incident", code="too_many")
    return list(dict.fromkeys(cleaned))


def _reschedule_targets(conn: Connection, incident: Incident, now: datetime) -> None:
    """Schedule the deadline jobs of the incident's (new) severity, after a severity change or a reopen."""
    level = severities.load_scheme(conn).resolve(incident.severity)
    if level is not None:
        targets.schedule_targets(conn, incident, level, now)


class IncidentService:
    def __init__(self, db: Database, clock: Clock, events: EventBus) -> None:
        self.db = db
        self.clock = clock
        self.events = events
        self.hooks: list[IncidentHook] = []

    def add_hook(self, hook: IncidentHook) -> None:
        self.hooks.append(hook)

    # -- reading ---------------------------------------------------------------------------------------

    def get(self, number: int) -> Incident:
        with self.db.read() as conn:
            return self._load(conn, number)

    def find(self, where: IncidentFilter, *, limit: int = 50, offset: int = 0) -> tuple[list[Incident], int]:
        with self.db.read() as conn:
            return incidents.list_incidents(conn, where, limit=limit, offset=offset)

    def timeline(self, number: int, *, after_id: int = 0, limit: int | None = None) -> list[TimelineEntry]:
        with self.db.read() as conn:
            self._load(conn, number)
            return timeline.entries(conn, number, after_id=after_id, limit=limit)

    def times(self, number: int) -> IncidentTimes:
        """Acknowledge and resolve times and target status, derived from the timeline now."""
        return self.get_with_times(number)[1]

    def get_with_times(self, number: int) -> tuple[Incident, IncidentTimes]:
        """The incident and its derived times, read in one snapshot."""
        with self.db.read() as conn:
            incident = self._load(conn, number)
            level = severities.load_scheme(conn).resolve(incident.severity)
            return incident, incident_times(timeline.entries(conn, number), level, self.clock.now())

    @staticmethod
    def _load(conn: Connection, number: int) -> Incident:
        incident = incidents.get(conn, number)
        if incident is None:
            raise NotFound(f"no incident INC-{number}", code="incident_not_found")
        return incident

    # -- declaring -------------------------------------------------------------------------------------

    def declare(self, declaration: Declaration, *, actor: str) -> Incident:
        with self.db.write() as conn:
            return self.declare_in(conn, declaration, actor=actor, now=self.clock.now())

    def declare_in(
        self, conn: Connection, declaration: Declaration, *, actor: str, now: datetime
    ) -> Incident:
        """Declare inside the caller's write transaction (alert ingest declares many in one commit)."""
        title = check_text("title", declaration.title, LIMITS.title, required=True)
        summary = check_text("summary", declaration.summary, LIMITS.summary)
        services = _check_services(declaration.services)
        roles = {}
        if declaration.commander:
            roles[Role.COMMANDER.value] = check_text("commander", declaration.commander, LIMITS.person)
        level = resolve_severity(severities.load_scheme(conn), declaration.severity)
        number = incidents.insert_incident(
            conn,
            title=title,
            state=IncidentState.TRIGGERED.value,
            severity=level.name,
            summary=summary,
            services=services,
            customer_facing=declaration.customer_facing,
            roles=roles,
            started_at=now,
            updated_at=now,
            created_by=actor,
        )
        details: dict[str, Any] = {"title": title, "severity": level.name, "services": services}
        details |= {"summary": summary, "customer_facing": declaration.customer_facing, "roles": roles}
        timeline.append(conn, number, at=now, actor=actor, kind=TimelineKind.DECLARED, details=details)
        incident = self._load(conn, number)
        targets.schedule_targets(conn, incident, level, now)
        for hook in self.hooks:
            hook.on_declared(conn, incident, now)
        self._publish_after(conn, number, jobs=True)
        return incident

    # -- changing --------------------------------------------------------------------------------------

    def acknowledge(self, number: int, *, actor: str) -> Incident:
        return self._mutate(number, actor, self._acknowledging(actor))

    def acknowledge_in(self, conn: Connection, number: int, *, actor: str, now: datetime) -> Incident:
        return self._mutate_in(conn, number, actor, self._acknowledging(actor), now)

    @staticmethod
    def _acknowledging(actor: str) -> Callable[[Incident, datetime], Mutation]:
        def change(incident: Incident, now: datetime) -> Mutation:
            if incident.state != IncidentState.TRIGGERED:
                by = f" by {incident.acknowledged_by}" if incident.acknowledged_by else ""
                raise Conflict(
                    f"{incident.human_id} is already {incident.state}{by}; nothing to acknowledge",
                    code="already_acknowledged",
                )
            fields = {
                "state": IncidentState.ACKNOWLEDGED.value,
                "acknowledged_at": now,
                "acknowledged_by": actor,
            }
            return Mutation(fields=fields, entries=[(TimelineKind.ACKNOWLEDGED, {})])

        return change

    def change_state(self, number: int, target: IncidentState, *, actor: str, note: str = "") -> Incident:
        if target == IncidentState.ACKNOWLEDGED:
            return self.acknowledge(number, actor=actor)
        return self._mutate(number, actor, self._moving(target, actor, note))

    def change_state_in(
        self,
        conn: Connection,
        number: int,
        target: IncidentState,
        *,
        actor: str,
        now: datetime,
        note: str = "",
    ) -> Incident:
        """Change state inside the caller's transaction (alerts resolving or reopening their incident)."""
        if target == IncidentState.ACKNOWLEDGED:
            return self.acknowledge_in(conn, number, actor=actor, now=now)
        return self._mutate_in(conn, number, actor, self._moving(target, actor, note), now)

    @staticmethod
    def _moving(target: IncidentState, actor: str, note: str) -> Callable[[Incident, datetime], Mutation]:
        note = check_text("note", note, LIMITS.note)

        def change(incident: Incident, now: datetime) -> Mutation:
            check_transition(incident.state, target)
            fields: dict[str, Any] = {"state": target.value}
            if incident.state == IncidentState.TRIGGERED:
                fields |= {"acknowledged_at": now, "acknowledged_by": actor}
            if target == IncidentState.RESOLVED:
                fields["resolved_at"] = now
            elif target == IncidentState.CLOSED:
                fields["closed_at"] = now
            details = {"from": incident.state.value, "to": target.value} | ({"note": note} if note else {})
            entries: list[tuple[str, dict[str, Any]]] = [(TimelineKind.STATE_CHANGED, details)]
            if incident.state == IncidentState.RESOLVED and target != IncidentState.CLOSED:
                fields["resolved_at"] = None  # reopened: its resolution deadline applies again
                return Mutation(fields=fields, entries=entries, after=_reschedule_targets)
            return Mutation(fields=fields, entries=entries)

        return change

    def change_severity(self, number: int, severity: str, *, actor: str) -> Incident:
        with self.db.read() as conn:
            level = resolve_severity(severities.load_scheme(conn), severity)

        def change(incident: Incident, now: datetime) -> Mutation:
            if incident.severity == level.name:
                raise Conflict(f"{incident.human_id} is already {level.name}", code="unchanged")

            details = {"from": incident.severity, "to": level.name}
            return Mutation(
                {"severity": level.name}, [(TimelineKind.SEVERITY_CHANGED, details)], _reschedule_targets
            )

        return self._mutate(number, actor, change)

    def assign_role(self, number: int, role: Role, person: str, *, actor: str) -> Incident:
        person = check_text("person", person, LIMITS.person, required=True)

        def change(incident: Incident, now: datetime) -> Mutation:
            previous = incident.roles.get(role.value)
            details = {"role": role.value, "person": person, "previous": previous}
            roles = incident.roles | {role.value: person}
            return Mutation({"roles": roles}, [(TimelineKind.ROLE_ASSIGNED, details)])

        return self._mutate(number, actor, change)

    def set_customer_facing(self, number: int, value: bool, *, actor: str) -> Incident:
        """Mark the incident customer-facing (it appears on the public status page) or internal again."""

        def change(incident: Incident, now: datetime) -> Mutation:
            if incident.customer_facing == value:
                return Mutation()
            details = {"customer_facing": value}
            return Mutation({"customer_facing": value}, [(TimelineKind.CUSTOMER_FACING_CHANGED, details)])

        return self._mutate(number, actor, change)

    def add_note(self, number: int, text: str, *, actor: str) -> Incident:
        text = check_text("note", text, LIMITS.note, required=True)
        return self._mutate(
            number, actor, lambda _i, _n: Mutation(entries=[(TimelineKind.NOTE, {"text": text})])
        )

    def add_link(self, number: int, url: str, title: str = "", *, actor: str) -> Incident:
        url = check_text("url", url, LIMITS.url, required=True)
        title = check_text("link title", title, LIMITS.link_title)
        if urlparse(url).scheme not in ("http", "https") or not urlparse(url).netloc:
            raise InvalidInput(f"{url!r} is not an http(s) URL", code="invalid_url", field="url")

        def change(incident: Incident, now: datetime) -> Mutation:
            links = [{"url": link.url, "title": link.title} for link in incident.links]
            links.append({"url": url, "title": title})
            return Mutation({"links": links}, [(TimelineKind.LINK_ADDED, {"url": url, "title": title})])

        return self._mutate(number, actor, change)

    def _mutate(self, number: int, actor: str, change: Callable[[Incident, datetime], Mutation]) -> Incident:
        """Apply ``change`` in its own transaction, retrying when another writer got there first."""
        for _ in range(_RETRIES):
            try:
                with self.db.write() as conn:
                    return self._mutate_in(conn, number, actor, change, self.clock.now())
            except ConcurrentChange:
                continue
        raise Conflict(f"INC-{number} is being changed by someone else; try again", code="concurrent_change")

    def _mutate_in(
        self,
        conn: Connection,
        number: int,
        actor: str,
        change: Callable[[Incident, datetime], Mutation],
        now: datetime,
    ) -> Incident:
        """Apply ``change`` once inside ``conn``; raises :class:`ConcurrentChange` if the version moved."""
        incident = self._load(conn, number)
        mutation = change(incident, now)
        if not incidents.update_if_version(conn, number, incident.version, updated_at=now, **mutation.fields):
            raise ConcurrentChange
        for kind, details in mutation.entries:
            timeline.append(conn, number, at=now, actor=actor, kind=kind, details=details)
        changed = self._load(conn, number)
        if mutation.after:
            mutation.after(conn, changed, now)
        for hook in self.hooks:
            hook.on_changed(conn, incident, changed, now)
        self._publish_after(conn, number, jobs=True)
        return changed

    def _publish_after(self, conn: Connection, number: int, *, jobs: bool) -> None:
        after_commit(conn, lambda: self.events.publish(Change("incident", number)))
        if jobs:
            after_commit(conn, lambda: self.events.publish(Change("jobs")))
