"""On-call schedules: who is on call when, from layered rotations and temporary overrides.

A :class:`Schedule` stacks :class:`Layer` s, each one :class:`Rotation` optionally restricted to weekly
windows (e.g. business hours). Where a later layer has someone, it wins over earlier layers; where it has
nobody (outside its restriction, or before its rotation starts) the earlier layers show through. An
:class:`Override` (a temporary swap) wins over every layer, and a later override over an earlier one.

Everything here is pure: the functions compute final shifts for any window, so the CLI, the iCalendar
feed and the escalation engine ("who is on call at the moment this step fires") agree by construction.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import pairwise

from tocsin.clock import utc
from tocsin.domain.schedule_rotation import Rotation, RotationKind, rotation_turns
from tocsin.domain.schedule_window import (
    Interval,
    TimeWindow,
    Weekday,
    intersect_intervals,
    window_intervals,
    zone,
)
from tocsin.errors import InvalidInput

__all__ = [
    "Handoff",
    "Layer",
    "Override",
    "Rotation",
    "RotationKind",
    "Schedule",
    "Shift",
    "ShiftSource",
    "TimeWindow",
    "Weekday",
    "next_handoff",
    "on_call_at",
    "shifts_between",
]

# How far ahead next_handoff looks before concluding the same people stay on call.
_HANDOFF_HORIZONS = (timedelta(days=2), timedelta(days=15), timedelta(days=100), timedelta(days=400))
_INSTANT = timedelta(microseconds=1)


@dataclass(frozen=True)
class Layer:
    """One rotation, optionally on duty only within ``restrictions`` (local times in the rotation's zone)."""

    rotation: Rotation
    name: str = ""
    restrictions: tuple[TimeWindow, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "restrictions", tuple(self.restrictions))


@dataclass(frozen=True)
class Override:
    """``user_id`` is on call from ``start`` to ``end`` whatever the layers say (a temporary swap)."""

    user_id: str
    start: datetime
    end: datetime
    id: str = ""

    def __post_init__(self) -> None:
        if not self.user_id:
            raise InvalidInput("an override needs the user id of who takes over")
        object.__setattr__(self, "start", utc(self.start))
        object.__setattr__(self, "end", utc(self.end))
        if self.end <= self.start:
            raise InvalidInput("an override must end after it starts")


@dataclass(frozen=True)
class Schedule:
    """A named on-call schedule; ``tz`` is the zone it is shown in."""

    id: str
    name: str
    tz: str = "UTC"
    layers: tuple[Layer, ...] = ()
    overrides: tuple[Override, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))
        object.__setattr__(self, "overrides", tuple(self.overrides))
        zone(self.tz)


class ShiftSource(StrEnum):
    LAYER = "layer"
    OVERRIDE = "override"


@dataclass(frozen=True)
class Shift:
    """A final stretch of on-call time for one user, in UTC.

    ``source_index`` is the position in :attr:`Schedule.layers` or :attr:`Schedule.overrides`, per ``source``.
    """

    user_id: str
    start: datetime
    end: datetime
    source: ShiftSource
    source_index: int

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True)
class Handoff:
    """The moment the people on call change: ``outgoing`` hand over to ``incoming`` (either may be empty)."""

    at: datetime
    outgoing: tuple[str, ...]
    incoming: tuple[str, ...]


@dataclass(frozen=True)
class _Piece:
    user_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class _LayerPieces:
    pieces: list[_Piece]
    starts: list[datetime]

    def covering(self, at: datetime) -> _Piece | None:
        position = bisect_right(self.starts, at) - 1
        if position >= 0 and self.pieces[position].end > at:
            return self.pieces[position]
        return None


