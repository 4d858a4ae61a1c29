"""On-call schedules (layers of rotations, as JSON on the schedule's row), their overrides, and feed tokens.

Layers are always read and written whole with the schedule, so they live in one JSON column; overrides
are rows of their own because people add and remove them one at a time, often by API.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, insert, select, update

from tocsin.domain.schedule import Layer, Override, Rotation, RotationKind, Schedule, TimeWindow, Weekday
from tocsin.store.schema_paging import calendar_feeds, schedule_overrides, schedules

__all__ = [
    "FeedSubject",
    "StoredOverride",
    "StoredSchedule",
    "add_override",
    "delete_feed",
    "delete_override",
    "delete_schedule",
    "feed_for",
    "get_override",
    "get_schedule",
    "insert_schedule",
    "layers_from_json",
    "layers_to_json",
    "list_schedules",
    "load_schedules",
    "set_feed",
    "touch_schedule",
    "update_schedule",
]


@dataclass(frozen=True)
class StoredOverride:
    id: int
    schedule_id: str
    user_id: str
    starts_at: datetime
    ends_at: datetime
    note: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class StoredSchedule:
    """A schedule with when it last changed (layers or overrides): the feed's DTSTAMP and ETag basis."""

    schedule: Schedule
    created_at: datetime
    updated_at: datetime
    overrides: tuple[StoredOverride, ...] = ()


@dataclass(frozen=True)
class FeedSubject:
    """What a calendar feed token shows: a schedule or a user."""

    kind: str  # "schedule" | "user"
    id: str


def _window_to_json(window: TimeWindow) -> dict[str, Any]:
    return {
        "days": sorted(int(day) for day in window.days),
        "start": window.start.isoformat("minutes"),
        "end": window.end.isoformat("minutes"),
    }


def _window_from_json(data: dict[str, Any]) -> TimeWindow:
    return TimeWindow(
        frozenset(Weekday(day) for day in data["days"]),
        time.fromisoformat(data["start"]),
        time.fromisoformat(data["end"]),
    )


def layers_to_json(layers: Sequence[Layer]) -> list[dict[str, Any]]:
    """Layers as JSON-ready dicts (the shape kept in the database)."""
    return [
        {
            "name": layer.name,
            "rotation": {
                "participants": list(layer.rotation.participants),
                "start": layer.rotation.start.isoformat(),
                "handoff": layer.rotation.handoff.isoformat("minutes"),
                "tz": layer.rotation.tz,
                "kind": layer.rotation.kind.value,
                "length_s": layer.rotation.length.total_seconds() if layer.rotation.length else None,
            },
            "restrictions": [_window_to_json(window) for window in layer.restrictions],
        }
        for layer in layers
    ]


def layers_from_json(data: Sequence[dict[str, Any]]) -> tuple[Layer, ...]:
    """The layers written by :func:`layers_to_json`."""
    layers = []
    for item in data:
        spec = item["rotation"]
        rotation = Rotation(
            participants=tuple(spec["participants"]),
            start=date.fromisoformat(spec["start"]),
            handoff=time.fromisoformat(spec["handoff"]),
            tz=spec["tz"],
            kind=RotationKind(spec["kind"]),
            length=timedelta(seconds=spec["length_s"]) if spec.get("length_s") else None,
        )
        restrictions = tuple(_window_from_json(window) for window in item.get("restrictions", []))
        layers.append(Layer(rotation, item.get("name", ""), restrictions))
    return tuple(layers)


def insert_schedule(conn: Connection, schedule: Schedule, now: datetime) -> None:
    """Add a schedule (its overrides are added one by one with :func:`add_override`)."""
    conn.execute(
        insert(schedules).values(
            id=schedule.id,
            name=schedule.name,
            time_zone=schedule.tz,
            layers=layers_to_json(schedule.layers),
            created_at=now,
            updated_at=now,
        )
    )


def update_schedule(conn: Connection, schedule: Schedule, now: datetime) -> bool:
    """Replace the schedule's name, zone and layers; its overrides stay."""
    result = conn.execute(
        update(schedules)
        .where(schedules.c.id == schedule.id)
        .values(
            name=schedule.name,
            time_zone=schedule.tz,
            layers=layers_to_json(schedule.layers),
            updated_at=now,
        )
    )
    return result.rowcount == 1


def touch_schedule(conn: Connection, schedule_id: str, now: datetime) -> None:
    """Mark the schedule changed (an override came or went), so feeds show a new revision."""
    conn.execute(update(schedules).where(schedules.c.id == schedule_id).values(updated_at=now))


