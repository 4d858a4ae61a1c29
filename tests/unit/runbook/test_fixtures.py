"""Runbooks in shapes the seeds do not use: kubectl with Critical/High/Medium/Low, tables only, terse
bullets without headings, and the example runbook the demo imports."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.seeds import REPO_ROOT
from tests.unit.runbook.golden import DAY, HOUR, MIN, WEEK, levels, parse_file, placeholders, safeties, stages
from tocsin.domain.playbook import Playbook

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "runbooks"
EXAMPLE = REPO_ROOT / "examples" / "runbooks" / "example.md"


def _parse(name: str) -> Playbook:
    return parse_file(FIXTURES / name)


@pytest.mark.parametrize("path", [*sorted(FIXTURES.glob("*.md")), EXAMPLE], ids=lambda p: Path(p).name)
def test_every_fixture_is_understood_completely(path: Path) -> None:
    assert parse_file(path).unparsed == ()


def test_kubectl_runbook_with_word_levels_at_heading_depth_four() -> None:
    playbook = _parse("k8s-checkout.md")
    assert playbook.title == "Checkout Platform — Incident Playbook"
    assert levels(playbook) == [
        ("Critical", 5 * MIN, HOUR),
        ("High", 15 * MIN, 4 * HOUR),
        ("Medium", HOUR, DAY),
        ("Low", DAY, 2 * WEEK),
    ]
    assert [d.level.update_cadence for d in playbook.severities] == [15 * MIN, 30 * MIN, None, None]
    assert playbook.severities[3].level.business_hours_only
    assert [(e.level, e.target, e.delay) for e in playbook.escalation] == [
        (1, "Primary on-call", 0 * MIN),
        (2, "Secondary on-call", 10 * MIN),
        (3, "Payments engineering manager", 30 * MIN),
    ]
    crash, provider = playbook.scenarios
    assert crash.symptoms == (
        "CrashLoopBackOff in the checkout namespace",
        "5xx rate on the checkout ingress above 2%",
    )
    assert stages(crash.steps) == ["investigation"] * 3 + ["containment", "verification"]
    assert safeties(crash.steps) == ["read_only"] * 3 + ["mutating", "read_only"]
    assert safeties(provider.steps) == ["read_only", "mutating", "destructive"]  # exec'd curl only reads
    assert [p.name for p in provider.steps[2].parameters] == ["<POD_NAME>"]
    assert placeholders(playbook, "Kick-off message") == {
        "{{severity}}": "severity",
        "{{service}}": "services",
        "{{title}}": "title",
        "{{commander}}": "commander",
    }
    assert placeholders(playbook, "All clear")["{{resolved_at}}"] == "resolved_at"
    (afterwards,) = playbook.checklists
    assert [i.deadline for i in afterwards.items] == [DAY, WEEK]


def test_tables_only_runbook() -> None:
    playbook = _parse("payments-tables.md")
    assert levels(playbook) == [
        ("S1", 5 * MIN, 2 * HOUR),
        ("S2", 15 * MIN, 8 * HOUR),
        ("S3", 4 * HOUR, 3 * DAY),
    ]
    assert [d.level.update_cadence for d in playbook.severities] == [20 * MIN, HOUR, None]  # "—" is none
    assert [(e.level, e.target, e.delay) for e in playbook.escalation] == [
        (1, "Ledger on-call", 0 * MIN),
        (2, "Ledger tech lead", 20 * MIN),
        (3, "VP Engineering", HOUR),
    ]
    assert [(c.role, c.name, c.reach) for c in playbook.contacts] == [
        ("Ledger on-call", "see rota", "+1 555 0100"),
        ("Database admin", "Priya N.", "+1 555 0101"),
    ]
    rule = playbook.alert_rules[0]
    assert (rule.condition, rule.severity) == (
        "ledger_write_errors_ratio > 0.05 for 5 minutes",
        "S1",
    )
    (write_path,) = playbook.scenarios
    assert write_path.title == "Write path failing"
    assert write_path.symptoms == ("HTTP 500 from POST /v1/entries", "ledger_write_errors_ratio alert firing")
    assert stages(write_path.steps) == [
        "investigation",
        "investigation",
        "containment",
        "resolution",
        "verification",
    ]
    assert safeties(write_path.steps) == ["read_only", "read_only", "mutating", "mutating", "read_only"]
    link = playbook.links[0]
    assert (link.title, link.url) == (
        "Grafana ledger board",
        "https://grafana.example.net/d/ledger",
    )
    (after,) = playbook.checklists
    assert [(i.text, i.deadline) for i in after.items] == [
        ("Postmortem drafted", 3 * DAY),
        ("Action items filed", WEEK),
    ]


def test_terse_bullets_without_section_headings() -> None:
    playbook = _parse("terse-search.md")
    assert levels(playbook) == [
        ("SEV1", 5 * MIN, HOUR),
        ("SEV2", 15 * MIN, 4 * HOUR),
        ("SEV3", HOUR, DAY),
        ("SEV4", DAY, None),
    ]
    assert playbook.severities[0].level.update_cadence == 15 * MIN
    assert playbook.severities[0].level.description == "search down for everyone"
    assert [(e.level, e.target, e.delay) for e in playbook.escalation] == [
        (1, "primary on-call", 0 * MIN),
        (2, "secondary on-call", 10 * MIN),
        (3, "search lead", 30 * MIN),
    ]
    assert [(r.severity, r.sustained_for) for r in playbook.alert_rules] == [
        ("SEV2", 10 * MIN),
        ("SEV1", 5 * MIN),
        ("SEV3", None),
    ]
    assert [(s.title, safeties(s.steps)) for s in playbook.scenarios] == [
        ("Index lag", ["read_only", "mutating"]),
        ("Node out of memory", ["read_only", "read_only", "mutating"]),
        ("Disk full on data node", ["read_only", "destructive"]),
    ]
    assert playbook.scenarios[0].symptoms == ("results stale", "indexer_lag_seconds rising")
    assert playbook.scenarios[1].steps[2].code == "docker compose up -d --scale search=4"
    (after,) = playbook.checklists
    assert [i.deadline for i in after.items] == [2 * DAY, WEEK]


def test_example_runbook_for_the_demo() -> None:
    playbook = parse_file(EXAMPLE)
    assert levels(playbook) == [
        ("SEV1", 5 * MIN, HOUR),
        ("SEV2", 15 * MIN, 4 * HOUR),
        ("SEV3", HOUR, 2 * DAY),
        ("SEV4", DAY, 2 * WEEK),
    ]
    assert [(e.level, e.delay) for e in playbook.escalation] == [(1, 5 * MIN), (2, 20 * MIN), (3, 45 * MIN)]
    first = playbook.scenarios[0]
    assert first.steps[0].code == "curl -fsS http://127.0.0.1:8080/health"
    assert {s.safety.value for s in playbook.all_steps() if s.safety} == {
        "read_only",
        "mutating",
        "destructive",
    }
    assert [t.kind.value for t in playbook.templates] == ["initial", "update", "resolution"]
    assert all(not t.unmapped or t.name == "Resolution" for t in playbook.templates)
    assert [(c.name, c.deadline) for c in playbook.checklists] == [
        ("Within 1 hour", HOUR),
        ("Within 2 days", 2 * DAY),
        ("Within 1 week", WEEK),
    ]
