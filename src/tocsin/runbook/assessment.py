"""The severity assessment: questions whose answers lead to a severity (seed 003).

::

    1. **Is the main site accessible?**
       - No → P0
       - Yes, degraded → P1

Also one-line forms: "Is data being lost? Yes → P0, No → assess further".
"""

from __future__ import annotations

import re

from tocsin.domain.playbook import AssessmentAnswer, AssessmentQuestion
from tocsin.runbook.context import ParseContext
from tocsin.runbook.document import ListBlock, ListItem, Section
from tocsin.runbook.severity_names import find_severity_names, parse_severity_label
from tocsin.runbook.text import plain

__all__ = ["read_assessment"]

_ARROW = re.compile(r"\s*(?:→|->|=>|⇒|⟶|:)\s*")


def _answer(text: str, known: list[str]) -> AssessmentAnswer | None:
    parts = _ARROW.split(plain(text), maxsplit=1)
    if len(parts) != 2 or not parts[0]:
        return None
    answer, outcome = parts[0].strip(), parts[1].strip()
    names = find_severity_names(outcome, known)
    label = parse_severity_label(outcome)
    severity = names[0] if names and outcome.startswith(names[0]) else (label.name if label else None)
    note = outcome
    if severity is not None:
        note = outcome[len(severity) :].strip(" -–—:")  # noqa: RUF001
        paren = re.fullmatch(r"\((.*)\)", note)
        note = paren.group(1) if paren else note
    return AssessmentAnswer(answer, severity, note)


def _question(ctx: ParseContext, item: ListItem) -> AssessmentQuestion | None:
    known = ctx.severity_names()
    text = plain(item.text)
    question, _, inline = text.partition("?")
    if not inline and not text.endswith("?"):
        return None
    answers: list[AssessmentAnswer] = []
    for part in re.split(r"[;,]\s*(?=\w+\s*(?:→|->|=>|⇒))", inline.strip()) if inline.strip() else []:
        found = _answer(part, known)
        if found:
            answers.append(found)
    for block in item.blocks:
        if isinstance(block, ListBlock):
            for sub in block.items:
                found = _answer(sub.text, known)
                if found is None:
                    ctx.reject(sub, "an answer is written 'answer → severity'")
                    continue
                answers.append(found)
                ctx.use_all(sub)
    if not answers:
        return None
    ctx.use(item)
    return AssessmentQuestion(question.strip() + "?", tuple(answers))


def read_assessment(ctx: ParseContext, section: Section) -> None:
    """Questions from the section's lists; items that are not questions with answers are left."""
    for block in section.blocks:
        if isinstance(block, ListBlock):
            for item in block.items:
                question = _question(ctx, item)
                if question is not None:
                    ctx.draft.assessment.append(question)
                else:
                    ctx.reject(item, "not a question with answers leading to severities")
