"""Tables for the public status page: the page itself, its components, public updates on incidents,
and scheduled maintenance. Component status is derived from incidents; only an admin's override is
stored."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from tocsin.store.schema import metadata
from tocsin.store.types import UTCDateTime

__all__ = ["public_updates", "status_components", "status_maintenances", "status_page"]

status_page = Table(
    "status_page",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # always 1: there is one page
    Column("page_id", String(32), nullable=False),
    Column("name", String(100), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

status_components = Table(
    "status_components",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("description", Text),
    Column("position", Integer, nullable=False),
    Column("services", JSON, nullable=False),  # incident service names that affect this component
    Column("status_override", String(30)),
    Column("showcase", Boolean, nullable=False),
    Column("only_show_if_degraded", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

public_updates = Table(
    "public_updates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("body", Text, nullable=False),
    Column("author", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_public_updates_incident", "incident_id", "id"),
)

status_maintenances = Table(
    "status_maintenances",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("components", JSON, nullable=False),  # component ids under maintenance
    Column("scheduled_for", UTCDateTime, nullable=False),
    Column("scheduled_until", UTCDateTime, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("cancelled_at", UTCDateTime),
    Index("ix_status_maintenances_until", "scheduled_until"),
)
