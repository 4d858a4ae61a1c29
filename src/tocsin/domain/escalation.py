"""Escalation policies: who is paged, in which order, and when, until someone acknowledges.

A policy is an ordered list of levels. Level 1 is paged when the escalation starts; each level's
``delay`` is how long to wait for an acknowledgement after paging it before paging the next level (and,
after the last level, before the path starts again, ``repeat`` more times). This is PagerDuty's and
GoAlert's reading of a step delay.

When an incident starts, its policy is frozen into it (:class:`FrozenEscalation`): editing the policy
later never changes a running escalation. The engine keeps one due step per incident and calls
:func:`next_step_after` to schedule the following one; when a step fires it calls
:func:`resolve_targets` at that moment, so a schedule target pages whoever is on call *then*.

Who is paged lives here; how a paged person is reached is theirs (:mod:`tocsin.domain.notification_rules`).
Routing by severity is in :mod:`tocsin.domain.escalation_routing` and re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tocsin.clock import utc
from tocsin.domain.escalation_routing import SeverityRoute, SeverityRouting, escalation_start
from tocsin.domain.schedule import Schedule, on_call_at
from tocsin.errors import InvalidInput

__all__ = [
    "MAX_REPEAT",
    "EscalationLevel",
    "EscalationPolicy",
    "EscalationStep",
    "EscalationTarget",
    "FrozenEscalation",
    "MissReason",
    "PathTimes",
    "ScheduleTarget",
    "SeverityRoute",
    "SeverityRouting",
    "TargetMiss",
    "TargetResolution",
    "TeamTarget",
    "UserTarget",
    "escalation_start",
    "escalation_steps",
    "next_step_after",
    "policy_from_playbook_escalation",
    "resolve_targets",
    "unassigned_levels",
]

# A path repeated more than this is a misconfiguration that would page people all night.
MAX_REPEAT = 9


@dataclass(frozen=True)
class UserTarget:
    """Page this user."""

    user_id: str


@dataclass(frozen=True)
class ScheduleTarget:
    """Page whoever is on call on this schedule when the step fires."""

    schedule_id: str


@dataclass(frozen=True)
class TeamTarget:
    """Page every member of this team."""

    team_id: str


EscalationTarget = UserTarget | ScheduleTarget | TeamTarget


@dataclass(frozen=True)
class EscalationLevel:
    """One level of a policy: page ``targets``, then wait ``delay`` for an acknowledgement.

    ``label`` is the role the level stands for ("Team Lead"), as a runbook names it. A level may have no
    targets yet (built from a runbook, not assigned): it then pages nobody, which
    :func:`unassigned_levels` reports.
    """

    delay: timedelta
    targets: tuple[EscalationTarget, ...] = ()
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "targets", tuple(self.targets))
        if self.delay < timedelta(0):
            raise InvalidInput("an escalation level's delay cannot be negative")


@dataclass(frozen=True)
class EscalationPolicy:
    """An ordered escalation path; after the last level it starts over ``repeat`` more times."""

    id: str
    name: str
    levels: tuple[EscalationLevel, ...]
    repeat: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "levels", tuple(self.levels))
        if not self.levels:
            raise InvalidInput(f"escalation policy {self.name!r} needs at least one level")
        if not 0 <= self.repeat <= MAX_REPEAT:
            raise InvalidInput(f"an escalation path repeats between 0 and {MAX_REPEAT} times")
        if self.repeat and self.levels[-1].delay <= timedelta(0):
            raise InvalidInput(
                "a repeating escalation path needs a delay on its last level, or the first level would be "
                "paged again at the same moment"
            )


@dataclass(frozen=True)
class EscalationStep:
    """Page level ``level_index`` (0-based) in pass ``round`` (0 is the first pass) at ``due_at``."""

    level_index: int
    round: int
    due_at: datetime

    @property
    def key(self) -> str:
        """A short stable name for the step, for job tokens and idempotency keys (``"r0l1"``)."""
        return f"r{self.round}l{self.level_index}"


def escalation_steps(policy: EscalationPolicy, started_at: datetime) -> list[EscalationStep]:
    """Every step of ``policy`` for an escalation started at ``started_at``, in firing order.

    The first level is due at ``started_at``; each next one a level's delay later.
    """
    due = utc(started_at)
    steps: list[EscalationStep] = []
    for round_ in range(policy.repeat + 1):
        for index, level in enumerate(policy.levels):
            steps.append(EscalationStep(index, round_, due))
            due += level.delay
    return steps


def next_step_after(
    policy: EscalationPolicy, started_at: datetime, step: EscalationStep | None
) -> EscalationStep | None:
    """The step that follows ``step`` (the first one when ``step`` is ``None``), or ``None`` at the end."""
    steps = escalation_steps(policy, started_at)
    if step is None:
        return steps[0]
    position = step.round * len(policy.levels) + step.level_index
    if not 0 <= step.level_index < len(policy.levels) or not 0 <= position < len(steps):
        raise InvalidInput(f"step {step.key} is not part of escalation policy {policy.name!r}")
    return steps[position + 1] if position + 1 < len(steps) else None


def unassigned_levels(policy: EscalationPolicy) -> list[int]:
    """The 0-based indexes of levels with no targets: they would page nobody."""
    return [index for index, level in enumerate(policy.levels) if not level.targets]


@dataclass(frozen=True)
class FrozenEscalation:
    """The policy an incident escalates by, as it was when the escalation started.

    The policy's dataclasses are immutable, so holding it is the snapshot; the store persists it with
    :mod:`tocsin.domain.escalation_codec`.
    """

    policy: EscalationPolicy
    started_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "started_at", utc(self.started_at))

    def steps(self) -> list[EscalationStep]:
        """Every step of the escalation, in firing order."""
        return escalation_steps(self.policy, self.started_at)

    def first_step(self) -> EscalationStep:
        """Level 1, due when the escalation started."""
        return escalation_steps(self.policy, self.started_at)[0]

    def next_step_after(self, step: EscalationStep) -> EscalationStep | None:
        """The step to schedule once ``step`` has fired, or ``None`` when the path is exhausted."""
        return next_step_after(self.policy, self.started_at, step)

    def level(self, step: EscalationStep) -> EscalationLevel:
        """The level ``step`` pages."""
        return self.policy.levels[step.level_index]


class MissReason(StrEnum):
    UNKNOWN_USER = "unknown_user"
    UNKNOWN_SCHEDULE = "unknown_schedule"
    UNKNOWN_TEAM = "unknown_team"
    NOBODY_ON_CALL = "nobody_on_call"
    EMPTY_TEAM = "empty_team"


@dataclass(frozen=True)
class TargetMiss:
    """A target that gave nobody to page, and why; the engine records it in the incident's timeline."""

    target: EscalationTarget
    reason: MissReason


