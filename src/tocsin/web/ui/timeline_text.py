"""Timeline entries in words, for people: "alice acknowledged", "state investigating → identified".

Kinds this module does not know (a plugin's, a newer feature's) are still shown, with their details as
plain key/value pairs: nothing in the timeline is ever hidden from the responders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tocsin.domain.timeline import TimelineEntry, TimelineKind

__all__ = ["TimelineLine", "describe"]

_MAX_VALUE = 300


@dataclass(frozen=True)
class TimelineLine:
    """One timeline entry as shown: a headline, an optional body text, and extra facts."""

    entry: TimelineEntry
    headline: str
    body: str = ""
    facts: tuple[tuple[str, str], ...] = ()

    @property
    def tone(self) -> str:
        """A CSS class hint: what kind of thing happened."""
        return {
            TimelineKind.TARGET_MISSED: "bad",
            TimelineKind.ACKNOWLEDGED: "good",
            TimelineKind.ALERTS: "alert",
            "public_update": "public",
            "level_paged": "alert",
            "notification_failed": "bad",
        }.get(self.entry.kind, "")


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value) if value is not None else ""
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"


def _declared(d: dict[str, Any]) -> tuple[str, str]:
    services = ", ".join(d.get("services") or []) or "no service"
    return f"declared {d.get('severity', '')} on {services}", str(d.get("summary") or "")


def _state(d: dict[str, Any]) -> tuple[str, str]:
    return f"moved it {d.get('from')} → {d.get('to')}", str(d.get("note") or "")


def _alerts(d: dict[str, Any]) -> tuple[str, str]:
    parts = [f"{d[key]} {word}" for key, word in (("fired", "fired"), ("refired", "fired again"),
             ("resolved", "resolved")) if d.get(key)]  # fmt: skip
    examples = "; ".join(str(e) for e in d.get("examples") or [])
    return f"alerts from {d.get('integration', '?')}: {', '.join(parts) or 'no change'}", examples


def _triage(d: dict[str, Any]) -> tuple[str, str]:
    headline = f"triaged as {d.get('severity')} ({d.get('severity_basis', '')})"
    if d.get("scenario"):
        headline += f"; runbook scenario “{d['scenario']}”"
    return headline, str(d.get("severity_reason") or "")


def _level_paged(d: dict[str, Any]) -> tuple[str, str]:
    users = ", ".join(str(u) for u in d.get("users") or []) or "nobody"
    label = f" ({d['label']})" if d.get("label") else ""
    misses = "; ".join(f"{m.get('target')}: {m.get('reason')}" for m in d.get("misses") or [])
    return f"paged level {d.get('level')}{label}: {users}", str(d.get("note") or misses)


_WORDS: dict[str, Callable[[dict[str, Any]], tuple[str, str]]] = {
    TimelineKind.DECLARED: _declared,
    TimelineKind.ACKNOWLEDGED: lambda d: ("acknowledged", ""),
    TimelineKind.STATE_CHANGED: _state,
    TimelineKind.SEVERITY_CHANGED: lambda d: (f"changed severity {d.get('from')} → {d.get('to')}", ""),
    TimelineKind.ROLE_ASSIGNED: lambda d: (f"made {d.get('person')} {d.get('role')}", ""),
    TimelineKind.NOTE: lambda d: ("noted", str(d.get("text") or "")),
    TimelineKind.LINK_ADDED: lambda d: (f"linked {d.get('title') or d.get('url')}", str(d.get("url") or "")),
    TimelineKind.SUMMARY_CHANGED: lambda d: (
        "changed the summary",
        str(d.get("summary") or d.get("to") or ""),
    ),
    TimelineKind.TARGET_MISSED: lambda d: (f"missed the {d.get('target')} target of {d.get('severity')}", ""),
    TimelineKind.ALERTS: _alerts,
    TimelineKind.TRIAGE: _triage,
    "change_event": lambda d: (
        f"change from {d.get('source') or d.get('integration')}",
        str(d.get("summary") or ""),
    ),
    "public_update": lambda d: (f"posted a public update ({d.get('status')})", str(d.get("body") or "")),
    "escalation_started": lambda d: (
        f"started paging by policy “{d.get('policy_name') or d.get('policy')}”",
        "",
    ),
    "escalation_skipped": lambda d: ("did not page", str(d.get("reason") or "")),
    "level_paged": _level_paged,
    "escalation_stopped": lambda d: (f"stopped paging ({d.get('reason')})", ""),
    "escalation_exhausted": lambda d: ("paged every level; nobody acknowledged", ""),
    "notification_sent": lambda d: (f"reached {d.get('user')} by {d.get('channel')}", ""),
    "notification_failed": lambda d: (
        f"could not reach {d.get('user')} by {d.get('channel')}",
        str(d.get("reason") or ""),
    ),
    "customer_facing_changed": lambda d: (
        "marked it customer-facing" if d.get("customer_facing") else "marked it internal",
        "",
    ),
}
# Details worth listing beside a known kind's headline (the rest are in the headline or body already).
_FACTS: dict[str, tuple[str, ...]] = {
    TimelineKind.TRIAGE: ("integration", "source", "dedup_key", "scenario_reason", "playbook_version"),
    TimelineKind.TARGET_MISSED: ("deadline",),
}


def describe(entry: TimelineEntry) -> TimelineLine:
    """``entry`` in words; unknown kinds get their kind as headline and every detail as a fact."""
    words = _WORDS.get(entry.kind)
    if words is None:
        facts = tuple((key, _text(value)) for key, value in entry.details.items())
        return TimelineLine(entry, entry.kind.replace("_", " "), "", facts)
    headline, body = words(entry.details)
    facts = tuple(
        (key, _text(entry.details[key])) for key in _FACTS.get(entry.kind, ()) if entry.details.get(key)
    )
    return TimelineLine(entry, headline, body, facts)
