"""Escalation policies, routing by severity, and the small paging settings (default policy, secrets, hours).

A policy is kept as one JSON document in the format of :mod:`tocsin.domain.escalation_codec`, the same
format in which it is later frozen into an incident.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tocsin.domain.escalation import EscalationPolicy
from tocsin.domain.escalation_codec import policy_from_dict, policy_to_dict
from tocsin.store.schema_paging import escalation_policies, paging_settings, severity_routes

__all__ = [
    "StoredPolicy",
    "StoredRoute",
    "delete_policy",
    "delete_route",
    "get_policy",
    "get_setting",
    "insert_policy",
    "list_policies",
    "list_routes",
    "put_route",
    "set_setting",
    "setting_or_create",
    "update_policy",
]


@dataclass(frozen=True)
class StoredPolicy:
    policy: EscalationPolicy
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class StoredRoute:
    """An operator's routing for one severity, overriding what the severity scheme says."""

    severity: str
    policy_id: str | None
    pages: bool
    business_hours_only: bool
    unresolved_after: timedelta | None


def _to_policy(row: RowMapping) -> StoredPolicy:
    return StoredPolicy(policy_from_dict(row["document"]), row["created_at"], row["updated_at"])


def insert_policy(conn: Connection, policy: EscalationPolicy, now: datetime) -> None:
    conn.execute(
        insert(escalation_policies).values(
            id=policy.id, name=policy.name, document=policy_to_dict(policy), created_at=now, updated_at=now
        )
    )


def update_policy(conn: Connection, policy: EscalationPolicy, now: datetime) -> bool:
    result = conn.execute(
        update(escalation_policies)
        .where(escalation_policies.c.id == policy.id)
        .values(name=policy.name, document=policy_to_dict(policy), updated_at=now)
    )
    return result.rowcount == 1


def get_policy(conn: Connection, policy_id: str) -> StoredPolicy | None:
    query = select(escalation_policies).where(escalation_policies.c.id == policy_id)
    row = conn.execute(query).mappings().first()
    return _to_policy(row) if row else None


def list_policies(conn: Connection) -> list[StoredPolicy]:
    query = select(escalation_policies).order_by(escalation_policies.c.id)
    return [_to_policy(row) for row in conn.execute(query).mappings()]


def delete_policy(conn: Connection, policy_id: str) -> bool:
    return (
        conn.execute(delete(escalation_policies).where(escalation_policies.c.id == policy_id)).rowcount == 1
    )


def _to_route(row: RowMapping) -> StoredRoute:
    after = row["unresolved_after_s"]
    return StoredRoute(
        severity=row["severity"],
        policy_id=row["policy_id"],
        pages=row["pages"],
        business_hours_only=row["business_hours_only"],
        unresolved_after=timedelta(seconds=after) if after is not None else None,
    )


def list_routes(conn: Connection) -> list[StoredRoute]:
    query = select(severity_routes).order_by(severity_routes.c.severity)
    return [_to_route(row) for row in conn.execute(query).mappings()]


def put_route(conn: Connection, route: StoredRoute) -> None:
    """Set the routing of ``route.severity``, replacing any earlier one."""
    delete_route(conn, route.severity)
    after = route.unresolved_after
    conn.execute(
        insert(severity_routes).values(
            severity=route.severity,
            policy_id=route.policy_id,
            pages=route.pages,
            business_hours_only=route.business_hours_only,
            unresolved_after_s=int(after.total_seconds()) if after is not None else None,
        )
    )


def delete_route(conn: Connection, severity: str) -> bool:
    return conn.execute(delete(severity_routes).where(severity_routes.c.severity == severity)).rowcount == 1


def get_setting(conn: Connection, name: str) -> Any:
    """The JSON value of the setting ``name``, or ``None``."""
    return conn.execute(select(paging_settings.c.value).where(paging_settings.c.name == name)).scalar()


def set_setting(conn: Connection, name: str, value: Any) -> None:
    """Set (or with ``None``, clear) a setting."""
    conn.execute(delete(paging_settings).where(paging_settings.c.name == name))
    if value is not None:
        conn.execute(insert(paging_settings).values(name=name, value=value))


def setting_or_create(conn: Connection, name: str, value: Any) -> Any:
    """The setting's value; if it has none, store ``value`` first. Safe when processes race to create it."""
    found = get_setting(conn, name)
    if found is not None:
        return found
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(
        dialect_insert(paging_settings)
        .values(name=name, value=value)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    return get_setting(conn, name)