@dataclass(frozen=True)
class TargetResolution:
    """The users to page for one level (each once, in target order), and the targets that gave nobody."""

    user_ids: tuple[str, ...]
    misses: tuple[TargetMiss, ...] = ()


def _resolve_one(
    target: EscalationTarget,
    at: datetime,
    schedules: Mapping[str, Schedule],
    teams: Mapping[str, Sequence[str]],
    known_users: Set[str] | None,
) -> tuple[tuple[str, ...], MissReason | None]:
    match target:
        case UserTarget(user_id=user_id):
            if known_users is not None and user_id not in known_users:
                return (), MissReason.UNKNOWN_USER
            return (user_id,), None
        case ScheduleTarget(schedule_id=schedule_id):
            schedule = schedules.get(schedule_id)
            if schedule is None:
                return (), MissReason.UNKNOWN_SCHEDULE
            people = on_call_at(schedule, at)
            return people, None if people else MissReason.NOBODY_ON_CALL
        case TeamTarget(team_id=team_id):
            members = teams.get(team_id)
            if members is None:
                return (), MissReason.UNKNOWN_TEAM
            if isinstance(members, str):  # a str is a Sequence[str] too: one id would page its letters
                raise TypeError(f"team {team_id!r}: members must be a sequence of user ids, not one string")
            return tuple(members), None if members else MissReason.EMPTY_TEAM


def resolve_targets(
    level: EscalationLevel,
    at: datetime,
    schedules: Mapping[str, Schedule],
    teams: Mapping[str, Sequence[str]],
    *,
    known_users: Set[str] | None = None,
) -> TargetResolution:
    """Who ``level`` pages when it fires at ``at``.

    A schedule target gives whoever is on call at ``at`` (so a handoff during an escalation pages the new
    person); a team target gives its members (``teams`` maps team id to member user ids). When
    ``known_users`` is given, a user target outside it (a deleted user) is a miss rather than a page.
    """
    at = utc(at)
    users: dict[str, None] = {}
    misses: list[TargetMiss] = []
    for target in level.targets:
        found, miss = _resolve_one(target, at, schedules, teams, known_users)
        users.update(dict.fromkeys(found))
        if miss is not None:
            misses.append(TargetMiss(target, miss))
    return TargetResolution(tuple(users), tuple(misses))


