"""Prometheus Alertmanager's webhook receiver format, version "4" (PROTOCOLS.md section 1).

Alertmanager posts one JSON object per (receiver, alert group, flush). Unknown fields are ignored (new
ones appear in minor releases). Each alert carries its own ``status`` and a ``fingerprint`` that
identifies it across messages; ``groupKey`` identifies the group; ``truncatedAlerts`` says how many
alerts ``max_alerts`` left out, so the batch is incomplete and must not auto-resolve its group.

Grafana's webhook is a superset of this shape; :mod:`.grafana` reuses the models and the normalisation.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tocsin.builtin.sources._common import DEFAULT_MAX_BODY_BYTES, StrMap, Timestamp, load_model
from tocsin.domain.alert import (
    Alert,
    AlertBatch,
    AlertLink,
    AlertSourceKind,
    AlertStatus,
    ClientInfo,
    EventAction,
)

__all__ = [
    "AlertmanagerAlert",
    "AlertmanagerMessage",
    "AlertmanagerSource",
    "alert_links",
    "message_batch",
    "to_alert",
]


class AlertmanagerAlert(BaseModel):
    """One alert of a webhook message (PROTOCOLS.md table 1.3)."""

    model_config = ConfigDict(extra="ignore")

    status: AlertStatus
    labels: StrMap
    annotations: StrMap = Field(default_factory=dict)
    starts_at: Timestamp = Field(default=None, alias="startsAt")
    ends_at: Timestamp = Field(default=None, alias="endsAt")
    generator_url: str | None = Field(default="", alias="generatorURL")
    fingerprint: str = Field(min_length=1, max_length=255)


class AlertmanagerMessage(BaseModel):
    """The top level of a version "4" webhook message (PROTOCOLS.md table 1.2)."""

    model_config = ConfigDict(extra="ignore")

    version: str
    group_key: str = Field(alias="groupKey")
    truncated_alerts: int = Field(default=0, ge=0, alias="truncatedAlerts")
    status: AlertStatus
    receiver: str = ""
    group_labels: StrMap = Field(default_factory=dict, alias="groupLabels")
    common_labels: StrMap = Field(default_factory=dict, alias="commonLabels")
    common_annotations: StrMap = Field(default_factory=dict, alias="commonAnnotations")
    external_url: str | None = Field(default="", alias="externalURL")
    alerts: list[AlertmanagerAlert]

    @field_validator("version")
    @classmethod
    def _check_version(cls, version: str) -> str:
        if version != "4":
            hint = " (Grafana sends version 1: use a Grafana integration)" if version == "1" else ""
            raise ValueError(f"this receiver takes Alertmanager webhook version 4, not {version!r}{hint}")
        return version


def alert_links(alert: AlertmanagerAlert) -> tuple[AlertLink, ...]:
    """The links an Alertmanager alert carries: its generator (rule/graph) and a ``runbook_url``."""
    links: list[AlertLink] = []
    if alert.generator_url:
        links.append(AlertLink(alert.generator_url, "Source"))
    runbook = alert.annotations.get("runbook_url") or alert.annotations.get("runbook")
    if runbook:
        links.append(AlertLink(runbook, "Runbook"))
    return tuple(links)


def to_alert(
    alert: AlertmanagerAlert,
    *,
    kind: AlertSourceKind,
    group_key: str,
    client: ClientInfo,
    links: tuple[AlertLink, ...] = (),
    details: Mapping[str, str] | None = None,
) -> Alert:
    """Normalise one Alertmanager-shaped alert (Alertmanager or Grafana) to an :class:`Alert`."""
    alertname = alert.labels.get("alertname", "")
    summary = alert.annotations.get("summary") or alert.annotations.get("message", "")
    return Alert(
        source=kind,
        dedup_key=alert.fingerprint,
        status=alert.status,
        action=EventAction.for_status(alert.status),
        title=": ".join(part for part in (alertname, summary) if part),
        summary=summary,
        description=alert.annotations.get("description", ""),
        severity_text=alert.labels.get("severity", ""),
        labels=alert.labels,
        annotations=alert.annotations,
        details=details or {},
        links=alert_links(alert) + links,
        starts_at=alert.starts_at,
        # A firing alert's endsAt is Go's zero time (read as None) or a future expiry; neither is an end.
        ends_at=alert.ends_at if alert.status is AlertStatus.RESOLVED else None,
        group_key=group_key,
        source_url=alert.generator_url or "",
        client=client,
    )


class AlertmanagerSource:
    """Parses Alertmanager ``webhook_configs`` deliveries into an :class:`AlertBatch`."""

    name = "alertmanager"
    kind = AlertSourceKind.ALERTMANAGER

    def __init__(self, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.max_body_bytes = max_body_bytes

    def parse(self, body: bytes, headers: Mapping[str, str]) -> AlertBatch:
        """Validate a version "4" message and normalise its alerts; raise a tocsin error if it is bad."""
        message = load_model(AlertmanagerMessage, body, limit=self.max_body_bytes, source="Alertmanager")
        client = ClientInfo("Alertmanager", message.external_url or "")
        alerts = tuple(
            to_alert(alert, kind=self.kind, group_key=message.group_key, client=client)
            for alert in message.alerts
        )
        return message_batch(self.kind, message, alerts)


def message_batch(
    kind: AlertSourceKind, message: AlertmanagerMessage, alerts: tuple[Alert, ...], *, title: str = ""
) -> AlertBatch:
    """The batch of one Alertmanager-shaped message (Grafana's webhook extends the same format)."""
    return AlertBatch(
        source=kind,
        alerts=alerts,
        status=message.status,
        group_key=message.group_key,
        receiver=message.receiver,
        truncated_alerts=message.truncated_alerts,
        title=title,
        external_url=message.external_url or "",
        group_labels=message.group_labels,
        common_labels=message.common_labels,
    )
