"""Rotations: ordered participants taking turns of a fixed length, handing over at local wall time.

Handoff ``n`` happens at the local wall time ``start + handoff + n * turn length`` in the rotation's zone,
so a daily 09:00 handoff in Berlin is at 09:00 in winter and in summer, and the turn that spans a
daylight-saving change lasts 23 or 25 hours. Custom lengths follow the same rule (a 12-hour rotation
hands over at 09:00 and 21:00 all year). See :mod:`tocsin.domain.schedule_window` for local times that
are skipped or repeated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from tocsin.clock import utc
from tocsin.domain.schedule_window import local_to_utc, zone
from tocsin.errors import InvalidInput

__all__ = ["MIN_TURN_LENGTH", "Rotation", "RotationKind", "Turn", "rotation_turns"]

# Shorter turns are not a rotation people can staff, and a turn must outlast a daylight-saving gap
# (one hour) for handoffs to stay in order.
MIN_TURN_LENGTH = timedelta(hours=1)


class RotationKind(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    CUSTOM = "custom"


@dataclass(frozen=True)
class Rotation:
    """Participants (user ids, in order) taking turns; the first turn starts on ``start`` at ``handoff``.

    ``start`` is a local date in ``tz`` (for a weekly rotation it also fixes the weekday of the handoff);
    ``handoff`` is the local time of day. ``length`` is the turn length of a ``CUSTOM`` rotation and must
    be left out for daily and weekly ones. A user may appear more than once in ``participants``.
    """

    participants: tuple[str, ...]
    start: date
    handoff: time = time(9, 0)
    tz: str = "UTC"
    kind: RotationKind = RotationKind.WEEKLY
    length: timedelta | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "participants", tuple(self.participants))
        if not self.participants or any(not user for user in self.participants):
            raise InvalidInput("a rotation needs at least one participant, each a user id")
        if isinstance(self.start, datetime):
            raise InvalidInput("a rotation's start is a local date; its time of day is the handoff time")
        if self.handoff.tzinfo is not None:
            raise InvalidInput("the handoff is a local time of day; give the zone as the rotation's tz")
        zone(self.tz)
        if self.kind is RotationKind.CUSTOM:
            if self.length is None or self.length < MIN_TURN_LENGTH:
                raise InvalidInput("a custom rotation needs a turn length of at least one hour")
        elif self.length is not None:
            raise InvalidInput(f"a {self.kind.value} rotation has a fixed turn length; leave length out")

    @property
    def turn_length(self) -> timedelta:
        """How much local wall time one turn covers."""
        if self.kind is RotationKind.DAILY:
            return timedelta(days=1)
        if self.kind is RotationKind.WEEKLY:
            return timedelta(weeks=1)
        assert self.length is not None  # checked in __post_init__
        return self.length

    def handoff_at(self, index: int) -> datetime:
        """The UTC instant at which turn ``index`` begins (turn 0 is the first)."""
        anchor = datetime.combine(self.start, self.handoff)
        return local_to_utc(anchor + index * self.turn_length, zone(self.tz))

    def participant(self, index: int) -> str:
        """The user whose turn ``index`` is."""
        return self.participants[index % len(self.participants)]

    def turn_index_at(self, at: datetime) -> int:
        """The index of the turn that contains ``at``; negative before the rotation starts."""
        at = utc(at)
        anchor = datetime.combine(self.start, self.handoff)
        wall = at.astimezone(zone(self.tz)).replace(tzinfo=None)
        index = (wall - anchor) // self.turn_length
        # The wall-time estimate can be one turn off around a daylight-saving change: settle on real instants.
        while self.handoff_at(index) > at:
            index -= 1
        while self.handoff_at(index + 1) <= at:
            index += 1
        return index


@dataclass(frozen=True)
class Turn:
    """One participant's turn: ``[start, end)`` in UTC."""

    user_id: str
    start: datetime
    end: datetime
    index: int


def rotation_turns(rotation: Rotation, start: datetime, end: datetime) -> list[Turn]:
    """The turns of ``rotation`` that overlap ``[start, end)``, whole (not cut at the window's edges).

    Nothing is on before the rotation's first handoff. A turn whose handoffs collapse onto one instant
    (a handoff inside a skipped daylight-saving hour) is empty and left out.
    """
    start, end = utc(start), utc(end)
    turns: list[Turn] = []
    index = max(rotation.turn_index_at(start), 0)
    begins = rotation.handoff_at(index)
    while begins < end:
        ends = max(rotation.handoff_at(index + 1), begins)
        if ends > begins and ends > start:
            turns.append(Turn(rotation.participant(index), begins, ends, index))
        index += 1
        begins = ends
    return turns
