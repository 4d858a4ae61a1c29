"""Each person's notification rules, and business hours in their zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tocsin.domain.notification_rules import (
    BusinessHours,
    ContactAttempt,
    NotificationRule,
    contact_plan,
)
from tocsin.domain.schedule_window import TimeWindow, Weekday
from tocsin.errors import InvalidInput

PAGED = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def test_contact_plan_lists_channels_soonest_first_keeping_rule_order_for_ties() -> None:
    rules = [
        NotificationRule("webhook", timedelta(minutes=2)),
        NotificationRule("slack"),
        NotificationRule("email"),
    ]

    assert contact_plan(rules, PAGED) == [
        ContactAttempt("slack", PAGED, 1),
        ContactAttempt("email", PAGED, 2),
        ContactAttempt("webhook", PAGED + timedelta(minutes=2), 0),
    ]


def test_a_rule_repeated_with_the_same_channel_and_delay_contacts_once() -> None:
    rules = [
        NotificationRule("email"),
        NotificationRule("email"),
        NotificationRule("email", timedelta(minutes=10)),
    ]

    assert [(a.channel_kind, a.due_at - PAGED) for a in contact_plan(rules, PAGED)] == [
        ("email", timedelta(0)),
        ("email", timedelta(minutes=10)),
    ]


def test_no_rules_give_an_empty_plan() -> None:
    assert contact_plan([], PAGED) == []


@pytest.mark.parametrize(
    ("kind", "delay", "message"),
    [
        ("", timedelta(0), "not a channel name"),
        ("Email Me", timedelta(0), "not a channel name"),
        ("email", timedelta(minutes=-1), "cannot be negative"),
    ],
)
def test_invalid_rules_are_refused(kind: str, delay: timedelta, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        NotificationRule(kind, delay)


# --- business hours --------------------------------------------------------------------------------

HOURS = BusinessHours("Europe/Berlin")


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN), True),  # Monday at opening
        (datetime(2026, 3, 2, 16, 59, tzinfo=BERLIN), True),
        (datetime(2026, 3, 2, 17, 0, tzinfo=BERLIN), False),  # closing is exclusive
        (datetime(2026, 3, 2, 8, 59, tzinfo=BERLIN), False),
        (datetime(2026, 3, 7, 12, 0, tzinfo=BERLIN), False),  # Saturday
        (datetime(2026, 3, 30, 9, 30, tzinfo=BERLIN), True),  # the Monday after clocks go forward
    ],
)
def test_is_open_follows_local_weekday_hours(moment: datetime, is_open: bool) -> None:
    assert HOURS.is_open(moment) is is_open


def test_next_open_is_now_during_hours_else_the_next_local_opening_across_dst() -> None:
    friday_evening = datetime(2026, 3, 27, 18, 0, tzinfo=BERLIN)
    during = datetime(2026, 3, 30, 11, 0, tzinfo=BERLIN)

    assert HOURS.next_open(friday_evening) == datetime(2026, 3, 30, 9, 0, tzinfo=BERLIN)  # now CEST
    assert HOURS.next_open(friday_evening) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert HOURS.next_open(during) == during


def test_next_business_day_is_the_opening_of_the_first_business_day_after_today() -> None:
    hours = BusinessHours("America/New_York")

    assert hours.next_business_day(datetime(2026, 3, 6, 20, 0, tzinfo=NEW_YORK)) == datetime(
        2026, 3, 9, 9, 0, tzinfo=NEW_YORK
    )
    assert hours.next_business_day(datetime(2026, 3, 9, 7, 0, tzinfo=NEW_YORK)) == datetime(
        2026, 3, 10, 9, 0, tzinfo=NEW_YORK
    )


def test_closed_dates_are_skipped() -> None:
    hours = BusinessHours("Europe/Berlin", closed_dates=frozenset({date(2026, 4, 3), date(2026, 4, 6)}))
    thursday_evening = datetime(2026, 4, 2, 18, 0, tzinfo=BERLIN)

    assert hours.next_business_day(thursday_evening) == datetime(2026, 4, 7, 9, 0, tzinfo=BERLIN)
    assert hours.is_open(datetime(2026, 4, 3, 10, 0, tzinfo=BERLIN)) is False


def test_custom_window_such_as_a_weekend_night_desk() -> None:
    nights = BusinessHours("UTC", TimeWindow(frozenset({Weekday.SATURDAY}), time(20), time(4)))

    assert nights.is_open(datetime(2026, 3, 8, 3, 0, tzinfo=UTC)) is True  # Sunday 03:00, from Saturday
    assert nights.next_open(datetime(2026, 3, 8, 5, 0, tzinfo=UTC)) == datetime(2026, 3, 14, 20, tzinfo=UTC)


def test_business_hours_that_never_open_are_reported() -> None:
    start = date(2026, 1, 1)
    every_day = frozenset(start + timedelta(days=offset) for offset in range(500))
    hours = BusinessHours("UTC", closed_dates=every_day)

    with pytest.raises(InvalidInput, match="never open"):
        hours.next_open(datetime(2026, 1, 2, tzinfo=UTC))


def test_unknown_zone_is_refused() -> None:
    with pytest.raises(InvalidInput, match="unknown time zone"):
        BusinessHours("Europe/Atlantis")
