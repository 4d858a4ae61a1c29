"""API token rows. Only a SHA-256 of each token is kept: tokens are 256-bit random, so a fast hash is
enough (a password needs a slow one; a random token does not)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, RowMapping, insert, select, update

from tocsin.store.schema import api_tokens

__all__ = ["StoredToken", "find_by_hash", "insert_token", "list_tokens", "revoke", "touch"]


@dataclass(frozen=True)
class StoredToken:
    id: int
    name: str
    role: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _to_token(row: RowMapping) -> StoredToken:
    return StoredToken(
        id=row["id"],
        name=row["name"],
        role=row["role"],
        prefix=row["prefix"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
        revoked_at=row["revoked_at"],
    )


def insert_token(
    conn: Connection, *, name: str, role: str, token_hash: str, prefix: str, at: datetime
) -> int:
    values = {"name": name, "role": role, "token_hash": token_hash, "prefix": prefix, "created_at": at}
    return int(conn.execute(insert(api_tokens).returning(api_tokens.c.id), values).scalar_one())


def find_by_hash(conn: Connection, token_hash: str) -> StoredToken | None:
    row = conn.execute(select(api_tokens).where(api_tokens.c.token_hash == token_hash)).mappings().first()
    return _to_token(row) if row else None


def list_tokens(conn: Connection) -> list[StoredToken]:
    return [_to_token(row) for row in conn.execute(select(api_tokens).order_by(api_tokens.c.id)).mappings()]


def revoke(conn: Connection, name: str, at: datetime) -> bool:
    result = conn.execute(
        update(api_tokens)
        .where(api_tokens.c.name == name, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return result.rowcount == 1


def touch(conn: Connection, token_id: int, at: datetime) -> None:
    conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=at))
