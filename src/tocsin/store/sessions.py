"""Browser sessions. The cookie carries a random secret; only its SHA-256 is stored (like API tokens, a
256-bit random value needs no slow hash)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, RowMapping, delete, insert, select, update

from tocsin.store.schema_accounts import sessions

__all__ = [
    "StoredSession",
    "delete_by_hash",
    "delete_for_account",
    "find_by_hash",
    "insert_session",
    "prune_expired",
    "touch",
]


@dataclass(frozen=True)
class StoredSession:
    id: int
    account_id: int
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


def _to_session(row: RowMapping) -> StoredSession:
    return StoredSession(
        id=row["id"],
        account_id=row["account_id"],
        csrf_token=row["csrf_token"],
        created_at=row["created_at"],
        last_seen_at=row["last_seen_at"],
        expires_at=row["expires_at"],
    )


def insert_session(
    conn: Connection,
    *,
    token_hash: str,
    account_id: int,
    csrf_token: str,
    at: datetime,
    expires_at: datetime,
    user_agent: str,
) -> int:
    values = {
        "token_hash": token_hash,
        "account_id": account_id,
        "csrf_token": csrf_token,
        "created_at": at,
        "last_seen_at": at,
        "expires_at": expires_at,
        "user_agent": user_agent[:200],
    }
    return int(conn.execute(insert(sessions).values(**values).returning(sessions.c.id)).scalar_one())


def find_by_hash(conn: Connection, token_hash: str) -> StoredSession | None:
    row = conn.execute(select(sessions).where(sessions.c.token_hash == token_hash)).mappings().first()
    return _to_session(row) if row else None


def touch(conn: Connection, session_id: int, *, at: datetime, expires_at: datetime) -> None:
    conn.execute(
        update(sessions).where(sessions.c.id == session_id).values(last_seen_at=at, expires_at=expires_at)
    )


def delete_by_hash(conn: Connection, token_hash: str) -> None:
    conn.execute(delete(sessions).where(sessions.c.token_hash == token_hash))


def delete_for_account(conn: Connection, account_id: int, *, keep: int | None = None) -> None:
    """End every session of the account (but ``keep``, the one that asked): after a password change."""
    query = delete(sessions).where(sessions.c.account_id == account_id)
    if keep is not None:
        query = query.where(sessions.c.id != keep)
    conn.execute(query)


def prune_expired(conn: Connection, now: datetime) -> None:
    conn.execute(delete(sessions).where(sessions.c.expires_at < now))
