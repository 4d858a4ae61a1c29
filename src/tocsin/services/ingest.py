"""Alert ingest: a parsed batch of alerts becomes alert rows and incident changes, in the caller's
transaction.

- A firing alert already known and still firing is a repeat: counted, nothing else.
- A new (or re-firing) alert joins its group's incident while that incident is open; re-opens it when it
  was resolved within the integration's reopen window; otherwise declares a new incident.
- A resolved alert marks its row resolved; when the last firing alert of an incident resolves, and the
  sender does not still report the group firing, the incident auto-resolves (if the integration says so).
  A resolve for an alert never seen does nothing: we never resolve what we did not see fire.
- PagerDuty ``acknowledge`` acknowledges the alert's incident.

Writes are gathered per submission (:class:`~tocsin.services.ingest_state.BatchState`) and made
set-wise, so a batch of fifty repeats costs a handful of statements, not fifty.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection

from tocsin.domain.alert import Alert, AlertBatch, AlertSourceKind, AlertStatus, EventAction
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
from tocsin.domain.timeline import TimelineKind
from tocsin.services.incidents import Declaration, IncidentService
from tocsin.services.ingest_state import BatchState, CommitState, IngestResult, storable
from tocsin.store import alerts, incidents, integrations, severities, timeline
from tocsin.store.alerts import KnownAlert
from tocsin.store.integrations import StoredIntegration

__all__ = ["AlertPlaybook", "IngestProcessor", "IngestResult", "PlaybookSource", "Submission", "storable"]

# Senders whose message status is the status of the whole group, alerts not shown included.
_GROUP_STATUS_SOURCES = frozenset({AlertSourceKind.ALERTMANAGER, AlertSourceKind.GRAFANA})


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


class IngestProcessor:
    """Applies submissions of alerts inside the caller's write transaction (see the module docstring)."""

    def __init__(self, incident_service: IncidentService, playbooks: PlaybookSource | None = None) -> None:
        self.incident_service = incident_service
        self.playbooks = playbooks

    def process(
        self, conn: Connection, submissions: Sequence[Submission], now: datetime
    ) -> list[IngestResult]:
        """Apply ``submissions`` in ``conn``; the caller commits them together (a group commit)."""
        playbook = self.playbooks.for_alerts(conn) if self.playbooks else None
        commit = CommitState(severities.load_scheme(conn))
        received = [[storable(alert) for alert in sub.batch.alerts] for sub in submissions]
        commit.stored.prefetch(conn, _keys_by_integration(submissions, received))
        results = []
        for sub, its_alerts in zip(submissions, received, strict=True):
            state = BatchState(sub.integration, sub.batch, commit)
            results.append(self._one(conn, state, playbook, its_alerts, now))
        alerts.touch_many(conn, commit.repeats, now)
        counts: Counter[int] = Counter()
        for sub in submissions:
            counts[sub.integration.id] += len(sub.batch.alerts)
        for integration_id, count in counts.items():
            integrations.mark_seen(conn, integration_id, now, count)
        return results

    def _one(
        self,
        conn: Connection,
        state: BatchState,
        playbook: AlertPlaybook | None,
        received: list[Alert],
        now: datetime,
    ) -> IngestResult:
        state.load_known(conn, received)
        for alert in received:
            state.result.accepted += 1
            if alert.dedup_key in state.inserts:  # the same new alert twice in one message
                self._again(state, alert, now)
                continue
            seen = state.known.get(alert.dedup_key)
            if alert.action == EventAction.ACKNOWLEDGE:
                self._acknowledge(conn, state, seen.incident_id if seen else None, now)
            elif alert.status == AlertStatus.RESOLVED or alert.action == EventAction.RESOLVE:
                self._resolve_alert(state, alert, seen, now)
            else:
                self._fire(conn, state, playbook, alert, seen, now)
        state.write(conn, now)
        self._auto_resolve(conn, state, now)
        self._write_tallies(conn, state, now)
        return state.result

    # -- firing ----------------------------------------------------------------------------------------

    def _incident(self, conn: Connection, state: BatchState, number: int) -> Incident | None:
        if number not in state.incidents:
            found = incidents.get(conn, number)
            if found is None:
                return None
            state.incidents[number] = found
        return state.incidents[number]

    def _fire(
        self,
        conn: Connection,
        state: BatchState,
        playbook: AlertPlaybook | None,
        alert: Alert,
        seen: KnownAlert | None,
        now: datetime,
    ) -> None:
        if seen is not None and seen.status == "firing" and state.incident_is_open(seen):
            state.result.repeats += 1
            state.repeat(seen, alert, now)
            return
        incident = self._incident_for(conn, state, playbook, alert, now)
        tally = state.tally[incident.number]
        tally.refired += seen is not None
        tally.fired += seen is None
        tally.note(alert.title)
        state.result.incidents_touched.add(incident.human_id)
        if seen is None:
            state.add(alert, incident.number, now)
        else:
            state.change(seen, alert, "firing", incident.number, now)

    def _incident_for(
        self, conn: Connection, state: BatchState, playbook: AlertPlaybook | None, alert: Alert, now: datetime
    ) -> Incident:
        """The open incident of the alert's group, re-opened or newly declared as the rules say."""
        key = group_key_for(alert, state.grouping)
        decided = state.decided.get(key)
        if decided is not None and state.incidents[decided].state.is_open:
            return state.incidents[decided]  # an earlier alert of this message settled the group
        group = state.group(conn, key)
        if group is not None:
            _, number, last_at = group
            incident = self._incident(conn, state, number)
            if incident is not None and within_group_window(state.grouping, last_at, now):
                if incident.state.is_open:
                    state.decided[key] = number
                    return incident
                if self._may_reopen(state, incident, now):
                    reopened = self.incident_service.change_state_in(
                        conn, number, IncidentState.INVESTIGATING, actor=state.actor, now=now,
                        note=f"alert fired again: {alert.title[:200]}",
                    )  # fmt: skip
                    state.incidents[number] = reopened
                    state.decided[key] = number
                    return reopened
        incident = self._declare(conn, state, playbook, alert, now)
        state.decided[key] = incident.number
        return incident

    @staticmethod
    def _may_reopen(state: BatchState, incident: Incident, now: datetime) -> bool:
        window = state.settings.reopen_window_s  # 0 switches reopening off
        if incident.state != IncidentState.RESOLVED or incident.resolved_at is None or window <= 0:
            return False
        return (now - incident.resolved_at).total_seconds() <= window

    def _declare(
        self, conn: Connection, state: BatchState, playbook: AlertPlaybook | None, alert: Alert, now: datetime
    ) -> Incident:
        policy = state.settings.severity_policy()
        if playbook and playbook.thresholds and not policy.thresholds:
            policy = replace(policy, thresholds=playbook.thresholds)
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
        match = playbook.matcher.match(alert) if playbook else None
        if match is not None and playbook is not None:
            triage |= {
                "playbook_version": playbook.version,
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

    def _acknowledge(self, conn: Connection, state: BatchState, number: int | None, now: datetime) -> None:
        incident = self._incident(conn, state, number) if number is not None else None
        if incident is None or incident.state != IncidentState.TRIGGERED:
            state.result.ignored += 1  # as PagerDuty: an ack for no open alert is a quiet no-op
            return
        state.incidents[incident.number] = self.incident_service.acknowledge_in(
            conn, incident.number, actor=state.actor, now=now
        )
        state.result.incidents_touched.add(incident.human_id)

    @staticmethod
    def _resolve_alert(state: BatchState, alert: Alert, seen: KnownAlert | None, now: datetime) -> None:
        if seen is None or seen.status != "firing":
            state.result.ignored += 1
            return
        state.result.resolved += 1
        state.change(seen, alert, "resolved", seen.incident_id, now)
        state.tally[seen.incident_id].resolved += 1

    @staticmethod
    def _again(state: BatchState, alert: Alert, now: datetime) -> None:
        """An alert first seen earlier in this very message: the last word about it wins."""
        row = state.inserts[alert.dedup_key]
        row["event_count"] += 1
        if alert.action == EventAction.ACKNOWLEDGE:
            state.result.ignored += 1  # PagerDuty sends one event per message; nothing to acknowledge yet
        elif alert.is_firing:
            state.result.repeats += 1
            row |= {"status": "firing", "ends_at": None}
        elif row["status"] == "firing":
            state.result.resolved += 1
            row |= {"status": "resolved", "ends_at": alert.ends_at or now}
            state.tally[row["incident_id"]].resolved += 1

    def _auto_resolve(self, conn: Connection, state: BatchState, now: datetime) -> None:
        # Alertmanager and Grafana report the group's status: while it says firing, something we may not
        # have seen still fires, so the incident stays open. Other senders' batch status only sums up
        # the alerts in the message, which are judged one by one below.
        if not state.settings.auto_resolve:
            return
        if state.batch.source in _GROUP_STATUS_SOURCES and state.batch.status == AlertStatus.FIRING:
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

    @staticmethod
    def _write_tallies(conn: Connection, state: BatchState, now: datetime) -> None:
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


def _keys_by_integration(
    submissions: Sequence[Submission], received: list[list[Alert]]
) -> dict[int, list[str]]:
    keys: dict[int, list[str]] = {}
    for sub, its_alerts in zip(submissions, received, strict=True):
        keys.setdefault(sub.integration.id, []).extend(alert.dedup_key for alert in its_alerts)
    return keys
