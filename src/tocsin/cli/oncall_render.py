"""Rich tables for ``tocsin oncall now`` and ``tocsin oncall show S --days 14``.

They take domain objects and compute nothing but presentation: who is on call comes from
:mod:`tocsin.domain.schedule`. Times are shown in the schedule's zone, with the zone's abbreviation so a
row that crosses a daylight-saving change reads right (``Sun 29 Mar 09:00 CEST``). Names are added as
plain :class:`rich.text.Text`, never as markup, because user and schedule names are user input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from rich.table import Table
from rich.text import Text

from tocsin.clock import utc
from tocsin.domain.schedule import (
    Schedule,
    Shift,
    ShiftSource,
    next_handoff,
    on_call_at,
    shifts_between,
)
from tocsin.domain.schedule_window import zone

__all__ = [
    "format_length",
    "format_local",
    "on_call_now_table",
    "schedule_shifts_table",
    "upcoming_shifts_table",
]

NOBODY = "nobody on call"


def format_local(at: datetime, tz: str) -> str:
    """``at`` as local time in ``tz`` for people: ``"Mon 02 Mar 09:00 CET"``."""
    return utc(at).astimezone(zone(tz)).strftime("%a %d %b %H:%M %Z")


def format_length(length: timedelta) -> str:
    """A shift length for people: ``"7d"``, ``"1d 1h"``, ``"23h"``, ``"45m"``."""
    minutes = int(length.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{value}{unit}" for value, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if value]
    return " ".join(parts) or "0m"


def _people(user_ids: Sequence[str], user_names: Mapping[str, str]) -> Text:
    if not user_ids:
        return Text(NOBODY, style="bold red")
    return Text(", ".join(user_names.get(user_id, user_id) for user_id in user_ids))


def on_call_now_table(
    schedules: Sequence[Schedule], at: datetime, *, user_names: Mapping[str, str] | None = None
) -> Table:
    """One row per schedule: who is on call at ``at``, until when, and who comes next."""
    names = user_names or {}
    table = Table(title=f"On call at {format_local(at, 'UTC')}", title_justify="left")
    for column in ("Schedule", "On call", "Until", "Next"):
        table.add_column(column)
    for schedule in schedules:
        handoff = next_handoff(schedule, at)
        table.add_row(
            Text(schedule.name),
            _people(on_call_at(schedule, at), names),
            format_local(handoff.at, schedule.tz) if handoff else "no change ahead",
            _people(handoff.incoming, names) if handoff else Text(""),
        )
    return table


def _origin(schedule: Schedule, shift: Shift) -> str:
    if shift.source is ShiftSource.OVERRIDE:
        return "override"
    layer = schedule.layers[shift.source_index]
    return layer.name or f"layer {shift.source_index + 1}"


def schedule_shifts_table(
    schedule: Schedule,
    shifts: Sequence[Shift],
    start: datetime,
    end: datetime,
    *,
    user_names: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> Table:
    """The shifts of ``schedule`` over ``[start, end)`` in its zone, with gaps in cover shown as rows.

    The shift running at ``now`` (if given) is highlighted.
    """
    names = user_names or {}
    table = Table(title=f"{schedule.name} (times in {schedule.tz})", title_justify="left")
    for column in ("Who", "From", "Until", "Length", "Source"):
        table.add_column(column)
    cursor = utc(start)
    rows: list[tuple[Text, datetime, datetime, str, bool]] = []
    for shift in shifts:
        if shift.start > cursor:
            rows.append((_people((), names), cursor, shift.start, "", False))
        current = now is not None and shift.start <= utc(now) < shift.end
        rows.append(
            (_people((shift.user_id,), names), shift.start, shift.end, _origin(schedule, shift), current)
        )
        cursor = shift.end
    if cursor < utc(end):
        rows.append((_people((), names), cursor, utc(end), "", False))
    for who, begins, ends, origin, current in rows:
        table.add_row(
            who,
            format_local(begins, schedule.tz),
            format_local(ends, schedule.tz),
            format_length(ends - begins),
            origin,
            style="bold" if current else None,
        )
    return table


def upcoming_shifts_table(
    schedule: Schedule, now: datetime, days: int, *, user_names: Mapping[str, str] | None = None
) -> Table:
    """``tocsin oncall show S --days N``: the shifts from ``now`` for the next ``days`` days."""
    end = utc(now) + timedelta(days=days)
    shifts = shifts_between(schedule, now, end)
    return schedule_shifts_table(schedule, shifts, now, end, user_names=user_names, now=now)
