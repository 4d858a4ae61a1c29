"""The public status page in HTML: the current state, one incident, and the history. No script at all;
times in the page's zone; every text escaped (the page shows what responders wrote for customers)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from tocsin.services.statuspage_model import PublicIncident, StatusSnapshot

__all__ = ["PAST_DAYS", "render_history", "render_incident", "render_status"]

PAST_DAYS = 7


@pass_context
def _local(context: Context, value: datetime | None, style: str = "datetime") -> str:
    if value is None:
        return ""
    snapshot: StatusSnapshot = context["snapshot"]
    local = value.astimezone(ZoneInfo(snapshot.page.time_zone))
    return local.strftime("%b %d, %H:%M %Z") if style == "datetime" else local.strftime("%b %d, %Y")


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local"] = _local
    return env


_ENV = _environment()


def _past_days(snapshot: StatusSnapshot) -> list[tuple[date, list[PublicIncident]]]:
    """The last :data:`PAST_DAYS` days, newest first, each with the resolved incidents that began then."""
    zone = ZoneInfo(snapshot.page.time_zone)
    today = snapshot.generated_at.astimezone(zone).date()
    days: list[tuple[date, list[PublicIncident]]] = [
        (today - timedelta(days=n), []) for n in range(PAST_DAYS)
    ]
    by_day = dict(days)
    for incident in snapshot.incidents:
        if incident.status.is_open:
            continue
        started = incident.started_at.astimezone(zone).date()
        if started in by_day:
            by_day[started].append(incident)
    return days


def render_status(snapshot: StatusSnapshot) -> bytes:
    return _ENV.get_template("status.html").render(snapshot=snapshot, past_days=_past_days(snapshot)).encode()


def render_incident(snapshot: StatusSnapshot, public_id: str) -> bytes | None:
    """The page of the incident with Statuspage id ``public_id`` (``inc_42``), or ``None``."""
    found = next((i for i in snapshot.incidents if i.id == public_id), None)
    if found is None:
        return None
    return _ENV.get_template("incident.html").render(snapshot=snapshot, incident=found).encode()


def render_history(snapshot: StatusSnapshot) -> bytes:
    return _ENV.get_template("history.html").render(snapshot=snapshot).encode()
