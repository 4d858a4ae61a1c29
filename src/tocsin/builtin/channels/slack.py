"""Slack incoming webhook channel: a Block Kit message with the incident's facts and links (PROTOCOLS §6.1).

Slack answers 200 ``ok`` on success and a plain-text error string otherwise; only 200 counts as sent.
A revoked or deleted webhook (``no_service``, ``channel_not_found``, ``channel_is_archived``) will never
work again and is reported as not retryable, with what to do; 429 and 5xx are retried, honouring
``Retry-After``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx

from tocsin.builtin.channels import http
from tocsin.builtin.channels.text import KIND_LABELS, headline, one_line, truncate
from tocsin.domain.notification import DeliveryResult, Notification
from tocsin.plugins.channels import Channel, ChannelContext, ConfigField, FieldType, Throttle, parse_config

__all__ = ["SlackChannel", "SlackConfig", "slack_message"]

_SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{2,40}")
# What to tell the responder for Slack's documented error strings.
_PERMANENT_ERRORS = {
    "invalid_payload": "Slack could not read the message (a tocsin bug; please report it)",
    "invalid_blocks": "Slack refused the message layout (a tocsin bug; please report it)",
    "no_text": "Slack refused a message without text (a tocsin bug; please report it)",
    "user_not_found": "the Slack user of this webhook no longer exists; create a new incoming webhook",
    "action_prohibited": "a Slack admin blocks posting to this channel",
    "channel_not_found": "the webhook's Slack channel no longer exists; create a new incoming webhook",
    "channel_is_archived": "the webhook's Slack channel is archived; unarchive it or use a new webhook",
    "no_service": "Slack does not know this webhook URL (revoked or mistyped); create a new incoming webhook",
}


@dataclass(frozen=True)
class SlackConfig:
    webhook_url: str = field(repr=False)  # the URL is the credential
    timeout_seconds: int = 10
    mention: bool = True


class SlackChannel(Channel[SlackConfig]):
    """Posts to one Slack channel through an incoming webhook URL."""

    kind = "slack"
    display_name = "Slack (incoming webhook)"
    fields = (
        ConfigField(
            "webhook_url",
            FieldType.URL,
            "Incoming webhook URL from your Slack app (https://hooks.slack.com/services/...)",
            required=True,
            secret=True,
        ),
        ConfigField(
            "timeout_seconds",
            FieldType.INTEGER,
            "Seconds to wait for Slack",
            default=10,
            minimum=1,
            maximum=60,
        ),
        ConfigField(
            "mention", FieldType.BOOLEAN, "Mention the recipient by their Slack user id", default=True
        ),
    )
    # Slack allows about one message a second per webhook, with short bursts.
    throttle = Throttle(max_messages=5, per=timedelta(seconds=5))

    def __init__(self, context: ChannelContext, *, transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(context)
        self._client = http.make_client(transport)

    def validate_config(self, raw: Mapping[str, object]) -> SlackConfig:
        values = parse_config(self.kind, self.fields, raw)
        return SlackConfig(
            webhook_url=values.text("webhook_url"),
            timeout_seconds=values.integer("timeout_seconds"),
            mention=values.flag("mention"),
        )

    def send(self, notification: Notification, config: SlackConfig) -> DeliveryResult:
        message = slack_message(notification, mention=config.mention)
        answer = http.post(self._client, config.webhook_url, message, timeout=config.timeout_seconds)
        if isinstance(answer, DeliveryResult):
            return answer
        if answer.status_code == 200:
            return DeliveryResult.sent()
        error = answer.text.strip()
        if error in _PERMANENT_ERRORS and answer.status_code not in http.RETRYABLE_STATUSES:
            return DeliveryResult.failed(
                f"Slack answered {answer.status_code} {error}: {_PERMANENT_ERRORS[error]}", retryable=False
            )
        return http.result_for_status(answer, "Slack", self.context.clock.now())

    def close(self) -> None:
        self._client.close()


def slack_message(notification: Notification, *, mention: bool = True) -> dict[str, Any]:
    """The incoming-webhook body: fallback ``text`` (what the push notification shows) and Block Kit blocks."""
    who = _who(notification, mention)
    fallback = (f"{who} " if who.startswith("<@") else "") + _escape(headline(notification))
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": _plain(truncate(headline(notification), 150))},
        {"type": "section", "fields": _fact_fields(notification, who)},
    ]
    if notification.summary.strip():
        summary = truncate(_escape(notification.summary.strip()), 3000)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": summary}})
    blocks.append({"type": "actions", "elements": _buttons(notification)})
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"<{notification.incident_url}|Open {notification.incident_id}> · tocsin",
                }
            ],
        }
    )
    return {"text": truncate(fallback, 3000), "blocks": blocks, "unfurl_links": False}


def _fact_fields(notification: Notification, who: str) -> list[dict[str, str]]:
    facts = [
        ("Severity", _escape(notification.severity)),
        ("State", _escape(str(notification.state).capitalize())),
        ("Kind", KIND_LABELS[notification.kind]),
        ("For", who),
    ]
    if notification.services:
        facts.append(("Services", _escape(truncate(", ".join(notification.services), 500))))
    return [{"type": "mrkdwn", "text": f"*{label}:*\n{value}"} for label, value in facts]


def _buttons(notification: Notification) -> list[dict[str, Any]]:
    buttons: list[dict[str, Any]] = [
        {
            "type": "button",
            "action_id": "open_incident",
            "text": _plain("Open incident"),
            "url": notification.incident_url,
        }
    ]
    if notification.ack_url:
        buttons.append(
            {
                "type": "button",
                "action_id": "acknowledge",
                "style": "primary",
                "text": _plain("Acknowledge"),
                "url": notification.ack_url,
            }
        )
    return buttons


def _who(notification: Notification, mention: bool) -> str:
    recipient = notification.recipient
    if mention and recipient.slack_user_id and _SLACK_USER_ID.fullmatch(recipient.slack_user_id):
        return f"<@{recipient.slack_user_id}>"
    return _escape(one_line(recipient.name))


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _escape(text: str) -> str:
    """Slack mrkdwn control characters; an alert title must not turn into a link or a mention."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
