"""Tables read by their columns, wherever they appear.

A table's header says what it is: Alert | Likely Cause | First Action is the alert guide; Step |
Command is a list of steps; Condition | Severity are alert rules; Level | Response Time | ... with
severity names in its first column are severity levels; Level | Contact | After is an escalation path;
Role | Primary | Secondary are contacts; Name | URL are links. A table nobody recognises is reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from tocsin.domain.durations import find_duration, parse_duration
from tocsin.domain.playbook import (
    AlertGuideEntry,
    AlertRule,
    Checklist,
    ChecklistItem,
    Contact,
    EscalationLevel,
    Link,
    Step,
)
from tocsin.domain.safety import classify_code
from tocsin.runbook.alerts import sustained_for
from tocsin.runbook.context import ParseContext
from tocsin.runbook.document import Table
from tocsin.runbook.severities import severity_table
from tocsin.runbook.severity_names import find_severity_names, parse_severity_label
from tocsin.runbook.steps import decide_stage, stage_hint
from tocsin.runbook.text import code_spans, links_in, plain

__all__ = ["read_table"]

_COLUMNS = {
    "cause": r"\bcauses?\b|\breasons?\b|\bwhy\b",
    "action": r"\bactions?\b|first step|\bresponse\b|\bfix|remed|what to do|next step|resolution",
    "alert": r"alert|signal|symptom|alarm|issue|problem|metric|trigger",
    "command": r"\bcommands?\b|\bcmd\b|\bcode\b|\bquery\b|\bscript\b|\brun\b",
    "step": r"step|action|description|what|task|check|purpose|name",
    "stage": r"stage|phase|type",
    "condition": r"condition|threshold|alert|metric|rule|trigger|when|signal",
    "severity": r"severity|priority|\bsev\b|^level$|^p$",
    "level": r"level|tier|step|order|^#$|^no\.?$",
    "target": r"contact|who|escalat|target|role|person|team|name|notify|page",
    "delay": r"after|delay|time|wait|timeout|when|sla",
    "role": r"role|team|function|position|area|service",
    "duties": r"responsibilit|duties|dut(y|ies)|what (they|it) does|does|job",
    "person": r"primary|secondary|backup|name|person|phone|e-?mail|slack|pager|contact|owner",
    "url": r"url|link|location|where|address|dashboard",
    "title": r"name|title|tool|resource|runbook|document|what",
    "task": r"\btasks?\b|\bitems?\b|\bto-?do\b|\bchecklist\b|\bactivity\b",
    "due": r"\bdue\b|deadline|\bby\b|\bwithin\b|\bwhen\b",
}


def _find(header: Sequence[str], role: str, exclude: Sequence[int] = ()) -> int | None:
    for index, cell in enumerate(header):
        if index not in exclude and re.search(_COLUMNS[role], plain(cell), re.IGNORECASE):
            return index
    return None


def _cell(cells: Sequence[str], index: int | None) -> str:
    return plain(cells[index]) if index is not None and index < len(cells) else ""


def _guide(table: Table, ctx: ParseContext, labels: Sequence[str]) -> list[Step]:
    cause, action = _find(table.header, "cause"), _find(table.header, "action")
    alert = _find(table.header, "alert", [i for i in (cause, action) if i is not None]) or 0
    for row in table.rows:
        ctx.use(row)
        ctx.draft.alert_guide.append(
            AlertGuideEntry(_cell(row.cells, alert), _cell(row.cells, cause), _cell(row.cells, action))
        )
    return []


def _steps(table: Table, ctx: ParseContext, labels: Sequence[str]) -> list[Step]:
    command = _find(table.header, "command")
    step = _find(table.header, "step", [command] if command is not None else [])
    stage = _find(table.header, "stage", [i for i in (command, step) if i is not None])
    steps = []
    for row in table.rows:
        ctx.use(row)
        raw = row.cells[command] if command is not None and command < len(row.cells) else ""
        code = "\n".join(code_spans(raw)) or plain(raw)
        safety = classify_code(code, "bash").safety if code else None
        description = _cell(row.cells, step)
        hint = stage_hint([*labels, _cell(row.cells, stage)])
        steps.append(
            Step(
                decide_stage(hint, description, safety),
                description,
                code,
                "bash" if code else "",
                safety,
                labels[-1] if labels else "",
            )
        )
    return steps


def _rules(table: Table, ctx: ParseContext, labels: Sequence[str]) -> list[Step]:
    severity = _find(table.header, "severity")
    condition = _find(table.header, "condition", [severity] if severity is not None else []) or 0
    for row in table.rows:
        text, name = _cell(row.cells, condition), _cell(row.cells, severity)
        label = parse_severity_label(name)
        if not text or label is None:
            ctx.reject(row, "an alert rule needs a condition and a severity")
            continue
        held = sustained_for(text)
        ctx.draft.alert_rules.append(AlertRule(text, label.name, find_duration(held) if held else None))
        ctx.use(row)
    return []


def _escalation(table: Table, ctx: ParseContext, labels: Sequence[str]) -> list[Step]:
    level = _find(table.header, "level")
    target = _find(table.header, "target", [level] if level is not None else [])
    delay = _find(table.header, "delay", [i for i in (level, target) if i is not None])
    for position, row in enumerate(table.rows, start=1):
        ctx.use(row)
        number = re.search(r"\d+", _cell(row.cells, level))
        note = _cell(row.cells, delay)
        wait = find_duration(note)
        ctx.draft.escalation.append(
            EscalationLevel(
                int(number.group()) if number else position,
                _cell(row.cells, target),
                wait,
                "" if wait is not None else note,
                tuple(find_severity_names(note, ctx.severity_names())),
            )
        )
    return []


def _contacts(table: Table, ctx: ParseContext, labels: Sequence[str]) -> list[Step]:
    role = _find(table.header, "role") or 0
    people = [
        i for i, cell in enumerate(table.header) if i != role and re.search(_COLUMNS["person"], cell, re.I)
    ]
    reach = [i for i in people if re.search(r"phone|mail|slack|pager|contact", table.header[i], re.I)]
    names = [i for i in people if i not in reach]
    duties = _find(table.header, "duties", [role, *people])
    for row in table.rows:
        ctx.use(row)
        ctx.draft.contacts.append(
            Contact(
                _cell(row.cells, role),
                _cell(row.cells, names[0] if names else None),
                _cell(row.cells, names[1] if len(names) > 1 else None),
                ", ".join(_cell(row.cells, i) for i in reach if _cell(row.cells, i)),
                _cell(row.cells, duties),
            )
        )
    return []


def _links(table: Table, ctx: ParseContext, labels: Sequence[str]) -> list[Step]:
    url = _find(table.header, "url")
    title = _find(table.header, "title", [url] if url is not None else []) or 0
    for row in table.rows:
        ctx.use(row)
        found = links_in(row.cells[url]) if url is not None and url < len(row.cells) else []
        link = found[0][1] if found else (_cell(row.cells, url) or None)
        ctx.draft.links.append(Link(_cell(row.cells, title), link, labels[-1] if labels else ""))
    return []


def _checklist(table: Table, ctx: ParseContext, labels: Sequence[str]) -> list[Step]:
    task, due = _find(table.header, "task"), _find(table.header, "due")
    rows = [row for row in table.rows if _cell(row.cells, task)]
    ctx.use(*rows)
    items = tuple(
        ChecklistItem(_cell(row.cells, task), parse_duration(_cell(row.cells, due))) for row in rows
    )
    ctx.draft.checklists.append(Checklist(labels[-1] if labels else "Checklist", items))
    return []


def _severities(table: Table, ctx: ParseContext, labels: Sequence[str]) -> list[Step]:
    severity_table(table, ctx)
    return []


def _severity_rows(table: Table) -> bool:
    names = [parse_severity_label(row.cells[0]) for row in table.rows if row.cells]
    return bool(names) and sum(1 for name in names if name) * 2 > len(names)


Reader = Callable[[Table, ParseContext, Sequence[str]], list[Step]]


# The column roles each reader reads (the first column stands in for a missing name or condition).
_READS: dict[Reader, tuple[str, ...]] = {
    _guide: ("cause", "action", "alert"),
    _steps: ("command", "step", "stage"),
    _rules: ("severity", "condition"),
    _escalation: ("level", "target", "delay"),
    _contacts: ("role", "person", "duties"),
    _links: ("url", "title"),
    _checklist: ("task", "due"),
}


def _note_unused_columns(table: Table, ctx: ParseContext, reader: Reader) -> None:
    roles = _READS.get(reader)
    if roles is None:  # the severity reader notes its own
        return
    for index, header in enumerate(table.header):
        used = index == 0 or any(re.search(_COLUMNS[role], plain(header), re.IGNORECASE) for role in roles)
        if not used:
            ctx.note(table.start, plain(header), f"column '{plain(header)}' of the table is not used")


def _reader(table: Table) -> Reader | None:
    has = {role: _find(table.header, role) is not None for role in _COLUMNS}
    if has["cause"] and has["action"]:
        return _guide
    if has["command"]:
        return _steps
    if _severity_rows(table) and not has["condition"]:
        return _severities
    if has["severity"] and has["condition"]:
        return _rules
    if has["level"] and has["target"] and has["delay"]:
        return _escalation
    if has["role"] and (has["person"] or has["duties"]):
        return _contacts
    if has["url"]:
        return _links
    if has["task"] and has["due"]:
        return _checklist
    return None


def read_table(table: Table, ctx: ParseContext, labels: Sequence[str] = ()) -> list[Step]:
    """Read a table into the playbook by its columns; answers the steps of a steps table.

    Each reader claims the rows it uses, so rows it cannot use are reported; a table nobody recognises
    is reported whole.
    """
    reader = _reader(table)
    if reader is None:
        columns = ", ".join(plain(cell) for cell in table.header)
        ctx.reject(table, f"a table with the columns {columns} is not one tocsin understands")
        return []
    ctx.use(table)
    _note_unused_columns(table, ctx, reader)
    return reader(table, ctx, labels)
