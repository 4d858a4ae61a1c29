"""Escalation built from the seed runbooks, and routing by severity and business hours.

Seed 004's path "L1 (5 min), L2 (15 min), L3 (30 min), L4 (1 hour)" reads each time as when that level
must have responded: L1 is paged at once, L2 at 5, L3 at 15 and L4 at 30 minutes. Seed 001 says "P0
incidents not resolved in 30 minutes" escalate: its team lead is paged at 30 minutes even though the on-call
engineer acknowledged at once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.scenarios.paging_world import PagingWorld
from tests.seeds import requires_seeds, seed
from tocsin.clock import FakeClock
from tocsin.domain.escalation import PathTimes, UserTarget
from tocsin.runbook import parse_runbook
from tocsin.store.db import Database
from tocsin.store.policies import StoredRoute

EXAMPLE = Path(__file__).parents[2] / "examples" / "runbooks" / "example.md"


@requires_seeds
def test_seed_004_pages_each_level_at_the_time_the_previous_one_had_to_respond(
    db: Database, clock: FakeClock
) -> None:
    world = PagingWorld(db, clock)
    playbook = parse_runbook(seed("004").read_text(), source_name="004")
    world.services.severities.replace(playbook.severity_scheme())  # type: ignore[arg-type]
    for person in ("olivia", "tom", "emma"):
        world.user(person)
    world.daily_rotation("on-call-engineer", ["olivia"], clock.now().time())
    world.paging.people.create_team("team-lead", "Team Lead", ["tom"])
    applied = world.paging.from_playbook(playbook, targets={"engineering manager": [UserTarget("emma")]})
    assert applied is not None
    assert applied.policy is not None
    assert applied.times is PathTimes.RESPOND_BY
    assert applied.unassigned == ("CTO",)
    assert [level.delay for level in applied.policy.levels] == [timedelta(minutes=m) for m in (5, 10, 15, 30)]

    number = world.declare("Severity 1")
    for minute in range(0, 65):
        world.at(minute)
    assert world.who_when() == [(0, "olivia"), (5, "tom"), (15, "emma")]
    paged = world.timeline(number, "level_paged")
    assert [(p["level"], p["label"], p["users"]) for p in paged] == [
        (1, "On-Call Engineer", ["olivia"]),
        (2, "Team Lead", ["tom"]),
        (3, "Engineering Manager", ["emma"]),
        (4, "CTO", []),
    ]
    assert paged[3]["unassigned"] is True
    assert [e["at"] - world.began for e in world.timeline(number, "escalation_exhausted")] == [
        timedelta(hours=1)
    ]


@requires_seeds
def test_seed_001_escalates_an_unresolved_p0_to_the_team_lead_at_30_minutes(
    db: Database, clock: FakeClock
) -> None:
    world = PagingWorld(db, clock)
    playbook = parse_runbook(seed("001").read_text(), source_name="001")
    world.services.severities.replace(playbook.severity_scheme())  # type: ignore[arg-type]
    applied = world.paging.from_playbook(playbook)
    assert applied is not None
    assert applied.policy is None  # "CTO (For P0 incidents)" gives no time to page at: refused, not guessed
    assert applied.problem is not None
    assert "level 4 (CTO)" in applied.problem
    assert applied.unresolved_after == {"P0": timedelta(minutes=30), "P1": timedelta(hours=2)}
    # The operator writes the policy the runbook meant: the team lead an hour in, the manager at two.
    for person in ("olivia", "tom", "emma"):
        world.user(person)
    world.policy((60, [UserTarget("olivia")]), (60, [UserTarget("tom")]), (60, [UserTarget("emma")]))

    number = world.declare("P0")
    world.at(0)
    world.at(2)
    world.services.incidents.acknowledge(number, actor="olivia")
    for minute in (29, 30, 31, 45):
        world.at(minute)
    assert world.who_when() == [(0, "olivia"), (30, "tom")]
    [late] = [p for p in world.timeline(number, "level_paged") if p["reason"] == "unresolved"]
    assert late["note"] == "Unresolved after 30 min (P0): escalated to level 2"
    [received] = [r for r in world.received() if r.user == "tom"]
    assert received.level_note.startswith("Unresolved after 30 min (P0)")
    assert received.ack_url is None  # already acknowledged: this one asks for help, not an acknowledgement


def test_a_business_hours_route_holds_the_first_page_until_monday_morning(
    db: Database, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 1, 10, 10, 0, tzinfo=UTC))  # a Saturday
    world = PagingWorld(db, clock)
    world.user("alice")
    world.policy((30, [UserTarget("alice")]))
    world.paging.policies.set_route(StoredRoute("SEV3", None, True, True, None))
    number = world.declare("SEV3")
    world.at(0)
    assert world.received() == []
    [started] = world.timeline(number, "escalation_started")
    assert started["first_page_at"] == "2026-01-12T09:00:00+00:00"
    assert started["waits_for_business_hours"] is True
    world.at((datetime(2026, 1, 12, 9, 0, tzinfo=UTC) - world.began) / timedelta(minutes=1))
    assert [r.user for r in world.received()] == ["alice"]
    world.at((datetime(2026, 1, 12, 9, 1, tzinfo=UTC) - world.began) / timedelta(minutes=1))
    # Already a day unresolved (SEV3's target), but the one level has been paged: nobody above to call.
    assert [r.user for r in world.received()] == ["alice"]
    [skipped] = world.timeline(number, "escalation_skipped")
    assert skipped["reason"] == "unresolved after 24 h, but every level has been paged already"


@pytest.mark.parametrize(
    ("severity", "pages"), [("SEV1", True), ("SEV2", True), ("SEV3", False), ("SEV4", False)]
)
def test_by_default_only_sev1_and_sev2_page(
    db: Database, clock: FakeClock, severity: str, pages: bool
) -> None:
    world = PagingWorld(db, clock)
    world.user("alice")
    world.policy((30, [UserTarget("alice")]))
    world.declare(severity)
    world.at(0)
    assert bool(world.received()) is pages


def test_a_severity_routed_to_its_own_policy_pages_by_it(db: Database, clock: FakeClock) -> None:
    world = PagingWorld(db, clock)
    world.user("alice")
    world.user("dba")
    world.policy((30, [UserTarget("alice")]))
    world.policy((30, [UserTarget("dba")]), policy_id="databases")
    world.paging.policies.set_route(StoredRoute("P1", "databases", True, False, None))  # an alias of SEV2
    world.declare("SEV2")
    world.declare("SEV1")
    world.at(0)
    assert sorted(r.user for r in world.received()) == ["alice", "dba"]


def test_applying_a_runbook_reports_its_path_and_keeps_a_default_that_pages_someone(
    db: Database, clock: FakeClock
) -> None:
    world = PagingWorld(db, clock)
    world.user("alice")
    world.policy((5, [UserTarget("alice")]))
    playbook = parse_runbook(EXAMPLE.read_text(), source_name="example.md")
    with db.write() as conn:
        lines = world.paging.playbook_applier(conn, playbook, None, clock.now())
    assert lines[0] == (
        "escalation policy 'runbook': Tracking on-call engineer at 0 min; Logistics platform lead at 5 min; "
        "Head of engineering at 20 min"
    )
    assert "SEV1 unresolved after 30 min notifies the next level" in lines[1]
    assert lines[-1].startswith("escalation: nobody assigned yet to Tracking on-call engineer, ")
    # Its first level pages nobody yet, so the default stays the policy that does.
    assert world.paging.policies.routing().default_policy_id == "default"


def test_runbook_apply_applies_the_escalation_path(db: Database, clock: FakeClock) -> None:
    world = PagingWorld(db, clock)
    world.paging.people.create_team(
        "tracking-on-call-engineer", "Tracking on-call engineer", [world.user("tia").id]
    )
    playbooks = world.services.playbooks
    playbooks.import_text(EXAMPLE.read_text(), name="example", source_name="example.md", actor="test")
    changes = playbooks.apply("example", actor="test").changes
    assert any(
        line.startswith("escalation policy 'runbook': Tracking on-call engineer at 0 min") for line in changes
    )
    assert world.paging.policies.routing().default_policy_id == "runbook"  # its first level pages Tia
    world.declare("SEV1")
    world.at(0)
    assert world.who_when() == [(0, "tia")]
