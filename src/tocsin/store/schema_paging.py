"""Tables for paging: people, schedules, escalation policies, channels, running escalations and the outbox.

Who is paged (policies, schedules, teams) is kept apart from how people are reached (each user's
notification rules, the configured channels). A running escalation is a row holding the policy frozen
when the incident started; every message decided is an ``outbox`` row written in the same transaction as
the decision and delivered later, with its idempotency key, by the delivery loop.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from tocsin.store.schema import metadata
from tocsin.store.types import UTCDateTime

__all__ = [
    "ack_link_uses",
    "calendar_feeds",
    "escalation_policies",
    "escalations",
    "notification_channels",
    "outbox",
    "paging_settings",
    "schedule_overrides",
    "schedules",
    "severity_routes",
    "slack_requests",
    "team_members",
    "teams",
    "users",
]

# Ids are short slugs people type ("alice", "payments-primary"); they also appear in idempotency keys.
_ID = 64

users = Table(
    "users",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320)),
    Column("slack_user_id", String(40)),
    Column("phone", String(40)),
    Column("time_zone", String(64), nullable=False),
    Column("rules", JSON, nullable=False),  # ordered [{"channel": "email", "delay_s": 0}, ...]
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_users_slack_user_id", "slack_user_id"),
)

teams = Table(
    "teams",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

team_members = Table(
    "team_members",
    metadata,
    Column("team_id", String(_ID), ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", String(_ID), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, nullable=False),
)

schedules = Table(
    "schedules",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("time_zone", String(64), nullable=False),
    Column("layers", JSON, nullable=False),  # ordered layers, each a rotation (see store.schedules)
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),  # also bumped by overrides: the feed's DTSTAMP
)

schedule_overrides = Table(
    "schedule_overrides",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("schedule_id", String(_ID), ForeignKey("schedules.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", String(_ID), nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("note", String(500), nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_schedule_overrides_schedule", "schedule_id", "ends_at"),
)

calendar_feeds = Table(
    "calendar_feeds",
    metadata,
    Column("token_digest", String(64), primary_key=True),  # SHA-256 of the secret in the URL
    Column("subject_kind", String(10), nullable=False),  # schedule | user
    Column("subject_id", String(_ID), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_calendar_feeds_subject", "subject_kind", "subject_id", unique=True),
)

escalation_policies = Table(
    "escalation_policies",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("document", JSON, nullable=False),  # tocsin.domain.escalation_codec.policy_to_dict
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

severity_routes = Table(
    "severity_routes",
    metadata,
    Column("severity", String(50), primary_key=True),
    Column("policy_id", String(_ID)),  # None: the default policy
    Column("pages", Boolean, nullable=False),
    Column("business_hours_only", Boolean, nullable=False),
    Column("unresolved_after_s", Integer),  # None: the severity's resolution target
)

paging_settings = Table(
    "paging_settings",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("value", JSON, nullable=False),
)

notification_channels = Table(
    "notification_channels",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("config", JSON, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

escalations = Table(
    "escalations",
    metadata,
    Column("incident_id", Integer, ForeignKey("incidents.id"), primary_key=True),
    Column("policy_id", String(_ID), nullable=False),
    Column("frozen", JSON, nullable=False),  # tocsin.domain.escalation_codec.frozen_to_dict
    Column("status", String(10), nullable=False),  # active | stopped | exhausted
    Column("highest_level", Integer, nullable=False),  # 0-based index of the highest level paged; -1 none
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("stopped_reason", String(200)),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("idempotency_key", String(255), nullable=False, unique=True),
    Column("incident_id", Integer, ForeignKey("incidents.id"), nullable=False),
    Column("user_id", String(_ID), nullable=False),
    Column("channel", String(_ID), nullable=False),  # the configured channel named by the user's rule
    Column("kind", String(10), nullable=False),  # NotificationKind
    Column("level", Integer),  # 1-based escalation level, for people reading the timeline
    Column("note", String(500), nullable=False),  # why, e.g. "unresolved past its 30 min target"
    Column("stops_on_ack", Boolean, nullable=False),
    Column("status", String(10), nullable=False),  # pending | sending | sent | failed | dropped
    Column("due_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("lease_until", UTCDateTime),
    Column("token", String(36)),
    Column("last_error", Text),
    Column("reference", String(255)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Index("ix_outbox_claim", "status", "due_at"),
    Index("ix_outbox_incident", "incident_id", "status"),
)

ack_link_uses = Table(
    "ack_link_uses",
    metadata,
    Column("nonce", String(64), primary_key=True),  # a used acknowledge link can never be used again
    Column("incident_id", Integer, nullable=False),
    Column("user_id", String(_ID), nullable=False),
    Column("used_at", UTCDateTime, nullable=False),
)

slack_requests = Table(
    "slack_requests",
    metadata,
    Column("signature", String(80), primary_key=True),  # a signed request seen twice is a replay
    Column("received_at", UTCDateTime, nullable=False),
    Index("ix_slack_requests_received", "received_at"),
)
