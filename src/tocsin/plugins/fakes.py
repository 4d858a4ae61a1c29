"""Official fakes for tests: a notification channel that records what it was asked to deliver.

Register it like any plugin and find the instance the app built::

    plugins = build_plugin_manager([tocsin.plugins.fakes], load_entry_points=False)
    channels = plugins.build_channels(ChannelContext(clock=FakeClock()))
    fake = channels.get(FakeChannel.kind)
    assert isinstance(fake, FakeChannel)
    fake.fail_next(2, "smtp: 451 try later")        # the next two attempts fail, retryably
    ...
    assert [d.notification.recipient.user_id for d in fake.sent] == ["alice"]
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from tocsin.domain.notification import DeliveryResult, Notification
from tocsin.plugins.channels import Channel, ChannelContext, ConfigField, FieldType, parse_config
from tocsin.plugins.manager import ChannelClass, hookimpl

__all__ = ["FakeChannel", "FakeChannelConfig", "FakeDelivery", "tocsin_channels"]


@dataclass(frozen=True)
class FakeChannelConfig:
    address: str


@dataclass(frozen=True)
class FakeDelivery:
    """One attempt the fake saw, with what it answered."""

    notification: Notification
    config: FakeChannelConfig
    attempted_at: datetime
    result: DeliveryResult


class FakeChannel(Channel[FakeChannelConfig]):
    """Records every attempt; can be told to fail the next N attempts. Thread-safe."""

    kind = "fake"
    display_name = "Fake (tests)"
    fields = (ConfigField("address", FieldType.STRING, "Any label for the destination", default="fake"),)
    throttle = None

    def __init__(self, context: ChannelContext) -> None:
        super().__init__(context)
        self.attempts: list[FakeDelivery] = []
        self._failures: list[DeliveryResult] = []
        self._lock = threading.Lock()

    def validate_config(self, raw: Mapping[str, object]) -> FakeChannelConfig:
        return FakeChannelConfig(address=parse_config(self.kind, self.fields, raw).text("address"))

    def send(self, notification: Notification, config: FakeChannelConfig) -> DeliveryResult:
        with self._lock:
            result = (
                self._failures.pop(0) if self._failures else DeliveryResult.sent(notification.idempotency_key)
            )
            self.attempts.append(FakeDelivery(notification, config, self.context.clock.now(), result))
        return result

    def fail_next(
        self,
        times: int,
        reason: str = "fake failure",
        *,
        retryable: bool = True,
        retry_after: timedelta | None = None,
    ) -> None:
        """Make the next ``times`` attempts fail with ``reason``."""
        failure = DeliveryResult.failed(reason, retryable=retryable, retry_after=retry_after)
        with self._lock:
            self._failures.extend([failure] * times)

    @property
    def sent(self) -> list[FakeDelivery]:
        """The attempts that succeeded, in order: what a user would have received."""
        with self._lock:
            return [attempt for attempt in self.attempts if attempt.result.ok]


@hookimpl
def tocsin_channels() -> list[ChannelClass]:
    return [FakeChannel]
