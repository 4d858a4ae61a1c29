"""PagerDuty Events API v2: the events and answers a PagerDuty client sees."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.unit.builtin.sources.payloads import (
    ALERTMANAGER_TO_PAGERDUTY,
    PAGERDUTY_CHANGE,
    PAGERDUTY_RESOLVE,
    PAGERDUTY_TRIGGER,
    body,
)
from tocsin.builtin.sources import (
    PagerDutySource,
    pagerduty_accepted,
    pagerduty_change_accepted,
    pagerduty_rejected,
)
from tocsin.builtin.sources.pagerduty import PAGERDUTY_MAX_BODY_BYTES
from tocsin.domain.alert import AlertSourceKind, AlertStatus, EventAction
from tocsin.errors import InvalidInput, PayloadTooLarge
from tocsin.plugins.sources import AlertSource

SOURCE = PagerDutySource()


def _errors(document: dict[str, object]) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        SOURCE.parse(body(document), {})
    answer = pagerduty_rejected(caught.value)
    assert answer["status"] == "invalid event"
    assert answer["message"] == "Event object is invalid"
    errors = answer["errors"]
    assert isinstance(errors, list)
    return errors


def test_implements_the_alert_source_contract_with_pagerdutys_limit() -> None:
    assert isinstance(SOURCE, AlertSource)
    assert SOURCE.kind is AlertSourceKind.PAGERDUTY
    assert SOURCE.max_body_bytes == PAGERDUTY_MAX_BODY_BYTES == 512 * 1024


def test_trigger_is_normalised() -> None:
    batch = SOURCE.parse(body(PAGERDUTY_TRIGGER), {})
    assert batch.integration_key == "0123456789abcdef0123456789abcdef"
    (alert,) = batch.alerts
    assert alert.action is EventAction.TRIGGER
    assert alert.status is AlertStatus.FIRING
    assert alert.dedup_key == alert.group_key == "db1-down"
    assert alert.title == "db1 unreachable"
    assert alert.severity_text == "critical"
    assert alert.labels == {
        "source": "db1.prod",
        "component": "postgres",
        "group": "payments",
        "class": "availability",
        "severity": "critical",
    }
    assert alert.details == {"region": "eu-west-1", "replicas_down": "2"}
    assert alert.starts_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert [(link.text, link.href) for link in alert.links] == [
        ("Runbook", "https://runbooks.example.org/db")
    ]
    assert alert.client.name == "IR Platform"
    assert alert.source_url == "https://ir.example.org/incidents/42"


def test_resolve_and_acknowledge_need_only_the_dedup_key() -> None:
    (resolve,) = SOURCE.parse(body(PAGERDUTY_RESOLVE), {}).alerts
    assert resolve.action is EventAction.RESOLVE
    assert resolve.status is AlertStatus.RESOLVED
    assert resolve.dedup_key == "db1-down"
    (ack,) = SOURCE.parse(body({**PAGERDUTY_RESOLVE, "event_action": "acknowledge"}), {}).alerts
    assert ack.action is EventAction.ACKNOWLEDGE
    assert ack.status is AlertStatus.FIRING


def test_what_alertmanager_sends_is_accepted_and_resolve_payload_is_not_checked() -> None:
    (alert,) = SOURCE.parse(body(ALERTMANAGER_TO_PAGERDUTY), {}).alerts
    assert alert.title == "[FIRING:1] DBDown db (db1 true critical)"
    assert alert.details["num_firing"] == "1"
    resolve = {
        **ALERTMANAGER_TO_PAGERDUTY,
        "event_action": "resolve",
        "payload": {"summary": "[RESOLVED] DBDown"},
    }
    (resolved,) = SOURCE.parse(body(resolve), {}).alerts
    assert resolved.status is AlertStatus.RESOLVED


def test_trigger_without_dedup_key_gets_a_fresh_one_echoed_in_the_answer() -> None:
    event = {key: value for key, value in PAGERDUTY_TRIGGER.items() if key != "dedup_key"}
    first = SOURCE.parse(body(event), {}).alerts[0].dedup_key
    second = SOURCE.parse(body(event), {}).alerts[0].dedup_key
    assert first != second
    assert len(first) == 32
    assert pagerduty_accepted(first) == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": first,
    }


def test_severity_case_is_forgiven() -> None:
    event = {**PAGERDUTY_TRIGGER, "payload": {**PAGERDUTY_TRIGGER["payload"], "severity": "Warning"}}
    assert SOURCE.parse(body(event), {}).alerts[0].severity_text == "warning"


@pytest.mark.parametrize(
    ("event", "error"),
    [
        ({**PAGERDUTY_TRIGGER, "routing_key": ""}, "'routing_key' is missing or blank"),
        ({**PAGERDUTY_TRIGGER, "event_action": "escalate"}, "'event_action' is invalid"),
        ({**PAGERDUTY_RESOLVE, "dedup_key": None}, "'dedup_key' is missing or blank"),
        ({**PAGERDUTY_TRIGGER, "dedup_key": "k" * 256}, "'dedup_key' is invalid"),
        ({"routing_key": "k", "event_action": "trigger"}, "'payload' is missing or blank"),
        ({**PAGERDUTY_TRIGGER, "links": [{"text": "no href"}]}, "'links[0].href' is missing or blank"),
    ],
)
def test_errors_are_listed_as_pagerduty_does(event: dict[str, object], error: str) -> None:
    errors = _errors(event)
    assert any(line.startswith(error) for line in errors), errors


def test_every_payload_problem_is_listed() -> None:
    event = {**PAGERDUTY_TRIGGER, "payload": {"summary": " ", "severity": "sev1", "timestamp": "noon"}}
    errors = _errors(event)
    assert errors[:2] == ["'payload.summary' is missing or blank", "'payload.source' is missing or blank"]
    assert errors[2].startswith("'payload.severity' is invalid: Input should be 'critical', 'error'")
    assert errors[3].startswith("'payload.timestamp' is invalid")


def test_oversized_event_is_too_large_and_still_answered_as_pagerduty_does() -> None:
    event = {
        **PAGERDUTY_TRIGGER,
        "payload": {**PAGERDUTY_TRIGGER["payload"], "custom_details": "x" * 600_000},
    }
    with pytest.raises(PayloadTooLarge) as caught:
        SOURCE.parse(body(event), {})
    assert pagerduty_rejected(caught.value)["errors"] == [caught.value.message]


def test_change_event() -> None:
    change = SOURCE.parse_change(body(PAGERDUTY_CHANGE), {})
    assert change.summary == "Deployed checkout v2.4.1"
    assert change.source == "github-actions"
    assert change.timestamp == datetime(2026, 3, 2, 8, 55, tzinfo=UTC)
    assert change.details == {"commit": "a1b2c3d", "build": "1732"}
    assert change.links[0].href == "https://ci.example.org/builds/1732"
    assert change.integration_key == PAGERDUTY_CHANGE["routing_key"]
    assert pagerduty_change_accepted("ch-1") == {
        "status": "success",
        "message": "Change event processed",
        "id": "ch-1",
    }


def test_change_event_needs_a_summary() -> None:
    with pytest.raises(InvalidInput) as caught:
        SOURCE.parse_change(body({"routing_key": "k", "payload": {"source": "ci"}}), {})
    assert caught.value.details["errors"] == ["'payload.summary' is missing or blank"]
