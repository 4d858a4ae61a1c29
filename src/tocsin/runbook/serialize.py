"""A playbook as plain data (dicts, lists, strings, numbers), for YAML and for the lint JSON.

Both use the same shape. They differ in how durations are written: the YAML writes ``response_target:
15m`` (readable, and read back exactly), the lint JSON ``response_target_s: 900`` (for programs). The lint
JSON also carries what is derived from the rest (each step's parameters, each template's unmapped
placeholders); the YAML leaves those out, since they are worked out again on import.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Any

from tocsin.domain.durations import format_duration
from tocsin.domain.playbook import (
    AssessmentQuestion,
    Checklist,
    Phase,
    Playbook,
    PostmortemOutline,
    Procedure,
    Scenario,
    SeverityDefinition,
    Step,
    Template,
)

__all__ = ["FORMAT_VERSION", "DurationStyle", "playbook_to_dict"]

FORMAT_VERSION = 1
Data = dict[str, Any]


class DurationStyle(StrEnum):
    TEXT = "text"  # "response_target": "15m"
    SECONDS = "seconds"  # "response_target_s": 900, with derived fields


class _Writer:
    def __init__(self, style: DurationStyle) -> None:
        self.style = style
        self.derived = style is DurationStyle.SECONDS

    def duration(self, data: Data, key: str, value: timedelta | None) -> None:
        if self.style is DurationStyle.SECONDS:
            data[f"{key}_s"] = None if value is None else round(value.total_seconds())
        else:
            data[key] = None if value is None else format_duration(value)

    def severity(self, definition: SeverityDefinition) -> Data:
        level = definition.level
        data: Data = {
            "name": level.name,
            "aliases": list(level.aliases),
            "description": level.description,
            "examples": list(level.examples),
        }
        self.duration(data, "response_target", level.response_target)
        self.duration(data, "resolution_target", level.resolution_target)
        self.duration(data, "update_cadence", level.update_cadence)
        data.update(
            business_hours_only=level.business_hours_only,
            pages=level.pages,
            who_acts=definition.who_acts,
            escalation_chain=list(definition.escalation_chain),
        )
        return data

    def step(self, step: Step) -> Data:
        data: Data = {
            "stage": step.stage.value,
            "heading": step.heading,
            "description": step.description,
            "code": step.code,
            "language": step.language,
            "safety": step.safety.value if step.safety else None,
        }
        if self.derived:
            data["parameters"] = [parameter.name for parameter in step.parameters]
        return data

    def steps(self, steps: tuple[Step, ...]) -> list[Data]:
        return [self.step(step) for step in steps]

    def phase(self, phase: Phase) -> Data:
        data: Data = {"name": phase.name}
        self.duration(data, "start", phase.start)
        self.duration(data, "end", phase.end)
        data["steps"] = self.steps(phase.steps)
        return data

    def procedure(self, procedure: Procedure) -> Data:
        return {"title": procedure.title, "steps": self.steps(procedure.steps)}

    def scenario(self, scenario: Scenario) -> Data:
        return {
            "title": scenario.title,
            "severity": scenario.severity,
            "description": scenario.description,
            "symptoms": list(scenario.symptoms),
            "causes": list(scenario.causes),
            "steps": self.steps(scenario.steps),
        }

    def template(self, template: Template) -> Data:
        data: Data = {
            "name": template.name,
            "kind": template.kind.value,
            "body": template.body,
            "notes": template.notes,
        }
        self.duration(data, "update_cadence", template.update_cadence)
        data["placeholders"] = [
            {"text": p.text, "name": p.name, "field": p.field.value if p.field else None}
            for p in template.placeholders
        ]
        if self.derived:
            data["unmapped_placeholders"] = [p.text for p in template.unmapped]
        return data

    def checklist(self, checklist: Checklist) -> Data:
        data: Data = {"name": checklist.name}
        self.duration(data, "deadline", checklist.deadline)
        data["severities"] = list(checklist.severities)
        items = []
        for item in checklist.items:
            entry: Data = {"text": item.text}
            self.duration(entry, "deadline", item.deadline)
            items.append(entry)
        data["items"] = items
        return data

    def postmortem(self, outline: PostmortemOutline | None) -> Data | None:
        if outline is None:
            return None
        data: Data = {
            "sections": [{"title": s.title, "description": s.description} for s in outline.sections]
        }
        self.duration(data, "deadline", outline.deadline)
        data["file_pattern"] = outline.file_pattern
        return data

    def assessment(self, question: AssessmentQuestion) -> Data:
        answers = [{"answer": a.answer, "severity": a.severity, "note": a.note} for a in question.answers]
        return {"question": question.question, "answers": answers}

    def playbook(self, playbook: Playbook) -> Data:
        data: Data = {
            "tocsin_playbook": FORMAT_VERSION,
            "title": playbook.title,
            "source": playbook.source_name,
            "summary": playbook.summary,
            "severities": [self.severity(d) for d in playbook.severities],
            "assessment": [self.assessment(q) for q in playbook.assessment],
            "escalation": [],
            "escalation_triggers": [],
        }
        for level in playbook.escalation:
            entry: Data = {"level": level.level, "target": level.target}
            self.duration(entry, "delay", level.delay)
            entry.update(note=level.note, severities=list(level.severities))
            data["escalation"].append(entry)
        for trigger in playbook.escalation_triggers:
            entry = {"text": trigger.text, "condition": trigger.condition.value, "severity": trigger.severity}
            self.duration(entry, "after", trigger.after)
            data["escalation_triggers"].append(entry)
        data["contacts"] = [
            {"role": c.role, "name": c.name, "backup": c.backup, "reach": c.reach, "duties": c.duties}
            for c in playbook.contacts
        ]
        data["phases"] = [self.phase(p) for p in playbook.phases]
        data["procedures"] = [self.procedure(p) for p in playbook.procedures]
        data["scenarios"] = [self.scenario(s) for s in playbook.scenarios]
        data["alert_rules"] = []
        for rule in playbook.alert_rules:
            entry = {"condition": rule.condition, "severity": rule.severity}
            self.duration(entry, "sustained_for", rule.sustained_for)
            data["alert_rules"].append(entry)
        data["alert_guide"] = [
            {"alert": g.alert, "likely_cause": g.likely_cause, "first_action": g.first_action}
            for g in playbook.alert_guide
        ]
        data["templates"] = [self.template(t) for t in playbook.templates]
        data["checklists"] = [self.checklist(c) for c in playbook.checklists]
        data["postmortem"] = self.postmortem(playbook.postmortem)
        data["links"] = [
            {"title": link.title, "url": link.url, "category": link.category} for link in playbook.links
        ]
        data["unparsed"] = [{"line": u.line, "text": u.text, "reason": u.reason} for u in playbook.unparsed]
        return data


def playbook_to_dict(playbook: Playbook, style: DurationStyle = DurationStyle.TEXT) -> dict[str, Any]:
    """The playbook as plain data, in runbook order; see the module docstring for the two styles."""
    return _Writer(style).playbook(playbook)
