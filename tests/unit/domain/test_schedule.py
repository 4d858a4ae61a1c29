"""On-call schedules: rotations at local wall time across DST, layers, restrictions and overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tocsin.domain.schedule import (
    Handoff,
    Layer,
    Override,
    Rotation,
    RotationKind,
    Schedule,
    Shift,
    ShiftSource,
    TimeWindow,
    Weekday,
    next_handoff,
    on_call_at,
    shifts_between,
)
from tocsin.errors import InvalidInput

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def local(tz: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware local time (first occurrence when the wall time happens twice)."""
    return datetime(year, month, day, hour, minute, tzinfo=tz)


def daily(people: tuple[str, ...], start: date, tz: str, handoff: time = time(9, 0)) -> Schedule:
    rotation = Rotation(people, start, handoff, tz, RotationKind.DAILY)
    return Schedule("s1", "Payments", tz, (Layer(rotation, "primary"),))


def in_zone(shifts: list[Shift], tz: ZoneInfo) -> list[tuple[str, datetime, timedelta]]:
    return [(s.user_id, s.start.astimezone(tz), s.duration) for s in shifts]


# --- daylight-saving changes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz_name", "change_day", "length"),
    [
        ("Europe/Berlin", date(2026, 3, 29), timedelta(hours=23)),  # spring forward
        ("Europe/Berlin", date(2026, 10, 25), timedelta(hours=25)),  # fall back
        ("America/New_York", date(2026, 3, 8), timedelta(hours=23)),
        ("America/New_York", date(2026, 11, 1), timedelta(hours=25)),
    ],
)
def test_daily_handoff_stays_at_local_nine_across_dst(
    tz_name: str, change_day: date, length: timedelta
) -> None:
    tz = ZoneInfo(tz_name)
    schedule = daily(("alice", "bob"), change_day - timedelta(days=3), tz_name)
    window_start = datetime.combine(change_day - timedelta(days=2), time(9), tz)
    window_end = datetime.combine(change_day + timedelta(days=2), time(9), tz)

    shifts = shifts_between(schedule, window_start, window_end)

    assert [s.start.astimezone(tz).time() for s in shifts] == [time(9)] * 4
    assert [s.start.astimezone(tz).date() for s in shifts] == [
        change_day + timedelta(days=offset) for offset in (-2, -1, 0, 1)
    ]
    # The turn that runs over the change (from 09:00 the day before to 09:00 on the day) is 23 or 25 h.
    assert [s.duration for s in shifts] == [
        timedelta(hours=24),
        length,
        timedelta(hours=24),
        timedelta(hours=24),
    ]
    assert [s.user_id for s in shifts] == ["bob", "alice", "bob", "alice"]


def test_weekly_rotation_week_spanning_spring_forward_is_an_hour_short() -> None:
    rotation = Rotation(
        ("alice", "bob"), date(2026, 3, 23), time(10, 0), "Europe/Berlin", RotationKind.WEEKLY
    )
    schedule = Schedule("s", "Weekly", "Europe/Berlin", (Layer(rotation),))

    shifts = shifts_between(schedule, local(BERLIN, 2026, 3, 23, 10), local(BERLIN, 2026, 4, 13, 10))

    assert in_zone(shifts, BERLIN) == [
        ("alice", local(BERLIN, 2026, 3, 23, 10), timedelta(hours=167)),
        ("bob", local(BERLIN, 2026, 3, 30, 10), timedelta(hours=168)),
        ("alice", local(BERLIN, 2026, 4, 6, 10), timedelta(hours=168)),
    ]


def test_custom_twelve_hour_rotation_hands_over_at_nine_and_twenty_one_local_all_year() -> None:
    rotation = Rotation(
        ("day", "night"),
        date(2026, 10, 24),
        time(9),
        "Europe/Berlin",
        RotationKind.CUSTOM,
        timedelta(hours=12),
    )
    schedule = Schedule("s", "Follow the sun", "Europe/Berlin", (Layer(rotation),))

    shifts = shifts_between(schedule, local(BERLIN, 2026, 10, 24, 9), local(BERLIN, 2026, 10, 25, 21))

    assert in_zone(shifts, BERLIN) == [
        ("day", local(BERLIN, 2026, 10, 24, 9), timedelta(hours=12)),
        ("night", local(BERLIN, 2026, 10, 24, 21), timedelta(hours=13)),  # the night clocks go back
        ("day", local(BERLIN, 2026, 10, 25, 9), timedelta(hours=12)),
    ]


