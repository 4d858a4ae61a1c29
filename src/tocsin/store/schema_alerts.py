"""Tables for alert integrations, the alerts they deliver, and the groups that map alerts to incidents."""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from tocsin.store.schema import metadata
from tocsin.store.types import UTCDateTime

__all__ = ["alert_groups", "alerts", "integrations"]

integrations = Table(
    "integrations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("source", String(30), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("key_prefix", String(16), nullable=False),
    Column("settings", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("rotated_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
    Column("last_alert_at", UTCDateTime),
    Column("alert_count", Integer, nullable=False, default=0),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("integration_id", Integer, ForeignKey("integrations.id"), nullable=False),
    Column("dedup_key", String(255), nullable=False),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False),
    Column("status", String(10), nullable=False),
    Column("title", String(1024), nullable=False),
    Column("summary", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("severity_text", String(50), nullable=False),
    Column("labels", JSON, nullable=False),
    Column("annotations", JSON, nullable=False),
    Column("links", JSON, nullable=False),
    Column("source_url", String(2000), nullable=False),
    Column("starts_at", UTCDateTime),
    Column("ends_at", UTCDateTime),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("event_count", Integer, nullable=False),
    UniqueConstraint("integration_id", "dedup_key", name="uq_alerts_integration_dedup"),
    Index("ix_alerts_incident_status", "incident_id", "status"),
    Index("ix_alerts_incident_id", "incident_id", "id"),
)

alert_groups = Table(
    "alert_groups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("integration_id", Integer, ForeignKey("integrations.id"), nullable=False),
    Column("group_hash", String(64), nullable=False),
    Column("group_key", Text, nullable=False),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("integration_id", "group_hash", name="uq_alert_groups_integration_group"),
)
