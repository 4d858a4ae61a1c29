from __future__ import annotations

from datetime import timedelta

from tocsin.domain.playbook import (
    AssessmentAnswer,
    AssessmentQuestion,
    IncidentField,
    Parameter,
    ParameterKind,
    Phase,
    Placeholder,
    Playbook,
    Procedure,
    Scenario,
    SeverityDefinition,
    Stage,
    Step,
    Template,
    find_parameters,
)
from tocsin.domain.safety import Safety
from tocsin.domain.severity import SeverityLevel


def _definition(rank: int, name: str, *aliases: str) -> SeverityDefinition:
    return SeverityDefinition(
        SeverityLevel(name, rank, aliases=aliases, response_target=timedelta(minutes=5))
    )


def test_severity_scheme_keeps_the_runbook_order_and_resolves_aliases() -> None:
    playbook = Playbook(
        title="t",
        severities=(_definition(0, "Severity 1", "Critical", "SEV1"), _definition(1, "Severity 2", "High")),
    )
    scheme = playbook.severity_scheme()
    assert scheme is not None
    assert scheme.names() == ["Severity 1", "Severity 2"]
    level = scheme.resolve("sev1")
    assert level is not None
    assert level.name == "Severity 1"
    assert playbook.severity_level("high") == scheme.levels[1]
    assert playbook.severity_level("P9") is None


def test_a_runbook_without_levels_has_no_scheme() -> None:
    assert Playbook(title="t").severity_scheme() is None
    assert Playbook(title="t").severity_level("SEV1") is None


def test_all_steps_walks_phases_procedures_and_scenarios_in_order() -> None:
    def step(text: str) -> Step:
        return Step(Stage.OTHER, text)

    playbook = Playbook(
        title="t",
        phases=(Phase("Detect", steps=(step("a"),)),),
        procedures=(Procedure("Verify", (step("b"),)),),
        scenarios=(Scenario("Down", (step("c"), step("d"))),),
    )
    assert [s.description for s in playbook.all_steps()] == ["a", "b", "c", "d"]


def test_find_parameters_lists_what_a_responder_must_fill_in() -> None:
    code = (
        "aws elbv2 describe-target-health --target-group-arn <TARGET_GROUP_ARN>\n"
        'psql $DATABASE_URL -c "SELECT 1" && psql "${PGHOST:-localhost}"\n'
        "aws ec2 stop-instances --instance-ids i-xxxxx  # $HOME is not one\n"
        "kill -9 $(ps aux | awk '{print $2}')  # nor is $2, nor $((n + 1))\n"
        "cat <<EOF\nEOF\n"
        "docker ps --format '{{.Names}}' && echo {{ service }}\n"
        "aws elbv2 describe-target-health --target-group-arn <TARGET_GROUP_ARN>\n"
    )
    assert find_parameters(code) == (
        Parameter("<TARGET_GROUP_ARN>", ParameterKind.PLACEHOLDER),
        Parameter("$DATABASE_URL", ParameterKind.ENV_VAR),
        Parameter("${PGHOST:-localhost}", ParameterKind.ENV_VAR),
        Parameter("i-xxxxx", ParameterKind.EXAMPLE_VALUE),
        Parameter("{{ service }}", ParameterKind.PLACEHOLDER),
    )


def test_a_manual_step_has_no_code_no_safety_and_no_parameters() -> None:
    step = Step(Stage.OTHER, "Post in #incidents")
    assert not step.runnable
    assert step.safety is None
    assert step.parameters == ()
    coded = Step(Stage.INVESTIGATION, "Check", "curl http://<HOST>/health", "bash", Safety.READ_ONLY)
    assert coded.runnable
    assert [p.name for p in coded.parameters] == ["<HOST>"]


def test_template_lists_its_unmapped_placeholders() -> None:
    template = Template(
        "Initial",
        "[Severity] [What we know]",
        placeholders=(
            Placeholder("[Severity]", "Severity", IncidentField.SEVERITY),
            Placeholder("[What we know]", "What we know"),
        ),
    )
    assert [p.text for p in template.unmapped] == ["[What we know]"]


def test_assessment_question_gives_the_severity_for_an_answer() -> None:
    question = AssessmentQuestion(
        "Is the main site accessible?",
        (AssessmentAnswer("No", "P0"), AssessmentAnswer("Yes, degraded", "P1")),
    )
    assert question.severity_for(" no ") == "P0"
    assert question.severity_for("Yes, degraded") == "P1"
    assert question.severity_for("maybe") is None
