"""Grafana's webhook (with and without its HMAC signature) and the generic JSON webhook, through the app."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.api.alerting import alert_statuses, create_integration, incidents, only_incident, sender
from tests.unit.builtin.sources.payloads import ALERTMANAGER_FIRING, GENERIC_FULL, GRAFANA_FIRING
from tocsin.builtin.sources.grafana import grafana_signature

__all__ = ["sender"]


def _grafana(status: str = "firing") -> dict[str, Any]:
    message: dict[str, Any] = json.loads(json.dumps(GRAFANA_FIRING))
    message["status"] = status
    message["alerts"][0]["status"] = status
    if status == "resolved":
        message["alerts"][0]["endsAt"] = "2026-03-02T09:30:00Z"
        message["state"] = "ok"
    return message


def test_grafana_alerts_open_and_resolve_an_incident(api: httpx.Client, sender: httpx.Client) -> None:
    key = create_integration(api, "grafana", "grafana", service_labels=["team"])
    firing = sender.post(f"/integrations/grafana/{key}", json=_grafana())
    assert firing.status_code == 200, firing.text
    incident = only_incident(api)
    assert (incident["title"], incident["services"]) == ("HighCPU: CPU above 90%", ["blue"])
    stored = api.get(f"/api/v1/incidents/{incident['id']}/alerts").json()["items"][0]
    assert stored["links"][0]["text"] == "Source"
    assert "Silence" in [link["text"] for link in stored["links"]]

    resolved = sender.post(f"/integrations/grafana/{key}", json=_grafana("resolved"))
    assert resolved.status_code == 200
    assert only_incident(api)["state"] == "resolved"


def test_a_signed_grafana_integration_refuses_unsigned_and_wrongly_signed_bodies(
    api: httpx.Client, sender: httpx.Client
) -> None:
    key = create_integration(api, "grafana", signing_secret="s3cret")
    body = json.dumps(_grafana()).encode()
    url = f"/integrations/grafana/{key}"
    headers = {"Content-Type": "application/json"}

    unsigned = sender.post(url, content=body, headers=headers)
    wrong = sender.post(
        url, content=body, headers=headers | {"X-Grafana-Alerting-Signature": grafana_signature(b"x", body)}
    )
    assert (unsigned.status_code, unsigned.json()["code"]) == (401, "signature_missing")
    assert (wrong.status_code, wrong.json()["code"]) == (401, "signature_mismatch")
    assert incidents(api) == []

    signed = headers | {"X-Grafana-Alerting-Signature": grafana_signature(b"s3cret", body)}
    assert sender.post(url, content=body, headers=signed).status_code == 200
    assert len(incidents(api)) == 1
    shown = api.get("/api/v1/integrations/grafana-1").json()
    assert shown["settings"]["signed"] is True
    assert "signing_secret" not in shown["settings"]


def test_an_alertmanager_body_on_the_grafana_url_is_refused_with_a_hint(
    api: httpx.Client, sender: httpx.Client
) -> None:
    key = create_integration(api, "grafana")
    response = sender.post(f"/integrations/grafana/{key}", json=ALERTMANAGER_FIRING)
    assert response.status_code == 400
    assert "use an Alertmanager integration" in response.json()["detail"]


def test_generic_alerts_fire_repeat_and_resolve(api: httpx.Client, sender: httpx.Client) -> None:
    key = create_integration(api, "generic", "checker")
    url = f"/integrations/generic/{key}"
    first = sender.post(url, json=GENERIC_FULL)
    assert first.status_code == 202, first.text
    again = sender.post(url, json=GENERIC_FULL)
    assert again.json()["repeats"] == 1
    incident = only_incident(api)
    assert (incident["title"], incident["severity"]) == ("Checkout error rate above 5%", "SEV1")
    assert incident["summary"] == "5xx ratio is 7.2% over the last 5 minutes"
    assert incident["services"] == ["checkout"]

    resolved = sender.post(url, json={"title": "x", "dedup_key": "checkout-5xx", "status": "resolved"})
    assert resolved.status_code == 202
    assert only_incident(api)["state"] == "resolved"


def test_generic_alerts_without_a_key_are_recognised_by_title_and_labels(
    api: httpx.Client, sender: httpx.Client
) -> None:
    key = create_integration(api, "generic")
    url = f"/integrations/generic/{key}"
    backup = {"title": "Nightly backup failed", "labels": {"service": "db"}}
    sender.post(url, json=backup)
    sender.post(url, json=backup)
    sender.post(
        url, json={"alerts": [backup, {"title": "Nightly backup failed", "labels": {"service": "x"}}]}
    )
    first, second = incidents(api)
    assert len(alert_statuses(api, first["id"])) == 1
    assert len(alert_statuses(api, second["id"])) == 1

    sender.post(url, json=backup | {"status": "resolved"})
    assert [incident["state"] for incident in incidents(api)] == ["resolved", "triggered"]


def test_the_same_new_alert_twice_in_one_body_is_one_alert(api: httpx.Client, sender: httpx.Client) -> None:
    key = create_integration(api, "generic")
    url = f"/integrations/generic/{key}"
    twice = {"title": "Queue backlog", "dedup_key": "q"}
    response = sender.post(url, json={"alerts": [twice, twice]})
    assert response.status_code == 202, response.text
    assert response.json()["repeats"] == 1
    incident = only_incident(api)
    (stored,) = api.get(f"/api/v1/incidents/{incident['id']}/alerts").json()["items"]
    assert stored["event_count"] == 2

    fired_and_resolved = {
        "alerts": [twice | {"dedup_key": "r"}, twice | {"dedup_key": "r", "status": "resolved"}]
    }
    sender.post(url, json=fired_and_resolved)
    second = incidents(api)[1]
    assert alert_statuses(api, second["id"]) == {"r": "resolved"}
    assert second["state"] == "resolved"


def test_unknown_fields_in_a_generic_body_are_reported(api: httpx.Client, sender: httpx.Client) -> None:
    key = create_integration(api, "generic")
    response = sender.post(f"/integrations/generic/{key}", json={"title": "x", "dedupe_key": "typo"})
    assert response.status_code == 400
    assert response.json()["errors"] == ["'dedupe_key' is invalid: Extra inputs are not permitted"]
    assert incidents(api) == []
