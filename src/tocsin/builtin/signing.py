"""Request signing: Slack's request verification, Standard Webhooks, and acknowledge-link tokens.

Three HMAC-SHA256 schemes, each with a constant-time comparison and a time window from the caller's
clock (pass ``clock.now()``; nothing here reads the wall clock):

- **Slack** (PROTOCOLS.md §6.3) signs ``v0:{timestamp}:{raw body}``; requests whose timestamp is more
  than five minutes from now are refused as replays. Within the window Slack's scheme cannot tell a
  replay from the original; slash commands are cheap to repeat, so that is accepted.
- **Standard Webhooks** (§7) signs ``{webhook-id}.{webhook-timestamp}.{raw body}`` with the bytes of a
  ``whsec_`` base64 secret. We sign outbound deliveries; :func:`verify_webhook` is what a receiver does
  (and what our tests do).
- **Acknowledge links** carry a token naming the incident, the user, a nonce and an expiry, signed with
  the app's secret. The token itself cannot be single-use: the caller records the nonce when the link is
  used (a unique row in the store) and refuses a nonce it has seen, inside the same transaction as the
  acknowledgement.

Every failure raises :class:`~tocsin.errors.Unauthenticated` with a stable code, never a bare ``False``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tocsin.clock import utc
from tocsin.errors import InvalidInput, Unauthenticated

__all__ = [
    "SLACK_REPLAY_WINDOW",
    "WEBHOOK_TOLERANCE",
    "AckClaim",
    "generate_webhook_secret",
    "make_ack_token",
    "new_ack_nonce",
    "parse_webhook_secret",
    "read_ack_token",
    "sign_slack_request",
    "sign_webhook",
    "verify_slack_request",
    "verify_webhook",
    "webhook_headers",
]

SLACK_REPLAY_WINDOW = timedelta(minutes=5)
WEBHOOK_TOLERANCE = timedelta(minutes=5)
_WHSEC_PREFIX = "whsec_"
_ACK_VERSION = "v1"
_ACK_CONTEXT = b"tocsin-ack-link-v1."  # keeps an ack signature from being valid for anything else
_MIN_SECRET_BYTES = 16


# --- Slack ---------------------------------------------------------------------------------------


def sign_slack_request(signing_secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Slack-Signature`` Slack would send for ``body`` at ``timestamp`` (Unix seconds)."""
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def verify_slack_request(
    signing_secret: str, body: bytes, timestamp: str, signature: str, now: datetime
) -> None:
    """Check a Slack request's ``X-Slack-Request-Timestamp`` and ``X-Slack-Signature`` over the raw body.

    Raises Unauthenticated (``slack_stale_request`` or ``slack_bad_signature``) unless the timestamp is
    within five minutes of ``now`` and the signature matches.
    """
    if not timestamp.isdigit():
        raise Unauthenticated(
            "the Slack request timestamp is missing or malformed", code="slack_bad_signature"
        )
    _check_window(int(timestamp), now, SLACK_REPLAY_WINDOW, "slack_stale_request", "Slack request")
    expected = sign_slack_request(signing_secret, int(timestamp), body)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise Unauthenticated(
            "the Slack request signature does not match; check the app's signing secret",
            code="slack_bad_signature",
        )


def _check_window(timestamp: int, now: datetime, window: timedelta, code: str, what: str) -> None:
    age = utc(now).timestamp() - timestamp
    if abs(age) > window.total_seconds():
        raise Unauthenticated(
            f"the {what} timestamp is {int(abs(age))} s {'old' if age > 0 else 'in the future'}; "
            f"the limit is {int(window.total_seconds())} s (a replay, or a clock out of sync)",
            code=code,
        )


# --- Standard Webhooks ------------------------------------------------------------------------------


