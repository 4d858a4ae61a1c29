"""Escalation policies and frozen escalations as plain JSON-ready dicts, and back.

The store keeps the policy frozen into an incident as one JSON document, so a running escalation never
depends on the policy rows that may be edited or deleted later. ``version`` lets a later format read
earlier documents. Durations are whole or fractional seconds; times are ISO 8601 in UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from tocsin.clock import utc
from tocsin.domain.escalation import (
    EscalationLevel,
    EscalationPolicy,
    EscalationTarget,
    FrozenEscalation,
    ScheduleTarget,
    TeamTarget,
    UserTarget,
)
from tocsin.errors import InvalidInput

__all__ = ["FORMAT_VERSION", "frozen_from_dict", "frozen_to_dict", "policy_from_dict", "policy_to_dict"]

FORMAT_VERSION = 1


def _target_to_dict(target: EscalationTarget) -> dict[str, str]:
    match target:
        case UserTarget(user_id=user_id):
            return {"kind": "user", "id": user_id}
        case ScheduleTarget(schedule_id=schedule_id):
            return {"kind": "schedule", "id": schedule_id}
        case TeamTarget(team_id=team_id):
            return {"kind": "team", "id": team_id}


def _target_from_dict(data: Mapping[str, Any]) -> EscalationTarget:
    kind, ident = data.get("kind"), data.get("id")
    if not isinstance(ident, str) or not ident:
        raise _invalid(f"a target has no id: {dict(data)!r}")
    if kind == "user":
        return UserTarget(ident)
    if kind == "schedule":
        return ScheduleTarget(ident)
    if kind == "team":
        return TeamTarget(ident)
    raise _invalid(f"unknown target kind {kind!r}")


def _invalid(message: str) -> InvalidInput:
    return InvalidInput(f"escalation document: {message}", code="invalid_escalation_document")


def policy_to_dict(policy: EscalationPolicy) -> dict[str, Any]:
    """``policy`` as a JSON-ready dict."""
    return {
        "version": FORMAT_VERSION,
        "id": policy.id,
        "name": policy.name,
        "repeat": policy.repeat,
        "levels": [
            {
                "label": level.label,
                "delay_seconds": level.delay.total_seconds(),
                "targets": [_target_to_dict(target) for target in level.targets],
            }
            for level in policy.levels
        ],
    }


def _level_from_dict(data: Any) -> EscalationLevel:
    if not isinstance(data, Mapping):
        raise _invalid("a level is not an object")
    delay, targets = data.get("delay_seconds"), data.get("targets", [])
    if not isinstance(delay, int | float) or isinstance(delay, bool):
        raise _invalid("a level has no delay_seconds")
    if not isinstance(targets, list) or not all(isinstance(target, Mapping) for target in targets):
        raise _invalid("a level's targets are not a list of objects")
    return EscalationLevel(
        timedelta(seconds=delay),
        tuple(_target_from_dict(target) for target in targets),
        str(data.get("label", "")),
    )


def policy_from_dict(data: Mapping[str, Any]) -> EscalationPolicy:
    """The policy written by :func:`policy_to_dict`; a malformed document is invalid input."""
    if data.get("version") != FORMAT_VERSION:
        raise _invalid(f"unsupported version {data.get('version')!r}")
    levels, repeat = data.get("levels"), data.get("repeat", 0)
    if not isinstance(levels, list):
        raise _invalid("levels is not a list")
    if not isinstance(repeat, int) or isinstance(repeat, bool):
        raise _invalid("repeat is not a whole number")
    return EscalationPolicy(
        str(data.get("id", "")),
        str(data.get("name", "")),
        tuple(_level_from_dict(level) for level in levels),
        repeat,
    )


def frozen_to_dict(frozen: FrozenEscalation) -> dict[str, Any]:
    """A frozen escalation as a JSON-ready dict, for the incident's row."""
    return {
        "version": FORMAT_VERSION,
        "started_at": frozen.started_at.isoformat(),
        "policy": policy_to_dict(frozen.policy),
    }


def frozen_from_dict(data: Mapping[str, Any]) -> FrozenEscalation:
    """The frozen escalation written by :func:`frozen_to_dict`."""
    if data.get("version") != FORMAT_VERSION:
        raise _invalid(f"unsupported version {data.get('version')!r}")
    policy, started = data.get("policy"), data.get("started_at")
    if not isinstance(policy, Mapping) or not isinstance(started, str):
        raise _invalid("policy or started_at is missing")
    try:
        started_at = utc(datetime.fromisoformat(started))
    except ValueError as exc:
        raise _invalid(f"started_at {started!r} is not an aware ISO 8601 time") from exc
    return FrozenEscalation(policy_from_dict(policy), started_at)
