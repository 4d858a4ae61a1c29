"""Alert ingest: a parsed batch of alerts becomes alert rows and incident changes, in the caller's
transaction.

- A firing alert already known and still firing is a repeat: counted, nothing else.
- A new (or re-firing) alert joins its group's incident while that incident is open; re-opens it when it
  was resolved within the integration's reopen window; otherwise declares a new incident.
- A resolved alert marks its row resolved; when the last firing alert of an incident resolves, and the
  sender does not still report the group firing, the incident auto-resolves (if the integration says so).
  A resolve for an alert never seen does nothing: we never resolve what we did not see fire.
- PagerDuty ``acknowledge`` acknowledges the alert's incident.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection

from tocsin.domain.alert import Alert, AlertBatch, AlertStatus, EventAction
from tocsin.domain.alert_rules import (
    DEFAULT_SERVICE_LABELS,
    ThresholdRule,
    decide_severity,
    group_key_for,
    service_from_labels,
    within_group_window,
)
from tocsin.domain.incident import LIMITS, Incident, IncidentState
from tocsin.domain.scenario_match import ScenarioMatcher
from tocsin.domain.severity import SeverityScheme
from tocsin.domain.timeline import TimelineKind
from tocsin.services.incidents import Declaration, IncidentService
from tocsin.services.integrations import IntegrationSettings
from tocsin.store import alerts, incidents, integrations, severities, timeline
from tocsin.store.integrations import StoredIntegration

__all__ = ["AlertPlaybook", "IngestProcessor", "IngestResult", "PlaybookSource", "Submission"]


@dataclass(frozen=True)
class AlertPlaybook:
    """What the active playbook contributes to triage: its scenarios and its threshold rules."""

    version: str
    matcher: ScenarioMatcher
    thresholds: tuple[ThresholdRule, ...] = ()


class PlaybookSource(Protocol):
    def for_alerts(self, conn: Connection) -> AlertPlaybook | None: ...


@dataclass(frozen=True)
class Submission:
    integration: StoredIntegration
    batch: AlertBatch


@dataclass
class IngestResult:
    accepted: int = 0
    repeats: int = 0
    resolved: int = 0
    ignored: int = 0
    incidents_opened: list[str] = field(default_factory=list)
    incidents_touched: set[str] = field(default_factory=set)


@dataclass
class _Tally:
    fired: int = 0
    refired: int = 0
    resolved: int = 0
    examples: list[str] = field(default_factory=list)


class _Batch:
    """State for one submission inside one transaction: caches and pending set-wise writes."""

    def __init__(self, sub: Submission, scheme: SeverityScheme, playbook: AlertPlaybook | None) -> None:
        self.integration = sub.integration
        self.settings = IntegrationSettings.from_json(sub.integration.settings)
        self.batch = sub.batch
        self.scheme = scheme
        self.playbook = playbook
        self.incidents: dict[int, Incident] = {}
        self.inserts: list[dict[str, Any]] = []
        self.updates: dict[int, dict[str, Any]] = {}
        self.tally: dict[int, _Tally] = defaultdict(_Tally)
        self.result = IngestResult()

    @property
    def actor(self) -> str:
        return f"integration:{self.integration.name}"


class IngestProcessor:
    def __init__(self, incident_service: IncidentService, playbooks: PlaybookSource | None = None) -> None:
        self.incident_service = incident_service
        self.playbooks = playbooks

    def process(
        self, conn: Connection, submissions: Sequence[Submission], now: datetime
    ) -> list[IngestResult]:
        """Apply ``submissions`` in ``conn``; the caller commits them together (a group commit)."""
        scheme = severities.load_scheme(conn)
        playbook = self.playbooks.for_alerts(conn) if self.playbooks else None
        return [self._one(conn, _Batch(sub, scheme, playbook), now) for sub in submissions]

    def _one(self, conn: Connection, state: _Batch, now: datetime) -> IngestResult:
        batch = state.batch
        known = alerts.known(conn, state.integration.id, [a.dedup_key for a in batch.alerts])
        for alert in batch.alerts:
            state.result.accepted += 1
            seen = known.get(alert.dedup_key)
            if alert.action == EventAction.ACKNOWLEDGE:
                self._acknowledge(conn, state, seen.incident_id if seen else None, now)
            elif alert.status == AlertStatus.RESOLVED or alert.action == EventAction.RESOLVE:
                self._resolve_alert(state, alert, seen, now)
            else:
                self._fire(conn, state, alert, seen, now)
        alerts.insert_many(conn, state.inserts)
        alerts.update_many(conn, state.updates.values())
        self._auto_resolve(conn, state, now)
        self._write_tallies(conn, state, now)
        integrations.mark_seen(conn, state.integration.id, now, len(batch.alerts))
        return state.result

    # -- firing ----------------------------------------------------------------------------------------

    def _incident(self, conn: Connection, state: _Batch, number: int) -> Incident | None:
        if number not in state.incidents:
            found = incidents.get(conn, number)
            if found is None:
                return None
            state.incidents[number] = found
        return state.incidents[number]

    def _fire(self, conn: Connection, state: _Batch, alert: Alert, seen: Any, now: datetime) -> None:
        if seen is not None and seen.status == "firing":
            incident = self._incident(conn, state, seen.incident_id)
            if incident is not None and incident.state.is_open:
                state.result.repeats += 1
                self._queue_update(state, seen.id, alert, "firing", seen.incident_id, now)
                return
        incident = self._incident_for(conn, state, alert, now)
        tally = state.tally[incident.number]
        tally.refired += seen is not None
        tally.fired += seen is None
        if len(tally.examples) < 3:
            tally.examples.append(alert.title[:200])
        state.result.incidents_touched.add(incident.human_id)
        if seen is None:
            state.inserts.append(_alert_row(state.integration.id, alert, incident.number, now))
        else:
            self._queue_update(state, seen.id, alert, "firing", incident.number, now)

    def _incident_for(self, conn: Connection, state: _Batch, alert: Alert, now: datetime) -> Incident:
        """The open incident of the alert's group, re-opened or newly declared as the rules say."""
        rule = state.settings.grouping()
        key = group_key_for(alert, rule)
        group = alerts.find_group(conn, state.integration.id, key)
        if group is not None:
            group_id, number, last_at = group
            incident = self._incident(conn, state, number)
            if incident is not None and within_group_window(rule, last_at, now):
                if incident.state.is_open:
                    alerts.save_group(conn, state.integration.id, key, number, now, group_id)
                    return incident
                if self._may_reopen(state, incident, now):
                    reopened = self.incident_service.change_state_in(
                        conn, number, IncidentState.INVESTIGATING, actor=state.actor, now=now,
                        note=f"alert fired again: {alert.title[:200]}",
                    )  # fmt: skip
                    state.incidents[number] = reopened
                    alerts.save_group(conn, state.integration.id, key, number, now, group_id)
                    return reopened
        incident = self._declare(conn, state, alert, now)
        alerts.save_group(conn, state.integration.id, key, incident.number, now, group[0] if group else None)
        return incident

    @staticmethod
    def _may_reopen(state: _Batch, incident: Incident, now: datetime) -> bool:
        if incident.state != IncidentState.RESOLVED or incident.resolved_at is None:
            return False
        return (now - incident.resolved_at).total_seconds() <= state.settings.reopen_window_s

    def _declare(self, conn: Connection, state: _Batch, alert: Alert, now: datetime) -> Incident:
        policy = state.settings.severity_policy()
        if state.playbook and state.playbook.thresholds and not policy.thresholds:
            policy = replace(policy, thresholds=state.playbook.thresholds)
        decision = decide_severity(alert, policy, state.scheme)
        service = service_from_labels(alert.labels, state.settings.service_labels or DEFAULT_SERVICE_LABELS)
        declaration = Declaration(
            title=(alert.title or alert.name or "alert")[: LIMITS.title],
            severity=decision.level.name,
            summary=(alert.summary or alert.description)[: LIMITS.summary],
            services=[service[: LIMITS.service_name]] if service else [],
        )
        incident = self.incident_service.declare_in(conn, declaration, actor=state.actor, now=now)
        state.incidents[incident.number] = incident
        state.result.incidents_opened.append(incident.human_id)
        triage: dict[str, Any] = {
            "source": state.batch.source.value,
            "integration": state.integration.name,
            "dedup_key": alert.dedup_key,
            "severity": decision.level.name,
            "severity_basis": decision.basis.value,
            "severity_reason": decision.reason,
        }
        match = state.playbook.matcher.match(alert) if state.playbook else None
        if match is not None and state.playbook is not None:
            triage |= {
                "playbook_version": state.playbook.version,
                "scenario_id": match.scenario_id,
                "scenario": match.title,
                "scenario_score": match.score,
                "scenario_basis": match.basis.value,
                "scenario_reason": match.reason,
            }
        timeline.append(
            conn, incident.number, at=now, actor=state.actor, kind=TimelineKind.TRIAGE, details=triage
        )
        return incident

    # -- acknowledging and resolving ---------------------------------------------------------------------

    def _acknowledge(self, conn: Connection, state: _Batch, number: int | None, now: datetime) -> None:
        incident = self._incident(conn, state, number) if number is not None else None
        if incident is None or incident.state != IncidentState.TRIGGERED:
            state.result.ignored += 1  # as PagerDuty: an ack for no open alert is a quiet no-op
            return
        state.incidents[incident.number] = self.incident_service.acknowledge_in(
            conn, incident.number, actor=state.actor, now=now
        )
        state.result.incidents_touched.add(incident.human_id)

    def _resolve_alert(self, state: _Batch, alert: Alert, seen: Any, now: datetime) -> None:
        if seen is None or seen.status != "firing":
            state.result.ignored += 1
            return
        state.result.resolved += 1
        self._queue_update(state, seen.id, alert, "resolved", seen.incident_id, now)
        state.tally[seen.incident_id].resolved += 1

    def _queue_update(
        self,
        state: _Batch,
        alert_id: int,
        alert: Alert,
        status: str,
        number: int,
        now: datetime,
    ) -> None:
        previous = state.updates.get(alert_id)
        state.updates[alert_id] = {
            "id": alert_id,
            "status": status,
            "incident_id": number,
            "last_seen_at": now,
            "ends_at": (alert.ends_at or now) if status == "resolved" else None,
            # A PagerDuty resolve carries no payload: keep what the trigger said (None keeps the column).
            "title": alert.title[:1024] if status == "firing" else None,
            "summary": alert.summary if status == "firing" else None,
            "event_count": (previous["event_count"] if previous else 0) + 1,
        }

    def _auto_resolve(self, conn: Connection, state: _Batch, now: datetime) -> None:
        # Alertmanager reports the group's status: while it says firing, something we may not have seen
        # (truncatedAlerts) still fires, so the incident stays open.
        if not state.settings.auto_resolve or state.batch.status == AlertStatus.FIRING:
            return
        if not state.batch.is_complete:  # truncated: never resolve what we did not see
            return
        for number, tally in state.tally.items():
            if not tally.resolved:
                continue
            incident = self._incident(conn, state, number)
            if incident is None or not incident.state.is_open or alerts.firing_count(conn, number):
                continue
            state.incidents[number] = self.incident_service.change_state_in(
                conn,
                number,
                IncidentState.RESOLVED,
                actor=state.actor,
                now=now,
                note="all its alerts resolved",
            )
            state.result.incidents_touched.add(incident.human_id)

    def _write_tallies(self, conn: Connection, state: _Batch, now: datetime) -> None:
        for number, tally in state.tally.items():
            details: dict[str, Any] = {
                "fired": tally.fired,
                "refired": tally.refired,
                "resolved": tally.resolved,
            }
            details |= {"examples": tally.examples, "integration": state.integration.name}
            timeline.append(
                conn, number, at=now, actor=state.actor, kind=TimelineKind.ALERTS, details=details
            )


def _alert_row(integration_id: int, alert: Alert, number: int, now: datetime) -> dict[str, Any]:
    return {
        "integration_id": integration_id,
        "dedup_key": alert.dedup_key,
        "incident_id": number,
        "status": "firing",
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
