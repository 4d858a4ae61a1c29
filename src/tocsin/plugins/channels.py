"""The notification channel contract: how tocsin reaches a person.

A channel is a class with four declarations and two methods::

    class SmokeSignal(Channel[SmokeConfig]):
        kind = "smoke"                                   # stable id stored with each configured channel
        display_name = "Smoke signal"
        fields = (ConfigField("hill", FieldType.STRING, "Which hill", required=True),)
        throttle = Throttle(max_messages=1, per=timedelta(minutes=1))   # or None: unlimited

        def validate_config(self, raw: Mapping[str, object]) -> SmokeConfig: ...
        def send(self, notification: Notification, config: SmokeConfig) -> DeliveryResult: ...

``validate_config`` turns the stored, untrusted mapping (from the API, YAML or the database) into the
channel's typed config, raising :class:`~tocsin.errors.InvalidInput` for anything wrong; most channels do
it with :func:`parse_config` over their declared ``fields``. ``send`` delivers one notification and
answers a :class:`~tocsin.domain.notification.DeliveryResult`; it never raises for a delivery failure
(the worker records the reason in the timeline and retries when ``retryable``). ``throttle`` is enforced
by the worker with :mod:`tocsin.plugins.throttle`, never by the channel itself.
"""

from __future__ import annotations

import re
import sys
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import ClassVar, Generic, TextIO, TypeVar
from urllib.parse import urlsplit

from tocsin.clock import Clock
from tocsin.domain.notification import DeliveryResult, Notification
from tocsin.errors import InvalidInput

__all__ = [
    "REDACTED",
    "Channel",
    "ChannelContext",
    "ConfigField",
    "ConfigValue",
    "ConfigValues",
    "FieldType",
    "Throttle",
    "parse_config",
    "redact_config",
]

ConfigValue = str | int | bool
ConfigT = TypeVar("ConfigT")
REDACTED = "********"
_MAX_TEXT = 2_000
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class FieldType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    URL = "url"  # http or https, with a host
    EMAIL = "email"
    CHOICE = "choice"  # one of ``ConfigField.choices``


@dataclass(frozen=True)
class ConfigField:
    """One setting a channel needs, described well enough for the API, the UI and the docs."""

    name: str
    type: FieldType
    help: str
    required: bool = False
    secret: bool = False  # never shown back: the API and UI print REDACTED
    default: ConfigValue | None = None
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class Throttle:
    """At most ``max_messages`` per ``per``, with bursts up to ``max_messages``; declared by the channel."""

    max_messages: int
    per: timedelta

    def __post_init__(self) -> None:
        if self.max_messages < 1 or self.per <= timedelta(0):
            raise ValueError("a throttle allows at least one message per positive interval")


@dataclass(frozen=True)
class ChannelContext:
    """What every channel may use; given by the composition root, fakes in tests."""

    clock: Clock
    console: TextIO = field(default_factory=lambda: sys.stdout)


class Channel(ABC, Generic[ConfigT]):
    """One way of reaching a person. Subclass it, declare the class variables, implement two methods."""

    kind: ClassVar[str]
    display_name: ClassVar[str]
    fields: ClassVar[tuple[ConfigField, ...]]
    throttle: ClassVar[Throttle | None]

    def __init__(self, context: ChannelContext) -> None:
        self.context = context

    @abstractmethod
    def validate_config(self, raw: Mapping[str, object]) -> ConfigT:
        """Check a stored config and return it typed; raise InvalidInput saying which field is wrong."""

    @abstractmethod
    def send(self, notification: Notification, config: ConfigT) -> DeliveryResult:
        """Deliver one notification; report failure in the result instead of raising."""

    def close(self) -> None:
        """Release pooled connections; called once when the app stops."""


