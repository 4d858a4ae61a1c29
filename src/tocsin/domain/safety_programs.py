"""Rules for programs that change or inspect a system: cloud CLIs, kubectl, docker, helm, terraform,
git, systemd, and the Unix tools runbooks use.

Each rule reads a command the way an operator would: ``aws ecs describe-services`` looks, ``aws ecs
update-service`` changes, ``--force-new-deployment`` replaces every task.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence

from tocsin.domain.safety_types import Judgement, Safety, words

__all__ = [
    "DESTRUCTIVE_PROGRAMS",
    "MUTATING_PROGRAMS",
    "READ_PROGRAMS",
    "SUBCOMMANDS",
    "SYSTEM_RULES",
    "VERB_CLIS",
    "cloud",
    "positionals",
    "ssm_commands",
    "subcommand_program",
    "verb_cli",
]

R, M, D = Safety.READ_ONLY, Safety.MUTATING, Safety.DESTRUCTIVE

READ_PROGRAMS = words(
    "cat less more head tail grep egrep fgrep rg zgrep zcat sort uniq wc jq yq cut tr column echo printf date "
    "printenv whoami hostname uname id uptime free df du ls ll stat file which type pwd ps top htop vmstat "
    "iostat mpstat sar netstat ss lsof dig nslookup host ping traceroute tracepath mtr nc telnet openssl "
    "base64 md5sum sha256sum sha1sum diff cmp tree locate history last w who pgrep pidof strace tcpdump "
    "promtool pg_isready pg_dump mysqldump whois nproc lscpu lsblk blkid findmnt cd pushd popd test true "
    "false sleep export set unset alias read exit open xdg-open getent nmap"
)
DESTRUCTIVE_PROGRAMS = words(
    "rm rmdir shred unlink truncate dd mkfs wipefs fdisk parted kill pkill killall skill shutdown halt poweroff"
)
MUTATING_PROGRAMS = words(
    "mv cp mkdir touch ln chmod chown chgrp install reboot growpart resize2fs xfs_growfs umount ulimit make "
    "npm yarn pip pip3 apt apt-get yum dnf brew eval source . ssh scp rsync"
)
# Verbs of cloud CLIs (aws, gcloud, az, ...): the first word of a subcommand says what it does.
_READ_VERBS = words(
    "describe get list head tail filter lookup search query show view ls wait check validate estimate "
    "simulate scan select preview read info status print test health tree stat members catalog tpstats "
    "cluster_status df top"
)
_DESTRUCTIVE_VERBS = words(
    "delete del terminate remove purge destroy rm rb kill flush drop wipe erase truncate"
)
_MUTATING_VERBS = words(
    "update modify set create put start stop reboot restart register deregister attach detach enable disable "
    "tag untag send invoke publish run scale resize apply import copy cp mv sync restore promote failover "
    "reset associate disassociate authorize revoke allocate release execute trigger upload change replace "
    "add rollback deploy ssh cancel suspend resume increase decrease reload rotate switch"
)
_FORCE_FLAGS = words("--force --hard --delete --purge --prune --grace-period=0 --now")
# program: (read-only subcommands, destructive subcommands); any other subcommand changes something.
SUBCOMMANDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "kubectl": (
        words(
            "get describe logs top explain version cluster-info api-resources api-versions diff events wait auth"
        ),
        words("delete drain"),
    ),
    "docker": (
        words("ps logs inspect stats images top events info version port diff history search"),
        words("rm rmi kill prune"),
    ),
    "helm": (
        words("list ls status history get show template lint search version env diff"),
        words("uninstall delete del"),
    ),
    "terraform": (
        words("plan show output validate version graph providers console"),
        words("apply destroy force-unlock"),
    ),
    "git": (
        words("log show status diff blame shortlog describe rev-parse ls-files ls-remote grep reflog fetch"),
        words(""),
    ),
    "systemctl": (
        words("status show is-active is-enabled is-failed list-units list-unit-files cat list-timers"),
        words("kill"),
    ),
}
# (program, subcommand): (read-only, destructive) second-level subcommands.
_SECOND_LEVEL: dict[tuple[str, str], tuple[frozenset[str], frozenset[str]]] = {
    ("kubectl", "rollout"): (words("status history"), words("")),
    ("kubectl", "config"): (words("view get-contexts current-context get-clusters"), words("")),
    ("docker", "compose"): (words("ps logs top config images ls"), words("down rm kill")),
    ("docker", "container"): (words("ls inspect logs stats top diff port"), words("rm prune kill")),
    ("docker", "image"): (words("ls inspect history"), words("rm prune")),
    ("docker", "network"): (words("ls inspect"), words("rm prune")),
    ("docker", "volume"): (words("ls inspect"), words("rm prune")),
    ("docker", "system"): (words("df info events"), words("prune")),
    ("terraform", "state"): (words("list show pull"), words("rm")),
    ("terraform", "workspace"): (words("list show"), words("delete")),
    ("helm", "repo"): (words("list"), words("")),
    ("git", "remote"): (words("-v show get-url"), words("")),
}
# Options that take a value, so that the value is not mistaken for the subcommand.
_VALUE_OPTIONS: dict[str, frozenset[str]] = {
    "kubectl": words("-n --namespace --context --kubeconfig --cluster --user -l"),
    "docker": words("-H --host --context -c --config -f --file -p"),
    "helm": words("-n --namespace --kube-context --kubeconfig"),
    "git": words("-C -c --git-dir --work-tree"),
    "redis-cli": words(
        "-h -p -a -n -u -s -r -i -d -D --user --pass --cacert --cacertdir --cert --key --sni --eval"
    ),
    "psql": words("-h -p -U -d -c -f -v -o -P -T -F -R -L --host --port --username --dbname --set"),
    "mysql": words("-h -P -u -D -e -S --host --port --user --database --execute --socket"),
    "aws": words("--region --profile --output --endpoint-url --cli-read-timeout"),
}


def positionals(program: str, args: Sequence[str]) -> list[str]:
    """The arguments that are neither options nor option values."""
    takes_value = _VALUE_OPTIONS.get(program, frozenset())
    result: list[str] = []
    skip = False
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
    for candidate in (word, re.split(r"[-_]", word, maxsplit=1)[0]):
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


def cloud(program: str, args: Sequence[str]) -> Judgement:
    """aws, gcloud, az and friends: the strictest verb among the words after the service or group.

    The first word names a service or command group ("logs", "run"), never what is done to it.
    """
    found = positionals(program, args)
    candidates = found[1:3] if program == "aws" else found[1:]
    verbs = [(verb, token) for token in candidates if (verb := _verb_of(token)) is not None]
    if verbs:
        verb, token = max(verbs, key=lambda pair: pair[0].rank)
        return _force(args, (verb, f"{program} {' '.join(found[: found.index(token) + 1])}"))
    return M, f"{program} {' '.join(found[:2])}: not known to be read-only"


# Operations CLIs whose subcommands say what they do ("ceph status", "etcdctl member list",
# "rabbitmqctl list_queues"): judged like the cloud CLIs, but from their first word on.
VERB_CLIS = words(
    "ceph rabbitmqctl etcdctl consul vault nodetool nomad argocd flux istioctl linkerd kafka-topics "
    "kafka-consumer-groups"
)


def verb_cli(program: str, args: Sequence[str]) -> Judgement:
    """An operations CLI: the strictest verb among all its positional words; none is not read-only."""
    found = positionals(program, args)
    verbs = [verb for token in found if (verb := _verb_of(token)) is not None]
    name = " ".join([program, *found[:3]])
    if not verbs:
        return M, f"{name}: not known to be read-only"
    return _force(args, (max(verbs, key=lambda verb: verb.rank), name))


def ssm_commands(args: Sequence[str]) -> list[str]:
    """The shell commands ``aws ssm send-command`` runs on the instances (its ``commands=[...]``)."""
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


def _git(sub: str, args: Sequence[str]) -> Judgement:
    if sub == "push" and any(a in ("-f", "--force", "--force-with-lease") for a in args):
        return D, "git push --force"
    if sub == "reset" and "--hard" in args:
        return D, "git reset --hard"
    if sub == "clean" and any(a.startswith("-") and "f" in a for a in args):
        return D, "git clean -f"
    if sub == "branch" and "-D" in args:
        return D, "git branch -D"
    if sub == "branch" and all(a.startswith("-") and a not in ("-d", "-m", "-M", "-c") for a in args[1:]):
        return R, "git branch lists branches"
    if sub == "tag" and all(a.startswith("-l") or a == "--list" for a in args[1:]):
        return R, "git tag lists tags"
    return M, f"git {sub}"


def subcommand_program(program: str, args: Sequence[str]) -> Judgement:
    """kubectl, docker, helm, terraform, git and systemctl: judged by their (sub)subcommand."""
    read, destructive = SUBCOMMANDS[program]
    found = positionals(program, args)
    if not found:
        return (R, f"{program} without a subcommand") if program in ("git", "systemctl") else (M, program)
    sub, name = found[0], f"{program} {found[0]}"
    if (program, sub) in _SECOND_LEVEL:
        second_read, second_destructive = _SECOND_LEVEL[(program, sub)]
        second = found[1] if len(found) > 1 else (args[-1] if args else "")
        if second in second_destructive:
            return D, f"{name} {second}"
        return (R if second in second_read else M), f"{name} {second}".strip()
    if sub in destructive:
        return D, name
    if sub in read:
        return R, name
    if program == "git":
        return _git(sub, args)
    return _force(args, (M, name))


def _journalctl(args: Sequence[str]) -> Judgement:
    if any(a.startswith(("--vacuum", "--rotate", "--flush")) for a in args):
        return D, "journalctl --vacuum deletes logs"
    return R, "journalctl reads logs"


def _find(args: Sequence[str]) -> Judgement:
    return (D, "find -delete") if "-delete" in args else (R, "find")


def _in_place(program: str, args: Sequence[str]) -> Judgement:
    """sed and awk only read unless told to edit files in place."""
    edits = any(a.startswith(("-i", "--in-place")) for a in args)
    return (M, f"{program} -i edits files") if edits else (R, program)


def _iptables(args: Sequence[str]) -> Judgement:
    if any(a in ("-L", "-S", "--list") for a in args):
        return R, "iptables lists rules"
    return (D if any(a in ("-F", "-X", "-D") for a in args) else M), "iptables changes rules"


def _crontab(args: Sequence[str]) -> Judgement:
    if list(args) == ["-l"]:
        return R, "crontab -l"
    return (D if "-r" in args else M), "crontab changes scheduled jobs"


def _changes_if(pattern: str, reading: str) -> Callable[[Sequence[str]], Judgement]:
    """A rule for tools that only read unless their arguments match ``pattern``."""

    def rule(args: Sequence[str]) -> Judgement:
        joined = " ".join(args)
        return (M, joined or reading) if re.search(pattern, joined) else (R, reading)

    return rule


SYSTEM_RULES: dict[str, Callable[[Sequence[str]], Judgement]] = {
    "journalctl": _journalctl,
    "find": _find,
    "sed": lambda args: _in_place("sed", args),
    "awk": lambda args: _in_place("awk", args),
    "gawk": lambda args: _in_place("gawk", args),
    "iptables": _iptables,
    "crontab": _crontab,
    "service": lambda args: (R, "service status") if "status" in args else (M, f"service {' '.join(args)}"),
    "sysctl": _changes_if(r"(^|\s)-w\b|=", "sysctl reads kernel settings"),
    "ip": _changes_if(r"\b(add|del|set|flush|change|replace)\b", "ip shows addresses and routes"),
    "mount": _changes_if(r"\S", "mount lists mounts"),
    "dmesg": _changes_if(r"(^|\s)(-c|-C|--clear)\b", "dmesg reads kernel messages"),
    "ansible-playbook": lambda args: (R, "ansible --check") if "--check" in args else (M, "ansible-playbook"),
}
