"""Rendering the UI: one autoescaping Jinja2 environment, time shown in the viewer's zone, and the
security headers every page carries.

Everything that reaches a template is data: Jinja escapes it, the Content-Security-Policy forbids inline
script, and htmx is told not to evaluate anything, so alert text that looks like HTML stays text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from tocsin.services.accounts import SignedIn
from tocsin.services.tokens import ApiRole
from tocsin.web.auth import services_of

__all__ = [
    "SECURITY_HEADERS",
    "TEMPLATES",
    "Viewer",
    "format_duration",
    "render",
    "render_fragment",
    "zone_named",
]

TEMPLATES = Path(__file__).parent / "templates"
TZ_COOKIE = "tz"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def zone_named(name: str | None) -> ZoneInfo | None:
    """The IANA zone called ``name``, or ``None`` if there is no such zone."""
    if not name or len(name) > 64:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@dataclass(frozen=True)
class Viewer:
    """The signed-in person looking at a page, and the zone their times are shown in."""

    signed_in: SignedIn
    zone: ZoneInfo

    @classmethod
    def of(cls, request: Request, signed_in: SignedIn) -> Viewer:
        zone = zone_named(signed_in.account.time_zone) or zone_named(
            unquote(request.cookies.get(TZ_COOKIE, ""))
        )
        return cls(signed_in, zone or ZoneInfo("UTC"))

    @property
    def name(self) -> str:
        return self.signed_in.account.username

    @property
    def role(self) -> ApiRole:
        return ApiRole(self.signed_in.account.role)

    @property
    def csrf(self) -> str:
        return self.signed_in.session.csrf_token

    @property
    def can_respond(self) -> bool:
        return self.role.allows(ApiRole.RESPONDER)

    @property
    def is_admin(self) -> bool:
        return self.role.allows(ApiRole.ADMIN)


def format_duration(value: timedelta | None) -> str:
    """``1h 05m``, ``4m 10s``, ``12s``; an empty string for ``None``."""
    if value is None:
        return ""
    seconds = max(0, int(value.total_seconds()))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


@pass_context
def _local(context: Context, value: datetime | None, style: str = "datetime") -> Markup:
    """A ``<time>`` element in the viewer's zone; the exact UTC instant is in its ``datetime``."""
    if value is None:
        return Markup("")
    zone: ZoneInfo = context["viewer_zone"]
    local = value.astimezone(zone)
    shown = {
        "datetime": local.strftime("%Y-%m-%d %H:%M %Z"),
        "time": local.strftime("%H:%M:%S"),
        "date": local.strftime("%a %d %b %Y"),
        "short": local.strftime("%d %b %H:%M"),
    }[style]
    iso = value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return Markup('<time datetime="{}" title="{}">{}</time>').format(iso, iso, shown)


@pass_context
def _ago(context: Context, value: datetime | None) -> str:
    if value is None:
        return ""
    now: datetime = context["now"]
    return f"{format_duration(now - value)} ago"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local"] = _local
    env.filters["ago"] = _ago
    env.filters["duration"] = format_duration
    env.filters["seconds"] = lambda s: "unknown" if s is None else format_duration(timedelta(seconds=s))
    return env


_ENV = _environment()


def _context(request: Request, viewer: Viewer | None, values: dict[str, Any]) -> dict[str, Any]:
    zone = viewer.zone if viewer else ZoneInfo("UTC")
    base = {
        "viewer": viewer,
        "viewer_zone": zone,
        "now": services_of(request).clock.now(),
        "path": request.url.path,
    }
    return base | values


def render_fragment(request: Request, name: str, viewer: Viewer | None, **values: Any) -> str:
    """A template rendered to a string (a page part for htmx or a server-sent event)."""
    return _ENV.get_template(name).render(_context(request, viewer, values))


def render(
    request: Request, name: str, viewer: Viewer | None, *, status_code: int = 200, **values: Any
) -> HTMLResponse:
    """A whole page (or an htmx fragment), never cached: it shows one person's view of live data."""
    html = render_fragment(request, name, viewer, **values)
    headers = SECURITY_HEADERS | {"Cache-Control": "no-store"}
    return HTMLResponse(html, status_code=status_code, headers=headers)
