"""Severity levels from tables, per-level headings, and lists.

The three shapes the genre uses::

    | Level | Description | Response Time | Examples |        (a table, seed 000)
    ### P0 - Critical  + "- **Response Time**: Immediate"   (a heading per level, seeds 001, 002, 004)
    - **P0 (Critical)**: Complete service outage           (a list, seed 003)

plus terse lines ("- SEV1 — outage; ack 5 min; resolve 1 h"). A field is recognised by what its key
means (response, acknowledge, resolution, update cadence, examples, impact, who acts, escalation), and a
target that is not a duration is left unknown and reported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta

from tocsin.domain.durations import mentions_business_time, parse_duration
from tocsin.domain.playbook import SeverityDefinition
from tocsin.domain.severity import SeverityLevel
from tocsin.runbook.context import ParseContext
from tocsin.runbook.document import ListBlock, ListItem, Paragraph, Section, Table, Unit
from tocsin.runbook.severity_names import SeverityLabel, parse_severity_label, split_alias
from tocsin.runbook.text import clean_heading, key_value, plain, split_list

__all__ = ["FIELD_PATTERNS", "LevelDraft", "field_of", "read_severity_section", "severity_table"]

FIELD_PATTERNS: list[tuple[str, str]] = [
    (
        "who_acts",
        r"^(who|action|owner|responders?|team|notify|page|paging|on-?call|assignee|roles?|staffing)\b",
    ),
    ("escalation", r"escalat"),
    ("cadence", r"update|cadence|comms|communication|status page"),
    (
        "response",
        r"respon|\back|acknowledg|\btta\b|time to (respond|acknowledge|engage)|first response|\bsla\b",
    ),
    ("resolution", r"resol|\bttr\b|time to (resolve|restore|recover|mitigate)|\bfix|restor|mitigat|target"),
    ("examples", r"example|e\.g"),
    ("description", r"impact|descr|definition|criteria|meaning|summary|scope|what|condition|user"),
    ("name", r"^(level|severity|sev|priority|name|class|p)$"),
]
_TERSE = re.compile(
    r"^(?P<key>[A-Za-z][\w -]*?)\s*(?:[:=]|\bin\b|\bwithin\b|<)?\s*"
    r"(?P<value>[<~≤]?\s*\d.*|(?:next|same) (?:business|working) day|immediate(?:ly)?|asap)$",
    re.IGNORECASE,
)
_BLANK = re.compile(r"^\s*(?:-|—|–|n/?a|none|tbd|tba|\?)?\s*$", re.IGNORECASE)  # noqa: RUF001


def field_of(key: str) -> str | None:
    """Which field of a level a key or column header names, or ``None``."""
    for name, pattern in FIELD_PATTERNS:
        if re.search(pattern, key.strip(), re.IGNORECASE):
            return name
    return None


@dataclass
class LevelDraft:
    """A level being read, with the units it came from (claimed only if the level is kept)."""

    label: SeverityLabel
    description: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    response: str | None = None
    resolution: str | None = None
    cadence: str | None = None
    who_acts: str = ""
    chain: tuple[str, ...] = ()

    def set(self, name: str, value: str) -> bool:
        """Store a field by name; ``False`` if the name is not a field."""
        text = plain(value)
        if _BLANK.match(text):
            return True  # "—" or "n/a": stated as none, so it stays unknown
        if name in ("response", "resolution", "cadence"):
            setattr(self, name, text)
        elif name == "examples":
            self.examples.extend(split_list(text))
        elif name == "description":
            self.description.append(text)
        elif name == "who_acts":
            self.who_acts = text
        elif name == "escalation":
            self.chain = _chain(text)
        else:
            return False
        return True

    def build(self, ctx: ParseContext, rank: int, line: int) -> SeverityDefinition:
        description = " ".join(self.description) or self.label.rest
        level = SeverityLevel(
            name=self.label.name,
            rank=rank,
            description=description,
            aliases=self.label.aliases,
            examples=tuple(self.examples),
            response_target=_target(ctx, self.response, line, f"{self.label.name} response target"),
            resolution_target=_target(ctx, self.resolution, line, f"{self.label.name} resolution target"),
            update_cadence=_target(ctx, self.cadence, line, f"{self.label.name} update cadence"),
            business_hours_only=bool(self.response and mentions_business_time(self.response)),
        )
        return SeverityDefinition(level, self.who_acts, self.chain)


def _chain(text: str) -> tuple[str, ...]:
    if re.fullmatch(r"\s*(none|n/?a|-|no escalation)\s*", text, re.IGNORECASE):
        return ()
    parts = re.split(r"\s*(?:→|->|=>|⇒|>|\bthen\b|,)\s*", text)
    return tuple(part.strip() for part in parts if part.strip())


def _target(ctx: ParseContext, text: str | None, line: int, what: str) -> timedelta | None:
    if not text:
        return None
    value = parse_duration(text)
    if value is None:
        ctx.note(line, text, f"{what} is not a duration tocsin can read; left unknown")
    return value


def _add(ctx: ParseContext, draft: LevelDraft, line: int, units: Sequence[Unit]) -> None:
    rank = len(ctx.draft.severities)
    ctx.draft.severities.append(draft.build(ctx, rank, line))
    ctx.use(*units)


def _read_terse(draft: LevelDraft, rest: str) -> None:
    """ "outage; ack 5 min; resolve 1 h": fields where a key names one, description otherwise."""
    parts = [p.strip() for p in re.split(r"[;|]", rest) if p.strip()]
    leftover = []
    for part in parts:
        pair = key_value(part)
        terse = _TERSE.match(plain(part))
        key, value = (pair.key, pair.value) if pair else (terse["key"], terse["value"]) if terse else ("", "")
        name = field_of(key) if key else None
        if name is None or name == "name" or not draft.set(name, value):
            leftover.append(plain(part))
    draft.label = SeverityLabel(draft.label.name, draft.label.aliases, "; ".join(leftover))


def _read_fields(ctx: ParseContext, draft: LevelDraft, items: Sequence[ListItem]) -> list[Unit]:
    """Key/value items set fields; plain items are examples. Answers the units used."""
    used: list[Unit] = []
    for item in items:
        pair = key_value(item.text)
        name = field_of(pair.key) if pair else None
        if pair and name and name != "name" and draft.set(name, pair.value):
            used.append(item)
        elif pair and pair.bold:
            ctx.reject(item, f"severity field '{pair.key}' is not one tocsin knows")
        elif item.text:
            draft.examples.append(plain(item.text))
            used.append(item)
    return used


def _from_heading(ctx: ParseContext, child: Section, label: SeverityLabel) -> None:
    draft = LevelDraft(label)
    used: list[Unit] = []
    for block in child.blocks:
        if isinstance(block, ListBlock):
            used += _read_fields(ctx, draft, block.items)
        elif isinstance(block, Paragraph):
            pair = key_value(block.text)
            name = field_of(pair.key) if pair else None
            if pair and name and draft.set(name, pair.value):
                used.append(block)
            elif not pair:
                draft.description.append(plain(block.text))
                used.append(block)
    _add(ctx, draft, child.start, used)


def _from_item(ctx: ParseContext, item: ListItem) -> bool:
    pair = key_value(item.text)
    label = parse_severity_label(pair.key if pair else item.text)
    if label is None:
        return False
    draft = LevelDraft(label)
    if pair:
        _read_terse(draft, pair.value)
    elif label.rest:
        _read_terse(draft, label.rest)
    nested = [sub for block in item.blocks if isinstance(block, ListBlock) for sub in block.items]
    used = _read_fields(ctx, draft, nested)
    _add(ctx, draft, item.start, [item, *used])
    return True


def severity_table(table: Table, ctx: ParseContext) -> None:
    """One level per row; the first column (or the one headed Level/Severity/Priority) is the name."""
    roles = [field_of(header) for header in table.header]
    name_column = roles.index("name") if "name" in roles else 0
    for index, header in enumerate(table.header):
        if index != name_column and roles[index] in (None, "name"):
            ctx.note(table.start, header, f"column '{plain(header)}' of the severity table is not used")
    ctx.use(table)
    for row in table.rows:
        label = parse_severity_label(row.cells[name_column]) if row.cells else None
        if label is None:
            ctx.reject(row, "table row does not start with a severity name")
            continue
        draft = LevelDraft(label)
        for index, cell in enumerate(row.cells):
            role = roles[index] if index < len(roles) else None
            if index == name_column or role is None or not cell.strip():
                continue
            if role == "description":
                alias, rest = split_alias(plain(cell))
                if alias and alias.casefold() != label.name.casefold() and alias not in draft.label.aliases:
                    draft.label = replace(draft.label, aliases=(alias, *draft.label.aliases))
                draft.description.append(rest)
            else:
                draft.set(role, cell)
        _add(ctx, draft, row.start, [row])


def _paragraph(ctx: ParseContext, block: Paragraph) -> None:
    pair = key_value(block.text)
    label = parse_severity_label(pair.key if pair else block.text)
    if label is None:
        return
    draft = LevelDraft(label)
    _read_terse(draft, pair.value if pair else label.rest)
    _add(ctx, draft, block.start, [block])


def read_severity_section(ctx: ParseContext, section: Section) -> None:
    """Read levels from the section's lists, paragraphs and per-level sub-headings.

    Its tables are left to the table reader (which knows a severity table by its columns); sub-headings
    that are not levels are dispatched as sections of their own.
    """
    for block in section.blocks:
        if isinstance(block, ListBlock):
            for item in block.items:
                if not _from_item(ctx, item):
                    ctx.reject(item, "list item in the severity section does not name a severity")
        elif isinstance(block, Paragraph):
            _paragraph(ctx, block)
    for child in section.children:
        label = parse_severity_label(clean_heading(child.title))
        if label is not None:
            _from_heading(ctx, child, label)
            for grandchild in child.children:
                ctx.dispatch(grandchild, None)
        else:
            ctx.dispatch(child, None)
