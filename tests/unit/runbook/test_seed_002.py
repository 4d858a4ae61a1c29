"""Seed 002 (Rodistaa: ECS, Razorpay, mobile): one scenario per headline, a checklist by deadline."""

from __future__ import annotations

import pytest

from tests.seeds import requires_seeds, seed
from tests.unit.runbook.golden import DAY, HOUR, MIN, WEEK, levels, parse_file, safeties, scenario, stages
from tocsin.domain.playbook import Playbook

pytestmark = requires_seeds


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    return parse_file(seed("002"))


def test_levels_with_response_time_and_who_acts(playbook: Playbook) -> None:
    assert levels(playbook) == [
        ("P0", 5 * MIN, None),  # "Immediate (< 5 minutes)": the bound is what can be measured
        ("P1", 15 * MIN, None),
        ("P2", HOUR, None),
        ("P3", DAY, None),
    ]
    assert [d.who_acts for d in playbook.severities] == [
        "All hands on deck, page CTO",
        "Senior engineers + DevOps",
        "On-call engineer",
        "Regular development process",
    ]
    p0 = playbook.severities[0].level
    assert p0.aliases == ("Critical",)
    assert p0.description == "Complete Outage"
    assert p0.update_cadence == 15 * MIN  # its initial notification: "Next Update: In 15 minutes"


def test_a_scenario_per_headline(playbook: Playbook) -> None:
    assert [(s.severity, s.title, len(s.steps)) for s in playbook.scenarios] == [
        ("P0", "API COMPLETELY DOWN", 12),
        ("P0", "DATABASE UNAVAILABLE", 7),
        ("P1", "PAYMENT GATEWAY FAILING", 8),
        ("P1", "HIGH ERROR RATE (> 5%)", 8),
        ("P1", "MOBILE APP CRASHES", 8),
        ("P2", "SLOW API RESPONSES", 9),
    ]
    down = scenario(playbook, "API COMPLETELY DOWN")
    assert down.symptoms == (
        "Health check returning 503/504",
        "All API requests failing",
        "Zero traffic in monitoring",
    )
    assert safeties(down.steps)[:7] == ["read_only"] * 3 + ["mutating"] + ["read_only"] * 3
    assert stages(down.steps)[:4] == ["investigation"] * 3 + ["containment"]  # "Immediate Actions"
    assert down.steps[4].language == "sql"
    assert down.steps[4].heading == "Database Issue?"
    database = scenario(playbook, "DATABASE UNAVAILABLE")
    assert safeties(database.steps)[:4] == ["read_only"] * 3 + ["destructive"]  # kill idle connections
    assert [p.name for p in database.steps[2].parameters] == ["$PGHOST", "$PGUSER", "$PGDATABASE"]


def test_templates_and_checklists_by_deadline(playbook: Playbook) -> None:
    assert [(t.name, t.kind.value, t.update_cadence) for t in playbook.templates] == [
        ("Initial Incident Notification (Slack)", "initial", 15 * MIN),
        ("Status Page Update", "status_page", 15 * MIN),
        ("Resolution Notification", "resolution", None),
    ]
    assert [(c.name, c.deadline, len(c.items)) for c in playbook.checklists] == [
        ("Within 1 hour", HOUR, 4),
        ("Within 24 hours", DAY, 4),
        ("Within 1 week", WEEK, 4),
    ]
    assert playbook.checklists[0].items[1].text == 'Update status page to "Resolved"'


def test_contacts_urls_and_related_runbooks(playbook: Playbook) -> None:
    assert [c.role for c in playbook.contacts] == ["CTO", "DevOps Lead", "On-Call Engineer", "AWS Support"]
    assert ("Grafana", "https://grafana.rodistaa.com") in [(link.title, link.url) for link in playbook.links]
    assert [link.url for link in playbook.links if link.category == "Runbooks"] == [
        "./DATABASE_INCIDENTS.md",
        "./NETWORK_INCIDENTS.md",
        "./SECURITY_INCIDENTS.md",
    ]


def test_only_the_closing_encouragement_is_left_over(playbook: Playbook) -> None:
    assert [u.line for u in playbook.unparsed] == [372]
    assert playbook.unparsed[0].text.startswith("**Remember**")
    assert playbook.unparsed[0].text.endswith("💪")  # mojibake repaired
