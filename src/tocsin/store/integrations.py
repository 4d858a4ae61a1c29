"""Integration rows: a named alert source with its secret key (kept only as a hash) and its settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, insert, select, update

from tocsin.store.schema_alerts import integrations

__all__ = [
    "StoredIntegration",
    "by_hash",
    "by_name",
    "insert_integration",
    "list_all",
    "mark_seen",
    "update_row",
]


@dataclass(frozen=True)
class StoredIntegration:
    id: int
    name: str
    source: str
    key_prefix: str
    settings: dict[str, Any]
    created_at: datetime
    rotated_at: datetime | None
    revoked_at: datetime | None
    last_alert_at: datetime | None
    alert_count: int

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _to_integration(row: RowMapping) -> StoredIntegration:
    return StoredIntegration(
        id=row["id"],
        name=row["name"],
        source=row["source"],
        key_prefix=row["key_prefix"],
        settings=dict(row["settings"]),
        created_at=row["created_at"],
        rotated_at=row["rotated_at"],
        revoked_at=row["revoked_at"],
        last_alert_at=row["last_alert_at"],
        alert_count=row["alert_count"],
    )


def insert_integration(conn: Connection, **values: Any) -> int:
    stmt = insert(integrations).values(alert_count=0, **values).returning(integrations.c.id)
    return int(conn.execute(stmt).scalar_one())


def by_hash(conn: Connection, key_hash: str) -> StoredIntegration | None:
    row = conn.execute(select(integrations).where(integrations.c.key_hash == key_hash)).mappings().first()
    return _to_integration(row) if row else None


def by_name(conn: Connection, name: str) -> StoredIntegration | None:
    row = conn.execute(select(integrations).where(integrations.c.name == name)).mappings().first()
    return _to_integration(row) if row else None


def list_all(conn: Connection) -> list[StoredIntegration]:
    rows = conn.execute(select(integrations).order_by(integrations.c.id)).mappings()
    return [_to_integration(row) for row in rows]


def update_row(conn: Connection, integration_id: int, **values: Any) -> None:
    conn.execute(update(integrations).where(integrations.c.id == integration_id).values(**values))


def mark_seen(conn: Connection, integration_id: int, at: datetime, count: int) -> None:
    conn.execute(
        update(integrations)
        .where(integrations.c.id == integration_id)
        .values(last_alert_at=at, alert_count=integrations.c.alert_count + count)
    )
