"""The safety of one shell command, program by program.

Each rule looks at the program and its subcommand the way an operator would read them: ``aws ecs
describe-services`` looks, ``aws ecs update-service`` changes, ``--force-new-deployment`` replaces every
task; ``redis-cli PING`` looks, ``redis-cli FLUSHDB`` destroys. A program nobody taught this module is
``mutating``: only what is known to be read-only may ever run without a person confirming it.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Sequence

from tocsin.domain.safety_shell import SimpleCommand, logical_lines, simple_commands
from tocsin.domain.safety_sql import classify_sql
from tocsin.domain.safety_types import CommandVerdict, Safety

__all__ = ["classify_simple_command", "is_known_program"]

R, M, D = Safety.READ_ONLY, Safety.MUTATING, Safety.DESTRUCTIVE
Judgement = tuple[Safety, str]

_READ_PROGRAMS = frozenset(
    [
        "cat",
        "less",
        "more",
        "head",
        "tail",
        "grep",
        "egrep",
        "fgrep",
        "rg",
        "zgrep",
        "zcat",
        "sort",
        "uniq",
        "wc",
        "jq",
        "yq",
        "cut",
        "tr",
        "column",
        "echo",
        "printf",
        "date",
        "printenv",
        "whoami",
        "hostname",
        "uname",
        "id",
        "uptime",
        "free",
        "df",
        "du",
        "ls",
        "ll",
        "stat",
        "file",
        "which",
        "type",
        "pwd",
        "ps",
        "top",
        "htop",
        "vmstat",
        "iostat",
        "mpstat",
        "sar",
        "netstat",
        "ss",
        "lsof",
        "dig",
        "nslookup",
        "host",
        "ping",
        "traceroute",
        "tracepath",
        "mtr",
        "nc",
        "telnet",
        "openssl",
        "base64",
        "md5sum",
        "sha256sum",
        "sha1sum",
        "diff",
        "cmp",
        "tree",
        "locate",
        "history",
        "last",
        "w",
        "who",
        "pgrep",
        "pidof",
        "strace",
        "tcpdump",
        "promtool",
        "pg_isready",
        "pg_dump",
        "mysqldump",
        "whois",
        "nproc",
        "lscpu",
        "lsblk",
        "blkid",
        "findmnt",
        "cd",
        "pushd",
        "popd",
        "test",
        "true",
        "false",
        "sleep",
        "export",
        "set",
        "unset",
        "alias",
        "read",
        "exit",
        "open",
        "xdg-open",
        "dmesg",
        "getent",
        "nmap",
        "curlie",
        "kubectx-list",
        "istioctl-proxy-status",
    ]
)
_DESTRUCTIVE_PROGRAMS = frozenset(
    [
        "rm",
        "rmdir",
        "shred",
        "unlink",
        "truncate",
        "dd",
        "mkfs",
        "wipefs",
        "fdisk",
        "parted",
        "kill",
        "pkill",
        "killall",
        "skill",
        "shutdown",
        "halt",
        "poweroff",
    ]
)
_MUTATING_PROGRAMS = frozenset(
    [
        "mv",
        "cp",
        "mkdir",
        "touch",
        "ln",
        "chmod",
        "chown",
        "chgrp",
        "install",
        "reboot",
        "growpart",
        "resize2fs",
        "xfs_growfs",
        "umount",
        "ulimit",
        "make",
        "npm",
        "yarn",
        "pip",
        "pip3",
        "apt",
        "apt-get",
        "yum",
        "dnf",
        "brew",
        "eval",
        "source",
        ".",
        "ssh",
        "scp",
        "rsync",
    ]
)
# Words that wrap another command: the wrapped command is the one judged.
_WRAPPERS = frozenset(["sudo", "nohup", "time", "nice", "ionice", "stdbuf", "exec", "command", "builtin"])
_SHELL_KEYWORDS = frozenset(["if", "then", "else", "elif", "do", "while", "until", "!", "{", "}"])
_SHELL_ENDS = frozenset(["fi", "done", "esac", "}", "for", "case", "in"])

# Verbs of cloud CLIs (aws, gcloud, az, ...): the first word of a subcommand names what it does.
_READ_VERBS = frozenset(
    [
        "describe",
        "get",
        "list",
        "head",
        "tail",
        "filter",
        "lookup",
        "search",
        "query",
        "show",
        "view",
        "ls",
        "wait",
        "check",
        "validate",
        "estimate",
        "simulate",
        "scan",
        "select",
        "preview",
        "read",
        "info",
        "status",
        "print",
        "test",
    ]
)
_DESTRUCTIVE_VERBS = frozenset(
    [
        "delete",
        "terminate",
        "remove",
        "purge",
        "destroy",
        "rm",
        "rb",
        "kill",
        "flush",
        "drop",
        "wipe",
        "erase",
        "truncate",
    ]
)
_MUTATING_VERBS = frozenset(
    [
        "update",
        "modify",
        "set",
        "create",
        "put",
        "start",
        "stop",
        "reboot",
        "restart",
        "register",
        "deregister",
        "attach",
        "detach",
        "enable",
        "disable",
        "tag",
        "untag",
        "send",
        "invoke",
        "publish",
        "run",
        "scale",
        "resize",
        "apply",
        "import",
        "copy",
        "cp",
        "mv",
        "sync",
        "restore",
        "promote",
        "failover",
        "reset",
        "associate",
        "disassociate",
        "authorize",
        "revoke",
        "allocate",
        "release",
        "execute",
        "trigger",
        "upload",
        "change",
        "replace",
        "add",
        "rollback",
        "deploy",
        "ssh",
        "start-session",
        "cancel",
        "suspend",
        "resume",
        "increase",
        "decrease",
        "reload",
        "rotate",
        "switch",
    ]
)
_FORCE_FLAGS = frozenset(["--force", "--hard", "--delete", "--purge", "--prune", "--grace-period=0", "--now"])
_HARMLESS_TARGETS = frozenset(["/dev/null", "/dev/stdout", "/dev/stderr", "-"])
_SUBCOMMANDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # program: (read-only subcommands, destructive subcommands); anything else mutates.
    "kubectl": (
        frozenset(
            [
                "get",
                "describe",
                "logs",
                "top",
                "explain",
                "version",
                "cluster-info",
                "api-resources",
                "api-versions",
                "diff",
                "events",
                "wait",
                "auth",
            ]
        ),
        frozenset(["delete", "drain"]),
    ),
    "docker": (
        frozenset(
            [
                "ps",
                "logs",
                "inspect",
                "stats",
                "images",
                "top",
                "events",
                "info",
                "version",
                "port",
                "diff",
                "history",
                "search",
            ]
        ),
        frozenset(["rm", "rmi", "kill", "prune"]),
    ),
    "helm": (
        frozenset(
            [
                "list",
                "ls",
                "status",
                "history",
                "get",
                "show",
                "template",
                "lint",
                "search",
                "version",
                "env",
                "diff",
            ]
        ),
        frozenset(["uninstall", "delete", "del"]),
    ),
    "terraform": (
        frozenset(["plan", "show", "output", "validate", "version", "graph", "providers", "console"]),
        frozenset(["apply", "destroy", "force-unlock"]),
    ),
    "git": (
        frozenset(
            [
                "log",
                "show",
                "status",
                "diff",
                "blame",
                "shortlog",
                "describe",
                "rev-parse",
                "ls-files",
                "ls-remote",
                "grep",
                "reflog",
                "fetch",
            ]
        ),
        frozenset(),
    ),
    "systemctl": (
        frozenset(
            [
                "status",
                "show",
                "is-active",
                "is-enabled",
                "is-failed",
                "list-units",
                "list-unit-files",
                "cat",
                "list-timers",
            ]
        ),
        frozenset(["kill"]),
    ),
    "journalctl": (frozenset(), frozenset()),
}
_SECOND_LEVEL_READ = {
    ("kubectl", "rollout"): frozenset(["status", "history"]),
    ("kubectl", "config"): frozenset(["view", "get-contexts", "current-context", "get-clusters"]),
    ("docker", "compose"): frozenset(["ps", "logs", "top", "config", "images", "ls"]),
    ("docker", "container"): frozenset(["ls", "inspect", "logs", "stats", "top", "diff", "port"]),
    ("docker", "image"): frozenset(["ls", "inspect", "history"]),
    ("docker", "network"): frozenset(["ls", "inspect"]),
    ("docker", "volume"): frozenset(["ls", "inspect"]),
    ("docker", "system"): frozenset(["df", "info", "events"]),
    ("terraform", "state"): frozenset(["list", "show", "pull"]),
    ("terraform", "workspace"): frozenset(["list", "show"]),
    ("helm", "repo"): frozenset(["list"]),
    ("git", "remote"): frozenset(["-v", "show", "get-url"]),
}
_SECOND_LEVEL_DESTRUCTIVE = {
    ("docker", "compose"): frozenset(["down", "rm", "kill"]),
    ("docker", "system"): frozenset(["prune"]),
    ("terraform", "state"): frozenset(["rm"]),
    ("terraform", "workspace"): frozenset(["delete"]),
}
_VALUE_OPTIONS: dict[str, frozenset[str]] = {
    # Options that take a value, so the value is not mistaken for the subcommand.
    "kubectl": frozenset(["-n", "--namespace", "--context", "--kubeconfig", "--cluster", "--user", "-l"]),
    "docker": frozenset(["-H", "--host", "--context", "-c", "--config", "-f", "--file", "-p"]),
    "helm": frozenset(["-n", "--namespace", "--kube-context", "--kubeconfig"]),
    "git": frozenset(["-C", "-c", "--git-dir", "--work-tree"]),
    "terraform": frozenset(),
    "redis-cli": frozenset(
        [
            "-h",
            "-p",
            "-a",
            "-n",
            "-u",
            "-s",
            "-r",
            "-i",
            "-d",
            "-D",
            "--user",
            "--pass",
            "--cacert",
            "--cacertdir",
            "--cert",
            "--key",
            "--sni",
            "--tls-ciphers",
            "--eval",
        ]
    ),
    "psql": frozenset(
        [
            "-h",
            "-p",
            "-U",
            "-d",
            "-c",
            "-f",
            "-v",
            "-o",
            "-P",
            "-T",
            "-F",
            "-R",
            "-L",
            "--host",
            "--port",
            "--username",
            "--dbname",
            "--set",
        ]
    ),
    "mysql": frozenset(
        [
            "-h",
            "-P",
            "-u",
            "-D",
            "-e",
            "-S",
            "--host",
            "--port",
            "--user",
            "--database",
            "--execute",
            "--socket",
        ]
    ),
    "aws": frozenset(["--region", "--profile", "--output", "--endpoint-url", "--cli-read-timeout"]),
}


def _positionals(program: str, args: Sequence[str]) -> list[str]:
    """The arguments that are not options or option values."""
    takes_value = _VALUE_OPTIONS.get(program, frozenset())
    result, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg.startswith("-"):
            skip = arg in takes_value
        else:
            result.append(arg)
    return result


def _verb_of(token: str) -> Safety | None:
    word = token.casefold()
    head = word.split("-", 1)[0]
    for candidate in (word, head):
        if candidate in _DESTRUCTIVE_VERBS:
            return D
        if candidate in _READ_VERBS:
            return R
        if candidate in _MUTATING_VERBS:
            return M
    return None


def _force(args: Sequence[str], judged: Judgement) -> Judgement:
    """``--force`` (or ``--hard``, ``--delete``, ...) makes a change destructive."""
    if judged[0] is R:
        return judged
    for arg in args:
        if arg in _FORCE_FLAGS or arg.startswith("--force"):
            return D, f"{judged[1]}, with {arg.split('=')[0]}"
    return judged


def _cloud(program: str, args: Sequence[str]) -> Judgement:
    """aws, gcloud, az and friends: the strictest verb among the words after the service or group.

    The first word names a service or command group ("logs", "run"), never what is done to it.
    """
    positionals = _positionals(program, args)
    candidates = positionals[1:3] if program == "aws" else positionals[1:]
    verdicts = [(verb, token) for token in candidates if (verb := _verb_of(token)) is not None]
    if verdicts:
        verb, token = max(verdicts, key=lambda found: found[0].rank)
        name = " ".join(positionals[: positionals.index(token) + 1])
        return _force(args, (verb, f"{program} {name}"))
    return M, f"{program} {' '.join(positionals[:2])}: not known to be read-only"


def _ssm_inner(args: Sequence[str]) -> list[str]:
    """The shell commands ``aws ssm send-command`` runs on the instances (``commands=[...]``)."""
    found: list[str] = []
    for arg in args:
        match = re.search(r"commands\s*=\s*(\[.*\])", arg, re.DOTALL)
        if match:
            try:
                value = json.loads(match.group(1))
            except ValueError:
                value = re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(1))
            found.extend(str(item).replace('\\"', '"') for item in value)
    return found


def _subcommand_program(program: str, args: Sequence[str]) -> Judgement:
    read, destructive = _SUBCOMMANDS[program]
    positionals = _positionals(program, args)
    if program == "journalctl":
        if any(a.startswith(("--vacuum", "--rotate", "--flush")) for a in args):
            return D, "journalctl --vacuum deletes logs"
        return R, "journalctl reads logs"
    if not positionals:
        return (R, f"{program} without a subcommand") if program in ("git", "systemctl") else (M, program)
    sub = positionals[0]
    second = positionals[1] if len(positionals) > 1 else (args[-1] if args else "")
    name = f"{program} {sub}"
    if (program, sub) in _SECOND_LEVEL_READ or (program, sub) in _SECOND_LEVEL_DESTRUCTIVE:
        if second in _SECOND_LEVEL_DESTRUCTIVE.get((program, sub), frozenset()):
            return D, f"{name} {second}"
        if second in _SECOND_LEVEL_READ.get((program, sub), frozenset()):
            return R, f"{name} {second}"
        return M, f"{name} {second}".strip()
    if sub in destructive:
        return D, name
    if sub in read:
        return R, name
    if program == "git":
        return _git(sub, args)
    return _force(args, (M, name))


def _git(sub: str, args: Sequence[str]) -> Judgement:
    if sub == "push" and any(a in ("-f", "--force", "--force-with-lease") for a in args):
        return D, "git push --force"
    if sub == "reset" and "--hard" in args:
        return D, "git reset --hard"
    if sub == "clean" and any(a.startswith("-") and "f" in a for a in args):
        return D, "git clean -f"
    if sub == "branch":
        if "-D" in args:
            return D, "git branch -D"
        if all(a.startswith("-") and a not in ("-d", "-m", "-M", "-c") for a in args[1:]):
            return R, "git branch lists branches"
    if sub == "tag" and all(a.startswith("-l") or a == "--list" for a in args[1:]):
        return R, "git tag lists tags"
    return M, f"git {sub}"


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
        elif method == "GET" and (
            arg.startswith(("-d", "--data", "--json", "-F", "--form", "-T", "--upload")) and "-G" not in args
        ):
            method = "POST"
    return method


def _curl(program: str, args: Sequence[str]) -> Judgement:
    method = _http_method(args)
    if method in ("GET", "HEAD", "OPTIONS"):
        targets = [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-o", "--output")]
        writes = any(t not in _HARMLESS_TARGETS for t in targets) or any(
            a in ("-O", "--remote-name") for a in args
        )
        return (M, f"{program} saves a file") if writes else (R, f"{program} {method}")
    if method == "DELETE":
        return D, f"{program} DELETE"
    return M, f"{program} {method}"


def _wget(program: str, args: Sequence[str]) -> Judgement:
    to_stdout = any(a in ("-O-", "-qO-", "--spider") or a.endswith("O-") for a in args) or (
        "-O" in args and args[args.index("-O") + 1 : args.index("-O") + 2] == ["-"]
    )
    return (R, "wget to standard output") if to_stdout else (M, "wget saves a file")


def _httpie(program: str, args: Sequence[str]) -> Judgement:
    positionals = _positionals(program, args)
    if positionals and positionals[0].upper() in ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"):
        method = positionals[0].upper()
    else:
        method = "POST" if any("=" in p for p in positionals[1:]) else "GET"
    return _curl(program, ["-X", method]) if method != "GET" else (R, f"{program} GET")


_REDIS_READ = frozenset(
    [
        "ping",
        "info",
        "get",
        "mget",
        "exists",
        "ttl",
        "pttl",
        "type",
        "keys",
        "scan",
        "sscan",
        "hscan",
        "zscan",
        "dbsize",
        "strlen",
        "hget",
        "hgetall",
        "hkeys",
        "hvals",
        "hlen",
        "hmget",
        "hexists",
        "lrange",
        "llen",
        "lindex",
        "smembers",
        "scard",
        "sismember",
        "zrange",
        "zrevrange",
        "zcard",
        "zscore",
        "zrangebyscore",
        "zcount",
        "xlen",
        "xrange",
        "xrevrange",
        "xinfo",
        "xpending",
        "role",
        "time",
        "lastsave",
        "command",
        "monitor",
        "object",
        "randomkey",
        "dump",
        "echo",
        "pubsub",
        "getrange",
    ]
)
_REDIS_DESTRUCTIVE = frozenset(
    [
        "flushdb",
        "flushall",
        "del",
        "unlink",
        "shutdown",
        "debug",
        "swapdb",
        "hdel",
        "srem",
        "zrem",
        "lrem",
        "ltrim",
        "xdel",
        "xtrim",
        "spop",
        "lpop",
        "rpop",
        "getdel",
    ]
)
_REDIS_READ_SUBCOMMANDS = {
    "slowlog": frozenset(["get", "len"]),
    "client": frozenset(["list", "info", "getname", "id"]),
    "config": frozenset(["get"]),
    "memory": frozenset(["usage", "stats", "doctor", "malloc-stats"]),
    "latency": frozenset(["latest", "history", "doctor", "graph"]),
    "cluster": frozenset(["info", "nodes", "slots", "shards", "myid", "countkeysinslot", "keyslot"]),
    "sentinel": frozenset(
        ["masters", "master", "replicas", "slaves", "sentinels", "get-master-addr-by-name"]
    ),
}
_REDIS_FLAG_MODES = frozenset(
    ["--bigkeys", "--memkeys", "--stat", "--latency", "--latency-history", "--scan"]
)


def _redis(program: str, args: Sequence[str]) -> Judgement:
    if any(a in _REDIS_FLAG_MODES for a in args):
        return R, "redis-cli inspection mode"
    positionals = _positionals("redis-cli", args)
    if not positionals:
        return M, "interactive redis-cli session"
    verb = positionals[0].casefold()
    sub = positionals[1].casefold() if len(positionals) > 1 else ""
    name = f"redis {positionals[0].upper()}"
    if (
        verb in _REDIS_DESTRUCTIVE
        or (verb == "client" and sub == "kill")
        or (verb, sub)
        in (
            ("script", "flush"),
            ("function", "flush"),
            ("cluster", "reset"),
            ("cluster", "forget"),
        )
    ):
        return D, f"{name} {sub.upper()}".strip()
    if verb in _REDIS_READ or sub in _REDIS_READ_SUBCOMMANDS.get(verb, frozenset()):
        return R, f"{name} {sub.upper()}".strip()
    return M, f"{name} {sub.upper()}".strip()


def _sql_client(program: str, args: Sequence[str], heredoc: str) -> list[CommandVerdict] | Judgement:
    flags = {"psql": ("-c", "--command"), "mysql": ("-e", "--execute"), "sqlite3": ()}[program]
    statements: list[str] = []
    for index, arg in enumerate(args):
        if arg in flags and index + 1 < len(args):
            statements.append(args[index + 1])
        elif any(arg.startswith(f"{flag}=") for flag in flags):
            statements.append(arg.split("=", 1)[1])
    if program == "sqlite3":
        statements = _positionals(program, args)[1:]
    if heredoc:
        statements.append(heredoc)
    if not statements:
        if any(a in ("-f", "--file") or a.startswith("--file=") for a in args):
            return M, f"{program} runs a script file"
        return M, f"interactive {program} session"
    verdicts = [verdict for sql in statements for verdict in classify_sql(sql)]
    return verdicts or (R, f"{program} with no statement")


def _find(program: str, args: Sequence[str]) -> Judgement:
    if "-delete" in args:
        return D, "find -delete"
    return R, "find"


def _sed(program: str, args: Sequence[str]) -> Judgement:
    in_place = any(a.startswith("-i") or a.startswith("--in-place") for a in args)
    return (M, f"{program} -i edits files") if in_place else (R, program)


def _systemish(program: str, args: Sequence[str]) -> Judgement:
    """``service``, ``sysctl``, ``crontab``, ``iptables``, ``ip``, ``mount``, ``amtool`` and ``dmesg``."""
    joined = " ".join(args)
    table: dict[str, Callable[[], Judgement]] = {
        "service": lambda: (R, "service status") if "status" in args else (M, f"service {joined}"),
        "sysctl": lambda: (M, "sysctl -w") if "-w" in args or "=" in joined else (R, "sysctl"),
        "crontab": lambda: (R, "crontab -l") if args == ["-l"] else (D if "-r" in args else M, "crontab"),
        "iptables": lambda: (
            (R, "iptables list")
            if any(a in ("-L", "-S", "--list") for a in args)
            else (D if any(a in ("-F", "-X", "-D") for a in args) else M, "iptables")
        ),
        "ip": lambda: (
            (M, f"ip {joined}") if re.search(r"\b(add|del|set|flush|change)\b", joined) else (R, "ip")
        ),
        "mount": lambda: (R, "mount lists mounts") if not args else (M, "mount"),
        "amtool": lambda: (
            (R, "amtool query")
            if re.search(r"\b(query|check-config|config|ls)\b", joined) and "add" not in args
            else (M, f"amtool {joined}")
        ),
        "ansible-playbook": lambda: (R, "ansible --check") if "--check" in args else (M, "ansible-playbook"),
    }
    return table[program]()


def _mongo(program: str, args: Sequence[str]) -> Judgement:
    script = " ".join(args)
    if re.search(r"\b(drop|remove|delete\w*|killOp)\b", script):
        return D, f"{program} drops, removes or kills"
    reads = re.search(r"\.(find|count\w*|stats|getStatus|status|currentOp|aggregate)\(", script)
    if "--eval" in args and reads and not re.search(r"\$(out|merge)\b", script):
        return R, f"{program} query"
    return M, f"{program}: not known to be read-only"


_RULES: dict[str, Callable[[str, Sequence[str]], Judgement]] = {
    "aws": _cloud,
    "gcloud": _cloud,
    "gsutil": _cloud,
    "az": _cloud,
    "doctl": _cloud,
    "heroku": _cloud,
    "flyctl": _cloud,
    "fly": _cloud,
    "eksctl": _cloud,
    "curl": _curl,
    "wget": _wget,
    "http": _httpie,
    "https": _httpie,
    "xh": _httpie,
    "redis-cli": _redis,
    "find": _find,
    "sed": _sed,
    "awk": _sed,
    "gawk": _sed,
    "mongo": _mongo,
    "mongosh": _mongo,
    **dict.fromkeys(
        ["service", "sysctl", "crontab", "iptables", "ip", "mount", "amtool", "ansible-playbook"], _systemish
    ),
}


def is_known_program(word: str) -> bool:
    """Whether ``word`` names a program this module has a rule for (used to spot commands in prose)."""
    name = posixpath.basename(word)
    return (
        name in _READ_PROGRAMS
        or name in _DESTRUCTIVE_PROGRAMS
        or name in _MUTATING_PROGRAMS
        or name in _RULES
        or name in _SUBCOMMANDS
        or name in ("psql", "mysql", "sqlite3", "docker-compose", "podman", "kubectl", "watch", "xargs")
    )


def _unwrap(words: list[str]) -> list[str]:
    """Drop wrappers (``sudo -u x``, ``timeout 5``, ``env A=b``), variable assignments and shell keywords."""
    while words:
        head = words[0]
        if head in _WRAPPERS or head in _SHELL_KEYWORDS:
            words = words[1:]
            while words and head in ("sudo", "nice", "ionice", "stdbuf") and words[0].startswith("-"):
                words = words[2:] if words[0] in ("-u", "-g", "-n", "-c") else words[1:]
        elif head == "timeout":
            words = words[1:]
            while words and words[0].startswith("-"):
                words = words[2:] if words[0] in ("-s", "-k", "--signal", "--kill-after") else words[1:]
            words = words[1:]  # the time limit
        elif head == "env" or re.match(r"^[A-Za-z_]\w*=", head):
            words = words[1:]
        else:
            break
    return words


def _inner_after(words: Sequence[str], marker: str) -> list[str]:
    return list(words[words.index(marker) + 1 :]) if marker in words else []


def _nested(program: str, args: list[str], depth: int) -> list[CommandVerdict] | None:
    """Commands that run another command: watch, xargs, sh -c, kubectl/docker exec, aws ssm send-command."""
    inner: list[str] = []
    if program in ("watch", "xargs"):
        rest = args
        while rest and rest[0].startswith("-"):
            rest = rest[2:] if rest[0] in ("-n", "-I", "-P", "-d", "-L") else rest[1:]
        inner = [" ".join(rest)] if rest else []
    elif program in ("sh", "bash", "zsh", "dash") and "-c" in args:
        inner = _inner_after(args, "-c")[:1]
    elif program in ("kubectl", "docker", "podman") and _positionals(program, args)[:1] == ["exec"]:
        after = _inner_after(args, "--") if "--" in args else _positionals(program, args)[2:]
        inner = [" ".join(after)] if after else []
    elif program == "aws" and "send-command" in args:
        inner = _ssm_inner(args)
    else:
        return None
    if not inner:
        return [CommandVerdict(" ".join([program, *args]), M, f"{program} runs a command not shown")]
    return [v for text in inner for line in logical_lines(text) for v in _judge_line(line.text, depth + 1)]


def _judge_line(text: str, depth: int) -> list[CommandVerdict]:
    return [
        verdict for command in simple_commands(text) for verdict in classify_simple_command(command, depth)
    ]


def _program_judgement(program: str, args: list[str], heredoc: str) -> list[CommandVerdict] | Judgement:
    if program in _RULES:
        return _RULES[program](program, args)
    if program in ("psql", "mysql", "sqlite3"):
        return _sql_client(program, args, heredoc)
    if program in ("docker-compose", "podman"):
        return _subcommand_program("docker", ["compose", *args] if program == "docker-compose" else args)
    if program in _SUBCOMMANDS:
        return _subcommand_program(program, args)
    if program in _DESTRUCTIVE_PROGRAMS or program.startswith("mkfs"):
        return D, f"{program} destroys what it is given"
    if program in _READ_PROGRAMS:
        if program in ("dmesg",) and any(a in ("-c", "-C", "--clear") for a in args):
            return D, "dmesg --clear"
        return R, f"{program} only reads"
    if program in _MUTATING_PROGRAMS:
        return M, f"{program} changes things"
    return M, f"{program}: not known to be read-only"


def _redirect_judgements(command: SimpleCommand, shown: str) -> list[CommandVerdict]:
    verdicts = []
    for operator, target in command.redirects:
        if operator in (">", ">>", ">|", "&>") and target not in _HARMLESS_TARGETS:
            verdicts.append(CommandVerdict(shown, M, f"writes to {target}"))
    return verdicts


def classify_simple_command(command: SimpleCommand, depth: int = 0) -> list[CommandVerdict]:
    """Verdicts for one simple command: its own, its redirections' and those of what it substitutes."""
    words = _unwrap(list(command.words))
    shown = " ".join(command.words)
    verdicts: list[CommandVerdict] = []
    if depth < 4:
        for substitution in command.substitutions:
            verdicts.extend(_judge_line(substitution, depth + 1))
    verdicts.extend(_redirect_judgements(command, shown))
    if not words or words[0] in _SHELL_ENDS:
        return verdicts
    program, args = posixpath.basename(words[0]), words[1:]
    nested = _nested(program, args, depth) if depth < 4 else None
    if nested is not None:
        verdicts.extend(nested)
        if program == "aws":
            verdicts.append(CommandVerdict(shown, R, "aws ssm send-command runs the commands above"))
        return verdicts
    judged = _program_judgement(program, args, command.heredoc)
    if isinstance(judged, list):
        verdicts.extend(judged)
    else:
        verdicts.append(CommandVerdict(shown, judged[0], judged[1]))
    return verdicts
