from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

import tocsin.builtin.channels
from tests.unit.plugins.notifications import make_notification
from tocsin.clock import FakeClock
from tocsin.domain.notification import DeliveryResult, Notification
from tocsin.errors import Conflict, NotFound
from tocsin.plugins import fakes
from tocsin.plugins.channels import Channel, ChannelContext
from tocsin.plugins.manager import ChannelClass, build_plugin_manager, hookimpl

THIRD_PARTY_MODULE = """
from tocsin.domain.notification import DeliveryResult
from tocsin.plugins.channels import Channel, ConfigField, FieldType, parse_config
from tocsin.plugins.manager import hookimpl


class CarrierPigeon(Channel[str]):
    kind = "pigeon"
    display_name = "Carrier pigeon"
    fields = (ConfigField("loft", FieldType.STRING, "Home loft", required=True),)
    throttle = None

    def validate_config(self, raw):
        return parse_config(self.kind, self.fields, raw).text("loft")

    def send(self, notification, config):
        return DeliveryResult.sent(f"{config}:{notification.incident_id}")


@hookimpl
def tocsin_channels():
    return [CarrierPigeon]
"""


def install_fake_distribution(site: Path) -> None:
    """A package installed the way pip would: a module plus a dist-info naming it in the tocsin group."""
    (site / "acme_pigeon.py").write_text(textwrap.dedent(THIRD_PARTY_MODULE))
    dist_info = site / "acme_pigeon-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-pigeon\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text("[tocsin]\npigeon = acme_pigeon\n")


def test_builtins_register_through_the_hook() -> None:
    plugins = build_plugin_manager([tocsin.builtin.channels], load_entry_points=False)
    assert list(plugins.channel_classes()) == ["console", "email", "pagerduty", "slack", "webhook"]


@pytest.fixture
def pigeon_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    install_fake_distribution(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    sys.modules.pop("acme_pigeon", None)


@pytest.mark.usefixtures("pigeon_installed")
def test_an_installed_third_party_channel_registers_beside_the_builtins() -> None:
    plugins = build_plugin_manager([tocsin.builtin.channels])

    assert "pigeon" in plugins.channel_classes()
    assert "slack" in plugins.channel_classes()
    assert "pigeon" in plugins.plugin_names()
    channels = plugins.build_channels(ChannelContext(clock=FakeClock()))
    pigeon = channels.get("pigeon")
    result = pigeon.send(make_notification(), pigeon.validate_config({"loft": "roof"}))
    assert result == DeliveryResult.sent("roof:INC-42")


def test_two_plugins_claiming_one_kind_is_a_conflict_naming_both() -> None:
    class OtherFake(fakes.FakeChannel):
        pass

    class Impostor:
        @hookimpl
        def tocsin_channels(self) -> list[ChannelClass]:
            return [OtherFake]

    plugins = build_plugin_manager([fakes, Impostor()], load_entry_points=False)
    with pytest.raises(Conflict) as caught:
        plugins.channel_classes()
    assert caught.value.code == "duplicate_channel_kind"
    assert "FakeChannel" in caught.value.message
    assert "OtherFake" in caught.value.message


def test_a_plugin_returning_something_else_than_a_channel_is_refused() -> None:
    class Broken:
        @hookimpl
        def tocsin_channels(self) -> list[object]:
            return [dict]

    with pytest.raises(TypeError, match="Channel subclasses"):
        build_plugin_manager([Broken()], load_entry_points=False).channel_classes()


def test_a_channel_missing_its_declarations_is_refused() -> None:
    class Undeclared(Channel[None]):
        def validate_config(self, raw: Mapping[str, object]) -> None:
            return None

        def send(self, notification: Notification, config: None) -> DeliveryResult:
            return DeliveryResult.sent()

    class Plugin:
        @hookimpl
        def tocsin_channels(self) -> list[ChannelClass]:
            return [Undeclared]

    with pytest.raises(TypeError, match="does not declare kind, display_name, fields, throttle"):
        build_plugin_manager([Plugin()], load_entry_points=False).channel_classes()


def test_asking_for_an_uninstalled_kind_names_the_installed_ones() -> None:
    plugins = build_plugin_manager([fakes], load_entry_points=False)
    channels = plugins.build_channels(ChannelContext(clock=FakeClock()))
    with pytest.raises(NotFound, match="installed: fake"):
        channels.get("sms")


def test_each_build_is_independent() -> None:
    first = build_plugin_manager([fakes], load_entry_points=False)
    second = build_plugin_manager([], load_entry_points=False)
    assert "fake" in first.channel_classes()
    assert second.channel_classes() == {}
