"""Turning code blocks, list items and sentences into steps, each with a stage and a safety class.

A code block is cut into one step per commented group::

    # Check RDS status                      <- step 1: description
    aws rds describe-db-instances ...       <- step 1: code (read-only)

    # Terminate long-running queries        <- step 2
    psql ... -c "SELECT pg_terminate_backend(pid) ..."   (destructive)

A numbered comment ("# 2. Check recent deployments") starts a new step even without a blank line, and
a group of comments with no code is a manual step. A command is never cut in the middle: lines
continued with ``\\``, quotes left open over several lines and heredocs stay together.

The stage comes from the nearest label or heading that names one ("Investigation", "Resolution",
"Phase 3: Containment"); failing that from the step's first verb ("Verify ...", "Restart ..."); failing
that from what the code does (a read-only check investigates, a change resolves).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from tocsin.domain.playbook import Stage, Step
from tocsin.domain.safety import Safety, classify_code, is_known_program, language_kind
from tocsin.domain.safety_shell import LineKind, logical_lines
from tocsin.runbook.document import Fence
from tocsin.runbook.text import code_spans, plain

__all__ = [
    "IMMEDIATE",
    "StageHint",
    "decide_stage",
    "manual_step",
    "stage_hint",
    "starts_with_action",
    "steps_from_fence",
]

# A label that asks for action now without saying which kind ("Immediate Actions (First 5 Minutes)"):
# its checks investigate and its changes contain.
IMMEDIATE: Literal["immediate"] = "immediate"
StageHint = Stage | Literal["immediate"] | None

_LABEL_STAGES: list[tuple[Stage | Literal["immediate"], str]] = [
    (Stage.VERIFICATION, r"verif|validat|confirm|smoke test|post-?check|make sure"),
    (
        Stage.INVESTIGATION,
        r"investigat|diagnos|triage|identif|assess|gather|detect|analys|analyz|debug|"
        r"root cause|inspect|\bchecks?\b|look ?up|find out|information",
    ),
    (Stage.CONTAINMENT, r"contain|mitigat|isolat|stabili[sz]|workaround|stop the bleeding"),
    (Stage.RESOLUTION, r"resol|\bfix|remediat|recover|rollback|roll back|restor|repair|solution|\bremedy"),
    (Stage.OTHER, r"escalat|communicat|notif|\bdocument\b|\bcomms\b|announce"),
    (IMMEDIATE, r"immediate|first \d+|urgent|emergency|right now|asap"),
]
_VERB_STAGES: list[tuple[Stage, str]] = [
    (
        Stage.OTHER,
        r"notify|communicate|announce|inform|document|acknowledge|ack|page|escalate|contact|schedule|"
        r"send|post|share|record|join|declare|assign|hand over|call|tell|create (an? )?(incident )?(ticket|channel)|open (an? )?(incident )?ticket|"
        r"update (the )?status ?page",
    ),
    (
        Stage.VERIFICATION,
        r"test|monitor|watch|run smoke|make sure|(verify|confirm|validate|ensure)\b(?=.*\b("
        r"recover\w*|resolv\w*|normal\w*|healthy|health checks?|stable|stability|passing|restored|back to|fixed|"
        r"success\w*|no (error|spike)s?)\b)",
    ),
    (
        Stage.INVESTIGATION,
        r"check|review|identify|investigate|inspect|look|gather|find|analy[sz]e|query|verify|"
        r"confirm|validate|examine|determine|view|search|compare|collect|read|list|diagnose|trace|correlate|"
        r"assess|see|visit|login|log in|open|ssh|connect|get",
    ),
    (
        Stage.CONTAINMENT,
        r"isolate|stop traffic|drain|block|throttle|rate[- ]limit|disable|enable maintenance|"
        r"deregister|contain|mitigate|route|fail ?over|put .* in maintenance|bypass|enable fallback",
    ),
    (
        Stage.RESOLUTION,
        r"restart|rollback|roll back|revert|scale|apply|deploy|fix|restore|flush|clear|clean|kill|"
        r"terminate|increase|expand|rotate|hotfix|patch|upgrade|reboot|replace|recreate|optimi[sz]e|add|"
        r"remove|update|submit|reset|resize|purge|rebuild|redeploy|warm",
    ),
]
# Words anywhere in a step that say what it is for, when its first word did not.
_TOPIC_STAGES: list[tuple[Stage, str]] = [
    (Stage.OTHER, r"\b(notification|notify|communicat\w*|announce\w*)\b"),
    (Stage.INVESTIGATION, r"\b(check|health|status|diagnostics?|logs?|metrics?|inspect\w*)\b"),
]
_NUMBERED = re.compile(r"^(?:step\s*)?\d+[.):]\s*|^(?:option|step)\s*\d+\s*[:.)-]\s*", re.IGNORECASE)
_CONDITION = re.compile(r"^(?:if|when|once|for)\b[^:,]*[:,]\s*", re.IGNORECASE)


def stage_hint(labels: Sequence[str]) -> StageHint:
    """The stage named by the nearest label that names one (labels go from outer to inner)."""
    for label in reversed(labels):
        for stage, pattern in _LABEL_STAGES:
            if re.search(pattern, label, re.IGNORECASE):
                return stage
    return None


def _leading_verb_stage(description: str) -> Stage | None:
    text = _CONDITION.sub("", _NUMBERED.sub("", description.strip().lstrip("-* ")))
    for stage, pattern in _VERB_STAGES:
        if re.match(rf"(?:{pattern})\b", text, re.IGNORECASE):
            return stage
    return None


def starts_with_action(text: str) -> bool:
    """Whether a sentence reads as an instruction: it starts (after any "If ...,") with an action verb."""
    return _leading_verb_stage(text) is not None


def _stage_from_words(description: str) -> Stage | None:
    leading = _leading_verb_stage(description)
    if leading is not None:
        return leading
    for stage, pattern in _TOPIC_STAGES:
        if re.search(pattern, description, re.IGNORECASE):
            return stage
    return None


def decide_stage(hint: StageHint, description: str, safety: Safety | None) -> Stage:
    """A step's stage: the label's if it names one, else its first verb's, else what its code does."""
    if isinstance(hint, Stage):
        return hint
    from_words = _stage_from_words(description)
    if from_words is not None:
        return from_words
    if safety is None:
        return Stage.OTHER
    if safety is Safety.READ_ONLY:
        return Stage.INVESTIGATION
    return Stage.CONTAINMENT if hint == IMMEDIATE else Stage.RESOLUTION


