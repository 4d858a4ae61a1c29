from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.unit.builtin.channels.conftest import HttpReceiver, Reply
from tests.unit.plugins.notifications import make_notification
from tocsin.builtin.channels.pagerduty import PAGERDUTY_EVENTS_URL, PagerDutyChannel, PagerDutyConfig
from tocsin.clock import FakeClock
from tocsin.domain.incident import IncidentState
from tocsin.domain.notification import NotificationKind
from tocsin.errors import InvalidInput
from tocsin.plugins.channels import ChannelContext

ROUTING_KEY = "0123456789abcdef0123456789abcdef"
ACCEPTED = Reply(202, '{"status":"success","message":"Event processed","dedup_key":"INC-42"}')


@pytest.fixture
def channel() -> Iterator[PagerDutyChannel]:
    pagerduty = PagerDutyChannel(ChannelContext(clock=FakeClock()))
    yield pagerduty
    pagerduty.close()


def config_for(channel: PagerDutyChannel, receiver: HttpReceiver) -> PagerDutyConfig:
    return channel.validate_config({"routing_key": ROUTING_KEY, "url": receiver.url + "/v2/enqueue"})


def test_a_page_is_forwarded_as_a_trigger_deduplicated_by_incident(
    channel: PagerDutyChannel, receiver: HttpReceiver
) -> None:
    receiver.reply_with(ACCEPTED)
    result = channel.send(make_notification(), config_for(channel, receiver))

    assert result.ok, result.reason
    assert result.reference == "INC-42"
    [request] = receiver.requests
    assert request.path == "/v2/enqueue"
    event = json.loads(request.body)
    assert event["routing_key"] == ROUTING_KEY
    assert event["event_action"] == "trigger"
    assert event["dedup_key"] == "INC-42"
    assert event["payload"]["summary"] == "SEV1 INC-42: Database connection timeout"
    assert event["payload"]["severity"] == "critical"
    assert event["payload"]["source"] == "api, postgres"
    assert event["payload"]["timestamp"] == "2026-03-02T09:00:00Z"
    assert event["payload"]["custom_details"]["state"] == "triggered"
    assert event["links"] == [{"href": "https://tocsin.example.org/incidents/42", "text": "INC-42 in tocsin"}]
    assert event["client_url"] == "https://tocsin.example.org/incidents/42"


def test_a_resolution_resolves_the_same_alert(channel: PagerDutyChannel, receiver: HttpReceiver) -> None:
    receiver.reply_with(ACCEPTED)
    notification = make_notification(kind=NotificationKind.RESOLVED, state=IncidentState.RESOLVED)
    assert channel.send(notification, config_for(channel, receiver)).ok
    assert json.loads(receiver.requests[0].body) == {
        "routing_key": ROUTING_KEY,
        "event_action": "resolve",
        "dedup_key": "INC-42",
    }


@pytest.mark.parametrize(
    ("severity", "expected"),
    [("SEV2", "error"), ("P2", "warning"), ("Severity 4", "info"), ("Whatever-custom", "critical")],
)
def test_severity_maps_to_pagerdutys_four_levels(
    channel: PagerDutyChannel, receiver: HttpReceiver, severity: str, expected: str
) -> None:
    receiver.reply_with(ACCEPTED)
    channel.send(make_notification(severity=severity), config_for(channel, receiver))
    assert json.loads(receiver.requests[0].body)["payload"]["severity"] == expected


@pytest.mark.parametrize(
    ("reply", "retryable", "says"),
    [
        (
            Reply(400, '{"status":"invalid event","message":"Event object is invalid","errors":["bad key"]}'),
            False,
            "bad key",
        ),
        (Reply(429, ""), True, "PagerDuty answered 429"),
        (Reply(500, '{"status":"error","message":"oops","errors":[]}'), True, "PagerDuty answered 500"),
    ],
)
def test_pagerduty_errors_follow_its_retry_guidance(
    channel: PagerDutyChannel, receiver: HttpReceiver, reply: Reply, retryable: bool, says: str
) -> None:
    receiver.reply_with(reply)
    result = channel.send(make_notification(), config_for(channel, receiver))
    assert (result.ok, result.retryable) == (False, retryable)
    assert says in result.reason


def test_defaults_to_pagerdutys_endpoint_and_checks_the_key(channel: PagerDutyChannel) -> None:
    assert channel.validate_config({"routing_key": ROUTING_KEY}).url == PAGERDUTY_EVENTS_URL
    with pytest.raises(InvalidInput, match="32-character integration key"):
        channel.validate_config({"routing_key": "too-short"})
    assert ROUTING_KEY not in repr(channel.validate_config({"routing_key": ROUTING_KEY}))
