"""The on-call iCalendar feed, parsed back with icalendar as a calendar app would read it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from tocsin.builtin.ical import (
    CONTENT_TYPE,
    calendar_etag,
    feed_token_digest,
    feed_window,
    new_feed_token,
    schedule_calendar,
    user_calendar,
)
from tocsin.domain.schedule import Layer, Override, Rotation, RotationKind, Schedule, shifts_between

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
REVISED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HOST = "ir.example.org"
NAMES = {"alice": "Alice Example", "bob": "Bob Builder"}


def payments(tz: str = "Europe/Berlin", start: date = date(2026, 3, 27)) -> Schedule:
    rotation = Rotation(("alice", "bob"), start, time(9), tz, RotationKind.DAILY)
    return Schedule("payments", "Payments", tz, (Layer(rotation, "primary"),))


def events(body: bytes) -> list[Event]:
    found = Calendar.from_ical(body).walk("VEVENT")
    assert all(isinstance(event, Event) for event in found)
    return [event for event in found if isinstance(event, Event)]


def render(schedule: Schedule, start: datetime, end: datetime) -> bytes:
    return schedule_calendar(schedule, start, end, host=HOST, revised_at=REVISED, user_names=NAMES)


def test_calendar_carries_the_required_and_recommended_properties() -> None:
    body = render(payments(), datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 3, 30, tzinfo=UTC))
    calendar = Calendar.from_ical(body)

    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]).startswith("-//tocsin//")
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["NAME"]) == str(calendar["X-WR-CALNAME"]) == "On call: Payments"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in body
    assert b"X-PUBLISHED-TTL:PT1H\r\n" in body
    assert CONTENT_TYPE == "text/calendar; charset=utf-8"


def test_each_shift_is_an_event_with_utc_times_matching_the_schedule() -> None:
    schedule = payments()
    start, end = datetime(2026, 3, 27, 8, tzinfo=UTC), datetime(2026, 3, 30, 7, tzinfo=UTC)

    parsed = events(render(schedule, start, end))

    assert [(e.decoded("DTSTART"), e.decoded("DTEND")) for e in parsed] == [
        (s.start, s.end) for s in shifts_between(schedule, start, end)
    ]
    assert [str(e["SUMMARY"]) for e in parsed] == [
        "On call: Payments (primary) - Alice Example",
        "On call: Payments (primary) - Bob Builder",
        "On call: Payments (primary) - Alice Example",
    ]
    first = parsed[0]
    assert first.decoded("DTSTAMP") == first.decoded("LAST-MODIFIED") == REVISED
    assert (str(first["STATUS"]), str(first["TRANSP"]), first.decoded("SEQUENCE")) == (
        "CONFIRMED",
        "TRANSPARENT",
        0,
    )
    assert "DURATION" not in first
    assert "RRULE" not in first


def test_lines_end_in_crlf_and_are_folded_at_75_octets() -> None:
    long_name = "Zahlungsverkehr Bereitschaft \N{EM DASH} Überwachung der Zahlungsschnittstellen ☎ " * 2
    schedule = Schedule("s", long_name, "UTC", payments("UTC").layers)

    body = render(schedule, datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 3, 29, tzinfo=UTC))

    lines = body.split(b"\r\n")
    assert lines[-1] == b""
    assert b"\n" not in body.replace(b"\r\n", b"")
    assert max(len(line) for line in lines) <= 75
    assert str(events(body)[0]["SUMMARY"]).startswith(f"On call: {long_name} (primary)")


def test_text_with_commas_semicolons_and_backslashes_round_trips() -> None:
    schedule = Schedule("s", r"Pay, Ship; Bill\Ops", "UTC", payments("UTC").layers)

    body = render(schedule, datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 3, 28, tzinfo=UTC))

    assert rb"Pay\, Ship\; Bill\\Ops" in body
    assert str(events(body)[0]["SUMMARY"]).startswith(r"On call: Pay, Ship; Bill\Ops")


def test_uids_are_unique_and_stable_when_the_feed_window_moves() -> None:
    schedule = payments()
    earlier = events(
        render(schedule, datetime(2026, 3, 27, 8, tzinfo=UTC), datetime(2026, 4, 3, 7, tzinfo=UTC))
    )
    later = events(
        render(schedule, datetime(2026, 3, 29, 7, tzinfo=UTC), datetime(2026, 4, 6, 7, tzinfo=UTC))
    )

    earlier_uids = {e.decoded("DTSTART"): str(e["UID"]) for e in earlier}
    later_uids = {e.decoded("DTSTART"): str(e["UID"]) for e in later}
    shared = earlier_uids.keys() & later_uids.keys()
    assert len(shared) == 5
    assert all(earlier_uids[moment] == later_uids[moment] for moment in shared)
    assert len(set(earlier_uids.values())) == len(earlier)
    assert all(uid.endswith(f"@{HOST}") for uid in earlier_uids.values())


def test_an_override_changes_the_uid_of_the_shift_it_replaces() -> None:
    base = payments()
    swap = Override("carol", datetime(2026, 3, 28, 8, tzinfo=UTC), datetime(2026, 3, 29, 7, tzinfo=UTC))
    swapped = Schedule(base.id, base.name, base.tz, base.layers, (swap,))
    window = (datetime(2026, 3, 28, 8, tzinfo=UTC), datetime(2026, 3, 29, 7, tzinfo=UTC))

    before, after = events(render(base, *window)), events(render(swapped, *window))

    assert str(after[0]["SUMMARY"]) == "On call: Payments (override) - carol"
    assert str(before[0]["UID"]) != str(after[0]["UID"])


def test_the_same_inputs_give_the_same_bytes_so_the_etag_holds() -> None:
    window = (datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 4, 27, tzinfo=UTC))

    first, second = render(payments(), *window), render(payments(), *window)

    assert first == second
    assert calendar_etag(first) == calendar_etag(second)
    assert calendar_etag(first) != calendar_etag(render(payments(start=date(2026, 3, 28)), *window))


def test_shifts_over_dst_changes_parse_back_at_local_nine_and_23_or_25_hours_long() -> None:
    berlin = events(
        render(payments(), datetime(2026, 3, 28, 8, tzinfo=UTC), datetime(2026, 3, 30, 7, tzinfo=UTC))
    )
    new_york = events(
        render(
            payments("America/New_York", date(2026, 10, 28)),
            datetime(2026, 10, 31, 13, tzinfo=UTC),
            datetime(2026, 11, 2, 14, tzinfo=UTC),
        )
    )

    assert [e.decoded("DTSTART").astimezone(BERLIN).hour for e in berlin] == [9, 9]
    assert [e.decoded("DTEND") - e.decoded("DTSTART") for e in berlin] == [
        timedelta(hours=23),
        timedelta(hours=24),
    ]
    assert [e.decoded("DTSTART").astimezone(NEW_YORK).hour for e in new_york] == [9, 9]
    assert [e.decoded("DTEND") - e.decoded("DTSTART") for e in new_york] == [
        timedelta(hours=25),
        timedelta(hours=24),
    ]


def test_user_feed_has_only_that_users_shifts_across_schedules_in_time_order() -> None:
    other_rotation = Rotation(("alice", "carol"), date(2026, 3, 27), time(21), "UTC", RotationKind.DAILY)
    secondary = Schedule("secondary", "Secondary", "UTC", (Layer(other_rotation),))
    start, end = datetime(2026, 3, 27, 8, tzinfo=UTC), datetime(2026, 3, 29, 8, tzinfo=UTC)

    body = user_calendar(
        "alice",
        [secondary, payments()],
        start,
        end,
        host=HOST,
        revised_at=REVISED,
        user_name="Alice Example",
        base_url="https://ir.example.org/",
    )
    parsed = events(body)

    assert str(Calendar.from_ical(body)["X-WR-CALNAME"]) == "On call: Alice Example"
    assert [(e.decoded("DTSTART"), str(e["SUMMARY"])) for e in parsed] == [
        (datetime(2026, 3, 27, 8, tzinfo=UTC), "On call: Payments (primary) - Alice Example"),
        (datetime(2026, 3, 27, 21, tzinfo=UTC), "On call: Secondary (layer 1) - Alice Example"),
        (datetime(2026, 3, 29, 7, tzinfo=UTC), "On call: Payments (primary) - Alice Example"),  # 09:00 CEST
    ]
    assert str(parsed[0]["URL"]) == "https://ir.example.org/schedules/payments"


def test_feed_tokens_are_long_url_safe_distinct_and_stored_as_digests() -> None:
    tokens = {new_feed_token() for _ in range(50)}

    assert len(tokens) == 50
    assert all(len(token) >= 43 and token.replace("-", "").replace("_", "").isalnum() for token in tokens)
    token = tokens.pop()
    assert feed_token_digest(token) == feed_token_digest(token)
    assert token not in feed_token_digest(token)
    assert len(feed_token_digest(token)) == 64


def test_feed_window_is_the_same_all_day() -> None:
    morning = feed_window(datetime(2026, 3, 2, 0, 5, tzinfo=UTC))
    evening = feed_window(datetime(2026, 3, 2, 23, 55, tzinfo=UTC))

    assert morning == evening == (datetime(2026, 2, 23, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC))
