"""PagerDuty Events API v2, so anything that can page PagerDuty can page tocsin (PROTOCOLS.md section 2).

``POST /v2/enqueue`` carries alert events: ``trigger``, ``acknowledge`` and ``resolve`` of one alert by its
``dedup_key`` (a trigger without one gets a fresh key, echoed in the 202 answer). ``POST
/v2/change/enqueue`` carries change events. The integration key is the body's ``routing_key``. Errors are
reported as PagerDuty does, as a list of strings in ``errors``; :func:`pagerduty_rejected` builds that
400 body and :func:`pagerduty_accepted` the 202 one.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from tocsin.builtin.sources._common import (
    RequiredText,
    TimestampAssumingUtc,
    describe_errors,
    load_model,
    text_map,
)
from tocsin.domain.alert import (
    MAX_DEDUP_KEY_LENGTH,
    Alert,
    AlertBatch,
    AlertLink,
    AlertSourceKind,
    AlertStatus,
    ChangeEvent,
    ClientInfo,
    EventAction,
)
from tocsin.errors import InvalidInput, TocsinError

__all__ = [
    "PAGERDUTY_MAX_BODY_BYTES",
    "PagerDutySource",
    "pagerduty_accepted",
    "pagerduty_change_accepted",
    "pagerduty_rejected",
]

PAGERDUTY_MAX_BODY_BYTES = 512 * 1024  # PagerDuty's documented payload limit


def _lowercase(value: object) -> object:
    # PagerDuty wants lower case; accepting "Critical" costs nothing and keeps a sloppy sender paging.
    return value.strip().lower() if isinstance(value, str) else value


def _blank_as_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


_Text = str | None


class _Link(BaseModel):
    model_config = ConfigDict(extra="ignore")
    href: RequiredText
    text: _Text = ""


class _Image(BaseModel):
    model_config = ConfigDict(extra="ignore")
    src: RequiredText
    href: _Text = ""
    alt: _Text = ""


class _TriggerPayload(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    summary: RequiredText
    source: RequiredText
    severity: Annotated[Literal["critical", "error", "warning", "info"], BeforeValidator(_lowercase)]
    timestamp: TimestampAssumingUtc = None
    component: _Text = ""
    group: _Text = ""
    event_class: _Text = Field(default="", alias="class")
    custom_details: Any = None


class _AlertEvent(BaseModel):
    """The envelope of an alert event; the payload is checked separately, and only on trigger."""

    model_config = ConfigDict(extra="ignore")

    routing_key: RequiredText
    event_action: Annotated[EventAction, BeforeValidator(_lowercase)]
    dedup_key: Annotated[str | None, BeforeValidator(_blank_as_none)] = Field(
        default=None, max_length=MAX_DEDUP_KEY_LENGTH
    )
    payload: dict[str, Any] | None = None
    images: list[_Image] | None = None
    links: list[_Link] | None = None
    client: _Text = ""
    client_url: _Text = ""

    @model_validator(mode="after")
    def _needs_what_the_action_needs(self) -> _AlertEvent:
        if self.event_action is EventAction.TRIGGER and self.payload is None:
            raise ValueError("'payload' is missing or blank: a trigger event needs a payload")
        if self.event_action is not EventAction.TRIGGER and self.dedup_key is None:
            raise ValueError(
                f"'dedup_key' is missing or blank: {self.event_action} needs the alert's dedup_key"
            )
        return self


class _ChangePayload(BaseModel):
    model_config = ConfigDict(extra="ignore")

    summary: RequiredText
    source: _Text = ""
    timestamp: TimestampAssumingUtc = None
    custom_details: Any = None


class _ChangeEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    routing_key: RequiredText
    payload: _ChangePayload
    links: list[_Link] | None = None


def _details(custom_details: Any) -> dict[str, str]:
    if custom_details is None:
        return {}
    if isinstance(custom_details, dict):
        return text_map(custom_details)
    return text_map({"details": custom_details})


def _links(links: list[_Link] | None, images: list[_Image] | None = None) -> tuple[AlertLink, ...]:
    result = [AlertLink(link.href, link.text or "") for link in links or ()]
    result += [AlertLink(image.href or image.src, image.alt or "Image") for image in images or ()]
    return tuple(result)


def _trigger_payload(payload: dict[str, Any]) -> _TriggerPayload:
    try:
        return _TriggerPayload.model_validate(payload)
    except ValidationError as exc:
        errors = describe_errors(exc, prefix="payload")
        raise InvalidInput(f"PagerDuty event is invalid: {'; '.join(errors)}", errors=errors) from None


def _labels(payload: _TriggerPayload) -> dict[str, str]:
    fields = {
        "source": payload.source,
        "component": payload.component,
        "group": payload.group,
        "class": payload.event_class,
        "severity": payload.severity,
    }
    return {name: value for name, value in fields.items() if value}


def _to_alert(event: _AlertEvent) -> Alert:
    dedup_key = event.dedup_key or uuid.uuid4().hex
    action = event.event_action
    # Only a trigger's payload is read (PagerDuty ignores it on acknowledge and resolve), so a resolve
    # from Alertmanager, which still carries a payload, is never refused for it.
    payload = _trigger_payload(event.payload or {}) if action is EventAction.TRIGGER else None
    return Alert(
        source=AlertSourceKind.PAGERDUTY,
        dedup_key=dedup_key,
        status=AlertStatus.RESOLVED if action is EventAction.RESOLVE else AlertStatus.FIRING,
        action=action,
        title=payload.summary if payload else dedup_key,
        summary=payload.summary if payload else "",
        severity_text=payload.severity if payload else "",
        labels=_labels(payload) if payload else {},
        details=_details(payload.custom_details) if payload else {},
        links=_links(event.links, event.images),
        starts_at=payload.timestamp if payload else None,
        group_key=dedup_key,
        source_url=event.client_url or "",
        client=ClientInfo(event.client or "", event.client_url or ""),
    )


class PagerDutySource:
    """Parses Events API v2 alert events (:meth:`parse`) and change events (:meth:`parse_change`)."""

    name = "pagerduty"
    kind = AlertSourceKind.PAGERDUTY

    def __init__(self, max_body_bytes: int = PAGERDUTY_MAX_BODY_BYTES) -> None:
        self.max_body_bytes = max_body_bytes

    def parse(self, body: bytes, headers: Mapping[str, str]) -> AlertBatch:
        """One alert event as a one-alert batch; ``integration_key`` is the event's ``routing_key``."""
        event = load_model(_AlertEvent, body, limit=self.max_body_bytes, source="PagerDuty event")
        alert = _to_alert(event)
        return AlertBatch(
            source=self.kind,
            alerts=(alert,),
            status=alert.status,
            group_key=alert.group_key,
            integration_key=event.routing_key,
        )

    def parse_change(self, body: bytes, headers: Mapping[str, str]) -> ChangeEvent:
        """One change event (a deploy, a config change); context for responders, never a page."""
        event = load_model(_ChangeEvent, body, limit=self.max_body_bytes, source="PagerDuty change event")
        return ChangeEvent(
            summary=event.payload.summary,
            source=event.payload.source or "",
            timestamp=event.payload.timestamp,
            details=_details(event.payload.custom_details),
            links=_links(event.links),
            integration_key=event.routing_key,
        )


def pagerduty_accepted(dedup_key: str) -> dict[str, str]:
    """The 202 body PagerDuty answers; clients (pdpyras, python-pagerduty) require the ``dedup_key``."""
    return {"status": "success", "message": "Event processed", "dedup_key": dedup_key}


def pagerduty_change_accepted(change_id: str | None = None) -> dict[str, str]:
    """The 202 body for a change event; pdpyras returns its optional ``id`` to the caller."""
    body = {"status": "success", "message": "Change event processed"}
    if change_id is not None:
        body["id"] = change_id
    return body


def pagerduty_rejected(error: TocsinError) -> dict[str, object]:
    """The 400 (or 413) body PagerDuty answers for a bad event: ``errors`` lists every problem."""
    errors = error.details.get("errors")
    listed = [str(item) for item in errors] if isinstance(errors, list) and errors else [error.message]
    return {"status": "invalid event", "message": "Event object is invalid", "errors": listed}
