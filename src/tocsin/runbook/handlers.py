"""One handler per kind of section: it reads what it understands and dispatches the sub-sections.

Whatever a handler leaves (a table in an overview, code in a severity section) is offered to the generic
readers: tables by their columns, command fences as a procedure named after the section. Anything still
unused is reported as unparsed when the import ends.
"""

from __future__ import annotations

from collections.abc import Callable

from tocsin.domain.playbook import Procedure, Step
from tocsin.runbook.alerts import alert_rule
from tocsin.runbook.assessment import read_assessment
from tocsin.runbook.checklists import looks_like_outline, read_checklists, read_outline
from tocsin.runbook.context import ParseContext, SectionKind
from tocsin.runbook.document import Fence, ListBlock, Paragraph, Section, Table
from tocsin.runbook.escalation import contact_items, read_escalation_lists
from tocsin.runbook.links import read_links
from tocsin.runbook.scenarios import read_phase, read_procedure, read_scenario, scenario_from_item
from tocsin.runbook.sections import is_code_fence
from tocsin.runbook.severities import read_severity_section
from tocsin.runbook.steps import steps_from_fence
from tocsin.runbook.tables import read_table
from tocsin.runbook.templates import make_template, read_templates
from tocsin.runbook.text import clean_heading, key_value, plain

__all__ = ["HANDLERS"]

K = SectionKind


def _leftovers(ctx: ParseContext, section: Section, steps: list[Step] | None = None) -> None:
    """Read the blocks a handler did not claim: tables by their columns, command fences as steps."""
    title = clean_heading(section.title)
    found = list(steps or [])
    for block in section.blocks:
        if isinstance(block, Table) and not ctx.is_claimed(block):
            found.extend(read_table(block, ctx, [title]))
        elif isinstance(block, Fence) and is_code_fence(block) and not ctx.is_claimed(block):
            ctx.use(block)
            found.extend(steps_from_fence(block, [title]))
    if found:
        ctx.draft.procedures.append(Procedure(title, tuple(found)))


def _children(ctx: ParseContext, section: Section, kind: SectionKind | None) -> None:
    for child in section.children:
        ctx.dispatch(child, kind)


def overview(ctx: ParseContext, section: Section) -> None:
    for block in section.blocks:
        if isinstance(block, Paragraph):
            ctx.draft.summary.append(plain(block.text))
            ctx.use(block)
        elif isinstance(block, ListBlock):
            for item in block.items:
                ctx.draft.summary.append(f"- {plain(item.text)}")
                ctx.use_all(item)
    _leftovers(ctx, section)
    _children(ctx, section, None)


def severities(ctx: ParseContext, section: Section) -> None:
    read_severity_section(ctx, section)
    _leftovers(ctx, section)


def assessment(ctx: ParseContext, section: Section) -> None:
    read_assessment(ctx, section)
    _leftovers(ctx, section)
    _children(ctx, section, None)


def escalation(ctx: ParseContext, section: Section) -> None:
    read_escalation_lists(ctx, section)
    _leftovers(ctx, section)
    _children(ctx, section, K.ESCALATION)


def contacts(ctx: ParseContext, section: Section) -> None:
    role = clean_heading(section.title)
    for block in section.blocks:
        if isinstance(block, ListBlock):
            contact_items(ctx, block.items, role)
        elif isinstance(block, Paragraph) and key_value(block.text) is not None:
            contact_items(ctx, [block], role)
    _leftovers(ctx, section)
    _children(ctx, section, K.CONTACTS)


def phase(ctx: ParseContext, section: Section) -> None:
    read_phase(ctx, section)


def procedure(ctx: ParseContext, section: Section) -> None:
    read_procedure(ctx, section)


def scenarios(ctx: ParseContext, section: Section) -> None:
    for block in section.blocks:
        if isinstance(block, ListBlock):
            for item in block.items:
                found = scenario_from_item(ctx, item)
                if found is not None:
                    ctx.draft.scenarios.append(found)
    _leftovers(ctx, section)
    _children(ctx, section, K.SCENARIOS)


def scenario(ctx: ParseContext, section: Section) -> None:
    read_scenario(ctx, section)


def templates(ctx: ParseContext, section: Section) -> None:
    steps = read_templates(ctx, section)
    _leftovers(ctx, section, steps)


def post_incident(ctx: ParseContext, section: Section) -> None:
    read_checklists(ctx, section)
    for block in section.blocks:
        if isinstance(block, Fence) and not is_code_fence(block) and not ctx.is_claimed(block):
            ctx.draft.templates.append(make_template(clean_heading(section.title), block.code))
            ctx.use(block)
    _leftovers(ctx, section)
    _children(ctx, section, K.POST_INCIDENT)


def postmortem(ctx: ParseContext, section: Section) -> None:
    if looks_like_outline(section):
        read_outline(ctx, section)
        for block in section.blocks:
            if isinstance(block, Fence) and not is_code_fence(block):
                ctx.draft.templates.append(make_template(clean_heading(section.title), block.code))
                ctx.use(block)
        _leftovers(ctx, section)
        _children(ctx, section, K.POST_INCIDENT)
    else:
        post_incident(ctx, section)


def alert_rules(ctx: ParseContext, section: Section) -> None:
    for block in section.blocks:
        if isinstance(block, ListBlock):
            for item in block.items:
                rule = alert_rule(item.text, ctx.severity_names())
                if rule is None:
                    ctx.reject(item, "an alert rule is written 'condition → severity'")
                    continue
                ctx.draft.alert_rules.append(rule)
                ctx.use_all(item)
    _leftovers(ctx, section)
    _children(ctx, section, K.ALERT_RULES)


def links(ctx: ParseContext, section: Section) -> None:
    read_links(ctx, section)
    _leftovers(ctx, section)
    _children(ctx, section, K.LINKS)


def unknown(ctx: ParseContext, section: Section) -> None:
    _leftovers(ctx, section)
    _children(ctx, section, None)


HANDLERS: dict[SectionKind, Callable[[ParseContext, Section], None]] = {
    K.OVERVIEW: overview,
    K.SEVERITIES: severities,
    K.ASSESSMENT: assessment,
    K.ESCALATION: escalation,
    K.CONTACTS: contacts,
    K.PHASE: phase,
    K.PROCEDURE: procedure,
    K.SCENARIOS: scenarios,
    K.SCENARIO: scenario,
    K.TEMPLATES: templates,
    K.POST_INCIDENT: post_incident,
    K.CHECKLIST: post_incident,
    K.POSTMORTEM: postmortem,
    K.ALERT_RULES: alert_rules,
    K.LINKS: links,
    K.UNKNOWN: unknown,
}
