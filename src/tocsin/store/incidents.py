"""Incident rows: insert, read, list with filters, and optimistic updates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, func, insert, select, update

from tocsin.domain.incident import Incident, IncidentState, Link
from tocsin.store.schema import incident_services, incidents

__all__ = ["IncidentFilter", "get", "get_many", "insert_incident", "list_incidents", "update_if_version"]


@dataclass(frozen=True)
class IncidentFilter:
    states: Sequence[IncidentState] = ()
    severities: Sequence[str] = ()
    service: str | None = None
    started_after: datetime | None = None
    started_before: datetime | None = None


def _to_incident(row: RowMapping) -> Incident:
    return Incident(
        number=row["id"],
        title=row["title"],
        state=IncidentState(row["state"]),
        severity=row["severity"],
        started_at=row["started_at"],
        updated_at=row["updated_at"],
        summary=row["summary"],
        services=tuple(row["services"]),
        customer_facing=row["customer_facing"],
        roles=dict(row["roles"]),
        links=tuple(Link(url=link["url"], title=link.get("title", "")) for link in row["links"]),
        acknowledged_at=row["acknowledged_at"],
        acknowledged_by=row["acknowledged_by"],
        resolved_at=row["resolved_at"],
        closed_at=row["closed_at"],
        created_by=row["created_by"],
        version=row["version"],
    )


def insert_incident(conn: Connection, **values: Any) -> int:
    """Insert an incident and its service index; return its number."""
    values.setdefault("links", [])
    values.setdefault("roles", {})
    values["services"] = list(values.get("services", ()))
    number = int(conn.execute(insert(incidents).values(**values).returning(incidents.c.id)).scalar_one())
    _index_services(conn, number, values["services"])
    return number


def _index_services(conn: Connection, number: int, services: Sequence[str]) -> None:
    conn.execute(delete(incident_services).where(incident_services.c.incident_id == number))
    if services:
        rows = [{"incident_id": number, "service": service} for service in dict.fromkeys(services)]
        conn.execute(insert(incident_services), rows)


def get(conn: Connection, number: int) -> Incident | None:
    row = conn.execute(select(incidents).where(incidents.c.id == number)).mappings().first()
    return _to_incident(row) if row else None


def get_many(conn: Connection, numbers: Sequence[int]) -> list[Incident]:
    """The incidents with these numbers, in the order given (missing ones left out), in one query."""
    if not numbers:
        return []
    rows = conn.execute(select(incidents).where(incidents.c.id.in_(list(numbers)))).mappings()
    found = {row["id"]: _to_incident(row) for row in rows}
    return [found[number] for number in numbers if number in found]


def list_incidents(
    conn: Connection, where: IncidentFilter, *, limit: int, offset: int
) -> tuple[list[Incident], int]:
    """One page of incidents, newest first, and how many match in all."""
    query = select(incidents)
    if where.states:
        query = query.where(incidents.c.state.in_([str(s) for s in where.states]))
    if where.severities:
        query = query.where(incidents.c.severity.in_(list(where.severities)))
    if where.service:
        in_service = select(incident_services.c.incident_id).where(
            incident_services.c.service == where.service
        )
        query = query.where(incidents.c.id.in_(in_service))
    if where.started_after:
        query = query.where(incidents.c.started_at >= where.started_after)
    if where.started_before:
        query = query.where(incidents.c.started_at < where.started_before)
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    page = query.order_by(incidents.c.started_at.desc(), incidents.c.id.desc()).limit(limit).offset(offset)
    return [_to_incident(row) for row in conn.execute(page).mappings()], int(total)


def update_if_version(conn: Connection, number: int, version: int, **values: Any) -> bool:
    """Apply ``values`` only if nobody changed the incident since ``version`` was read.

    The version check makes concurrent changes safe on both databases: of two responders acknowledging at
    once, exactly one update matches; the other sees ``False`` and re-reads.
    """
    if "services" in values:
        values["services"] = list(values["services"])
    result = conn.execute(
        update(incidents)
        .where(incidents.c.id == number, incidents.c.version == version)
        .values(version=version + 1, **values)
    )
    if result.rowcount == 1 and "services" in values:
        _index_services(conn, number, values["services"])
    return result.rowcount == 1
