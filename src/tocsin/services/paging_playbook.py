"""An escalation policy from an applied playbook's escalation path (the runbook's "L1 ... L4").

``tocsin runbook apply`` calls :func:`policy_from_playbook` inside its own transaction, so the playbook,
its severity scheme and its policy are applied together. Each level's role is matched (ignoring case and
spacing) to a schedule, a team or a user of that name or id; a role that matches nothing pages nobody
until it is assigned (``tocsin policy assign``) and is reported as unassigned.

The runbook's "P0 incidents not resolved in 30 minutes" triggers become each severity's
``unresolved_after``: when it passes with the incident unresolved, the next level is notified.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Connection

from tocsin.domain.escalation import (
    EscalationPolicy,
    EscalationTarget,
    PathTimes,
    ScheduleTarget,
    TeamTarget,
    UserTarget,
    policy_from_playbook_escalation,
    unassigned_levels,
)
from tocsin.domain.playbook import EscalationCondition, EscalationLevel, Playbook
from tocsin.errors import InvalidInput
from tocsin.services.paging_common import check_slug
from tocsin.services.paging_policies import DEFAULT_POLICY_SETTING, check_policy_targets
from tocsin.store import people, policies, schedules, severities
from tocsin.store.policies import StoredRoute

__all__ = ["PlaybookPolicy", "describe_applied", "path_reading", "policy_from_playbook"]

# "(If unresolved in 1 hour)", "after 30 min": the time is when that level is paged, not when it must answer.
_PAGE_AT_NOTE = re.compile(r"unresolved|not resolved|\bif\b|\bafter\b", re.IGNORECASE)


@dataclass(frozen=True)
class PlaybookPolicy:
    """What applying a playbook's escalation path did.

    ``policy`` is ``None`` when the path cannot make one; ``problem`` then says why, naming the level
    (the unresolved triggers are applied all the same).
    """

    policy: EscalationPolicy | None
    times: PathTimes
    unassigned: tuple[str, ...]  # roles that page nobody yet
    unresolved_after: dict[str, timedelta]  # severity → when an unresolved incident notifies the next level
    made_default: bool
    problem: str | None = None


def path_reading(levels: Sequence[EscalationLevel]) -> PathTimes:
    """How a path's times are meant: *page at* when the runbook says "if unresolved in 1 hour" or gives the
    first level no time while later levels have one (seed 001); *respond by* otherwise (seed 004)."""
    if any(_PAGE_AT_NOTE.search(level.note) for level in levels):
        return PathTimes.PAGE_AT
    if levels and levels[0].delay is None and any(level.delay is not None for level in levels[1:]):
        return PathTimes.PAGE_AT
    return PathTimes.RESPOND_BY


def _key(text: str) -> str:
    return " ".join(text.replace("-", " ").replace("_", " ").split()).casefold()


def _matched_targets(conn: Connection, roles: Sequence[str]) -> dict[str, list[EscalationTarget]]:
    """Roles matched by name or id to a schedule, else a team, else a user."""
    candidates: list[tuple[str, EscalationTarget]] = []
    for stored in schedules.list_schedules(conn):
        target: EscalationTarget = ScheduleTarget(stored.schedule.id)
        candidates += [(stored.schedule.name, target), (stored.schedule.id, target)]
    for team in people.list_teams(conn):
        candidates += [(team.name, TeamTarget(team.id)), (team.id, TeamTarget(team.id))]
    for user in people.list_users(conn):
        candidates += [(user.name, UserTarget(user.id)), (user.id, UserTarget(user.id))]
    found: dict[str, list[EscalationTarget]] = {}
    for role in roles:
        match = next((target for name, target in candidates if _key(name) == _key(role)), None)
        if match is not None:
            found[role] = [match]
    return found


def _unresolved_triggers(conn: Connection, playbook: Playbook) -> dict[str, timedelta]:
    scheme = severities.load_scheme(conn)
    found: dict[str, timedelta] = {}
    for trigger in playbook.escalation_triggers:
        if trigger.condition is not EscalationCondition.UNRESOLVED or trigger.after is None:
            continue
        level = scheme.resolve(trigger.severity) if trigger.severity else None
        if level is not None:
            found.setdefault(level.name, trigger.after)
    return found


def policy_from_playbook(
    conn: Connection,
    playbook: Playbook,
    now: datetime,
    *,
    policy_id: str = "runbook",
    name: str | None = None,
    targets: Mapping[str, Sequence[EscalationTarget]] | None = None,
    repeat: int = 0,
    times: PathTimes | None = None,
    make_default: bool = True,
) -> PlaybookPolicy | None:
    """Build the policy of ``playbook``'s escalation path and store it (replacing one with the same id).

    Runs in the caller's write transaction, after the playbook's severity scheme is in place. ``targets``
    maps roles to targets explicitly (it wins over matching by name). It becomes the default policy
    (``make_default``) only if its first level pages someone. Returns ``None`` when the playbook
    has no escalation path. A path whose times cannot make a policy (a missing time that decides when a
    level is paged, times that do not grow) gives no policy and a ``problem`` naming the level: guessing a
    delay could leave an incident unanswered. See ``docs/escalation.md`` for how the times are read.
    """
    if not playbook.escalation:
        return None
    check_slug("policy", policy_id)
    unresolved = _unresolved_triggers(conn, playbook)
    _store_unresolved(conn, unresolved)
    reading = times or path_reading(playbook.escalation)
    roles = [level.target for level in playbook.escalation]
    assigned: dict[str, Sequence[EscalationTarget]] = {**_matched_targets(conn, roles), **(targets or {})}
    try:
        policy = policy_from_playbook_escalation(
            [(level.target, level.delay) for level in playbook.escalation],
            policy_id=policy_id,
            name=name or f"{playbook.title or 'Runbook'} escalation path",
            targets=assigned,
            repeat=repeat,
            times=reading,
        )
    except InvalidInput as error:
        return PlaybookPolicy(None, reading, (), unresolved, False, error.message)
    check_policy_targets(conn, policy)
    if not policies.update_policy(conn, policy, now):
        policies.insert_policy(conn, policy, now)
    # A policy whose first level pages nobody yet never becomes the default: SEV1s would page nobody.
    first_assigned = bool(policy.levels[0].targets)
    made_default = first_assigned and (
        make_default or policies.get_setting(conn, DEFAULT_POLICY_SETTING) is None
    )
    if made_default:
        policies.set_setting(conn, DEFAULT_POLICY_SETTING, policy.id)
    unassigned = tuple(policy.levels[index].label for index in unassigned_levels(policy))
    return PlaybookPolicy(policy, reading, unassigned, unresolved, made_default)


def _store_unresolved(conn: Connection, unresolved: Mapping[str, timedelta]) -> None:
    """Set each severity's ``unresolved_after``, keeping the rest of an operator's route as it is."""
    scheme = severities.load_scheme(conn)
    existing = {route.severity: route for route in policies.list_routes(conn)}
    for severity, after in unresolved.items():
        level = scheme.resolve(severity)
        assert level is not None  # resolved by _unresolved_triggers
        route = existing.get(level.name) or StoredRoute(
            level.name, None, level.pages, level.business_hours_only, None
        )
        policies.put_route(conn, replace(route, unresolved_after=after))


def describe_applied(applied: PlaybookPolicy | None) -> list[str]:
    """What applying the escalation path did, in lines for ``tocsin runbook apply`` to print."""
    if applied is None:
        return ["escalation: the runbook has no escalation path; policies unchanged"]
    lines = [
        f"escalation: {severity} unresolved after {int(after.total_seconds() // 60)} min notifies the next level"
        for severity, after in sorted(applied.unresolved_after.items())
    ]
    policy = applied.policy
    if policy is None:
        return [f"escalation path not turned into a policy: {applied.problem}", *lines]
    at, paged = timedelta(0), []
    for level in policy.levels:
        paged.append(f"{level.label or 'level'} at {int(at.total_seconds() // 60)} min")
        at += level.delay
    lines.insert(
        0,
        f"escalation policy {policy.id!r}: {'; '.join(paged)}"
        + (" (the default)" if applied.made_default else ""),
    )
    if applied.unassigned:
        lines.append(
            f"escalation: nobody assigned yet to {', '.join(applied.unassigned)}; "
            f"assign with `tocsin policy assign {policy.id} LEVEL user:ID|schedule:ID|team:ID`"
        )
    return lines
