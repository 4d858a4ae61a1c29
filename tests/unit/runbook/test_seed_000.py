"""Seed 000 (DDGo: ECS, RDS, Redis, Prometheus): a severity table, commands per issue, a contacts table."""

from __future__ import annotations

import pytest

from tests.seeds import requires_seeds, seed
from tests.unit.runbook.golden import DAY, HOUR, MIN, levels, parse_file, safeties, scenario, stages
from tocsin.domain.playbook import Playbook

pytestmark = requires_seeds


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    return parse_file(seed("000"))


def test_severity_table(playbook: Playbook) -> None:
    assert levels(playbook) == [
        ("SEV1", 15 * MIN, None),
        ("SEV2", 30 * MIN, None),
        ("SEV3", 2 * HOUR, None),
        ("SEV4", DAY, None),  # "Next business day"
    ]
    assert [d.level.aliases for d in playbook.severities] == [("Critical",), ("Major",), ("Minor",), ("Low",)]
    assert playbook.severities[0].level.description == "Complete outage"
    assert playbook.severities[0].level.examples == ("All services down", "data breach")
    assert [d.level.business_hours_only for d in playbook.severities] == [False, False, False, True]


def test_scenarios_with_their_steps_and_safety(playbook: Playbook) -> None:
    assert [s.title for s in playbook.scenarios] == [
        "Application Unreachable",
        "High Error Rate",
        "High Latency",
        "Database Connection Issues",
    ]
    unreachable = scenario(playbook, "Application Unreachable")
    assert unreachable.symptoms == ("Health checks failing", "ALB returning 5xx errors")
    assert [s.description for s in unreachable.steps] == [
        "Check ECS service status",
        "Check task logs",
        "Check target group health",
        "Force new deployment",
        "Or rollback to previous task definition",
    ]
    assert safeties(unreachable.steps) == ["read_only"] * 3 + ["destructive", "mutating"]
    assert stages(unreachable.steps) == ["investigation"] * 3 + ["resolution"] * 2
    assert [p.name for p in unreachable.steps[2].parameters] == ["<TARGET_GROUP_ARN>"]
    errors = scenario(playbook, "High Error Rate")
    assert safeties(errors.steps) == ["read_only"] * 4 + ["destructive", "destructive"]  # FLUSHDB, force
    assert safeties(scenario(playbook, "High Latency").steps) == ["read_only"] * 3 + ["mutating", None]
    database = scenario(playbook, "Database Connection Issues")
    assert safeties(database.steps) == ["read_only"] * 3 + ["destructive"] * 2  # pg_terminate_backend
    assert "pg_terminate_backend" in database.steps[3].code


def test_initial_response_and_recovery_are_procedures(playbook: Playbook) -> None:
    initial, verify = playbook.procedures
    assert initial.title == "Initial Response"
    assert [s.heading for s in initial.steps] == (
        ["Acknowledge the Incident"] * 2 + ["Assess Impact"] * 3 + ["Initial Communication"] * 3
    )
    assert safeties(initial.steps) == [
        "read_only",
        None,
        "read_only",
        "read_only",
        "read_only",
        None,
        None,
        None,
    ]
    assert verify.title == "Verify Recovery"
    assert stages(verify.steps) == ["verification", "verification"]


def test_post_incident_checklists(playbook: Playbook) -> None:
    timeline, postmortem = playbook.checklists
    assert timeline.name == "Document Timeline"
    assert [i.text for i in timeline.items] == [
        "When alerts fired",
        "When acknowledged",
        "Actions taken",
        "When resolved",
    ]
    assert postmortem.name == "Schedule Post-Mortem"
    assert postmortem.severities == ("SEV1", "SEV2")
    first = postmortem.items[0]
    assert (first.text, first.deadline) == (
        "Schedule post-mortem within 48 hours",
        48 * HOUR,
    )


def test_contacts_and_related_runbooks(playbook: Playbook) -> None:
    assert [(c.role, c.name, c.backup) for c in playbook.contacts] == [
        ("On-Call Engineer", "See PagerDuty", "See PagerDuty"),
        ("Infrastructure Lead", "[Name]", "[Name]"),
        ("Database Admin", "[Name]", "[Name]"),
        ("Security", "[Name]", "[Name]"),
    ]
    assert [(link.title, link.url) for link in playbook.links] == [
        ("Database Operations", "database-operations.md"),
        ("Scaling Procedures", "scaling.md"),
        ("Disaster Recovery", "disaster-recovery.md"),
    ]
    assert playbook.escalation == ()  # it names contacts, not an escalation path


def test_everything_is_understood(playbook: Playbook) -> None:
    assert playbook.unparsed == ()
    assert playbook.title == "Incident Response Runbook"
    assert playbook.summary.startswith("This runbook provides procedures")