def generate_webhook_secret() -> str:
    """A new ``whsec_`` secret (32 random bytes) to show once to the person setting up a receiver."""
    return _WHSEC_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def parse_webhook_secret(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret: the base64-decoded bytes (24 to 64 of them, per the spec)."""
    if not secret.startswith(_WHSEC_PREFIX):
        raise InvalidInput("a webhook signing secret starts with whsec_", code="invalid_webhook_secret")
    try:
        key = base64.b64decode(secret.removeprefix(_WHSEC_PREFIX), validate=True)
    except binascii.Error:
        raise InvalidInput(
            "the webhook signing secret is not valid base64", code="invalid_webhook_secret"
        ) from None
    if not 24 <= len(key) <= 64:
        raise InvalidInput(
            f"the webhook signing secret decodes to {len(key)} bytes; use 24 to 64 (generate one with tocsin)",
            code="invalid_webhook_secret",
        )
    return key


def sign_webhook(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``v1,<base64>`` signature of one delivery attempt."""
    if "." in message_id:
        raise ValueError("a Standard Webhooks message id must not contain '.'")
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(parse_webhook_secret(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def webhook_headers(secret: str, message_id: str, now: datetime, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt; ``message_id`` stays the same across retries."""
    timestamp = int(utc(now).timestamp())
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign_webhook(secret, message_id, timestamp, body),
    }


def verify_webhook(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    tolerance: timedelta = WEBHOOK_TOLERANCE,
) -> None:
    """Verify a Standard Webhooks delivery as a receiver would; any ``v1`` signature in the list may match.

    Raises Unauthenticated (``webhook_bad_signature`` or ``webhook_stale_request``). Deduplicating on
    ``webhook-id`` is the receiver's job.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    message_id = lowered.get("webhook-id", "")
    timestamp = lowered.get("webhook-timestamp", "")
    signatures = lowered.get("webhook-signature", "")
    if not message_id or not timestamp.isdigit() or not signatures:
        raise Unauthenticated("missing or malformed webhook-* headers", code="webhook_bad_signature")
    _check_window(int(timestamp), now, tolerance, "webhook_stale_request", "webhook")
    expected = sign_webhook(secret, message_id, int(timestamp), body).encode()
    for candidate in signatures.split():
        if candidate.startswith("v1,") and hmac.compare_digest(expected, candidate.encode()):
            return
    raise Unauthenticated("no webhook signature matches the shared secret", code="webhook_bad_signature")


# --- acknowledge links ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AckClaim:
    """What a valid acknowledge token says: who may acknowledge which incident, until when."""

    incident_id: str
    user_id: str
    nonce: str
    expires_at: datetime


def new_ack_nonce() -> str:
    """A fresh nonce for :func:`make_ack_token`; store it when the link is used to make it single-use."""
    return secrets.token_urlsafe(16)


def make_ack_token(
    secret: str | bytes, incident_id: str, user_id: str, nonce: str, expires_at: datetime
) -> str:
    """A URL-safe token for an acknowledge link, HMAC-signed with the app's ``secret``.

    ``expires_at`` is kept to the second. Single use is the caller's duty: see the module docstring.
    """
    if not nonce:
        raise ValueError("an acknowledge token needs a nonce (see new_ack_nonce)")
    claims = {"i": incident_id, "u": user_id, "n": nonce, "e": int(utc(expires_at).timestamp())}
    payload = _b64url(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    return f"{_ACK_VERSION}.{payload}.{_ack_signature(secret, payload)}"


def read_ack_token(secret: str | bytes, token: str, now: datetime) -> AckClaim:
    """Check an acknowledge token's signature and expiry and return its claim.

    Raises Unauthenticated: ``ack_link_invalid`` for anything forged, altered or truncated (without
    saying which), ``ack_link_expired`` for a genuine link past its expiry.
    """
    version, _, rest = token.partition(".")
    payload, _, signature = rest.partition(".")
    expected = _ack_signature(secret, payload)
    if (
        version != _ACK_VERSION
        or not payload
        or not hmac.compare_digest(expected.encode(), signature.encode())
    ):
        raise Unauthenticated("this acknowledge link is not valid", code="ack_link_invalid")
    claim = _decode_claim(payload)
    if utc(now) >= claim.expires_at:
        raise Unauthenticated(
            "this acknowledge link has expired; acknowledge from the incident page, Slack or the CLI",
            code="ack_link_expired",
        )
    return claim


def _ack_signature(secret: str | bytes, payload: str) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    if len(key) < _MIN_SECRET_BYTES:
        raise ValueError(f"the acknowledge-link secret must be at least {_MIN_SECRET_BYTES} bytes")
    return _b64url(hmac.new(key, _ACK_CONTEXT + payload.encode(), hashlib.sha256).digest())


def _decode_claim(payload: str) -> AckClaim:
    # The signature already matched, so a failure here means our own format changed: still refuse.
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        incident_id, user_id, nonce, expiry = claims["i"], claims["u"], claims["n"], claims["e"]
    except (ValueError, KeyError, TypeError):
        raise Unauthenticated("this acknowledge link is not valid", code="ack_link_invalid") from None
    if not all(isinstance(v, str) for v in (incident_id, user_id, nonce)) or not isinstance(expiry, int):
        raise Unauthenticated("this acknowledge link is not valid", code="ack_link_invalid")
    return AckClaim(incident_id, user_id, nonce, datetime.fromtimestamp(expiry, UTC))


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
