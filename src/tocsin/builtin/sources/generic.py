"""tocsin's own JSON webhook, for senders that speak none of the other formats.

The schema is documented for users in ``docs/integrations/generic-webhook.md``; keep the two in step.
A body is one alert object, or ``{"alerts": [...]}`` with up to :data:`MAX_GENERIC_ALERTS` of them.
Unknown fields are refused, so a misspelt ``dedup_key`` is reported instead of silently ignored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl

from tocsin.builtin.sources._common import (
    DEFAULT_MAX_BODY_BYTES,
    RequiredText,
    Timestamp,
    load_json_object,
    validate_model,
)
from tocsin.domain.alert import (
    MAX_DEDUP_KEY_LENGTH,
    MAX_DESCRIPTION_LENGTH,
    MAX_TITLE_LENGTH,
    Alert,
    AlertBatch,
    AlertLink,
    AlertSourceKind,
    AlertStatus,
    ClientInfo,
    EventAction,
)
from tocsin.plugins.sources import check_body_size

__all__ = ["MAX_GENERIC_ALERTS", "MAX_LABELS", "GenericWebhookSource"]

_SOURCE = "generic webhook"
MAX_GENERIC_ALERTS = 1000
MAX_LABELS = 64
_MAX_LABEL_NAME = 128
_MAX_LABEL_VALUE = 1024


def _bounded_map(values: dict[str, str]) -> dict[str, str]:
    if len(values) > MAX_LABELS:
        raise ValueError(f"has {len(values)} entries; at most {MAX_LABELS} are allowed")
    for name, value in values.items():
        if not name or len(name) > _MAX_LABEL_NAME:
            raise ValueError(f"name {name[:40]!r} must be 1 to {_MAX_LABEL_NAME} characters")
        if len(value) > _MAX_LABEL_VALUE:
            raise ValueError(f"value of {name!r} is over {_MAX_LABEL_VALUE} characters")
    return values


_Labels = Annotated[dict[str, str], AfterValidator(_bounded_map)]
_Url = Annotated[HttpUrl, AfterValidator(str)]


class _Link(BaseModel):
    model_config = ConfigDict(extra="forbid")
    href: _Url
    text: str = Field(default="", max_length=256)


class _GenericAlert(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[RequiredText, Field(max_length=MAX_TITLE_LENGTH)]
    status: AlertStatus = AlertStatus.FIRING
    dedup_key: str | None = Field(default=None, min_length=1, max_length=MAX_DEDUP_KEY_LENGTH)
    severity: str = Field(default="", max_length=64)
    summary: str = Field(default="", max_length=MAX_TITLE_LENGTH)
    description: str = Field(default="", max_length=MAX_DESCRIPTION_LENGTH)
    labels: _Labels = Field(default_factory=dict)
    annotations: _Labels = Field(default_factory=dict)
    links: list[_Link] = Field(default_factory=list, max_length=20)
    group_key: str = Field(default="", max_length=MAX_DEDUP_KEY_LENGTH)
    starts_at: Timestamp = None
    ends_at: Timestamp = None
    source: str = Field(default="", max_length=256)
    source_url: _Url | None = None


class _GenericBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    alerts: list[_GenericAlert] = Field(min_length=1, max_length=MAX_GENERIC_ALERTS)


def derived_dedup_key(title: str, labels: Mapping[str, str]) -> str:
    """The key of an alert sent without one: the same title and labels are the same alert."""
    identity = json.dumps([title, sorted(labels.items())], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]


def _to_alert(sent: _GenericAlert) -> Alert:
    dedup_key = sent.dedup_key or derived_dedup_key(sent.title, sent.labels)
    return Alert(
        source=AlertSourceKind.GENERIC,
        dedup_key=dedup_key,
        status=sent.status,
        action=EventAction.for_status(sent.status),
        title=sent.title,
        summary=sent.summary,
        description=sent.description,
        severity_text=sent.severity,
        labels=sent.labels,
        annotations=sent.annotations,
        links=tuple(AlertLink(str(link.href), link.text) for link in sent.links),
        starts_at=sent.starts_at,
        ends_at=sent.ends_at if sent.status is AlertStatus.RESOLVED else None,
        group_key=sent.group_key,
        source_url=str(sent.source_url or ""),
        client=ClientInfo(sent.source, ""),
    )


class GenericWebhookSource:
    """Parses the generic JSON webhook: one alert object, or ``{"alerts": [...]}``."""

    name = "generic"
    kind = AlertSourceKind.GENERIC

    def __init__(self, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.max_body_bytes = max_body_bytes

    def parse(self, body: bytes, headers: Mapping[str, str]) -> AlertBatch:
        """Validate the body against the documented schema and normalise its alerts."""
        alerts = self._validated(body)
        normalised = tuple(_to_alert(alert) for alert in alerts)
        firing = any(alert.is_firing for alert in normalised)
        return AlertBatch(
            source=self.kind,
            alerts=normalised,
            status=AlertStatus.FIRING if firing else AlertStatus.RESOLVED,
        )

    def _validated(self, body: bytes) -> list[_GenericAlert]:
        check_body_size(body, self.max_body_bytes, _SOURCE)
        document = load_json_object(body, _SOURCE)
        # The top level chooses the schema, so that errors name the fields the sender meant.
        if "alerts" in document:
            return validate_model(_GenericBatch, document, source=_SOURCE).alerts
        return [validate_model(_GenericAlert, document, source=_SOURCE)]
