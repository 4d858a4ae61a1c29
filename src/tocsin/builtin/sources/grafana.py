"""Grafana unified alerting's webhook contact point, version "1" (PROTOCOLS.md section 4).

The body is Alertmanager's shape plus Grafana's fields (``orgId``, ``state``, ``title``, ``message``,
per-alert ``silenceURL``/``dashboardURL``/``panelURL``/``imageURL`` and ``values``). When the contact
point has an HMAC secret, Grafana puts the lowercase hex HMAC-SHA256 of the body in a header; with a
timestamp header configured it signs ``timestamp + ":" + body`` and sends Unix seconds in that header.
A source built with :class:`GrafanaSigning` refuses unsigned, mis-signed and stale requests.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import ConfigDict, Field, field_validator

from tocsin.builtin.sources._common import DEFAULT_MAX_BODY_BYTES, load_model
from tocsin.builtin.sources.alertmanager import (
    AlertmanagerAlert,
    AlertmanagerMessage,
    message_batch,
    to_alert,
)
from tocsin.clock import Clock
from tocsin.domain.alert import AlertBatch, AlertLink, AlertSourceKind, ClientInfo
from tocsin.errors import Unauthenticated
from tocsin.plugins.sources import check_body_size, header_value

__all__ = ["DEFAULT_SIGNATURE_HEADERS", "GrafanaSigning", "GrafanaSource", "grafana_signature"]

# Grafana's settings form suggests the first name; its signing code falls back to the second when the
# header is left empty. Accept either unless the operator names one.
DEFAULT_SIGNATURE_HEADERS = ("X-Grafana-Alerting-Signature", "X-Grafana-Alert-Signature")


class _GrafanaAlert(AlertmanagerAlert):
    model_config = ConfigDict(extra="ignore")

    silence_url: str | None = Field(default="", alias="silenceURL")
    dashboard_url: str | None = Field(default="", alias="dashboardURL")
    panel_url: str | None = Field(default="", alias="panelURL")
    image_url: str | None = Field(default="", alias="imageURL")
    values: dict[str, int | float | None] | None = None
    value_string: str | None = Field(default="", alias="valueString")


class _GrafanaMessage(AlertmanagerMessage):
    model_config = ConfigDict(extra="ignore")

    alerts: list[_GrafanaAlert]  # type: ignore[assignment]  # a subclass of the parent's item type
    title: str | None = ""
    state: str | None = ""
    message: str | None = ""
    org_id: int | None = Field(default=None, alias="orgId")

    @field_validator("version")
    @classmethod
    def _check_version(cls, version: str) -> str:
        # Replaces the parent's check (same name): Grafana's own webhook format is version "1".
        if version != "1":
            hint = (
                " (Alertmanager sends version 4: use an Alertmanager integration)" if version == "4" else ""
            )
            raise ValueError(f"this receiver takes Grafana webhook version 1, not {version!r}{hint}")
        return version


@dataclass(frozen=True)
class GrafanaSigning:
    """The contact point's ``hmacConfig``: the secret, the header names, and how old a timestamp may be."""

    secret: bytes
    signature_headers: tuple[str, ...] = DEFAULT_SIGNATURE_HEADERS
    timestamp_header: str | None = None
    max_age: timedelta = timedelta(minutes=5)

    def __post_init__(self) -> None:
        if not self.secret:
            raise ValueError("a Grafana HMAC secret cannot be empty")


def grafana_signature(secret: bytes, body: bytes, timestamp: str | None = None) -> str:
    """The signature Grafana sends: hex HMAC-SHA256 of the body, or of ``timestamp:body``."""
    signed = body if timestamp is None else timestamp.encode("ascii") + b":" + body
    return hmac.new(secret, signed, hashlib.sha256).hexdigest()


def _grafana_links(alert: _GrafanaAlert) -> tuple[AlertLink, ...]:
    named = (
        (alert.dashboard_url, "Dashboard"),
        (alert.panel_url, "Panel"),
        (alert.silence_url, "Silence"),
        (alert.image_url, "Image"),
    )
    return tuple(AlertLink(url, text) for url, text in named if url)


def _grafana_details(alert: _GrafanaAlert) -> dict[str, str]:
    details = {f"value.{ref}": repr(value) for ref, value in (alert.values or {}).items()}
    if alert.value_string:
        details["valueString"] = alert.value_string
    return details


class GrafanaSource:
    """Parses Grafana webhook deliveries; checks their HMAC signature when built with ``signing``."""

    name = "grafana"
    kind = AlertSourceKind.GRAFANA

    def __init__(
        self,
        signing: GrafanaSigning | None = None,
        clock: Clock | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        if signing is not None and signing.timestamp_header and clock is None:
            raise ValueError("checking Grafana signature timestamps needs a clock")
        self.signing = signing
        self.clock = clock
        self.max_body_bytes = max_body_bytes

    def parse(self, body: bytes, headers: Mapping[str, str]) -> AlertBatch:
        """Verify the signature (if configured), validate the message and normalise its alerts."""
        check_body_size(body, self.max_body_bytes, "Grafana")
        if self.signing is not None:
            self._verify(body, headers, self.signing)
        message = load_model(_GrafanaMessage, body, limit=self.max_body_bytes, source="Grafana")
        client = ClientInfo("Grafana", message.external_url or "")
        alerts = tuple(
            to_alert(
                alert,
                kind=self.kind,
                group_key=message.group_key,
                client=client,
                links=_grafana_links(alert),
                details=_grafana_details(alert),
            )
            for alert in message.alerts
        )
        return message_batch(self.kind, message, alerts, title=message.title or "")

    def _verify(self, body: bytes, headers: Mapping[str, str], signing: GrafanaSigning) -> None:
        sent = next(
            (value for name in signing.signature_headers if (value := header_value(headers, name))), None
        )
        if not sent:
            raise Unauthenticated(
                f"the request is not signed: expected header {' or '.join(signing.signature_headers)}",
                code="signature_missing",
            )
        timestamp = self._checked_timestamp(headers, signing)
        expected = grafana_signature(signing.secret, body, timestamp)
        if not hmac.compare_digest(expected, sent.strip().lower()):
            raise Unauthenticated(
                "the signature does not match: check the contact point's HMAC secret",
                code="signature_mismatch",
            )

    def _checked_timestamp(self, headers: Mapping[str, str], signing: GrafanaSigning) -> str | None:
        if not signing.timestamp_header:
            return None
        assert self.clock is not None  # checked in __init__
        value = (header_value(headers, signing.timestamp_header) or "").strip()
        if not value.isascii() or not value.isdigit():
            raise Unauthenticated(
                f"header {signing.timestamp_header} must hold the signing time in Unix seconds",
                code="signature_timestamp_invalid",
            )
        try:
            signed_at = datetime.fromtimestamp(int(value), UTC)
        except (OverflowError, OSError, ValueError):
            signed_at = datetime.min.replace(tzinfo=UTC)  # far outside any window: refused below
        if abs(self.clock.now() - signed_at) > signing.max_age:
            raise Unauthenticated(
                f"the signature timestamp is more than {signing.max_age} away from now; "
                "check the sender's clock, or this is a replayed request",
                code="signature_expired",
            )
        return value
