from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.unit.builtin.channels.conftest import HttpReceiver, Received, Reply
from tests.unit.plugins.notifications import make_notification
from tocsin.builtin.channels.webhook import WebhookChannel, WebhookConfig
from tocsin.builtin.signing import verify_webhook
from tocsin.clock import FakeClock
from tocsin.errors import InvalidInput
from tocsin.plugins.channels import ChannelContext

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def channel(clock: FakeClock) -> Iterator[WebhookChannel]:
    webhook = WebhookChannel(ChannelContext(clock=clock))
    yield webhook
    webhook.close()


def config_for(channel: WebhookChannel, receiver: HttpReceiver) -> WebhookConfig:
    return channel.validate_config({"url": receiver.url + "/hooks/tocsin", "secret": SECRET})


def independently_verified(request: Received) -> bool:
    """The receiver's side, written from the spec alone: HMAC-SHA256 over id.timestamp.body."""
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    signed = (
        f"{request.headers['webhook-id']}.{request.headers['webhook-timestamp']}.".encode() + request.body
    )
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return expected in request.headers["webhook-signature"].split()


def test_delivery_is_signed_per_standard_webhooks(
    channel: WebhookChannel, receiver: HttpReceiver, clock: FakeClock
) -> None:
    notification = make_notification()
    result = channel.send(notification, config_for(channel, receiver))

    assert result.ok, result.reason
    assert result.reference == notification.idempotency_key
    [request] = receiver.requests
    assert request.path == "/hooks/tocsin"
    assert request.headers["webhook-id"] == "ntf_42_1_alice_email"
    assert request.headers["webhook-timestamp"] == str(int(clock.now().timestamp()))
    assert independently_verified(request)
    verify_webhook(SECRET, request.headers, request.body, clock.now())
    payload = json.loads(request.body)
    assert payload["type"] == "notification.page"
    assert payload["timestamp"] == "2026-03-02T09:00:00Z"
    assert payload["data"]["incident_id"] == "INC-42"
    assert payload["data"]["ack_url"] == "https://tocsin.example.org/ack/v1.abc.def"
    assert payload["data"]["recipient"]["email"] == "alice@example.org"


def test_a_retry_keeps_the_id_and_signs_the_new_timestamp(
    channel: WebhookChannel, receiver: HttpReceiver, clock: FakeClock
) -> None:
    receiver.reply_with(Reply(503, "busy"))
    config = config_for(channel, receiver)
    first = channel.send(make_notification(), config)
    clock.advance(seconds=30)
    second = channel.send(make_notification(), config)

    assert (first.ok, first.retryable, second.ok) == (False, True, True)
    before, after = receiver.requests
    assert before.headers["webhook-id"] == after.headers["webhook-id"]
    assert int(after.headers["webhook-timestamp"]) - int(before.headers["webhook-timestamp"]) == 30
    assert before.body == after.body
    assert independently_verified(before)
    assert independently_verified(after)


def test_a_tampered_delivery_fails_verification(channel: WebhookChannel, receiver: HttpReceiver) -> None:
    channel.send(make_notification(), config_for(channel, receiver))
    request = receiver.requests[0]
    tampered = Received(request.path, request.headers, request.body.replace(b"INC-42", b"INC-43"))
    assert not independently_verified(tampered)


@pytest.mark.parametrize(
    ("reply", "retryable", "retry_after", "says"),
    [
        (Reply(410, "gone"), False, None, "410 Gone"),
        (Reply(429, "slow down", {"Retry-After": "120"}), True, timedelta(minutes=2), "answered 429"),
        (Reply(502, "bad gateway"), True, None, "answered 502"),
        (Reply(400, "bad request"), False, None, "answered 400: bad request"),
        (Reply(302, "", {"Location": "http://169.254.169.254/"}), False, None, "redirects are not followed"),
    ],
)
def test_receiver_answers_decide_retries(
    channel: WebhookChannel,
    receiver: HttpReceiver,
    reply: Reply,
    retryable: bool,
    retry_after: timedelta | None,
    says: str,
) -> None:
    receiver.reply_with(reply)
    result = channel.send(make_notification(), config_for(channel, receiver))
    assert not result.ok
    assert (result.retryable, result.retry_after) == (retryable, retry_after)
    assert says in result.reason
    assert len(receiver.requests) == 1  # a redirect is not followed


def test_any_2xx_is_success(channel: WebhookChannel, receiver: HttpReceiver) -> None:
    receiver.reply_with(Reply(204, ""))
    assert channel.send(make_notification(), config_for(channel, receiver)).ok


@pytest.mark.parametrize("secret", ["hunter2", "whsec_c2hvcnQ="])
def test_a_bad_secret_is_refused_at_configuration(channel: WebhookChannel, secret: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        channel.validate_config({"url": "https://example.org/hook", "secret": secret})
    assert caught.value.details["field"] == "secret"
    assert secret not in caught.value.message
