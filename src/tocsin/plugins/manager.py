"""The plugin manager: pluggy hooks through which built-in and third-party capabilities register.

A plugin is any module or object with functions marked ``@hookimpl``. Third-party packages announce
theirs in the ``tocsin`` entry-point group::

    # pyproject.toml of a plugin package
    [project.entry-points.tocsin]
    smoke = "tocsin_smoke.plugin"

    # tocsin_smoke/plugin.py
    from tocsin.plugins.manager import hookimpl

    @hookimpl
    def tocsin_channels():
        return [SmokeSignalChannel]

The built-ins (``tocsin.builtin.channels``) register through the very same hook; the composition root
passes them to :func:`build_plugin_manager`, since this layer may not import the ones above it. There
is no global manager: each app (and each test) builds its own.

Hooks today: ``tocsin_channels``. Alert sources and step executors get their own hooks the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pluggy

from tocsin.errors import Conflict, NotFound
from tocsin.plugins.channels import Channel, ChannelContext

__all__ = [
    "ENTRY_POINT_GROUP",
    "ChannelClass",
    "ChannelRegistry",
    "TocsinPlugins",
    "build_plugin_manager",
    "hookimpl",
    "hookspec",
]

ENTRY_POINT_GROUP = "tocsin"
hookspec = pluggy.HookspecMarker("tocsin")
hookimpl = pluggy.HookimplMarker("tocsin")

ChannelClass = type[Channel[Any]]


class HookSpecs:
    """The hooks a plugin may implement."""

    @hookspec
    def tocsin_channels(self) -> Sequence[ChannelClass]:  # type: ignore[empty-body]
        """Return the notification channel classes this plugin provides."""


class ChannelRegistry:
    """The channel instances of one app, by kind."""

    def __init__(self, channels: Iterable[Channel[Any]]) -> None:
        self._channels = {channel.kind: channel for channel in channels}

    def get(self, kind: str) -> Channel[Any]:
        """The channel of ``kind``; NotFound names the kinds that exist (a plugin may be missing)."""
        try:
            return self._channels[kind]
        except KeyError:
            known = ", ".join(sorted(self._channels)) or "none"
            raise NotFound(
                f"no notification channel of kind {kind!r} is installed; installed: {known}",
                code="unknown_channel_kind",
                kind=kind,
            ) from None

    def kinds(self) -> list[str]:
        return sorted(self._channels)

    def __iter__(self) -> Iterator[Channel[Any]]:
        return iter(self._channels[kind] for kind in self.kinds())

    def __contains__(self, kind: object) -> bool:
        return kind in self._channels

    def close(self) -> None:
        """Close every channel (their HTTP connection pools); the app calls it on shutdown."""
        for channel in self._channels.values():
            channel.close()


class TocsinPlugins:
    """A typed face over a pluggy manager: what the registered plugins provide."""

    def __init__(self, manager: pluggy.PluginManager) -> None:
        self.pluggy = manager

    def channel_classes(self) -> dict[str, ChannelClass]:
        """Every registered channel class by kind; two classes claiming one kind is a Conflict."""
        found: dict[str, ChannelClass] = {}
        for provided in self.pluggy.hook.tocsin_channels():
            for cls in provided:
                _check_channel_class(cls)
                other = found.get(cls.kind)
                if other is not None and other is not cls:
                    raise Conflict(
                        f"two plugins provide the notification channel kind {cls.kind!r}: "
                        f"{_qualified(other)} and {_qualified(cls)}; uninstall one of them",
                        code="duplicate_channel_kind",
                        kind=cls.kind,
                    )
                found[cls.kind] = cls
        return dict(sorted(found.items()))

    def build_channels(self, context: ChannelContext) -> ChannelRegistry:
        """One instance of every registered channel, sharing ``context``."""
        return ChannelRegistry(cls(context) for cls in self.channel_classes().values())

    def plugin_names(self) -> list[str]:
        return sorted(name for name, _ in self.pluggy.list_name_plugin())


def build_plugin_manager(plugins: Iterable[object] = (), *, load_entry_points: bool = True) -> TocsinPlugins:
    """Build a fresh manager: register ``plugins`` (the built-ins, fakes in tests), then installed ones.

    ``load_entry_points=False`` keeps whatever happens to be installed in the environment out of a test.
    """
    manager = pluggy.PluginManager("tocsin")
    manager.add_hookspecs(HookSpecs)
    for plugin in plugins:
        manager.register(plugin)
    if load_entry_points:
        manager.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    return TocsinPlugins(manager)


def _check_channel_class(cls: object) -> None:
    if not (isinstance(cls, type) and issubclass(cls, Channel)):
        raise TypeError(f"tocsin_channels must return Channel subclasses, got {cls!r}")
    missing = [name for name in ("kind", "display_name", "fields", "throttle") if not hasattr(cls, name)]
    if missing:
        raise TypeError(f"channel {_qualified(cls)} does not declare {', '.join(missing)}")


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"
