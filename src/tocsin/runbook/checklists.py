"""Post-incident checklists with deadlines, and the postmortem outline.

A checklist is a list under a heading or a label. A label that states a deadline ("Within 1 hour:")
names the checklist and sets its deadline; one that names severities ("For SEV1/SEV2 incidents:") limits
it to them. An item carries its own deadline when it says so ("Schedule post-mortem within 48 hours").

A list of document sections ("**Timeline**: Chronological events", "**Root Cause**: ...") under a
postmortem heading is the postmortem outline instead, with its due time ("Create within 24-48 hours")
and file-name pattern ("Template: `docs/incidents/YYYY-MM-DD-incident-name.md`").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta

from tocsin.domain.durations import find_duration
from tocsin.domain.playbook import Checklist, ChecklistItem, PostmortemOutline, PostmortemSection
from tocsin.runbook.context import ParseContext
from tocsin.runbook.document import ListBlock, ListItem, Paragraph, Section
from tocsin.runbook.severity_names import find_severity_names
from tocsin.runbook.text import clean_heading, code_spans, key_value, label_of, plain

__all__ = ["deadline_in", "looks_like_outline", "read_checklists", "read_outline"]

_DEADLINE = re.compile(r"\b(?:within|by|before|no later than|due)\s+|\bin\s+(?=\d)", re.I)
_DEADLINE_LABEL = re.compile(r"^(within|by|before|after|no later than|due|deadline)\b|^[<~]?\s*\d", re.I)
_OUTLINE_WORDS = re.compile(
    r"^(timeline|root cause|impact|resolution|action items?|summary|lessons learned|what went (well|wrong)|"
    r"contributing factors|detection|response|follow[- ]?ups?|background|trigger|recovery|prevention)$",
    re.IGNORECASE,
)
_FILE_PATTERN = re.compile(r"[\w./-]*(?:YYYY|yyyy|\{date\}|<date>)[\w./{}<>-]*|[\w./-]+\.md\b")


def deadline_in(text: str) -> timedelta | None:
    """The deadline a sentence states ("Schedule post-mortem within 48 hours"), or ``None``."""
    match = _DEADLINE.search(text)
    return find_duration(text[match.start() :]) if match else None


def _items(ctx: ParseContext, items: Sequence[ListItem]) -> list[ChecklistItem]:
    found: list[ChecklistItem] = []
    for item in items:
        if item.text:
            text = plain(item.text)
            found.append(ChecklistItem(text, deadline_in(text)))
            ctx.use(item)
        for inner in item.blocks:
            if isinstance(inner, ListBlock):
                found.extend(_items(ctx, inner.items))
    return found


def _checklist(ctx: ParseContext, name: str, label: str | None, block: ListBlock) -> None:
    deadline = None
    severities: list[str] = []
    if label:
        severities = find_severity_names(label, ctx.severity_names())
        if _DEADLINE_LABEL.match(label):
            deadline, name = find_duration(label), label
    items = _items(ctx, block.items)
    if items:
        ctx.draft.checklists.append(Checklist(name, tuple(items), deadline, tuple(severities)))


def _name(label: str | None) -> str | None:
    """A label names its checklist when it is a short name ("Post-Mortem"), not a deadline, a severity
    qualifier or a sentence ("Create a timeline in the incident ticket")."""
    if not label or find_severity_names(label) or _DEADLINE_LABEL.match(label) or len(label.split()) > 4:
        return None
    return label


def read_checklists(ctx: ParseContext, section: Section, name: str | None = None) -> None:
    """Checklists from the section's own lists (its sub-sections are dispatched by the caller)."""
    title = name or clean_heading(section.title)
    label: str | None = None
    for block in section.blocks:
        if isinstance(block, Paragraph):
            found = label_of(block.text)
            if found is not None:
                label = found
                ctx.use(block)
            else:
                label = None
        elif isinstance(block, ListBlock):
            _checklist(ctx, _name(label) or title, label, block)
            label = None


def looks_like_outline(section: Section) -> bool:
    """Whether the section's list items are the sections of a document rather than things to do."""
    items = [item for b in section.blocks if isinstance(b, ListBlock) for item in b.items if item.text]
    if len(items) < 2:
        return False
    keys = [pair.key if (pair := key_value(item.text)) and pair.bold else plain(item.text) for item in items]
    known = sum(1 for key in keys if _OUTLINE_WORDS.match(key.strip()))
    return known * 2 >= len(items)


def read_outline(ctx: ParseContext, section: Section) -> None:
    """The postmortem outline, its due time and file pattern, from the section's own blocks."""
    sections: list[PostmortemSection] = []
    deadline = None
    pattern = ""
    for block in section.blocks:
        if isinstance(block, ListBlock):
            for item in block.items:
                pair = key_value(item.text)
                title, description = (pair.key, plain(pair.value)) if pair else (plain(item.text), "")
                sections.append(PostmortemSection(title, description))
                ctx.use_all(item)
        elif isinstance(block, Paragraph):
            text = plain(block.text)
            spans = [s for s in code_spans(block.text) if _FILE_PATTERN.fullmatch(s)]
            if spans:
                pattern = spans[0]
                ctx.use(block)
            elif deadline_in(text) is not None:
                deadline = deadline_in(text)
                ctx.use(block)
    ctx.draft.postmortem = PostmortemOutline(tuple(sections), deadline, pattern)
