"""The words every built-in channel uses, so a page reads the same in e-mail, Slack and the console.

Titles and summaries come from alerts and are untrusted: here they are only flattened (no line breaks in
a subject) and cut to length; each channel escapes them for its own format (HTML, Slack mrkdwn).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tocsin.domain.notification import Notification, NotificationKind

__all__ = ["KIND_LABELS", "headline", "one_line", "opened_at", "plain_text", "truncate"]

KIND_LABELS = {
    NotificationKind.PAGE: "Page",
    NotificationKind.UPDATE: "Update",
    NotificationKind.RESOLVED: "Resolved",
    NotificationKind.TEST: "Test",
}
_INTROS = {
    NotificationKind.PAGE: "You are paged for",
    NotificationKind.UPDATE: "Update on",
    NotificationKind.RESOLVED: "Resolved:",
    NotificationKind.TEST: "Test notification (no action needed) for",
}


def one_line(text: str) -> str:
    """Collapse every run of whitespace, line breaks included, into one space."""
    return " ".join(text.split())


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def headline(notification: Notification) -> str:
    """``[Page] SEV1 INC-42: Database connection timeout``: a subject line or a header."""
    label = KIND_LABELS[notification.kind]
    return f"[{label}] {notification.severity_and_id}: {one_line(notification.title)}"


def opened_at(notification: Notification) -> str:
    """When the notification was decided, in the recipient's own time zone (UTC if theirs is unknown)."""
    try:
        zone = ZoneInfo(notification.recipient.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = notification.created_at.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} ({zone.key})"


def plain_text(notification: Notification) -> str:
    """The message as plain text: what happened, the facts, and the links to act on it."""
    lines = [
        f"{_INTROS[notification.kind]} {notification.severity_and_id}: {one_line(notification.title)}",
        "",
        f"Severity: {notification.severity}",
        f"State:    {notification.state}",
    ]
    if notification.services:
        lines.append(f"Services: {', '.join(notification.services)}")
    lines.append(f"Time:     {opened_at(notification)}")
    if notification.summary.strip():
        lines += ["", notification.summary.strip()]
    lines += ["", f"Open the incident: {notification.incident_url}"]
    if notification.ack_url:
        lines.append(f"Acknowledge (stops the escalation): {notification.ack_url}")
    return "\n".join(lines) + "\n"
