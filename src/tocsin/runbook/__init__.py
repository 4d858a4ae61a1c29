"""Markdown incident runbooks in, typed playbooks out: import, lint, and playbook YAML.

- :func:`parse_runbook` reads a runbook (any of the genre: tables or lists, SEV/P/Severity/Critical
  naming, shell/SQL/kubectl commands) into a :class:`~tocsin.domain.playbook.Playbook`, listing what it
  could not understand in ``Playbook.unparsed``.
- :func:`lint_report` and :func:`render_lint` describe an import for programs and for people.
- :func:`playbook_to_yaml` and :func:`playbook_from_yaml` write and read playbook YAML, checked against
  the JSON Schema in ``playbook.schema.json`` (:func:`playbook_schema`).
"""

from tocsin.runbook.lint import lint_report, lint_warnings
from tocsin.runbook.lint_render import render_lint
from tocsin.runbook.parser import parse_runbook
from tocsin.runbook.serialize import DurationStyle, playbook_to_dict
from tocsin.runbook.yaml_io import playbook_from_yaml, playbook_schema, playbook_to_yaml

__all__ = [
    "DurationStyle",
    "lint_report",
    "lint_warnings",
    "parse_runbook",
    "playbook_from_yaml",
    "playbook_schema",
    "playbook_to_dict",
    "playbook_to_yaml",
    "render_lint",
]
