"""Argument parsing shared by the paging commands: durations, times, weekdays, ``key=value`` settings."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import typer

from tocsin.cli.client import ApiClient, CliError, Target
from tocsin.cli.render import console, print_json

__all__ = ["client_of", "done", "parse_days", "parse_minutes", "parse_setting", "parse_when"]

_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def client_of(ctx: typer.Context) -> ApiClient:
    target: Target = ctx.obj
    return target.client()


def done(data: Any, as_json: bool, message: str) -> None:
    """Print ``data`` as JSON for scripts, or ``message`` for people."""
    if as_json:
        print_json(data)
    else:
        console.print(message)


def parse_minutes(text: str) -> float:
    """``"5m"``, ``"1h30m"``, ``"90s"`` or a bare number of minutes, as minutes."""
    value = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    match = _DURATION.fullmatch(value)
    if not value or match is None or not any(match.groups()):
        raise CliError(f"{text!r} is not a duration; write it like 5m, 1h30m or 90s")
    hours, minutes, seconds = (float(part) if part else 0.0 for part in match.groups())
    return hours * 60 + minutes + seconds / 60


def parse_when(text: str) -> str:
    """An ISO 8601 time (UTC when it names no zone), as the API takes it."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CliError(
            f"{text!r} is not a time; write it like 2026-03-02T09:00 or 2026-03-02T09:00+01:00"
        ) from None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def parse_days(text: str) -> list[int]:
    """``"mon-fri"``, ``"sat,sun"`` or ``"mon,wed-fri"`` as weekday numbers (0 is Monday)."""
    days: list[int] = []
    for part in text.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in _DAYS or (last and last not in _DAYS):
            raise CliError(f"{text!r} is not a list of days; write it like mon-fri or sat,sun")
        start, end = _DAYS.index(first), _DAYS.index(last or first)
        days += [day % 7 for day in range(start, end + 1 if end >= start else end + 8)]
    return sorted(set(days))


def parse_setting(text: str) -> tuple[str, str]:
    """``"host=smtp.example.org"`` → ``("host", "smtp.example.org")``."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise CliError(f"{text!r} is not a setting; write it like host=smtp.example.org")
    return name.strip(), value
