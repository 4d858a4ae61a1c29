"""Escalation paths, escalation triggers and contacts.

Levels are read from lists ("1. **L1**: On-Call Engineer (5 min)", "2. **Team Lead** (If unresolved in
1 hour)"), arrow chains ("On-call → Team Lead → CTO") and tables (Level | Contact | After). Triggers are
the "when to escalate" bullets ("P0 incidents not resolved in 30 minutes"). Contacts are role tables
(Role | Primary | Secondary) and "**CTO**: [Phone]" lists.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tocsin.domain.durations import find_duration
from tocsin.domain.playbook import Contact, EscalationCondition, EscalationLevel, EscalationTrigger
from tocsin.runbook.context import ParseContext
from tocsin.runbook.document import ListBlock, ListItem, Paragraph, Section
from tocsin.runbook.severity_names import find_severity_names
from tocsin.runbook.text import clean_heading, key_value, plain

__all__ = [
    "chain_levels",
    "contact_items",
    "escalation_level",
    "escalation_trigger",
    "read_escalation_lists",
    "trigger_context",
]

_LEVEL_TOKEN = re.compile(r"^(?:L|Level|Tier|Step|Stage)\s*[-#]?\s*(\d+)\b\s*[:.)\-–—]?\s*", re.I)  # noqa: RUF001
_TRIGGER_TITLE = re.compile(r"\bwhen\b|trigger|criteria|condition|\bif\b|reasons?", re.IGNORECASE)
_PATH_TITLE = re.compile(r"path|chain|levels?|ladder|tiers?|matrix|policy|order|sequence|hierarchy", re.I)
_ARROW = re.compile(r"\s*(?:→|->|=>|⇒|⟶)\s*")
_CONTACT_FIELDS = {
    "name": re.compile(r"^(name|who|person|primary|owner)$", re.I),
    "backup": re.compile(r"^(backup|secondary|deputy|alternate|fallback)$", re.I),
    "reach": re.compile(
        r"^(contact|phone|email|e-mail|pager|slack|channel|how to reach|mobile|number)$", re.I
    ),
}


def _condition(text: str) -> EscalationCondition:
    if re.search(r"not (been )?resolved|unresolved|resolution", text, re.IGNORECASE):
        return EscalationCondition.UNRESOLVED
    if re.search(r"not (been )?ack|unack|no ack|acknowledg", text, re.IGNORECASE):
        return EscalationCondition.UNACKNOWLEDGED
    return EscalationCondition.OTHER


def escalation_trigger(raw: str, known: list[str]) -> EscalationTrigger:
    """ "P0 incidents not resolved in 30 minutes" → unresolved, P0, 30 minutes."""
    text = plain(raw)
    names = find_severity_names(text, known)
    condition = _condition(text)
    after = find_duration(text) if condition is not EscalationCondition.OTHER else None
    return EscalationTrigger(text, condition, names[0] if names else None, after)


def escalation_level(raw: str, position: int, known: list[str]) -> EscalationLevel | None:
    """One level from a list item: "L2: Team Lead (15 min)", "**Team Lead** (If unresolved in 1 hour)",
    "Team lead after 15 minutes". ``position`` numbers it when the text does not."""
    text = plain(raw)
    token = _LEVEL_TOKEN.match(text)
    number = int(token.group(1)) if token else position
    rest = text[token.end() :] if token else text
    target = re.split(r"\s*\(|\s+-\s+|\s+(?:after|if|when|for)\s+|:", rest, maxsplit=1)[0].strip()
    if not target:
        return None
    note = rest[len(target) :].strip(" :-–—")  # noqa: RUF001
    paren = re.fullmatch(r"\((.*)\)", note)
    note = paren.group(1).strip() if paren else note
    delay = find_duration(note)
    if delay is not None and re.fullmatch(r"[<~≤]?\s*[\d.]+\s*\w+", note):
        note = ""  # "(5 min)" says nothing beyond the delay
    return EscalationLevel(number, target, delay, note, tuple(find_severity_names(note, known)))


def chain_levels(text: str) -> list[EscalationLevel]:
    """ "On-call engineer → Team Lead → CTO" as levels 1, 2, 3 with no delays."""
    parts = [part.strip() for part in _ARROW.split(plain(text)) if part.strip()]
    return (
        [EscalationLevel(index, part) for index, part in enumerate(parts, start=1)] if len(parts) > 1 else []
    )


def trigger_context(title: str) -> bool | None:
    """Whether a heading or label introduces triggers (True), a path (False), or neither (None)."""
    if _TRIGGER_TITLE.search(title):
        return True
    if _PATH_TITLE.search(title):
        return False
    return None


def _read_list(ctx: ParseContext, block: ListBlock, triggers: bool | None) -> None:
    known = ctx.severity_names()
    for position, item in enumerate(block.items, start=1):
        text = plain(item.text)
        as_level = triggers is False or (
            triggers is None and (block.ordered or _LEVEL_TOKEN.match(text) is not None)
        )
        if as_level and len(chain := chain_levels(item.text)) > 1:
            ctx.draft.escalation.extend(chain)
        elif as_level and (level := escalation_level(item.text, position, known)) is not None:
            ctx.draft.escalation.append(level)
        elif item.text:
            ctx.draft.escalation_triggers.append(escalation_trigger(item.text, known))
        else:
            continue
        ctx.use_all(item)


def read_escalation_lists(ctx: ParseContext, section: Section) -> None:
    """Levels and triggers from the section's lists and paragraphs (its tables are read by columns)."""
    mode = trigger_context(clean_heading(section.title))
    label_mode = mode
    for block in section.blocks:
        if isinstance(block, ListBlock):
            _read_list(ctx, block, label_mode)
        elif isinstance(block, Paragraph):
            chain = chain_levels(block.text)
            label = plain(block.text).rstrip(":") if plain(block.text).endswith(":") else None
            if chain:
                ctx.draft.escalation.extend(chain)
                ctx.use(block)
            elif label is not None:
                ctx.use(block)
                found = trigger_context(label)
                label_mode = found if found is not None else mode


def contact_items(ctx: ParseContext, items: Sequence[ListItem | Paragraph], role: str) -> None:
    """ "**CTO**: [Phone]" items as contacts; Name/Contact/Backup items describe one contact, ``role``."""
    pairs = [(item, key_value(item.text)) for item in items]
    fields = {name: "" for name in _CONTACT_FIELDS}
    described = [p for p in pairs if p[1] and any(r.match(p[1].key) for r in _CONTACT_FIELDS.values())]
    if described and len(described) == len(pairs):
        for item, pair in described:
            assert pair is not None
            for name, pattern in _CONTACT_FIELDS.items():
                if pattern.match(pair.key):
                    fields[name] = plain(pair.value)
            ctx.use_all(item)
        ctx.draft.contacts.append(Contact(role, fields["name"], fields["backup"], fields["reach"]))
        return
    for item, pair in pairs:
        if pair is not None:
            ctx.draft.contacts.append(Contact(pair.key, plain(pair.value)))
            ctx.use_all(item)
        else:
            ctx.reject(item, "a contact is written 'Role: how to reach them'")
