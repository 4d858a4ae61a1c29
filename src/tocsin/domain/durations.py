"""Durations as runbooks write them, and as playbook YAML writes them.

Runbooks say "15 minutes", "< 5 minutes", "Immediate (< 5 minutes)", "Next business day", "0-5 min",
"within 1 hour" or "1h30m". :func:`parse_duration` reads a text that states one duration, and answers
``None`` when the text states none or several (never a guess). :func:`find_duration` picks the first
duration out of a sentence ("P0 incidents not resolved in 30 minutes"), and :func:`parse_window` reads a
time window ("(5-15 min)"). :func:`format_duration` writes the canonical form used in playbook YAML
("1h30m"), which :func:`parse_duration` reads back exactly.

Two readings are choices, documented here so nobody has to guess them:

- A range ("0-5 min", "24-48 hours") as one duration is its upper bound: "within 24-48 hours" is met
  at 48 hours at the latest.
- "Immediate" is zero. "Next business day" is one day, counted in business time (see
  :func:`mentions_business_time`).
"""

from __future__ import annotations

import re
from datetime import timedelta

__all__ = [
    "find_duration",
    "format_duration",
    "mentions_business_time",
    "parse_duration",
    "parse_window",
]

_UNIT_SECONDS: dict[str, float] = {
    "ms": 0.001,
    "msec": 0.001,
    "millisecond": 0.001,
    "milliseconds": 0.001,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "business day": 86400,
    "business days": 86400,
    "working day": 86400,
    "working days": 86400,
    "w": 604800,
    "wk": 604800,
    "wks": 604800,
    "week": 604800,
    "weeks": 604800,
}

_NUMBER_WORDS: dict[str, float] = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty-five": 45,
    "sixty": 60,
    "ninety": 90,
}

# Longest alternatives first so that "minutes" is not read as "m" followed by "inutes".
_UNIT = "|".join(sorted((re.escape(u) for u in _UNIT_SECONDS), key=len, reverse=True))
_NUMBER = r"\d+(?:\.\d+)?|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
# A number and a unit; the unit must end at a word boundary ("5xx", "p95" and "10ms" stay apart).
_AMOUNT = rf"(?:{_NUMBER})\s*(?:{_UNIT})(?![A-Za-z])"
_AMOUNT_RE = re.compile(rf"(?<![\w.])(?P<number>{_NUMBER})\s*(?P<unit>{_UNIT})(?![A-Za-z])", re.IGNORECASE)
# Several amounts written together make one duration: "1 hour 30 minutes", "1h30m", "2 hours and 15 min".
_COMPOUND_RE = re.compile(rf"(?<![\w.]){_AMOUNT}(?:\s*(?:,|and)?\s*{_AMOUNT})*", re.IGNORECASE)
_DASH = r"\s*(?:-|–|—|to)\s*"  # noqa: RUF001  (the en and em dashes are what people type in ranges)
# "0-5 min", "24-48 hours", "5 min - 1 hour".
_RANGE_RE = re.compile(
    rf"(?<![\w.])(?P<low>{_NUMBER})\s*(?P<low_unit>{_UNIT})?(?![A-Za-z]){_DASH}"
    rf"(?P<high>{_NUMBER})\s*(?P<high_unit>{_UNIT})(?![A-Za-z])",
    re.IGNORECASE,
)
_FIRST_RE = re.compile(rf"\bfirst\s+(?P<amount>{_AMOUNT})", re.IGNORECASE)
_HALF_HOUR_RE = re.compile(r"\bhalf\s+(?:an\s+)?hour\b", re.IGNORECASE)
# "every hour", "hourly": one of the unit.
_ONE_UNIT_RE = re.compile(
    r"\b(?:every|each|per)\s+(?P<unit>minute|hour|day|week)\b|\b(?P<adverb>hourly|daily|weekly)\b",
    re.IGNORECASE,
)
_ADVERBS = {"hourly": "hour", "daily": "day", "weekly": "week"}
_IMMEDIATE_RE = re.compile(r"\b(?:immediate(?:ly)?|asap|right away|at once)\b", re.IGNORECASE)
_NEXT_BUSINESS_DAY_RE = re.compile(r"\bnext\s+(?:business|working)\s+day\b", re.IGNORECASE)
_BUSINESS_RE = re.compile(r"\b(?:business|working|office)\s+(?:days?|hours?)\b", re.IGNORECASE)
_CANONICAL_RE = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def _number(text: str) -> float:
    word = text.casefold()
    return _NUMBER_WORDS[word] if word in _NUMBER_WORDS else float(text)


def _seconds(number: str, unit: str) -> float:
    return _number(number) * _UNIT_SECONDS[" ".join(unit.casefold().split())]