def test_handoff_in_the_skipped_hour_happens_just_after_the_gap() -> None:
    # 02:30 does not exist in Berlin on 29 March 2026: that day the handoff is at 03:30 CEST.
    schedule = daily(("alice", "bob"), date(2026, 3, 27), "Europe/Berlin", time(2, 30))

    shifts = shifts_between(schedule, local(BERLIN, 2026, 3, 28, 3), local(BERLIN, 2026, 3, 30, 3))

    assert [s.start.astimezone(BERLIN) for s in shifts] == [
        local(BERLIN, 2026, 3, 28, 3),  # window start, mid-turn
        local(BERLIN, 2026, 3, 29, 3, 30),
        local(BERLIN, 2026, 3, 30, 2, 30),
    ]
    assert shifts[1].duration == timedelta(hours=23)


def test_handoff_in_the_repeated_hour_happens_at_its_first_occurrence() -> None:
    schedule = daily(("alice", "bob"), date(2026, 10, 23), "Europe/Berlin", time(2, 30))

    handoff = next_handoff(schedule, local(BERLIN, 2026, 10, 25, 0))

    assert handoff is not None
    assert handoff.at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, not 02:30 CET


# --- layers, restrictions, overrides ---------------------------------------------------------------


def business_hours_layer_schedule() -> Schedule:
    base = Rotation(("alice", "bob"), date(2026, 3, 2), time(9), "Europe/Berlin", RotationKind.WEEKLY)
    office = Rotation(("carol", "dave"), date(2026, 3, 2), time(9), "Europe/Berlin", RotationKind.DAILY)
    return Schedule(
        "s",
        "Payments",
        "Europe/Berlin",
        (Layer(base, "24x7"), Layer(office, "office hours", (TimeWindow(),))),
    )


def test_a_later_layer_wins_where_it_has_someone_and_earlier_layers_show_through_elsewhere() -> None:
    schedule = business_hours_layer_schedule()

    shifts = shifts_between(schedule, local(BERLIN, 2026, 3, 6, 8), local(BERLIN, 2026, 3, 9, 10))

    assert [
        (s.user_id, s.start.astimezone(BERLIN), s.end.astimezone(BERLIN), s.source_index) for s in shifts
    ] == [
        ("alice", local(BERLIN, 2026, 3, 6, 8), local(BERLIN, 2026, 3, 6, 9), 0),
        ("carol", local(BERLIN, 2026, 3, 6, 9), local(BERLIN, 2026, 3, 6, 17), 1),  # Friday is carol's day
        ("alice", local(BERLIN, 2026, 3, 6, 17), local(BERLIN, 2026, 3, 9, 9), 0),  # the weekend
        ("dave", local(BERLIN, 2026, 3, 9, 9), local(BERLIN, 2026, 3, 9, 10), 1),  # over bob's new week
    ]
    assert on_call_at(schedule, local(BERLIN, 2026, 3, 7, 12)) == ("alice",)


def test_overnight_restriction_covers_the_night_into_the_next_morning() -> None:
    nights = TimeWindow(frozenset(Weekday), time(22), time(6))
    rotation = Rotation(("owl",), date(2026, 1, 1), time(0), "America/New_York", RotationKind.DAILY)
    schedule = Schedule("s", "Nights", "America/New_York", (Layer(rotation, "nights", (nights,)),))

    assert on_call_at(schedule, local(NEW_YORK, 2026, 1, 5, 23)) == ("owl",)
    assert on_call_at(schedule, local(NEW_YORK, 2026, 1, 6, 5, 59)) == ("owl",)
    assert on_call_at(schedule, local(NEW_YORK, 2026, 1, 6, 6)) == ()
    assert on_call_at(schedule, local(NEW_YORK, 2026, 1, 6, 12)) == ()


def test_override_wins_over_every_layer_and_the_later_override_wins_where_two_overlap() -> None:
    schedule = business_hours_layer_schedule()
    first = Override("erin", local(BERLIN, 2026, 3, 6, 12), local(BERLIN, 2026, 3, 6, 20), "o1")
    second = Override("frank", local(BERLIN, 2026, 3, 6, 14), local(BERLIN, 2026, 3, 6, 15), "o2")
    schedule = Schedule(schedule.id, schedule.name, schedule.tz, schedule.layers, (first, second))

    shifts = shifts_between(schedule, local(BERLIN, 2026, 3, 6, 11), local(BERLIN, 2026, 3, 6, 21))

    assert [
        (s.user_id, s.start.astimezone(BERLIN).hour, s.end.astimezone(BERLIN).hour, s.source) for s in shifts
    ] == [
        ("carol", 11, 12, ShiftSource.LAYER),
        ("erin", 12, 14, ShiftSource.OVERRIDE),
        ("frank", 14, 15, ShiftSource.OVERRIDE),
        ("erin", 15, 20, ShiftSource.OVERRIDE),
        ("alice", 20, 21, ShiftSource.LAYER),
    ]
    assert on_call_at(schedule, local(BERLIN, 2026, 3, 6, 14, 30)) == ("frank",)


