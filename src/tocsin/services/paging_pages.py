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
from tocsin.services.paging_common import ENGINE_ACTOR, PagingEvent
from tocsin.store import escalations, outbox, people, schedules, timeline
from tocsin.store.outbox import NewMessage

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


def _resolve(conn: Connection, level: EscalationLevel, now: datetime) -> tuple[list[str], list[TargetMiss]]:
    schedule_ids = {t.schedule_id for t in level.targets if isinstance(t, ScheduleTarget)}
    team_ids = {t.team_id for t in level.targets if isinstance(t, TeamTarget)}
    user_ids = {t.user_id for t in level.targets if isinstance(t, UserTarget)}
    found_schedules = {
        key: stored.schedule
        for key, stored in schedules.load_schedules(conn, schedule_ids, since=now).items()
    }
    resolution = resolve_targets(
        level, now, found_schedules, people.members_of(conn, team_ids),
        known_users=set(people.users_by_id(conn, user_ids)),
    )  # fmt: skip
    # Someone on a schedule or in a team may have been deleted since: that is a miss too, not a page.
    existing = set(people.users_by_id(conn, resolution.user_ids))
    misses = list(resolution.misses)
    misses += [
        TargetMiss(UserTarget(user), MissReason.UNKNOWN_USER)
        for user in resolution.user_ids
        if user not in existing
    ]
    return [user for user in resolution.user_ids if user in existing], misses


def page_level(conn: Connection, order: PageOrder, now: datetime) -> list[str]:
    """Page the level now: outbox messages for everyone it reaches, and a timeline entry saying who and
    which targets gave nobody. Returns the user ids paged."""
    number = order.incident.number
    user_ids, misses = _resolve(conn, order.level, now)
    users = people.users_by_id(conn, user_ids)
    written = 0
    for user_id in user_ids:
        rules = users[user_id].rules or DEFAULT_NOTIFICATION_RULES
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
