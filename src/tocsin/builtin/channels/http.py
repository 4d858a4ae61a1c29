"""Outbound HTTP for the built-in channels: one pooled httpx client per channel, and how to read answers.

Every HTTP channel takes an optional ``transport`` (``httpx.MockTransport`` or an ASGI/WSGI transport in
tests; the real network otherwise). Redirects are never followed: a webhook URL that redirects is a
configuration to fix, and following it could carry a signed body somewhere nobody chose.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx

import tocsin
from tocsin.domain.notification import DeliveryResult

__all__ = [
    "RETRYABLE_STATUSES",
    "make_client",
    "post",
    "post_bytes",
    "reason_from_body",
    "result_for_status",
    "retry_after",
]

USER_AGENT = f"tocsin/{tocsin.__version__}"
# 408 timeout, 425 too early, 429 rate limited, and every 5xx but 501 (which will not change by waiting).
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504, 507, 509})
_MAX_REASON_BODY = 300


def make_client(transport: httpx.BaseTransport | None) -> httpx.Client:
    """A client that never follows redirects and names itself; timeouts are given per request."""
    return httpx.Client(transport=transport, follow_redirects=False, headers={"User-Agent": USER_AGENT})


def post(
    client: httpx.Client, url: str, payload: object, *, timeout: float, headers: dict[str, str] | None = None
) -> httpx.Response | DeliveryResult:
    """POST ``payload`` as JSON; a network failure comes back as a retryable failed result."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return post_bytes(client, url, body, timeout=timeout, headers=headers)


def post_bytes(
    client: httpx.Client, url: str, body: bytes, *, timeout: float, headers: dict[str, str] | None = None
) -> httpx.Response | DeliveryResult:
    """POST an already-encoded JSON body (signed bodies must be sent byte for byte as signed)."""
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    try:
        return client.post(url, content=body, headers=all_headers, timeout=timeout)
    except httpx.TimeoutException:
        return DeliveryResult.failed(f"no answer from {_host(url)} within {timeout:g} s", retryable=True)
    except httpx.HTTPError as error:
        return DeliveryResult.failed(f"could not reach {_host(url)}: {error}", retryable=True)


def retry_after(response: httpx.Response, now: datetime) -> timedelta | None:
    """The receiver's ``Retry-After`` (seconds or an HTTP date), if it sent one that makes sense."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(when - now, timedelta(0))


def reason_from_body(response: httpx.Response) -> str:
    """The start of the receiver's answer, on one line, for the timeline."""
    text = " ".join(response.text.split())
    return text if len(text) <= _MAX_REASON_BODY else text[:_MAX_REASON_BODY] + "…"


def result_for_status(response: httpx.Response, what: str, now: datetime) -> DeliveryResult:
    """The generic reading of an answer: 2xx sent, retryable statuses retried, the rest refused."""
    if response.is_success:
        return DeliveryResult.sent()
    body = reason_from_body(response)
    reason = f"{what} answered {response.status_code}" + (f": {body}" if body else "")
    if response.is_redirect:
        reason += " (redirects are not followed; configure the final URL)"
    return DeliveryResult.failed(
        reason,
        retryable=response.status_code in RETRYABLE_STATUSES,
        retry_after=retry_after(response, now),
    )


def _host(url: str) -> str:
    return httpx.URL(url).host or url
