"""Alertmanager webhook version 4, with the payloads Alertmanager 0.25 really sends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.unit.builtin.sources.payloads import ALERTMANAGER_FIRING, alertmanager_one_resolved, body
from tocsin.builtin.sources import AlertmanagerSource
from tocsin.domain.alert import AlertSourceKind, AlertStatus, EventAction
from tocsin.errors import InvalidInput, PayloadTooLarge
from tocsin.plugins.sources import AlertSource

SOURCE = AlertmanagerSource()


def test_implements_the_alert_source_contract() -> None:
    assert isinstance(SOURCE, AlertSource)
    assert SOURCE.name == "alertmanager"
    assert SOURCE.kind is AlertSourceKind.ALERTMANAGER


def test_firing_group_is_normalised() -> None:
    batch = SOURCE.parse(body(ALERTMANAGER_FIRING), {"Content-Type": "application/json"})

    assert batch.source is AlertSourceKind.ALERTMANAGER
    assert batch.status is AlertStatus.FIRING
    assert batch.group_key == '{}:{alertname="HighLatency", service="api"}'
    assert batch.receiver == "incident-webhook"
    assert batch.group_labels == {"alertname": "HighLatency", "service": "api"}
    assert batch.external_url == "http://127.0.0.1:19093"
    assert [alert.dedup_key for alert in batch.alerts] == ["36e4b3d7b724b96f", "3d88d01eee9df3e2"]

    first = batch.alerts[0]
    assert first.status is AlertStatus.FIRING
    assert first.action is EventAction.TRIGGER
    assert first.title == "HighLatency: p99 latency high on i1"
    assert first.summary == "p99 latency high on i1"
    assert first.severity_text == "warning"
    assert first.labels["instance"] == "i1"
    assert first.group_key == batch.group_key
    assert first.starts_at == datetime(2026, 11, 25, 3, 58, 20, tzinfo=UTC)
    assert first.ends_at is None  # Go's zero time means "still firing"
    assert first.source_url == "http://prometheus.local/graph?g0.expr=latency"
    assert first.client.name == "Alertmanager"


def test_truncated_alerts_make_the_batch_incomplete() -> None:
    batch = SOURCE.parse(body(ALERTMANAGER_FIRING), {})
    assert batch.truncated_alerts == 1
    assert not batch.is_complete


def test_per_alert_status_in_a_still_firing_group() -> None:
    batch = SOURCE.parse(body(alertmanager_one_resolved()), {})
    assert batch.status is AlertStatus.FIRING
    resolved, firing = batch.alerts
    assert resolved.status is AlertStatus.RESOLVED
    assert resolved.action is EventAction.RESOLVE
    assert resolved.ends_at == datetime(2026, 11, 25, 3, 58, 40, tzinfo=UTC)
    assert firing.status is AlertStatus.FIRING
    assert batch.is_complete


def test_unknown_fields_and_nulls_are_tolerated() -> None:
    message = {
        **ALERTMANAGER_FIRING,
        "notification_reason": "first notification",  # Alertmanager 0.32+
        "routeLabels": {"team": "web"},  # Alertmanager 0.34+
        "commonAnnotations": None,
    }
    message["alerts"] = [{**ALERTMANAGER_FIRING["alerts"][0], "annotations": None, "extra": [1, 2]}]
    batch = SOURCE.parse(body(message), {})
    assert batch.alerts[0].annotations == {}
    assert batch.alerts[0].title == "HighLatency"


def test_nanosecond_timestamps_and_offsets() -> None:
    message = {**ALERTMANAGER_FIRING}
    message["alerts"] = [
        {**ALERTMANAGER_FIRING["alerts"][0], "startsAt": "2026-11-25T05:58:20.123456789+02:00"}
    ]
    alert = SOURCE.parse(body(message), {}).alerts[0]
    assert alert.starts_at == datetime(2026, 11, 25, 3, 58, 20, 123456, tzinfo=UTC)


def test_runbook_annotation_becomes_a_link() -> None:
    message = {**ALERTMANAGER_FIRING}
    annotations = {"summary": "s", "runbook_url": "https://runbooks.example.org/latency"}
    message["alerts"] = [{**ALERTMANAGER_FIRING["alerts"][0], "annotations": annotations}]
    links = SOURCE.parse(body(message), {}).alerts[0].links
    assert [(link.text, link.href) for link in links] == [
        ("Source", "http://prometheus.local/graph?g0.expr=latency"),
        ("Runbook", "https://runbooks.example.org/latency"),
    ]


def test_grafana_body_is_refused_with_a_hint() -> None:
    with pytest.raises(InvalidInput) as caught:
        SOURCE.parse(body({**ALERTMANAGER_FIRING, "version": "1"}), {})
    assert "version 4" in caught.value.message
    assert "Grafana" in caught.value.message


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"alerts": None}, "'alerts' is invalid"),
        ({"groupKey": None}, "'groupKey' is invalid"),
        ({"truncatedAlerts": -1}, "'truncatedAlerts' is invalid"),
        ({"status": "pending"}, "'status' is invalid"),
    ],
)
def test_bad_top_level_fields_are_named(change: dict[str, object], reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        SOURCE.parse(body({**ALERTMANAGER_FIRING, **change}), {})
    assert reason in caught.value.message
    assert caught.value.details["errors"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"fingerprint": ""}, "'alerts[1].fingerprint' is invalid"),
        ({"labels": {"alertname": 5}}, "'alerts[1].labels.alertname' is invalid"),
        ({"startsAt": "yesterday"}, "'alerts[1].startsAt' is invalid: 'yesterday' is not an RFC 3339"),
        ({"startsAt": "2026-11-25T03:58:20"}, "has no UTC offset"),
    ],
)
def test_bad_alerts_are_named_by_position(change: dict[str, object], reason: str) -> None:
    message = {**ALERTMANAGER_FIRING}
    message["alerts"] = [ALERTMANAGER_FIRING["alerts"][0], {**ALERTMANAGER_FIRING["alerts"][1], **change}]
    with pytest.raises(InvalidInput) as caught:
        SOURCE.parse(body(message), {})
    assert reason in caught.value.message


def test_body_over_the_limit_is_too_large() -> None:
    small = AlertmanagerSource(max_body_bytes=100)
    with pytest.raises(PayloadTooLarge) as caught:
        small.parse(body(ALERTMANAGER_FIRING), {})
    assert "limit is 100 bytes" in caught.value.message
    assert caught.value.status == 413
