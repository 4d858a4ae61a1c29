"""What a responder does: steps with their commands, grouped into scenarios, procedures and phases.

A step is one action: a description, and the code that carries it out if there is any. A code block in
a runbook usually holds several actions, each under its own comment ("# Check RDS status"); the importer
makes each one a step, so that the read-only checks of a block can run on their own while the restart
below them waits for a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from tocsin.domain.safety import Safety

__all__ = [
    "Parameter",
    "ParameterKind",
    "Phase",
    "Procedure",
    "Scenario",
    "Stage",
    "Step",
    "find_parameters",
]


class Stage(StrEnum):
    """Where a step belongs in working an incident."""

    INVESTIGATION = "investigation"  # find out what is wrong (also called diagnosis or triage)
    CONTAINMENT = "containment"  # stop it getting worse
    RESOLUTION = "resolution"  # fix it
    VERIFICATION = "verification"  # show that it is fixed
    OTHER = "other"


class ParameterKind(StrEnum):
    PLACEHOLDER = "placeholder"  # <ALB_DNS>, {{ service }}
    ENV_VAR = "env_var"  # $DATABASE_URL, ${PGHOST}
    EXAMPLE_VALUE = "example_value"  # i-xxxxx, vol-xxxxx: an example to replace with the real value


@dataclass(frozen=True)
class Parameter:
    """A value the responder (or the environment) must supply before a command can run."""

    name: str  # as written: "<ALB_DNS>", "$DATABASE_URL", "i-xxxxx"
    kind: ParameterKind


@dataclass(frozen=True)
class Step:
    """One action. ``code`` is empty for a manual step, which then has no ``safety``."""

    stage: Stage
    description: str
    code: str = ""
    language: str = ""
    safety: Safety | None = None
    heading: str = ""  # the label or heading it sits under, e.g. "Immediate Actions (First 5 Minutes)"

    @property
    def parameters(self) -> tuple[Parameter, ...]:
        return find_parameters(self.code)

    @property
    def runnable(self) -> bool:
        return bool(self.code.strip())


@dataclass(frozen=True)
class Scenario:
    """A kind of incident: how to recognise it, and what to do about it."""

    title: str
    steps: tuple[Step, ...] = ()
    symptoms: tuple[str, ...] = ()
    causes: tuple[str, ...] = ()
    description: str = ""
    severity: str | None = None  # as the runbook names it ("P0 INCIDENT: ..."); resolved against the scheme


@dataclass(frozen=True)
class Procedure:
    """Steps that apply to any incident: "Initial Response", "Verify Recovery", "Critical Commands"."""

    title: str
    steps: tuple[Step, ...] = ()


@dataclass(frozen=True)
class Phase:
    """A time-boxed stage of the response: "Phase 1: Detection & Acknowledgment (0-5 min)".

    ``start`` and ``end`` count from the start of the incident; ``None`` when the runbook gives no window.
    """

    name: str
    start: timedelta | None = None
    end: timedelta | None = None
    steps: tuple[Step, ...] = ()


_ANGLE_RE = re.compile(r"(?<![<\w])<[A-Za-z_][^<>\s]*(?:\s[^<>\s]+){0,3}>")
_CURLY_RE = re.compile(r"\{\{\s*[A-Za-z_][\w.-]*\s*\}\}")  # not Go templates: {{.Names}}
_ENV_RE = re.compile(r"\$\{([A-Za-z_]\w*)(?:[:?+=-][^}]*)?\}|\$([A-Za-z_]\w*)")
_TOKEN_RE = re.compile(r"[\w./:@-]+")
_EXAMPLE_RE = re.compile(r"(?<![A-Za-z])(?:x{4,}|X{3,})(?![A-Za-z])")
# Variables every shell has; they need nobody to fill them in.
_SHELL_VARIABLES = frozenset(
    [
        "HOME",
        "PATH",
        "PWD",
        "OLDPWD",
        "USER",
        "SHELL",
        "HOSTNAME",
        "RANDOM",
        "SECONDS",
        "LINENO",
        "IFS",
        "TMPDIR",
    ]
)


def _env_name(match: re.Match[str]) -> str | None:
    name = match.group(1) or match.group(2)
    return None if name in _SHELL_VARIABLES else name


def find_parameters(code: str) -> tuple[Parameter, ...]:
    """The values a block needs: ``<PLACEHOLDERS>``, ``$ENV_VARS`` and example ids like ``i-xxxxx``.

    Heredoc markers (``<<EOF``), arithmetic (``$((n + 1))``), positional fields (``$2``) and the shell's
    own variables (``$HOME``) are not parameters. Each is listed once, in order of appearance.
    """
    found: list[tuple[int, Parameter]] = []
    for match in _ANGLE_RE.finditer(code):
        found.append((match.start(), Parameter(match.group(), ParameterKind.PLACEHOLDER)))
    for match in _CURLY_RE.finditer(code):
        found.append((match.start(), Parameter(match.group(), ParameterKind.PLACEHOLDER)))
    for match in _ENV_RE.finditer(code):
        if _env_name(match):
            found.append((match.start(), Parameter(match.group(), ParameterKind.ENV_VAR)))
    for token in _TOKEN_RE.finditer(code):
        if _EXAMPLE_RE.search(token.group()):
            found.append((token.start(), Parameter(token.group().strip("./:-"), ParameterKind.EXAMPLE_VALUE)))
    seen: dict[str, Parameter] = {}
    for _, parameter in sorted(found, key=lambda item: item[0]):
        seen.setdefault(parameter.name, parameter)
    return tuple(seen.values())
