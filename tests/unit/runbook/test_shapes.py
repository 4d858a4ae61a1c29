"""The genre, not the seeds: other namings, depths, tables, chains and comment styles."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tocsin.domain.playbook import EscalationCondition, Stage
from tocsin.domain.safety import Safety
from tocsin.runbook import parse_runbook
from tocsin.runbook.document import repair_text

MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def test_priority_levels_as_headings_with_terse_fields() -> None:
    playbook = parse_runbook(
        "# Ops\n\n## Incident priorities\n\n"
        "### SEV-1 — Emergency\n- Ack: 10m\n- Resolve: 2h\n- Customer-facing outage\n\n"
        "### SEV-2 — Urgent\n- Ack: 30m\n- Resolve: 8h\n"
    )
    assert [(d.level.name, d.level.aliases, d.level.response_target) for d in playbook.severities] == [
        ("SEV-1", ("Emergency",), 10 * MIN),
        ("SEV-2", ("Urgent",), 30 * MIN),
    ]
    assert playbook.severities[0].level.examples == ("Customer-facing outage",)
    scheme = playbook.severity_scheme()
    assert scheme is not None
    assert scheme.resolve("sev1") is scheme.levels[0]  # "sev1", "SEV 1" and "SEV-1" are one name


def test_word_levels_in_a_table_with_other_column_names() -> None:
    playbook = parse_runbook(
        "## Severity matrix\n\n| Severity | Impact | Time to acknowledge | Time to resolve |\n|---|---|---|---|\n"
        "| Critical | Everyone | 5 min | 1 hour |\n| Low | Nobody | next business day | n/a |\n"
    )
    assert [
        (d.level.name, d.level.description, d.level.response_target, d.level.resolution_target)
        for d in playbook.severities
    ] == [
        ("Critical", "Everyone", 5 * MIN, HOUR),
        ("Low", "Nobody", timedelta(days=1), None),
    ]
    assert playbook.unparsed == ()


def test_sections_at_the_top_level_when_every_heading_is_level_one() -> None:
    playbook = parse_runbook(
        "# Severity\n\n- **P1**: outage\n- **P2**: degraded\n\n# Escalation\n\nOn-call → Team lead → VP Eng\n"
    )
    assert [d.name for d in playbook.severities] == ["P1", "P2"]
    assert [(e.level, e.target) for e in playbook.escalation] == [
        (1, "On-call"),
        (2, "Team lead"),
        (3, "VP Eng"),
    ]


def test_escalation_table_and_when_to_escalate() -> None:
    playbook = parse_runbook(
        "## Escalation\n\n| Tier | Contact | Wait |\n|---|---|---|\n| 1 | SRE on-call | 0 min |\n"
        "| 2 | Database team | 15 min |\n\n### When to escalate\n\n- SEV1 not acknowledged within 10 minutes\n"
        "- Customer data at risk\n"
    )
    assert [(e.level, e.target, e.delay) for e in playbook.escalation] == [
        (1, "SRE on-call", 0 * MIN),
        (2, "Database team", 15 * MIN),
    ]
    unacked, judgement = playbook.escalation_triggers
    assert (unacked.severity, unacked.condition, unacked.after) == (
        "SEV1",
        EscalationCondition.UNACKNOWLEDGED,
        10 * MIN,
    )
    assert (judgement.condition, judgement.after) == (EscalationCondition.OTHER, None)


def test_one_line_assessment_questions() -> None:
    playbook = parse_runbook("## How to choose a severity\n\n- Is checkout down? Yes → SEV1, No → SEV3\n")
    (question,) = playbook.assessment
    assert question.question == "Is checkout down?"
    assert [(a.answer, a.severity) for a in question.answers] == [("Yes", "SEV1"), ("No", "SEV3")]


def test_a_section_with_symptoms_is_a_scenario_wherever_it_is() -> None:
    playbook = parse_runbook(
        "# Notes\n\n## Redis is down\n\n**Symptoms**: cache misses, slow pages\n\n"
        "**Diagnosis**:\n```bash\ngcloud redis instances describe cache --region europe-west1\n```\n\n"
        "**Fix**:\n```bash\ngcloud redis instances failover cache --region europe-west1\n```\n"
    )
    (scenario,) = playbook.scenarios
    assert scenario.title == "Redis is down"
    assert scenario.symptoms == ("cache misses", "slow pages")
    assert [(s.stage, s.safety) for s in scenario.steps] == [
        (Stage.INVESTIGATION, Safety.READ_ONLY),
        (Stage.RESOLUTION, Safety.MUTATING),
    ]


def test_code_blocks_are_cut_into_steps_at_comments_never_inside_a_command() -> None:
    playbook = parse_runbook(
        "## Procedure\n\n```bash\n"
        "# 1. Acknowledge the page\n"
        "# 2. Check the queue\n"
        "curl -s http://q/stats \\\n  | jq .depth\n"
        'psql -c "SELECT 1\n# not a comment: still inside the quotes\nFROM jobs"\n'
        "\n"
        "# 3. Drain it\n"
        "cat <<EOF | worker-cli drain\n# not a comment: heredoc body\nEOF\n"
        "```\n"
    )
    (procedure,) = playbook.procedures
    first, second, third = procedure.steps
    assert (first.description, first.code, first.safety) == ("Acknowledge the page", "", None)
    assert second.description == "Check the queue"
    assert second.code.startswith("curl -s http://q/stats \\\n  | jq .depth\npsql")
    assert second.code.endswith('FROM jobs"')
    assert second.safety is Safety.READ_ONLY
    assert third.description == "Drain it"
    assert "# not a comment: heredoc body" in third.code
    assert third.safety is Safety.MUTATING  # worker-cli is not known to be read-only


def test_severity_specific_steps_keep_their_heading() -> None:
    playbook = parse_runbook("## Response (0-10 min)\n\n### SEV1 only\n\n```bash\nkubectl get nodes\n```\n")
    (phase,) = playbook.phases
    assert (phase.name, phase.start, phase.end) == ("Response", 0 * MIN, 10 * MIN)
    assert phase.steps[0].heading == "SEV1 only"


def test_templates_with_other_placeholder_styles() -> None:
    playbook = parse_runbook(
        "## Messages\n\n### Customer notice\n\n> We are investigating problems with {service} since <start time>.\n"
    )
    (template,) = playbook.templates
    assert template.kind.value == "external"
    assert [(p.text, p.field.value if p.field else None) for p in template.placeholders] == [
        ("{service}", "services"),
        ("<start time>", "started_at"),
    ]


def test_unknown_tables_and_prose_are_reported_with_their_lines() -> None:
    markdown = "# R\n\n## Budget\n\n| Quarter | Spend |\n|---|---|\n| Q1 | 10 |\n\nWe spend too much.\n"
    unparsed = parse_runbook(markdown).unparsed
    assert [(u.line, u.text) for u in unparsed] == [
        (5, "| Quarter | Spend |\n|---|---|"),
        (7, "| Q1 | 10 |"),
        (9, "We spend too much."),
    ]
    assert "Quarter, Spend" in unparsed[0].reason


def test_html_comments_are_notes_for_authors_and_ignored() -> None:
    assert parse_runbook("# R\n\n<!-- TODO: fill in -->\n\n## Severity\n\n- SEV1: outage\n").unparsed == ()


def test_crlf_line_endings_keep_line_numbers() -> None:
    unparsed = parse_runbook("# R\r\n\r\n## Misc\r\n\r\nOdd text.\r\n").unparsed
    assert [(u.line, u.text) for u in unparsed] == [(5, "Odd text.")]


@pytest.mark.parametrize(
    ("broken", "fixed"),
    [
        ("ðŸš¨ INCIDENT", "🚨 INCIDENT"),  # UTF-8 read as Windows-1252
        ("\uf8ffüö® INCIDENT", "🚨 INCIDENT"),  # UTF-8 read as Mac Roman
        ("On-call engineer \u201a\u00dc\u00ed Team Lead", "On-call engineer → Team Lead"),
        ("\u201a\u00fa\u00d6 RESOLVED", "✅ RESOLVED"),
        ("café «à bientôt»", "café «à bientôt»"),  # real accents stay
        ("plain ascii", "plain ascii"),
    ],
)
def test_repair_text(broken: str, fixed: str) -> None:
    assert repair_text(broken) == fixed
