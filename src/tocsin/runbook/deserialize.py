"""Plain data (already checked against the JSON Schema) back into a :class:`Playbook`.

Missing keys take their defaults, so a hand-written playbook can be short. A step's safety is never
taken on trust: it is the stricter of what the data says and what tocsin reads in the step's code, so an
edited YAML can make a step stricter but never let a destructive command run unattended.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tocsin.domain.durations import parse_duration
from tocsin.domain.playbook import (
    AlertGuideEntry,
    AlertRule,
    AssessmentAnswer,
    AssessmentQuestion,
    Checklist,
    ChecklistItem,
    Contact,
    EscalationCondition,
    EscalationLevel,
    EscalationTrigger,
    IncidentField,
    Link,
    Phase,
    Placeholder,
    Playbook,
    PostmortemOutline,
    PostmortemSection,
    Procedure,
    Scenario,
    SeverityDefinition,
    Stage,
    Step,
    Template,
    TemplateKind,
    Unparsed,
)
from tocsin.domain.safety import Safety, classify_code
from tocsin.domain.severity import SeverityLevel

__all__ = ["playbook_from_dict"]

Data = dict[str, Any]


def _duration(data: Data, key: str) -> timedelta | None:
    value = data.get(key)
    return None if value is None else parse_duration(str(value))


def _strings(data: Data, key: str) -> tuple[str, ...]:
    return tuple(str(item) for item in data.get(key) or ())


def _severity(rank: int, data: Data) -> SeverityDefinition:
    level = SeverityLevel(
        name=data["name"],
        rank=rank,
        description=data.get("description", ""),
        aliases=_strings(data, "aliases"),
        examples=_strings(data, "examples"),
        response_target=_duration(data, "response_target"),
        resolution_target=_duration(data, "resolution_target"),
        update_cadence=_duration(data, "update_cadence"),
        pages=data.get("pages", True),
        business_hours_only=data.get("business_hours_only", False),
    )
    return SeverityDefinition(level, data.get("who_acts", ""), _strings(data, "escalation_chain"))


def _step(data: Data) -> Step:
    code = data.get("code", "")
    language = data.get("language", "") if code else ""
    safety: Safety | None = None
    if code.strip():
        safety = classify_code(code, language).safety
        declared = data.get("safety")
        if declared is not None:
            safety = safety.stricter(Safety(declared))
    return Step(
        stage=Stage(data.get("stage", Stage.OTHER.value)),
        description=data["description"],
        code=code,
        language=language,
        safety=safety,
        heading=data.get("heading", ""),
    )


def _steps(data: Data) -> tuple[Step, ...]:
    return tuple(_step(step) for step in data.get("steps") or ())


def _template(data: Data) -> Template:
    placeholders = tuple(
        Placeholder(p["text"], p.get("name", ""), IncidentField(p["field"]) if p.get("field") else None)
        for p in data.get("placeholders") or ()
    )
    return Template(
        name=data["name"],
        body=data["body"],
        kind=TemplateKind(data.get("kind", TemplateKind.OTHER.value)),
        placeholders=placeholders,
        notes=data.get("notes", ""),
        update_cadence=_duration(data, "update_cadence"),
    )


def _checklist(data: Data) -> Checklist:
    items = tuple(ChecklistItem(item["text"], _duration(item, "deadline")) for item in data["items"])
    return Checklist(data["name"], items, _duration(data, "deadline"), _strings(data, "severities"))


def _postmortem(data: Data | None) -> PostmortemOutline | None:
    if data is None:
        return None
    sections = tuple(
        PostmortemSection(s["title"], s.get("description", "")) for s in data.get("sections") or ()
    )
    return PostmortemOutline(sections, _duration(data, "deadline"), data.get("file_pattern", ""))


def _question(data: Data) -> AssessmentQuestion:
    answers = tuple(
        AssessmentAnswer(a["answer"], a.get("severity"), a.get("note", "")) for a in data["answers"]
    )
    return AssessmentQuestion(data["question"], answers)


def _escalation(data: Data) -> EscalationLevel:
    return EscalationLevel(
        data["level"],
        data["target"],
        _duration(data, "delay"),
        data.get("note", ""),
        _strings(data, "severities"),
    )


def _trigger(data: Data) -> EscalationTrigger:
    condition = EscalationCondition(data.get("condition", EscalationCondition.OTHER.value))
    return EscalationTrigger(data["text"], condition, data.get("severity"), _duration(data, "after"))


def playbook_from_dict(data: Data) -> Playbook:
    """A playbook from data in the shape :func:`~tocsin.runbook.serialize.playbook_to_dict` writes."""

    def each(key: str) -> list[Data]:
        return list(data.get(key) or ())

    return Playbook(
        title=data["title"],
        source_name=data.get("source", ""),
        summary=data.get("summary", ""),
        severities=tuple(_severity(rank, item) for rank, item in enumerate(each("severities"))),
        assessment=tuple(_question(item) for item in each("assessment")),
        escalation=tuple(_escalation(item) for item in each("escalation")),
        escalation_triggers=tuple(_trigger(item) for item in each("escalation_triggers")),
        contacts=tuple(
            Contact(
                c["role"], c.get("name", ""), c.get("backup", ""), c.get("reach", ""), c.get("duties", "")
            )
            for c in each("contacts")
        ),
        phases=tuple(
            Phase(p["name"], _duration(p, "start"), _duration(p, "end"), _steps(p)) for p in each("phases")
        ),
        procedures=tuple(Procedure(p["title"], _steps(p)) for p in each("procedures")),
        scenarios=tuple(
            Scenario(
                s["title"],
                _steps(s),
                _strings(s, "symptoms"),
                _strings(s, "causes"),
                s.get("description", ""),
                s.get("severity"),
            )
            for s in each("scenarios")
        ),
        alert_rules=tuple(
            AlertRule(r["condition"], r["severity"], _duration(r, "sustained_for"))
            for r in each("alert_rules")
        ),
        alert_guide=tuple(
            AlertGuideEntry(g["alert"], g.get("likely_cause", ""), g.get("first_action", ""))
            for g in each("alert_guide")
        ),
        templates=tuple(_template(item) for item in each("templates")),
        checklists=tuple(_checklist(item) for item in each("checklists")),
        postmortem=_postmortem(data.get("postmortem")),
        links=tuple(Link(li["title"], li.get("url"), li.get("category", "")) for li in each("links")),
        unparsed=tuple(Unparsed(u["line"], u["text"], u["reason"]) for u in each("unparsed")),
    )
