"""The HTML part of a page e-mail: the same facts and links as the text part, escaped, no external assets."""

from __future__ import annotations

from html import escape

from tocsin.builtin.channels.text import KIND_LABELS, one_line, opened_at
from tocsin.domain.notification import Notification

__all__ = ["html_body"]

_BUTTON = (
    "display:inline-block;padding:10px 18px;margin:4px 8px 4px 0;border-radius:4px;"
    "text-decoration:none;font-weight:bold;color:#ffffff;background:{colour}"
)


def html_body(notification: Notification) -> str:
    """A small, inline-styled HTML document; every value from the incident is HTML-escaped."""
    title = escape(one_line(notification.title))
    rows = [
        ("Severity", notification.severity),
        ("State", str(notification.state)),
        ("Services", ", ".join(notification.services) or "none recorded"),
        ("Time", opened_at(notification)),
    ]
    facts = "".join(
        f'<tr><th align="left" style="padding-right:12px">{escape(label)}</th><td>{escape(value)}</td></tr>'
        for label, value in rows
    )
    summary = escape(notification.summary.strip()).replace("\n", "<br>\n")
    buttons = _link(notification.incident_url, "Open the incident", "#444444")
    if notification.ack_url:
        buttons = _link(notification.ack_url, "Acknowledge", "#c0392b") + buttons
    return (
        '<!DOCTYPE html>\n<html><body style="font-family:sans-serif;font-size:15px;color:#222222">\n'
        f"<p><strong>{escape(KIND_LABELS[notification.kind])}</strong> "
        f"{escape(notification.severity_and_id)}</p>\n"
        f'<h2 style="margin:0 0 12px 0">{title}</h2>\n'
        f"<table>{facts}</table>\n"
        + (f"<p>{summary}</p>\n" if summary else "")
        + f"<p>{buttons}</p>\n"
        + (
            '<p style="color:#666666;font-size:13px">Acknowledging stops the escalation. '
            "The link works once.</p>\n"
            if notification.ack_url
            else ""
        )
        + "</body></html>\n"
    )


def _link(url: str, label: str, colour: str) -> str:
    return f'<a href="{escape(url, quote=True)}" style="{_BUTTON.format(colour=colour)}">{escape(label)}</a>'
