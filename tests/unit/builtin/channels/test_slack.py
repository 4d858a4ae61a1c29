from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from tests.unit.builtin.channels.conftest import HttpReceiver, Reply, free_port
from tests.unit.plugins.notifications import ALICE, make_notification
from tocsin.builtin.channels.slack import SlackChannel, SlackConfig
from tocsin.clock import FakeClock
from tocsin.domain.incident import IncidentState
from tocsin.domain.notification import NotificationKind
from tocsin.errors import InvalidInput
from tocsin.plugins.channels import ChannelContext

WEBHOOK_PATH = "/services/T000/B000/XXXXSECRET"


@pytest.fixture
def channel() -> Iterator[SlackChannel]:
    slack = SlackChannel(ChannelContext(clock=FakeClock()))
    yield slack
    slack.close()


def config_for(channel: SlackChannel, receiver: HttpReceiver, **extra: object) -> SlackConfig:
    return channel.validate_config({"webhook_url": receiver.url + WEBHOOK_PATH} | extra)


def test_posts_block_kit_with_links_and_mention(channel: SlackChannel, receiver: HttpReceiver) -> None:
    result = channel.send(make_notification(), config_for(channel, receiver))

    assert result.ok, result.reason
    [request] = receiver.requests
    assert request.path == WEBHOOK_PATH
    assert request.headers["content-type"] == "application/json"
    message = json.loads(request.body)
    assert message["text"] == "<@U2CERLKJA> [Page] SEV1 INC-42: Database connection timeout"
    header, facts, summary, actions, context = message["blocks"]
    assert header == {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": "[Page] SEV1 INC-42: Database connection timeout",
            "emoji": True,
        },
    }
    fields = [f["text"] for f in facts["fields"]]
    assert "*Severity:*\nSEV1" in fields
    assert "*State:*\nTriggered" in fields
    assert "*For:*\n<@U2CERLKJA>" in fields
    assert "*Services:*\napi, postgres" in fields
    assert summary["text"]["text"] == "API p99 latency above 5 s; pool exhausted on db1."
    urls = {button["action_id"]: button["url"] for button in actions["elements"]}
    assert urls == {
        "open_incident": "https://tocsin.example.org/incidents/42",
        "acknowledge": "https://tocsin.example.org/ack/v1.abc.def",
    }
    assert "<https://tocsin.example.org/incidents/42|Open INC-42>" in context["elements"][0]["text"]


def test_a_resolution_has_no_acknowledge_button_and_no_mention_when_disabled(
    channel: SlackChannel, receiver: HttpReceiver
) -> None:
    notification = make_notification(
        kind=NotificationKind.RESOLVED, state=IncidentState.RESOLVED, ack_url=None
    )
    assert channel.send(notification, config_for(channel, receiver, mention=False)).ok
    message = json.loads(receiver.requests[0].body)
    assert message["text"] == "[Resolved] SEV1 INC-42: Database connection timeout"
    actions = next(block for block in message["blocks"] if block["type"] == "actions")
    assert [button["action_id"] for button in actions["elements"]] == ["open_incident"]


def mrkdwn_texts(node: object) -> list[str]:
    """Every string Slack parses as mrkdwn: the fallback ``text`` and each mrkdwn text object."""
    if isinstance(node, list):
        return [text for item in node for text in mrkdwn_texts(item)]
    if not isinstance(node, dict):
        return []
    found = [node["text"]] if node.get("type") == "mrkdwn" else []
    return found + [text for value in node.values() for text in mrkdwn_texts(value)]


