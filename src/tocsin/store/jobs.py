"""The jobs table: every timer is a row with a due time, never an in-memory sleep.

A worker *claims* due jobs by leasing them (status ``running``, ``lease_until``, a fresh ``token``), runs
each, and *finishes* it in the same transaction as the job's own writes, matching on the token. A job whose
worker died is claimed again when its lease runs out; a finish that no longer matches the token (someone
else re-claimed it) is refused, so the job's effects are written exactly once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tocsin.store.schema import jobs

__all__ = [
    "ClaimedJob",
    "JobHandler",
    "claim_due",
    "enqueue",
    "finish",
    "next_due_at",
    "reschedule",
    "retry_later",
]


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    token: str
    due_at: datetime


#: Runs a job inside the transaction that finishes it; returns when to run again, or ``None`` when done.
JobHandler = Callable[[Connection, ClaimedJob, datetime], datetime | None]


def enqueue(
    conn: Connection,
    kind: str,
    *,
    due_at: datetime,
    payload: dict[str, Any],
    now: datetime,
    dedup_key: str | None = None,
) -> bool:
    """Add a job; with a ``dedup_key`` already present, nothing is added and ``False`` is returned."""
    values = {
        "kind": kind,
        "due_at": due_at,
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "dedup_key": dedup_key,
        "created_at": now,
    }
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = dialect_insert(jobs).values(**values).on_conflict_do_nothing(index_elements=["dedup_key"])
    # rowcount is -1 for this statement on PostgreSQL; RETURNING says reliably whether a row went in.
    return conn.execute(stmt.returning(jobs.c.id)).scalar() is not None


def claim_due(conn: Connection, now: datetime, *, limit: int, lease: timedelta) -> list[ClaimedJob]:
    """Lease up to ``limit`` due jobs (and jobs whose lease expired) to the caller."""
    due = or_(
        and_(jobs.c.status == "pending", jobs.c.due_at <= now),
        and_(jobs.c.status == "running", jobs.c.lease_until < now),
    )
    query = select(jobs.c.id, jobs.c.kind, jobs.c.payload, jobs.c.attempts, jobs.c.due_at).where(due)
    query = query.order_by(jobs.c.due_at).limit(limit)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed = []
    for row in conn.execute(query).mappings().all():
        token = str(uuid.uuid4())
        conn.execute(
            update(jobs)
            .where(jobs.c.id == row["id"])
            .values(status="running", lease_until=now + lease, token=token, attempts=row["attempts"] + 1)
        )
        claimed.append(
            ClaimedJob(
                row["id"], row["kind"], dict(row["payload"]), row["attempts"] + 1, token, row["due_at"]
            )
        )
    return claimed


def finish(conn: Connection, job: ClaimedJob, now: datetime) -> bool:
    """Mark the job done if the caller still holds its lease; ``False`` means it was taken over."""
    result = conn.execute(
        update(jobs)
        .where(jobs.c.id == job.id, jobs.c.token == job.token, jobs.c.status == "running")
        .values(status="done", finished_at=now, lease_until=None)
    )
    return result.rowcount == 1


def reschedule(conn: Connection, job: ClaimedJob, due_at: datetime) -> bool:
    """Put a claimed job back to wait until ``due_at`` (its attempt does not count)."""
    result = conn.execute(
        update(jobs)
        .where(jobs.c.id == job.id, jobs.c.token == job.token)
        .values(status="pending", due_at=due_at, lease_until=None, token=None, attempts=job.attempts - 1)
    )
    return result.rowcount == 1


def retry_later(conn: Connection, job: ClaimedJob, *, error: str, due_at: datetime | None) -> None:
    """Record a failed attempt; ``due_at=None`` gives up for good (status ``failed``)."""
    status = "pending" if due_at is not None else "failed"
    conn.execute(
        update(jobs)
        .where(jobs.c.id == job.id, jobs.c.token == job.token)
        .values(
            status=status, due_at=due_at or job.due_at, lease_until=None, token=None, last_error=error[:2000]
        )
    )


def next_due_at(conn: Connection) -> datetime | None:
    """When the earliest pending job falls due (lets the worker sleep exactly as long as it may)."""
    query = select(jobs.c.due_at).where(jobs.c.status == "pending").order_by(jobs.c.due_at).limit(1)
    value = conn.execute(query).scalar()
    return value if isinstance(value, datetime) else None
