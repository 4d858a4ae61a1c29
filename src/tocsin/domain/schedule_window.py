"""Local wall-clock time for schedules: time zones, weekly windows and the UTC intervals they cover.

People hand over on-call at "09:00 in Berlin", not at a UTC instant, so schedule maths is done on local
wall time and only then turned into aware UTC datetimes. Two rules make that conversion total and
deterministic across daylight-saving changes:

- a local time that happens twice (the hour repeated when clocks go back) means its first occurrence;
- a local time that never happens (the hour skipped when clocks go forward) is read with the offset in
  force before the change, so it lands as far after the gap as it was into it (02:30 becomes 03:30).

Both are what :mod:`zoneinfo` does with ``fold=0``; they are spelled out here because every schedule rule
depends on them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tocsin.clock import utc
from tocsin.errors import InvalidInput

__all__ = [
    "WEEKDAYS",
    "Interval",
    "TimeWindow",
    "Weekday",
    "intersect_intervals",
    "local_to_utc",
    "merge_intervals",
    "window_intervals",
    "zone",
]

Interval = tuple[datetime, datetime]
"""A half-open span of time ``[start, end)`` in aware UTC datetimes."""


class Weekday(IntEnum):
    """Days of the week numbered as :meth:`datetime.date.weekday` numbers them."""

    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


WEEKDAYS = frozenset({Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY, Weekday.FRIDAY})


def zone(name: str) -> ZoneInfo:
    """The IANA time zone called ``name`` (e.g. ``"Europe/Berlin"``); an unknown name is invalid input."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            f"unknown time zone {name!r}: use an IANA name such as 'Europe/Berlin' or 'UTC'",
            code="unknown_time_zone",
        ) from exc


def local_to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant of the naive local wall time ``wall`` in ``tz`` (see the module docstring for DST)."""
    if wall.tzinfo is not None:
        raise ValueError("local_to_utc takes a naive wall-clock time")
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def _check_naive_time(value: time, name: str) -> None:
    if value.tzinfo is not None:
        raise InvalidInput(f"{name} is a local time of day and must not carry a time zone")


@dataclass(frozen=True)
class TimeWindow:
    """A weekly window of local time, e.g. business hours: Monday to Friday, 09:00 to 17:00.

    On each of ``days`` the window opens at ``start``; it closes at ``end`` the same day, or the next day
    when ``end`` is not after ``start`` (``22:00``-``06:00`` is a night; ``00:00``-``00:00`` is the whole
    day). Times are wall-clock times in whatever zone the window is applied in.
    """

    days: frozenset[Weekday] = WEEKDAYS
    start: time = time(9, 0)
    end: time = time(17, 0)

    def __post_init__(self) -> None:
        if not self.days:
            raise InvalidInput("a time window needs at least one day of the week")
        object.__setattr__(self, "days", frozenset(Weekday(day) for day in self.days))
        _check_naive_time(self.start, "a window's start")
        _check_naive_time(self.end, "a window's end")

    def opening_on(self, day: date) -> tuple[datetime, datetime] | None:
        """The naive local ``(opens, closes)`` of the window that opens on ``day``, if it opens that day."""
        if Weekday(day.weekday()) not in self.days:
            return None
        opens = datetime.combine(day, self.start)
        closes = datetime.combine(day, self.end)
        if closes <= opens:
            closes += timedelta(days=1)
        return opens, closes


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort intervals and join those that overlap or touch; empty intervals are dropped."""
    merged: list[Interval] = []
    for start, end in sorted(interval for interval in intervals if interval[0] < interval[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def intersect_intervals(first: Sequence[Interval], second: Sequence[Interval]) -> list[Interval]:
    """The spans covered by both sorted, non-overlapping interval lists."""
    result: list[Interval] = []
    i = j = 0
    while i < len(first) and j < len(second):
        start = max(first[i][0], second[j][0])
        end = min(first[i][1], second[j][1])
        if start < end:
            result.append((start, end))
        if first[i][1] < second[j][1]:
            i += 1
        else:
            j += 1
    return result


def window_intervals(
    windows: Sequence[TimeWindow], tz: str, start: datetime, end: datetime
) -> list[Interval]:
    """The UTC intervals within ``[start, end)`` covered by any of ``windows`` applied in zone ``tz``.

    Used to restrict a schedule layer to, say, business hours, and to find when business hours open.
    """
    start, end = utc(start), utc(end)
    if start >= end:
        return []
    tzinfo = zone(tz)
    # A window can close the day after it opens, so begin one local day early.
    day = start.astimezone(tzinfo).date() - timedelta(days=1)
    last = end.astimezone(tzinfo).date()
    spans: list[Interval] = []
    while day <= last:
        for window in windows:
            opening = window.opening_on(day)
            if opening is None:
                continue
            opens, closes = (local_to_utc(moment, tzinfo) for moment in opening)
            spans.append((max(opens, start), min(closes, end)))
        day += timedelta(days=1)
    return merge_intervals(spans)