def _layer_pieces(layer: Layer, start: datetime, end: datetime) -> _LayerPieces:
    """The layer's on-duty stretches within ``[start, end)``: turns cut to the window and restrictions."""
    rotation = layer.rotation
    pieces: list[_Piece] = []
    for turn in rotation_turns(rotation, start, end):
        span: Sequence[Interval] = [(max(turn.start, start), min(turn.end, end))]
        if layer.restrictions:
            allowed = window_intervals(layer.restrictions, rotation.tz, span[0][0], span[0][1])
            span = intersect_intervals(span, allowed)
        pieces.extend(_Piece(turn.user_id, s, e) for s, e in span)
    return _LayerPieces(pieces, [piece.start for piece in pieces])


_Owner = tuple[str, ShiftSource, int]  # who, and from which layer or override


def _owner(schedule: Schedule, layers: Sequence[_LayerPieces], at: datetime) -> _Owner | None:
    """Who is on call at ``at``, or ``None``: the last override covering it, else the top-most layer."""
    for index in range(len(schedule.overrides) - 1, -1, -1):
        override = schedule.overrides[index]
        if override.start <= at < override.end:
            return override.user_id, ShiftSource.OVERRIDE, index
    for index in range(len(layers) - 1, -1, -1):
        piece = layers[index].covering(at)
        if piece is not None:
            return piece.user_id, ShiftSource.LAYER, index
    return None


def shifts_between(schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    """The final shifts in ``[start, end)``, after layers and overrides, cut to the window, in time order.

    Consecutive stretches of the same user from the same layer (or override) are merged into one shift;
    a stretch where nobody is on call is simply absent. Used for ``tocsin oncall show``, the iCalendar feed
    and on-call load metrics.
    """
    start, end = utc(start), utc(end)
    if start >= end:
        return []
    layers = [_layer_pieces(layer, start, end) for layer in schedule.layers]
    # Who is on call can only change where a layer piece or an override begins or ends.
    cuts = {start, end}
    cuts.update(moment for pieces in layers for piece in pieces.pieces for moment in (piece.start, piece.end))
    for override in schedule.overrides:
        cuts.update(moment for moment in (override.start, override.end) if start < moment < end)
    shifts: list[Shift] = []
    for begins, ends in pairwise(sorted(cuts)):
        owner = _owner(schedule, layers, begins)
        if owner is None:
            continue
        last = shifts[-1] if shifts else None
        if (
            last is not None
            and last.end == begins
            and (last.user_id, last.source, last.source_index) == owner
        ):
            shifts[-1] = Shift(last.user_id, last.start, ends, last.source, last.source_index)
        else:
            shifts.append(Shift(owner[0], begins, ends, owner[1], owner[2]))
    return shifts


def on_call_at(schedule: Schedule, at: datetime) -> tuple[str, ...]:
    """The user ids on call at ``at``: empty when nobody is, otherwise (today) exactly one.

    The escalation engine calls this when a step fires, so a handoff mid-escalation pages the new person.
    """
    shifts = shifts_between(schedule, at, utc(at) + _INSTANT)
    return tuple(shift.user_id for shift in shifts)


def _stretches(
    shifts: Sequence[Shift], start: datetime, end: datetime
) -> Iterator[tuple[datetime, tuple[str, ...]]]:
    """Walk ``[start, end)`` as (moment, people on call from then), including stretches with nobody."""
    cursor = start
    for shift in shifts:
        if shift.start > cursor:
            yield cursor, ()
        yield shift.start, (shift.user_id,)
        cursor = shift.end
    if cursor < end:
        yield cursor, ()


def next_handoff(schedule: Schedule, at: datetime) -> Handoff | None:
    """The first moment after ``at`` at which the people on call change, or ``None`` if they never do.

    "Never" means not within about a year (e.g. a one-person rotation with no overrides). A change of
    layer or an override that keeps the same person on call is not a handoff.
    """
    at = utc(at)
    current = on_call_at(schedule, at)
    for horizon in _HANDOFF_HORIZONS:
        end = at + horizon
        for moment, people in _stretches(shifts_between(schedule, at, end), at, end):
            if people != current:
                return Handoff(moment, current, people)
    return None
