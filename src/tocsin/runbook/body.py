"""Reading the body of a scenario, procedure or phase: its labels, code, lists and sub-headings.

A label ("**Investigation**:", "### Resolution Steps", "**Database Issue?**") applies to what follows it
until the next label. Under a symptoms label, list items and comma-separated text are symptoms; under a
causes label they are causes; everywhere else they are steps.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from tocsin.domain.playbook import Step
from tocsin.runbook.context import ParseContext, SectionKind
from tocsin.runbook.document import Block, Fence, Html, ListBlock, ListItem, Paragraph, Quote, Section, Table
from tocsin.runbook.sections import SYMPTOM_LABEL, classify, symptoms_key
from tocsin.runbook.steps import manual_step, starts_with_action, steps_from_fence
from tocsin.runbook.tables import read_table
from tocsin.runbook.text import clean_heading, key_value, label_of, plain, split_list

__all__ = ["Body", "read_body"]

_CAUSE_LABEL = re.compile(r"^((likely|possible|probable|common|potential)\s+)?(root\s+)?causes?$", re.I)
# Prose becomes a step only when it reads as an instruction.
_INSTRUCTION = re.compile(
    r"^(if|when|once|then|check|verify|run|restart|roll ?back|scale|contact|page|notify|escalate|ensure|"
    r"review|confirm|open|post|update|create|monitor|wait|do not|don't|never|always|make sure|use|call|"
    r"look|identify|disable|enable|increase|consider|try|apply|deploy|revert|drain|failover|fail over)\b",
    re.IGNORECASE,
)


def _instruction(text: str) -> bool:
    return bool(_INSTRUCTION.match(text)) or starts_with_action(text)


# Sections that stay separate even inside a procedure: they are not steps.
_SEPARATE = frozenset(
    [
        SectionKind.SEVERITIES,
        SectionKind.ASSESSMENT,
        SectionKind.ESCALATION,
        SectionKind.CONTACTS,
        SectionKind.PHASE,
        SectionKind.SCENARIOS,
        SectionKind.SCENARIO,
        SectionKind.TEMPLATES,
        SectionKind.POST_INCIDENT,
        SectionKind.CHECKLIST,
        SectionKind.POSTMORTEM,
        SectionKind.ALERT_RULES,
        SectionKind.LINKS,
    ]
)


@dataclass
class Body:
    steps: list[Step] = field(default_factory=list)
    symptoms: list[str] = field(default_factory=list)
    causes: list[str] = field(default_factory=list)
    description: list[str] = field(default_factory=list)


@dataclass
class _Reader:
    ctx: ParseContext
    scenario: bool  # in a scenario, sub-headings are labels, never separate sections
    body: Body = field(default_factory=Body)

    def section(self, section: Section, labels: Sequence[str], own_kind: SectionKind) -> None:
        self.blocks(section.blocks, labels)
        for child in section.children:
            kind = classify(child, own_kind)
            if not self.scenario and kind in _SEPARATE:
                self.ctx.dispatch(child, own_kind)
            else:
                self.section(child, [*labels, clean_heading(child.title)], own_kind)

    def blocks(self, blocks: Sequence[Block], labels: Sequence[str]) -> None:
        label: str | None = None
        for block in blocks:
            current = [*labels, label] if label else list(labels)
            if isinstance(block, Paragraph):
                label = self.paragraph(block, current, label)
            elif isinstance(block, Fence):
                self.ctx.use(block)
                self.body.steps.extend(steps_from_fence(block, current))
            elif isinstance(block, ListBlock):
                self.list_block(block, current)
            elif isinstance(block, Table):
                self.table(block, current)
            elif isinstance(block, Quote):
                self.blocks(block.blocks, current)
            elif isinstance(block, Html) and block.text.startswith("<!--"):
                self.ctx.use(block)

    def table(self, table: Table, labels: list[str]) -> None:
        """A one-column table headed "Symptoms" (or "Causes") lists them; other tables are read by columns."""
        header = plain(table.header[0]) if len(table.header) == 1 else ""
        where = self.where([header]) if header else None
        if where is None:
            self.body.steps.extend(read_table(table, self.ctx, labels))
            return
        where.extend(plain(row.cells[0]) for row in table.rows if row.cells and row.cells[0].strip())
        self.ctx.use(table, *table.rows)

    def paragraph(self, block: Paragraph, labels: list[str], label: str | None) -> str | None:
        """Read a paragraph; answer the label in force after it."""
        found = label_of(block.text)
        if found is not None:
            self.ctx.use(block)
            return found
        pair = key_value(block.text)
        if pair and (symptoms_key(pair) or _CAUSE_LABEL.match(pair.key)):
            self.ctx.use(block)
            target = self.body.symptoms if symptoms_key(pair) else self.body.causes
            target.extend(split_list(plain(pair.value).rstrip(":")))
            # "Symptoms: a, b" says them all; "Symptoms: any of:" introduces a list that follows.
            return pair.key if pair.value.rstrip().endswith(":") else label
        where = self.where(labels)
        text = plain(block.text)
        if where is not None:
            self.ctx.use(block)
            where.extend(split_list(text) if where is self.body.symptoms else [text])
        elif _instruction(text) or (pair and pair.bold and _instruction(plain(pair.value))):
            self.ctx.use(block)
            self.body.steps.append(manual_step(block.text, labels))
        elif self.scenario and not self.body.steps and not labels:
            self.ctx.use(block)
            self.body.description.append(text)
        else:
            self.ctx.reject(block, "text that is not an instruction")
        return label

    def where(self, labels: Sequence[str]) -> list[str] | None:
        """The list that plain text under these labels belongs to, if not steps."""
        if labels and SYMPTOM_LABEL.match(labels[-1]):
            return self.body.symptoms
        if labels and _CAUSE_LABEL.match(labels[-1]):
            return self.body.causes
        return None

    def list_block(self, block: ListBlock, labels: list[str]) -> None:
        where = self.where(labels)
        for item in block.items:
            if where is not None:
                self.ctx.use_all(item)
                where.append(_item_text(item))
            else:
                self.item(item, labels)

    def item(self, item: ListItem, labels: list[str]) -> None:
        fences = [inner for inner in item.blocks if isinstance(inner, Fence)]
        rest = [inner for inner in item.blocks if not isinstance(inner, Fence)]
        if not item.text and not fences:
            self.blocks(item.blocks, labels)
            return
        self.ctx.use(item)
        if fences:
            description = plain(item.text)
            for fence in fences:
                self.ctx.use(fence)
                self.body.steps.extend(steps_from_fence(fence, labels, intro=description))
            self.blocks(rest, [*labels, plain(item.text)] if item.text else labels)
            return
        self.body.steps.append(manual_step(_item_markdown(item), labels))
        for inner in rest:
            if _is_plain(inner):  # its text is in the step's description
                self.ctx.use_all(inner)
            else:
                self.blocks([inner], [*labels, plain(item.text)])


def _is_plain(block: Block) -> bool:
    """Text only: a paragraph, or a list whose items (at any depth) hold nothing but text."""
    if isinstance(block, Paragraph):
        return True
    if isinstance(block, ListBlock):
        return all(all(_is_plain(inner) for inner in item.blocks) for item in block.items)
    return False


def _item_markdown(item: ListItem) -> str:
    """An item's text with its nested items as indented lines."""
    lines = [item.text]
    for inner in item.blocks:
        if isinstance(inner, ListBlock):
            lines.extend(f"- {_item_text(sub)}" for sub in inner.items)
        elif isinstance(inner, Paragraph):
            lines.append(inner.text)
    return "\n".join(lines)


def _item_text(item: ListItem) -> str:
    text = plain(item.text)
    nested = [plain(_item_markdown(sub)) for b in item.blocks if isinstance(b, ListBlock) for sub in b.items]
    return f"{text} ({'; '.join(nested)})" if nested else text


def read_body(
    ctx: ParseContext,
    section: Section,
    kind: SectionKind,
    labels: Sequence[str] = (),
    *,
    scenario: bool = False,
) -> Body:
    """Steps (and, in a scenario, symptoms, causes and description) from a section and its children."""
    reader = _Reader(ctx, scenario)
    reader.section(section, labels, kind)
    return reader.body
