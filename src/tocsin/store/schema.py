"""The core tables. Other aggregates add theirs in their own modules on the same ``metadata``."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from tocsin.store.types import UTCDateTime

__all__ = [
    "api_tokens",
    "incident_services",
    "incidents",
    "jobs",
    "metadata",
    "severity_levels",
    "timeline_entries",
]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

severity_levels = Table(
    "severity_levels",
    metadata,
    Column("rank", Integer, primary_key=True, autoincrement=False),
    Column("name", String(50), nullable=False, unique=True),
    Column("description", Text, nullable=False, default=""),
    Column("aliases", JSON, nullable=False),
    Column("examples", JSON, nullable=False),
    Column("response_target_s", Integer),
    Column("resolution_target_s", Integer),
    Column("update_cadence_s", Integer),
    Column("pages", Boolean, nullable=False),
    Column("business_hours_only", Boolean, nullable=False),
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True),  # the number in INC-42
    Column("title", String(200), nullable=False),
    Column("state", String(20), nullable=False),
    Column("severity", String(50), nullable=False),
    Column("summary", Text, nullable=False, default=""),
    Column("services", JSON, nullable=False),
    Column("customer_facing", Boolean, nullable=False, default=False),
    Column("roles", JSON, nullable=False),
    Column("links", JSON, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("acknowledged_at", UTCDateTime),
    Column("acknowledged_by", String(100)),
    Column("resolved_at", UTCDateTime),
    Column("closed_at", UTCDateTime),
    Column("created_by", String(100), nullable=False, default=""),
    Column("version", Integer, nullable=False, default=1),
    Index("ix_incidents_state_started", "state", "started_at"),
    Index("ix_incidents_started", "started_at"),
)

incident_services = Table(
    "incident_services",
    metadata,
    Column("incident_id", Integer, ForeignKey("incidents.id"), primary_key=True),
    Column("service", String(100), primary_key=True),
    Index("ix_incident_services_service", "service"),
)

timeline_entries = Table(
    "timeline_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("details", JSON, nullable=False),
    Index("ix_timeline_incident", "incident_id", "id"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(50), nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("status", String(10), nullable=False),  # pending, running, done, failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("lease_until", UTCDateTime),
    Column("token", String(36)),
    Column("dedup_key", String(200), unique=True),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Index("ix_jobs_claim", "status", "due_at"),
)
