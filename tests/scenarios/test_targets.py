"""Response and resolution targets with a fake clock: a missed target is written to the timeline once, at
the right time, by the worker; a target met in time writes nothing; a severity change moves the deadline.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tocsin.clock import FakeClock
from tocsin.domain.incident import IncidentState
from tocsin.domain.metrics import TargetStatus
from tocsin.engine.worker import Worker
from tocsin.services.container import Services
from tocsin.services.incidents import Declaration

S = IncidentState


class Story:
    """One incident, the worker, and a clock to move: the vocabulary of a paging story."""

    def __init__(self, services: Services, clock: FakeClock, severity: str) -> None:
        self.services = services
        self.clock = clock
        self.worker = Worker(services.db, clock, services.job_handlers())
        self.started = clock.now()
        self.number = services.incidents.declare(Declaration("Checkout is down", severity), actor="am").number

    def at(self, minutes: float) -> datetime:
        """Move the clock to ``minutes`` after the declaration and let the worker run what is due."""
        self.clock.set(self.started + timedelta(minutes=minutes))
        self.worker.run_due()
        return self.clock.now()

    def misses(self, target: str | None = None) -> list[dict[str, Any]]:
        entries = self.services.incidents.timeline(self.number)
        found = [e for e in entries if e.kind == "target_missed"]
        assert all(e.actor == "tocsin" for e in found)
        return [e.details | {"at": e.at} for e in found if target is None or e.details["target"] == target]


@pytest.fixture
def sev1(services: Services, clock: FakeClock) -> Story:
    return Story(services, clock, "SEV1")  # response 15 min, resolution 1 h


def test_no_acknowledgement_past_the_response_target_is_recorded_once(sev1: Story) -> None:
    sev1.at(14)
    assert sev1.misses() == []
    missed_at = sev1.at(15.5)
    [miss] = sev1.misses("response")
    assert miss["at"] == missed_at
    assert miss["severity"] == "SEV1"
    assert miss["target_s"] == 15 * 60
    assert datetime.fromisoformat(miss["deadline"]) == sev1.started + timedelta(minutes=15)
    sev1.at(16)
    sev1.at(30)
    assert len(sev1.misses("response")) == 1


def test_acknowledging_at_the_deadline_is_met_and_not_recorded_as_missed(sev1: Story) -> None:
    sev1.at(15)
    sev1.services.incidents.acknowledge(sev1.number, actor="alice")
    assert sev1.services.incidents.times(sev1.number).response_target == TargetStatus.MET
    assert sev1.misses("response") == []


def test_acknowledged_in_time_records_no_response_miss(sev1: Story) -> None:
    sev1.at(10)
    sev1.services.incidents.acknowledge(sev1.number, actor="alice")
    sev1.at(16)
    sev1.at(45)
    assert sev1.misses("response") == []
    assert sev1.services.incidents.times(sev1.number).response_target == TargetStatus.MET


def test_moving_out_of_triggered_in_time_also_counts(sev1: Story) -> None:
    sev1.at(5)
    sev1.services.incidents.change_state(sev1.number, S.INVESTIGATING, actor="alice")
    sev1.at(20)
    assert sev1.misses("response") == []


def test_a_worker_that_was_down_records_the_miss_when_it_comes_back(sev1: Story) -> None:
    back_at = sev1.at(40)  # nothing ran between declaration and now
    [miss] = sev1.misses("response")
    assert miss["at"] == back_at
    assert datetime.fromisoformat(miss["deadline"]) == sev1.started + timedelta(minutes=15)


def test_an_unresolved_incident_misses_its_resolution_target_once(sev1: Story) -> None:
    sev1.at(3)
    sev1.services.incidents.acknowledge(sev1.number, actor="alice")
    sev1.at(59)
    assert sev1.misses() == []
    sev1.at(61)
    [miss] = sev1.misses("resolution")
    assert miss["target_s"] == 3600
    sev1.at(120)
    assert len(sev1.misses()) == 1  # acknowledged in time: only the resolution miss


def test_resolved_in_time_records_no_resolution_miss(sev1: Story) -> None:
    sev1.at(3)
    sev1.services.incidents.acknowledge(sev1.number, actor="alice")
    sev1.at(50)
    sev1.services.incidents.change_state(sev1.number, S.RESOLVED, actor="alice")
    sev1.at(61)
    sev1.at(24 * 60)
    assert sev1.misses() == []


def test_both_targets_missed_are_both_recorded(sev1: Story) -> None:
    sev1.at(90)
    assert sorted(m["target"] for m in sev1.misses()) == ["resolution", "response"]
    sev1.at(200)
    assert len(sev1.misses()) == 2


def test_raising_the_severity_brings_the_deadline_forward(services: Services, clock: FakeClock) -> None:
    story = Story(services, clock, "SEV2")  # response 30 min
    story.at(10)
    services.incidents.change_severity(story.number, "SEV1", actor="alice")  # now 15 min from the start
    story.at(14)
    assert story.misses() == []
    story.at(16)
    [miss] = story.misses("response")
    assert (miss["severity"], miss["target_s"]) == ("SEV1", 15 * 60)
    story.at(31)  # the old SEV2 deadline passes: still one miss
    assert len(story.misses("response")) == 1


def test_raising_the_severity_past_its_deadline_records_the_miss_at_once(
    services: Services, clock: FakeClock
) -> None:
    story = Story(services, clock, "SEV3")  # response 2 h
    story.at(20)
    services.incidents.change_severity(story.number, "SEV1", actor="alice")  # 15 min: already past
    story.worker.run_due()
    [miss] = story.misses("response")
    assert miss["severity"] == "SEV1"


def test_lowering_the_severity_pushes_the_deadline_back(sev1: Story) -> None:
    sev1.at(10)
    sev1.services.incidents.change_severity(sev1.number, "SEV2", actor="alice")  # now 30 min
    sev1.at(16)
    assert sev1.misses() == []
    sev1.at(29)
    assert sev1.misses() == []
    sev1.at(31)
    [miss] = sev1.misses("response")
    assert (miss["severity"], miss["target_s"]) == ("SEV2", 30 * 60)


def test_a_level_without_a_response_target_never_misses_one(services: Services, clock: FakeClock) -> None:
    story = Story(services, clock, "SEV4")  # no response target; resolution 1 week
    story.at(60 * 24)
    assert story.misses() == []
    story.at(60 * 24 * 7 + 1)
    assert [m["target"] for m in story.misses()] == ["resolution"]


def test_a_severity_changed_back_still_has_its_deadline(sev1: Story) -> None:
    sev1.at(5)
    sev1.services.incidents.change_severity(sev1.number, "SEV2", actor="alice")
    sev1.at(16)  # the SEV1 deadline job runs and finds the incident at SEV2
    sev1.services.incidents.change_severity(sev1.number, "SEV1", actor="alice")
    sev1.at(20)  # SEV1 again, unacknowledged, 5 minutes past its 15-minute target
    assert [m["severity"] for m in sev1.misses("response")] == ["SEV1"]


def test_a_reopened_incident_past_its_resolution_target_records_the_miss(sev1: Story) -> None:
    sev1.at(3)
    sev1.services.incidents.acknowledge(sev1.number, actor="alice")
    sev1.services.incidents.change_state(sev1.number, S.RESOLVED, actor="alice")
    sev1.at(61)  # the resolution deadline job runs and finds it resolved
    sev1.services.incidents.change_state(sev1.number, S.INVESTIGATING, actor="alice", note="back")
    sev1.at(70)
    assert sev1.services.incidents.times(sev1.number).resolution_target == TargetStatus.MISSED
    assert len(sev1.misses("resolution")) == 1
