"""A test alert written in each sender's own wire format, so it takes exactly the path a real one takes.

``tocsin alert send`` builds one of these bodies and posts it to the integration's webhook (or, on the
local database without a key, parses it with the same source and ingests it through the same queue).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from tocsin.builtin.sources.generic import derived_dedup_key

__all__ = ["PLACEHOLDER_ROUTING_KEY", "SentAlert", "alert_body"]

_GO_ZERO_TIME = "0001-01-01T00:00:00Z"  # what Alertmanager sends as the end of a firing alert
PLACEHOLDER_ROUTING_KEY = "0" * 32  # the local path never checks the key; the parser still wants one


@dataclass(frozen=True)
class SentAlert:
    """What the user asked to send. ``dedup_key`` defaults to one derived from the title and labels."""

    title: str
    at: datetime
    severity: str = ""
    summary: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    dedup_key: str = ""
    resolved: bool = False

    @property
    def key(self) -> str:
        return self.dedup_key or derived_dedup_key(self.title, dict(self.labels))

    @property
    def status(self) -> str:
        return "resolved" if self.resolved else "firing"


def _rfc3339(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _generic(alert: SentAlert) -> dict[str, object]:
    body: dict[str, object] = {
        "title": alert.title,
        "status": alert.status,
        "dedup_key": alert.key,
        "labels": dict(alert.labels),
        "source": "tocsin-cli",
    }
    if alert.severity:
        body["severity"] = alert.severity
    if alert.summary:
        body["summary"] = alert.summary
    return body


def _alertmanager_shaped(alert: SentAlert, version: str) -> dict[str, object]:
    """One alert in its own group, as Alertmanager (version 4) or Grafana (version 1) sends it."""
    labels = {"alertname": alert.title, **alert.labels}
    if alert.severity:
        labels.setdefault("severity", alert.severity)
    alertname = labels["alertname"].replace("\\", "\\\\").replace('"', '\\"')
    annotations = {"summary": alert.summary} if alert.summary else {}
    body: dict[str, object] = {
        "version": version,
        "groupKey": f'{{}}:{{alertname="{alertname}"}}',
        "status": alert.status,
        "receiver": "tocsin-cli",
        "groupLabels": {"alertname": labels["alertname"]},
        "commonLabels": labels,
        "commonAnnotations": annotations,
        "externalURL": "",
        "truncatedAlerts": 0,
        "alerts": [
            {
                "status": alert.status,
                "labels": labels,
                "annotations": annotations,
                "startsAt": _rfc3339(alert.at),
                "endsAt": _rfc3339(alert.at) if alert.resolved else _GO_ZERO_TIME,
                "generatorURL": "",
                "fingerprint": alert.key,
            }
        ],
    }
    if version == "1":
        body |= {"orgId": 1, "state": "ok" if alert.resolved else "alerting", "title": alert.title}
    return body


def _pagerduty(alert: SentAlert, routing_key: str) -> dict[str, object]:
    if alert.resolved:
        return {"routing_key": routing_key, "event_action": "resolve", "dedup_key": alert.key}
    labels = dict(alert.labels)
    payload: dict[str, object] = {
        "summary": alert.title,
        "source": labels.get("source", "tocsin-cli"),
        # PagerDuty knows four words; anything else is left for the server to refuse with the reason.
        "severity": alert.severity or "error",
        "custom_details": labels,
    }
    payload |= {name: labels[name] for name in ("component", "group", "class") if name in labels}
    return {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": alert.key,
        "payload": payload,
        "client": "tocsin CLI",
    }


def alert_body(source: str, alert: SentAlert, routing_key: str = PLACEHOLDER_ROUTING_KEY) -> bytes:
    """The request body ``source`` would send for ``alert`` (``routing_key`` is PagerDuty's key)."""
    if source == "generic":
        document = _generic(alert)
    elif source == "alertmanager":
        document = _alertmanager_shaped(alert, "4")
    elif source == "grafana":
        document = _alertmanager_shaped(alert, "1")
    elif source == "pagerduty":
        document = _pagerduty(alert, routing_key)
    else:
        raise ValueError(f"no test alert format for source {source!r}")
    return json.dumps(document, ensure_ascii=False).encode()
