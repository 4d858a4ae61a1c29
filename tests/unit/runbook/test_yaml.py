"""Playbook as code: YAML export and import, exact round trips, and schema errors that say where."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from tests.seeds import REPO_ROOT, SEED_FILES
from tests.unit.runbook.golden import parse_file
from tocsin.domain.playbook import Stage
from tocsin.domain.safety import Safety
from tocsin.errors import InvalidInput
from tocsin.runbook import playbook_from_yaml, playbook_schema, playbook_to_yaml

RUNBOOKS = [
    *SEED_FILES,
    *sorted((REPO_ROOT / "tests" / "fixtures" / "runbooks").glob("*.md")),
    REPO_ROOT / "examples" / "runbooks" / "example.md",
]
SCHEMA_FILE = REPO_ROOT / "src" / "tocsin" / "runbook" / "playbook.schema.json"


@pytest.mark.parametrize("path", RUNBOOKS, ids=lambda p: Path(p).name)
def test_export_import_export_is_identical(path: Path) -> None:
    playbook = parse_file(path)
    exported = playbook_to_yaml(playbook)
    imported = playbook_from_yaml(exported)
    assert imported == playbook
    assert playbook_to_yaml(imported) == exported


def test_the_published_schema_is_a_valid_json_schema_and_is_the_one_used() -> None:
    published = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(published)
    assert playbook_schema() == published


def test_exported_yaml_reads_like_the_runbook() -> None:
    text = playbook_to_yaml(parse_file(REPO_ROOT / "examples" / "runbooks" / "example.md"))
    assert "response_target: 5m" in text
    assert "- name: SEV1" in text
    assert "    code: curl -fsS http://127.0.0.1:8080/health\n" in text
    assert "body: |-\n" in text  # multi-line text as a literal block


def test_a_short_hand_written_playbook_takes_defaults() -> None:
    playbook = playbook_from_yaml(
        """
tocsin_playbook: 1
title: Minimal
severities:
  - name: SEV1
    response_target: 10m
  - name: SEV2
scenarios:
  - title: Disk full
    steps:
      - description: Check disk usage
        code: df -h
"""
    )
    scheme = playbook.severity_scheme()
    assert scheme is not None
    first, second = scheme.levels
    assert (first.name, first.rank, first.response_target) == ("SEV1", 0, timedelta(minutes=10))
    assert (second.name, second.rank, second.response_target) == ("SEV2", 1, None)
    step = playbook.scenarios[0].steps[0]
    assert (step.stage, step.language, step.safety) == (Stage.OTHER, "", Safety.READ_ONLY)


def test_yaml_can_make_a_step_stricter_but_never_laxer() -> None:
    document = """
tocsin_playbook: 1
title: Edited
procedures:
  - title: Cleanup
    steps:
      - {description: wipe, code: "rm -rf /var/cache/app", language: bash, safety: read_only}
      - {description: look, code: "ls /var/cache/app", language: bash, safety: mutating}
"""
    wipe, look = playbook_from_yaml(document).procedures[0].steps
    assert wipe.safety is Safety.DESTRUCTIVE
    assert look.safety is Safety.MUTATING


@pytest.mark.parametrize(
    ("document", "path"),
    [
        (
            "tocsin_playbook: 1\ntitle: x\nseverities:\n  - name: SEV1\n    response_target: 15 minutes\n",
            "severities[0].response_target",
        ),
        (
            "tocsin_playbook: 1\ntitle: x\nscenarios:\n  - title: a\n    steps:\n      - {description: d, stage: fixing}\n",
            "scenarios[0].steps[0].stage",
        ),
        ("tocsin_playbook: 1\ntitle: x\nsevrities: []\n", "(top level)"),
        ("tocsin_playbook: 2\ntitle: x\n", "tocsin_playbook"),
        ("tocsin_playbook: 1\n", "(top level)"),
        ("tocsin_playbook: 1\ntitle: x\ntemplates:\n  - name: a\n", "templates[0]"),
    ],
)
def test_invalid_yaml_is_refused_with_the_path_of_the_problem(document: str, path: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        playbook_from_yaml(document)
    assert raised.value.code == "invalid_playbook"
    assert raised.value.details["path"] == path
    assert path in raised.value.message


def test_broken_yaml_says_where_in_one_line() -> None:
    with pytest.raises(InvalidInput) as raised:
        playbook_from_yaml("tocsin_playbook: 1\ntitle: x\nsummary: a: b\n")
    assert "line 3" in raised.value.message
    assert "\n" not in raised.value.message


@pytest.mark.parametrize("document", ["", "- a\n- b\n", "just text"])
def test_yaml_that_is_not_a_mapping_is_refused(document: str) -> None:
    with pytest.raises(InvalidInput, match="mapping"):
        playbook_from_yaml(document)


def test_exported_yaml_is_plain_safe_yaml() -> None:
    text = playbook_to_yaml(parse_file(REPO_ROOT / "tests" / "fixtures" / "runbooks" / "terse-search.md"))
    data = yaml.safe_load(text)
    assert data["tocsin_playbook"] == 1
    assert data["severities"][0]["name"] == "SEV1"
