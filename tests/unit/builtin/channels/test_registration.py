"""Every built-in channel is registered through the hook and describes itself fully."""

from __future__ import annotations

import pytest

import tocsin.builtin.channels
from tocsin.clock import FakeClock
from tocsin.plugins.channels import ChannelContext
from tocsin.plugins.manager import ChannelClass, build_plugin_manager

BUILTINS = build_plugin_manager([tocsin.builtin.channels], load_entry_points=False).channel_classes()


@pytest.mark.parametrize("cls", BUILTINS.values(), ids=list(BUILTINS))
def test_every_setting_is_documented(cls: ChannelClass) -> None:
    assert cls.display_name
    for spec in cls.fields:
        assert spec.help.strip(), f"{cls.kind}.{spec.name} has no help text"
        assert not (spec.required and spec.default is not None), (
            f"{cls.kind}.{spec.name}: required with a default"
        )


def test_credentials_are_marked_secret() -> None:
    secrets = {(kind, spec.name) for kind, cls in BUILTINS.items() for spec in cls.fields if spec.secret}
    assert secrets == {
        ("email", "password"),
        ("pagerduty", "routing_key"),
        ("slack", "webhook_url"),
        ("webhook", "secret"),
    }


def test_the_registry_builds_and_closes_every_builtin() -> None:
    channels = build_plugin_manager([tocsin.builtin.channels], load_entry_points=False).build_channels(
        ChannelContext(clock=FakeClock())
    )
    assert channels.kinds() == ["console", "email", "pagerduty", "slack", "webhook"]
    assert [channel.kind for channel in channels] == channels.kinds()
    channels.close()
