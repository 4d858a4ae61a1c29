"""Account rows (who may sign in, with which role) and the sign-in attempts that rate-limit them.

Only an argon2 hash of each password is kept, and it is read only by :func:`password_hash`, so no other
query hands it around.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, func, insert, select, update

from tocsin.store.schema_accounts import accounts, login_attempts

__all__ = [
    "AttemptCounts",
    "StoredAccount",
    "by_id",
    "by_username",
    "failures_since",
    "insert_account",
    "list_accounts",
    "password_hash",
    "prune_attempts",
    "record_attempt",
    "update_account",
]

_COLUMNS = [c for c in accounts.c if c.name != "password_hash"]


@dataclass(frozen=True)
class StoredAccount:
    id: int
    username: str
    display_name: str
    role: str
    must_change_password: bool
    time_zone: str | None
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None
    disabled_at: datetime | None

    @property
    def active(self) -> bool:
        return self.disabled_at is None


@dataclass(frozen=True)
class AttemptCounts:
    """Failed sign-ins in a window: for one username from one client, and from the client in all."""

    for_username: int
    for_client: int


def _to_account(row: RowMapping) -> StoredAccount:
    return StoredAccount(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        role=row["role"],
        must_change_password=row["must_change_password"],
        time_zone=row["time_zone"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        last_login_at=row["last_login_at"],
        disabled_at=row["disabled_at"],
    )


def insert_account(conn: Connection, **values: Any) -> int:
    return int(conn.execute(insert(accounts).values(**values).returning(accounts.c.id)).scalar_one())


def by_username(conn: Connection, username: str) -> StoredAccount | None:
    query = select(*_COLUMNS).where(func.lower(accounts.c.username) == username.lower())
    row = conn.execute(query).mappings().first()
    return _to_account(row) if row else None


def by_id(conn: Connection, account_id: int) -> StoredAccount | None:
    row = conn.execute(select(*_COLUMNS).where(accounts.c.id == account_id)).mappings().first()
    return _to_account(row) if row else None


def password_hash(conn: Connection, account_id: int) -> str:
    return str(conn.execute(select(accounts.c.password_hash).where(accounts.c.id == account_id)).scalar_one())


def list_accounts(conn: Connection) -> list[StoredAccount]:
    rows = conn.execute(select(*_COLUMNS).order_by(accounts.c.username)).mappings()
    return [_to_account(row) for row in rows]


def update_account(conn: Connection, account_id: int, **values: Any) -> None:
    conn.execute(update(accounts).where(accounts.c.id == account_id).values(**values))


def record_attempt(conn: Connection, *, username: str, client: str, at: datetime, succeeded: bool) -> None:
    values = {"username": username.lower()[:100], "client": client[:64], "at": at, "succeeded": succeeded}
    conn.execute(insert(login_attempts).values(**values))


def failures_since(conn: Connection, *, username: str, client: str, since: datetime) -> AttemptCounts:
    """Failed attempts after ``since``, counted after the client's last success for that username."""
    failed = login_attempts.c.succeeded.is_(False) & (login_attempts.c.at > since)
    last_success = (
        select(func.max(login_attempts.c.at))
        .where(
            login_attempts.c.username == username.lower(),
            login_attempts.c.client == client,
            login_attempts.c.succeeded.is_(True),
        )
        .scalar_subquery()
    )
    for_username = select(func.count()).where(
        failed,
        login_attempts.c.username == username.lower(),
        login_attempts.c.client == client,
        login_attempts.c.at > func.coalesce(last_success, since),
    )
    for_client = select(func.count()).where(failed, login_attempts.c.client == client)
    return AttemptCounts(
        for_username=int(conn.execute(for_username).scalar_one()),
        for_client=int(conn.execute(for_client).scalar_one()),
    )


def prune_attempts(conn: Connection, before: datetime) -> None:
    conn.execute(delete(login_attempts).where(login_attempts.c.at < before))
