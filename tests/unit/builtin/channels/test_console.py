from __future__ import annotations

import io

import pytest

from tests.unit.plugins.notifications import make_notification
from tocsin.builtin.channels.console import ConsoleChannel
from tocsin.clock import FakeClock
from tocsin.domain.notification import NotificationKind
from tocsin.errors import InvalidInput
from tocsin.plugins.channels import ChannelContext


def test_prints_one_clear_line_per_notification() -> None:
    stream = io.StringIO()
    channel = ConsoleChannel(ChannelContext(clock=FakeClock(), console=stream))
    config = channel.validate_config({})
    assert channel.send(make_notification(title="Database\nconnection timeout"), config).ok
    assert channel.send(make_notification(kind=NotificationKind.UPDATE, ack_url=None), config).ok
    assert stream.getvalue().splitlines() == [
        '[tocsin] PAGE SEV1 INC-42 "Database connection timeout" -> Alice Smith | triggered'
        " | ack: https://tocsin.example.org/ack/v1.abc.def | https://tocsin.example.org/incidents/42",
        '[tocsin] UPDATE SEV1 INC-42 "Database connection timeout" -> Alice Smith | triggered'
        " | https://tocsin.example.org/incidents/42",
    ]


def test_a_closed_stream_is_a_failure_not_a_crash() -> None:
    stream = io.StringIO()
    stream.close()
    channel = ConsoleChannel(ChannelContext(clock=FakeClock(), console=stream))
    result = channel.send(make_notification(), channel.validate_config({}))
    assert (result.ok, result.retryable) == (False, False)


def test_takes_no_settings() -> None:
    with pytest.raises(InvalidInput, match="unknown setting 'colour'"):
        ConsoleChannel(ChannelContext(clock=FakeClock())).validate_config({"colour": "red"})
