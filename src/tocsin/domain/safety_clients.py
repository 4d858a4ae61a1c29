"""Rules for clients that talk to a service: HTTP (curl, wget, httpie), Redis, SQL shells, MongoDB and
Alertmanager's amtool. What they send decides: a GET reads, a DELETE destroys; ``PING`` reads,
``FLUSHDB`` destroys; the SQL given to ``psql -c`` is judged statement by statement."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from tocsin.domain.safety_programs import positionals
from tocsin.domain.safety_sql import classify_sql
from tocsin.domain.safety_types import CommandVerdict, Judgement, Safety, words

__all__ = ["CLIENT_RULES", "HARMLESS_TARGETS", "sql_client"]

R, M, D = Safety.READ_ONLY, Safety.MUTATING, Safety.DESTRUCTIVE
HARMLESS_TARGETS = words("/dev/null /dev/stdout /dev/stderr -")
_READ_METHODS = words("GET HEAD OPTIONS")
_DATA_FLAGS = ("-d", "--data", "--json", "-F", "--form", "-T", "--upload")


def _http_method(args: Sequence[str]) -> str:
    method = "GET"
    for index, arg in enumerate(args):
        if arg in ("-X", "--request") and index + 1 < len(args):
            method = args[index + 1].upper()
        elif arg.startswith("-X") and len(arg) > 2:
            method = arg[2:].upper()
        elif arg.startswith("--request="):
            method = arg.split("=", 1)[1].upper()
        elif arg in ("-I", "--head"):
            method = "HEAD"
        elif method == "GET" and arg.startswith(_DATA_FLAGS) and "-G" not in args:
            method = "POST"  # sending data without -G posts it
    return method


def _by_method(program: str, method: str) -> Judgement:
    if method in _READ_METHODS:
        return R, f"{program} {method}"
    return (D if method == "DELETE" else M), f"{program} {method}"


def _curl(program: str, args: Sequence[str]) -> Judgement:
    method = _http_method(args)
    targets = [args[i + 1] for i, arg in enumerate(args[:-1]) if arg in ("-o", "--output")]
    saves = any(t not in HARMLESS_TARGETS for t in targets) or any(a in ("-O", "--remote-name") for a in args)
    if method in _READ_METHODS and saves:
        return M, f"{program} saves a file"
    return _by_method(program, method)


def _wget(program: str, args: Sequence[str]) -> Judgement:
    joined = " ".join(args)
    to_stdout = re.search(r"(^|\s)(-q?O-|-O -|--spider)(\s|$)", joined) is not None
    return (R, "wget to standard output") if to_stdout else (M, "wget saves a file")


def _httpie(program: str, args: Sequence[str]) -> Judgement:
    found = positionals(program, args)
    if found and found[0].upper() in words("GET HEAD OPTIONS POST PUT PATCH DELETE"):
        return _by_method(program, found[0].upper())
    return _by_method(program, "POST" if any("=" in item for item in found[1:]) else "GET")


_REDIS_READ = words(
    "ping info get mget exists ttl pttl type keys scan sscan hscan zscan dbsize strlen hget hgetall hkeys hvals "
    "hlen hmget hexists lrange llen lindex smembers scard sismember zrange zrevrange zcard zscore zrangebyscore "
    "zcount xlen xrange xrevrange xinfo xpending role time lastsave command monitor object randomkey dump "
    "echo pubsub getrange"
)
_REDIS_DESTRUCTIVE = words(
    "flushdb flushall del unlink shutdown debug swapdb hdel srem zrem lrem ltrim xdel xtrim spop lpop rpop getdel"
)
_REDIS_DESTRUCTIVE_PAIRS = {
    ("client", "kill"),
    ("script", "flush"),
    ("function", "flush"),
    ("cluster", "reset"),
    ("cluster", "forget"),
}
_REDIS_READ_SUBCOMMANDS = {
    "slowlog": words("get len"),
    "client": words("list info getname id"),
    "config": words("get"),
    "memory": words("usage stats doctor malloc-stats"),
    "latency": words("latest history doctor graph"),
    "cluster": words("info nodes slots shards myid countkeysinslot keyslot"),
    "sentinel": words("masters master replicas slaves sentinels get-master-addr-by-name"),
}
_REDIS_FLAG_MODES = words("--bigkeys --memkeys --stat --latency --latency-history --scan")


def _redis(program: str, args: Sequence[str]) -> Judgement:
    if any(a in _REDIS_FLAG_MODES for a in args):
        return R, "redis-cli inspection mode"
    found = positionals("redis-cli", args)
    if not found:
        return M, "interactive redis-cli session: anything can be typed"
    verb = found[0].casefold()
    sub = found[1].casefold() if len(found) > 1 else ""
    name = f"redis {found[0].upper()} {sub.upper()}".strip()
    if verb in _REDIS_DESTRUCTIVE or (verb, sub) in _REDIS_DESTRUCTIVE_PAIRS:
        return D, name
    if verb in _REDIS_READ or sub in _REDIS_READ_SUBCOMMANDS.get(verb, frozenset()):
        return R, name
    return M, name


def _mongo(program: str, args: Sequence[str]) -> Judgement:
    script = " ".join(args)
    if re.search(r"\b(drop\w*|remove|delete\w*|killOp)\b", script):
        return D, f"{program} drops, removes or kills"
    reads = re.search(r"\.(find|count\w*|stats|getStatus|status|currentOp|aggregate)\(", script)
    if "--eval" in args and reads and not re.search(r"\$(out|merge)\b", script):
        return R, f"{program} query"
    return M, f"{program}: not known to be read-only"


def _amtool(program: str, args: Sequence[str]) -> Judgement:
    joined = " ".join(args)
    if re.search(r"\b(query|check-config|config|ls)\b", joined) and "add" not in args:
        return R, "amtool query"
    return M, f"amtool {joined}".strip()


CLIENT_RULES: dict[str, Callable[[str, Sequence[str]], Judgement]] = {
    "curl": _curl,
    "wget": _wget,
    "http": _httpie,
    "https": _httpie,
    "xh": _httpie,
    "redis-cli": _redis,
    "mongo": _mongo,
    "mongosh": _mongo,
    "amtool": _amtool,
}
_SQL_FLAGS = {"psql": ("-c", "--command"), "mysql": ("-e", "--execute"), "sqlite3": ()}


def sql_client(program: str, args: Sequence[str], heredoc: str) -> list[CommandVerdict] | Judgement:
    """psql, mysql and sqlite3: the SQL they are given (``-c``, ``-e``, a heredoc), statement by statement.

    Without SQL they are an interactive session or run a file: a person has to look.
    """
    flags = _SQL_FLAGS[program]
    statements: list[str] = []
    for index, arg in enumerate(args):
        if arg in flags and index + 1 < len(args):
            statements.append(args[index + 1])
        elif any(arg.startswith(f"{flag}=") for flag in flags):
            statements.append(arg.split("=", 1)[1])
    if program == "sqlite3":
        statements = positionals(program, args)[1:]
    if heredoc:
        statements.append(heredoc)
    if not statements:
        if any(a in ("-f", "--file") or a.startswith("--file=") for a in args):
            return M, f"{program} runs a script file"
        return M, f"interactive {program} session: anything can be typed"
    return [verdict for sql in statements for verdict in classify_sql(sql)] or (R, f"{program}, no statement")
