"""PagerDuty Events API v2 forwarding, for teams migrating from PagerDuty (PROTOCOLS §2).

Pages and updates are sent as ``trigger`` events and a resolution as ``resolve``, all with
``dedup_key`` = the incident's id, so PagerDuty keeps one alert per tocsin incident (an acknowledged
alert there stays quiet on later triggers). 202 is success; 400 is a malformed event (not retried);
429 and 5xx are retried, per PagerDuty's guidance.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx

from tocsin.builtin.channels import http
from tocsin.builtin.channels.text import one_line, truncate
from tocsin.domain.notification import DeliveryResult, Notification, NotificationKind
from tocsin.domain.severity import DEFAULT_SCHEME
from tocsin.errors import InvalidInput
from tocsin.plugins.channels import Channel, ChannelContext, ConfigField, FieldType, Throttle, parse_config

__all__ = ["PAGERDUTY_EVENTS_URL", "PagerDutyChannel", "PagerDutyConfig", "pagerduty_event"]

PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
_ROUTING_KEY = re.compile(r"[A-Za-z0-9]{32}")
# By rank in the default scheme (SEV1/P0 first); names the scheme does not know are treated as critical.
_PD_SEVERITIES = ("critical", "error", "warning", "info")


@dataclass(frozen=True)
class PagerDutyConfig:
    routing_key: str = field(repr=False)
    url: str = PAGERDUTY_EVENTS_URL
    timeout_seconds: int = 10


class PagerDutyChannel(Channel[PagerDutyConfig]):
    """Forwards notifications to a PagerDuty service (or any Events v2 compatible endpoint)."""

    kind = "pagerduty"
    display_name = "PagerDuty (Events API v2)"
    fields = (
        ConfigField(
            "routing_key",
            FieldType.STRING,
            "The service's 32-character integration key",
            required=True,
            secret=True,
        ),
        ConfigField(
            "url",
            FieldType.URL,
            "Events API endpoint (EU: https://events.eu.pagerduty.com/v2/enqueue)",
            default=PAGERDUTY_EVENTS_URL,
        ),
        ConfigField(
            "timeout_seconds",
            FieldType.INTEGER,
            "Seconds to wait for PagerDuty",
            default=10,
            minimum=1,
            maximum=60,
        ),
    )
    # PagerDuty allows about 120 events a minute per integration key.
    throttle = Throttle(max_messages=120, per=timedelta(minutes=1))

    def __init__(self, context: ChannelContext, *, transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(context)
        self._client = http.make_client(transport)

    def validate_config(self, raw: Mapping[str, object]) -> PagerDutyConfig:
        values = parse_config(self.kind, self.fields, raw)
        routing_key = values.text("routing_key").strip()
        if not _ROUTING_KEY.fullmatch(routing_key):
            raise InvalidInput(
                "pagerduty channel: routing_key must be the service's 32-character integration key",
                code="invalid_channel_config",
                field="routing_key",
            )
        return PagerDutyConfig(routing_key, values.text("url"), values.integer("timeout_seconds"))

    def send(self, notification: Notification, config: PagerDutyConfig) -> DeliveryResult:
        event = pagerduty_event(notification, config.routing_key)
        answer = http.post(self._client, config.url, event, timeout=config.timeout_seconds)
        if isinstance(answer, DeliveryResult):
            return answer
        result = http.result_for_status(answer, "PagerDuty", self.context.clock.now())
        if not result.ok:
            return result
        return DeliveryResult.sent(_dedup_key(answer) or notification.incident_id)

    def close(self) -> None:
        self._client.close()


def pagerduty_event(notification: Notification, routing_key: str) -> dict[str, Any]:
    """The Events v2 body for ``notification``: ``resolve`` when resolved, else ``trigger``."""
    if notification.kind is NotificationKind.RESOLVED:
        return {"routing_key": routing_key, "event_action": "resolve", "dedup_key": notification.incident_id}
    details: dict[str, Any] = {
        "incident": notification.incident_id,
        "state": str(notification.state),
        "tocsin_severity": notification.severity,
        "summary": notification.summary,
        "services": list(notification.services),
    }
    return {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": notification.incident_id,
        "payload": {
            "summary": truncate(f"{notification.severity_and_id}: {one_line(notification.title)}", 1024),
            "source": truncate(", ".join(notification.services) or "tocsin", 255),
            "severity": _pd_severity(notification.severity),
            "timestamp": notification.created_at.isoformat().replace("+00:00", "Z"),
            "custom_details": details,
        },
        "links": [{"href": notification.incident_url, "text": f"{notification.incident_id} in tocsin"}],
        "client": "tocsin",
        "client_url": notification.incident_url,
    }


def _pd_severity(severity: str) -> str:
    level = DEFAULT_SCHEME.resolve(severity)
    return _PD_SEVERITIES[min(level.rank, 3)] if level else "critical"


def _dedup_key(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    key = body.get("dedup_key") if isinstance(body, dict) else None
    return key if isinstance(key, str) else None
