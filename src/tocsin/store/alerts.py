"""Alert rows and alert groups, written set-wise: one query finds every known alert of a batch."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, Connection, RowMapping, String, bindparam, func, insert, select, true, update

from tocsin.store.schema import incidents
from tocsin.store.schema_alerts import alert_groups, alerts

__all__ = [
    "KnownAlert",
    "StoredAlert",
    "count_for_incident",
    "find_group",
    "firing_count",
    "group_hash",
    "insert_many",
    "known",
    "list_for_incident",
    "save_group",
    "touch_many",
    "update_many",
]


@dataclass(frozen=True)
class KnownAlert:
    """What ingest needs to know about a stored alert, its incident's state included (one query)."""

    id: int
    dedup_key: str
    status: str
    incident_id: int
    title: str = ""
    summary: str = ""
    incident_state: str = ""


@dataclass(frozen=True)
class StoredAlert:
    id: int
    integration_id: int
    dedup_key: str
    incident_id: int
    status: str
    title: str
    summary: str
    description: str
    severity_text: str
    labels: dict[str, str]
    annotations: dict[str, str]
    links: list[dict[str, str]]
    starts_at: datetime | None
    ends_at: datetime | None
    first_seen_at: datetime
    last_seen_at: datetime
    event_count: int


def group_hash(group_key: str) -> str:
    return hashlib.sha256(group_key.encode()).hexdigest()


_CHUNK = 500  # bound the IN list so huge batches stay within every database's parameter limit

# The statements of the ingest hot path are built once: building a statement costs more than running it.
_KNOWN = (
    select(
        alerts.c.id,
        alerts.c.dedup_key,
        alerts.c.status,
        alerts.c.incident_id,
        alerts.c.title,
        alerts.c.summary,
        incidents.c.state,
    )
    .join(incidents, incidents.c.id == alerts.c.incident_id)
    .where(
        alerts.c.integration_id == bindparam("integration_id"),
        alerts.c.dedup_key.in_(bindparam("keys", expanding=True)),
    )
)
_INSERT = insert(alerts)
_TOUCH = (
    update(alerts)
    .where(alerts.c.id.in_(bindparam("ids", expanding=True)))
    .values(last_seen_at=bindparam("at"), event_count=alerts.c.event_count + bindparam("times"))
)


# On PostgreSQL, one unique-index probe per key, whatever the planner believes. With the IN list, until
# the first ANALYZE of a fresh table (or forever with autovacuum off) it scans every alert of the
# integration instead, which during a storm grows with every batch. LIMIT 1 keeps the subquery from
# being flattened into a hash join.
_KEYS = func.unnest(bindparam("keys", type_=ARRAY(String))).table_valued("key").render_derived(name="k")
_ONE_KNOWN = (
    select(*_KNOWN.selected_columns)
    .join_from(alerts, incidents, incidents.c.id == alerts.c.incident_id)
    .where(alerts.c.integration_id == bindparam("integration_id"), alerts.c.dedup_key == _KEYS.c.key)
    .limit(1)
    .lateral("found")
)
_KNOWN_POSTGRES = select(_ONE_KNOWN).select_from(_KEYS).join(_ONE_KNOWN, true())


def known(conn: Connection, integration_id: int, dedup_keys: Sequence[str]) -> dict[str, KnownAlert]:
    """The alerts of ``integration_id`` with these dedup keys, by key."""
    found: dict[str, KnownAlert] = {}
    unique = list(dict.fromkeys(dedup_keys))
    statement = _KNOWN_POSTGRES if conn.dialect.name == "postgresql" else _KNOWN
    for start in range(0, len(unique), _CHUNK):
        chunk = unique[start : start + _CHUNK]
        for row in conn.execute(statement, {"integration_id": integration_id, "keys": chunk}):
            found[row.dedup_key] = KnownAlert(*row)
    return found


