"""The lint report for people: counts, the main parts in tables, and every line not understood.

Runbook text is always printed as text, never as Rich markup: "[Name]" in a runbook stays "[Name]".
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from tocsin.domain.durations import format_duration

__all__ = ["render_lint"]


def _duration(seconds: int | None) -> str:
    return "unknown" if seconds is None else format_duration(timedelta(seconds=seconds))


def _table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left", show_edge=False, header_style="bold")
    for column in columns:
        table.add_column(column, overflow="fold")
    return table


def _counts(report: dict[str, Any]) -> Table:
    table = _table("Extracted", "part", "count")
    for key, count in report["counts"].items():
        table.add_row(key.replace("_", " "), str(count), style="red" if key == "unparsed" and count else None)
    return table


def _severities(report: dict[str, Any]) -> Table:
    table = _table("Severity levels", "name", "aliases", "respond within", "resolve within")
    for level in report["severities"]:
        table.add_row(
            Text(level["name"]),
            Text(", ".join(level["aliases"])),
            _duration(level["response_target_s"]),
            _duration(level["resolution_target_s"]),
        )
    return table


def _steps_summary(steps: list[dict[str, Any]]) -> str:
    classes = Counter(step["safety"] or "manual" for step in steps)
    parts = [
        f"{classes[name]} {name.replace('_', '-')}"
        for name in ("read_only", "mutating", "destructive", "manual")
    ]
    noun = "step" if len(steps) == 1 else "steps"
    return f"{len(steps)} {noun} ({', '.join(part for part in parts if not part.startswith('0 '))})"


def _scenarios(report: dict[str, Any]) -> Table:
    table = _table("Scenarios", "title", "severity", "symptoms", "steps")
    for scenario in report["scenarios"]:
        table.add_row(
            Text(scenario["title"]),
            Text(scenario["severity"] or ""),
            str(len(scenario["symptoms"])),
            _steps_summary(scenario["steps"]),
        )
    return table


def _lines(console: Console, report: dict[str, Any]) -> None:
    """Escalation, phases, procedures, templates and checklists, one line each."""
    sections: list[tuple[str, list[str]]] = [
        (
            "Escalation",
            [f"L{e['level']} {e['target']} ({_duration(e['delay_s'])})" for e in report["escalation"]],
        ),
        (
            "Phases",
            [
                f"{p['name']} ({_duration(p['start_s'])}-{_duration(p['end_s'])}), "
                f"{_steps_summary(p['steps'])}"
                for p in report["phases"]
            ],
        ),
        ("Procedures", [f"{p['title']}: {_steps_summary(p['steps'])}" for p in report["procedures"]]),
        (
            "Templates",
            [
                f"{t['name']} ({t['kind']}): {len(t['placeholders'])} placeholders"
                + (
                    f", unmapped {', '.join(t['unmapped_placeholders'])}"
                    if t["unmapped_placeholders"]
                    else ""
                )
                for t in report["templates"]
            ],
        ),
        (
            "Checklists",
            [
                f"{c['name']} (deadline {_duration(c['deadline_s'])}): {len(c['items'])} items"
                for c in report["checklists"]
            ],
        ),
        ("Alert rules", [f"{r['condition']} -> {r['severity']}" for r in report["alert_rules"]]),
    ]
    for title, lines in sections:
        if lines:
            console.print(Text(title, style="bold"))
            for line in lines:
                console.print(Text(f"  {line}"))


def render_lint(report: dict[str, Any], console: Console) -> None:
    """Print a lint report (from :func:`~tocsin.runbook.lint.lint_report`) for a person to read."""
    heading = Text(f"{report['title']}", style="bold")
    if report["source"]:
        heading.append(f"  ({report['source']})", style="dim")
    console.print(heading)
    console.print(_counts(report))
    if report["severities"]:
        console.print(_severities(report))
    if report["scenarios"]:
        console.print(_scenarios(report))
    _lines(console, report)
    for warning in report["warnings"]:
        console.print(Text(f"warning: {warning}", style="yellow"))
    unparsed = report["unparsed"]
    console.print(Text(f"Not understood: {len(unparsed)}", style="bold red" if unparsed else "bold green"))
    for entry in unparsed:
        first_line = entry["text"].split("\n", 1)[0]
        line = Text(f"  line {entry['line']}: ", style="red")
        line.append(first_line)
        line.append(f"  ({entry['reason']})", style="dim")
        console.print(line)
