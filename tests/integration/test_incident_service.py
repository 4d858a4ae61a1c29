"""The incident use cases on a real database: every change is recorded, every refusal writes nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tocsin.clock import FakeClock
from tocsin.domain.incident import LIMITS, Incident, IncidentState, Role
from tocsin.domain.metrics import TargetStatus
from tocsin.domain.severity import DEFAULT_SCHEME, SeverityScheme
from tocsin.domain.timeline import TimelineKind
from tocsin.errors import Conflict, InvalidInput, InvalidTransition, NotFound, TocsinError
from tocsin.services.container import Services
from tocsin.services.events import Change
from tocsin.services.incidents import Declaration
from tocsin.store import severities
from tocsin.store.incidents import IncidentFilter
from tocsin.store.schema import incidents, jobs, timeline_entries

S = IncidentState


def declare(
    services: Services,
    title: str = "Checkout is down",
    severity: str = "SEV1",
    *,
    summary: str = "",
    affected: Sequence[str] = (),
    commander: str | None = None,
) -> Incident:
    declaration = Declaration(title, severity, summary=summary, services=affected, commander=commander)
    return services.incidents.declare(declaration, actor="alice")


def kinds(services: Services, number: int) -> list[str]:
    return [entry.kind for entry in services.incidents.timeline(number)]


def row_counts(services: Services) -> list[int]:
    """How many incidents, timeline entries and jobs the database holds."""
    with services.db.read() as conn:
        return [
            conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (incidents, timeline_entries, jobs)
        ]


def assert_refused_without_writing(
    services: Services, error: type[TocsinError], code: str, call: Callable[[], object]
) -> None:
    """``call`` raises ``error`` with ``code``, and the database holds exactly what it held before."""
    before = row_counts(services)
    with pytest.raises(error) as refused:
        call()
    assert refused.value.code == code
    assert row_counts(services) == before


# -- declaring -------------------------------------------------------------------------------------------


def test_declare_records_the_incident_and_its_declaration(services: Services, clock: FakeClock) -> None:
    incident = services.incidents.declare(
        Declaration(
            "  Checkout is down ",
            "P0",
            summary="500s on /checkout",
            services=["checkout", "payments", "checkout"],
            commander="bob",
            customer_facing=True,
        ),
        actor="alice",
    )
    assert incident.human_id == "INC-1"
    assert incident.title == "Checkout is down"
    assert incident.severity == "SEV1"  # the alias resolves to the scheme's name
    assert incident.state == S.TRIGGERED
    assert incident.services == ("checkout", "payments")
    assert incident.commander == "bob"
    assert incident.customer_facing is True
    assert incident.started_at == clock.now()
    assert incident.created_by == "alice"
    assert services.incidents.get(1) == incident

    [entry] = services.incidents.timeline(1)
    assert (entry.kind, entry.actor, entry.at) == (TimelineKind.DECLARED, "alice", clock.now())
    assert entry.details["title"] == "Checkout is down"
    assert entry.details["severity"] == "SEV1"
    assert entry.details["services"] == ["checkout", "payments"]
    assert entry.details["roles"] == {"commander": "bob"}


def test_incidents_get_consecutive_human_ids(services: Services) -> None:
    assert [declare(services, f"incident {n}").human_id for n in range(3)] == ["INC-1", "INC-2", "INC-3"]


def test_unknown_severity_is_refused_naming_the_choices(services: Services) -> None:
    assert_refused_without_writing(
        services, InvalidInput, "unknown_severity", lambda: declare(services, severity="SEV9")
    )
    with pytest.raises(InvalidInput, match="SEV1, SEV2, SEV3, SEV4"):
        declare(services, severity="urgent")


@pytest.mark.parametrize(
    ("declaration", "code"),
    [
        (Declaration("", "SEV1"), "empty_field"),
        (Declaration("   ", "SEV1"), "empty_field"),
        (Declaration("x" * (LIMITS.title + 1), "SEV1"), "too_long"),
        (Declaration("t", "SEV1", summary="x" * (LIMITS.summary + 1)), "too_long"),
        (Declaration("t", "SEV1", services=["x" * (LIMITS.service_name + 1)]), "too_long"),
        (Declaration("t", "SEV1", services=[" "]), "empty_field"),
        (Declaration("t", "SEV1", services=[f"s{n}" for n in range(LIMITS.services + 1)]), "too_many"),
        (Declaration("t", "SEV1", commander="x" * (LIMITS.person + 1)), "too_long"),
    ],
)
def test_bad_declarations_are_refused_and_nothing_is_written(
    services: Services, declaration: Declaration, code: str
) -> None:
    assert_refused_without_writing(
        services, InvalidInput, code, lambda: services.incidents.declare(declaration, actor="alice")
    )


def test_fields_at_their_limits_are_accepted(services: Services) -> None:
    incident = declare(
        services,
        "x" * LIMITS.title,
        summary="s" * LIMITS.summary,
        affected=[f"{n:0{LIMITS.service_name}d}" for n in range(LIMITS.services)],
    )
    assert len(services.incidents.get(incident.number).services) == LIMITS.services


# -- acknowledging and the lifecycle ---------------------------------------------------------------------


def test_acknowledge_records_who_and_when(services: Services, clock: FakeClock) -> None:
    declare(services)
    clock.advance(minutes=4)
    acked = services.incidents.acknowledge(1, actor="bob")
    assert acked.state == S.ACKNOWLEDGED
    assert (acked.acknowledged_at, acked.acknowledged_by) == (clock.now(), "bob")
    assert kinds(services, 1) == ["declared", "acknowledged"]
    assert services.incidents.timeline(1)[-1].actor == "bob"


def test_a_second_acknowledgement_is_a_conflict_naming_the_first(services: Services) -> None:
    declare(services)
    services.incidents.acknowledge(1, actor="bob")
    assert_refused_without_writing(
        services, Conflict, "already_acknowledged", lambda: services.incidents.acknowledge(1, actor="carol")
    )
    with pytest.raises(Conflict, match="by bob"):
        services.incidents.acknowledge(1, actor="carol")
    assert services.incidents.get(1).acknowledged_by == "bob"


def test_unknown_incidents_are_not_found(services: Services) -> None:
    for call in (
        lambda: services.incidents.get(7),
        lambda: services.incidents.acknowledge(7, actor="bob"),
        lambda: services.incidents.timeline(7),
        lambda: services.incidents.add_note(7, "hello", actor="bob"),
        lambda: services.incidents.change_state(7, S.RESOLVED, actor="bob"),
    ):
        assert_refused_without_writing(services, NotFound, "incident_not_found", call)


def test_the_whole_lifecycle_is_recorded_step_by_step(services: Services, clock: FakeClock) -> None:
    declare(services)
    path = [S.ACKNOWLEDGED, S.INVESTIGATING, S.IDENTIFIED, S.MITIGATING, S.MONITORING, S.RESOLVED, S.CLOSED]
    for target in path:
        clock.advance(minutes=5)
        assert services.incidents.change_state(1, target, actor="bob", note=f"now {target}").state == target
    incident = services.incidents.get(1)
    assert incident.acknowledged_at == clock.now() - timedelta(minutes=30)
    assert incident.resolved_at == clock.now() - timedelta(minutes=5)
    assert incident.closed_at == clock.now()
    entries = services.incidents.timeline(1)
    assert [e.kind for e in entries] == ["declared", "acknowledged"] + ["state_changed"] * 6
    moves = [(e.details["from"], e.details["to"], e.details["note"]) for e in entries[2:]]
    assert moves[0] == ("acknowledged", "investigating", "now investigating")
    assert moves[-1] == ("resolved", "closed", "now closed")


def test_leaving_triggered_acknowledges(services: Services, clock: FakeClock) -> None:
    declare(services)
    clock.advance(minutes=2)
    incident = services.incidents.change_state(1, S.INVESTIGATING, actor="bob")
    assert (incident.acknowledged_at, incident.acknowledged_by) == (clock.now(), "bob")
    assert services.incidents.times(1).time_to_acknowledge == timedelta(minutes=2)


def test_an_invalid_transition_is_refused_and_nothing_is_written(services: Services) -> None:
    declare(services)
    services.incidents.change_state(1, S.RESOLVED, actor="bob")
    services.incidents.change_state(1, S.CLOSED, actor="bob")
    assert_refused_without_writing(
        services,
        InvalidTransition,
        "invalid_transition",
        lambda: services.incidents.change_state(1, S.INVESTIGATING, actor="bob"),
    )
    assert services.incidents.get(1).state == S.CLOSED


def test_reopen_clears_the_resolution(services: Services, clock: FakeClock) -> None:
    declare(services)
    services.incidents.change_state(1, S.RESOLVED, actor="bob")
    clock.advance(minutes=10)
    reopened = services.incidents.change_state(1, S.INVESTIGATING, actor="bob", note="it is back")
    assert reopened.state == S.INVESTIGATING
    assert reopened.resolved_at is None
    assert services.incidents.times(1).resolved_at is None
    assert services.incidents.timeline(1)[-1].details == {
        "from": "resolved",
        "to": "investigating",
        "note": "it is back",
    }


def test_an_over_limit_note_on_a_state_change_is_refused(services: Services) -> None:
    declare(services)
    assert_refused_without_writing(
        services,
        InvalidInput,
        "too_long",
        lambda: services.incidents.change_state(
            1, S.INVESTIGATING, actor="bob", note="x" * (LIMITS.note + 1)
        ),
    )


# -- severity, roles, notes, links -----------------------------------------------------------------------


def test_severity_change_is_recorded_with_both_levels(services: Services) -> None:
    declare(services, severity="SEV3")
    assert services.incidents.change_severity(1, "critical", actor="bob").severity == "SEV1"
    assert services.incidents.timeline(1)[-1].details == {"from": "SEV3", "to": "SEV1"}


def test_severity_change_to_the_same_or_an_unknown_level_is_refused(services: Services) -> None:
    declare(services, severity="SEV2")
    change = services.incidents.change_severity
    assert_refused_without_writing(services, Conflict, "unchanged", lambda: change(1, "P1", actor="bob"))
    assert_refused_without_writing(
        services, InvalidInput, "unknown_severity", lambda: change(1, "SEV0", actor="bob")
    )


def test_roles_are_assigned_and_reassignment_remembers_who_had_it(services: Services) -> None:
    declare(services, commander="bob")
    services.incidents.assign_role(1, Role.SCRIBE, "dana", actor="alice")
    incident = services.incidents.assign_role(1, Role.COMMANDER, "carol", actor="alice")
    assert incident.roles == {"commander": "carol", "scribe": "dana"}
    assert services.incidents.timeline(1)[-1].details == {
        "role": "commander",
        "person": "carol",
        "previous": "bob",
    }
    assert_refused_without_writing(
        services,
        InvalidInput,
        "empty_field",
        lambda: services.incidents.assign_role(1, Role.SCRIBE, " ", actor="a"),
    )


def test_notes_go_to_the_timeline(services: Services) -> None:
    declare(services)
    services.incidents.add_note(1, "  Restarted the primary. ", actor="bob")
    entry = services.incidents.timeline(1)[-1]
    assert (entry.kind, entry.actor, entry.details) == ("note", "bob", {"text": "Restarted the primary."})

    def note(text: str) -> Callable[[], object]:
        return lambda: services.incidents.add_note(1, text, actor="bob")

    assert_refused_without_writing(services, InvalidInput, "empty_field", note("  "))
    assert_refused_without_writing(services, InvalidInput, "too_long", note("x" * (LIMITS.note + 1)))


def test_links_are_attached_in_order(services: Services) -> None:
    declare(services)
    services.incidents.add_link(1, "https://grafana.example.com/d/api", "API dashboard", actor="bob")
    incident = services.incidents.add_link(1, "http://status.example.com", actor="bob")
    assert [(link.url, link.title) for link in incident.links] == [
        ("https://grafana.example.com/d/api", "API dashboard"),
        ("http://status.example.com", ""),
    ]
    assert kinds(services, 1)[-2:] == ["link_added", "link_added"]


@pytest.mark.parametrize(
    ("url", "title", "code"),
    [
        ("not a url", "", "invalid_url"),
        ("ftp://files.example.com/x", "", "invalid_url"),
        ("javascript:alert(1)", "", "invalid_url"),
        ("https://", "", "invalid_url"),
        ("", "", "empty_field"),
        ("https://example.com/" + "x" * LIMITS.url, "", "too_long"),
        ("https://example.com", "x" * (LIMITS.link_title + 1), "too_long"),
    ],
)
def test_bad_links_are_refused(services: Services, url: str, title: str, code: str) -> None:
    declare(services)
    assert_refused_without_writing(
        services, InvalidInput, code, lambda: services.incidents.add_link(1, url, title, actor="bob")
    )


# -- finding and measuring -------------------------------------------------------------------------------


def test_find_filters_by_state_severity_service_and_time(services: Services, clock: FakeClock) -> None:
    start = clock.now()
    declare(services, "api slow", "SEV2", affected=["api"])  # INC-1 at +0
    clock.advance(hours=1)
    declare(services, "db down", "SEV1", affected=["db", "api"])  # INC-2 at +1h
    clock.advance(hours=1)
    declare(services, "typo", "SEV4", affected=["web"])  # INC-3 at +2h
    services.incidents.change_state(2, S.RESOLVED, actor="bob")

    def numbers(where: IncidentFilter) -> list[int]:
        found, total = services.incidents.find(where)
        assert total == len(found)
        return [incident.number for incident in found]

    hour = timedelta(hours=1)
    assert numbers(IncidentFilter()) == [3, 2, 1]  # newest first
    assert numbers(IncidentFilter(states=[S.TRIGGERED])) == [3, 1]
    assert numbers(IncidentFilter(states=[S.RESOLVED, S.CLOSED])) == [2]
    assert numbers(IncidentFilter(severities=["SEV1", "SEV4"])) == [3, 2]
    assert numbers(IncidentFilter(service="api")) == [2, 1]
    assert numbers(IncidentFilter(service="nothing")) == []
    assert numbers(IncidentFilter(started_after=start + hour)) == [3, 2]
    assert numbers(IncidentFilter(started_before=start + hour)) == [1]
    assert numbers(
        IncidentFilter(started_after=start + timedelta(minutes=1), started_before=start + 2 * hour)
    ) == [2]
    assert numbers(IncidentFilter(states=[S.TRIGGERED], service="api")) == [1]


def test_find_pages_through_everything_once(services: Services, clock: FakeClock) -> None:
    for n in range(7):
        declare(services, f"incident {n}")
        clock.advance(minutes=1)
    seen: list[int] = []
    for offset in range(0, 9, 3):
        page, total = services.incidents.find(IncidentFilter(), limit=3, offset=offset)
        assert total == 7
        seen += [incident.number for incident in page]
    assert seen == [7, 6, 5, 4, 3, 2, 1]


def test_times_are_derived_with_the_clock(services: Services, clock: FakeClock) -> None:
    declare(services, severity="SEV1")
    assert services.incidents.times(1).response_target == TargetStatus.PENDING
    clock.advance(minutes=20)
    assert services.incidents.times(1).response_target == TargetStatus.MISSED
    services.incidents.acknowledge(1, actor="bob")
    clock.advance(minutes=10)
    services.incidents.change_state(1, S.RESOLVED, actor="bob")
    times = services.incidents.times(1)
    assert (times.time_to_acknowledge, times.time_to_resolve) == (
        timedelta(minutes=20),
        timedelta(minutes=30),
    )
    assert (times.response_target, times.resolution_target) == (TargetStatus.MISSED, TargetStatus.MET)


def test_the_timeline_pages_forward_by_id(services: Services) -> None:
    declare(services)
    for n in range(4):
        services.incidents.add_note(1, f"note {n}", actor="bob")
    everything = services.incidents.timeline(1)
    assert len(everything) == 5
    after_second = services.incidents.timeline(1, after_id=everything[1].id, limit=2)
    assert [e.details["text"] for e in after_second] == ["note 1", "note 2"]
    assert services.incidents.timeline(1, after_id=everything[-1].id) == []


def test_changes_are_published_once_committed_and_refusals_publish_nothing(services: Services) -> None:
    inbox = services.events.subscribe()
    declare(services)
    assert services.events.jobs_enqueued.is_set()  # the worker wakes for the new target deadlines
    services.incidents.add_note(1, "hello", actor="bob")
    with pytest.raises(Conflict):
        services.incidents.change_severity(1, "SEV1", actor="bob")
    with pytest.raises(InvalidInput):
        declare(services, severity="SEV9")
    seen: list[Change] = []
    while not inbox.empty():
        seen.append(inbox.get_nowait())
    assert [change for change in seen if change.topic == "incident"] == [Change("incident", 1)] * 2


# -- the severity scheme ---------------------------------------------------------------------------------


def test_a_fresh_database_holds_the_default_scheme(services: Services) -> None:
    with services.db.read() as conn:
        assert severities.load_scheme(conn) == DEFAULT_SCHEME


def test_a_replaced_scheme_is_what_declarations_use(services: Services) -> None:
    fast = replace(
        DEFAULT_SCHEME.levels[0], name="P0", aliases=("Emergency",), response_target=timedelta(seconds=5)
    )
    slow = replace(DEFAULT_SCHEME.levels[1], name="P1", aliases=(), rank=1)
    services.severities.replace(SeverityScheme(levels=(fast, slow)))
    assert services.severities.scheme().levels == (fast, slow)
    assert declare(services, severity="emergency").severity == "P0"
    with pytest.raises(InvalidInput, match="P0, P1"):
        declare(services, severity="SEV1")
