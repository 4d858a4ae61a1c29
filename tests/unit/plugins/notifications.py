"""A realistic notification to hand to channels in tests, with any field overridden."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from tocsin.domain.incident import IncidentState
from tocsin.domain.notification import Notification, NotificationKind, Recipient

ALICE = Recipient(
    user_id="u-alice",
    name="Alice Smith",
    email="alice@example.org",
    slack_user_id="U2CERLKJA",
    time_zone="Europe/Berlin",
)


def make_notification(**changes: Any) -> Notification:
    base = Notification(
        kind=NotificationKind.PAGE,
        incident_id="INC-42",
        title="Database connection timeout",
        severity="SEV1",
        state=IncidentState.TRIGGERED,
        summary="API p99 latency above 5 s; pool exhausted on db1.",
        services=("api", "postgres"),
        incident_url="https://tocsin.example.org/incidents/42",
        ack_url="https://tocsin.example.org/ack/v1.abc.def",
        recipient=ALICE,
        idempotency_key="ntf_42_1_alice_email",
        created_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
    )
    return replace(base, **changes)
