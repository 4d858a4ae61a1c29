"""How each person is reached once they are paged: their notification rules, and business hours.

Who is paged is the escalation policy's business (:mod:`tocsin.domain.escalation`); how and how soon a
paged person is contacted is theirs. Each user keeps an ordered list of :class:`NotificationRule` s such as
"Slack at once, email at once, webhook after 2 minutes"; :func:`contact_plan` turns them into due times
for one page. The engine drops the attempts still pending when the incident is acknowledged.

:class:`BusinessHours` answers "is it business hours?" and "when does the next business day start?", for
severities that do not page out of hours (SEV4: no page, next business day).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from tocsin.clock import utc
from tocsin.domain.schedule_window import TimeWindow, local_to_utc, zone
from tocsin.errors import InvalidInput

__all__ = [
    "DEFAULT_NOTIFICATION_RULES",
    "BusinessHours",
    "ContactAttempt",
    "NotificationRule",
    "contact_plan",
]

# A channel kind names a channel plugin ("email", "slack", "webhook", "pagerduty", "console", ...).
_CHANNEL_KIND = re.compile(r"[a-z][a-z0-9_\-]{0,39}")
# Holidays could close a long run of days; past this, the business hours are taken to be misconfigured.
_SEARCH_DAYS = 400


@dataclass(frozen=True)
class NotificationRule:
    """Reach the user on channel ``channel_kind`` ``delay`` after they are paged."""

    channel_kind: str
    delay: timedelta = timedelta(0)

    def __post_init__(self) -> None:
        if not _CHANNEL_KIND.fullmatch(self.channel_kind):
            raise InvalidInput(
                f"channel kind {self.channel_kind!r} is not a channel name such as 'email' or 'slack'",
                code="invalid_channel_kind",
            )
        if self.delay < timedelta(0):
            raise InvalidInput("a notification rule's delay cannot be negative")


DEFAULT_NOTIFICATION_RULES = (NotificationRule("email"),)
"""What to use for a user who has set no rules: email at once (every user has an address)."""


@dataclass(frozen=True)
class ContactAttempt:
    """Contact the paged user on ``channel_kind`` at ``due_at``.

    ``rule_index`` is the rule's position in the user's list; with the page's identity it makes a stable
    idempotency key for the delivery.
    """

    channel_kind: str
    due_at: datetime
    rule_index: int


def contact_plan(rules: Sequence[NotificationRule], paged_at: datetime) -> list[ContactAttempt]:
    """When to contact a user paged at ``paged_at``, on which channel, soonest first.

    A rule repeated with the same channel and delay is used once. No rules give an empty plan: the caller
    decides what to do about a user it cannot reach (see :data:`DEFAULT_NOTIFICATION_RULES`).
    """
    paged_at = utc(paged_at)
    seen: set[tuple[str, timedelta]] = set()
    plan: list[ContactAttempt] = []
    for index, rule in enumerate(rules):
        if (rule.channel_kind, rule.delay) in seen:
            continue
        seen.add((rule.channel_kind, rule.delay))
        plan.append(ContactAttempt(rule.channel_kind, paged_at + rule.delay, index))
    return sorted(plan, key=lambda attempt: (attempt.due_at, attempt.rule_index))


@dataclass(frozen=True)
class BusinessHours:
    """Business hours in zone ``tz``: by default Monday to Friday, 09:00 to 17:00, less ``closed_dates``.

    ``closed_dates`` are local dates (holidays) on which the window does not open.
    """

    tz: str = "UTC"
    window: TimeWindow = field(default_factory=TimeWindow)
    closed_dates: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        zone(self.tz)
        object.__setattr__(self, "closed_dates", frozenset(self.closed_dates))

    def _openings(self, at: datetime) -> Iterator[tuple[date, datetime, datetime]]:
        """(local date, opens, closes) of each opening from the local day before ``at``'s, in order."""
        tzinfo = zone(self.tz)
        day = at.astimezone(tzinfo).date() - timedelta(days=1)
        for _ in range(_SEARCH_DAYS):
            opening = self.window.opening_on(day)
            if opening is not None and day not in self.closed_dates:
                yield day, local_to_utc(opening[0], tzinfo), local_to_utc(opening[1], tzinfo)
            day += timedelta(days=1)
        raise InvalidInput(
            f"business hours in {self.tz} never open within {_SEARCH_DAYS} days: check the closed dates",
            code="business_hours_never_open",
        )

    def is_open(self, at: datetime) -> bool:
        """Whether ``at`` falls within business hours."""
        at = utc(at)
        for _, opens, closes in self._openings(at):
            if opens > at:
                return False
            if at < closes:
                return True
        raise AssertionError("unreachable: _openings raises when it runs out")  # pragma: no cover

    def next_open(self, at: datetime) -> datetime:
        """``at`` itself during business hours, else the moment business hours next open."""
        at = utc(at)
        for _, opens, closes in self._openings(at):
            if at < closes:
                return max(opens, at)
        raise AssertionError("unreachable: _openings raises when it runs out")  # pragma: no cover

    def next_business_day(self, at: datetime) -> datetime:
        """When business hours open on the first business day after ``at``'s local date.

        Friday evening gives Monday 09:00; Monday at any hour gives Tuesday 09:00 (by default). This is
        the "respond by" of a severity that does not page.
        """
        at = utc(at)
        today = at.astimezone(zone(self.tz)).date()
        for day, opens, _ in self._openings(at):
            if day > today:
                return opens
        raise AssertionError("unreachable: _openings raises when it runs out")  # pragma: no cover
