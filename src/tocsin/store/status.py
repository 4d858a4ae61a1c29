"""Rows of the public status page: the page, its components, public updates and maintenance windows,
and the customer-facing incidents it shows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, insert, or_, select, update

from tocsin.domain.incident import ACTIVE_STATES, Incident
from tocsin.store import incidents
from tocsin.store.schema import incidents as incident_rows
from tocsin.store.schema_status import public_updates, status_components, status_maintenances, status_page

__all__ = [
    "StoredComponent",
    "StoredMaintenance",
    "StoredPage",
    "StoredUpdate",
    "component_by_id",
    "default_page",
    "delete_component",
    "ensure_page",
    "get_page",
    "insert_component",
    "insert_maintenance",
    "insert_update",
    "list_components",
    "list_maintenances",
    "maintenance_by_id",
    "public_incidents",
    "update_component",
    "update_maintenance",
    "update_page",
    "updates_for",
]

_PAGE_ROW = 1


@dataclass(frozen=True)
class StoredPage:
    page_id: str
    name: str
    time_zone: str
    updated_at: datetime


@dataclass(frozen=True)
class StoredComponent:
    id: int
    name: str
    description: str | None
    position: int
    services: tuple[str, ...]
    status_override: str | None
    showcase: bool
    only_show_if_degraded: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class StoredUpdate:
    id: int
    incident_number: int
    status: str
    body: str
    author: str
    created_at: datetime


@dataclass(frozen=True)
class StoredMaintenance:
    id: int
    name: str
    body: str
    component_ids: tuple[int, ...]
    scheduled_for: datetime
    scheduled_until: datetime
    created_by: str
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None


# -- the page --------------------------------------------------------------------------------------------


DEFAULT_PAGE_ID = "tocsin"


def get_page(conn: Connection) -> StoredPage | None:
    row = conn.execute(select(status_page).where(status_page.c.id == _PAGE_ROW)).mappings().first()
    return StoredPage(row["page_id"], row["name"], row["time_zone"], row["updated_at"]) if row else None


def default_page(now: datetime) -> StoredPage:
    """The page's settings until an admin changes them."""
    return StoredPage(page_id=DEFAULT_PAGE_ID, name="Status", time_zone="Etc/UTC", updated_at=now)


def ensure_page(conn: Connection, now: datetime) -> StoredPage:
    """The page's settings, written with the defaults on first use."""
    found = get_page(conn)
    if found is None:
        found = default_page(now)
        values = {"page_id": found.page_id, "name": found.name, "time_zone": found.time_zone}
        conn.execute(insert(status_page).values(id=_PAGE_ROW, updated_at=now, **values))
    return found


def update_page(conn: Connection, now: datetime, **values: Any) -> None:
    ensure_page(conn, now)
    conn.execute(update(status_page).where(status_page.c.id == _PAGE_ROW).values(updated_at=now, **values))


# -- components ------------------------------------------------------------------------------------------


