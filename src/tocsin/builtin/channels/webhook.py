"""Generic outbound webhook, signed per Standard Webhooks (PROTOCOLS §7).

Each delivery is a JSON body ``{"type": "notification.page", "timestamp": ..., "data": {...}}`` with the
headers ``webhook-id`` (the notification's idempotency key, the same on every retry, so the receiver can
drop duplicates), ``webhook-timestamp`` (this attempt) and ``webhook-signature`` (``v1,`` HMAC-SHA256 with
the ``whsec_`` secret). Receivers verify it with any Standard Webhooks library or
:func:`tocsin.builtin.signing.verify_webhook`.

2xx is success. 410 means the receiver is gone for good: not retried, disable the channel. 429, 502,
503, 504 (and other transient statuses) are retried, honouring ``Retry-After``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx

from tocsin.builtin.channels import http
from tocsin.builtin.signing import parse_webhook_secret, webhook_headers
from tocsin.domain.notification import DeliveryResult, Notification
from tocsin.errors import InvalidInput
from tocsin.plugins.channels import Channel, ChannelContext, ConfigField, FieldType, Throttle, parse_config

__all__ = ["WebhookChannel", "WebhookConfig", "webhook_payload"]


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    secret: str = field(repr=False)
    timeout_seconds: int = 15


class WebhookChannel(Channel[WebhookConfig]):
    """POSTs signed JSON to any HTTP endpoint."""

    kind = "webhook"
    display_name = "Webhook (Standard Webhooks signed)"
    fields = (
        ConfigField("url", FieldType.URL, "Where to POST (https strongly advised)", required=True),
        ConfigField(
            "secret",
            FieldType.STRING,
            "Signing secret, whsec_ followed by 24-64 base64 bytes; the receiver verifies with it",
            required=True,
            secret=True,
        ),
        ConfigField(
            "timeout_seconds",
            FieldType.INTEGER,
            "Seconds to wait for the receiver",
            default=15,
            minimum=1,
            maximum=30,
        ),
    )
    throttle = Throttle(max_messages=600, per=timedelta(minutes=1))

    def __init__(self, context: ChannelContext, *, transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(context)
        self._client = http.make_client(transport)

    def validate_config(self, raw: Mapping[str, object]) -> WebhookConfig:
        values = parse_config(self.kind, self.fields, raw)
        secret = values.text("secret")
        try:
            parse_webhook_secret(secret)
        except InvalidInput as error:
            raise InvalidInput(
                f"webhook channel: secret: {error.message}", code=error.code, field="secret"
            ) from None
        return WebhookConfig(
            url=values.text("url"), secret=secret, timeout_seconds=values.integer("timeout_seconds")
        )

    def send(self, notification: Notification, config: WebhookConfig) -> DeliveryResult:
        body = json.dumps(webhook_payload(notification), separators=(",", ":"), ensure_ascii=False).encode()
        now = self.context.clock.now()
        headers = webhook_headers(config.secret, notification.idempotency_key, now, body)
        answer = http.post_bytes(
            self._client, config.url, body, timeout=config.timeout_seconds, headers=headers
        )
        if isinstance(answer, DeliveryResult):
            return answer
        if answer.status_code == 410:
            return DeliveryResult.failed(
                "the receiver answered 410 Gone: it no longer accepts deliveries; disable or fix this channel",
                retryable=False,
            )
        result = http.result_for_status(answer, "the webhook receiver", now)
        return DeliveryResult.sent(notification.idempotency_key) if result.ok else result

    def close(self) -> None:
        self._client.close()


def webhook_payload(notification: Notification) -> dict[str, Any]:
    """The JSON body receivers get; ``type`` is ``notification.<kind>``."""
    recipient = notification.recipient
    return {
        "type": f"notification.{notification.kind}",
        "timestamp": notification.created_at.isoformat().replace("+00:00", "Z"),
        "data": {
            "incident_id": notification.incident_id,
            "title": notification.title,
            "severity": notification.severity,
            "state": str(notification.state),
            "summary": notification.summary,
            "services": list(notification.services),
            "incident_url": notification.incident_url,
            "ack_url": notification.ack_url,
            "recipient": {
                "user_id": recipient.user_id,
                "name": recipient.name,
                "email": recipient.email,
                "slack_user_id": recipient.slack_user_id,
                "time_zone": recipient.time_zone,
            },
        },
    }
