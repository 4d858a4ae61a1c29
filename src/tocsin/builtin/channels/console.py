"""Console channel: one clear line per notification on the worker's output; the demo pages through it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tocsin.builtin.channels.text import KIND_LABELS, one_line
from tocsin.domain.notification import DeliveryResult, Notification
from tocsin.plugins.channels import Channel, parse_config

__all__ = ["ConsoleChannel", "ConsoleConfig", "console_line"]


@dataclass(frozen=True)
class ConsoleConfig:
    pass


class ConsoleChannel(Channel[ConsoleConfig]):
    """Writes to the stream in the channel context (stdout unless told otherwise)."""

    kind = "console"
    display_name = "Console (demo)"
    fields = ()
    throttle = None

    def validate_config(self, raw: Mapping[str, object]) -> ConsoleConfig:
        parse_config(self.kind, self.fields, raw)
        return ConsoleConfig()

    def send(self, notification: Notification, config: ConsoleConfig) -> DeliveryResult:
        try:
            print(console_line(notification), file=self.context.console, flush=True)
        except (OSError, ValueError) as error:  # a closed stream or a broken pipe will not recover
            return DeliveryResult.failed(f"cannot write to the console: {error}", retryable=False)
        return DeliveryResult.sent()


def console_line(notification: Notification) -> str:
    """``[tocsin] PAGE SEV1 INC-42 "Title" -> Alice Smith | triggered | ack: URL | URL``."""
    parts = [
        f"[tocsin] {KIND_LABELS[notification.kind].upper()} {notification.severity_and_id} "
        f'"{one_line(notification.title)}" -> {one_line(notification.recipient.name)}',
        str(notification.state),
    ]
    if notification.ack_url:
        parts.append(f"ack: {notification.ack_url}")
    parts.append(notification.incident_url)
    return " | ".join(parts)
