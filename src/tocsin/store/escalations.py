"""Running escalations: one row per incident that pages, holding the policy frozen when it started."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection, RowMapping, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tocsin.domain.escalation import FrozenEscalation
from tocsin.domain.escalation_codec import frozen_from_dict, frozen_to_dict
from tocsin.store.schema_paging import escalations

__all__ = [
    "Escalation",
    "EscalationStatus",
    "get_escalation",
    "insert_escalation",
    "note_level_paged",
    "set_status",
]


class EscalationStatus(StrEnum):
    ACTIVE = "active"  # waiting for an acknowledgement; the next step is a job row
    STOPPED = "stopped"  # acknowledged (or resolved) before the path ran out
    EXHAUSTED = "exhausted"  # every level of every pass was paged


@dataclass(frozen=True)
class Escalation:
    incident_number: int
    policy_id: str
    frozen: FrozenEscalation
    status: EscalationStatus
    highest_level: int  # 0-based index of the highest level paged so far; -1 when none was
    created_at: datetime
    updated_at: datetime
    stopped_reason: str | None = None


def _to_escalation(row: RowMapping) -> Escalation:
    return Escalation(
        incident_number=row["incident_id"],
        policy_id=row["policy_id"],
        frozen=frozen_from_dict(row["frozen"]),
        status=EscalationStatus(row["status"]),
        highest_level=row["highest_level"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        stopped_reason=row["stopped_reason"],
    )


def insert_escalation(conn: Connection, number: int, frozen: FrozenEscalation, now: datetime) -> bool:
    """Freeze ``frozen`` into incident ``number``; ``False`` if the incident already escalates."""
    values = {
        "incident_id": number,
        "policy_id": frozen.policy.id,
        "frozen": frozen_to_dict(frozen),
        "status": EscalationStatus.ACTIVE.value,
        "highest_level": -1,
        "created_at": now,
        "updated_at": now,
    }
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = dialect_insert(escalations).values(**values).on_conflict_do_nothing(index_elements=["incident_id"])
    # RETURNING, not rowcount: psycopg reports -1 rows for INSERT ... ON CONFLICT DO NOTHING.
    return conn.execute(stmt.returning(escalations.c.incident_id)).first() is not None


def get_escalation(conn: Connection, number: int) -> Escalation | None:
    row = conn.execute(select(escalations).where(escalations.c.incident_id == number)).mappings().first()
    return _to_escalation(row) if row else None


def set_status(
    conn: Connection, number: int, status: EscalationStatus, now: datetime, *, reason: str | None = None
) -> bool:
    """Move an *active* escalation to ``status``; ``False`` if it was not active (already stopped)."""
    result = conn.execute(
        update(escalations)
        .where(escalations.c.incident_id == number, escalations.c.status == EscalationStatus.ACTIVE.value)
        .values(status=status.value, stopped_reason=reason, updated_at=now)
    )
    return result.rowcount == 1


def note_level_paged(conn: Connection, number: int, level_index: int, now: datetime) -> None:
    """Remember that ``level_index`` was paged (the resolution-target escalation pages the level above)."""
    conn.execute(
        update(escalations)
        .where(escalations.c.incident_id == number, escalations.c.highest_level < level_index)
        .values(highest_level=level_index, updated_at=now)
    )
