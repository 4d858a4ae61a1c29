"""Small readers that turn a playbook into what a careful reader would list, for golden tests."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tocsin.domain.playbook import Playbook, Scenario, Step
from tocsin.runbook import parse_runbook

MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WEEK = timedelta(weeks=1)


def parse_file(path: Path) -> Playbook:
    return parse_runbook(path.read_text(encoding="utf-8"), source_name=path.name)


def levels(playbook: Playbook) -> list[tuple[str, timedelta | None, timedelta | None]]:
    """(name, response target, resolution target) per level, in order."""
    return [(d.level.name, d.level.response_target, d.level.resolution_target) for d in playbook.severities]


def safeties(steps: tuple[Step, ...]) -> list[str | None]:
    return [step.safety.value if step.safety else None for step in steps]


def stages(steps: tuple[Step, ...]) -> list[str]:
    return [step.stage.value for step in steps]


def scenario(playbook: Playbook, title: str) -> Scenario:
    return next(s for s in playbook.scenarios if s.title == title)


def placeholders(playbook: Playbook, name: str) -> dict[str, str | None]:
    template = next(t for t in playbook.templates if t.name == name)
    return {p.text: p.field.value if p.field else None for p in template.placeholders}