def test_nobody_is_on_call_before_the_rotation_starts_or_on_an_empty_schedule() -> None:
    schedule = daily(("alice", "bob"), date(2026, 3, 2), "UTC")

    assert on_call_at(schedule, datetime(2026, 3, 2, 8, 59, tzinfo=UTC)) == ()
    assert on_call_at(schedule, datetime(2026, 3, 2, 9, tzinfo=UTC)) == ("alice",)
    assert (
        shifts_between(
            Schedule("e", "Empty"), datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
        )
        == []
    )


def test_consecutive_turns_of_the_same_person_merge_into_one_shift() -> None:
    schedule = daily(("solo",), date(2026, 3, 1), "Europe/Berlin")

    shifts = shifts_between(schedule, local(BERLIN, 2026, 3, 10, 0), local(BERLIN, 2026, 4, 10, 0))

    assert len(shifts) == 1
    assert (shifts[0].user_id, shifts[0].start, shifts[0].end) == (
        "solo",
        local(BERLIN, 2026, 3, 10, 0),
        local(BERLIN, 2026, 4, 10, 0),
    )


def test_shifts_between_an_empty_or_reversed_window_is_empty() -> None:
    schedule = daily(("alice",), date(2026, 3, 1), "UTC")
    moment = datetime(2026, 3, 5, tzinfo=UTC)

    assert shifts_between(schedule, moment, moment) == []
    assert shifts_between(schedule, moment, moment - timedelta(hours=1)) == []


# --- next handoff ----------------------------------------------------------------------------------


def test_next_handoff_names_who_hands_over_to_whom_at_local_handoff_time() -> None:
    schedule = daily(("alice", "bob"), date(2026, 3, 27), "Europe/Berlin")

    handoff = next_handoff(schedule, local(BERLIN, 2026, 3, 28, 23))

    assert handoff == Handoff(local(BERLIN, 2026, 3, 29, 9).astimezone(UTC), ("bob",), ("alice",))


def test_next_handoff_to_nobody_when_a_restricted_layer_goes_off_duty() -> None:
    rotation = Rotation(("carol",), date(2026, 3, 2), time(9), "Europe/Berlin", RotationKind.DAILY)
    schedule = Schedule("s", "Office", "Europe/Berlin", (Layer(rotation, "", (TimeWindow(),)),))

    handoff = next_handoff(schedule, local(BERLIN, 2026, 3, 6, 10))

    assert handoff == Handoff(local(BERLIN, 2026, 3, 6, 17).astimezone(UTC), ("carol",), ())


def test_next_handoff_is_none_when_the_same_person_is_always_on_call() -> None:
    schedule = daily(("solo",), date(2026, 3, 1), "UTC")

    assert next_handoff(schedule, datetime(2026, 3, 5, tzinfo=UTC)) is None


def test_an_override_ending_is_a_handoff_back_to_the_rotation() -> None:
    base = daily(("alice",), date(2026, 3, 1), "UTC")
    swap = Override("bob", datetime(2026, 3, 5, 12, tzinfo=UTC), datetime(2026, 3, 5, 18, tzinfo=UTC))
    schedule = Schedule(base.id, base.name, base.tz, base.layers, (swap,))

    assert next_handoff(schedule, datetime(2026, 3, 5, 13, tzinfo=UTC)) == Handoff(
        datetime(2026, 3, 5, 18, tzinfo=UTC), ("bob",), ("alice",)
    )


