"""Subscribable iCalendar (RFC 5545) feeds of on-call shifts, per schedule and per user.

Served at ``GET /calendars/oncall/<token>.ics`` with :data:`CONTENT_TYPE`; calendar apps cannot send
credentials, so the long random token in the URL is the secret (:func:`new_feed_token`), and the store
keeps only its digest (:func:`feed_token_digest`). The format follows PROTOCOLS.md §8:

- one VEVENT per final shift (overrides already applied; no RRULE), times in UTC;
- a UID stable per shift, so clients match updates; DTSTAMP and LAST-MODIFIED are when the schedule last
  changed (not the time of the request, so an unchanged feed is byte-for-byte the same and its ETag holds);
- TRANSP:TRANSPARENT, so being on call does not block free/busy;
- NAME and X-WR-CALNAME, REFRESH-INTERVAL and X-PUBLISHED-TTL as refresh hints.

The :mod:`icalendar` package does the CRLF line endings, folding at 75 octets and TEXT escaping.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vDuration

from tocsin.clock import utc
from tocsin.domain.schedule import Schedule, Shift, ShiftSource, shifts_between

__all__ = [
    "CONTENT_TYPE",
    "calendar_etag",
    "feed_token_digest",
    "feed_window",
    "new_feed_token",
    "schedule_calendar",
    "shift_uid",
    "user_calendar",
]

CONTENT_TYPE = "text/calendar; charset=utf-8"
PRODID = "-//tocsin//On-call feed 1.0//EN"
DEFAULT_REFRESH = timedelta(hours=1)


def new_feed_token() -> str:
    """A new unguessable feed token (256 random bits, URL-safe), for a feed's secret URL."""
    return secrets.token_urlsafe(32)


def feed_token_digest(token: str) -> str:
    """What the store keeps of a feed token: its SHA-256, so a leaked database does not leak feed URLs."""
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_etag(body: bytes) -> str:
    """A strong ETag for a rendered feed."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def feed_window(
    now: datetime, *, past: timedelta = timedelta(days=7), future: timedelta = timedelta(days=90)
) -> tuple[datetime, datetime]:
    """The span a feed covers: from ``past`` before ``now`` to ``future`` after it, at UTC midnights.

    Snapping to midnight keeps the feed (and the UID of its first, cut-off shift) the same all day.
    """
    midnight = utc(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight - past, midnight + future + timedelta(days=1)


def shift_uid(schedule_id: str, shift: Shift, host: str) -> str:
    """A UID that stays the same for a shift across fetches: who, from which layer or override, from when."""
    identity = "\0".join(
        (schedule_id, shift.user_id, shift.source.value, str(shift.source_index), shift.start.isoformat())
    )
    return f"shift-{hashlib.sha256(identity.encode()).hexdigest()[:32]}@{host}"


def _calendar(name: str, refresh: timedelta) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", vDuration(refresh), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(refresh))
    return calendar


def _origin(schedule: Schedule, shift: Shift) -> str:
    """Where a shift comes from, for people: the layer's name, or "override"."""
    if shift.source is ShiftSource.OVERRIDE:
        return "override"
    layer = schedule.layers[shift.source_index]
    return layer.name or f"layer {shift.source_index + 1}"


def _event(
    schedule: Schedule, shift: Shift, person: str, *, host: str, revised_at: datetime, base_url: str | None
) -> Event:
    origin = _origin(schedule, shift)
    event = Event()
    event.add("uid", shift_uid(schedule.id, shift, host))
    event.add("dtstamp", revised_at)
    event.add("last-modified", revised_at)
    event.add("sequence", 0)
    event.add("dtstart", shift.start.astimezone(UTC))
    event.add("dtend", shift.end.astimezone(UTC))
    event.add("summary", f"On call: {schedule.name} ({origin}) - {person}")
    lines = [f"Schedule: {schedule.name}", f"From: {origin}", f"Schedule time zone: {schedule.tz}"]
    if base_url:
        url = f"{base_url.rstrip('/')}/schedules/{schedule.id}"
        lines.append(f"Details: {url}")
        event.add("url", url)
    event.add("description", "\n".join(lines))
    event.add("status", "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    event.add("categories", ["on-call"])
    return event


def schedule_calendar(
    schedule: Schedule,
    start: datetime,
    end: datetime,
    *,
    host: str,
    revised_at: datetime,
    user_names: Mapping[str, str] | None = None,
    base_url: str | None = None,
    refresh: timedelta = DEFAULT_REFRESH,
) -> bytes:
    """The feed of everyone's shifts on ``schedule`` within ``[start, end)`` (see :func:`feed_window`).

    ``host`` is the domain part of each UID; ``revised_at`` is when the schedule or its overrides last
    changed; ``user_names`` turns user ids into the names shown (an id without a name is shown as is).
    """
    names = user_names or {}
    calendar = _calendar(f"On call: {schedule.name}", refresh)
    for shift in shifts_between(schedule, start, end):
        person = names.get(shift.user_id, shift.user_id)
        calendar.add_component(
            _event(schedule, shift, person, host=host, revised_at=utc(revised_at), base_url=base_url)
        )
    body: bytes = calendar.to_ical()
    return body


def user_calendar(
    user_id: str,
    schedules: Sequence[Schedule],
    start: datetime,
    end: datetime,
    *,
    host: str,
    revised_at: datetime,
    user_name: str | None = None,
    base_url: str | None = None,
    refresh: timedelta = DEFAULT_REFRESH,
) -> bytes:
    """The feed of one user's own shifts on every schedule in ``schedules``, within ``[start, end)``."""
    person = user_name or user_id
    calendar = _calendar(f"On call: {person}", refresh)
    events: list[tuple[datetime, str, Event]] = []
    for schedule in schedules:
        for shift in shifts_between(schedule, start, end):
            if shift.user_id == user_id:
                event = _event(
                    schedule, shift, person, host=host, revised_at=utc(revised_at), base_url=base_url
                )
                events.append((shift.start, schedule.id, event))
    for _, _, event in sorted(events, key=lambda item: (item[0], item[1])):
        calendar.add_component(event)
    body: bytes = calendar.to_ical()
    return body