def _heading(labels: Sequence[str]) -> str:
    return labels[-1] if labels else ""


def manual_step(raw: str, labels: Sequence[str]) -> Step:
    """A step from a sentence or list item. Inline code that names a known program ("run `df -h`")
    becomes its code, so it can be run like any other."""
    description = plain(raw)
    commands = [span for span in code_spans(raw) if span.split() and is_known_program(span.split()[0])]
    code = "\n".join(commands)
    safety = classify_code(code, "bash").safety if code else None
    stage = decide_stage(stage_hint(labels), description, safety)
    return Step(stage, description, code, "bash" if code else "", safety, _heading(labels))


@dataclass
class _Group:
    comments: list[str] = field(default_factory=list)
    first: int | None = None  # first and last physical line of its code
    last: int | None = None


def _comment_text(line: str, prefixes: tuple[str, ...]) -> str:
    text = line.strip()
    for prefix in prefixes:
        if text.startswith(prefix):
            return text[len(prefix) :].strip()
    return text


def _groups(code: str, prefixes: tuple[str, ...]) -> list[_Group]:
    groups: list[_Group] = [_Group()]
    after_blank = False
    for line in logical_lines(code, comment_prefixes=prefixes):
        current = groups[-1]
        if line.kind is LineKind.BLANK:
            after_blank = True
            continue
        if line.kind is LineKind.COMMENT:
            text = _comment_text(line.text, prefixes)
            starts_new = current.first is not None or (
                current.comments and (after_blank or _NUMBERED.match(text) is not None)
            )
            if starts_new:
                groups.append(_Group())
            if text:
                groups[-1].comments.append(text)
        else:
            if current.first is None:
                current.first = line.first
            current.last = line.last
        after_blank = False
    return [group for group in groups if group.comments or group.first is not None]


def steps_from_fence(fence: Fence, labels: Sequence[str], intro: str = "") -> list[Step]:
    """The steps of a code block: one per commented group for shell and SQL, one for anything else.

    ``intro`` is text that led into the block ("**Database Issue?**"); it describes a first step that
    has no comment of its own.
    """
    kind = language_kind(fence.language)
    if kind not in ("shell", "sql", "console"):
        return [_code_step(fence.code, fence.language, [], labels, intro)]
    prefixes = ("--",) if kind == "sql" else ("#",)
    physical = fence.code.split("\n")
    steps = []
    for index, group in enumerate(_groups(fence.code, prefixes)):
        code = ""
        if group.first is not None and group.last is not None:
            code = textwrap.dedent("\n".join(physical[group.first : group.last + 1])).strip("\n")
        lead = intro if index == 0 else ""
        steps.append(_code_step(code, fence.language, group.comments, labels, lead))
    return steps


def _code_step(code: str, language: str, comments: list[str], labels: Sequence[str], intro: str) -> Step:
    lines = [_NUMBERED.sub("", comment) if i == 0 else comment for i, comment in enumerate(comments)]
    # A command with no comment above it is described by its first line.
    description = "\n".join(lines) or intro or code.strip().split("\n", 1)[0][:120]
    safety = classify_code(code, language).safety if code.strip() else None
    stage = decide_stage(stage_hint([*labels, intro] if intro else labels), description, safety)
    return Step(stage, description, code, language if code else "", safety, _heading(labels))