def insert_many(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(_INSERT, list(rows))


def touch_many(conn: Connection, times_by_id: Mapping[int, int], at: datetime) -> None:
    """Count repeats: ``last_seen_at = at`` and ``event_count += times`` for each alert id.

    Repeats are most of what senders send (Alertmanager re-sends every group), so they cost one
    statement per distinct ``times`` (nearly always one), not one per alert.
    """
    by_times: dict[int, list[int]] = {}
    for alert_id, times in times_by_id.items():
        by_times.setdefault(times, []).append(alert_id)
    for times, ids in by_times.items():
        for start in range(0, len(ids), _CHUNK):
            conn.execute(_TOUCH, {"ids": ids[start : start + _CHUNK], "at": at, "times": times})


_UPDATE_COLUMNS = ("status", "incident_id", "last_seen_at", "ends_at", "title", "summary", "event_count")


_UPDATE = (
    update(alerts)
    .where(alerts.c.id == bindparam("alert_id"))
    .values(
        status=bindparam("status"),
        incident_id=bindparam("incident_id"),
        last_seen_at=bindparam("last_seen_at"),
        ends_at=bindparam("ends_at"),
        title=func.coalesce(bindparam("title"), alerts.c.title),
        summary=func.coalesce(bindparam("summary"), alerts.c.summary),
        event_count=alerts.c.event_count + bindparam("event_count"),
    )
)


def update_many(conn: Connection, rows: Iterable[dict[str, Any]]) -> None:
    """Update alerts by ``id``; each row gives every column in ``_UPDATE_COLUMNS`` (event_count as a delta)."""
    batch = [{key: row[key] for key in _UPDATE_COLUMNS} | {"alert_id": row["id"]} for row in rows]
    if batch:
        conn.execute(_UPDATE, batch)


def firing_count(conn: Connection, incident_id: int) -> int:
    query = select(func.count()).where(alerts.c.incident_id == incident_id, alerts.c.status == "firing")
    return int(conn.execute(query).scalar_one())


def count_for_incident(conn: Connection, incident_id: int) -> tuple[int, int]:
    """(all alerts, firing alerts) of an incident."""
    total = conn.execute(select(func.count()).where(alerts.c.incident_id == incident_id)).scalar_one()
    return int(total), firing_count(conn, incident_id)


def _to_alert(row: RowMapping) -> StoredAlert:
    return StoredAlert(
        id=row["id"],
        integration_id=row["integration_id"],
        dedup_key=row["dedup_key"],
        incident_id=row["incident_id"],
        status=row["status"],
        title=row["title"],
        summary=row["summary"],
        description=row["description"],
        severity_text=row["severity_text"],
        labels=dict(row["labels"]),
        annotations=dict(row["annotations"]),
        links=list(row["links"]),
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        first_seen_at=row["first_seen_at"],
        last_seen_at=row["last_seen_at"],
        event_count=row["event_count"],
    )


def list_for_incident(
    conn: Connection, incident_id: int, *, limit: int, after_id: int = 0
) -> list[StoredAlert]:
    """One page of an incident's alerts by id (an incident may hold any number; never load them whole)."""
    query = (
        select(alerts)
        .where(alerts.c.incident_id == incident_id, alerts.c.id > after_id)
        .order_by(alerts.c.id)
        .limit(limit)
    )
    return [_to_alert(row) for row in conn.execute(query).mappings()]


def find_group(conn: Connection, integration_id: int, key: str) -> tuple[int, int, datetime] | None:
    """(group id, incident number, last alert time) of a group, if it exists."""
    query = select(alert_groups.c.id, alert_groups.c.incident_id, alert_groups.c.updated_at).where(
        alert_groups.c.integration_id == integration_id, alert_groups.c.group_hash == group_hash(key)
    )
    row = conn.execute(query).first()
    return (row.id, row.incident_id, row.updated_at) if row else None


def save_group(
    conn: Connection, integration_id: int, key: str, incident_id: int, at: datetime, group_id: int | None
) -> int:
    if group_id is not None:
        conn.execute(
            update(alert_groups)
            .where(alert_groups.c.id == group_id)
            .values(incident_id=incident_id, updated_at=at)
        )
        return group_id
    values = {
        "integration_id": integration_id,
        "group_hash": group_hash(key),
        "group_key": key,
        "incident_id": incident_id,
        "updated_at": at,
    }
    return int(conn.execute(insert(alert_groups).returning(alert_groups.c.id), values).scalar_one())
