"""Seed 004 (Terraform/EC2): Severity 1-4 with escalation chains, L1-L4 with delays, timed phases, an
alert → cause → first action table, and Mac Roman mojibake."""

from __future__ import annotations

import pytest

from tests.seeds import requires_seeds, seed
from tests.unit.runbook.golden import DAY, HOUR, MIN, levels, parse_file, safeties, scenario, stages
from tocsin.domain.playbook import Playbook
from tocsin.runbook import playbook_to_yaml

pytestmark = requires_seeds


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    return parse_file(seed("004"))


def test_levels_with_escalation_chains(playbook: Playbook) -> None:
    assert levels(playbook) == [
        ("Severity 1", 5 * MIN, None),
        ("Severity 2", 15 * MIN, None),
        ("Severity 3", HOUR, None),
        ("Severity 4", DAY, None),
    ]
    assert [d.escalation_chain for d in playbook.severities] == [
        ("On-call engineer", "Team Lead", "CTO"),
        ("On-call engineer", "Team Lead"),
        ("On-call engineer",),
        (),
    ]
    scheme = playbook.severity_scheme()
    assert scheme is not None
    level = scheme.resolve("sev1")  # what its own "/incident create sev1" says
    assert level is not None
    assert level.name == "Severity 1"


def test_escalation_levels_with_delays(playbook: Playbook) -> None:
    assert [(e.level, e.target, e.delay) for e in playbook.escalation] == [
        (1, "On-Call Engineer", 5 * MIN),
        (2, "Team Lead", 15 * MIN),
        (3, "Engineering Manager", 30 * MIN),
        (4, "CTO", HOUR),
    ]
    (on_call,) = playbook.contacts
    assert (on_call.role, on_call.name, on_call.backup) == (
        "Primary On-Call",
        "Assigned via PagerDuty rotation",
        "Secondary on-call engineer",
    )


def test_phases_with_time_windows(playbook: Playbook) -> None:
    assert [(p.name, p.start, p.end) for p in playbook.phases] == [
        ("Detection & Acknowledgment", 0 * MIN, 5 * MIN),
        ("Assessment", 5 * MIN, 15 * MIN),
        ("Containment", 15 * MIN, 30 * MIN),
        ("Resolution", 30 * MIN, 60 * MIN),
        ("Recovery Verification", 60 * MIN, 90 * MIN),
    ]
    containment = playbook.phases[2]
    assert set(stages(containment.steps)) == {"containment"}
    assert [s.heading for s in containment.steps[:3]] == ["For Application Crash"] * 3
    resolution = playbook.phases[3]
    assert safeties(resolution.steps)[:4] == ["mutating", "mutating", "destructive", "destructive"]
    assert "terraform apply" in resolution.steps[2].code


def test_scenarios(playbook: Playbook) -> None:
    assert [(s.title, len(s.steps)) for s in playbook.scenarios] == [
        ("High CPU Utilization", 6),
        ("Database Connection Pool Exhausted", 5),
        ("Disk Space Full", 5),
    ]
    cpu = scenario(playbook, "High CPU Utilization")
    assert safeties(cpu.steps) == [
        "read_only",
        "mutating",
        "read_only",
        "mutating",
        "mutating",
        "destructive",
    ]
    assert [s.description for s in cpu.steps[3:]] == [
        "Scale horizontally",
        "Scale vertically (requires downtime)",
        "Kill problematic process",
    ]
    assert [p.name for p in cpu.steps[1].parameters] == ["i-xxxxx"]
    disk = scenario(playbook, "Disk Space Full")
    assert safeties(disk.steps) == ["read_only", "read_only", "destructive", "mutating", "mutating"]


def test_alert_guide_templates_and_checklists(playbook: Playbook) -> None:
    first = playbook.alert_guide[0]
    assert (first.alert, first.likely_cause, first.first_action) == (
        "High CPU",
        "Process spike, infinite loop",
        "Check top, scale ASG",
    )
    assert len(playbook.alert_guide) == 6
    assert [(t.name, t.kind.value) for t in playbook.templates] == [
        ("Update Incident Timeline", "postmortem"),
        ("Initial Alert", "initial"),
        ("Update", "update"),
        ("Resolution", "resolution"),
    ]
    assert [t.placeholders for t in playbook.templates] == [(), (), (), ()]  # examples, not blanks
    assert [(c.name, len(c.items)) for c in playbook.checklists] == [
        ("Root Cause Analysis (RCA)", 3),
        ("Create Jira Tickets", 4),
        ("Update Runbooks", 3),
    ]


def test_mojibake_is_repaired(playbook: Playbook) -> None:
    text = playbook_to_yaml(playbook)
    assert "\uf8ff" not in text
    assert "üö" not in text
    assert "\u201a\u00dc\u00ed" not in text  # a Mac Roman arrow
    assert playbook.templates[1].body.startswith("🚨 INCIDENT")


def test_only_the_closing_encouragement_is_left_over(playbook: Playbook) -> None:
    assert [u.line for u in playbook.unparsed] == [464]
    assert playbook.title == "INCIDENT RESPONSE RUNBOOK"
