"""Filling a runbook's message template with an incident's facts.

Filling is plain substitution of each placeholder, exactly as written (``[Brief Description]``), by the
text of the incident field it maps to. Nothing in the template or in the facts is evaluated, so alert
text and runbook text stay data. Placeholders with no value are left in place, visibly, and listed, so a
person completes them before posting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tocsin.domain.playbook_comms import IncidentField, Template

__all__ = ["FilledMessage", "fill_template"]


@dataclass(frozen=True)
class FilledMessage:
    template: str
    kind: str
    text: str
    filled: dict[str, str]  # placeholder as written → the value put in
    unfilled: tuple[str, ...]  # placeholders a person still has to write


def fill_template(template: Template, facts: Mapping[IncidentField, str]) -> FilledMessage:
    """``template`` with every placeholder whose field has a non-empty fact replaced by it."""
    text = template.body
    filled: dict[str, str] = {}
    unfilled: list[str] = []
    # Longest first, so "[Service Name]" is not half-replaced by a "[Service]" placeholder.
    for placeholder in sorted(template.placeholders, key=lambda p: len(p.text), reverse=True):
        value = facts.get(placeholder.field, "").strip() if placeholder.field else ""
        if value:
            text = text.replace(placeholder.text, value)
            filled[placeholder.text] = value
        elif placeholder.text not in unfilled:
            unfilled.append(placeholder.text)
    order = [p.text for p in template.placeholders]
    return FilledMessage(
        template=template.name,
        kind=template.kind.value,
        text=text,
        filled=filled,
        unfilled=tuple(sorted(unfilled, key=order.index)),
    )
