"""Seed 001 (Dashboarduz: ECS, Sentry): levels as headings, escalation by unresolved time, three templates."""

from __future__ import annotations

import pytest

from tests.seeds import requires_seeds, seed
from tests.unit.runbook.golden import (
    DAY,
    HOUR,
    MIN,
    WEEK,
    levels,
    parse_file,
    placeholders,
    safeties,
    scenario,
)
from tocsin.domain.playbook import EscalationCondition, Playbook

pytestmark = requires_seeds


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    return parse_file(seed("001"))


def test_levels_with_response_and_resolution_targets(playbook: Playbook) -> None:
    assert levels(playbook) == [
        ("P0", MIN * 0, HOUR),  # "Immediate"
        ("P1", 15 * MIN, 4 * HOUR),
        ("P2", HOUR, DAY),
        ("P3", 4 * HOUR, WEEK),
    ]
    assert [d.level.aliases for d in playbook.severities] == [("Critical",), ("High",), ("Medium",), ("Low",)]
    assert playbook.severities[0].level.examples == (
        "Complete service outage",
        "Data loss or corruption",
        "Security breach",
    )


def test_escalation_path_and_time_based_rules(playbook: Playbook) -> None:
    assert [(e.level, e.target, e.delay) for e in playbook.escalation] == [
        (1, "On-Call Engineer", None),
        (2, "Team Lead", HOUR),
        (3, "Engineering Manager", 2 * HOUR),
        (4, "CTO", None),
    ]
    assert playbook.escalation[3].severities == ("P0",)
    rules = [(t.severity, t.condition, t.after) for t in playbook.escalation_triggers]
    assert rules[:2] == [
        ("P0", EscalationCondition.UNRESOLVED, 30 * MIN),
        ("P1", EscalationCondition.UNRESOLVED, 2 * HOUR),
    ]
    assert [t.text for t in playbook.escalation_triggers[2:]] == [
        "Need additional expertise",
        "Security-related incidents",
        "Data loss incidents",
    ]


def test_common_incidents(playbook: Playbook) -> None:
    assert [(s.title, len(s.steps)) for s in playbook.scenarios] == [
        ("Service Down", 8),
        ("Database Issues", 7),
        ("High Error Rate", 5),
        ("Queue Backlog", 7),
        ("Performance Degradation", 5),
    ]
    down = scenario(playbook, "Service Down")
    assert down.symptoms == ("Health checks failing", "5xx errors", "No response from API")
    assert safeties(down.steps) == [None] * 5 + ["read_only"] * 3  # five actions, then three commands
    assert safeties(scenario(playbook, "Queue Backlog").steps)[-2:] == ["read_only", "mutating"]
    assert [p.name for p in scenario(playbook, "Database Issues").steps[-1].parameters] == ["$DATABASE_URL"]


def test_three_message_templates_with_placeholders(playbook: Playbook) -> None:
    assert [(t.name, t.kind.value) for t in playbook.templates] == [
        ("Initial Alert", "initial"),
        ("Status Update", "update"),
        ("Resolution", "resolution"),
    ]
    assert playbook.templates[0].body.startswith("🚨 INCIDENT: [Severity]")  # mojibake repaired
    assert placeholders(playbook, "Initial Alert") == {
        "[Severity]": "severity",
        "[Service]": "services",
        "[Brief Description]": "title",
        "[Timestamp]": "started_at",
        "[Services/Users]": "services",
        "[Engineer Name]": "responder",
    }
    resolution = placeholders(playbook, "Resolution")
    assert resolution["[Timestamp]"] == "resolved_at"  # "Resolved: [Timestamp]"
    assert resolution["[Scheduled for date]"] is None


def test_post_mortem_checklist(playbook: Playbook) -> None:
    (checklist,) = playbook.checklists
    assert checklist.name == "Post-Mortem"
    assert [(i.text, i.deadline) for i in checklist.items] == [
        ("Schedule within 48 hours", 48 * HOUR),
        ("Document timeline", None),
        ("Identify root cause", None),
        ("Create action items", None),
        ("Update runbooks", None),
    ]


def test_only_prevention_advice_is_left_over(playbook: Playbook) -> None:
    assert [link.title for link in playbook.links][:2] == ["CloudWatch Dashboards", "Sentry Error Tracking"]
    assert [u.line for u in playbook.unparsed] == [305, 306, 307, 308, 311, 312, 313, 314, 315, 316]
    assert "Regular Activities" in playbook.unparsed[0].reason