# --- validation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Rotation((), date(2026, 1, 1)), "at least one participant"),
        (lambda: Rotation(("a",), date(2026, 1, 1), tz="Mars/Olympus"), "unknown time zone"),
        (lambda: Rotation(("a",), date(2026, 1, 1), kind=RotationKind.CUSTOM), "turn length"),
        (
            lambda: Rotation(
                ("a",), date(2026, 1, 1), kind=RotationKind.CUSTOM, length=timedelta(minutes=30)
            ),
            "at least one hour",
        ),
        (lambda: Rotation(("a",), date(2026, 1, 1), length=timedelta(days=2)), "leave length out"),
        (lambda: Rotation(("a",), datetime(2026, 1, 1, tzinfo=UTC)), "local date"),
        (lambda: Rotation(("a",), date(2026, 1, 1), time(9, tzinfo=UTC)), "local time of day"),
        (
            lambda: Override("a", datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)),
            "end after it starts",
        ),
        (lambda: Schedule("s", "S", "Nowhere/Land"), "unknown time zone"),
        (lambda: TimeWindow(frozenset()), "at least one day"),
    ],
)
def test_invalid_schedule_parts_are_refused_with_a_reason(build: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        build()  # type: ignore[operator]


def test_naive_times_are_refused() -> None:
    schedule = daily(("alice",), date(2026, 3, 1), "UTC")

    with pytest.raises(ValueError, match="naive"):
        on_call_at(schedule, datetime(2026, 3, 5))
    with pytest.raises(ValueError, match="naive"):
        Override("a", datetime(2026, 3, 5), datetime(2026, 3, 6))


# --- properties ------------------------------------------------------------------------------------

ZONES = ("Europe/Berlin", "America/New_York", "UTC", "Australia/Sydney", "Asia/Kolkata")


@st.composite
def rotations(draw: st.DrawFn) -> Rotation:
    kind = draw(st.sampled_from(RotationKind))
    length = draw(st.sampled_from([timedelta(hours=8), timedelta(hours=12), timedelta(days=3)]))
    return Rotation(
        tuple(draw(st.lists(st.sampled_from("abcde"), min_size=1, max_size=4))),
        draw(st.dates(date(2025, 1, 1), date(2027, 12, 31))),
        draw(st.times().map(lambda t: t.replace(second=0, microsecond=0))),
        draw(st.sampled_from(ZONES)),
        kind,
        length if kind is RotationKind.CUSTOM else None,
    )


def naive_oracle(rotation: Rotation, at: datetime) -> str | None:
    """Who is on call at ``at``, by walking handoffs one by one (no index arithmetic)."""
    tz = ZoneInfo(rotation.tz)
    wall = datetime.combine(rotation.start, rotation.handoff)
    if wall.replace(tzinfo=tz) > at:
        return None
    turn = 0
    while (wall + rotation.turn_length).replace(tzinfo=tz) <= at:
        wall += rotation.turn_length
        turn += 1
    return rotation.participants[turn % len(rotation.participants)]


@settings(max_examples=200, deadline=None)
@given(
    rotation=rotations(),
    offset=st.timedeltas(timedelta(0), timedelta(days=40)),
    span=st.timedeltas(timedelta(minutes=1), timedelta(days=20)),
)
def test_an_always_on_layer_covers_the_window_with_no_gaps_or_overlaps(
    rotation: Rotation, offset: timedelta, span: timedelta
) -> None:
    schedule = Schedule("s", "S", rotation.tz, (Layer(rotation),))
    start = rotation.handoff_at(0) + offset
    end = start + span

    shifts = shifts_between(schedule, start, end)

    assert shifts[0].start == start
    assert shifts[-1].end == end
    assert all(a.end == b.start for a, b in pairwise(shifts))
    assert all(s.duration > timedelta(0) for s in shifts)


@settings(max_examples=200, deadline=None)
@given(
    rotation=rotations(),
    offset=st.timedeltas(timedelta(days=-2), timedelta(days=60)),
    probe=st.timedeltas(timedelta(0), timedelta(days=10) - timedelta(microseconds=1)),
    override_at=st.timedeltas(timedelta(0), timedelta(days=10)),
)
def test_on_call_at_agrees_with_shifts_between_and_a_naive_walk_of_the_handoffs(
    rotation: Rotation, offset: timedelta, probe: timedelta, override_at: timedelta
) -> None:
    window_start = rotation.handoff_at(0) + offset
    window_end = window_start + timedelta(days=10)
    swap_start = window_start + override_at
    swap = Override("zed", swap_start, swap_start + timedelta(hours=5))
    plain = Schedule("s", "S", rotation.tz, (Layer(rotation),))
    swapped = Schedule("s", "S", rotation.tz, (Layer(rotation),), (swap,))
    at = window_start + probe

    expected = naive_oracle(rotation, at)
    assert on_call_at(plain, at) == ((expected,) if expected else ())
    covering = [s.user_id for s in shifts_between(swapped, window_start, window_end) if s.start <= at < s.end]
    assert on_call_at(swapped, at) == tuple(covering)
    if swap.start <= at < swap.end:
        assert covering == ["zed"]
