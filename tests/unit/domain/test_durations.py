from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocsin.domain.durations import (
    find_duration,
    format_duration,
    mentions_business_time,
    parse_duration,
    parse_window,
)

MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # every form the seed runbooks use
        ("15 minutes", 15 * MIN),
        ("< 5 minutes", 5 * MIN),
        ("< 15 minutes", 15 * MIN),
        ("< 1 hour", HOUR),
        ("Immediate", timedelta(0)),
        ("Immediate (< 5 minutes)", 5 * MIN),
        ("Next business day", timedelta(days=1)),
        ("1 hour", HOUR),
        ("2 hours", 2 * HOUR),
        ("4 hours", 4 * HOUR),
        ("24 hours", 24 * HOUR),
        ("1 week", timedelta(weeks=1)),
        ("0-5 min", 5 * MIN),
        ("30 min", 30 * MIN),
        ("In 15 minutes", 15 * MIN),
        ("every 15 minutes", 15 * MIN),
        # other ways people write them
        ("within 48 hours", 48 * HOUR),
        ("~1h", HOUR),
        ("1h30m", 90 * MIN),
        ("1 hour 30 minutes", 90 * MIN),
        ("1.5 hours", 90 * MIN),
        ("an hour", HOUR),
        ("half an hour", 30 * MIN),
        ("every hour", HOUR),
        ("hourly", HOUR),
        ("3s", timedelta(seconds=3)),
        ("2 business days", timedelta(days=2)),
        ("24-48 hours", 48 * HOUR),
        ("5 min - 1 hour", HOUR),
        ("ASAP", timedelta(0)),
    ],
)
def test_parse_duration_reads_the_forms_runbooks_use(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "N/A",
        "TBD",
        "best effort",
        "15 minutes for P1, 1 hour for P2",
        "24/7",
        "Performance degradation (>50%)",
    ],
)
def test_parse_duration_answers_none_rather_than_guess(text: str) -> None:
    assert parse_duration(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P0 incidents not resolved in 30 minutes", 30 * MIN),
        ("If unresolved in 1 hour", HOUR),
        ("Schedule post-mortem within 48 hours", 48 * HOUR),
        ("Create within 24-48 hours:", 48 * HOUR),
        ("Write the postmortem by the end of the next business day", timedelta(days=1)),
        ("5xx errors > 1% for 5 minutes", 5 * MIN),
        ("no duration here", None),
        ("p95 latency above 5xx", None),
    ],
)
def test_find_duration_picks_the_first_duration_in_a_sentence(text: str, expected: timedelta | None) -> None:
    assert find_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Phase 1: Detection & Acknowledgment (0-5 min)", (timedelta(0), 5 * MIN)),
        ("Phase 4: Resolution (30-60 min)", (30 * MIN, 60 * MIN)),
        ("2. Initial Response (5-15 minutes)", (5 * MIN, 15 * MIN)),
        ("Immediate Actions (First 5 Minutes)", (timedelta(0), 5 * MIN)),
        ("1-2 hours", (HOUR, 2 * HOUR)),
        ("Phase 2: Assessment", None),
        ("backwards (15-5 min)", None),
    ],
)
def test_parse_window(text: str, expected: tuple[timedelta, timedelta] | None) -> None:
    assert parse_window(text) == expected


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(0), "0s"),
        (5 * MIN, "5m"),
        (90 * MIN, "1h30m"),
        (timedelta(days=1), "1d"),
        (timedelta(weeks=2, hours=3), "2w3h"),
        (timedelta(seconds=61), "1m1s"),
    ],
)
def test_format_duration_writes_the_canonical_form(value: timedelta, text: str) -> None:
    assert format_duration(value) == text


def test_format_duration_refuses_negative_durations() -> None:
    with pytest.raises(ValueError, match="negative"):
        format_duration(timedelta(minutes=-1))


@given(st.integers(min_value=0, max_value=10 * 365 * 86400))
def test_canonical_form_reads_back_to_the_same_duration(seconds: int) -> None:
    value = timedelta(seconds=seconds)
    assert parse_duration(format_duration(value)) == value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Next business day", True),
        ("4 business hours", True),
        ("within 4 hours", False),
        ("Immediate", False),
    ],
)
def test_mentions_business_time(text: str, expected: bool) -> None:
    assert mentions_business_time(text) is expected
