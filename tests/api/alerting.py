"""Helpers for the webhook tests: create integrations through the API, write senders' bodies, read results.

Bodies are written as each sender writes them (PROTOCOLS.md sections 1, 2 and 4), with only the values a
test varies as arguments.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import httpx
import pytest

from tocsin.services.container import Services
from tocsin.web.app import create_app
from tocsin.web.inprocess import in_process_client

GO_ZERO_TIME = "0001-01-01T00:00:00Z"


@pytest.fixture
def sender(services: Services) -> Iterator[httpx.Client]:
    """A client of the real app with no API token, as Alertmanager or a PagerDuty client posts."""
    with in_process_client(create_app(services)) as client:
        yield client


def create_integration(api: httpx.Client, source: str, name: str | None = None, **settings: Any) -> str:
    """Create an integration through the API and return its key."""
    body = {"name": name or f"{source}-1", "source": source, "settings": settings}
    response = api.post("/api/v1/integrations", json=body)
    assert response.status_code == 201, response.text
    key: str = response.json()["key"]
    return key


def am_alert(
    fingerprint: str,
    labels: Mapping[str, str],
    *,
    status: str = "firing",
    summary: str = "",
    ends_at: str = "2026-01-05T09:10:00Z",
) -> dict[str, Any]:
    return {
        "status": status,
        "labels": dict(labels),
        "annotations": {"summary": summary} if summary else {},
        "startsAt": "2026-01-05T08:59:00Z",
        "endsAt": ends_at if status == "resolved" else GO_ZERO_TIME,
        "generatorURL": "http://prometheus.local/graph?g0.expr=up",
        "fingerprint": fingerprint,
    }


def am_message(
    alerts: Sequence[Mapping[str, Any]], group_key: str = '{}:{alertname="HighLatency"}', truncated: int = 0
) -> dict[str, Any]:
    """A version 4 webhook message; its status is "firing" when any alert fires, as Alertmanager sets it."""
    firing = any(alert["status"] == "firing" for alert in alerts)
    return {
        "receiver": "tocsin",
        "status": "firing" if firing else "resolved",
        "alerts": list(alerts),
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.local:9093",
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": truncated,
    }


def pd_event(
    key: str,
    action: str = "trigger",
    dedup_key: str | None = "db1-down",
    *,
    summary: str = "db1 unreachable",
    severity: str = "critical",
    source: str = "db1.prod",
    component: str = "",
) -> dict[str, Any]:
    event: dict[str, Any] = {"routing_key": key, "event_action": action}
    if dedup_key is not None:
        event["dedup_key"] = dedup_key
    if action == "trigger":
        payload = {"summary": summary, "source": source, "severity": severity}
        event["payload"] = payload | ({"component": component} if component else {})
    return event


def post_am(sender: httpx.Client, key: str, message: Mapping[str, Any]) -> dict[str, Any]:
    response = sender.post(f"/integrations/alertmanager/{key}", json=message)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def post_pd(sender: httpx.Client, event: Mapping[str, Any]) -> dict[str, Any]:
    response = sender.post("/v2/enqueue", json=event)
    assert response.status_code == 202, response.text
    answer: dict[str, Any] = response.json()
    return answer


def incidents(api: httpx.Client) -> list[dict[str, Any]]:
    """Every incident, oldest first."""
    page = api.get("/api/v1/incidents", params={"limit": 500}).json()
    return list(reversed(page["items"]))


def only_incident(api: httpx.Client) -> dict[str, Any]:
    found = incidents(api)
    assert len(found) == 1, [(i["id"], i["title"]) for i in found]
    return found[0]


def timeline(api: httpx.Client, incident_id: str, kind: str | None = None) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = api.get(f"/api/v1/incidents/{incident_id}/timeline").json()
    return [entry for entry in entries if kind is None or entry["kind"] == kind]


def all_alerts(api: httpx.Client, incident_id: str, page_size: int = 1000) -> list[dict[str, Any]]:
    """Every alert of an incident, following the pages."""
    found: list[dict[str, Any]] = []
    after: int | None = 0
    while after is not None:
        params = {"after": after, "limit": page_size}
        page = api.get(f"/api/v1/incidents/{incident_id}/alerts", params=params).json()
        found += page["items"]
        after = page["next_after"]
    return found


def alert_statuses(api: httpx.Client, incident_id: str) -> dict[str, str]:
    """Dedup key -> status of every alert of the incident."""
    return {alert["dedup_key"]: alert["status"] for alert in all_alerts(api, incident_id)}


def labels(alertname: str = "HighLatency", **more: str) -> dict[str, str]:
    return {"alertname": alertname, **more}
