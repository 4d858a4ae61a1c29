"""Paging endpoints reached without an API token: the e-mail's acknowledge link, Slack's slash command,
and the on-call calendar feeds. Each carries its own credential (a signed single-use token, Slack's
request signature, a secret URL).

The acknowledge link's ``GET`` only shows what it would do, with a button: mail scanners and link
previews fetch links, and must not acknowledge (nor use up a single-use link). The ``POST`` acknowledges.
"""

from __future__ import annotations

from email.utils import format_datetime
from html import escape
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from tocsin.builtin.ical import CONTENT_TYPE as CALENDAR_TYPE
from tocsin.domain.incident import IncidentState
from tocsin.errors import PayloadTooLarge, TocsinError
from tocsin.services.container import Services
from tocsin.web.auth import services_of

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
Svc = Annotated[Services, Depends(services_of)]
_SLACK_MAX_BODY = 16 * 1024
# The token is in the URL: keep it out of caches, referrers and search engines.
_PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


def _page(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    html = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · tocsin</title></head>"
        '<body style="font-family:sans-serif;max-width:36em;margin:3em auto;padding:0 1em">'
        f"<h1>{escape(title)}</h1>{body}</body></html>\n"
    )
    return HTMLResponse(html, status_code=status_code, headers=_PRIVATE)


def _refused(error: TocsinError) -> HTMLResponse:
    title = {"ack_link_used": "Link already used", "ack_link_expired": "Link expired"}.get(
        error.code, "Cannot acknowledge"
    )
    return _page(title, f"<p>{escape(error.message)}</p>", error.status)


@router.get("/ack/{token}")
def show_ack_link(token: str, services: Svc) -> HTMLResponse:
    """What the link acknowledges, and a button to do it."""
    try:
        link = services.paging.acks.inspect_link(token)
    except TocsinError as error:
        return _refused(error)
    incident = link.incident
    facts = f"<p><strong>{escape(incident.human_id)}</strong> ({escape(incident.severity)}): {escape(incident.title)}</p>"
    if link.used:
        return _page("Link already used", facts + "<p>This acknowledge link has already been used.</p>", 409)
    if incident.state is not IncidentState.TRIGGERED:
        by = f" by {escape(incident.acknowledged_by)}" if incident.acknowledged_by else ""
        return _page("Already acknowledged", facts + f"<p>It is {escape(str(incident.state))}{by}.</p>")
    form = (
        f'<form method="post"><p>You are acknowledging as {escape(link.user_name)}; this stops the '
        'escalation.</p><button type="submit" style="font-size:1.2em;padding:.5em 1.5em">Acknowledge</button>'
        "</form>"
    )
    return _page(f"Acknowledge {incident.human_id}?", facts + form)


@router.post("/ack/{token}")
def use_ack_link(token: str, services: Svc) -> HTMLResponse:
    """Acknowledge; the link cannot be used again."""
    try:
        incident = services.paging.acks.acknowledge_by_link(token)
    except TocsinError as error:
        return _refused(error)
    body = (
        f"<p><strong>{escape(incident.human_id)}</strong> ({escape(incident.severity)}): {escape(incident.title)}</p>"
        f"<p>Acknowledged by {escape(incident.acknowledged_by or '')}. The escalation has stopped.</p>"
    )
    return _page(f"{incident.human_id} acknowledged", body)


@router.get("/slack/commands")
def slack_ssl_check() -> Response:
    """Slack's occasional ``GET ?ssl_check=1``: answer 200."""
    return Response(status_code=200)


@router.post("/slack/commands")
async def slack_command(
    request: Request,
    services: Svc,
    timestamp: Annotated[str, Header(alias="X-Slack-Request-Timestamp")] = "",
    signature: Annotated[str, Header(alias="X-Slack-Signature")] = "",
) -> JSONResponse:
    """``/incident create|ack|resolve|status|help``: verified over the raw body before it is parsed."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > _SLACK_MAX_BODY:
            raise PayloadTooLarge(f"a slash command body is at most {_SLACK_MAX_BODY} bytes")
    reply = await run_in_threadpool(services.paging.acks.slash_command, bytes(body), timestamp, signature)
    return JSONResponse(reply.body())


@router.get("/calendars/oncall/{token}.ics")
def calendar_feed(
    token: str, services: Svc, if_none_match: Annotated[str | None, Header()] = None
) -> Response:
    """A schedule's or a user's shifts as iCalendar, at a secret URL (calendar apps cannot send tokens)."""
    feed = services.paging.schedules.render_feed(token)
    headers = {
        "ETag": feed.etag,
        "Last-Modified": format_datetime(feed.last_modified, usegmt=True),
        "Cache-Control": "private, max-age=300",
        "Referrer-Policy": "no-referrer",
    }
    if if_none_match is not None and feed.etag in {tag.strip() for tag in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    return Response(feed.body, media_type=CALENDAR_TYPE, headers=headers)
