"""Escalation policies: step timing, playbook paths, target resolution, freezing and severity routing."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest

from tests.seeds import requires_seeds, seed
from tocsin.domain.escalation import (
    EscalationLevel,
    EscalationPolicy,
    EscalationStep,
    FrozenEscalation,
    MissReason,
    PathTimes,
    ScheduleTarget,
    SeverityRoute,
    SeverityRouting,
    TargetMiss,
    TeamTarget,
    UserTarget,
    escalation_start,
    escalation_steps,
    next_step_after,
    policy_from_playbook_escalation,
    resolve_targets,
    unassigned_levels,
)
from tocsin.domain.escalation_codec import frozen_from_dict, frozen_to_dict, policy_from_dict, policy_to_dict
from tocsin.domain.notification_rules import BusinessHours
from tocsin.domain.schedule import Layer, Override, Rotation, RotationKind, Schedule
from tocsin.domain.severity import DEFAULT_SCHEME
from tocsin.errors import InvalidInput

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)

SEED_004_PATH = [
    ("On-Call Engineer", 5 * MIN),
    ("Team Lead", 15 * MIN),
    ("Engineering Manager", 30 * MIN),
    ("CTO", 60 * MIN),
]


def three_levels(repeat: int = 0) -> EscalationPolicy:
    return EscalationPolicy(
        "p1",
        "Payments",
        (
            EscalationLevel(5 * MIN, (ScheduleTarget("primary"),), "On-call"),
            EscalationLevel(10 * MIN, (UserTarget("lead"),), "Team lead"),
            EscalationLevel(15 * MIN, (TeamTarget("sre"),), "SRE team"),
        ),
        repeat,
    )


def offsets(steps: list[EscalationStep], started_at: datetime = T0) -> list[tuple[int, int, timedelta]]:
    return [(s.round, s.level_index, s.due_at - started_at) for s in steps]


# --- step timing -----------------------------------------------------------------------------------


def test_first_level_is_due_at_once_and_each_next_after_the_previous_levels_delay() -> None:
    assert offsets(escalation_steps(three_levels(), T0)) == [
        (0, 0, 0 * MIN),
        (0, 1, 5 * MIN),
        (0, 2, 15 * MIN),
    ]


def test_repeat_runs_the_whole_path_again_after_the_last_levels_delay() -> None:
    steps = escalation_steps(three_levels(repeat=1), T0)

    assert offsets(steps)[3:] == [(1, 0, 30 * MIN), (1, 1, 35 * MIN), (1, 2, 45 * MIN)]
    assert len(steps) == 6


def test_next_step_after_walks_the_path_and_ends() -> None:
    policy = three_levels(repeat=1)
    seen: list[str] = []
    step = next_step_after(policy, T0, None)
    while step is not None:
        seen.append(step.key)
        step = next_step_after(policy, T0, step)

    assert seen == ["r0l0", "r0l1", "r0l2", "r1l0", "r1l1", "r1l2"]


def test_a_step_from_another_policy_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not part of"):
        next_step_after(three_levels(), T0, EscalationStep(5, 0, T0))
    with pytest.raises(InvalidInput, match="not part of"):
        next_step_after(three_levels(repeat=0), T0, EscalationStep(0, 1, T0))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: EscalationPolicy("p", "P", ()), "at least one level"),
        (lambda: EscalationLevel(-MIN), "cannot be negative"),
        (lambda: EscalationPolicy("p", "P", (EscalationLevel(MIN),), repeat=10), "between 0 and 9"),
        (
            lambda: EscalationPolicy("p", "P", (EscalationLevel(MIN), EscalationLevel(0 * MIN)), 1),
            "last level",
        ),
    ],
)
def test_invalid_policies_are_refused(build: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        build()  # type: ignore[operator]


# --- from a runbook's escalation path --------------------------------------------------------------


def test_seed_004_path_pages_each_level_at_the_previous_levels_time() -> None:
    policy = policy_from_playbook_escalation(SEED_004_PATH, policy_id="p", name="Seed 004", repeat=1)

    steps = escalation_steps(policy, T0)

    assert [(policy.levels[s.level_index].label, s.due_at - T0) for s in steps[:5]] == [
        ("On-Call Engineer", 0 * MIN),
        ("Team Lead", 5 * MIN),
        ("Engineering Manager", 15 * MIN),
        ("CTO", 30 * MIN),
        ("On-Call Engineer", 60 * MIN),  # the CTO had until 1 hour; then the path starts over
    ]


@requires_seeds
def test_the_real_seed_004_escalation_path_builds_that_policy() -> None:
    text = seed("004").read_text(encoding="utf-8")
    units = {"min": MIN, "hour": 60 * MIN}
    path = [
        (role, int(amount) * units[unit])
        for role, amount, unit in re.findall(r"\*\*L\d\*\*: ([^(\n]+?) \((\d+) (min|hour)\)", text)
    ]

    policy = policy_from_playbook_escalation(path, policy_id="p", name="Seed 004")

    assert [(level.label, level.delay) for level in policy.levels] == [
        ("On-Call Engineer", 5 * MIN),
        ("Team Lead", 10 * MIN),
        ("Engineering Manager", 15 * MIN),
        ("CTO", 30 * MIN),
    ]


def test_page_at_reading_pages_each_level_at_its_own_time() -> None:
    # Seed 001: "On-Call Engineer (First responder)", "Team Lead (If unresolved in 1 hour)", ...
    path = [("On-Call Engineer", None), ("Team Lead", 60 * MIN), ("Engineering Manager", 120 * MIN)]

    policy = policy_from_playbook_escalation(path, policy_id="p", name="Seed 001", times=PathTimes.PAGE_AT)

    assert offsets(escalation_steps(policy, T0)) == [(0, 0, 0 * MIN), (0, 1, 60 * MIN), (0, 2, 120 * MIN)]


def test_roles_map_to_targets_ignoring_case_and_spacing_and_unmapped_roles_are_reported() -> None:
    policy = policy_from_playbook_escalation(
        SEED_004_PATH,
        policy_id="p",
        name="P",
        targets={"on-call  engineer": [ScheduleTarget("primary")], "CTO": [UserTarget("cto")]},
    )

    assert [level.targets for level in policy.levels] == [
        (ScheduleTarget("primary"),),
        (),
        (),
        (UserTarget("cto"),),
    ]
    assert unassigned_levels(policy) == [1, 2]


@pytest.mark.parametrize(
    ("path", "kwargs", "message"),
    [
        ([], {}, "no levels"),
        ([("L1", 5 * MIN), ("L2", None), ("L3", 30 * MIN)], {}, r"level 2 \(L2\) has no time"),
        ([("L1", 5 * MIN), ("L2", 5 * MIN)], {}, r"level 2 \(L2\) would get no time"),
        ([("L1", 0 * MIN), ("L2", 5 * MIN)], {}, r"level 1 \(L1\) would get no time"),
        ([("L1", 5 * MIN), ("L2", None)], {"repeat": 1}, "repeating path"),
        (
            [("On-Call", None), ("Team Lead", 60 * MIN), ("CTO", None)],
            {"times": PathTimes.PAGE_AT},
            r"level 3 \(CTO\) has no time",
        ),
    ],
)
def test_paths_that_cannot_be_timed_are_refused_naming_the_level(
    path: list[tuple[str, timedelta | None]], kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        policy_from_playbook_escalation(path, policy_id="p", name="P", **kwargs)  # type: ignore[arg-type]


def test_a_path_without_a_last_time_still_builds_when_it_does_not_repeat() -> None:
    policy = policy_from_playbook_escalation([("L1", 5 * MIN), ("L2", None)], policy_id="p", name="P")

    assert offsets(escalation_steps(policy, T0)) == [(0, 0, 0 * MIN), (0, 1, 5 * MIN)]


# --- resolving targets -----------------------------------------------------------------------------


def primary_schedule() -> Schedule:
    rotation = Rotation(("alice", "bob"), date(2026, 3, 1), time(9), "Europe/Berlin", RotationKind.DAILY)
    return Schedule("primary", "Primary", "Europe/Berlin", (Layer(rotation),))


def test_schedule_target_pages_whoever_is_on_call_when_the_step_fires() -> None:
    level = EscalationLevel(5 * MIN, (ScheduleTarget("primary"),))
    schedules = {"primary": primary_schedule()}
    # Monday 2 March: alice until 09:00 Berlin (08:00 UTC), then bob.
    started = datetime(2026, 3, 2, 7, 58, tzinfo=UTC)
    policy = EscalationPolicy("p", "P", (level,), repeat=1)
    first, again = escalation_steps(policy, started)

    assert resolve_targets(level, first.due_at, schedules, {}).user_ids == ("alice",)
    assert resolve_targets(level, again.due_at, schedules, {}).user_ids == ("bob",)


def test_an_override_on_the_schedule_is_respected() -> None:
    base = primary_schedule()
    swap = Override("carol", datetime(2026, 3, 2, 10, tzinfo=UTC), datetime(2026, 3, 2, 12, tzinfo=UTC))
    schedules = {"primary": Schedule(base.id, base.name, base.tz, base.layers, (swap,))}
    level = EscalationLevel(5 * MIN, (ScheduleTarget("primary"),))

    assert resolve_targets(level, datetime(2026, 3, 2, 11, tzinfo=UTC), schedules, {}).user_ids == ("carol",)


def test_users_are_paged_once_in_target_order_across_users_schedules_and_teams() -> None:
    level = EscalationLevel(
        5 * MIN, (UserTarget("lead"), ScheduleTarget("primary"), TeamTarget("sre"), UserTarget("alice"))
    )

    resolution = resolve_targets(
        level, datetime(2026, 3, 2, 10, tzinfo=UTC), {"primary": primary_schedule()}, {"sre": ["bob", "dan"]}
    )

    assert resolution.user_ids == ("lead", "bob", "dan", "alice")  # bob is on call and in the team
    assert resolution.misses == ()


def test_targets_that_give_nobody_are_reported_with_the_reason() -> None:
    empty = Schedule("empty", "Empty")
    level = EscalationLevel(
        5 * MIN,
        (
            ScheduleTarget("gone"),
            ScheduleTarget("empty"),
            TeamTarget("ghosts"),
            TeamTarget("new-team"),
            UserTarget("deleted"),
            UserTarget("lead"),
        ),
    )

    resolution = resolve_targets(
        level, T0, {"empty": empty}, {"new-team": []}, known_users=frozenset({"lead"})
    )

    assert resolution.user_ids == ("lead",)
    assert resolution.misses == (
        TargetMiss(ScheduleTarget("gone"), MissReason.UNKNOWN_SCHEDULE),
        TargetMiss(ScheduleTarget("empty"), MissReason.NOBODY_ON_CALL),
        TargetMiss(TeamTarget("ghosts"), MissReason.UNKNOWN_TEAM),
        TargetMiss(TeamTarget("new-team"), MissReason.EMPTY_TEAM),
        TargetMiss(UserTarget("deleted"), MissReason.UNKNOWN_USER),
    )


# --- freezing ----------------------------------------------------------------------------------------


def test_frozen_escalation_does_not_change_when_the_policy_it_was_built_from_is_edited() -> None:
    levels = list(three_levels().levels)
    targets = [UserTarget("lead")]
    levels[1] = EscalationLevel(10 * MIN, targets)  # type: ignore[arg-type]
    frozen = FrozenEscalation(EscalationPolicy("p", "P", levels), T0)  # type: ignore[arg-type]

    levels.pop()
    targets.append(UserTarget("intruder"))

    assert len(frozen.policy.levels) == 3
    assert frozen.policy.levels[1].targets == (UserTarget("lead"),)
    with pytest.raises(dataclasses.FrozenInstanceError):
        frozen.policy.repeat = 5  # type: ignore[misc]


def test_frozen_escalation_walks_its_steps() -> None:
    frozen = FrozenEscalation(three_levels(), T0)

    assert frozen.first_step() == EscalationStep(0, 0, T0)
    assert frozen.next_step_after(frozen.first_step()) == EscalationStep(1, 0, T0 + 5 * MIN)
    assert frozen.next_step_after(frozen.steps()[-1]) is None
    assert frozen.level(frozen.steps()[2]).targets == (TeamTarget("sre"),)


def test_frozen_escalation_survives_a_json_round_trip() -> None:
    frozen = FrozenEscalation(three_levels(repeat=2), T0)

    restored = frozen_from_dict(json.loads(json.dumps(frozen_to_dict(frozen))))

    assert restored == frozen
    assert restored.steps() == frozen.steps()


@pytest.mark.parametrize(
    "document",
    [
        {"version": 99, "id": "p", "name": "P", "levels": []},
        {"version": 1, "id": "p", "name": "P", "levels": "nope"},
        {"version": 1, "id": "p", "name": "P", "levels": [{"targets": []}]},
        {
            "version": 1,
            "id": "p",
            "name": "P",
            "levels": [{"delay_seconds": 60, "targets": [{"kind": "bot"}]}],
        },
        {
            "version": 1,
            "id": "p",
            "name": "P",
            "levels": [{"delay_seconds": 60, "targets": [{"kind": "user"}]}],
        },
        {"version": 1, "id": "p", "name": "P", "repeat": True, "levels": [{"delay_seconds": 60}]},
    ],
)
def test_malformed_policy_documents_are_invalid_input(document: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        policy_from_dict(document)


def test_policy_document_round_trips_every_target_kind() -> None:
    assert policy_from_dict(policy_to_dict(three_levels(repeat=1))) == three_levels(repeat=1)


def test_frozen_document_with_a_naive_or_bad_start_is_refused() -> None:
    document = frozen_to_dict(FrozenEscalation(three_levels(), T0))
    with pytest.raises(InvalidInput):
        frozen_from_dict({**document, "started_at": "yesterday"})
    with pytest.raises(InvalidInput, match="aware"):
        frozen_from_dict({**document, "started_at": "2026-03-02T14:00:00"})


# --- severity routing ------------------------------------------------------------------------------

BERLIN_HOURS = BusinessHours("Europe/Berlin")


def test_default_scheme_pages_sev1_at_once_and_never_pages_sev4() -> None:
    routing = SeverityRouting.from_scheme(DEFAULT_SCHEME, "default")
    saturday_night = datetime(2026, 3, 7, 22, tzinfo=UTC)

    assert escalation_start(routing.route_for("SEV1"), saturday_night, BERLIN_HOURS) == saturday_night
    assert escalation_start(routing.route_for("P0"), saturday_night, BERLIN_HOURS) == saturday_night
    assert escalation_start(routing.route_for("sev-4"), saturday_night, BERLIN_HOURS) is None
    assert escalation_start(routing.route_for("P3"), saturday_night, BERLIN_HOURS) is None  # SEV4's alias
    assert routing.route_for("Low").business_hours_only is True
    # SEV4's response is due the next business day: Monday 09:00 in Berlin.
    assert BERLIN_HOURS.next_business_day(saturday_night) == datetime(2026, 3, 9, 8, tzinfo=UTC)


def test_a_business_hours_route_that_pages_waits_for_business_hours() -> None:
    route = SeverityRoute("SEV3", "office", pages=True, business_hours_only=True)

    assert escalation_start(route, datetime(2026, 3, 6, 18, tzinfo=UTC), BERLIN_HOURS) == datetime(
        2026, 3, 9, 8, tzinfo=UTC
    )
    assert escalation_start(route, datetime(2026, 3, 9, 10, tzinfo=UTC), BERLIN_HOURS) == datetime(
        2026, 3, 9, 10, tzinfo=UTC
    )


def test_routes_name_their_policy_or_fall_back_to_the_default_and_unknown_severities_page() -> None:
    routing = SeverityRouting((SeverityRoute("SEV1", "major"), SeverityRoute("SEV2")), "default")

    assert routing.route_for("sev1").policy_id == "major"
    assert routing.route_for("SEV2").policy_id == "default"
    assert routing.route_for("Catastrophic") == SeverityRoute("Catastrophic", "default", pages=True)
    assert escalation_start(SeverityRouting().route_for("SEV1"), T0, BERLIN_HOURS) is None  # no policy at all


def test_a_severity_routed_twice_is_refused() -> None:
    with pytest.raises(InvalidInput, match="only once"):
        SeverityRouting((SeverityRoute("SEV1", "a"), SeverityRoute("sev 1", "b")))
    with pytest.raises(InvalidInput, match="only once"):
        SeverityRouting((SeverityRoute("SEV1", "a", aliases=("P0",)), SeverityRoute("P0", "b")))
