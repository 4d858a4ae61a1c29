"""Playbook as code: YAML export and import, checked against the published JSON Schema.

``playbook_to_yaml`` writes keys in a fixed order and multi-line text (commands, message bodies) as
literal blocks, so the file reads like the runbook and diffs well. ``playbook_from_yaml`` refuses
anything the schema refuses, naming where the problem is ("severities[0].response_target"). Export,
import and export again gives the same text.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from tocsin.domain.playbook import Playbook
from tocsin.errors import InvalidInput
from tocsin.runbook.deserialize import playbook_from_dict
from tocsin.runbook.serialize import DurationStyle, playbook_to_dict

__all__ = ["SCHEMA_RESOURCE", "playbook_from_yaml", "playbook_schema", "playbook_to_yaml"]

SCHEMA_RESOURCE = "playbook.schema.json"


@cache
def playbook_schema() -> dict[str, Any]:
    """The JSON Schema of playbook YAML (published as ``tocsin/runbook/playbook.schema.json``)."""
    text = resources.files("tocsin.runbook").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(playbook_schema())


class _Dumper(yaml.SafeDumper):
    """Safe YAML with multi-line strings as literal blocks."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def playbook_to_yaml(playbook: Playbook) -> str:
    """The playbook as YAML text that :func:`playbook_from_yaml` reads back to an equal playbook."""
    data = playbook_to_dict(playbook, DurationStyle.TEXT)
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000, indent=2)


def _path(error: ValidationError) -> str:
    parts = ""
    for part in error.absolute_path:
        parts += f"[{part}]" if isinstance(part, int) else f".{part}" if parts else str(part)
    return parts or "(top level)"


def playbook_from_yaml(text: str) -> Playbook:
    """Read playbook YAML; raises :class:`~tocsin.errors.InvalidInput` naming where the problem is."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).split("\n", 1)[0]
        raise InvalidInput(
            f"playbook YAML is not valid YAML{where}: {problem}", code="invalid_playbook"
        ) from error
    if not isinstance(data, dict):
        raise InvalidInput("playbook YAML must be a mapping with tocsin_playbook: 1", code="invalid_playbook")
    problem = best_match(_validator().iter_errors(data))
    if problem is not None:
        path = _path(problem)
        raise InvalidInput(
            f"playbook YAML is invalid at {path}: {problem.message}", code="invalid_playbook", path=path
        )
    return playbook_from_dict(data)