def _to_component(row: RowMapping) -> StoredComponent:
    return StoredComponent(
        id=row["id"],
        name=row["name"],
        description=row["description"],
        position=row["position"],
        services=tuple(row["services"]),
        status_override=row["status_override"],
        showcase=row["showcase"],
        only_show_if_degraded=row["only_show_if_degraded"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def insert_component(conn: Connection, **values: Any) -> int:
    values["services"] = list(values.get("services", ()))
    stmt = insert(status_components).values(**values).returning(status_components.c.id)
    return int(conn.execute(stmt).scalar_one())


def update_component(conn: Connection, component_id: int, **values: Any) -> None:
    if "services" in values:
        values["services"] = list(values["services"])
    conn.execute(update(status_components).where(status_components.c.id == component_id).values(**values))


def delete_component(conn: Connection, component_id: int) -> None:
    conn.execute(delete(status_components).where(status_components.c.id == component_id))


def component_by_id(conn: Connection, component_id: int) -> StoredComponent | None:
    query = select(status_components).where(status_components.c.id == component_id)
    row = conn.execute(query).mappings().first()
    return _to_component(row) if row else None


def list_components(conn: Connection) -> list[StoredComponent]:
    query = select(status_components).order_by(status_components.c.position, status_components.c.id)
    return [_to_component(row) for row in conn.execute(query).mappings()]


# -- public updates --------------------------------------------------------------------------------------


def _to_update(row: RowMapping) -> StoredUpdate:
    return StoredUpdate(
        id=row["id"],
        incident_number=row["incident_id"],
        status=row["status"],
        body=row["body"],
        author=row["author"],
        created_at=row["created_at"],
    )


def insert_update(
    conn: Connection, *, incident_number: int, status: str, body: str, author: str, at: datetime
) -> int:
    values = {"incident_id": incident_number, "status": status, "body": body, "author": author}
    stmt = insert(public_updates).values(created_at=at, **values).returning(public_updates.c.id)
    return int(conn.execute(stmt).scalar_one())


def updates_for(conn: Connection, numbers: Sequence[int]) -> dict[int, list[StoredUpdate]]:
    """Public updates of these incidents, newest first, by incident number."""
    found: dict[int, list[StoredUpdate]] = defaultdict(list)
    unique = list(dict.fromkeys(numbers))
    for start in range(0, len(unique), 500):
        query = (
            select(public_updates)
            .where(public_updates.c.incident_id.in_(unique[start : start + 500]))
            .order_by(public_updates.c.id.desc())
        )
        for row in conn.execute(query).mappings():
            found[row["incident_id"]].append(_to_update(row))
    return dict(found)


# -- maintenance -----------------------------------------------------------------------------------------


def _to_maintenance(row: RowMapping) -> StoredMaintenance:
    return StoredMaintenance(
        id=row["id"],
        name=row["name"],
        body=row["body"],
        component_ids=tuple(int(i) for i in row["components"]),
        scheduled_for=row["scheduled_for"],
        scheduled_until=row["scheduled_until"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        cancelled_at=row["cancelled_at"],
    )


def insert_maintenance(conn: Connection, **values: Any) -> int:
    values["components"] = list(values.get("components", ()))
    stmt = insert(status_maintenances).values(**values).returning(status_maintenances.c.id)
    return int(conn.execute(stmt).scalar_one())


def update_maintenance(conn: Connection, maintenance_id: int, **values: Any) -> None:
    if "components" in values:
        values["components"] = list(values["components"])
    stmt = update(status_maintenances).where(status_maintenances.c.id == maintenance_id).values(**values)
    conn.execute(stmt)


def maintenance_by_id(conn: Connection, maintenance_id: int) -> StoredMaintenance | None:
    query = select(status_maintenances).where(status_maintenances.c.id == maintenance_id)
    row = conn.execute(query).mappings().first()
    return _to_maintenance(row) if row else None


def list_maintenances(
    conn: Connection, *, ending_after: datetime, limit: int = 200
) -> list[StoredMaintenance]:
    """Maintenance windows that end after ``ending_after`` (upcoming, running and recent), soonest first."""
    query = (
        select(status_maintenances)
        .where(status_maintenances.c.scheduled_until > ending_after)
        .order_by(status_maintenances.c.scheduled_for, status_maintenances.c.id)
        .limit(limit)
    )
    return [_to_maintenance(row) for row in conn.execute(query).mappings()]


# -- incidents -------------------------------------------------------------------------------------------


def public_incidents(conn: Connection, *, since: datetime, limit: int = 500) -> list[Incident]:
    """Customer-facing incidents that are open or started after ``since``, newest first."""
    recent_or_open = or_(
        incident_rows.c.started_at >= since,
        incident_rows.c.state.in_([state.value for state in ACTIVE_STATES]),
    )
    query = (
        select(incident_rows.c.id)
        .where(incident_rows.c.customer_facing.is_(True), recent_or_open)
        .order_by(incident_rows.c.started_at.desc(), incident_rows.c.id.desc())
        .limit(limit)
    )
    return incidents.get_many(conn, list(conn.execute(query).scalars()))
