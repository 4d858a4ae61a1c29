"""``/api/v1/integrations`` and ``/api/v1/incidents/{id}/alerts`` through the real app, as an admin uses them."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.api.alerting import am_alert, am_message, create_integration, post_am, sender

__all__ = ["sender"]


@pytest.mark.parametrize(
    ("source", "path"),
    [
        ("alertmanager", "/integrations/alertmanager/{key}"),
        ("grafana", "/integrations/grafana/{key}"),
        ("generic", "/integrations/generic/{key}"),
        ("pagerduty", "/v2/enqueue"),
    ],
)
def test_creating_shows_the_key_and_url_once(api: httpx.Client, source: str, path: str) -> None:
    response = api.post("/api/v1/integrations", json={"name": "mine", "source": source})
    assert response.status_code == 201, response.text
    created = response.json()
    key = created["key"]
    assert len(key) == 32  # the shape of a PagerDuty integration key: every PagerDuty sender takes it
    assert created["webhook_path"] == path.format(key=key)
    assert created["webhook_url"] == "http://tocsin.local" + path.format(key=key)
    assert (created["key_prefix"], created["active"], created["alert_count"]) == (key[:6], True, 0)

    shown = api.get("/api/v1/integrations/mine").json()
    listed = api.get("/api/v1/integrations").json()
    assert "key" not in shown
    assert [item["name"] for item in listed] == ["mine"]
    assert key not in str(listed) + str(shown)


def test_settings_are_created_shown_and_replaced(api: httpx.Client) -> None:
    settings = {
        "severity_rules": [{"matchers": 'severity="critical"', "severity": "P0"}],
        "default_severity": "SEV3",
        "group_by": ["service"],
        "group_window_s": 600,
        "reopen_window_s": 120,
        "auto_resolve": False,
        "service_labels": ["app"],
        "signing_secret": "hmac",
    }
    api.post("/api/v1/integrations", json={"name": "g", "source": "grafana", "settings": settings})
    shown = api.get("/api/v1/integrations/g").json()["settings"]
    assert shown == {
        "severity_rules": [{"matchers": 'severity="critical"', "severity": "P0"}],
        "default_severity": "SEV3",
        "use_source_severity": True,
        "group_by": ["service"],
        "group_window_s": 600,
        "auto_resolve": False,
        "reopen_window_s": 120,
        "service_labels": ["app"],
        "signed": True,
    }

    kept = api.put("/api/v1/integrations/g/settings", json={"default_severity": "SEV2"}).json()["settings"]
    assert (kept["default_severity"], kept["group_by"], kept["signed"]) == ("SEV2", [], True)
    cleared = api.put("/api/v1/integrations/g/settings", json={"signing_secret": None}).json()["settings"]
    assert cleared["signed"] is False


@pytest.mark.parametrize(
    ("settings", "wanted"),
    [
        (
            {"severity_rules": [{"matchers": "severity=~'(unclosed'", "severity": "SEV1"}]},
            "regular expression",
        ),
        (
            {"severity_rules": [{"matchers": 'severity="x"', "severity": "SEV9"}]},
            "not a level of this scheme",
        ),
        ({"default_severity": "urgent"}, "not a level of this scheme"),
        ({"signing_secret": "x"}, "only checked on Grafana"),
    ],
)
def test_bad_settings_are_refused_with_the_reason(
    api: httpx.Client, settings: dict[str, object], wanted: str
) -> None:
    response = api.post(
        "/api/v1/integrations", json={"name": "bad", "source": "alertmanager", "settings": settings}
    )
    assert response.status_code == 400
    assert wanted in response.json()["detail"]
    assert api.get("/api/v1/integrations").json() == []


def test_names_are_unique_and_url_safe(api: httpx.Client) -> None:
    create_integration(api, "generic", "checker")
    again = api.post("/api/v1/integrations", json={"name": "checker", "source": "alertmanager"})
    assert (again.status_code, again.json()["code"]) == (409, "integration_exists")
    for name in ("has space", "a/b", "", "-leading"):
        assert api.post("/api/v1/integrations", json={"name": name, "source": "generic"}).status_code == 422
    unknown = api.get("/api/v1/integrations/nope")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "integration_not_found")


def test_rotate_and_revoke(api: httpx.Client, sender: httpx.Client) -> None:
    old = create_integration(api, "alertmanager", "prom")
    message = am_message([am_alert("fp", {"alertname": "X"})])
    rotated = api.post("/api/v1/integrations/prom/rotate").json()
    new = rotated["key"]
    assert new != old
    assert rotated["rotated_at"] is not None
    assert sender.post(f"/integrations/alertmanager/{old}", json=message).status_code == 404
    post_am(sender, new, message)

    assert api.delete("/api/v1/integrations/prom").status_code == 204
    revoked = api.get("/api/v1/integrations/prom").json()
    assert (revoked["active"], revoked["alert_count"]) == (False, 1)
    assert sender.post(f"/integrations/alertmanager/{new}", json=message).status_code == 404
    assert api.delete("/api/v1/integrations/prom").status_code == 204  # idempotent
    assert api.get("/api/v1/integrations/prom").json()["revoked_at"] == revoked["revoked_at"]
    again = api.post("/api/v1/integrations/prom/rotate")
    assert (again.status_code, again.json()["code"]) == (409, "integration_revoked")


def test_only_admins_manage_integrations(
    app_client: Callable[..., httpx.Client], sender: httpx.Client
) -> None:
    responder = app_client("responder")
    assert responder.get("/api/v1/integrations").status_code == 403
    assert responder.post("/api/v1/integrations", json={"name": "x", "source": "generic"}).status_code == 403
    assert sender.get("/api/v1/integrations").status_code == 401  # no token at all


def test_viewers_read_an_incidents_alerts(
    api: httpx.Client, sender: httpx.Client, app_client: Callable[..., httpx.Client]
) -> None:
    key = create_integration(api, "alertmanager")
    post_am(sender, key, am_message([am_alert(f"fp{n}", {"alertname": "X", "n": str(n)}) for n in range(3)]))
    viewer = app_client("viewer")
    page = viewer.get("/api/v1/incidents/INC-1/alerts", params={"limit": 2}).json()
    assert [alert["dedup_key"] for alert in page["items"]] == ["fp0", "fp1"]
    rest = viewer.get("/api/v1/incidents/INC-1/alerts", params={"after": page["next_after"]}).json()
    assert [alert["dedup_key"] for alert in rest["items"]] == ["fp2"]
    assert rest["next_after"] is None
    assert (rest["total"], rest["firing"]) == (3, 3)
    missing = viewer.get("/api/v1/incidents/INC-9/alerts")
    assert (missing.status_code, missing.json()["code"]) == (404, "incident_not_found")