def test_untrusted_text_cannot_ping_everyone_or_forge_links(
    channel: SlackChannel, receiver: HttpReceiver
) -> None:
    notification = make_notification(
        title="<!channel> disk full", summary="see <http://evil.example|the docs> & more", services=("a<b",)
    )
    channel.send(notification, config_for(channel, receiver))
    message = json.loads(receiver.requests[0].body)
    parsed = [message["text"], *mrkdwn_texts(message["blocks"])]
    assert not any("<!channel>" in text or "<http://evil" in text for text in parsed)
    assert message["text"].endswith("&lt;!channel&gt; disk full")
    assert message["blocks"][2]["text"]["text"] == "see &lt;http://evil.example|the docs&gt; &amp; more"
    assert "*Services:*\na&lt;b" in parsed
    # The header is plain_text: Slack shows it literally, so it keeps the title as written.
    assert message["blocks"][0]["text"]["text"] == "[Page] SEV1 INC-42: <!channel> disk full"


def test_header_and_summary_respect_slack_limits(channel: SlackChannel, receiver: HttpReceiver) -> None:
    channel.send(make_notification(title="x" * 400, summary="y" * 5000), config_for(channel, receiver))
    message = json.loads(receiver.requests[0].body)
    assert len(message["blocks"][0]["text"]["text"]) == 150
    assert len(message["blocks"][2]["text"]["text"]) == 3000


def test_a_malformed_slack_id_is_not_turned_into_a_mention(
    channel: SlackChannel, receiver: HttpReceiver
) -> None:
    odd = ALICE.__class__(user_id="u1", name="Alice", slack_user_id="U1><!here")
    channel.send(make_notification(recipient=odd), config_for(channel, receiver))
    message = json.loads(receiver.requests[0].body)
    assert message["text"].startswith("[Page]")
    assert "<!here" not in receiver.requests[0].body.decode()


@pytest.mark.parametrize(
    ("reply", "retryable", "says"),
    [
        (Reply(400, "invalid_payload"), False, "Slack answered 400 invalid_payload"),
        (Reply(404, "no_service"), False, "create a new incoming webhook"),
        (Reply(410, "channel_is_archived"), False, "archived"),
        (Reply(403, "action_prohibited"), False, "admin"),
        (Reply(500, "rollup_error"), True, "Slack answered 500: rollup_error"),
        (Reply(503, "service unavailable"), True, "Slack answered 503"),
    ],
)
def test_slack_errors_say_whether_retrying_helps(
    channel: SlackChannel, receiver: HttpReceiver, reply: Reply, retryable: bool, says: str
) -> None:
    receiver.reply_with(reply)
    result = channel.send(make_notification(), config_for(channel, receiver))
    assert not result.ok
    assert result.retryable is retryable
    assert says in result.reason


def test_rate_limited_is_retried_after_slacks_delay(channel: SlackChannel, receiver: HttpReceiver) -> None:
    receiver.reply_with(Reply(429, "rate_limited", {"Retry-After": "30"}))
    config = config_for(channel, receiver)
    first = channel.send(make_notification(), config)
    assert (first.ok, first.retryable, first.retry_after) == (False, True, timedelta(seconds=30))
    assert channel.send(make_notification(), config).ok
    assert len(receiver.requests) == 2


def test_a_slow_slack_is_retryable() -> None:
    def too_slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    slack = SlackChannel(ChannelContext(clock=FakeClock()), transport=httpx.MockTransport(too_slow))
    try:
        result = slack.send(
            make_notification(), slack.validate_config({"webhook_url": "https://hooks.slack.com/x"})
        )
    finally:
        slack.close()
    assert (result.ok, result.retryable) == (False, True)
    assert result.reason == "no answer from hooks.slack.com within 10 s"


def test_nobody_listening_is_retryable(channel: SlackChannel) -> None:
    config = channel.validate_config({"webhook_url": f"http://127.0.0.1:{free_port()}/services/x"})
    result = channel.send(make_notification(), config)
    assert (result.ok, result.retryable) == (False, True)
    assert result.reason.startswith("could not reach 127.0.0.1")


def test_the_webhook_url_is_required_and_kept_out_of_reprs(channel: SlackChannel) -> None:
    with pytest.raises(InvalidInput, match="webhook_url is required"):
        channel.validate_config({})
    config = channel.validate_config({"webhook_url": "https://hooks.slack.com/services/T/B/s3cr3t"})
    assert "s3cr3t" not in repr(config)
