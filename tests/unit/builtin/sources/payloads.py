"""Real wire payloads, from PROTOCOLS.md (captured from Alertmanager 0.25.0, PagerDuty's docs, Grafana)."""

from __future__ import annotations

import json
from typing import Any

# PROTOCOLS.md 1.4: a firing group of three alerts sent with max_alerts: 2.
ALERTMANAGER_FIRING: dict[str, Any] = {
    "receiver": "incident-webhook",
    "status": "firing",
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "HighLatency", "instance": "i1", "service": "api", "severity": "warning"},
            "annotations": {"summary": "p99 latency high on i1"},
            "startsAt": "2026-11-25T03:58:20Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus.local/graph?g0.expr=latency",
            "fingerprint": "36e4b3d7b724b96f",
        },
        {
            "status": "firing",
            "labels": {"alertname": "HighLatency", "instance": "i2", "service": "api", "severity": "warning"},
            "annotations": {"summary": "p99 latency high on i2"},
            "startsAt": "2026-11-25T03:58:20Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus.local/graph?g0.expr=latency",
            "fingerprint": "3d88d01eee9df3e2",
        },
    ],
    "groupLabels": {"alertname": "HighLatency", "service": "api"},
    "commonLabels": {"alertname": "HighLatency", "service": "api", "severity": "warning"},
    "commonAnnotations": {},
    "externalURL": "http://127.0.0.1:19093",
    "version": "4",
    "groupKey": '{}:{alertname="HighLatency", service="api"}',
    "truncatedAlerts": 1,
}


def alertmanager_one_resolved() -> dict[str, Any]:
    """PROTOCOLS.md 1.4: the next message after i1 resolved; the group is still firing because of i2."""
    message: dict[str, Any] = json.loads(json.dumps(ALERTMANAGER_FIRING))
    message["truncatedAlerts"] = 0
    message["alerts"][0].update(status="resolved", endsAt="2026-11-25T03:58:40Z")
    return message


# PROTOCOLS.md 2.2: a full trigger and its resolve.
PAGERDUTY_TRIGGER: dict[str, Any] = {
    "routing_key": "0123456789abcdef0123456789abcdef",
    "event_action": "trigger",
    "dedup_key": "db1-down",
    "payload": {
        "summary": "db1 unreachable",
        "source": "db1.prod",
        "severity": "critical",
        "timestamp": "2026-03-02T09:00:00Z",
        "component": "postgres",
        "group": "payments",
        "class": "availability",
        "custom_details": {"region": "eu-west-1", "replicas_down": 2},
    },
    "links": [{"href": "https://runbooks.example.org/db", "text": "Runbook"}],
    "client": "IR Platform",
    "client_url": "https://ir.example.org/incidents/42",
}

PAGERDUTY_RESOLVE: dict[str, Any] = {
    "routing_key": "0123456789abcdef0123456789abcdef",
    "event_action": "resolve",
    "dedup_key": "db1-down",
}

# PROTOCOLS.md 1.7: what Alertmanager 0.25 sends to a PagerDuty-compatible endpoint.
ALERTMANAGER_TO_PAGERDUTY: dict[str, Any] = {
    "routing_key": "0123456789abcdef0123456789abcdef",
    "dedup_key": "38a705237ac33e9e49ddedc75d6f99198815e33464d8a87144a3239bd0b9d3dc",
    "event_action": "trigger",
    "payload": {
        "summary": "[FIRING:1] DBDown db (db1 true critical)",
        "source": "Alertmanager",
        "severity": "critical",
        "custom_details": {
            "firing": "Labels:\n - alertname = DBDown\n ...",
            "num_firing": "1",
            "num_resolved": "0",
            "resolved": "",
        },
    },
    "client": "Alertmanager",
    "client_url": "http://127.0.0.1:19093/#/alerts?receiver=fake-pagerduty",
}

PAGERDUTY_CHANGE: dict[str, Any] = {
    "routing_key": "0123456789abcdef0123456789abcdef",
    "payload": {
        "summary": "Deployed checkout v2.4.1",
        "source": "github-actions",
        "timestamp": "2026-03-02T08:55:00.000+0000",
        "custom_details": {"commit": "a1b2c3d", "build": 1732},
    },
    "links": [{"href": "https://ci.example.org/builds/1732", "text": "Build"}],
}

# PROTOCOLS.md section 4: a minimal Grafana webhook.
GRAFANA_FIRING: dict[str, Any] = {
    "receiver": "ir-platform",
    "status": "firing",
    "orgId": 1,
    "alerts": [
        {
            "status": "firing",
            "labels": {"alertname": "HighCPU", "grafana_folder": "Infra", "team": "blue"},
            "annotations": {"summary": "CPU above 90%"},
            "startsAt": "2026-03-02T09:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://grafana.example.org/alerting/grafana/abc123/view?orgId=1",
            "fingerprint": "c6eadffa33fcdf37",
            "silenceURL": "https://grafana.example.org/alerting/silence/new?alertmanager=grafana&matcher=alertname%3DHighCPU",
            "dashboardURL": "",
            "panelURL": "",
            "values": {"B": 93.5, "C": 1},
            "valueString": "[ var='B' labels={} value=93.5 ]",
        }
    ],
    "groupLabels": {"alertname": "HighCPU"},
    "commonLabels": {"alertname": "HighCPU", "team": "blue"},
    "commonAnnotations": {},
    "externalURL": "https://grafana.example.org/",
    "version": "1",
    "groupKey": '{}:{alertname="HighCPU"}',
    "truncatedAlerts": 0,
    "title": "[FIRING:1] HighCPU (Infra blue)",
    "state": "alerting",
    "message": "**Firing**\n...",
}

# docs/integrations/generic-webhook.md: the full example.
GENERIC_FULL: dict[str, Any] = {
    "title": "Checkout error rate above 5%",
    "status": "firing",
    "dedup_key": "checkout-5xx",
    "severity": "critical",
    "summary": "5xx ratio is 7.2% over the last 5 minutes",
    "description": "Started after the 14:20 deploy of checkout v2.4.1.",
    "labels": {"service": "checkout", "env": "prod"},
    "annotations": {"owner": "payments-team"},
    "links": [{"href": "https://grafana.example.org/d/checkout", "text": "Dashboard"}],
    "group_key": "checkout",
    "starts_at": "2026-03-02T14:25:00Z",
    "source": "synthetic-checker",
    "source_url": "https://checker.example.org/checks/checkout",
}


def body(document: object) -> bytes:
    return json.dumps(document).encode()
