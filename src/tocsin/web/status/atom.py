"""The status page's Atom feed (``/status/history.atom``), shaped like Statuspage's: one entry per incident
and maintenance, whose content is the whole public update trail, newest first (PROTOCOLS.md §5.3).

The feed is built with ElementTree, so every text is XML-escaped; the HTML inside ``content`` is escaped
again as HTML first. A feed reader never sees markup from an update's author.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from urllib.parse import urlparse
from xml.etree import ElementTree as ET

from tocsin.services.statuspage_model import StatusSnapshot
from tocsin.web.status.statuspage_json import incident_url

__all__ = ["render_atom"]

ATOM = "http://www.w3.org/2005/Atom"


def _when(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _child(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def _trail(items: list[tuple[datetime, str, str]]) -> str:
    """The update trail as HTML: ``<p><small>Jun 5, 17:25 UTC</small><br><strong>Update</strong> - ...</p>``."""
    return "".join(
        f"<p><small>{_when(at)}</small><br><strong>{html.escape(label)}</strong> - {html.escape(body)}</p>"
        for at, label, body in items
    )


def render_atom(snapshot: StatusSnapshot) -> bytes:
    """The feed of the snapshot's incidents (customer-facing, last 90 days) and maintenance windows."""
    host = urlparse(snapshot.url).hostname or "localhost"
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": "en"})
    _child(feed, "id", f"tag:{host},2005:/history")
    _child(feed, "title", f"{snapshot.page.name} - Incident History")
    _child(feed, "link", rel="alternate", type="text/html", href=snapshot.url)
    _child(feed, "link", rel="self", type="application/atom+xml", href=f"{snapshot.url}/history.atom")
    _child(feed, "updated", _when(snapshot.updated_at))
    _child(_child(feed, "author"), "name", snapshot.page.name)
    entries: list[tuple[datetime, ET.Element]] = []
    for incident in snapshot.incidents:
        entry = ET.Element("entry")
        _child(entry, "id", f"tag:{host},2005:Incident/{incident.id}")
        _child(entry, "published", _when(incident.started_at))
        _child(entry, "updated", _when(incident.updated_at))
        _child(entry, "link", rel="alternate", type="text/html", href=incident_url(snapshot, incident.id))
        _child(entry, "title", incident.name)
        trail = [(u.created_at, u.status.capitalize(), u.body) for u in incident.updates]
        if incident.resolved_at and not any(u.status == "resolved" for u in incident.updates):
            trail.insert(0, (incident.resolved_at, "Resolved", "This incident has been resolved."))
        _child(entry, "content", _trail(trail) or "<p>We are investigating this issue.</p>", type="html")
        entries.append((incident.updated_at, entry))
    for window in snapshot.maintenances:
        entry = ET.Element("entry")
        maintenance = window.maintenance
        _child(entry, "id", f"tag:{host},2005:Incident/{window.id}")
        _child(entry, "published", _when(maintenance.created_at))
        _child(entry, "updated", _when(maintenance.updated_at))
        _child(entry, "link", rel="alternate", type="text/html", href=snapshot.url)
        _child(entry, "title", maintenance.name)
        label = f"Scheduled for {_when(maintenance.scheduled_for)} until {_when(maintenance.scheduled_until)}"
        _child(entry, "content", _trail([(maintenance.updated_at, label, maintenance.body)]), type="html")
        entries.append((maintenance.updated_at, entry))
    for _, entry in sorted(entries, key=lambda pair: pair[0], reverse=True):
        feed.append(entry)
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))
