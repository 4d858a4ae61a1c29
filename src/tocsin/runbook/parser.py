"""``parse_runbook``: a Markdown incident runbook in, a :class:`~tocsin.domain.playbook.Playbook` out.

The text is repaired first (mojibake), parsed into sections, and each section is handed to the handler
for its kind (:mod:`tocsin.runbook.sections` decides the kind, :mod:`tocsin.runbook.handlers` reads it).
Whatever no handler used is listed in ``Playbook.unparsed`` with its line and the reason.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import PurePath

from tocsin.domain.playbook import Playbook, SeverityDefinition, Template
from tocsin.runbook.context import Draft, ParseContext, SectionKind
from tocsin.runbook.document import ListBlock, Paragraph, Section, read_document, repair_text
from tocsin.runbook.handlers import HANDLERS
from tocsin.runbook.sections import classify
from tocsin.runbook.severity_names import find_severity_names
from tocsin.runbook.text import clean_heading, plain

__all__ = ["parse_runbook"]


def _dispatch(ctx: ParseContext) -> None:
    def dispatch(section: Section, parent: SectionKind | None) -> None:
        HANDLERS[classify(section, parent)](ctx, section)

    ctx.dispatch = dispatch


def _read_preamble(ctx: ParseContext) -> None:
    """Text before the first section (or under the title) is the playbook's summary."""
    ctx.draft.summary.extend(ctx.document.subtitles)
    for block in ctx.document.preamble:
        if isinstance(block, Paragraph):
            ctx.draft.summary.append(plain(block.text))
            ctx.use(block)
        elif isinstance(block, ListBlock) and all(not item.blocks for item in block.items):
            ctx.draft.summary.extend(f"- {plain(item.text)}" for item in block.items)
            ctx.use_all(block)


def _with_template_cadence(
    definitions: list[SeverityDefinition], templates: list[Template]
) -> list[SeverityDefinition]:
    """A template written for one severity that promises the next update ("INCIDENT ALERT - P0 ...
    Next Update: In 15 minutes") states that severity's update cadence, unless the level states one."""
    result = list(definitions)
    names = [name for d in definitions for name in d.level.names()]
    for template in templates:
        if template.update_cadence is None:
            continue
        mentioned = find_severity_names(template.body, names)
        if len(mentioned) != 1:
            continue
        for index, definition in enumerate(result):
            wanted = re.sub(r"[\s_-]+", "", mentioned[0]).casefold()
            known = [re.sub(r"[\s_-]+", "", n).casefold() for n in definition.level.names()]
            if wanted in known and definition.level.update_cadence is None:
                level = replace(definition.level, update_cadence=template.update_cadence)
                result[index] = replace(definition, level=level)
    return result


def _title(ctx: ParseContext, source_name: str) -> str:
    for candidate in (
        clean_heading(ctx.document.title),
        ctx.document.title.strip(),
        PurePath(source_name).stem,
    ):
        if candidate:
            return candidate
    return "Untitled runbook"


def _build(ctx: ParseContext, draft: Draft, source_name: str) -> Playbook:
    return Playbook(
        title=_title(ctx, source_name),
        source_name=source_name,
        summary="\n".join(line for line in draft.summary if line),
        severities=tuple(_with_template_cadence(draft.severities, draft.templates)),
        assessment=tuple(draft.assessment),
        escalation=tuple(draft.escalation),
        escalation_triggers=tuple(draft.escalation_triggers),
        contacts=tuple(draft.contacts),
        phases=tuple(draft.phases),
        procedures=tuple(draft.procedures),
        scenarios=tuple(draft.scenarios),
        alert_rules=tuple(draft.alert_rules),
        alert_guide=tuple(draft.alert_guide),
        templates=tuple(draft.templates),
        checklists=tuple(draft.checklists),
        postmortem=draft.postmortem,
        links=tuple(draft.links),
        unparsed=tuple(ctx.unparsed()),
    )


def parse_runbook(text: str, *, source_name: str = "") -> Playbook:
    """Import a Markdown incident runbook as a playbook, without storing anything.

    Reads any runbook of the genre (tables or lists, SEV/P/Severity/Critical naming, headings at any
    depth, shell/SQL/kubectl/aws commands). What it cannot understand is listed in ``unparsed`` with its
    line number; nothing is dropped silently. ``source_name`` (a file name) is kept on the playbook and
    names it when the runbook has no title.
    """
    ctx = ParseContext(read_document(repair_text(text)))
    _dispatch(ctx)
    _read_preamble(ctx)
    for section in ctx.document.sections:
        ctx.dispatch(section, None)
    return _build(ctx, ctx.draft, source_name)
