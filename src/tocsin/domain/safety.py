"""How safe a runbook code block is to run, decided command by command.

``read_only`` commands only look (``describe``/``get``/``list``, ``SELECT``, ``curl`` GET, ``logs tail``,
Redis ``PING``/``INFO``): tocsin may run them automatically and put their output in the timeline.
``mutating`` commands change something that can be changed back (``update-service``, ``scale``,
``set-desired-capacity``, ``modify``, ``reboot``, ``restart``) and ``destructive`` ones kill, delete,
flush or force (``kill``, ``FLUSHDB``, ``pg_terminate_backend``, ``DROP``/``DELETE``, ``rm``,
``terraform apply``, ``--force-new-deployment``): both run only when a responder confirms.

A block is as strict as its strictest command, so one ``FLUSHDB`` among ten ``describe`` calls makes the
whole block destructive. Comments are not commands. Anything not known to be read-only is at least
mutating: a wrong "read-only" could run a change unattended, a wrong "mutating" only asks a person.
"""

from __future__ import annotations

from dataclasses import dataclass

from tocsin.domain.safety_commands import classify_simple_command, is_known_program
from tocsin.domain.safety_shell import LineKind, logical_lines, simple_commands
from tocsin.domain.safety_sql import classify_sql
from tocsin.domain.safety_types import CommandVerdict, Safety

__all__ = [
    "CodeSafety",
    "CommandVerdict",
    "Safety",
    "classify_code",
    "classify_command",
    "is_known_program",
    "language_kind",
]

SHELL_LANGUAGES = frozenset(["", "bash", "sh", "shell", "zsh", "ksh", "fish", "powershell", "ps1", "cmd"])
CONSOLE_LANGUAGES = frozenset(["console", "shell-session", "terminal", "shellsession"])
SQL_LANGUAGES = frozenset(["sql", "psql", "postgres", "postgresql", "mysql", "pgsql", "plpgsql", "sqlite"])
QUERY_LANGUAGES = frozenset(["promql", "logql", "metricsql", "kql", "traceql", "lucene"])
REDIS_LANGUAGES = frozenset(["redis", "redis-cli"])
TEXT_LANGUAGES = frozenset(["text", "txt", "plain", "plaintext", "markdown", "md", "log", "output", "none"])


@dataclass(frozen=True)
class CodeSafety:
    """The class of a block (its strictest command) and the verdict on each command in it."""

    safety: Safety
    commands: tuple[CommandVerdict, ...]


def language_kind(language: str) -> str:
    """The family of a fence's language: ``shell``, ``console``, ``sql``, ``query``, ``redis``, ``text``
    or ``other`` (a program in a general-purpose language, a configuration file, ...)."""
    name = language.strip().casefold()
    for kind, names in (
        ("shell", SHELL_LANGUAGES),
        ("console", CONSOLE_LANGUAGES),
        ("sql", SQL_LANGUAGES),
        ("query", QUERY_LANGUAGES),
        ("redis", REDIS_LANGUAGES),
        ("text", TEXT_LANGUAGES),
    ):
        if name in names:
            return kind
    return "other"


def classify_command(command: str) -> CodeSafety:
    """The safety of a shell command (which may hold a pipeline, an ``&&`` chain or a heredoc)."""
    return classify_code(command, "bash")


def _shell(code: str) -> list[CommandVerdict]:
    verdicts: list[CommandVerdict] = []
    for line in logical_lines(code):
        if line.kind is LineKind.CODE:
            for simple in simple_commands(line):
                verdicts.extend(classify_simple_command(simple))
    return verdicts


def _console(code: str) -> list[CommandVerdict]:
    """A terminal transcript: only the lines after a ``$`` prompt are commands; the rest is output."""
    commands = [line.strip()[2:] for line in code.split("\n") if line.strip().startswith("$ ")]
    return _shell("\n".join(commands))


def _redis(code: str) -> list[CommandVerdict]:
    verdicts: list[CommandVerdict] = []
    for line in code.split("\n"):
        text = line.strip()
        if text and not text.startswith(("#", "//")):
            prompt = text.split("> ", 1)
            command = prompt[1] if len(prompt) == 2 and ":" in prompt[0] else text
            verdicts.extend(_shell(f"redis-cli {command}"))
    return verdicts


def classify_code(code: str, language: str = "") -> CodeSafety:
    """The safety of a code block, given its fence language (``bash``, ``sql``, ``console``, ...).

    Query languages (PromQL, LogQL) only read. Text that is not a command, and programs or
    configuration in other languages, are ``mutating``: a person has to look at them.
    """
    kind = language_kind(language)
    if kind == "sql":
        verdicts = classify_sql(code)
    elif kind == "shell":
        verdicts = _shell(code)
    elif kind == "console":
        verdicts = _console(code)
    elif kind == "redis":
        verdicts = _redis(code)
    elif not code.strip():
        verdicts = []
    elif kind == "query":
        verdicts = [CommandVerdict(code.strip(), Safety.READ_ONLY, f"{language} query only reads")]
    else:
        what = "text, not a command" if kind == "text" else f"{language} code: not known to be read-only"
        verdicts = [CommandVerdict(code.strip(), Safety.MUTATING, what)]
    return CodeSafety(Safety.strictest(v.safety for v in verdicts), tuple(verdicts))
