"""Configured notification channels: a named instance of a channel kind with its (secret-bearing) config."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, insert, select, update

from tocsin.store.schema_paging import notification_channels

__all__ = [
    "ConfiguredChannel",
    "delete_channel",
    "get_channel",
    "insert_channel",
    "list_channels",
    "update_channel",
]


@dataclass(frozen=True)
class ConfiguredChannel:
    """``id`` is what users' notification rules name ("email", "slack-ops"); ``kind`` is the plugin."""

    id: str
    kind: str
    config: dict[str, Any]
    enabled: bool = True
    created_at: datetime | None = None
    updated_at: datetime | None = None


def _to_channel(row: RowMapping) -> ConfiguredChannel:
    return ConfiguredChannel(
        id=row["id"],
        kind=row["kind"],
        config=dict(row["config"]),
        enabled=row["enabled"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def insert_channel(conn: Connection, channel: ConfiguredChannel, now: datetime) -> None:
    conn.execute(
        insert(notification_channels).values(
            id=channel.id,
            kind=channel.kind,
            config=channel.config,
            enabled=channel.enabled,
            created_at=now,
            updated_at=now,
        )
    )


def update_channel(conn: Connection, channel: ConfiguredChannel, now: datetime) -> bool:
    result = conn.execute(
        update(notification_channels)
        .where(notification_channels.c.id == channel.id)
        .values(config=channel.config, enabled=channel.enabled, updated_at=now)
    )
    return result.rowcount == 1


def get_channel(conn: Connection, channel_id: str) -> ConfiguredChannel | None:
    query = select(notification_channels).where(notification_channels.c.id == channel_id)
    row = conn.execute(query).mappings().first()
    return _to_channel(row) if row else None


def list_channels(conn: Connection) -> list[ConfiguredChannel]:
    query = select(notification_channels).order_by(notification_channels.c.id)
    return [_to_channel(row) for row in conn.execute(query).mappings()]


def delete_channel(conn: Connection, channel_id: str) -> bool:
    query = delete(notification_channels).where(notification_channels.c.id == channel_id)
    return conn.execute(query).rowcount == 1
