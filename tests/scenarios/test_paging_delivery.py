"""Delivery stories with a fake clock: retries with backoff, rate limits, and each attempt's status on the
incident's timeline (sent, or failed with the reason)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.scenarios.paging_world import PagingWorld
from tocsin.clock import FakeClock
from tocsin.domain.escalation import UserTarget
from tocsin.plugins.channels import Throttle
from tocsin.plugins.fakes import FakeChannel
from tocsin.services.paging_pages import PageOrder, page_level
from tocsin.store.db import Database


@pytest.fixture
def world(db: Database, clock: FakeClock) -> PagingWorld:
    made = PagingWorld(db, clock)
    made.user("alice")
    made.policy((30, [UserTarget("alice")]))
    return made


def test_a_failed_delivery_is_retried_with_backoff_and_each_attempt_is_on_the_timeline(
    world: PagingWorld,
) -> None:
    world.fake.fail_next(2, "smtp: 451 try again later")
    number = world.declare("SEV1")
    seconds = [0, 4, 5, 14, 15]  # backoff: 5 s after the first failure, then 10 s
    for second in seconds:
        world.at(second / 60)
    attempts = [
        (round(a.attempted_at.timestamp() - world.began.timestamp()), a.result.ok)
        for a in world.fake.attempts
    ]
    assert attempts == [(0, False), (5, False), (15, True)]
    failed = world.timeline(number, "notification_failed")
    assert [(f["attempt"], f["reason"]) for f in failed] == [
        (1, "smtp: 451 try again later"),
        (2, "smtp: 451 try again later"),
    ]
    assert [f["retry_at"] is not None for f in failed] == [True, True]
    [sent] = world.timeline(number, "notification_sent")
    assert (sent["attempt"], sent["user"], sent["channel"]) == (3, "alice", "pager")
    assert sent["key"] == f"page:{number}:r0l0:alice:0"


def test_a_refusal_that_will_not_change_is_not_retried(world: PagingWorld) -> None:
    world.fake.fail_next(1, "550 no such mailbox", retryable=False)
    number = world.declare("SEV1")
    for minute in (0, 1, 10, 20):
        world.at(minute)
    assert len(world.fake.attempts) == 1
    [failed] = world.timeline(number, "notification_failed")
    assert (failed["reason"], failed["retry_at"]) == ("550 no such mailbox", None)
    [message] = world.paging.delivery.messages(number)
    assert (message.status, message.last_error) == ("failed", "550 no such mailbox")


def test_the_receivers_retry_after_is_honoured(world: PagingWorld) -> None:
    world.fake.fail_next(1, "429 slow down", retry_after=timedelta(minutes=2))
    world.declare("SEV1")
    for second in (0, 5, 60, 119, 120):
        world.at(second / 60)
    offsets = [round((a.attempted_at - world.began).total_seconds()) for a in world.fake.attempts]
    assert offsets == [0, 120]


def test_a_rule_naming_a_missing_channel_fails_loudly_on_the_timeline(db: Database, clock: FakeClock) -> None:
    world = PagingWorld(db, clock)
    world.user("bob", ("sms", 0))
    world.policy((30, [UserTarget("bob")]))
    number = world.declare("SEV1")
    world.at(0)
    [failed] = world.timeline(number, "notification_failed")
    assert failed["reason"] == "no channel 'sms' is configured; add it with `tocsin channel add`"
    assert failed["retry_at"] is not None  # configuring the channel in time still gets the page out
    world.paging.channels.create("sms", FakeChannel.kind, {"address": "phone"})
    world.at(1)
    assert world.who_when() == [(1, "bob")]


def test_a_throttled_channel_postpones_messages_instead_of_dropping_them(
    world: PagingWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(FakeChannel, "throttle", Throttle(max_messages=2, per=timedelta(minutes=1)))
    for n in range(4):
        world.declare("SEV1", f"Incident {n}")
    world.at(0)
    assert len(world.fake.sent) == 2
    world.at(0.5)
    assert len(world.fake.sent) == 3
    world.at(1)
    assert len(world.fake.sent) == 4
    assert world.timeline(1, "notification_failed") == []  # waiting for the limit is not a failure


def test_the_same_page_decided_twice_is_sent_once(world: PagingWorld) -> None:
    number = world.declare("SEV1")
    world.at(0)
    incident = world.services.incidents.get(number)
    policy = world.paging.policies.get("default").policy
    with world.services.db.write() as conn:
        page_level(conn, PageOrder(incident, 0, policy.levels[0], "r0l0"), world.clock.now())
    world.at(1)
    assert len(world.fake.sent) == 1
