"""The built-in notification channels, registered through the same ``tocsin_channels`` hook as plugins.

The composition root registers this module: ``build_plugin_manager([tocsin.builtin.channels])``.
"""

from __future__ import annotations

from tocsin.builtin.channels.console import ConsoleChannel
from tocsin.builtin.channels.email import EmailChannel
from tocsin.builtin.channels.pagerduty import PagerDutyChannel
from tocsin.builtin.channels.slack import SlackChannel
from tocsin.builtin.channels.webhook import WebhookChannel
from tocsin.plugins.manager import ChannelClass, hookimpl

__all__ = [
    "ConsoleChannel",
    "EmailChannel",
    "PagerDutyChannel",
    "SlackChannel",
    "WebhookChannel",
    "tocsin_channels",
]


@hookimpl
def tocsin_channels() -> list[ChannelClass]:
    return [ConsoleChannel, EmailChannel, PagerDutyChannel, SlackChannel, WebhookChannel]
