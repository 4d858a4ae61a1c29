"""Paging one escalation level: who it reaches now, and one outbox message per person per notification rule.

Called inside the transaction that decides the page (an escalation step's job, or the resolution target
passing), so the decision, its timeline entry and its messages commit together or not at all. Every
message gets an idempotency key from the incident, the step, the user and the rule's index: deciding the
same page twice writes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from tocsin.domain.escalation import (
    EscalationLevel,
    EscalationTarget,
    MissReason,
    ScheduleTarget,
    TargetMiss,
    TeamTarget,
    UserTarget,
    resolve_targets,
)
from tocsin.domain.incident import Incident
from tocsin.domain.notification import NotificationKind
from tocsin.domain.notification_rules import DEFAULT_NOTIFICATION_RULES, contact_plan
from tocsin.domain.schedule import Schedule
from tocsin.services.paging_common import ENGINE_ACTOR, PagingEvent, per_transaction
from tocsin.store import escalations, outbox, people, schedules, timeline
from tocsin.store.outbox import NewMessage
from tocsin.store.people import User

__all__ = ["PageOrder", "PageReason", "describe_target", "page_level"]


class PageReason:
    ESCALATION = "escalation"  # the level's turn in the escalation path
    UNRESOLVED = "unresolved"  # the incident stayed unresolved past its target


@dataclass(frozen=True)
class PageOrder:
    """Page ``level`` (0-based ``level_index``) of ``incident``; ``step`` names the decision in keys."""

    incident: Incident
    level_index: int
    level: EscalationLevel
    step: str
    reason: str = PageReason.ESCALATION
    round: int | None = None
    note: str = ""
    stops_on_ack: bool = True


def describe_target(target: EscalationTarget) -> str:
    """``"schedule:primary"``: how a target reads in the timeline and the CLI."""
    match target:
        case UserTarget(user_id=ident):
            return f"user:{ident}"
        case ScheduleTarget(schedule_id=ident):
            return f"schedule:{ident}"
        case TeamTarget(team_id=ident):
            return f"team:{ident}"


def _resolve(conn: Connection, level: EscalationLevel, now: datetime) -> tuple[list[User], list[TargetMiss]]:
    schedule_ids = {t.schedule_id for t in level.targets if isinstance(t, ScheduleTarget)}
    team_ids = {t.team_id for t in level.targets if isinstance(t, TeamTarget)}
    user_ids = {t.user_id for t in level.targets if isinstance(t, UserTarget)}

    def load_schedules() -> dict[str, Schedule]:
        return {
            key: found.schedule
            for key, found in schedules.load_schedules(conn, schedule_ids, since=now).items()
        }

    found_schedules = per_transaction(conn, ("schedules", level.targets), load_schedules)
    members = per_transaction(conn, ("members", level.targets), lambda: people.members_of(conn, team_ids))
    candidates = per_transaction(
        conn, ("users", level.targets), lambda: _users(conn, user_ids, found_schedules, members)
    )
    resolution = resolve_targets(level, now, found_schedules, members, known_users=set(candidates))
    # Someone on a schedule or in a team may have been deleted since: that is a miss too, not a page.
    missing = [user for user in resolution.user_ids if user not in candidates]
    misses = [
        *resolution.misses,
        *(TargetMiss(UserTarget(user), MissReason.UNKNOWN_USER) for user in missing),
    ]
    return [candidates[user] for user in resolution.user_ids if user in candidates], misses


def _users(
    conn: Connection, named: set[str], on_schedules: dict[str, Schedule], members: dict[str, list[str]]
) -> dict[str, User]:
    """The users a level could page: those it names, its teams' members and its schedules' participants."""
    wanted = set(named) | {user for team in members.values() for user in team}
    for schedule in on_schedules.values():
        wanted |= {user for layer in schedule.layers for user in layer.rotation.participants}
        wanted |= {override.user_id for override in schedule.overrides}
    return people.users_by_id(conn, wanted)


def page_level(conn: Connection, order: PageOrder, now: datetime) -> list[str]:
    """Page the level now: outbox messages for everyone it reaches, and a timeline entry saying who and
    which targets gave nobody. Returns the user ids paged."""
    number = order.incident.number
    users, misses = _resolve(conn, order.level, now)
    user_ids = [user.id for user in users]
    written = 0
    for user in users:
        user_id = user.id
        rules = user.rules or DEFAULT_NOTIFICATION_RULES
        for attempt in contact_plan(rules, now):
            message = NewMessage(
                idempotency_key=f"page:{number}:{order.step}:{user_id}:{attempt.rule_index}",
                incident_number=number,
                user_id=user_id,
                channel=attempt.channel_kind,
                kind=NotificationKind.PAGE.value,
                due_at=attempt.due_at,
                level=order.level_index + 1,
                note=order.note,
                stops_on_ack=order.stops_on_ack,
            )
            written += outbox.add(conn, message, now)
    details: dict[str, Any] = {
        "level": order.level_index + 1,
        "label": order.level.label,
        "reason": order.reason,
        "step": order.step,
        "users": user_ids,
        "messages": written,
        "misses": [{"target": describe_target(m.target), "reason": m.reason.value} for m in misses],
    }
    if not order.level.targets:
        details["unassigned"] = True  # built from a runbook role nobody was assigned to yet
    if order.round is not None:
        details["round"] = order.round + 1
    if order.note:
        details["note"] = order.note
    timeline.append(conn, number, at=now, actor=ENGINE_ACTOR, kind=PagingEvent.LEVEL_PAGED, details=details)
    escalations.note_level_paged(conn, number, order.level_index, now)
    return user_ids
