"""The active severity scheme, kept in the database so that a playbook can replace it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Connection, delete, insert, select

from tocsin.domain.severity import DEFAULT_SCHEME, SeverityLevel, SeverityScheme
from tocsin.store.schema import severity_levels

__all__ = ["load_scheme", "replace_scheme"]


def _seconds(value: int | None) -> timedelta | None:
    return timedelta(seconds=value) if value is not None else None


def _as_seconds(value: timedelta | None) -> int | None:
    return int(value.total_seconds()) if value is not None else None


def load_scheme(conn: Connection) -> SeverityScheme:
    rows = conn.execute(select(severity_levels).order_by(severity_levels.c.rank)).mappings().all()
    if not rows:
        return DEFAULT_SCHEME
    return SeverityScheme(
        levels=tuple(
            SeverityLevel(
                name=row["name"],
                rank=row["rank"],
                description=row["description"],
                aliases=tuple(row["aliases"]),
                examples=tuple(row["examples"]),
                response_target=_seconds(row["response_target_s"]),
                resolution_target=_seconds(row["resolution_target_s"]),
                update_cadence=_seconds(row["update_cadence_s"]),
                pages=row["pages"],
                business_hours_only=row["business_hours_only"],
            )
            for row in rows
        )
    )


def replace_scheme(conn: Connection, scheme: SeverityScheme) -> None:
    conn.execute(delete(severity_levels))
    conn.execute(
        insert(severity_levels),
        [
            {
                "rank": rank,
                "name": level.name,
                "description": level.description,
                "aliases": list(level.aliases),
                "examples": list(level.examples),
                "response_target_s": _as_seconds(level.response_target),
                "resolution_target_s": _as_seconds(level.resolution_target),
                "update_cadence_s": _as_seconds(level.update_cadence),
                "pages": level.pages,
                "business_hours_only": level.business_hours_only,
            }
            for rank, level in enumerate(scheme.levels)
        ],
    )
