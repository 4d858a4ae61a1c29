"""Change events (deploys, config changes) sent through PagerDuty's change API: context, never a page.

Each is written to the timeline of every incident open at the time, where responders look for "what
changed just before this broke".
"""

from __future__ import annotations

import uuid

from tocsin.clock import Clock
from tocsin.domain.alert import ChangeEvent
from tocsin.domain.incident import ACTIVE_STATES
from tocsin.store import incidents, timeline
from tocsin.store.db import Database
from tocsin.store.incidents import IncidentFilter
from tocsin.store.integrations import StoredIntegration

__all__ = ["ChangeService"]

_MAX_INCIDENTS = 50
CHANGE_KIND = "change_event"


class ChangeService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def record(self, integration: StoredIntegration, change: ChangeEvent) -> str:
        """Record ``change`` on the open incidents; returns the id PagerDuty clients expect back."""
        change_id = str(uuid.uuid4())
        details = {
            "id": change_id,
            "summary": change.summary[:1024],
            "source": change.source[:200],
            "integration": integration.name,
            "timestamp": change.timestamp.isoformat() if change.timestamp else None,
            "links": [{"href": link.href, "text": link.text} for link in change.links[:10]],
        }
        with self.db.write() as conn:
            now = self.clock.now()
            open_now, _ = incidents.list_incidents(
                conn, IncidentFilter(states=tuple(ACTIVE_STATES)), limit=_MAX_INCIDENTS, offset=0
            )
            for incident in open_now:
                timeline.append(
                    conn, incident.number, at=now, actor=f"integration:{integration.name}", kind=CHANGE_KIND,
                    details=details,
                )  # fmt: skip
        return change_id
