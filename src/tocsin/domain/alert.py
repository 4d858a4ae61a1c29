"""The one normalised alert, whatever sent it, and the label matchers that select alerts.

Every alert source (Alertmanager, PagerDuty Events v2, Grafana, the generic webhook) turns its wire format
into :class:`Alert` objects inside an :class:`AlertBatch`; everything downstream (dedup, grouping, severity,
scenario matching, auto-resolve) reads only these. Text fields are clipped to documented limits here so no
source can hand the store an unbounded title.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType

from tocsin.errors import InvalidInput

__all__ = [
    "MAX_DEDUP_KEY_LENGTH",
    "MAX_DESCRIPTION_LENGTH",
    "MAX_TITLE_LENGTH",
    "Alert",
    "AlertBatch",
    "AlertLink",
    "AlertSourceKind",
    "AlertStatus",
    "ChangeEvent",
    "ClientInfo",
    "EventAction",
    "LabelMatcher",
    "MatchOp",
    "clip_text",
    "matches_all",
    "parse_matcher",
    "parse_matchers",
]

MAX_TITLE_LENGTH = 1024  # PagerDuty's summary limit; Alertmanager cuts its PD summary to the same
MAX_DEDUP_KEY_LENGTH = 255  # PagerDuty's dedup_key limit
MAX_DESCRIPTION_LENGTH = 16 * 1024


class AlertSourceKind(StrEnum):
    ALERTMANAGER = "alertmanager"
    PAGERDUTY = "pagerduty"
    GRAFANA = "grafana"
    GENERIC = "generic"


class AlertStatus(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


class EventAction(StrEnum):
    """What the sender asks for. Only PagerDuty senders can acknowledge; other sources trigger or resolve."""

    TRIGGER = "trigger"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"

    @classmethod
    def for_status(cls, status: AlertStatus) -> EventAction:
        return cls.RESOLVE if status is AlertStatus.RESOLVED else cls.TRIGGER


def clip_text(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in an ellipsis when cut (a long title must not be lost)."""
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


def _frozen(mapping: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping))


def _aware_utc(value: datetime | None, name: str) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"{name} must be an aware datetime")
    return value.astimezone(UTC)


@dataclass(frozen=True)
class AlertLink:
    href: str
    text: str = ""


@dataclass(frozen=True)
class ClientInfo:
    """The tool that sent the alert (PagerDuty ``client``/``client_url``, Alertmanager ``externalURL``)."""

    name: str = ""
    url: str = ""


@dataclass(frozen=True)
class Alert:
    """One alert from one source, normalised.

    ``dedup_key`` identifies the alert across messages within one integration: Alertmanager's and
    Grafana's ``fingerprint``, PagerDuty's ``dedup_key``, the generic webhook's ``dedup_key``.
    ``group_key`` is the sender's own grouping (Alertmanager ``groupKey``, PagerDuty ``dedup_key``); the
    grouping rules may replace it. ``severity_text`` is the sender's severity word, uninterpreted.
    """

    source: AlertSourceKind
    dedup_key: str
    status: AlertStatus
    action: EventAction
    title: str
    summary: str = ""
    description: str = ""
    severity_text: str = ""
    labels: Mapping[str, str] = field(default_factory=dict, hash=False)
    annotations: Mapping[str, str] = field(default_factory=dict, hash=False)
    details: Mapping[str, str] = field(default_factory=dict, hash=False)
    links: tuple[AlertLink, ...] = ()
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    group_key: str = ""
    source_url: str = ""
    client: ClientInfo = ClientInfo()

    def __post_init__(self) -> None:
        if not self.dedup_key:
            raise InvalidInput("an alert needs a dedup key (fingerprint)", code="alert_without_key")
        if len(self.dedup_key) > MAX_DEDUP_KEY_LENGTH:
            raise InvalidInput(
                f"dedup key is {len(self.dedup_key)} characters; at most {MAX_DEDUP_KEY_LENGTH} are allowed",
                code="dedup_key_too_long",
            )
        title = clip_text(self.title.strip(), MAX_TITLE_LENGTH) or self.dedup_key
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "summary", clip_text(self.summary, MAX_TITLE_LENGTH))
        object.__setattr__(self, "description", clip_text(self.description, MAX_DESCRIPTION_LENGTH))
        for name in ("labels", "annotations", "details"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        object.__setattr__(self, "starts_at", _aware_utc(self.starts_at, "starts_at"))
        object.__setattr__(self, "ends_at", _aware_utc(self.ends_at, "ends_at"))

    @property
    def name(self) -> str:
        """The alert's rule name: the ``alertname`` label when there is one, else the title."""
        return self.labels.get("alertname") or self.title

    @property
    def is_firing(self) -> bool:
        return self.status is AlertStatus.FIRING


@dataclass(frozen=True)
class AlertBatch:
    """Everything one webhook request carried: its alerts plus facts about the message as a whole.

    ``truncated_alerts`` counts alerts the sender dropped (Alertmanager ``max_alerts``): when it is not
    zero the batch is incomplete, and the group must not be auto-resolved from what was seen.
    ``integration_key`` is the credential carried in the body (PagerDuty ``routing_key``); it is kept out
    of ``repr`` so it never lands in a log line.
    """

    source: AlertSourceKind
    alerts: tuple[Alert, ...]
    status: AlertStatus | None = None
    group_key: str = ""
    receiver: str = ""
    truncated_alerts: int = 0
    title: str = ""
    external_url: str = ""
    group_labels: Mapping[str, str] = field(default_factory=dict, hash=False)
    common_labels: Mapping[str, str] = field(default_factory=dict, hash=False)
    integration_key: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.truncated_alerts < 0:
            raise InvalidInput("truncatedAlerts cannot be negative", code="invalid_batch")
        object.__setattr__(self, "group_labels", _frozen(self.group_labels))
        object.__setattr__(self, "common_labels", _frozen(self.common_labels))

    @property
    def is_complete(self) -> bool:
        """False when the sender left alerts out of this message; never auto-resolve what was not seen."""
        return self.truncated_alerts == 0


@dataclass(frozen=True)
class ChangeEvent:
    """A PagerDuty change event (a deploy, a config change): context for responders, never a page."""

    summary: str
    source: str = ""
    timestamp: datetime | None = None
    details: Mapping[str, str] = field(default_factory=dict, hash=False)
    links: tuple[AlertLink, ...] = ()
    integration_key: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "summary", clip_text(self.summary, MAX_TITLE_LENGTH))
        object.__setattr__(self, "details", _frozen(self.details))
        object.__setattr__(self, "timestamp", _aware_utc(self.timestamp, "timestamp"))


