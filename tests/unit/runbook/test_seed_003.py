"""Seed 003 (Mangu Publishing: ECS, S3, Redis): a plain list of levels, severity questions, alert
thresholds and a postmortem file template."""

from __future__ import annotations

import pytest

from tests.seeds import requires_seeds, seed
from tests.unit.runbook.golden import HOUR, MIN, levels, parse_file, placeholders, safeties, scenario
from tocsin.domain.playbook import Playbook

pytestmark = requires_seeds


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    return parse_file(seed("003"))


def test_levels_without_targets_stay_unknown(playbook: Playbook) -> None:
    assert levels(playbook) == [
        ("P0", None, None),
        ("P1", None, None),
        ("P2", None, None),
        ("P3", None, None),
    ]
    assert [(d.level.aliases, d.level.description) for d in playbook.severities] == [
        (("Critical",), "Complete service outage, data loss"),
        (("High",), "Major feature broken, significant degradation"),
        (("Medium",), "Minor feature broken, workaround available"),
        (("Low",), "Cosmetic issues, minimal impact"),
    ]


def test_severity_assessment_questions(playbook: Playbook) -> None:
    assert [q.question for q in playbook.assessment] == [
        "Is the main site accessible?",
        "Are transactions processing?",
        "Data loss occurring?",
    ]
    first = playbook.assessment[0]
    assert [(a.answer, a.severity) for a in first.answers] == [
        ("No", "P0"),
        ("Yes, degraded", "P1"),
        ("Yes, partial features down", "P2"),
    ]
    data_loss = playbook.assessment[2]
    assert [(a.answer, a.severity, a.note) for a in data_loss.answers] == [
        ("Yes", "P0", "IMMEDIATE ACTION"),
        ("No", None, "Assess based on functionality"),
    ]


def test_timed_phases(playbook: Playbook) -> None:
    assert [(p.name, p.start, p.end, len(p.steps)) for p in playbook.phases] == [
        ("Detection & Triage", 0 * MIN, 5 * MIN, 3),
        ("Initial Response", 5 * MIN, 15 * MIN, 6),
    ]
    initial = playbook.phases[1]
    assert [s.heading for s in initial.steps] == ["P0: Critical Incident"] * 4 + ["P1: High Priority"] * 2


def test_common_incidents(playbook: Playbook) -> None:
    assert [(s.title, len(s.steps)) for s in playbook.scenarios] == [
        ("Database Connection Failure", 6),
        ("Memory/CPU Exhaustion", 4),
        ("Redis Cache Failure", 4),
        ("Application Error Spike", 4),
        ("S3 Upload Failure", 5),
    ]
    database = scenario(playbook, "Database Connection Failure")
    assert safeties(database.steps) == ["read_only"] * 3 + ["destructive", "destructive", "read_only"]
    assert [p.name for p in database.steps[4].parameters] == ["$DATABASE_URL", "<pid>"]
    redis = scenario(playbook, "Redis Cache Failure")
    assert redis.symptoms == (
        "Slow response times",
        'Health shows cache: "disconnected"',
        "Increased database load",
    )
    assert safeties(redis.steps) == ["read_only", "read_only", "mutating", "mutating"]


def test_alert_thresholds_map_to_severities(playbook: Playbook) -> None:
    assert [(r.condition, r.severity, r.sustained_for) for r in playbook.alert_rules] == [
        ("5xx errors > 1% for 5 minutes", "P1", 5 * MIN),
        ("Response time p99 > 3s for 10 minutes", "P2", 10 * MIN),
        ("Health check failures > 3 consecutive", "P0", None),
        ("Memory usage > 85% for 15 minutes", "P2", 15 * MIN),
        ("Task restart count > 3 in 10 minutes", "P1", None),
    ]


def test_communication_and_postmortem(playbook: Playbook) -> None:
    internal, external = playbook.templates
    assert (internal.name, internal.kind.value) == ("Internal Communication", "initial")
    assert placeholders(playbook, "Internal Communication")["[P0/P1/P2]"] == "severity"
    assert (external.kind.value, external.notes) == ("external", "For P0/P1 incidents affecting users")
    outline = playbook.postmortem
    assert outline is not None
    assert [s.title for s in outline.sections] == [
        "Timeline",
        "Root Cause",
        "Impact",
        "Resolution",
        "Action Items",
    ]
    assert outline.deadline == 48 * HOUR  # "Create within 24-48 hours"
    assert outline.file_pattern == "docs/incidents/YYYY-MM-DD-incident-name.md"


def test_everything_is_understood(playbook: Playbook) -> None:
    assert playbook.unparsed == ()
    assert [c.role for c in playbook.contacts] == ["On-Call Engineer", "DevOps Lead", "CTO", "AWS Support"]
    assert [p.title for p in playbook.procedures] == [
        "Verify Resolution",
        "Key Metrics to Monitor",
        "Quick Reference",
    ]
