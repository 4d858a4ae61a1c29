"""The append-only timeline. There is no update or delete here, and the database refuses both."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select

from tocsin.domain.timeline import TimelineEntry
from tocsin.store.schema import timeline_entries

__all__ = ["append", "entries", "has_entry"]


def append(
    conn: Connection, incident_number: int, *, at: datetime, actor: str, kind: str, details: dict[str, Any]
) -> int:
    stmt = insert(timeline_entries).returning(timeline_entries.c.id)
    values = {"incident_id": incident_number, "at": at, "actor": actor, "kind": kind, "details": details}
    return int(conn.execute(stmt, values).scalar_one())


def _to_entry(row: RowMapping) -> TimelineEntry:
    return TimelineEntry(
        id=row["id"],
        incident_number=row["incident_id"],
        at=row["at"],
        actor=row["actor"],
        kind=row["kind"],
        details=dict(row["details"]),
    )


def entries(
    conn: Connection, incident_number: int, *, after_id: int = 0, limit: int | None = None
) -> list[TimelineEntry]:
    """Entries oldest first; ``after_id`` pages forward (and serves live updates)."""
    query = (
        select(timeline_entries)
        .where(timeline_entries.c.incident_id == incident_number, timeline_entries.c.id > after_id)
        .order_by(timeline_entries.c.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return [_to_entry(row) for row in conn.execute(query).mappings()]


def has_entry(conn: Connection, incident_number: int, kind: str, **details: Any) -> bool:
    """Whether an entry of ``kind`` whose details include ``details`` exists (used to write things once)."""
    query = select(timeline_entries.c.details).where(
        timeline_entries.c.incident_id == incident_number, timeline_entries.c.kind == kind
    )
    return any(
        all(found.get(key) == value for key, value in details.items())
        for found in conn.execute(query).scalars()
    )
