"""What a notification channel delivers, and what it reports back.

A :class:`Notification` is decided by the escalation engine (or a status update, a resolution, a test
from the UI), written to the outbox with its idempotency key, and later handed to one channel by a
worker. It carries everything a channel needs to write the message, so channels never reach back into
the store. A channel answers with a :class:`DeliveryResult`: sent, or failed with a reason and whether
trying again could help; it never raises for an ordinary delivery failure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tocsin.clock import utc
from tocsin.domain.incident import IncidentState

__all__ = [
    "IDEMPOTENCY_KEY_PATTERN",
    "DeliveryResult",
    "DeliveryStatus",
    "Notification",
    "NotificationKind",
    "Recipient",
]

# Letters, digits, "_", "-" and ":" only: the key becomes a Standard Webhooks ``webhook-id`` (which must
# not contain ".") and is hashed into an e-mail Message-ID, so it must survive both unescaped.
IDEMPOTENCY_KEY_PATTERN = re.compile(r"[A-Za-z0-9_:\-]{1,255}")


class NotificationKind(StrEnum):
    """Why the message is sent; channels word the message after it."""

    PAGE = "page"  # someone must respond: the escalation engine is waiting for an acknowledgement
    UPDATE = "update"  # a status update on an incident already known to the recipient
    RESOLVED = "resolved"
    TEST = "test"  # sent from the UI or CLI to check a channel's configuration


@dataclass(frozen=True)
class Recipient:
    """The person a notification is for, with the addresses a channel may use to reach them."""

    user_id: str
    name: str
    email: str | None = None
    slack_user_id: str | None = None
    time_zone: str = "UTC"


@dataclass(frozen=True)
class Notification:
    """One message for one recipient about one incident.

    ``incident_id`` is the human id (``"INC-42"``). ``ack_url`` is a signed single-use acknowledge link
    when the recipient is being paged, else ``None``. ``idempotency_key`` is the same on every attempt
    to deliver this message, so receivers (and our own channels) can drop duplicates.
    """

    kind: NotificationKind
    incident_id: str
    title: str
    severity: str
    state: IncidentState
    summary: str
    services: tuple[str, ...]
    incident_url: str
    recipient: Recipient
    idempotency_key: str
    created_at: datetime
    ack_url: str | None = None

    def __post_init__(self) -> None:
        if not IDEMPOTENCY_KEY_PATTERN.fullmatch(self.idempotency_key):
            raise ValueError(
                f"idempotency key {self.idempotency_key!r} must be 1-255 letters, digits, '_', '-' or ':'"
            )
        object.__setattr__(self, "created_at", utc(self.created_at))
        object.__setattr__(self, "services", tuple(self.services))

    @property
    def severity_and_id(self) -> str:
        """``"SEV1 INC-42"``: the prefix every channel puts before the title."""
        return f"{self.severity} {self.incident_id}"


class DeliveryStatus(StrEnum):
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class DeliveryResult:
    """The outcome of one delivery attempt, as recorded in the incident's timeline.

    ``retryable`` says whether the same message may succeed later (a timeout, a 5xx, a rate limit) or
    never will without a configuration change (a revoked webhook, a refused address). ``retry_after``
    is the receiver's own request to wait (``Retry-After``), when it gave one. ``reference`` is what the
    receiver calls the message (an e-mail Message-ID, a PagerDuty dedup key), when there is one.
    """

    status: DeliveryStatus
    reason: str = ""
    retryable: bool = False
    retry_after: timedelta | None = None
    reference: str | None = None

    @classmethod
    def sent(cls, reference: str | None = None) -> DeliveryResult:
        return cls(DeliveryStatus.SENT, reference=reference)

    @classmethod
    def failed(cls, reason: str, *, retryable: bool, retry_after: timedelta | None = None) -> DeliveryResult:
        if not reason:
            raise ValueError("a failed delivery needs a reason the responder can act on")
        return cls(DeliveryStatus.FAILED, reason=reason, retryable=retryable, retry_after=retry_after)

    @property
    def ok(self) -> bool:
        return self.status is DeliveryStatus.SENT
