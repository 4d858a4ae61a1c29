"""Rich tables for people; ``--json`` output for scripts."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

__all__ = ["console", "print_incident", "print_incidents", "print_json", "print_timeline"]

console = Console(highlight=False)

_STATE_STYLE = {"triggered": "bold red", "acknowledged": "yellow", "resolved": "green", "closed": "dim"}


def print_json(data: Any) -> None:
    console.print_json(json.dumps(data, default=str))


def when(value: str | None) -> str:
    """An ISO time from the API, shown in this machine's time zone."""
    if not value:
        return "-"
    return datetime.fromisoformat(value).astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def print_incidents(page: dict[str, Any]) -> None:
    table = Table(title=f"Incidents ({page['total']} in all)", title_justify="left")
    for column in ("ID", "Severity", "State", "Title", "Services", "Started"):
        table.add_column(column)
    for item in page["items"]:
        state = item["state"]
        table.add_row(
            item["id"],
            escape(item["severity"]),
            f"[{_STATE_STYLE.get(state, 'default')}]{state}[/]",
            escape(item["title"]),
            escape(", ".join(item["services"])),
            when(item["started_at"]),
        )
    console.print(table)
    shown = page["offset"] + len(page["items"])
    if shown < page["total"]:
        console.print(f"[dim]showing {page['offset'] + 1}-{shown}; next page: --offset {shown}[/]")


def print_incident(item: dict[str, Any]) -> None:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    times = item.get("times") or {}
    rows = [
        ("Incident", f"{item['id']}  {item['title']}"),
        ("Severity", item["severity"]),
        ("State", item["state"]),
        ("Services", ", ".join(item["services"]) or "-"),
        ("Customer-facing", "yes" if item["customer_facing"] else "no"),
        ("Roles", ", ".join(f"{k}: {v}" for k, v in item["roles"].items()) or "-"),
        ("Started", when(item["started_at"])),
        ("Acknowledged", f"{when(item['acknowledged_at'])} by {item['acknowledged_by'] or '-'}"),
        ("Resolved", when(item["resolved_at"])),
        (
            "Time to ack",
            f"{duration(times.get('time_to_acknowledge_s'))} (target {times.get('response_target')})",
        ),
        (
            "Time to resolve",
            f"{duration(times.get('time_to_resolve_s'))} (target {times.get('resolution_target')})",
        ),
        ("Summary", item["summary"] or "-"),
    ]
    rows += [("Link", f"{link['title']} {link['url']}".strip()) for link in item["links"]]
    for key, value in rows:
        table.add_row(key, escape(value))  # titles and summaries are untrusted: never markup
    console.print(table)


def print_timeline(entries: list[dict[str, Any]]) -> None:
    table = Table(title="Timeline", title_justify="left")
    for column in ("When", "Who", "What", "Details"):
        table.add_column(column)
    for entry in entries:
        details = ", ".join(f"{k}={v}" for k, v in entry["details"].items() if v not in (None, "", [], {}))
        table.add_row(when(entry["at"]), escape(entry["actor"]), entry["kind"], escape(details))
    console.print(table)
