"""Playbook rows: named playbooks, their immutable versions, the active version, and incident pins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, func, insert, select

from tocsin.store.schema_playbooks import active_playbook, incident_playbooks, playbook_versions, playbooks

__all__ = [
    "StoredVersion",
    "active_version",
    "active_version_id",
    "add_version",
    "ensure_playbook",
    "get_version",
    "latest_version",
    "list_playbooks",
    "list_versions",
    "pin_incident",
    "pinned_version",
    "set_active",
    "version_by_id",
]


@dataclass(frozen=True)
class StoredVersion:
    id: int
    playbook: str
    version: int
    source_name: str
    content_sha256: str
    yaml: str
    lint: dict[str, Any]
    created_at: datetime
    created_by: str


_COLUMNS = (
    playbook_versions.c.id,
    playbooks.c.name,
    playbook_versions.c.version,
    playbook_versions.c.source_name,
    playbook_versions.c.content_sha256,
    playbook_versions.c.yaml,
    playbook_versions.c.lint,
    playbook_versions.c.created_at,
    playbook_versions.c.created_by,
)


def _select() -> Any:
    return select(*_COLUMNS).join(playbooks, playbooks.c.id == playbook_versions.c.playbook_id)


def _to_version(row: RowMapping) -> StoredVersion:
    return StoredVersion(
        id=row["id"],
        playbook=row["name"],
        version=row["version"],
        source_name=row["source_name"],
        content_sha256=row["content_sha256"],
        yaml=row["yaml"],
        lint=dict(row["lint"]),
        created_at=row["created_at"],
        created_by=row["created_by"],
    )


def ensure_playbook(conn: Connection, name: str, now: datetime) -> int:
    found = conn.execute(select(playbooks.c.id).where(playbooks.c.name == name)).scalar()
    if found is not None:
        return int(found)
    return int(
        conn.execute(
            insert(playbooks).values(name=name, created_at=now).returning(playbooks.c.id)
        ).scalar_one()
    )


def latest_version(conn: Connection, name: str) -> StoredVersion | None:
    query = _select().where(playbooks.c.name == name).order_by(playbook_versions.c.version.desc()).limit(1)
    row = conn.execute(query).mappings().first()
    return _to_version(row) if row else None


def get_version(conn: Connection, name: str, version: int) -> StoredVersion | None:
    query = _select().where(playbooks.c.name == name, playbook_versions.c.version == version)
    row = conn.execute(query).mappings().first()
    return _to_version(row) if row else None


def version_by_id(conn: Connection, version_id: int) -> StoredVersion | None:
    row = conn.execute(_select().where(playbook_versions.c.id == version_id)).mappings().first()
    return _to_version(row) if row else None


def add_version(conn: Connection, playbook_id: int, **values: Any) -> int:
    current = conn.execute(
        select(func.max(playbook_versions.c.version)).where(playbook_versions.c.playbook_id == playbook_id)
    ).scalar()
    stmt = insert(playbook_versions).values(playbook_id=playbook_id, version=(current or 0) + 1, **values)
    return int(conn.execute(stmt.returning(playbook_versions.c.id)).scalar_one())


def list_versions(conn: Connection, name: str) -> list[StoredVersion]:
    query = _select().where(playbooks.c.name == name).order_by(playbook_versions.c.version)
    return [_to_version(row) for row in conn.execute(query).mappings()]


def list_playbooks(conn: Connection) -> list[tuple[str, int, datetime]]:
    """(name, latest version, last import time) of every playbook."""
    query = (
        select(
            playbooks.c.name, func.max(playbook_versions.c.version), func.max(playbook_versions.c.created_at)
        )
        .join(playbook_versions, playbooks.c.id == playbook_versions.c.playbook_id)
        .group_by(playbooks.c.name)
        .order_by(playbooks.c.name)
    )
    return [(row[0], int(row[1]), row[2]) for row in conn.execute(query)]


def set_active(conn: Connection, version_id: int, at: datetime, by: str) -> None:
    conn.execute(delete(active_playbook))
    conn.execute(
        insert(active_playbook).values(id=1, playbook_version_id=version_id, applied_at=at, applied_by=by)
    )


def active_version(conn: Connection) -> StoredVersion | None:
    version_id = conn.execute(select(active_playbook.c.playbook_version_id)).scalar()
    return version_by_id(conn, int(version_id)) if version_id is not None else None


def active_version_id(conn: Connection) -> int | None:
    value = conn.execute(select(active_playbook.c.playbook_version_id)).scalar()
    return int(value) if value is not None else None


def pin_incident(conn: Connection, incident_id: int, version_id: int) -> None:
    conn.execute(insert(incident_playbooks).values(incident_id=incident_id, playbook_version_id=version_id))


def pinned_version(conn: Connection, incident_id: int) -> StoredVersion | None:
    query = select(incident_playbooks.c.playbook_version_id).where(
        incident_playbooks.c.incident_id == incident_id
    )
    version_id = conn.execute(query).scalar()
    return version_by_id(conn, int(version_id)) if version_id is not None else None
