"""The alert-source contract: turn one webhook body into an :class:`~tocsin.domain.alert.AlertBatch`.

An alert source knows one wire format. The web layer finds the integration (its key is in the URL, or is
the PagerDuty ``routing_key``), refuses bodies over :attr:`AlertSource.max_body_bytes` before reading
them whole, and hands the raw bytes and headers to :meth:`AlertSource.parse`. Parsing is pure: no I/O,
no store, no clock unless the source was built with one (signature timestamps).

``parse`` raises only tocsin errors, each with a message that says what was wrong:

- :class:`~tocsin.errors.PayloadTooLarge` when the body is over the limit;
- :class:`~tocsin.errors.InvalidInput` when it is not the documented format (``details["errors"]`` lists
  every problem found, for senders such as PagerDuty clients that show them);
- :class:`~tocsin.errors.Unauthenticated` when a source that checks signatures finds a wrong one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from tocsin.domain.alert import AlertBatch, AlertSourceKind
from tocsin.errors import PayloadTooLarge

__all__ = ["AlertSource", "check_body_size", "header_value"]


@runtime_checkable
class AlertSource(Protocol):
    """One alert wire format (Alertmanager, PagerDuty Events v2, Grafana, generic JSON, or a plugin's)."""

    @property
    def name(self) -> str:
        """A short stable name used in URLs, settings and logs, e.g. ``"alertmanager"``."""
        ...

    @property
    def kind(self) -> AlertSourceKind:
        """Which family of sender this is; stored with every alert."""
        ...

    @property
    def max_body_bytes(self) -> int:
        """The largest body this source accepts; the web layer answers 413 above it without reading on."""
        ...

    def parse(self, body: bytes, headers: Mapping[str, str]) -> AlertBatch:
        """Validate and normalise one request body; raise a tocsin error with the reason if it is bad."""
        ...


def check_body_size(body: bytes, limit: int, source: str) -> None:
    """Raise :class:`PayloadTooLarge` when ``body`` is over ``limit`` bytes."""
    if len(body) > limit:
        raise PayloadTooLarge(
            f"{source} body is {len(body)} bytes; the limit is {limit} bytes",
            limit=limit,
            size=len(body),
        )


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """The value of header ``name``, matched case-insensitively whatever mapping the caller passes."""
    if name in headers:
        return headers[name]
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None