def _to_override(row: RowMapping) -> StoredOverride:
    return StoredOverride(
        id=row["id"],
        schedule_id=row["schedule_id"],
        user_id=row["user_id"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        note=row["note"],
        created_by=row["created_by"],
        created_at=row["created_at"],
    )


def _overrides(
    conn: Connection, schedule_ids: Collection[str], since: datetime | None
) -> list[StoredOverride]:
    query = select(schedule_overrides).where(schedule_overrides.c.schedule_id.in_(sorted(schedule_ids)))
    if since is not None:
        query = query.where(schedule_overrides.c.ends_at > since)
    return [_to_override(row) for row in conn.execute(query.order_by(schedule_overrides.c.id)).mappings()]


def _to_stored(row: RowMapping, overrides: Sequence[StoredOverride]) -> StoredSchedule:
    schedule = Schedule(
        id=row["id"],
        name=row["name"],
        tz=row["time_zone"],
        layers=layers_from_json(row["layers"]),
        overrides=tuple(Override(o.user_id, o.starts_at, o.ends_at, str(o.id)) for o in overrides),
    )
    return StoredSchedule(schedule, row["created_at"], row["updated_at"], tuple(overrides))


def load_schedules(
    conn: Connection, schedule_ids: Collection[str] | None = None, *, since: datetime | None = None
) -> dict[str, StoredSchedule]:
    """Schedules by id (all of them when ``schedule_ids`` is ``None``), with their overrides.

    ``since`` leaves out overrides that ended before it: they cannot change who is on call from then on.
    """
    query = select(schedules).order_by(schedules.c.id)
    if schedule_ids is not None:
        if not schedule_ids:
            return {}
        query = query.where(schedules.c.id.in_(sorted(set(schedule_ids))))
    rows = conn.execute(query).mappings().all()
    overrides = _overrides(conn, [row["id"] for row in rows], since)
    return {row["id"]: _to_stored(row, [o for o in overrides if o.schedule_id == row["id"]]) for row in rows}


def get_schedule(
    conn: Connection, schedule_id: str, *, since: datetime | None = None
) -> StoredSchedule | None:
    return load_schedules(conn, [schedule_id], since=since).get(schedule_id)


def list_schedules(conn: Connection, *, since: datetime | None = None) -> list[StoredSchedule]:
    return list(load_schedules(conn, since=since).values())


def delete_schedule(conn: Connection, schedule_id: str) -> bool:
    conn.execute(delete(schedule_overrides).where(schedule_overrides.c.schedule_id == schedule_id))
    delete_feed(conn, FeedSubject("schedule", schedule_id))
    return conn.execute(delete(schedules).where(schedules.c.id == schedule_id)).rowcount == 1


def add_override(
    conn: Connection,
    schedule_id: str,
    override: Override,
    *,
    note: str,
    created_by: str,
    now: datetime,
) -> int:
    """Add an override; returns its id."""
    stmt = insert(schedule_overrides).returning(schedule_overrides.c.id)
    values = {
        "schedule_id": schedule_id,
        "user_id": override.user_id,
        "starts_at": override.start,
        "ends_at": override.end,
        "note": note,
        "created_by": created_by,
        "created_at": now,
    }
    override_id = int(conn.execute(stmt, values).scalar_one())
    touch_schedule(conn, schedule_id, now)
    return override_id


def get_override(conn: Connection, override_id: int) -> StoredOverride | None:
    row = conn.execute(select(schedule_overrides).where(schedule_overrides.c.id == override_id)).mappings()
    found = row.first()
    return _to_override(found) if found else None


def delete_override(conn: Connection, schedule_id: str, override_id: int, now: datetime) -> bool:
    result = conn.execute(
        delete(schedule_overrides).where(
            schedule_overrides.c.id == override_id, schedule_overrides.c.schedule_id == schedule_id
        )
    )
    if result.rowcount != 1:
        return False
    touch_schedule(conn, schedule_id, now)
    return True


def delete_feed(conn: Connection, subject: FeedSubject) -> None:
    """Stop ``subject``'s feed: its token no longer works."""
    conn.execute(
        delete(calendar_feeds).where(
            calendar_feeds.c.subject_kind == subject.kind, calendar_feeds.c.subject_id == subject.id
        )
    )


def set_feed(conn: Connection, subject: FeedSubject, token_digest: str, now: datetime) -> None:
    """Give ``subject`` a (new) feed token digest; an earlier token stops working."""
    delete_feed(conn, subject)
    conn.execute(
        insert(calendar_feeds).values(
            token_digest=token_digest, subject_kind=subject.kind, subject_id=subject.id, created_at=now
        )
    )


def feed_for(conn: Connection, token_digest: str) -> FeedSubject | None:
    """What the feed with this token digest shows, if the token is known."""
    row = conn.execute(select(calendar_feeds).where(calendar_feeds.c.token_digest == token_digest)).mappings()
    found = row.first()
    return FeedSubject(found["subject_kind"], found["subject_id"]) if found else None
