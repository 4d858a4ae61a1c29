"""On-call schedules: rotations in layers, overrides, who is on call, and subscribable calendar feeds.

Who is on call is computed, never stored: :mod:`tocsin.domain.schedule` turns a schedule's layers and
overrides into shifts, so ``tocsin oncall``, the escalation engine and the iCalendar feeds agree.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from tocsin.builtin import ical
from tocsin.clock import Clock, utc
from tocsin.domain.incident import check_text
from tocsin.domain.schedule import Handoff, Override, Schedule, next_handoff, on_call_at
from tocsin.errors import Conflict, InvalidInput, NotFound
from tocsin.services.paging_common import PagingConfig, check_slug
from tocsin.services.people import references_to
from tocsin.store import people, schedules
from tocsin.store.db import Database
from tocsin.store.schedules import FeedSubject, StoredOverride, StoredSchedule

__all__ = ["CalendarFeed", "OnCallNow", "ScheduleService"]

# Overrides that ended longer ago than this are history: they are kept, but not loaded to compute cover.
_OVERRIDE_HISTORY = timedelta(days=30)
MAX_LAYERS = 10
MAX_OVERRIDE_LENGTH = timedelta(days=90)


@dataclass(frozen=True)
class OnCallNow:
    """Who is on call on one schedule at a moment, and the next handoff."""

    schedule: Schedule
    user_ids: tuple[str, ...]
    handoff: Handoff | None


@dataclass(frozen=True)
class CalendarFeed:
    """A rendered iCalendar feed with what HTTP caching needs."""

    body: bytes
    etag: str
    last_modified: datetime


class ScheduleService:
    def __init__(self, db: Database, clock: Clock, config: PagingConfig) -> None:
        self.db = db
        self.clock = clock
        self.config = config

    # -- schedules -------------------------------------------------------------------------------------

    def create(self, schedule: Schedule) -> StoredSchedule:
        """Add a schedule (its overrides are added afterwards, one by one)."""
        try:
            with self.db.write() as conn:
                checked = self._check(conn, schedule)
                schedules.insert_schedule(conn, checked, self.clock.now())
                return self._get(conn, checked.id)
        except IntegrityError as exc:
            raise Conflict(f"a schedule with id {schedule.id!r} exists", code="schedule_exists") from exc

    def update(self, schedule: Schedule) -> StoredSchedule:
        """Replace a schedule's name, time zone and layers; its overrides stay."""
        with self.db.write() as conn:
            checked = self._check(conn, schedule)
            if not schedules.update_schedule(conn, checked, self.clock.now()):
                raise _no_schedule(schedule.id)
            return self._get(conn, checked.id)

    def get(self, schedule_id: str) -> StoredSchedule:
        with self.db.read() as conn:
            return self._get(conn, schedule_id)

    def list_schedules(self) -> list[StoredSchedule]:
        with self.db.read() as conn:
            return schedules.list_schedules(conn, since=self._history_start())

    def delete(self, schedule_id: str) -> None:
        """Remove a schedule with its overrides and feed; refused while a policy pages it."""
        with self.db.write() as conn:
            used = references_to(conn, "schedule", schedule_id)
            if used:
                raise Conflict(
                    f"schedule {schedule_id!r} is still paged by {', '.join(used)}; change those first",
                    code="schedule_in_use",
                )
            if not schedules.delete_schedule(conn, schedule_id):
                raise _no_schedule(schedule_id)

    def _check(self, conn: Connection, schedule: Schedule) -> Schedule:
        check_slug("schedule", schedule.id)
        name = check_text("schedule name", schedule.name, 200, required=True)
        if len(schedule.layers) > MAX_LAYERS:
            raise InvalidInput(f"at most {MAX_LAYERS} layers per schedule", code="too_many")
        named = {user for layer in schedule.layers for user in layer.rotation.participants}
        _check_users(conn, named, "participants")
        return replace(schedule, name=name, overrides=())

    def _get(self, conn: Connection, schedule_id: str) -> StoredSchedule:
        found = schedules.get_schedule(conn, schedule_id, since=self._history_start())
        if found is None:
            raise _no_schedule(schedule_id)
        return found

    def _history_start(self) -> datetime:
        return self.clock.now() - _OVERRIDE_HISTORY

    # -- overrides -------------------------------------------------------------------------------------

    def add_override(
        self, schedule_id: str, user_id: str, start: datetime, end: datetime, *, note: str = "", actor: str
    ) -> StoredOverride:
        """Put ``user_id`` on call on the schedule from ``start`` to ``end``, whatever the rotations say."""
        override = Override(user_id, utc(start), utc(end))
        if override.end - override.start > MAX_OVERRIDE_LENGTH:
            raise InvalidInput(
                "an override lasts at most 90 days; change the rotation instead", code="too_long"
            )
        if override.end <= self.clock.now():
            raise InvalidInput(
                "the override would already be over; give an end in the future", code="in_past"
            )
        note = check_text("note", note, 500)
        with self.db.write() as conn:
            self._get(conn, schedule_id)
            _check_users(conn, {user_id}, "user")
            now = self.clock.now()
            override_id = schedules.add_override(
                conn, schedule_id, override, note=note, created_by=actor, now=now
            )
            stored = schedules.get_override(conn, override_id)
            assert stored is not None
            return stored

    def remove_override(self, schedule_id: str, override_id: int) -> None:
        with self.db.write() as conn:
            if not schedules.delete_override(conn, schedule_id, override_id, self.clock.now()):
                raise NotFound(
                    f"schedule {schedule_id!r} has no override {override_id}", code="override_not_found"
                )

    # -- who is on call --------------------------------------------------------------------------------

    def on_call(self, at: datetime | None = None, schedule_id: str | None = None) -> list[OnCallNow]:
        """Who is on call at ``at`` (now by default) on every schedule, or on one."""
        moment = utc(at) if at else self.clock.now()
        with self.db.read() as conn:
            if schedule_id is not None:
                found = [self._get(conn, schedule_id)]
            else:
                found = schedules.list_schedules(conn, since=moment - _OVERRIDE_HISTORY)
        return [
            OnCallNow(s.schedule, on_call_at(s.schedule, moment), next_handoff(s.schedule, moment))
            for s in found
        ]

    def user_names(self) -> dict[str, str]:
        """User id → name, to show people by name."""
        with self.db.read() as conn:
            return {user.id: user.name for user in people.list_users(conn)}

    # -- calendar feeds --------------------------------------------------------------------------------

    def create_feed(self, kind: str, subject_id: str) -> str:
        """A new secret feed URL for a schedule or a user; any earlier URL of it stops working."""
        token = ical.new_feed_token()
        with self.db.write() as conn:
            if kind == "schedule":
                self._get(conn, subject_id)
            elif kind == "user":
                _check_users(conn, {subject_id}, "user")
            else:
                raise InvalidInput(f"a feed is of a schedule or a user, not {kind!r}", code="invalid_feed")
            schedules.set_feed(
                conn, FeedSubject(kind, subject_id), ical.feed_token_digest(token), self.clock.now()
            )
        return self.config.url(f"/calendars/oncall/{token}.ics")

    def render_feed(self, token: str) -> CalendarFeed:
        """The iCalendar feed behind a secret token; an unknown token is NotFound (never a hint)."""
        now = self.clock.now()
        start, end = ical.feed_window(now)
        with self.db.read() as conn:
            subject = schedules.feed_for(conn, ical.feed_token_digest(token))
            if subject is None:
                raise NotFound("no such calendar feed", code="feed_not_found")
            names = {user.id: user.name for user in people.list_users(conn)}
            if subject.kind == "schedule":
                stored = schedules.load_schedules(conn, [subject.id], since=start)
                found = list(stored.values())
            else:
                found = schedules.list_schedules(conn, since=start)
        if subject.kind == "schedule" and not found:
            raise NotFound("no such calendar feed", code="feed_not_found")
        revised = max((s.updated_at for s in found), default=start)
        if subject.kind == "schedule":
            body = ical.schedule_calendar(
                found[0].schedule, start, end, host=self.config.host, revised_at=revised,
                user_names=names, base_url=self.config.public_url,
            )  # fmt: skip
        else:
            body = ical.user_calendar(
                subject.id, [s.schedule for s in found], start, end, host=self.config.host,
                revised_at=revised, user_name=names.get(subject.id), base_url=self.config.public_url,
            )  # fmt: skip
        return CalendarFeed(body, ical.calendar_etag(body), revised)


def _check_users(conn: Connection, user_ids: set[str], field: str) -> None:
    missing = sorted(user_ids - set(people.users_by_id(conn, user_ids)))
    if missing:
        raise InvalidInput(
            f"no such user: {', '.join(missing)}; add them with `tocsin user add`",
            code="unknown_user",
            field=field,
        )


def _no_schedule(schedule_id: str) -> NotFound:
    return NotFound(f"no schedule {schedule_id!r}", code="schedule_not_found")
