"""Response and resolution targets: a timer job per target, and what happens when one is missed.

Each deadline is a job row keyed by incident, target, severity and the incident's version when it was
scheduled. A severity change or a reopen schedules fresh jobs; a job that finds the severity changed since
it was scheduled ends without effect. A miss is written to the timeline once per target, however many jobs
run for it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from tocsin.domain.incident import Incident
from tocsin.domain.severity import SeverityLevel
from tocsin.domain.timeline import TimelineKind
from tocsin.store import incidents, jobs, severities, timeline
from tocsin.store.jobs import ClaimedJob

__all__ = ["JOB_KIND", "check_target", "schedule_targets"]

JOB_KIND = "incident.target"
RESPONSE = "response"
RESOLUTION = "resolution"


def _targets(level: SeverityLevel) -> dict[str, timedelta | None]:
    return {RESPONSE: level.response_target, RESOLUTION: level.resolution_target}


def schedule_targets(conn: Connection, incident: Incident, level: SeverityLevel, now: datetime) -> None:
    """Enqueue the deadline jobs for ``incident`` at ``level``."""
    for target, span in _targets(level).items():
        if span is None:
            continue
        jobs.enqueue(
            conn,
            JOB_KIND,
            due_at=incident.started_at + span,
            payload={"incident": incident.number, "target": target, "severity": level.name},
            now=now,
            dedup_key=f"target:{incident.number}:{target}:{level.name}:v{incident.version}",
        )


def _reached(incident: Incident, target: str) -> bool:
    if target == RESPONSE:
        return incident.acknowledged_at is not None
    return incident.resolved_at is not None or incident.closed_at is not None


def check_target(conn: Connection, job: ClaimedJob, now: datetime) -> datetime | None:
    """Job handler: record a missed target once; returns a later time to run again, or ``None`` when done."""
    payload: dict[str, Any] = job.payload
    incident = incidents.get(conn, int(payload["incident"]))
    if incident is None or incident.severity != payload["severity"] or _reached(incident, payload["target"]):
        return None
    level = severities.load_scheme(conn).resolve(incident.severity)
    span = _targets(level).get(payload["target"]) if level else None
    if span is None:
        return None
    deadline = incident.started_at + span
    if now <= deadline:
        # Reached exactly at the deadline counts as met (as in domain.metrics); look again just after it.
        return deadline + timedelta(microseconds=1)
    target = payload["target"]
    if not timeline.has_entry(conn, incident.number, TimelineKind.TARGET_MISSED, target=target):
        timeline.append(
            conn,
            incident.number,
            at=now,
            actor="tocsin",
            kind=TimelineKind.TARGET_MISSED,
            details={
                "target": target,
                "severity": incident.severity,
                "deadline": deadline.isoformat(),
                "target_s": int(span.total_seconds()),
            },
        )
    return None