# --- label matchers -------------------------------------------------------------------------------------


class MatchOp(StrEnum):
    EQUAL = "="
    NOT_EQUAL = "!="
    REGEX = "=~"
    NOT_REGEX = "!~"


@dataclass(frozen=True)
class LabelMatcher:
    """An Alertmanager-style matcher: ``severity="critical"``, ``service=~"api|web"``, ``env!="dev"``.

    As in Prometheus, a label that is absent reads as the empty string, and regexes are fully anchored.
    """

    name: str
    op: MatchOp
    value: str
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not self.name:
            raise InvalidInput("a label matcher needs a label name", code="invalid_matcher")
        pattern: re.Pattern[str] | None = None
        if self.op in (MatchOp.REGEX, MatchOp.NOT_REGEX):
            try:
                pattern = re.compile(self.value)
            except re.error as exc:
                raise InvalidInput(
                    f"matcher {self.name}{self.op.value}{self.value!r}: invalid regular expression: {exc}",
                    code="invalid_matcher",
                ) from exc
        object.__setattr__(self, "_pattern", pattern)

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.name, "")
        if self.op is MatchOp.EQUAL:
            return actual == self.value
        if self.op is MatchOp.NOT_EQUAL:
            return actual != self.value
        assert self._pattern is not None
        found = self._pattern.fullmatch(actual) is not None
        return found if self.op is MatchOp.REGEX else not found

    def __str__(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{self.name}{self.op.value}"{escaped}"'


def matches_all(matchers: Iterable[LabelMatcher], labels: Mapping[str, str]) -> bool:
    """True when every matcher matches ``labels`` (an empty list matches everything)."""
    return all(matcher.matches(labels) for matcher in matchers)


_MATCHER = re.compile(
    r"""^\s*(?P<name>[^\s=!~"',{}]+)\s*(?P<op>=~|!~|!=|=)\s*(?P<value>.*?)\s*$""", re.DOTALL
)


def _unquote(raw: str, source: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        inner = raw[1:-1]
        if raw[0] == '"':
            return re.sub(r"\\(.)", r"\1", inner)
        return inner
    if raw[:1] in "\"'" or raw[-1:] in "\"'":
        raise InvalidInput(f"matcher {source!r} has an unbalanced quote", code="invalid_matcher")
    return raw


def parse_matcher(text: str) -> LabelMatcher:
    """Parse one matcher written as in Alertmanager: ``name=value``, ``name!~"re|gex"``, quotes optional."""
    found = _MATCHER.match(text)
    if found is None:
        raise InvalidInput(
            f"cannot read matcher {text!r}: write it as name=value, name!=value, name=~regex or name!~regex",
            code="invalid_matcher",
        )
    value = _unquote(found["value"], text)
    return LabelMatcher(found["name"], MatchOp(found["op"]), value)


def _split_outside_quotes(text: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quote = ""
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\" and quote == '"':
            escaped = True
        elif quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == ",":
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def parse_matchers(text: str) -> tuple[LabelMatcher, ...]:
    """Parse a comma-separated matcher list, optionally in braces: ``{severity="critical", team=~"db|api"}``."""
    body = text.strip()
    if body.startswith("{") and body.endswith("}"):
        body = body[1:-1]
    return tuple(parse_matcher(part) for part in _split_outside_quotes(body) if part.strip())
