"""The escalation engine: freeze the policy when an incident starts, page level after level until someone
acknowledges, and notify the next level when an incident stays unresolved past its target.

It is an :class:`~tocsin.services.incidents.IncidentHook`, so it runs inside the transaction of every
incident change: the escalation starts with the declaration and stops with the acknowledgement, atomically.
Each next step is a job row with a due time (``escalation.step``); its handler pages the level and writes
the messages to the outbox in the job's own transaction, then schedules the following step. Delivering
the messages is :mod:`tocsin.services.delivery`'s business. Missing the response target is recorded by
:mod:`tocsin.services.targets`; the escalation simply goes on.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from tocsin.clock import Clock
from tocsin.domain.escalation import EscalationStep, FrozenEscalation, escalation_start
from tocsin.domain.incident import Incident, IncidentState
from tocsin.services.events import Change, EventBus
from tocsin.services.paging_common import ENGINE_ACTOR, PagingEvent, per_transaction
from tocsin.services.paging_pages import PageOrder, PageReason, page_level
from tocsin.services.paging_policies import load_routing
from tocsin.store import escalations, incidents, jobs, outbox, policies, severities, timeline
from tocsin.store.db import after_commit
from tocsin.store.escalations import EscalationStatus
from tocsin.store.jobs import ClaimedJob, JobHandler

__all__ = ["END_JOB", "STEP_JOB", "UNRESOLVED_JOB", "EscalationEngine", "format_span"]

STEP_JOB = "escalation.step"
UNRESOLVED_JOB = "escalation.unresolved"
END_JOB = "escalation.end"
_CLOSED = (IncidentState.RESOLVED, IncidentState.CLOSED)
_AFTER_FIRST_PAGE = timedelta(seconds=1)


def format_span(span: timedelta) -> str:
    """``"30 min"``, ``"1 h"``, ``"1 h 30 min"``, ``"45 s"``: a duration as people write it."""
    seconds = int(span.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    hours, minutes = divmod(seconds // 60, 60)
    parts = ([f"{hours} h"] if hours else []) + ([f"{minutes} min"] if minutes else [])
    return " ".join(parts)


def _key_safe(text: str) -> str:
    """``text`` made fit for an idempotency key (severity names may hold spaces: "Severity 1")."""
    return re.sub(r"[^A-Za-z0-9_\-]", "_", text)


class EscalationEngine:
    """The incident hook and the two job handlers of escalation."""

    def __init__(self, clock: Clock, events: EventBus) -> None:
        self.clock = clock
        self.events = events

    def job_handlers(self) -> dict[str, JobHandler]:
        return {STEP_JOB: self.run_step, UNRESOLVED_JOB: self.check_unresolved, END_JOB: self.end_escalation}

    # -- incident hook ---------------------------------------------------------------------------------

    def on_declared(self, conn: Connection, incident: Incident, now: datetime) -> None:
        """Freeze the incident's policy and make level 1 due (at once, or when business hours open)."""
        if incident.state is IncidentState.TRIGGERED:
            self._start(conn, incident, incident.started_at, now)

    def on_changed(self, conn: Connection, before: Incident, after: Incident, now: datetime) -> None:
        """Stop on acknowledgement; start if a severity change makes a silent incident page."""
        if before.state is IncidentState.TRIGGERED and after.state is not IncidentState.TRIGGERED:
            self._stop(conn, after, now)
        if after.state in _CLOSED and before.state not in _CLOSED:
            # Messages of a resolution-target escalation do not stop on acknowledgement; on resolution they do.
            outbox.drop_pending(conn, after.number, now, only_stops_on_ack=False)
        if before.severity != after.severity and after.state not in _CLOSED:
            if escalations.get_escalation(conn, after.number) is None:
                if after.state is IncidentState.TRIGGERED:
                    self._start(conn, after, now, now)
            else:
                self._schedule_unresolved(conn, after, now)

    # -- starting and stopping -------------------------------------------------------------------------

    def _start(self, conn: Connection, incident: Incident, opened_at: datetime, now: datetime) -> None:
        routing = per_transaction(conn, "routing", lambda: load_routing(conn))
        route = routing.routing.route_for(incident.severity)
        if route.policy_id is None:
            return  # paging is not set up (no policy at all): nothing to say on every incident
        start = escalation_start(route, opened_at, routing.business_hours)
        if start is None:
            details: dict[str, Any] = {
                "severity": incident.severity,
                "reason": f"{incident.severity} does not page",
            }
            if route.business_hours_only:
                respond_by = routing.business_hours.next_business_day(opened_at)
                details["respond_by"] = respond_by.isoformat()
                details["reason"] += "; respond the next business day"
            self._note(conn, incident, now, PagingEvent.ESCALATION_SKIPPED, details)
            return
        policy_id = route.policy_id
        stored = per_transaction(conn, ("policy", policy_id), lambda: policies.get_policy(conn, policy_id))
        if stored is None:
            details = {
                "severity": incident.severity,
                "reason": f"escalation policy {route.policy_id!r} is missing",
            }
            self._note(conn, incident, now, PagingEvent.ESCALATION_SKIPPED, details)
            return
        frozen = FrozenEscalation(stored.policy, start)
        if not escalations.insert_escalation(conn, incident.number, frozen, now):
            return
        details = {
            "policy": stored.policy.id,
            "policy_name": stored.policy.name,
            "levels": len(stored.policy.levels),
            "repeat": stored.policy.repeat,
            "first_page_at": start.isoformat(),
        }
        if start > opened_at:
            details["waits_for_business_hours"] = True
        self._note(conn, incident, now, PagingEvent.ESCALATION_STARTED, details)
        self._schedule_unresolved(conn, incident, now)
        first = frozen.first_step()
        if first.due_at <= now:
            # Level 1 is due at once: page it in the declaring transaction, with the decision (a timer row
            # would only add a hop). Every later step, and a level 1 held for business hours, is a job row.
            self._fire(conn, incident, frozen, first, now)
        else:
            self._enqueue_step(conn, incident.number, first, now)

    def _stop(self, conn: Connection, incident: Incident, now: datetime) -> None:
        reason = (
            "acknowledged" if incident.state is IncidentState.ACKNOWLEDGED else f"moved to {incident.state}"
        )
        stopped = escalations.set_status(conn, incident.number, EscalationStatus.STOPPED, now, reason=reason)
        dropped = outbox.drop_pending(conn, incident.number, now, only_stops_on_ack=True)
        if stopped or dropped:
            details = {"reason": reason, "by": incident.acknowledged_by, "dropped_messages": dropped}
            self._note(conn, incident, now, PagingEvent.ESCALATION_STOPPED, details)

    def _enqueue_step(self, conn: Connection, number: int, step: EscalationStep, now: datetime) -> None:
        payload = {
            "incident": number,
            "level": step.level_index,
            "round": step.round,
            "due": step.due_at.isoformat(),
        }
        jobs.enqueue(
            conn, STEP_JOB, due_at=step.due_at, payload=payload, now=now, dedup_key=f"esc:{number}:{step.key}"
        )
        after_commit(conn, lambda: self.events.publish(Change("jobs")))

    def _unresolved_after(self, conn: Connection, incident: Incident) -> timedelta | None:
        level = per_transaction(conn, "scheme", lambda: severities.load_scheme(conn)).resolve(
            incident.severity
        )
        if level is None:
            return None
        routing = per_transaction(conn, "routing", lambda: load_routing(conn))
        return routing.unresolved_after.get(level.name, level.resolution_target)

    def _schedule_unresolved(self, conn: Connection, incident: Incident, now: datetime) -> None:
        after = self._unresolved_after(conn, incident)
        if after is None:
            return
        jobs.enqueue(
            conn,
            UNRESOLVED_JOB,
            due_at=incident.started_at + after,
            payload={"incident": incident.number, "severity": incident.severity},
            now=now,
            dedup_key=f"unresolved:{incident.number}:{incident.severity}",
        )

    def _note(
        self, conn: Connection, incident: Incident, now: datetime, kind: str, details: dict[str, Any]
    ) -> None:
        timeline.append(conn, incident.number, at=now, actor=ENGINE_ACTOR, kind=kind, details=details)

    def _wake_senders(self, conn: Connection, number: int) -> None:
        after_commit(conn, lambda: self.events.publish(Change("outbox")))
        after_commit(conn, lambda: self.events.publish(Change("incident", number)))

    # -- job handlers ----------------------------------------------------------------------------------

    def run_step(self, conn: Connection, job: ClaimedJob, now: datetime) -> datetime | None:
        """Job handler: page the step's level, then schedule the next step (or end the escalation)."""
        number = int(job.payload["incident"])
        escalation = escalations.get_escalation(conn, number)
        incident = incidents.get(conn, number)
        if escalation is None or incident is None or escalation.status is not EscalationStatus.ACTIVE:
            return None
        if incident.state is not IncidentState.TRIGGERED:
            self._stop(conn, incident, now)
            return None
        step = EscalationStep(
            int(job.payload["level"]), int(job.payload["round"]), datetime.fromisoformat(job.payload["due"])
        )
        self._fire(conn, incident, escalation.frozen, step, now)
        return None

    def _fire(
        self,
        conn: Connection,
        incident: Incident,
        frozen: FrozenEscalation,
        step: EscalationStep,
        now: datetime,
    ) -> None:
        """Page the step's level and schedule what follows: the next step, or the end of the path."""
        order = PageOrder(incident, step.level_index, frozen.level(step), step.key, round=step.round)
        page_level(conn, order, now)
        following = frozen.next_step_after(step)
        if following is not None:
            self._enqueue_step(conn, incident.number, following, now)
        else:
            # The last level still has its time to respond; the path ends when that has passed.
            ends = step.due_at + frozen.level(step).delay
            payload = {"incident": incident.number}
            dedup = f"esc-end:{incident.number}"
            jobs.enqueue(conn, END_JOB, due_at=ends, payload=payload, now=now, dedup_key=dedup)
        self._wake_senders(conn, incident.number)

    def end_escalation(self, conn: Connection, job: ClaimedJob, now: datetime) -> datetime | None:
        """Job handler: the last level's time is up and nobody acknowledged: the path is exhausted."""
        number = int(job.payload["incident"])
        escalation = escalations.get_escalation(conn, number)
        incident = incidents.get(conn, number)
        if escalation is None or incident is None or incident.state is not IncidentState.TRIGGERED:
            return None
        if escalations.set_status(conn, number, EscalationStatus.EXHAUSTED, now, reason="every level paged"):
            policy = escalation.frozen.policy
            details = {"levels": len(policy.levels), "passes": policy.repeat + 1}
            self._note(conn, incident, now, PagingEvent.ESCALATION_EXHAUSTED, details)
        return None

    def check_unresolved(self, conn: Connection, job: ClaimedJob, now: datetime) -> datetime | None:
        """Job handler: past the unresolved target, notify the level above the highest one paged so far."""
        number = int(job.payload["incident"])
        incident = incidents.get(conn, number)
        if incident is None or incident.state in _CLOSED or incident.severity != job.payload["severity"]:
            return None
        after = self._unresolved_after(conn, incident)
        escalation = escalations.get_escalation(conn, number)
        if after is None or escalation is None:
            return None
        deadline = incident.started_at + after
        if now < deadline:
            return deadline
        if escalation.highest_level < 0 and escalation.status is EscalationStatus.ACTIVE:
            # Level 1 is not paged yet (held for business hours): let it go first, then go above it.
            return max(now, escalation.frozen.started_at) + _AFTER_FIRST_PAGE
        levels = escalation.frozen.policy.levels
        index = escalation.highest_level + 1
        if index >= len(levels):
            reason = f"unresolved after {format_span(after)}, but every level has been paged already"
            self._note(conn, incident, now, PagingEvent.ESCALATION_SKIPPED, {"reason": reason})
            return None
        note = f"Unresolved after {format_span(after)} ({incident.severity}): escalated to level {index + 1}"
        order = PageOrder(
            incident, index, levels[index], f"unresolved-{_key_safe(incident.severity)}",
            reason=PageReason.UNRESOLVED, note=note, stops_on_ack=False,
        )  # fmt: skip
        page_level(conn, order, now)
        self._wake_senders(conn, number)
        return None
