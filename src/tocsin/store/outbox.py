"""The outbox: every message decided, written in the decision's transaction, delivered later.

A row goes ``pending`` → ``sending`` (claimed: a lease and a token, committed *before* the message leaves)
→ ``sent`` | ``failed`` | back to ``pending`` for a retry. ``dropped`` means it was no longer wanted (the
incident was acknowledged first). A worker that dies while ``sending`` leaves its lease to expire; the row
is then claimed again. Each row's ``idempotency_key`` is unique, so deciding the same message twice adds
one row, and it travels with every attempt (the e-mail Message-ID, the ``webhook-id``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, Connection, RowMapping, and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tocsin.store.schema_paging import outbox

__all__ = [
    "ClaimedMessage",
    "NewMessage",
    "OutboxStatus",
    "StoredMessage",
    "add",
    "claim_due",
    "counts_by_status",
    "drop",
    "drop_pending",
    "fail",
    "for_incident",
    "mark_sent",
    "next_due_at",
    "postpone",
    "retry",
]


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DROPPED = "dropped"


@dataclass(frozen=True)
class NewMessage:
    """A message decided now, to deliver at ``due_at``."""

    idempotency_key: str
    incident_number: int
    user_id: str
    channel: str
    kind: str
    due_at: datetime
    level: int | None = None
    note: str = ""
    stops_on_ack: bool = True


@dataclass(frozen=True)
class StoredMessage:
    id: int
    idempotency_key: str
    incident_number: int
    user_id: str
    channel: str
    kind: str
    level: int | None
    note: str
    stops_on_ack: bool
    status: OutboxStatus
    due_at: datetime
    attempts: int
    created_at: datetime
    last_error: str | None
    reference: str | None
    finished_at: datetime | None


@dataclass(frozen=True)
class ClaimedMessage:
    """A message leased to one sender; its result is recorded only while ``token`` still matches."""

    message: StoredMessage
    token: str
    recovered: bool  # the previous sender died while sending it: this may be a duplicate send

    @property
    def attempt(self) -> int:
        return self.message.attempts


def _to_message(row: RowMapping) -> StoredMessage:
    return StoredMessage(
        id=row["id"],
        idempotency_key=row["idempotency_key"],
        incident_number=row["incident_id"],
        user_id=row["user_id"],
        channel=row["channel"],
        kind=row["kind"],
        level=row["level"],
        note=row["note"],
        stops_on_ack=row["stops_on_ack"],
        status=OutboxStatus(row["status"]),
        due_at=row["due_at"],
        attempts=row["attempts"],
        created_at=row["created_at"],
        last_error=row["last_error"],
        reference=row["reference"],
        finished_at=row["finished_at"],
    )


def add(conn: Connection, message: NewMessage, now: datetime) -> bool:
    """Write ``message``; ``False`` (and nothing written) if its idempotency key is already there."""
    values = {
        "idempotency_key": message.idempotency_key,
        "incident_id": message.incident_number,
        "user_id": message.user_id,
        "channel": message.channel,
        "kind": message.kind,
        "level": message.level,
        "note": message.note[:500],
        "stops_on_ack": message.stops_on_ack,
        "status": OutboxStatus.PENDING.value,
        "due_at": message.due_at,
        "attempts": 0,
        "created_at": now,
    }
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = dialect_insert(outbox).values(**values).on_conflict_do_nothing(index_elements=["idempotency_key"])
    # RETURNING, not rowcount: psycopg reports -1 rows for INSERT ... ON CONFLICT DO NOTHING.
    return conn.execute(stmt.returning(outbox.c.id)).first() is not None


def _due(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(outbox.c.status == OutboxStatus.PENDING.value, outbox.c.due_at <= now),
        and_(outbox.c.status == OutboxStatus.SENDING.value, outbox.c.lease_until < now),
    )


def claim_due(
    conn: Connection, now: datetime, *, limit: int, lease_for: Callable[[StoredMessage], timedelta]
) -> list[ClaimedMessage]:
    """Lease up to ``limit`` due messages (and those whose sender's lease ran out), oldest due first.

    ``lease_for`` says how long each may take to send (its channel's timeout and a margin); the lease must
    outlast the send, or another worker could send it again.
    """
    query = select(outbox).where(_due(now)).order_by(outbox.c.due_at, outbox.c.id).limit(limit)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed = []
    for row in conn.execute(query).mappings().all():
        found = _to_message(row)
        token = str(uuid.uuid4())
        conn.execute(
            update(outbox)
            .where(outbox.c.id == found.id)
            .values(
                status=OutboxStatus.SENDING.value,
                lease_until=now + lease_for(found),
                token=token,
                attempts=found.attempts + 1,
            )
        )
        leased = replace(found, status=OutboxStatus.SENDING, attempts=found.attempts + 1)
        claimed.append(ClaimedMessage(leased, token, recovered=found.status is OutboxStatus.SENDING))
    return claimed


def _held(claim: ClaimedMessage) -> ColumnElement[bool]:
    return and_(
        outbox.c.id == claim.message.id,
        outbox.c.token == claim.token,
        outbox.c.status == OutboxStatus.SENDING.value,
    )


def mark_sent(conn: Connection, claim: ClaimedMessage, now: datetime, reference: str | None) -> bool:
    """Record a delivery; ``False`` if the lease was lost (another sender took the message over)."""
    result = conn.execute(
        update(outbox)
        .where(_held(claim))
        .values(
            status=OutboxStatus.SENT.value,
            finished_at=now,
            lease_until=None,
            reference=(reference or "")[:255] or None,
            last_error=None,
        )
    )
    return result.rowcount == 1


def retry(conn: Connection, claim: ClaimedMessage, due_at: datetime, error: str) -> bool:
    """Record a failed attempt and wait until ``due_at`` for the next one."""
    result = conn.execute(
        update(outbox)
        .where(_held(claim))
        .values(
            status=OutboxStatus.PENDING.value, due_at=due_at, lease_until=None, token=None, last_error=error
        )
    )
    return result.rowcount == 1


def postpone(conn: Connection, claim: ClaimedMessage, due_at: datetime) -> bool:
    """Put a message back unsent (rate limited); the attempt does not count."""
    result = conn.execute(
        update(outbox)
        .where(_held(claim))
        .values(
            status=OutboxStatus.PENDING.value,
            due_at=due_at,
            lease_until=None,
            token=None,
            attempts=claim.message.attempts - 1,
        )
    )
    return result.rowcount == 1


def fail(conn: Connection, claim: ClaimedMessage, now: datetime, error: str) -> bool:
    """Give up on a message for good."""
    result = conn.execute(
        update(outbox)
        .where(_held(claim))
        .values(status=OutboxStatus.FAILED.value, finished_at=now, lease_until=None, last_error=error)
    )
    return result.rowcount == 1


def drop(conn: Connection, claim: ClaimedMessage, now: datetime) -> bool:
    """Drop a claimed message that is no longer wanted (its incident was acknowledged meanwhile)."""
    result = conn.execute(
        update(outbox)
        .where(_held(claim))
        .values(status=OutboxStatus.DROPPED.value, finished_at=now, lease_until=None)
    )
    return result.rowcount == 1


def drop_pending(conn: Connection, number: int, now: datetime, *, only_stops_on_ack: bool) -> int:
    """Drop the incident's messages not yet being sent; returns how many. A message already ``sending``
    is past recall."""
    conditions = [outbox.c.incident_id == number, outbox.c.status == OutboxStatus.PENDING.value]
    if only_stops_on_ack:
        conditions.append(outbox.c.stops_on_ack.is_(True))
    result = conn.execute(
        update(outbox).where(*conditions).values(status=OutboxStatus.DROPPED.value, finished_at=now)
    )
    return int(result.rowcount)


def next_due_at(conn: Connection) -> datetime | None:
    """When the next message falls due (or a lost lease expires), so the sender can sleep until then."""
    pending = select(func.min(outbox.c.due_at)).where(outbox.c.status == OutboxStatus.PENDING.value)
    leased = select(func.min(outbox.c.lease_until)).where(outbox.c.status == OutboxStatus.SENDING.value)
    moments = [conn.execute(pending).scalar(), conn.execute(leased).scalar()]
    found = [moment for moment in moments if isinstance(moment, datetime)]
    return min(found) if found else None


def for_incident(conn: Connection, number: int) -> list[StoredMessage]:
    """Every message decided for the incident, in the order they were decided."""
    query = select(outbox).where(outbox.c.incident_id == number).order_by(outbox.c.id)
    return [_to_message(row) for row in conn.execute(query).mappings()]


def counts_by_status(conn: Connection) -> dict[str, int]:
    """How many messages are in each status (for health and the benchmark)."""
    query = select(outbox.c.status, func.count()).group_by(outbox.c.status)
    return {status: int(count) for status, count in conn.execute(query).all()}
