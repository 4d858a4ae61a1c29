"""core: incidents, timeline, severities, tokens, jobs

Revision ID: 0001_core
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tocsin.store.types

revision = "0001_core"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", tocsin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", tocsin.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", tocsin.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("name", name=op.f("uq_api_tokens_name")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("severity", sa.String(length=50), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("customer_facing", sa.Boolean(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("started_at", tocsin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", tocsin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", tocsin.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=100), nullable=True),
        sa.Column("resolved_at", tocsin.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", tocsin.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index("ix_incidents_started", ["started_at"], unique=False)
        batch_op.create_index("ix_incidents_state_started", ["state", "started_at"], unique=False)

    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("due_at", tocsin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", tocsin.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("token", sa.String(length=36), nullable=True),
        sa.Column("dedup_key", sa.String(length=200), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", tocsin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", tocsin.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_jobs_dedup_key")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_claim", ["status", "due_at"], unique=False)

    op.create_table(
        "severity_levels",
        sa.Column("rank", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("examples", sa.JSON(), nullable=False),
        sa.Column("response_target_s", sa.Integer(), nullable=True),
        sa.Column("resolution_target_s", sa.Integer(), nullable=True),
        sa.Column("update_cadence_s", sa.Integer(), nullable=True),
        sa.Column("pages", sa.Boolean(), nullable=False),
        sa.Column("business_hours_only", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("rank", name=op.f("pk_severity_levels")),
        sa.UniqueConstraint("name", name=op.f("uq_severity_levels_name")),
    )
    op.create_table(
        "incident_services",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_incident_services_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("incident_id", "service", name=op.f("pk_incident_services")),
    )
    op.create_index("ix_incident_services_service", "incident_services", ["service"], unique=False)
    op.create_table(
        "timeline_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("at", tocsin.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_timeline_entries_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeline_entries")),
    )
    with op.batch_alter_table("timeline_entries", schema=None) as batch_op:
        batch_op.create_index("ix_timeline_incident", ["incident_id", "id"], unique=False)

    _forbid_timeline_changes()
    _insert_default_severities()


_DEFAULT_SEVERITIES = [
    # rank, name, description, aliases, examples, response s, resolution s, cadence s, pages, business hours
    (
        0,
        "SEV1",
        "Critical: complete outage, data loss or security breach",
        ["P0", "Severity 1", "Critical"],
        ["All services down", "Data breach"],
        900,
        3600,
        900,
        True,
        False,
    ),
    (
        1,
        "SEV2",
        "Major: significant degradation for many users",
        ["P1", "Severity 2", "High"],
        ["Partial outage", "High error rate"],
        1800,
        14400,
        1800,
        True,
        False,
    ),
    (
        2,
        "SEV3",
        "Minor: limited impact, a workaround exists",
        ["P2", "Severity 3", "Medium"],
        ["Single component degraded"],
        7200,
        86400,
        7200,
        False,
        False,
    ),
    (
        3,
        "SEV4",
        "Low: minimal impact",
        ["P3", "Severity 4", "Low"],
        ["Non-critical bug"],
        None,
        604800,
        None,
        False,
        True,
    ),
]


def _insert_default_severities() -> None:
    table = sa.table(
        "severity_levels",
        *(
            sa.column(name)
            for name in (
                "rank",
                "name",
                "description",
                "response_target_s",
                "resolution_target_s",
                "update_cadence_s",
                "pages",
                "business_hours_only",
            )
        ),
        sa.column("aliases", sa.JSON),
        sa.column("examples", sa.JSON),
    )
    keys = (
        "rank",
        "name",
        "description",
        "aliases",
        "examples",
        "response_target_s",
        "resolution_target_s",
        "update_cadence_s",
        "pages",
        "business_hours_only",
    )
    op.bulk_insert(table, [dict(zip(keys, row, strict=True)) for row in _DEFAULT_SEVERITIES])


def _forbid_timeline_changes() -> None:
    """The timeline is append-only: the database itself refuses UPDATE and DELETE on it."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER timeline_no_{verb.lower()} BEFORE {verb} ON timeline_entries "
                "BEGIN SELECT RAISE(ABORT, 'the timeline is append-only'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION timeline_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'the timeline is append-only'; END $$"
    )
    op.execute(
        "CREATE TRIGGER timeline_append_only BEFORE UPDATE OR DELETE ON timeline_entries "
        "FOR EACH ROW EXECUTE FUNCTION timeline_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP TRIGGER IF EXISTS timeline_append_only ON timeline_entries")
        op.execute("DROP FUNCTION IF EXISTS timeline_append_only()")
    with op.batch_alter_table("timeline_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_timeline_incident")

    op.drop_table("timeline_entries")
    op.drop_index("ix_incident_services_service", table_name="incident_services")
    op.drop_table("incident_services")
    op.drop_table("severity_levels")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_claim")

    op.drop_table("jobs")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_state_started")
        batch_op.drop_index("ix_incidents_started")

    op.drop_table("incidents")
    op.drop_table("api_tokens")
