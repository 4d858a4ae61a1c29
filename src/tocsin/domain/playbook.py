"""A playbook: everything tocsin takes from an incident runbook, as typed data.

A Markdown runbook is imported into a :class:`Playbook` (``tocsin.runbook``); a playbook can be written
to YAML and read back unchanged, and applied as the active configuration. Its parts live in three
modules, re-exported here:

- :mod:`~tocsin.domain.playbook_response`: severity definitions, assessment questions, escalation levels
  and triggers, contacts, alert rules and the alert guide;
- :mod:`~tocsin.domain.playbook_steps`: phases, procedures and scenarios, made of steps with code,
  parameters and a safety class;
- :mod:`~tocsin.domain.playbook_comms`: templates, checklists, the postmortem outline, links, and what
  could not be understood (``unparsed``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tocsin.domain.playbook_comms import (
    Checklist,
    ChecklistItem,
    IncidentField,
    Link,
    Placeholder,
    PostmortemOutline,
    PostmortemSection,
    Template,
    TemplateKind,
    Unparsed,
)
from tocsin.domain.playbook_response import (
    AlertGuideEntry,
    AlertRule,
    AssessmentAnswer,
    AssessmentQuestion,
    Contact,
    EscalationCondition,
    EscalationLevel,
    EscalationTrigger,
    SeverityDefinition,
)
from tocsin.domain.playbook_steps import (
    Parameter,
    ParameterKind,
    Phase,
    Procedure,
    Scenario,
    Stage,
    Step,
    find_parameters,
)
from tocsin.domain.severity import SeverityLevel, SeverityScheme

__all__ = [
    "AlertGuideEntry",
    "AlertRule",
    "AssessmentAnswer",
    "AssessmentQuestion",
    "Checklist",
    "ChecklistItem",
    "Contact",
    "EscalationCondition",
    "EscalationLevel",
    "EscalationTrigger",
    "IncidentField",
    "Link",
    "Parameter",
    "ParameterKind",
    "Phase",
    "Placeholder",
    "Playbook",
    "PostmortemOutline",
    "PostmortemSection",
    "Procedure",
    "Scenario",
    "SeverityDefinition",
    "Stage",
    "Step",
    "Template",
    "TemplateKind",
    "Unparsed",
    "find_parameters",
]


@dataclass(frozen=True)
class Playbook:
    """An imported runbook. Every tuple keeps the runbook's order."""

    title: str
    source_name: str = ""
    summary: str = ""
    severities: tuple[SeverityDefinition, ...] = ()
    assessment: tuple[AssessmentQuestion, ...] = ()
    escalation: tuple[EscalationLevel, ...] = ()
    escalation_triggers: tuple[EscalationTrigger, ...] = ()
    contacts: tuple[Contact, ...] = ()
    phases: tuple[Phase, ...] = ()
    procedures: tuple[Procedure, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
    alert_rules: tuple[AlertRule, ...] = ()
    alert_guide: tuple[AlertGuideEntry, ...] = ()
    templates: tuple[Template, ...] = ()
    checklists: tuple[Checklist, ...] = ()
    postmortem: PostmortemOutline | None = None
    links: tuple[Link, ...] = ()
    unparsed: tuple[Unparsed, ...] = ()

    def severity_scheme(self) -> SeverityScheme | None:
        """The scheme the runbook defines, most severe first; ``None`` if it defines no levels."""
        if not self.severities:
            return None
        return SeverityScheme(levels=tuple(definition.level for definition in self.severities))

    def severity_level(self, name: str) -> SeverityLevel | None:
        """The level called ``name`` or one of its aliases ("sev1", "Critical"), or ``None``."""
        scheme = self.severity_scheme()
        return scheme.resolve(name) if scheme else None

    def all_steps(self) -> Iterator[Step]:
        """Every step of every phase, procedure and scenario, in that order."""
        for phase in self.phases:
            yield from phase.steps
        for procedure in self.procedures:
            yield from procedure.steps
        for scenario in self.scenarios:
            yield from scenario.steps
