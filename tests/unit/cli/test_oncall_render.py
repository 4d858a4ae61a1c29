"""The tables behind ``tocsin oncall now`` and ``tocsin oncall show``, as a terminal shows them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from rich.console import Console
from rich.table import Table

from tocsin.cli.oncall_render import (
    format_length,
    format_local,
    on_call_now_table,
    upcoming_shifts_table,
)
from tocsin.domain.schedule import Layer, Override, Rotation, RotationKind, Schedule, TimeWindow


def text_of(table: Table) -> list[str]:
    console = Console(width=140, record=True, color_system=None)
    console.print(table)
    return [line.rstrip() for line in console.export_text().splitlines()]


def rows_mentioning(lines: list[str], *words: str) -> list[str]:
    return [line for line in lines if all(word in line for word in words)]


def office_schedule() -> Schedule:
    rotation = Rotation(("alice", "bob"), date(2026, 3, 27), time(9), "Europe/Berlin", RotationKind.DAILY)
    swap = Override("carol", datetime(2026, 3, 30, 10, tzinfo=UTC), datetime(2026, 3, 30, 12, tzinfo=UTC))
    return Schedule(
        "pay", "Payments", "Europe/Berlin", (Layer(rotation, "office", (TimeWindow(),)),), (swap,)
    )


def test_show_lists_shifts_in_the_schedule_zone_with_gaps_in_cover_and_sources() -> None:
    lines = text_of(upcoming_shifts_table(office_schedule(), datetime(2026, 3, 27, 10, tzinfo=UTC), 4))

    assert rows_mentioning(lines, "alice", "Fri 27 Mar 11:00 CET", "Fri 27 Mar 17:00 CET", "6h", "office")
    # The weekend, across the change to summer time, has nobody: shown, not hidden.
    assert rows_mentioning(lines, "nobody on call", "Fri 27 Mar 17:00 CET", "Mon 30 Mar 09:00 CEST", "2d 15h")
    assert rows_mentioning(lines, "carol", "Mon 30 Mar 12:00 CEST", "Mon 30 Mar 14:00 CEST", "2h", "override")
    assert "Payments (times in Europe/Berlin)" in lines[0]


def test_now_shows_who_is_on_call_until_when_and_who_is_next() -> None:
    lines = text_of(on_call_now_table([office_schedule()], datetime(2026, 3, 30, 10, 30, tzinfo=UTC)))

    assert rows_mentioning(lines, "Payments", "carol", "Mon 30 Mar 14:00 CEST", "bob")


def test_now_says_when_nobody_is_on_call_and_nothing_changes() -> None:
    empty = Schedule("e", "Empty")

    lines = text_of(on_call_now_table([empty], datetime(2026, 3, 30, tzinfo=UTC)))

    assert rows_mentioning(lines, "Empty", "nobody on call", "no change ahead")


def test_names_are_shown_literally_not_as_markup() -> None:
    rotation = Rotation(("u1",), date(2026, 3, 1), time(9), "UTC", RotationKind.DAILY)
    schedule = Schedule("s", "[red]Ops[/red]", "UTC", (Layer(rotation),))

    lines = text_of(
        on_call_now_table([schedule], datetime(2026, 3, 5, tzinfo=UTC), user_names={"u1": "Mallory [bold]"})
    )

    assert rows_mentioning(lines, "[red]Ops[/red]", "Mallory [bold]")


@pytest.mark.parametrize(
    ("length", "shown"),
    [
        (timedelta(days=7), "7d"),
        (timedelta(hours=25), "1d 1h"),
        (timedelta(hours=23), "23h"),
        (timedelta(minutes=45), "45m"),
        (timedelta(seconds=20), "0m"),
    ],
)
def test_format_length(length: timedelta, shown: str) -> None:
    assert format_length(length) == shown


def test_format_local_uses_the_zone_abbreviation_of_that_moment() -> None:
    assert format_local(datetime(2026, 3, 8, 6, tzinfo=UTC), "America/New_York") == "Sun 08 Mar 01:00 EST"
    assert format_local(datetime(2026, 3, 8, 7, tzinfo=UTC), "America/New_York") == "Sun 08 Mar 03:00 EDT"
