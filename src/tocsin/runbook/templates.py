"""Communication templates: each message block under a heading ("### Status Update" + a fence or quote).

A template is named by its nearest heading or label; a qualifier before it ("For P0/P1 incidents
affecting users:") becomes its notes. Its kind (initial, update, resolution, status page, external,
postmortem) comes from its name, or from its first line when the name says nothing.
"""

from __future__ import annotations

import re

from tocsin.domain.durations import find_duration
from tocsin.domain.playbook import Step, Template, TemplateKind
from tocsin.runbook.context import ParseContext
from tocsin.runbook.document import Fence, Paragraph, Quote, Section
from tocsin.runbook.placeholders import find_placeholders
from tocsin.runbook.sections import is_code_fence
from tocsin.runbook.steps import steps_from_fence
from tocsin.runbook.text import clean_heading, label_of, plain

__all__ = ["make_template", "read_templates", "template_kind"]

_KINDS: list[tuple[TemplateKind, str]] = [
    (TemplateKind.STATUS_PAGE, r"status ?page|statuspage|public"),
    (TemplateKind.POSTMORTEM, r"post[- ]?mortem|timeline|\brca\b|incident report|retro"),
    (TemplateKind.RESOLUTION, r"resol|all clear|closed|recovered|restored"),
    (TemplateKind.UPDATE, r"update|progress|follow[- ]?up"),
    (TemplateKind.EXTERNAL, r"external|customer|client|users"),
    (TemplateKind.INITIAL, r"initial|first|declar|alert|notification|internal|incident|kick ?off|page"),
]
_QUALIFIER = re.compile(r"^(for|when|if|use|send|post|only|to be)\b", re.IGNORECASE)
_CADENCE = re.compile(r"next update\W*(?:in|at|within)?\s*([^\n]+)|updates? every\s+([^\n.]+)", re.IGNORECASE)


def template_kind(name: str, body: str) -> TemplateKind:
    """The kind of a template, from its name, else from the first line of its body."""
    first_line = body.strip().split("\n", 1)[0] if body.strip() else ""
    for text in (name, first_line):
        for kind, pattern in _KINDS:
            if re.search(pattern, text, re.IGNORECASE):
                return kind
    return TemplateKind.OTHER


def _cadence(body: str) -> str | None:
    match = _CADENCE.search(body)
    return (match.group(1) or match.group(2)) if match else None


def make_template(name: str, body: str, notes: str = "") -> Template:
    """A template from its name and body: kind, placeholders and stated update cadence worked out."""
    cadence = _cadence(body)
    return Template(
        name=name,
        body=body,
        kind=template_kind(name, body),
        placeholders=find_placeholders(body),
        notes=notes,
        update_cadence=find_duration(cadence) if cadence else None,
    )


def _quote_body(ctx: ParseContext, quote: Quote) -> str:
    lines = ctx.document.lines[quote.start : quote.end]
    return "\n".join(re.sub(r"^\s*>\s?", "", line) for line in lines).strip()


class _Reader:
    def __init__(self, ctx: ParseContext) -> None:
        self.ctx = ctx
        self.steps: list[Step] = []

    def section(self, section: Section, name: str) -> None:
        notes: list[str] = []
        current = name
        for block in section.blocks:
            if isinstance(block, Paragraph):
                current = self.paragraph(block, current, notes)
            elif isinstance(block, Fence) and is_code_fence(block):
                self.ctx.use(block)  # a command beside the messages, e.g. posting one with a CLI
                self.steps.extend(steps_from_fence(block, [name]))
            elif isinstance(block, Fence):
                self.add(current, block.code, notes)
                self.ctx.use(block)
            elif isinstance(block, Quote):
                self.add(current, _quote_body(self.ctx, block), notes)
                self.ctx.use_all(block)
        for child in section.children:
            self.section(child, clean_heading(child.title))

    def paragraph(self, block: Paragraph, current: str, notes: list[str]) -> str:
        label = label_of(block.text)
        text = plain(block.text)
        if label is not None and not _QUALIFIER.match(label):
            current = label
        elif label is not None or _QUALIFIER.match(text):
            notes.append(label or text)
        elif find_placeholders(block.text):
            self.add(current, block.text.strip(), notes)
        else:
            return current  # not used: reported as unparsed
        self.ctx.use(block)
        return current

    def add(self, name: str, body: str, notes: list[str]) -> None:
        self.ctx.draft.templates.append(make_template(name, body, " ".join(notes)))
        notes.clear()


def read_templates(ctx: ParseContext, section: Section) -> list[Step]:
    """Templates from a section and its sub-sections; answers the steps of any command fences in it."""
    reader = _Reader(ctx)
    reader.section(section, clean_heading(section.title))
    return reader.steps
