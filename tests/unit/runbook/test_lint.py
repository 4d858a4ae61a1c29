"""The lint report: the JSON programs read and the text people read."""

from __future__ import annotations

import io
import json
from typing import Any

from rich.console import Console

from tocsin.runbook import lint_report, parse_runbook, render_lint

RUNBOOK = """# Shop runbook

## Severity levels

| Level | Description | Response Time |
|-------|-------------|---------------|
| SEV1 | Critical - checkout down | 10 minutes |
| SEV2 | Major - checkout slow | best effort |

## Escalation path

1. **L1**: On-call engineer (5 min)
2. **L2**: Team lead (30 min)

## Common issues

### Checkout down

**Symptoms**: 5xx from /checkout

**Investigation**:
```bash
# Is it up?
curl -fsS http://127.0.0.1:8080/health
```

**Resolution**:
```bash
# Restart it
systemctl restart shop
```

## Alert thresholds

- checkout_5xx_ratio > 5% for 5 minutes → SEV1
- queue depth > 1000 → SEV9

## Templates

### Initial alert
```
[Severity] incident on [Service]: [Brief Description]
```

## Post-incident checklist

Within 24 hours:
- [ ] Write the postmortem

## Office plants

Water them on Fridays.
"""


def _report() -> dict[str, Any]:
    return lint_report(parse_runbook(RUNBOOK, source_name="shop.md"))


def test_report_has_what_the_issue_asks_for_with_seconds_and_nulls() -> None:
    report = _report()
    json.dumps(report)  # plain data all the way down
    assert report["title"] == "Shop runbook"
    assert report["source"] == "shop.md"
    assert report["severities"] == [
        {
            "name": "SEV1",
            "aliases": ["Critical"],
            "description": "checkout down",
            "examples": [],
            "response_target_s": 600,
            "resolution_target_s": None,
            "update_cadence_s": None,
            "business_hours_only": False,
            "pages": True,
            "who_acts": "",
            "escalation_chain": [],
        },
        {
            "name": "SEV2",
            "aliases": ["Major"],
            "description": "checkout slow",
            "examples": [],
            "response_target_s": None,  # "best effort" is not a target: unknown, never a guess
            "resolution_target_s": None,
            "update_cadence_s": None,
            "business_hours_only": False,
            "pages": True,
            "who_acts": "",
            "escalation_chain": [],
        },
    ]
    assert report["escalation"] == [
        {"level": 1, "target": "On-call engineer", "delay_s": 300, "note": "", "severities": []},
        {"level": 2, "target": "Team lead", "delay_s": 1800, "note": "", "severities": []},
    ]


def test_report_steps_templates_checklists() -> None:
    report = _report()
    (scenario,) = report["scenarios"]
    assert scenario["title"] == "Checkout down"
    assert scenario["symptoms"] == ["5xx from /checkout"]
    assert [
        (s["stage"], s["code"], s["language"], s["safety"], s["parameters"]) for s in scenario["steps"]
    ] == [
        ("investigation", "curl -fsS http://127.0.0.1:8080/health", "bash", "read_only", []),
        ("resolution", "systemctl restart shop", "bash", "mutating", []),
    ]
    (template,) = report["templates"]
    assert template["name"] == "Initial alert"
    assert [p["text"] for p in template["placeholders"]] == ["[Severity]", "[Service]", "[Brief Description]"]
    assert template["unmapped_placeholders"] == []
    assert report["checklists"] == [
        {
            "name": "Within 24 hours",
            "deadline_s": 86400,
            "severities": [],
            "items": [{"text": "Write the postmortem", "deadline_s": None}],
        }
    ]
    assert report["alert_rules"][0] == {
        "condition": "checkout_5xx_ratio > 5% for 5 minutes",
        "severity": "SEV1",
        "sustained_for_s": 300,
    }


def test_report_lists_what_was_not_understood_with_line_numbers_and_warnings() -> None:
    report = _report()
    lines = RUNBOOK.split("\n")
    assert report["unparsed"] == [
        {
            "line": lines.index("| SEV2 | Major - checkout slow | best effort |") + 1,
            "text": "best effort",
            "reason": "SEV2 response target is not a duration tocsin can read; left unknown",
        },
        {
            "line": lines.index("Water them on Fridays.") + 1,
            "text": "Water them on Fridays.",
            "reason": "text in section 'Office plants' is not a part of a runbook tocsin understands",
        },
    ]
    assert report["counts"] == {
        "severities": 2,
        "assessment": 0,
        "escalation": 2,
        "escalation_triggers": 0,
        "contacts": 0,
        "phases": 0,
        "procedures": 0,
        "scenarios": 1,
        "alert_rules": 2,
        "alert_guide": 0,
        "templates": 1,
        "checklists": 1,
        "links": 0,
        "unparsed": 2,
        "steps": 2,
    }
    warnings = report["warnings"]
    assert "severity SEV2 has no response target: it will never page as overdue" in warnings
    assert any("SEV9" in warning for warning in warnings)


def test_rendering_shows_counts_parts_and_each_unparsed_line() -> None:
    buffer = io.StringIO()
    render_lint(_report(), Console(file=buffer, width=120, color_system=None))
    text = buffer.getvalue()
    assert "Shop runbook" in text
    assert "SEV1" in text
    assert "10m" in text
    assert "unknown" in text
    assert "L1 On-call engineer (5m)" in text
    assert "Checkout down" in text
    assert "2 steps (1 read-only, 1 mutating)" in text
    assert "Initial alert (initial): 3 placeholders" in text
    assert "Not understood: 2" in text
    assert (
        f"line {RUNBOOK.split(chr(10)).index('Water them on Fridays.') + 1}: Water them on Fridays." in text
    )


def test_rendering_never_reads_runbook_text_as_markup() -> None:
    report = lint_report(parse_runbook("# [bold]Title[/bold]\n\n## Odd\n\n[red]not markup[/red] stays\n"))
    buffer = io.StringIO()
    render_lint(report, Console(file=buffer, width=120, color_system=None))
    assert "[red]not markup[/red] stays" in buffer.getvalue()
