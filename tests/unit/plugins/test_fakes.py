from __future__ import annotations

from datetime import timedelta

from tests.unit.plugins.notifications import make_notification
from tocsin.clock import FakeClock
from tocsin.plugins import fakes
from tocsin.plugins.channels import ChannelContext
from tocsin.plugins.fakes import FakeChannel
from tocsin.plugins.manager import build_plugin_manager


def fake_channel(clock: FakeClock) -> FakeChannel:
    channels = build_plugin_manager([fakes], load_entry_points=False).build_channels(
        ChannelContext(clock=clock)
    )
    channel = channels.get("fake")
    assert isinstance(channel, FakeChannel)
    return channel


def test_records_what_was_delivered_and_when() -> None:
    clock = FakeClock()
    channel = fake_channel(clock)
    config = channel.validate_config({"address": "#ops"})
    result = channel.send(make_notification(), config)
    assert result.ok
    assert [(d.notification.incident_id, d.config.address, d.attempted_at) for d in channel.sent] == [
        ("INC-42", "#ops", clock.now())
    ]


def test_fails_the_next_n_attempts_then_delivers() -> None:
    channel = fake_channel(FakeClock())
    channel.fail_next(2, "smtp 451 try later", retry_after=timedelta(seconds=30))
    config = channel.validate_config({})
    results = [channel.send(make_notification(), config) for _ in range(3)]
    assert [r.ok for r in results] == [False, False, True]
    assert results[0].reason == "smtp 451 try later"
    assert results[0].retryable
    assert results[0].retry_after == timedelta(seconds=30)
    assert len(channel.attempts) == 3
    assert len(channel.sent) == 1
