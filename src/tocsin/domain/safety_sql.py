"""The safety of SQL, statement by statement (PostgreSQL and MySQL as runbooks use them).

``SELECT count(*) FROM pg_stat_activity`` only looks; ``SELECT pg_terminate_backend(pid) ...`` kills
sessions although it is a SELECT, so functions with side effects are checked before the statement's verb.
"""

from __future__ import annotations

import re

from tocsin.domain.safety_types import CommandVerdict, Safety

__all__ = ["classify_sql"]

_DESTRUCTIVE_FUNCTIONS = frozenset(
    ["pg_terminate_backend", "pg_cancel_backend", "pg_drop_replication_slot", "lo_unlink", "pg_promote"]
)
_MUTATING_FUNCTIONS = frozenset(
    [
        "pg_reload_conf",
        "pg_rotate_logfile",
        "pg_switch_wal",
        "pg_create_restore_point",
        "pg_stat_reset",
        "pg_stat_statements_reset",
        "pg_advisory_lock",
        "set_config",
        "setval",
        "nextval",
    ]
)
_READ_VERBS = frozenset(["select", "show", "explain", "describe", "desc", "table", "values", "help"])
_NEUTRAL_VERBS = frozenset(["begin", "commit", "rollback", "start", "end", "use"])
_DESTRUCTIVE_VERBS = frozenset(["delete", "drop", "truncate", "kill"])
_WRITE_WORDS = re.compile(r"\b(insert|update|delete|merge|upsert)\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z_][\w$]*")
_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
# psql meta-commands that only describe (\d, \dt, \l, \x, \timing, \conninfo ...).
_READ_META = re.compile(r"^\\(d\w*\+?|l\+?|x|timing|conninfo|c(onnect)?|q|du\+?|dn\+?|\?|h)\b")


def _statements(sql: str) -> list[str]:
    """``sql`` split at semicolons outside quotes, comments removed."""
    sql = _COMMENTS.sub(" ", sql)
    statements: list[str] = []
    current: list[str] = []
    quote: str | None = None
    for char in sql:
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == ";":
            statements.append("".join(current))
            current = []
            continue
        current.append(char)
    statements.append("".join(current))
    return [" ".join(s.split()) for s in statements if s.strip()]


def _judge(statement: str) -> tuple[Safety, str]:
    if statement.startswith("\\"):
        if _READ_META.match(statement):
            return Safety.READ_ONLY, "psql meta-command that only describes"
        return Safety.MUTATING, "psql meta-command that may change things"
    words = [w.casefold() for w in _WORD.findall(statement)]
    for word in words:
        if word in _DESTRUCTIVE_FUNCTIONS:
            return Safety.DESTRUCTIVE, f"calls {word}"
    verb = words[0] if words else ""
    if verb in _DESTRUCTIVE_VERBS:
        return Safety.DESTRUCTIVE, f"{verb.upper()} removes data or sessions"
    if verb == "with" or (verb == "explain" and "analyze" in words[:3]):
        write = _WRITE_WORDS.search(statement)
        if write:
            kind = write.group(1).casefold()
            level = Safety.DESTRUCTIVE if kind == "delete" else Safety.MUTATING
            return level, f"{kind.upper()} inside {verb.upper()}"
        verb = "select"
    for word in words:
        if word in _MUTATING_FUNCTIONS:
            return Safety.MUTATING, f"calls {word}"
    if verb in _READ_VERBS:
        if verb == "select" and re.search(r"\binto\s+(?!@)\w", statement, re.IGNORECASE):
            return Safety.MUTATING, "SELECT INTO creates a table"
        return Safety.READ_ONLY, f"{verb.upper()} only reads"
    if verb in _NEUTRAL_VERBS:
        return Safety.READ_ONLY, f"{verb.upper()} changes no data"
    if verb == "copy" and re.search(r"\bto\b", statement, re.IGNORECASE):
        return Safety.READ_ONLY, "COPY TO only reads"
    return Safety.MUTATING, f"{verb.upper() or 'statement'} changes data or settings"


def classify_sql(sql: str) -> list[CommandVerdict]:
    """One verdict per SQL statement in ``sql`` (comments are not statements)."""
    lines = sql.split("\n")
    # psql meta-commands ("\dt", "\x") end at the end of their line, not at a semicolon.
    meta = [line.strip() for line in lines if line.strip().startswith("\\")]
    rest = "\n".join(line for line in lines if not line.strip().startswith("\\"))
    verdicts = []
    for statement in [*meta, *_statements(rest)]:
        safety, reason = _judge(statement)
        verdicts.append(CommandVerdict(statement, safety, reason))
    return verdicts
