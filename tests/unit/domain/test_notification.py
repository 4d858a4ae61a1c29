from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.unit.plugins.notifications import make_notification
from tocsin.domain.notification import DeliveryResult, DeliveryStatus


def test_created_at_is_normalised_to_utc() -> None:
    berlin_winter = timezone(timedelta(hours=1))
    notification = make_notification(created_at=datetime(2026, 3, 2, 10, 0, tzinfo=berlin_winter))
    assert notification.created_at.utcoffset() == timedelta(0)
    assert notification.created_at.hour == 9


def test_naive_created_at_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        make_notification(created_at=datetime(2026, 3, 2, 9, 0))


@pytest.mark.parametrize("key", ["", "has.dot", "has space", "x" * 256, "é"])
def test_idempotency_keys_that_cannot_travel_as_webhook_ids_are_refused(key: str) -> None:
    with pytest.raises(ValueError, match="idempotency key"):
        make_notification(idempotency_key=key)


def test_services_given_as_a_list_become_a_tuple() -> None:
    notification = make_notification(services=["api", "db"])
    assert notification.services == ("api", "db")
    hash(notification)  # frozen and hashable, so it can key a dict of deliveries


def test_failed_result_carries_reason_and_retry_advice() -> None:
    result = DeliveryResult.failed("Slack answered 429", retryable=True, retry_after=timedelta(seconds=30))
    assert result.status is DeliveryStatus.FAILED
    assert not result.ok
    assert (result.reason, result.retryable, result.retry_after) == (
        "Slack answered 429",
        True,
        timedelta(seconds=30),
    )


def test_a_failure_without_a_reason_is_refused() -> None:
    with pytest.raises(ValueError, match="reason"):
        DeliveryResult.failed("", retryable=False)


def test_sent_result_keeps_the_receivers_reference() -> None:
    result = DeliveryResult.sent("<abc@example.org>")
    assert result.ok
    assert result.reference == "<abc@example.org>"
