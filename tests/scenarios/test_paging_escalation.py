"""Escalation stories with a fake clock: who is paged, when, and what stops it.

Each story declares an incident, moves the clock, lets the worker and the delivery loop run what is due,
and asserts what people received through the fake channel and what the timeline says.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.scenarios.paging_world import PagingWorld
from tocsin.clock import FakeClock
from tocsin.domain.escalation import EscalationLevel, EscalationPolicy, ScheduleTarget, TeamTarget, UserTarget
from tocsin.domain.incident import IncidentState
from tocsin.domain.schedule import Layer, Rotation, RotationKind, Schedule
from tocsin.store.db import Database


@pytest.fixture
def world(db: Database, clock: FakeClock) -> PagingWorld:
    return PagingWorld(db, clock)


@pytest.fixture
def two_levels(world: PagingWorld) -> PagingWorld:
    """L1 alice (5 min to acknowledge), then L2 bob (10 min)."""
    world.user("alice")
    world.user("bob")
    world.policy((5, [UserTarget("alice")]), (10, [UserTarget("bob")]))
    return world


def test_sev1_pages_l1_at_once_then_l2_after_5_minutes_and_the_ack_stops_it(two_levels: PagingWorld) -> None:
    world = two_levels
    number = world.declare("SEV1")
    world.at(0)
    assert world.who_when() == [(0, "alice")]
    world.at(4.9)
    assert world.who_when() == [(0, "alice")]
    world.at(5)
    assert world.who_when() == [(0, "alice"), (5, "bob")]
    world.services.incidents.acknowledge(number, actor="bob")
    for minute in (15, 30, 60, 240):
        world.at(minute)
    assert world.who_when() == [(0, "alice"), (5, "bob")]  # nothing more is sent
    [stopped] = world.timeline(number, "escalation_stopped")
    assert (stopped["reason"], stopped["by"]) == ("acknowledged", "bob")
    paged = world.timeline(number, "level_paged")
    assert [(p["level"], p["users"]) for p in paged] == [(1, ["alice"]), (2, ["bob"])]
    sent = world.timeline(number, "notification_sent")
    assert [(s["user"], s["channel"], s["level"]) for s in sent] == [
        ("alice", "pager", 1),
        ("bob", "pager", 2),
    ]


def test_each_page_carries_a_single_use_ack_link_and_a_stable_key(two_levels: PagingWorld) -> None:
    number = two_levels.declare("SEV1")
    two_levels.at(0)
    [page] = two_levels.received()
    assert page.kind == "page"
    assert page.incident == f"INC-{number}"
    assert page.key == f"page:{number}:r0l0:alice:0"
    assert page.ack_url is not None
    assert page.ack_url.startswith("http://127.0.0.1:8080/ack/")


def test_sev4_pages_nobody_and_says_the_response_is_due_next_business_day(two_levels: PagingWorld) -> None:
    number = two_levels.declare("SEV4", "A typo on the pricing page")
    for minute in (0, 5, 60, 24 * 60):
        two_levels.at(minute)
    assert two_levels.received() == []
    [skipped] = two_levels.timeline(number, "escalation_skipped")
    assert skipped["reason"] == "SEV4 does not page; respond the next business day"
    assert skipped["respond_by"] == "2026-01-06T09:00:00+00:00"  # declared Monday 09:00 UTC


def test_a_severity_raised_to_sev1_starts_paging(two_levels: PagingWorld) -> None:
    number = two_levels.declare("SEV3")
    two_levels.at(1)
    assert two_levels.received() == []
    two_levels.services.incidents.change_severity(number, "SEV1", actor="carol")
    two_levels.at(2)
    assert two_levels.who_when() == [(2, "alice")]


def test_no_acknowledgement_past_the_response_target_is_recorded_and_escalation_goes_on(
    two_levels: PagingWorld,
) -> None:
    world = two_levels
    world.paging.policies.update(
        EscalationPolicy(
            "default",
            "Default",
            (
                EscalationLevel(timedelta(minutes=5), (UserTarget("alice"),)),
                EscalationLevel(timedelta(minutes=10), (UserTarget("bob"),)),
            ),
            repeat=1,
        )
    )
    number = world.declare("SEV1")  # response target: 15 minutes
    for minute in (0, 5, 15, 16, 20):
        world.at(minute)
    [missed] = world.timeline(number, "target_missed")
    assert missed["target"] == "response"
    assert world.who_when() == [(0, "alice"), (5, "bob"), (15, "alice"), (20, "bob")]


def test_the_repeat_count_is_honoured_then_the_escalation_is_exhausted(world: PagingWorld) -> None:
    world.user("alice")
    world.policy((5, [UserTarget("alice")]), repeat=2)
    number = world.declare("SEV1")
    for minute in range(0, 40):
        world.at(minute)
    assert world.who_when() == [(0, "alice"), (5, "alice"), (10, "alice")]
    [exhausted] = world.timeline(number, "escalation_exhausted")
    assert exhausted["passes"] == 3
    rounds = [p["round"] for p in world.timeline(number, "level_paged")]
    assert rounds == [1, 2, 3]


def test_a_rotation_handoff_during_the_escalation_pages_the_new_on_call_person(world: PagingWorld) -> None:
    world.user("alice")
    world.user("bob")
    # The story begins at 09:00; Bob's day on call ends at 09:03, when Alice's begins.
    world.daily_rotation("primary", ["bob", "alice"], time(9, 3))
    world.policy((5, [ScheduleTarget("primary")]), repeat=1)
    world.declare("SEV1")
    for minute in range(0, 12):
        world.at(minute)
    assert world.who_when() == [(0, "bob"), (5, "alice")]


def test_an_override_is_respected(world: PagingWorld) -> None:
    world.user("alice")
    world.user("carol")
    world.daily_rotation("primary", ["alice"], time(9, 0))
    now = world.clock.now()
    world.paging.schedules.add_override(
        "primary",
        "carol",
        now - timedelta(hours=1),
        now + timedelta(hours=2),
        note="alice at the dentist",
        actor="alice",
    )
    world.policy((5, [ScheduleTarget("primary")]))
    world.declare("SEV1")
    world.at(0)
    assert world.who_when() == [(0, "carol")]


def test_a_team_pages_every_member_once_even_when_named_twice(world: PagingWorld) -> None:
    for person in ("alice", "bob", "dan"):
        world.user(person)
    world.paging.people.create_team("db", "Database team", ["alice", "bob"])
    world.policy((5, [TeamTarget("db"), UserTarget("alice"), UserTarget("dan")]))
    world.declare("SEV1")
    world.at(0)
    assert sorted(world.who_when()) == [(0, "alice"), (0, "bob"), (0, "dan")]


def test_targets_that_give_nobody_are_recorded_in_the_timeline(world: PagingWorld) -> None:
    world.user("alice")
    world.paging.schedules.create(Schedule("empty", "Empty (no rotation yet)", "UTC", ()))
    world.policy((5, [ScheduleTarget("empty"), UserTarget("alice")]))
    number = world.declare("SEV1")
    world.at(0)
    [paged] = world.timeline(number, "level_paged")
    assert paged["users"] == ["alice"]
    assert paged["misses"] == [{"target": "schedule:empty", "reason": "nobody_on_call"}]


def test_acknowledging_drops_the_contact_attempts_still_pending(world: PagingWorld) -> None:
    world.paging.channels.create("webhook", "fake", {"address": "hooks"})
    world.user("alice", ("pager", 0), ("webhook", 2))
    world.policy((5, [UserTarget("alice")]))
    number = world.declare("SEV1")
    world.at(0)
    world.at(1)
    world.services.incidents.acknowledge(number, actor="alice")
    world.at(3)
    world.at(10)
    assert [(r.minute, r.key.rsplit(":", 1)[1]) for r in world.received()] == [(0, "0")]
    [stopped] = world.timeline(number, "escalation_stopped")
    assert stopped["dropped_messages"] == 1


def test_a_policy_edited_mid_escalation_does_not_change_the_running_one(two_levels: PagingWorld) -> None:
    world = two_levels
    world.user("zed")
    world.declare("SEV1")
    world.at(0)
    world.paging.policies.update(
        EscalationPolicy("default", "Default", (EscalationLevel(timedelta(minutes=1), (UserTarget("zed"),)),))
    )
    world.at(5)
    world.at(15)
    assert world.who_when() == [(0, "alice"), (5, "bob")]
    second = world.declare("SEV1", "Another one")
    world.at(16)
    assert [(r.minute, r.user) for r in world.received() if r.incident == f"INC-{second}"] == [(16, "zed")]


def test_resolving_without_acknowledging_stops_the_escalation(two_levels: PagingWorld) -> None:
    number = two_levels.declare("SEV1")
    two_levels.at(0)
    two_levels.services.incidents.change_state(number, IncidentState.RESOLVED, actor="alice")
    two_levels.at(30)
    assert two_levels.who_when() == [(0, "alice")]
    [stopped] = two_levels.timeline(number, "escalation_stopped")
    assert stopped["reason"] == "moved to resolved"


@pytest.mark.parametrize(
    ("zone", "change_day"),
    [
        ("Europe/Berlin", date(2026, 3, 29)),
        ("America/New_York", date(2026, 3, 8)),
        ("Europe/Berlin", date(2026, 10, 25)),
    ],
)
def test_a_handoff_on_the_day_clocks_change_pages_the_new_person_at_local_nine(
    db: Database, clock: FakeClock, zone: str, change_day: date
) -> None:
    local_nine = datetime.combine(change_day, time(9, 0), tzinfo=ZoneInfo(zone))
    clock.set(local_nine - timedelta(minutes=30))
    world = PagingWorld(db, clock)
    world.user("alice")
    world.user("bob")
    # A daily 09:00 handoff, alice then bob: alice's turn began at 09:00 the day before.
    rotation = Rotation(
        ("alice", "bob"), change_day - timedelta(days=1), time(9, 0), zone, RotationKind.DAILY
    )
    world.paging.schedules.create(Schedule("primary", "Primary", zone, (Layer(rotation),)))
    world.policy((15, [ScheduleTarget("primary")]), repeat=3)
    world.declare("SEV1")
    for minute in range(0, 50, 5):
        world.at(minute)
    paged = [(world.began + timedelta(minutes=m), user) for m, user in world.who_when()]
    assert [(at.astimezone(ZoneInfo(zone)).strftime("%H:%M"), user) for at, user in paged] == [
        ("08:30", "alice"),
        ("08:45", "alice"),
        ("09:00", "bob"),
        ("09:15", "bob"),
    ]