def _compound(text: str) -> timedelta:
    return timedelta(seconds=sum(_seconds(m["number"], m["unit"]) for m in _AMOUNT_RE.finditer(text)))


def _range(match: re.Match[str]) -> tuple[timedelta, timedelta]:
    high_unit = match["high_unit"]
    low_unit = match["low_unit"] or high_unit
    return (
        timedelta(seconds=_seconds(match["low"], low_unit)),
        timedelta(seconds=_seconds(match["high"], high_unit)),
    )


def _one_unit(match: re.Match[str]) -> timedelta:
    unit = match["unit"] or _ADVERBS[match["adverb"].casefold()]
    return timedelta(seconds=_UNIT_SECONDS[unit.casefold()])


def parse_window(text: str) -> tuple[timedelta, timedelta] | None:
    """The time window a text states, as (start, end): "(0-5 min)", "30-60 minutes", "first 5 minutes".

    Used for the time boxes of response phases. ``None`` when the text states no window.
    """
    found = _RANGE_RE.search(text)
    if found:
        low, high = _range(found)
        return (low, high) if low <= high else None
    first = _FIRST_RE.search(text)
    if first:
        return timedelta(0), _compound(first["amount"])
    return None


def find_duration(text: str) -> timedelta | None:
    """The first duration written anywhere in ``text``, e.g. 30 minutes in "not resolved in 30 minutes".

    A range counts as its upper bound; "half an hour" is 30 minutes and "the next business day" one day.
    ``None`` when there is none.
    """
    candidates: list[tuple[int, timedelta]] = []
    found_range = _RANGE_RE.search(text)
    if found_range:
        candidates.append((found_range.start(), _range(found_range)[1]))
    compound = _COMPOUND_RE.search(text)
    if compound:
        candidates.append((compound.start(), _compound(compound.group())))
    half = _HALF_HOUR_RE.search(text)
    if half:
        candidates.append((half.start(), timedelta(minutes=30)))
    business = _NEXT_BUSINESS_DAY_RE.search(text)
    if business:
        candidates.append((business.start(), timedelta(days=1)))
    one = _ONE_UNIT_RE.search(text)
    if one:
        candidates.append((one.start(), _one_unit(one)))
    if not candidates:
        return None
    return min(candidates, key=lambda candidate: candidate[0])[1]


def parse_duration(text: str) -> timedelta | None:
    """The one duration a target or deadline states, or ``None`` when it states none or several.

    Reads "15 minutes", "< 5 minutes", "~1h", "within 24 hours", "1h30m", "every hour", "0-5 min" (the upper bound),
    "Immediate" (zero), "Immediate (< 5 minutes)" (the bound wins), "Next business day" (one day) and
    the canonical YAML form from :func:`format_duration`. "N/A", "TBD" or "15 minutes for P1, 1 hour
    for P2" give ``None``: a target nobody stated is unknown, never guessed.
    """
    canonical = _CANONICAL_RE.match(text.strip())
    if canonical and text.strip():
        weeks, days, hours, minutes, seconds = (int(part or 0) for part in canonical.groups())
        return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
    if _HALF_HOUR_RE.search(text):
        return timedelta(minutes=30)
    ranges = list(_RANGE_RE.finditer(text))
    if len(ranges) == 1:
        rest = text[: ranges[0].start()] + text[ranges[0].end() :]
        if not _AMOUNT_RE.search(rest):
            return _range(ranges[0])[1]
        return None
    if ranges:
        return None
    compounds = list(_COMPOUND_RE.finditer(text))
    if len(compounds) == 1:
        return _compound(compounds[0].group())
    if compounds:
        return None
    one = _ONE_UNIT_RE.search(text)
    if one:
        return _one_unit(one)
    if _NEXT_BUSINESS_DAY_RE.search(text):
        return timedelta(days=1)
    if _IMMEDIATE_RE.search(text):
        return timedelta(0)
    return None


def mentions_business_time(text: str) -> bool:
    """Whether a target is counted in business time ("Next business day", "4 business hours")."""
    return bool(_BUSINESS_RE.search(text))


def format_duration(value: timedelta) -> str:
    """The canonical text of a duration, e.g. ``"1h30m"``, ``"2d"``, ``"0s"``; whole seconds only.

    :func:`parse_duration` reads it back to the same value, which keeps playbook YAML round trips exact.
    """
    total = round(value.total_seconds())
    if total < 0:
        raise ValueError(f"a duration cannot be negative: {value}")
    if total == 0:
        return "0s"
    parts = []
    for suffix, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, total = divmod(total, size)
        if count:
            parts.append(f"{count}{suffix}")
    return "".join(parts)
