"""The incident lifecycle as documented: which moves are allowed, which are refused and how, and the
human ids and input limits every interface relies on."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocsin.domain.incident import (
    ACTIVE_STATES,
    LIMITS,
    IncidentState,
    check_text,
    check_transition,
    format_human_id,
    parse_human_id,
)
from tocsin.errors import Conflict, InvalidInput, InvalidTransition

S = IncidentState
WORKING = {S.INVESTIGATING, S.IDENTIFIED, S.MITIGATING, S.MONITORING}

# The lifecycle written out by hand from the issue and the module's documentation, independently of the
# code's own table: responders may skip forward and move between the working states; leaving triggered
# acknowledges; resolved → investigating reopens; closed is final; nothing goes back to triggered.
ALLOWED: dict[IncidentState, set[IncidentState]] = {
    S.TRIGGERED: {S.ACKNOWLEDGED, *WORKING, S.RESOLVED},
    S.ACKNOWLEDGED: {*WORKING, S.RESOLVED},
    S.INVESTIGATING: {S.IDENTIFIED, S.MITIGATING, S.MONITORING, S.RESOLVED},
    S.IDENTIFIED: {S.INVESTIGATING, S.MITIGATING, S.MONITORING, S.RESOLVED},
    S.MITIGATING: {S.INVESTIGATING, S.IDENTIFIED, S.MONITORING, S.RESOLVED},
    S.MONITORING: {S.INVESTIGATING, S.IDENTIFIED, S.MITIGATING, S.RESOLVED},
    S.RESOLVED: {S.CLOSED, S.INVESTIGATING},
    S.CLOSED: set(),
}
ALL_PAIRS = [(current, target) for current in S for target in S]


def test_the_documented_path_runs_from_triggered_to_closed() -> None:
    path = [
        S.TRIGGERED,
        S.ACKNOWLEDGED,
        S.INVESTIGATING,
        S.IDENTIFIED,
        S.MITIGATING,
        S.MONITORING,
        S.RESOLVED,
        S.CLOSED,
    ]
    for current, target in itertools.pairwise(path):
        check_transition(current, target)


@pytest.mark.parametrize(("current", "target"), [p for p in ALL_PAIRS if p[1] in ALLOWED[p[0]]])
def test_allowed_moves_pass(current: IncidentState, target: IncidentState) -> None:
    check_transition(current, target)


@pytest.mark.parametrize(("current", "target"), [p for p in ALL_PAIRS if p[1] not in ALLOWED[p[0]]])
def test_every_other_move_is_refused_with_a_clear_conflict(
    current: IncidentState, target: IncidentState
) -> None:
    with pytest.raises(InvalidTransition) as refused:
        check_transition(current, target)
    error = refused.value
    assert isinstance(error, Conflict)
    assert error.status == 409
    assert error.code == "invalid_transition"
    assert f"from {current} to {target}" in error.message
    assert error.details == {"current": str(current), "target": str(target)}


def test_the_refusal_lists_where_the_incident_can_go_instead() -> None:
    with pytest.raises(InvalidTransition) as refused:
        check_transition(S.RESOLVED, S.MITIGATING)
    assert "closed" in refused.value.message
    assert "investigating" in refused.value.message


def test_a_closed_incident_is_final() -> None:
    with pytest.raises(InvalidTransition, match="closed is final"):
        check_transition(S.CLOSED, S.INVESTIGATING)


def test_reopen_is_resolved_to_investigating_only() -> None:
    check_transition(S.RESOLVED, S.INVESTIGATING)
    for target in (S.TRIGGERED, S.ACKNOWLEDGED, S.IDENTIFIED, S.MITIGATING, S.MONITORING):
        with pytest.raises(InvalidTransition):
            check_transition(S.RESOLVED, target)


def test_open_states_are_the_ones_before_resolution() -> None:
    assert {s for s in S if s.is_open} == set(ACTIVE_STATES)
    assert not S.RESOLVED.is_open
    assert not S.CLOSED.is_open
    assert S.TRIGGERED.is_open
    assert S.MONITORING.is_open


@pytest.mark.parametrize(("text", "number"), [("INC-42", 42), ("inc-42", 42), ("42", 42), ("  INC-7 ", 7)])
def test_human_ids_are_parsed_in_the_forms_people_type(text: str, number: int) -> None:
    assert parse_human_id(text) == number


@pytest.mark.parametrize(
    "text", ["", "INC-", "INC-0", "0", "-1", "INC--1", "abc", "INC-4x2", "INC 42", "4.2"]
)
def test_malformed_human_ids_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_human_id(text)
    assert refused.value.code == "invalid_incident_id"
    assert "INC-42" in refused.value.message  # says what the form is


@given(st.integers(min_value=1, max_value=10**9))
def test_human_ids_round_trip(number: int) -> None:
    assert format_human_id(number) == f"INC-{number}"
    assert parse_human_id(format_human_id(number)) == number


def test_text_is_stripped_and_accepted_up_to_its_limit() -> None:
    assert check_text("title", "  DB down \n", LIMITS.title) == "DB down"
    at_limit = "x" * LIMITS.title
    assert check_text("title", at_limit, LIMITS.title) == at_limit


def test_text_over_its_limit_is_refused_not_truncated() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_text("title", "x" * (LIMITS.title + 1), LIMITS.title)
    assert refused.value.code == "too_long"
    assert refused.value.details == {"field": "title"}
    assert str(LIMITS.title) in refused.value.message


@pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
def test_required_text_must_not_be_blank(blank: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_text("title", blank, LIMITS.title, required=True)
    assert refused.value.code == "empty_field"
    assert refused.value.message == "title must not be empty"
    assert check_text("summary", blank, LIMITS.summary) == ""
