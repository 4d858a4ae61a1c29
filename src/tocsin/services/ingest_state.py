"""What one submission of alerts changes, gathered in memory and written set-wise at its end.

The processor (:mod:`tocsin.services.ingest`) decides; :class:`BatchState` remembers: the stored alerts
of the batch as the batch changed them, new alert rows, changed rows, repeats (counted with one statement
for the whole commit), the groups whose incident was decided, and a tally per incident for the timeline.
Nothing here decides what an alert means.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from tocsin.domain.alert import Alert, AlertBatch
from tocsin.domain.alert_rules import GroupingRule
from tocsin.domain.incident import Incident, IncidentState
from tocsin.domain.severity import SeverityScheme
from tocsin.services.integrations import IntegrationSettings
from tocsin.store import alerts
from tocsin.store.alerts import KnownAlert
from tocsin.store.integrations import StoredIntegration

__all__ = ["BatchState", "CommitState", "IngestResult", "KnownAlerts", "Tally", "alert_row", "storable"]

_GroupRow = tuple[int, int, datetime]  # (group id, incident number, last alert time)


@dataclass
class IngestResult:
    """What one submission did, for the sender's answer and the metrics."""

    accepted: int = 0
    repeats: int = 0
    resolved: int = 0
    ignored: int = 0
    incidents_opened: list[str] = field(default_factory=list)
    incidents_touched: set[str] = field(default_factory=set)


@dataclass
class Tally:
    """Alerts fired, fired again and resolved for one incident by one message: one timeline entry."""

    fired: int = 0
    refired: int = 0
    resolved: int = 0
    examples: list[str] = field(default_factory=list)

    def note(self, title: str) -> None:
        if len(self.examples) < 3:
            self.examples.append(title[:200])


class KnownAlerts:
    """The stored alerts the submissions of one commit name, read with one query per integration.

    Changes a submission makes are kept here, so later submissions of the commit see them; alerts a
    submission inserted are read again when a later one names them (only the database knows their id).
    """

    def __init__(self) -> None:
        self._found: dict[tuple[int, str], KnownAlert] = {}
        self._unread: set[tuple[int, str]] = set()

    def prefetch(self, conn: Connection, keys_by_integration: dict[int, list[str]]) -> None:
        for integration_id, keys in keys_by_integration.items():
            for key, found in alerts.known(conn, integration_id, keys).items():
                self._found[integration_id, key] = found

    def of(self, conn: Connection, integration_id: int, keys: list[str]) -> dict[str, KnownAlert]:
        """The stored alerts among ``keys``, by key."""
        unread = [key for key in keys if (integration_id, key) in self._unread]
        if unread:
            for key, found in alerts.known(conn, integration_id, unread).items():
                self._found[integration_id, key] = found
            self._unread.difference_update((integration_id, key) for key in unread)
        found_now = ((key, self._found.get((integration_id, key))) for key in keys)
        return {key: item for key, item in found_now if item is not None}

    def changed(self, integration_id: int, alert: KnownAlert) -> None:
        self._found[integration_id, alert.dedup_key] = alert

    def inserted(self, integration_id: int, keys: Iterable[str]) -> None:
        self._unread.update((integration_id, key) for key in keys)


class CommitState:
    """What the submissions of one commit share: the scheme, the incidents and stored alerts they read
    (as the commit changed them), each integration's settings, and the repeats to count at the end."""

    def __init__(self, scheme: SeverityScheme) -> None:
        self.scheme = scheme
        self.incidents: dict[int, Incident] = {}
        self.stored = KnownAlerts()
        self.repeats: Counter[int] = Counter()  # alert id -> times; repeats change nothing later ones read
        self._settings: dict[int, tuple[IntegrationSettings, GroupingRule]] = {}

    def settings_of(self, integration: StoredIntegration) -> tuple[IntegrationSettings, GroupingRule]:
        if integration.id not in self._settings:
            settings = IntegrationSettings.from_json(integration.settings)
            self._settings[integration.id] = (settings, settings.grouping())
        return self._settings[integration.id]


