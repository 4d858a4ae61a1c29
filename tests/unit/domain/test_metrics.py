"""Times derived from a timeline: acknowledged, resolved, time to each, and whether targets were met."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tocsin.domain.metrics import TargetStatus, incident_times
from tocsin.domain.severity import DEFAULT_SCHEME, SeverityLevel
from tocsin.domain.timeline import TimelineEntry, TimelineKind

START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
SEV1 = DEFAULT_SCHEME.levels[0]  # response 15 min, resolution 1 h
SEV4 = DEFAULT_SCHEME.levels[3]  # no response target, resolution 1 week


class Story:
    """Builds a timeline the way the services write it: one entry per change, oldest first."""

    def __init__(self) -> None:
        self.entries: list[TimelineEntry] = []
        self.add(0, TimelineKind.DECLARED, title="DB down", severity="SEV1")

    def add(self, minutes: float, kind: str, **details: Any) -> Story:
        at = START + timedelta(minutes=minutes)
        self.entries.append(TimelineEntry(len(self.entries) + 1, 1, at, "alice", kind, details))
        return self

    def ack(self, minutes: float) -> Story:
        return self.add(minutes, TimelineKind.ACKNOWLEDGED)

    def move(self, minutes: float, source: str, target: str) -> Story:
        return self.add(minutes, TimelineKind.STATE_CHANGED, **{"from": source, "to": target})


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def test_a_fresh_incident_is_pending_on_both_targets() -> None:
    times = incident_times(Story().entries, SEV1, now=at(5))
    assert times.started_at == START
    assert times.acknowledged_at is None
    assert times.resolved_at is None
    assert times.time_to_acknowledge is None
    assert times.time_to_resolve is None
    assert times.response_target == TargetStatus.PENDING
    assert times.resolution_target == TargetStatus.PENDING


def test_no_acknowledgement_past_the_deadline_is_a_miss() -> None:
    story = Story()
    assert incident_times(story.entries, SEV1, now=at(15)).response_target == TargetStatus.PENDING
    assert incident_times(story.entries, SEV1, now=at(15.01)).response_target == TargetStatus.MISSED
    assert incident_times(story.entries, SEV1, now=at(61)).resolution_target == TargetStatus.MISSED


def test_acknowledged_in_time_is_met_and_measured() -> None:
    story = Story().ack(10)
    times = incident_times(story.entries, SEV1, now=at(500))
    assert times.acknowledged_at == at(10)
    assert times.time_to_acknowledge == timedelta(minutes=10)
    assert times.response_target == TargetStatus.MET


def test_acknowledged_exactly_at_the_deadline_counts_as_met() -> None:
    times = incident_times(Story().ack(15).entries, SEV1, now=at(20))
    assert times.response_target == TargetStatus.MET


def test_acknowledged_late_is_missed_even_after_acknowledgement() -> None:
    times = incident_times(Story().ack(16).entries, SEV1, now=at(20))
    assert times.time_to_acknowledge == timedelta(minutes=16)
    assert times.response_target == TargetStatus.MISSED


def test_moving_out_of_triggered_acknowledges() -> None:
    story = Story().move(7, "triggered", "investigating")
    times = incident_times(story.entries, SEV1, now=at(8))
    assert times.acknowledged_at == at(7)
    assert times.response_target == TargetStatus.MET


def test_the_first_acknowledgement_counts() -> None:
    story = Story().ack(4).move(9, "acknowledged", "investigating")
    assert incident_times(story.entries, SEV1, now=at(10)).acknowledged_at == at(4)


def test_resolution_is_measured_from_the_start() -> None:
    story = Story().ack(3).move(20, "acknowledged", "mitigating").move(45, "mitigating", "resolved")
    times = incident_times(story.entries, SEV1, now=at(90))
    assert times.resolved_at == at(45)
    assert times.time_to_resolve == timedelta(minutes=45)
    assert times.resolution_target == TargetStatus.MET


def test_resolved_late_is_missed() -> None:
    story = Story().ack(3).move(75, "acknowledged", "resolved")
    assert incident_times(story.entries, SEV1, now=at(80)).resolution_target == TargetStatus.MISSED


def test_closing_keeps_the_resolution_time() -> None:
    story = Story().ack(3).move(30, "acknowledged", "resolved").move(200, "resolved", "closed")
    times = incident_times(story.entries, SEV1, now=at(300))
    assert times.resolved_at == at(30)
    assert times.resolution_target == TargetStatus.MET


def test_a_reopened_incident_is_unresolved_again() -> None:
    story = Story().ack(3).move(30, "acknowledged", "resolved").move(40, "resolved", "investigating")
    times = incident_times(story.entries, SEV1, now=at(50))
    assert times.resolved_at is None
    assert times.time_to_resolve is None
    assert times.resolution_target == TargetStatus.PENDING
    assert incident_times(story.entries, SEV1, now=at(61)).resolution_target == TargetStatus.MISSED


def test_a_reopened_incident_is_measured_by_its_last_resolution() -> None:
    story = (
        Story()
        .ack(3)
        .move(30, "acknowledged", "resolved")
        .move(40, "resolved", "investigating")
        .move(70, "investigating", "resolved")
    )
    times = incident_times(story.entries, SEV1, now=at(80))
    assert times.resolved_at == at(70)
    assert times.time_to_resolve == timedelta(minutes=70)
    assert times.resolution_target == TargetStatus.MISSED


def test_notes_and_other_entries_do_not_count_as_acknowledgement() -> None:
    story = Story().add(2, TimelineKind.NOTE, text="looking").add(3, TimelineKind.SEVERITY_CHANGED, to="SEV2")
    assert incident_times(story.entries, SEV1, now=at(4)).acknowledged_at is None


def test_a_level_without_a_response_target_has_none_to_meet() -> None:
    times = incident_times(Story().entries, SEV4, now=at(60 * 24 * 30))
    assert times.response_target == TargetStatus.NO_TARGET
    assert times.resolution_target == TargetStatus.MISSED  # a week has passed


def test_an_unknown_severity_has_no_targets() -> None:
    times = incident_times(Story().ack(100).entries, None, now=at(1000))
    assert times.time_to_acknowledge == timedelta(minutes=100)
    assert times.response_target == TargetStatus.NO_TARGET
    assert times.resolution_target == TargetStatus.NO_TARGET


def test_targets_follow_the_level_they_are_measured_against() -> None:
    story = Story().ack(20)
    relaxed = SeverityLevel(name="SEV2", rank=1, response_target=timedelta(minutes=30))
    assert incident_times(story.entries, SEV1, now=at(21)).response_target == TargetStatus.MISSED
    assert incident_times(story.entries, relaxed, now=at(21)).response_target == TargetStatus.MET


def test_an_empty_timeline_is_refused() -> None:
    with pytest.raises(ValueError, match="declaration"):
        incident_times([], SEV1, now=START)
