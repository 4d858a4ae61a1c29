"""Tables for imported playbooks: versions (immutable), the active one, and each incident's version."""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint

from tocsin.store.schema import metadata
from tocsin.store.types import UTCDateTime

__all__ = ["active_playbook", "incident_playbooks", "playbook_versions", "playbooks"]

playbooks = Table(
    "playbooks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)

playbook_versions = Table(
    "playbook_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("playbook_id", Integer, ForeignKey("playbooks.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("source_name", String(300), nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("yaml", Text, nullable=False),
    Column("lint", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(100), nullable=False),
    UniqueConstraint("playbook_id", "version", name="uq_playbook_versions_playbook_version"),
)

# One row at most: the version whose severity scheme, escalation path, templates and checklists are in force.
active_playbook = Table(
    "active_playbook",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("playbook_version_id", Integer, ForeignKey("playbook_versions.id"), nullable=False),
    Column("applied_at", UTCDateTime, nullable=False),
    Column("applied_by", String(100), nullable=False),
)

incident_playbooks = Table(
    "incident_playbooks",
    metadata,
    Column("incident_id", Integer, ForeignKey("incidents.id"), primary_key=True),
    Column("playbook_version_id", Integer, ForeignKey("playbook_versions.id"), nullable=False),
)
