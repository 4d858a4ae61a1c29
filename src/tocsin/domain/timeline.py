"""The append-only timeline: what happened to an incident, when and by whom."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = ["TimelineEntry", "TimelineKind"]


class TimelineKind(StrEnum):
    DECLARED = "declared"
    ACKNOWLEDGED = "acknowledged"
    STATE_CHANGED = "state_changed"
    SEVERITY_CHANGED = "severity_changed"
    ROLE_ASSIGNED = "role_assigned"
    NOTE = "note"
    LINK_ADDED = "link_added"
    SUMMARY_CHANGED = "summary_changed"
    TARGET_MISSED = "target_missed"
    ALERTS = "alerts"  # alerts fired, re-fired or resolved, summed per incident per message
    TRIAGE = "triage"  # how an alert's incident got its severity, service and runbook scenario
    CUSTOMER_FACING_CHANGED = "customer_facing_changed"
    PUBLIC_UPDATE = "public_update"  # an update published on the status page


@dataclass(frozen=True)
class TimelineEntry:
    id: int
    incident_number: int
    at: datetime
    actor: str
    kind: str
    details: dict[str, Any] = field(default_factory=dict)