@dataclass(frozen=True)
class ConfigValues:
    """The checked values of a config, with typed accessors for building a channel's config dataclass."""

    values: Mapping[str, ConfigValue]

    def text(self, name: str) -> str:
        value = self.optional_text(name)
        if value is None:
            raise KeyError(f"{name} is neither required nor defaulted; use optional_text")
        return value

    def optional_text(self, name: str) -> str | None:
        value = self.values.get(name)
        return value if isinstance(value, str) else None

    def integer(self, name: str) -> int:
        value = self.values.get(name)
        if not isinstance(value, int) or isinstance(value, bool):
            raise KeyError(f"{name} is not an integer field with a value")
        return value

    def flag(self, name: str) -> bool:
        return self.values.get(name) is True


def parse_config(kind: str, fields: tuple[ConfigField, ...], raw: Mapping[str, object]) -> ConfigValues:
    """Check ``raw`` against ``fields``: unknown names, missing required values and wrong types are refused.

    Strings from forms and environment variables are accepted for integers (``"587"``) and booleans
    (``"true"``/``"false"``). Defaults fill absent optional fields.
    """
    known = {spec.name: spec for spec in fields}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise InvalidInput(
            f"{kind} channel: unknown setting {', '.join(map(repr, unknown))}; "
            f"known settings: {', '.join(known) or 'none'}",
            code="invalid_channel_config",
            field=unknown[0],
        )
    values: dict[str, ConfigValue] = {}
    for spec in fields:
        given = raw.get(spec.name)
        if given is None or given == "":
            if spec.required:
                raise _field_error(kind, spec, f"is required: {spec.help}")
            if spec.default is not None:
                values[spec.name] = spec.default
            continue
        values[spec.name] = _check_value(kind, spec, given)
    return ConfigValues(values)


def redact_config(fields: tuple[ConfigField, ...], raw: Mapping[str, object]) -> dict[str, object]:
    """A copy of ``raw`` safe to show: every secret field that has a value becomes ``REDACTED``."""
    secret = {spec.name for spec in fields if spec.secret}
    return {name: REDACTED if name in secret and value else value for name, value in raw.items()}


def _field_error(kind: str, spec: ConfigField, problem: str) -> InvalidInput:
    return InvalidInput(
        f"{kind} channel: {spec.name} {problem}", code="invalid_channel_config", field=spec.name
    )


def _check_value(kind: str, spec: ConfigField, given: object) -> ConfigValue:
    if spec.type is FieldType.INTEGER:
        return _check_integer(kind, spec, given)
    if spec.type is FieldType.BOOLEAN:
        if isinstance(given, bool):
            return given
        if isinstance(given, str) and given.strip().lower() in {"true", "false"}:
            return given.strip().lower() == "true"
        raise _field_error(kind, spec, f"must be true or false, not {given!r}")
    if not isinstance(given, str):
        raise _field_error(kind, spec, f"must be text, not {type(given).__name__}")
    if len(given) > _MAX_TEXT:
        raise _field_error(kind, spec, f"is {len(given)} characters; the limit is {_MAX_TEXT}")
    shown = REDACTED if spec.secret else repr(given)
    if spec.type is FieldType.URL:
        parts = urlsplit(given)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise _field_error(kind, spec, f"must be an http(s) URL with a host, not {shown}")
    elif spec.type is FieldType.EMAIL and not _EMAIL.fullmatch(given):
        raise _field_error(kind, spec, f"must be an e-mail address like ops@example.org, not {shown}")
    elif spec.type is FieldType.CHOICE and given not in spec.choices:
        raise _field_error(kind, spec, f"must be one of {', '.join(spec.choices)}, not {shown}")
    return given


def _check_integer(kind: str, spec: ConfigField, given: object) -> int:
    if isinstance(given, int) and not isinstance(given, bool):
        value = given
    elif isinstance(given, str) and given.strip().isdigit():
        value = int(given.strip())
    else:
        raise _field_error(kind, spec, f"must be a whole number, not {given!r}")
    if spec.minimum is not None and value < spec.minimum:
        raise _field_error(kind, spec, f"must be at least {spec.minimum}, not {value}")
    if spec.maximum is not None and value > spec.maximum:
        raise _field_error(kind, spec, f"must be at most {spec.maximum}, not {value}")
    return value