class BatchState:
    """One submission inside one transaction: caches, and the writes it has decided but not yet made."""

    def __init__(self, integration: StoredIntegration, batch: AlertBatch, commit: CommitState) -> None:
        self.integration = integration
        self.settings, self.grouping = commit.settings_of(integration)
        self.batch = batch
        self.scheme = commit.scheme
        self.actor = f"integration:{integration.name}"
        self.incidents = commit.incidents
        self.repeats = commit.repeats
        self.stored = commit.stored
        self.known: dict[str, KnownAlert] = {}  # stored alerts of this batch, as this batch changed them
        self.inserts: dict[str, dict[str, Any]] = {}  # new alerts by dedup key
        self.updates: dict[int, dict[str, Any]] = {}  # changed alerts by id
        self.groups: dict[str, _GroupRow | None] = {}  # group key -> its row as read
        self.decided: dict[str, int] = {}  # group key -> the incident this batch put it in
        self.tally: defaultdict[int, Tally] = defaultdict(Tally)
        self.result = IngestResult()

    def load_known(self, conn: Connection, received: list[Alert]) -> None:
        self.known = self.stored.of(conn, self.integration.id, [alert.dedup_key for alert in received])

    def group(self, conn: Connection, key: str) -> _GroupRow | None:
        if key not in self.groups:
            self.groups[key] = alerts.find_group(conn, self.integration.id, key)
        return self.groups[key]

    def add(self, alert: Alert, number: int, now: datetime) -> None:
        """A new alert in incident ``number``."""
        self.inserts[alert.dedup_key] = alert_row(self.integration.id, alert, number, now)

    def repeat(self, seen: KnownAlert, alert: Alert, now: datetime) -> None:
        """A still-firing alert sent again: counted, and its text refreshed only when it changed."""
        if seen.id in self.updates or (alert.title, alert.summary) != (seen.title, seen.summary):
            self.change(seen, alert, "firing", seen.incident_id, now)
        else:
            self.repeats[seen.id] += 1

    def change(self, seen: KnownAlert, alert: Alert, status: str, number: int, now: datetime) -> None:
        """A stored alert fires again or resolves (in incident ``number``)."""
        previous = self.updates.get(seen.id)
        self.updates[seen.id] = {
            "id": seen.id,
            "status": status,
            "incident_id": number,
            "last_seen_at": now,
            "ends_at": (alert.ends_at or now) if status == "resolved" else None,
            # A PagerDuty resolve carries no payload: keep what the trigger said (None keeps the column).
            "title": alert.title[:1024] if status == "firing" else None,
            "summary": alert.summary if status == "firing" else None,
            "event_count": (previous["event_count"] if previous else 0) + 1,
        }
        self.known[alert.dedup_key] = replace(seen, status=status, incident_id=number)
        self.stored.changed(self.integration.id, self.known[alert.dedup_key])

    def incident_is_open(self, seen: KnownAlert) -> bool:
        """Whether the stored alert's incident is open, as this commit has left it."""
        cached = self.incidents.get(seen.incident_id)
        return (cached.state if cached else IncidentState(seen.incident_state)).is_open

    def write(self, conn: Connection, now: datetime) -> None:
        """Write every alert and group change gathered so far, set-wise (repeats: see ``repeats``)."""
        alerts.insert_many(conn, list(self.inserts.values()))
        self.stored.inserted(self.integration.id, self.inserts)
        alerts.update_many(conn, self.updates.values())
        for key, number in self.decided.items():
            row = self.groups.get(key)
            alerts.save_group(conn, self.integration.id, key, number, now, row[0] if row else None)


def _has_nul(alert: Alert) -> bool:
    """Whether any text of the alert holds a NUL character (one C-level scan over all of it)."""
    texts = [
        alert.dedup_key,
        alert.title,
        alert.summary,
        alert.description,
        alert.severity_text,
        alert.source_url,
    ]
    for mapping in (alert.labels, alert.annotations, alert.details):
        texts += mapping.keys()
        texts += mapping.values()
    return "\x00" in "".join(texts)


def _clean(text: str) -> str:
    return text.replace("\x00", "\ufffd")


def storable(alert: Alert) -> Alert:
    """``alert`` with every NUL character replaced: JSON may carry one (``\\u0000``), PostgreSQL text cannot.

    The replacement is deterministic, so the same key still names the same alert.
    """
    if not _has_nul(alert):
        return alert
    return replace(
        alert,
        dedup_key=_clean(alert.dedup_key),
        title=_clean(alert.title),
        summary=_clean(alert.summary),
        description=_clean(alert.description),
        severity_text=_clean(alert.severity_text),
        source_url=_clean(alert.source_url),
        labels={_clean(k): _clean(v) for k, v in alert.labels.items()},
        annotations={_clean(k): _clean(v) for k, v in alert.annotations.items()},
        details={_clean(k): _clean(v) for k, v in alert.details.items()},
    )


def alert_row(integration_id: int, alert: Alert, number: int, now: datetime) -> dict[str, Any]:
    """The row of a new alert."""
    return {
        "integration_id": integration_id,
        "dedup_key": alert.dedup_key,
        "incident_id": number,
        "status": alert.status.value,
        "title": alert.title[:1024],
        "summary": alert.summary,
        "description": alert.description,
        "severity_text": alert.severity_text[:50],
        "labels": dict(alert.labels),
        "annotations": dict(alert.annotations),
        "links": [{"href": link.href, "text": link.text} for link in alert.links],
        "source_url": alert.source_url[:2000],
        "starts_at": alert.starts_at or now,
        "ends_at": None,
        "first_seen_at": now,
        "last_seen_at": now,
        "event_count": 1,
    }