class PathTimes(StrEnum):
    """How the times in a runbook's escalation path are read; both count from the incident's start.

    ``RESPOND_BY`` (seed 004, "L2: Team Lead (15 min)"): the time by which that level must have responded,
    so the next level is paged at that time. ``PAGE_AT`` (seed 001, "Team Lead (If unresolved in 1 hour)"):
    the time at which that level is paged.
    """

    RESPOND_BY = "respond_by"
    PAGE_AT = "page_at"


def _role_key(label: str) -> str:
    return " ".join(label.split()).casefold()


def _page_offsets(
    levels: Sequence[tuple[str, timedelta | None]], times: PathTimes
) -> tuple[list[timedelta], timedelta | None]:
    """When each level is paged, counted from the start, and when the last level's time runs out."""
    offsets = [timedelta(0)]
    for position in range(1, len(levels)):
        if times is PathTimes.RESPOND_BY:
            label, offset = levels[position - 1]
            missing = (
                f"level {position} ({label}) has no time, so it is unknown when level {position + 1} is paged"
            )
        else:
            label, offset = levels[position]
            missing = f"level {position + 1} ({label}) has no time, so it is unknown when it is paged"
        if offset is None:
            raise InvalidInput(f"escalation path: {missing}", code="escalation_time_missing")
        offsets.append(offset)
    last = levels[-1][1] if times is PathTimes.RESPOND_BY else None
    return offsets, last


def _delays(labels: Sequence[str], offsets: Sequence[timedelta], last: timedelta | None) -> list[timedelta]:
    ends = [*offsets[1:], last if last is not None else offsets[-1]]
    for position, (begins, ends_at) in enumerate(zip(offsets, ends, strict=True)):
        if ends_at <= begins and (position < len(offsets) - 1 or last is not None):
            raise InvalidInput(
                f"escalation path: the times must grow from level to level (each counts from the incident's "
                f"start), but level {position + 1} ({labels[position]}) would get no time to respond",
                code="escalation_times_not_increasing",
            )
    return [ends_at - begins for begins, ends_at in zip(offsets, ends, strict=True)]


def policy_from_playbook_escalation(
    levels: Sequence[tuple[str, timedelta | None]],
    *,
    policy_id: str,
    name: str,
    targets: Mapping[str, Sequence[EscalationTarget]] | None = None,
    repeat: int = 0,
    times: PathTimes = PathTimes.RESPOND_BY,
) -> EscalationPolicy:
    """Build a policy from a runbook's escalation path: ``(role, time)`` per level, in order.

    The first level is paged at once. By default each time is read as the time since the incident
    started by which that level must have responded, so level N+1 is paged at level N's time: seed
    004's "L1 (5 min), L2 (15 min), L3 (30 min), L4 (1 hour)" pages L1 at 0, L2 at 5, L3 at 15 and L4
    at 30 minutes, and a repeat starts at 1 hour. ``times=PathTimes.PAGE_AT`` reads each time as when
    that level is paged instead (seed 001). A time that is needed but missing, or times that do not
    grow, are refused with a message that names the level: guessing a delay could leave an incident
    unanswered.

    ``targets`` maps a role, matched ignoring case and spacing, to whom it pages; a role not in it gives
    a level with no targets yet (see :func:`unassigned_levels`).
    """
    if not levels:
        raise InvalidInput("escalation path: no levels", code="escalation_path_empty")
    labels = [label for label, _ in levels]
    offsets, last = _page_offsets(levels, times)
    if repeat and last is None:
        raise InvalidInput(
            "escalation path: a repeating path needs to know how long its last level has to respond",
            code="escalation_time_missing",
        )
    roles = {_role_key(role): tuple(found) for role, found in (targets or {}).items()}
    built = tuple(
        EscalationLevel(delay, roles.get(_role_key(label), ()), label)
        for label, delay in zip(labels, _delays(labels, offsets, last), strict=True)
    )
    return EscalationPolicy(policy_id, name, built, repeat)
