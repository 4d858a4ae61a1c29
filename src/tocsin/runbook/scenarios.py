"""Scenarios, procedures and phases: the parts of a runbook made of steps.

A scenario's title loses its decoration ("3.1 ", "Scenario 1: "); a severity in front of it ("P0
INCIDENT: API COMPLETELY DOWN") becomes the scenario's severity. Terse runbooks write scenarios as list
items ("- **Disk full**" with nested "symptoms: ..." and "fix: `...`" items), which are read too.
"""

from __future__ import annotations

import re

from tocsin.domain.durations import parse_window
from tocsin.domain.playbook import Phase, Procedure, Scenario, Step
from tocsin.runbook.body import read_body
from tocsin.runbook.context import ParseContext, SectionKind
from tocsin.runbook.document import ListBlock, ListItem, Section
from tocsin.runbook.sections import SYMPTOM_LABEL
from tocsin.runbook.severity_names import find_severity_names
from tocsin.runbook.steps import manual_step
from tocsin.runbook.text import clean_heading, key_value, plain, split_list

__all__ = ["phase_name", "read_phase", "read_procedure", "read_scenario", "scenario_from_item"]

_PREFIX = re.compile(r"^(?:scenario|incident|issue|problem|case)\s*#?\d*\s*[:.\-–—]\s*", re.I)  # noqa: RUF001
_SEVERITY_PREFIX = re.compile(
    r"^(?P<severity>SEV[ -]?\d+|P\d|Priority \d|Severity \d|Critical|High|Medium|Low)\s*[:\-–—]?\s*"  # noqa: RUF001
    r"(?:incident|issue|alert)?\s*[:\-–—]\s*(?P<rest>.+)$",  # noqa: RUF001
    re.IGNORECASE,
)
_PHASE_PREFIX = re.compile(r"^phase\s*\d+\s*[:.\-–—]?\s*", re.I)  # noqa: RUF001
_WINDOW_TEXT = re.compile(r"\s*\((?:[^()]*\d[^()]*)\)\s*$")
_CAUSES = re.compile(r"^((likely|possible|probable|common)\s+)?causes?$", re.I)


def _scenario_title(raw: str) -> tuple[str, str | None]:
    title = _PREFIX.sub("", clean_heading(raw))
    match = _SEVERITY_PREFIX.match(title)
    if match is None:
        return title, None
    named = find_severity_names(match["severity"])
    if named or re.search(r"incident|issue|alert", title[: match.start("rest")], re.IGNORECASE):
        return match["rest"].strip(), match["severity"]
    return title, None


def read_scenario(ctx: ParseContext, section: Section) -> None:
    """A scenario from a section: symptoms, causes, description and steps."""
    title, severity = _scenario_title(section.title)
    index = len(ctx.draft.scenarios)
    body = read_body(ctx, section, SectionKind.SCENARIO, scenario=True)
    scenario = Scenario(
        title=title,
        steps=tuple(body.steps),
        symptoms=tuple(body.symptoms),
        causes=tuple(body.causes),
        description=" ".join(body.description),
        severity=severity,
    )
    ctx.draft.scenarios.insert(index, scenario)


def scenario_from_item(ctx: ParseContext, item: ListItem) -> Scenario | None:
    """A scenario written as one list item with key/value parts: "symptoms: ...", "fix: `...`"."""
    pair = key_value(item.text)
    title = pair.key if pair else plain(item.text)
    if not title:
        return None
    parts = [p for p in re.split(r"\s*;\s*", pair.value) if p] if pair else []
    nested = [sub for block in item.blocks if isinstance(block, ListBlock) for sub in block.items]
    symptoms: list[str] = []
    causes: list[str] = []
    steps: list[Step] = []
    for raw in [*parts, *(sub.text for sub in nested)]:
        field = key_value(raw)
        key, value = (field.key, field.value) if field else ("", raw)
        if key and SYMPTOM_LABEL.match(key):
            symptoms.extend(split_list(plain(value)))
        elif key and _CAUSES.match(key):
            causes.extend(split_list(plain(value)))
        else:
            steps.append(manual_step(raw, [key] if key else [title]))
    ctx.use(item)
    for sub in nested:
        ctx.use_all(sub)
    return Scenario(title, tuple(steps), tuple(symptoms), tuple(causes))


def phase_name(raw: str) -> str:
    """ "Phase 1: Detection & Acknowledgment (0-5 min)" → "Detection & Acknowledgment"."""
    text = _WINDOW_TEXT.sub("", clean_heading(raw))
    return _PHASE_PREFIX.sub("", text).strip() or clean_heading(raw)


def read_phase(ctx: ParseContext, section: Section) -> None:
    name = phase_name(section.title)
    window = parse_window(plain(section.title))
    index = len(ctx.draft.phases)
    body = read_body(ctx, section, SectionKind.PHASE, [name])
    start, end = window if window else (None, None)
    ctx.draft.phases.insert(index, Phase(name, start, end, tuple(body.steps)))


def read_procedure(ctx: ParseContext, section: Section) -> None:
    """A procedure from a section; its sub-sections are its steps' labels unless they are separate
    parts of the runbook (a phase, a template, a checklist ...)."""
    title = clean_heading(section.title)
    index = len(ctx.draft.procedures)
    body = read_body(ctx, section, SectionKind.PROCEDURE, [title])
    if body.steps:
        ctx.draft.procedures.insert(index, Procedure(title, tuple(body.steps)))
