"""``tocsin runbook lint``: what an import extracted, what it could not use, and what looks wrong.

The report is plain data (the ``--json`` output): every extracted part with durations in seconds
(``response_target_s``; ``null`` when the runbook does not say), counts, warnings about things that are
extracted but probably not what the author meant, and every unparsed line with its number and reason.
"""

from __future__ import annotations

from typing import Any

from tocsin.domain.playbook import Playbook
from tocsin.runbook.serialize import DurationStyle, playbook_to_dict

__all__ = ["lint_report", "lint_warnings"]

_COUNTED = (
    "severities",
    "assessment",
    "escalation",
    "escalation_triggers",
    "contacts",
    "phases",
    "procedures",
    "scenarios",
    "alert_rules",
    "alert_guide",
    "templates",
    "checklists",
    "links",
    "unparsed",
)


def _unknown_severities(playbook: Playbook) -> list[str]:
    scheme = playbook.severity_scheme()
    if scheme is None:
        return []
    uses = [(f"scenario '{s.title}'", s.severity) for s in playbook.scenarios]
    uses += [(f"alert rule '{r.condition}'", r.severity) for r in playbook.alert_rules]
    uses += [(f"escalation trigger '{t.text}'", t.severity) for t in playbook.escalation_triggers]
    uses += [(f"checklist '{c.name}'", name) for c in playbook.checklists for name in c.severities]
    return [
        f"{what} names severity {name!r}, which the runbook does not define"
        for what, name in uses
        if name is not None and scheme.resolve(name) is None
    ]


def lint_warnings(playbook: Playbook) -> list[str]:
    """Things that were extracted but will probably not work as the author meant."""
    warnings: list[str] = []
    if not playbook.severities:
        warnings.append("no severity levels found: tocsin's default scheme will stay in use")
    for definition in playbook.severities:
        if definition.level.response_target is None:
            warnings.append(
                f"severity {definition.name} has no response target: it will never page as overdue"
            )
    warnings.extend(_unknown_severities(playbook))
    for scenario in playbook.scenarios:
        if not scenario.steps:
            warnings.append(f"scenario '{scenario.title}' has no steps")
        if not scenario.symptoms:
            warnings.append(
                f"scenario '{scenario.title}' lists no symptoms: alerts match it by its title only"
            )
    for template in playbook.templates:
        if not template.placeholders:
            warnings.append(
                f"template '{template.name}' has no placeholders: it is posted exactly as written"
            )
    return warnings


def lint_report(playbook: Playbook) -> dict[str, Any]:
    """The lint report of a parsed runbook, as JSON-ready data (see the module docstring)."""
    data = playbook_to_dict(playbook, DurationStyle.SECONDS)
    counts = {key: len(data[key]) for key in _COUNTED}
    counts["steps"] = sum(1 for _ in playbook.all_steps())
    report: dict[str, Any] = {"title": data.pop("title"), "source": data.pop("source"), "counts": counts}
    data.pop("tocsin_playbook")
    report.update(data)
    report["warnings"] = lint_warnings(playbook)
    return report
