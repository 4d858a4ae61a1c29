"""The incident, its lifecycle and its limits.

The lifecycle is ``triggered → acknowledged → investigating → identified → mitigating → monitoring →
resolved → closed``. Responders may skip forward (resolving straight from ``triggered`` is common for a
flapping alert) and move back and forth between the working states; leaving ``triggered`` acknowledges
the incident. ``resolved → investigating`` reopens it; ``closed`` (postmortem done) is final.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from tocsin.errors import InvalidInput, InvalidTransition

__all__ = [
    "ACTIVE_STATES",
    "LIMITS",
    "Incident",
    "IncidentState",
    "Limits",
    "Role",
    "check_transition",
    "format_human_id",
    "parse_human_id",
]


class IncidentState(StrEnum):
    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MITIGATING = "mitigating"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        return self in ACTIVE_STATES


ACTIVE_STATES = frozenset(
    {
        IncidentState.TRIGGERED,
        IncidentState.ACKNOWLEDGED,
        IncidentState.INVESTIGATING,
        IncidentState.IDENTIFIED,
        IncidentState.MITIGATING,
        IncidentState.MONITORING,
    }
)
_WORKING = (
    IncidentState.INVESTIGATING,
    IncidentState.IDENTIFIED,
    IncidentState.MITIGATING,
    IncidentState.MONITORING,
)
_ALLOWED: dict[IncidentState, frozenset[IncidentState]] = {
    IncidentState.TRIGGERED: frozenset({IncidentState.ACKNOWLEDGED, *_WORKING, IncidentState.RESOLVED}),
    IncidentState.ACKNOWLEDGED: frozenset({*_WORKING, IncidentState.RESOLVED}),
    **{state: frozenset({*_WORKING, IncidentState.RESOLVED} - {state}) for state in _WORKING},
    IncidentState.RESOLVED: frozenset({IncidentState.CLOSED, IncidentState.INVESTIGATING}),
    IncidentState.CLOSED: frozenset(),
}


def check_transition(current: IncidentState, target: IncidentState) -> None:
    """Raise :class:`InvalidTransition` unless the lifecycle allows ``current → target``."""
    if target in _ALLOWED[current]:
        return
    allowed = ", ".join(sorted(_ALLOWED[current])) or "nothing (closed is final)"
    raise InvalidTransition(
        f"cannot move an incident from {current} to {target}; from {current} it can go to: {allowed}",
        current=str(current),
        target=str(target),
    )


class Role(StrEnum):
    COMMANDER = "commander"
    COMMUNICATIONS = "communications"
    SCRIBE = "scribe"


@dataclass(frozen=True)
class Limits:
    """Documented input limits; anything over them is refused, never truncated."""

    title: int = 200
    summary: int = 10_000
    note: int = 10_000
    service_name: int = 100
    services: int = 20
    person: int = 100
    url: int = 2_000
    link_title: int = 200


LIMITS = Limits()


def format_human_id(number: int) -> str:
    return f"INC-{number}"


def parse_human_id(text: str) -> int:
    """``"INC-42"``, ``"inc-42"`` or ``"42"`` → ``42``."""
    raw = text.strip().upper().removeprefix("INC-")
    if not raw.isdigit() or int(raw) <= 0:
        raise InvalidInput(f"{text!r} is not an incident id; use the form INC-42", code="invalid_incident_id")
    return int(raw)


def check_text(name: str, value: str, limit: int, *, required: bool = False) -> str:
    """Strip ``value`` and check it against ``limit``; raise :class:`InvalidInput` with the field's name."""
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"{name} must not be empty", code="empty_field", field=name)
    if len(value) > limit:
        raise InvalidInput(
            f"{name} is {len(value)} characters; the limit is {limit}", code="too_long", field=name
        )
    return value


@dataclass(frozen=True)
class Link:
    url: str
    title: str = ""


@dataclass(frozen=True)
class Incident:
    number: int
    title: str
    state: IncidentState
    severity: str
    started_at: datetime
    updated_at: datetime
    summary: str = ""
    services: tuple[str, ...] = ()
    customer_facing: bool = False
    roles: dict[str, str] = field(default_factory=dict)
    links: tuple[Link, ...] = ()
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    created_by: str = ""
    version: int = 1

    @property
    def human_id(self) -> str:
        return format_human_id(self.number)

    @property
    def commander(self) -> str | None:
        return self.roles.get(Role.COMMANDER)
