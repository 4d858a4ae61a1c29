"""Alert thresholds that set a severity, and the alert → likely cause → first action guide."""

from __future__ import annotations

import re

from tocsin.domain.durations import parse_duration
from tocsin.domain.playbook import AlertRule
from tocsin.runbook.severity_names import find_severity_names, parse_severity_label
from tocsin.runbook.text import plain

__all__ = ["alert_rule", "sustained_for"]

_ARROW = re.compile(r"\s*(?:→|->|=>|⇒|⟶)\s*")
_FOR = re.compile(r"\bfor\s+(?:more than\s+|over\s+|at least\s+|>\s*)?(\d[\w .]*?)(?:$|,|\band\b|\))", re.I)


def sustained_for(condition: str) -> str | None:
    """The "for 5 minutes" part of a condition, if any."""
    match = _FOR.search(condition)
    return match.group(1).strip() if match else None


def _severity_at_start(text: str, known: list[str]) -> str | None:
    names = find_severity_names(text, known)
    if names and text.casefold().startswith(names[0].casefold()):
        return names[0]
    label = parse_severity_label(text)
    return label.name if label else None


def alert_rule(raw: str, known: list[str]) -> AlertRule | None:
    """ "5xx errors > 1% for 5 minutes → P1" as a rule; ``None`` if no severity follows an arrow.

    The severity may also lead or close after a colon ("P1: 5xx errors > 1%", "Disk > 90%: P2").
    """
    text = plain(raw)
    arrow = _ARROW.split(text)
    if len(arrow) >= 2:
        condition, target = " → ".join(arrow[:-1]).strip(), arrow[-1].strip()
        severity = _severity_at_start(target, known)
    else:
        head, _, tail = text.partition(":")
        if not tail.strip():
            return None
        lead = _severity_at_start(head.strip(), known)
        label = parse_severity_label(head)
        if lead is not None and label is not None and not label.rest:
            severity, condition = lead, tail.strip()
        else:
            closing = parse_severity_label(tail)
            severity = closing.name if closing is not None and not closing.rest else None
            condition = head.strip()
    if severity is None or not condition:
        return None
    held = sustained_for(condition)
    return AlertRule(condition, severity, parse_duration(held) if held else None)
