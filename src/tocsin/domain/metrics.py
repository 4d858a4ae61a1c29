"""Times derived from an incident's timeline: when it was acknowledged and resolved, and whether the
severity's targets were met. Computed, never stored, so a reopened incident is measured honestly."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tocsin.domain.incident import IncidentState
from tocsin.domain.severity import SeverityLevel
from tocsin.domain.timeline import TimelineEntry, TimelineKind

__all__ = ["IncidentTimes", "TargetStatus", "incident_times"]


class TargetStatus(StrEnum):
    MET = "met"
    MISSED = "missed"
    PENDING = "pending"  # not reached yet, and the deadline has not passed
    NO_TARGET = "no_target"


@dataclass(frozen=True)
class IncidentTimes:
    started_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    time_to_acknowledge: timedelta | None
    time_to_resolve: timedelta | None
    response_target: TargetStatus
    resolution_target: TargetStatus


def _acknowledged_at(entries: Sequence[TimelineEntry]) -> datetime | None:
    for entry in entries:
        if entry.kind == TimelineKind.ACKNOWLEDGED:
            return entry.at
        if entry.kind == TimelineKind.STATE_CHANGED and entry.details.get("from") == IncidentState.TRIGGERED:
            return entry.at
    return None


def _resolved_at(entries: Sequence[TimelineEntry]) -> datetime | None:
    """The last move to resolved, unless the incident was reopened after it."""
    resolved: datetime | None = None
    for entry in entries:
        if entry.kind != TimelineKind.STATE_CHANGED:
            continue
        if entry.details.get("to") == IncidentState.RESOLVED:
            resolved = entry.at
        elif entry.details.get("from") == IncidentState.RESOLVED and entry.details.get("to") != "closed":
            resolved = None
    return resolved


def _status(
    start: datetime, reached: datetime | None, target: timedelta | None, now: datetime
) -> TargetStatus:
    if target is None:
        return TargetStatus.NO_TARGET
    deadline = start + target
    if reached is not None:
        return TargetStatus.MET if reached <= deadline else TargetStatus.MISSED
    return TargetStatus.MISSED if now > deadline else TargetStatus.PENDING


def incident_times(
    entries: Sequence[TimelineEntry], severity: SeverityLevel | None, now: datetime
) -> IncidentTimes:
    """Derive the incident's times from its timeline (ordered oldest first) against ``severity``."""
    if not entries:
        raise ValueError("an incident's timeline always starts with its declaration")
    started = entries[0].at
    acked = _acknowledged_at(entries)
    resolved = _resolved_at(entries)
    return IncidentTimes(
        started_at=started,
        acknowledged_at=acked,
        resolved_at=resolved,
        time_to_acknowledge=acked - started if acked else None,
        time_to_resolve=resolved - started if resolved else None,
        response_target=_status(started, acked, severity.response_target if severity else None, now),
        resolution_target=_status(started, resolved, severity.resolution_target if severity else None, now),
    )
