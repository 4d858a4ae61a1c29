"""The safety of one simple shell command, after unwrapping what runs it.

``sudo``, ``timeout 5``, ``watch``, ``xargs``, ``sh -c '...'``, ``kubectl exec ... --`` and ``aws ssm
send-command`` run another command: that command is judged. ``$(...)`` substitutions are judged too, and
output redirected to a file writes it. The program rules live in :mod:`~tocsin.domain.safety_programs`
and :mod:`~tocsin.domain.safety_clients`; a program neither knows is ``mutating``, since only what is
known to be read-only may ever run without a person confirming it.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence

from tocsin.domain.safety_clients import CLIENT_RULES, HARMLESS_TARGETS, sql_client
from tocsin.domain.safety_programs import (
    DESTRUCTIVE_PROGRAMS,
    MUTATING_PROGRAMS,
    READ_PROGRAMS,
    SUBCOMMANDS,
    SYSTEM_RULES,
    VERB_CLIS,
    cloud,
    positionals,
    ssm_commands,
    subcommand_program,
    verb_cli,
)
from tocsin.domain.safety_shell import SimpleCommand, logical_lines, simple_commands
from tocsin.domain.safety_types import CommandVerdict, Judgement, Safety, words

__all__ = ["classify_simple_command", "is_known_program"]

R, M, D = Safety.READ_ONLY, Safety.MUTATING, Safety.DESTRUCTIVE
_CLOUD_CLIS = words("aws gcloud gsutil az doctl heroku flyctl fly eksctl")
_SQL_CLIENTS = words("psql mysql sqlite3")
_WRAPPERS = words("sudo nohup time nice ionice stdbuf exec command builtin")
_SHELL_KEYWORDS = frozenset(["if", "then", "else", "elif", "do", "while", "until", "!", "{", "}"])
_SHELL_ENDS = frozenset(["fi", "done", "esac", "}", "for", "case", "in"])
_OUTPUT_REDIRECTS = frozenset([">", ">>", ">|", "&>"])
_MAX_DEPTH = 4  # commands inside commands inside commands: enough for runbooks, bounded for safety


def is_known_program(word: str) -> bool:
    """Whether ``word`` names a program a rule knows (used to tell commands from prose)."""
    name = posixpath.basename(word)
    return any(
        name in table
        for table in (
            READ_PROGRAMS,
            DESTRUCTIVE_PROGRAMS,
            MUTATING_PROGRAMS,
            CLIENT_RULES,
            SUBCOMMANDS,
            SYSTEM_RULES,
            _CLOUD_CLIS,
            VERB_CLIS,
            _SQL_CLIENTS,
            frozenset(["docker-compose", "podman", "watch", "xargs"]),
        )
    )


def _unwrap(words_: list[str]) -> list[str]:
    """Drop wrappers (``sudo -u x``, ``timeout 5``, ``env A=b``), variable assignments and shell keywords."""
    items = words_
    while items:
        head = items[0]
        if head in _WRAPPERS or head in _SHELL_KEYWORDS:
            items = items[1:]
            while items and head in ("sudo", "nice", "ionice", "stdbuf") and items[0].startswith("-"):
                items = items[2:] if items[0] in ("-u", "-g", "-n", "-c") else items[1:]
        elif head == "timeout":
            items = items[1:]
            while items and items[0].startswith("-"):
                items = items[2:] if items[0] in ("-s", "-k", "--signal", "--kill-after") else items[1:]
            items = items[1:]  # the time limit
        elif head == "env" or re.match(r"^[A-Za-z_]\w*=", head):
            items = items[1:]
        else:
            break
    return items


def _inner_commands(program: str, args: list[str]) -> list[str] | None:
    """What a command runs in its turn, or ``None`` if it runs nothing else."""
    if program in ("watch", "xargs"):
        rest = args
        while rest and rest[0].startswith("-"):
            rest = rest[2:] if rest[0] in ("-n", "-I", "-P", "-d", "-L") else rest[1:]
        return [" ".join(rest)] if rest else []
    if program in ("sh", "bash", "zsh", "dash") and "-c" in args:
        return args[args.index("-c") + 1 :][:1]
    if program in ("kubectl", "docker", "podman") and positionals(program, args)[:1] == ["exec"]:
        after = args[args.index("--") + 1 :] if "--" in args else positionals(program, args)[2:]
        return [" ".join(after)] if after else []
    if program == "aws" and "send-command" in args:
        return ssm_commands(args)
    return None


def _judge_text(text: str, depth: int) -> list[CommandVerdict]:
    return [
        verdict
        for line in logical_lines(text)
        for command in simple_commands(line)
        for verdict in classify_simple_command(command, depth)
    ]


def _program(program: str, args: Sequence[str], heredoc: str) -> list[CommandVerdict] | Judgement:
    if program in _CLOUD_CLIS:
        return cloud(program, args)
    if program in VERB_CLIS:
        return verb_cli(program, args)
    if program in CLIENT_RULES:
        return CLIENT_RULES[program](program, args)
    if program in _SQL_CLIENTS:
        return sql_client(program, args, heredoc)
    if program == "docker-compose":
        return subcommand_program("docker", ["compose", *args])
    if program in SUBCOMMANDS or program == "podman":
        return subcommand_program("docker" if program == "podman" else program, args)
    if program in SYSTEM_RULES:
        return SYSTEM_RULES[program](args)
    if program in DESTRUCTIVE_PROGRAMS or program.startswith("mkfs"):
        return D, f"{program} destroys what it is given"
    if program in READ_PROGRAMS:
        return R, f"{program} only reads"
    if program in MUTATING_PROGRAMS:
        return M, f"{program} changes things"
    return M, f"{program}: not known to be read-only"


def classify_simple_command(command: SimpleCommand, depth: int = 0) -> list[CommandVerdict]:
    """Verdicts for one simple command: its own, its redirections' and those of what it runs."""
    shown = " ".join(command.words)
    verdicts: list[CommandVerdict] = []
    if depth < _MAX_DEPTH:
        for substitution in command.substitutions:
            verdicts.extend(_judge_text(substitution, depth + 1))
    for operator, target in command.redirects:
        if operator in _OUTPUT_REDIRECTS and target not in HARMLESS_TARGETS:
            verdicts.append(CommandVerdict(shown, M, f"writes to {target}"))
    unwrapped = _unwrap(list(command.words))
    if not unwrapped or unwrapped[0] in _SHELL_ENDS:
        return verdicts
    program, args = posixpath.basename(unwrapped[0]), unwrapped[1:]
    inner = _inner_commands(program, args) if depth < _MAX_DEPTH else None
    if inner is not None:
        if not inner:
            return [*verdicts, CommandVerdict(shown, M, f"{program} runs a command that is not shown")]
        return verdicts + [v for text in inner for v in _judge_text(text, depth + 1)]
    judged = _program(program, args, command.heredoc)
    if isinstance(judged, list):
        return verdicts + judged
    return [*verdicts, CommandVerdict(shown, judged[0], judged[1])]
