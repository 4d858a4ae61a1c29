"""The state of one import: the parts found so far, and which pieces of the runbook were used.

Extractors *claim* each unit they turn into playbook data (:meth:`ParseContext.use`). When the import
ends, every unit nobody claimed becomes an :class:`~tocsin.domain.playbook.Unparsed` entry with its line
and a reason, so nothing is dropped without a word.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from tocsin.domain.playbook import (
    AlertGuideEntry,
    AlertRule,
    AssessmentQuestion,
    Checklist,
    Contact,
    EscalationLevel,
    EscalationTrigger,
    Link,
    Phase,
    PostmortemOutline,
    Procedure,
    Scenario,
    SeverityDefinition,
    Template,
    Unparsed,
)
from tocsin.runbook.document import (
    Block,
    Document,
    Fence,
    Html,
    ListBlock,
    ListItem,
    Paragraph,
    Quote,
    Section,
    Table,
    TableRow,
    Unit,
)
from tocsin.runbook.text import clean_heading

__all__ = ["Draft", "ParseContext", "SectionKind", "units_of"]


class SectionKind(StrEnum):
    OVERVIEW = "overview"
    SEVERITIES = "severities"
    ASSESSMENT = "assessment"
    ESCALATION = "escalation"
    CONTACTS = "contacts"
    PHASE = "phase"
    PROCEDURE = "procedure"
    SCENARIOS = "scenarios"
    SCENARIO = "scenario"
    TEMPLATES = "templates"
    POST_INCIDENT = "post_incident"
    CHECKLIST = "checklist"
    POSTMORTEM = "postmortem"
    ALERT_RULES = "alert_rules"
    LINKS = "links"
    UNKNOWN = "unknown"


@dataclass
class Draft:
    """The playbook being assembled, in the order things are found."""

    summary: list[str] = field(default_factory=list)
    severities: list[SeverityDefinition] = field(default_factory=list)
    assessment: list[AssessmentQuestion] = field(default_factory=list)
    escalation: list[EscalationLevel] = field(default_factory=list)
    escalation_triggers: list[EscalationTrigger] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)
    procedures: list[Procedure] = field(default_factory=list)
    scenarios: list[Scenario] = field(default_factory=list)
    alert_rules: list[AlertRule] = field(default_factory=list)
    alert_guide: list[AlertGuideEntry] = field(default_factory=list)
    templates: list[Template] = field(default_factory=list)
    checklists: list[Checklist] = field(default_factory=list)
    postmortem: PostmortemOutline | None = None
    links: list[Link] = field(default_factory=list)


def units_of(block: Block | ListItem) -> Iterator[Unit]:
    """Every unit inside a block, nested ones included, in document order."""
    if isinstance(block, ListBlock):
        for item in block.items:
            yield from units_of(item)
    elif isinstance(block, ListItem):
        if block.text:
            yield block
        for inner in block.blocks:
            yield from units_of(inner)
    elif isinstance(block, Table):
        yield block
        yield from block.rows
    elif isinstance(block, Quote):
        for inner in block.blocks:
            yield from units_of(inner)
    else:
        yield block


Dispatch = Callable[[Section, "SectionKind | None"], None]


def _no_dispatch(section: Section, parent: SectionKind | None) -> None:
    raise RuntimeError("ParseContext.dispatch was not set")


@dataclass
class ParseContext:
    document: Document
    draft: Draft = field(default_factory=Draft)
    dispatch: Dispatch = _no_dispatch
    _claimed: set[int] = field(default_factory=set)
    _reasons: dict[int, str] = field(default_factory=dict)
    _notes: list[Unparsed] = field(default_factory=list)

    def use(self, *units: Unit) -> None:
        """Claim units whose content went into the playbook."""
        self._claimed.update(id(unit) for unit in units)

    def use_all(self, block: Block | ListItem) -> None:
        """Claim a block with the text nested in it (its items and paragraphs).

        Code blocks and tables nested in it are not claimed: whoever reads them claims them, and if
        nobody does they are reported rather than lost inside a list item.
        """
        self.use(*(unit for unit in units_of(block) if not isinstance(unit, Fence | Table | TableRow)))

    def reject(self, unit: Unit, reason: str) -> None:
        """Say why a unit was not used (it is reported with this reason unless claimed later)."""
        self._reasons.setdefault(id(unit), reason)

    def note(self, line: int, text: str, reason: str) -> None:
        """Report part of a unit that was used otherwise, e.g. a table column nobody reads (0-based line)."""
        self._notes.append(Unparsed(line + 1, text, reason))

    def is_claimed(self, unit: Unit) -> bool:
        return id(unit) in self._claimed

    def severity_names(self) -> list[str]:
        """Names and aliases of the severities found so far."""
        return [name for definition in self.draft.severities for name in definition.level.names()]

    def unparsed(self) -> list[Unparsed]:
        """Every unit nobody claimed, with its line, its text and why it was not used."""
        found = list(self._notes)
        for section_title, block in self._all_blocks():
            for unit in units_of(block):
                if id(unit) not in self._claimed and not _ignorable(unit):
                    found.append(self._entry(unit, section_title))
        return sorted(found, key=lambda entry: entry.line)

    def _all_blocks(self) -> Iterator[tuple[str, Block]]:
        for block in self.document.preamble:
            yield "", block
        for top in self.document.sections:
            for section in top.walk():
                for block in section.blocks:
                    yield clean_heading(section.title), block

    def _entry(self, unit: Unit, section_title: str) -> Unparsed:
        start, end = unit.start, unit.end
        text = self.document.source(start, end)
        reason = self._reasons.get(id(unit)) or _default_reason(unit, section_title)
        return Unparsed(start + 1, text, reason)


def _ignorable(unit: Unit) -> bool:
    """HTML comments are notes to the runbook's authors, not instructions."""
    return isinstance(unit, Html) and unit.text.startswith("<!--") and unit.text.endswith("-->")


def _default_reason(unit: Unit, section_title: str) -> str:
    where = f" in section '{section_title}'" if section_title else " before the first section"
    what = {
        Paragraph: "text",
        Fence: "code block",
        ListItem: "list item",
        TableRow: "table row",
        Table: "table",
        Html: "HTML",
    }[type(unit)]
    if isinstance(unit, Fence):
        return f"code block{where} is not part of a scenario, phase or procedure"
    return f"{what}{where} is not a part of a runbook tocsin understands"
