"""Recognising severity names as runbooks write them: SEV1, SEV-2, P0, Severity 1, Priority 2, Critical.

Inside a section about severities, more shapes count (``S1``, ``Level 2``, bare words such as "High"). In
running text only unmistakable names do: "S3" there is Amazon S3, "Level 1" an escalation level.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from tocsin.runbook.text import plain

__all__ = ["SeverityLabel", "find_severity_names", "parse_severity_label", "split_alias"]

_STRICT = r"SEV[ -]?\d+|Sev[ -]?\d+|sev[ -]?\d+|P[0-5]\b|Priority[ -]?\d+|Severity[ -]?\d+"
_LOOSE = _STRICT + r"|S[0-5]\b|Level[ -]?\d+|Tier[ -]?\d+"
_WORDS = (
    "critical|high|medium|moderate|low|major|minor|emergency|urgent|severe|warning|info|informational|"
    "trivial|blocker|normal|catastrophic|sev"
)
_STRICT_RE = re.compile(rf"(?<![\w-])(?:{_STRICT})(?![\w-])")
_NAME_RE = re.compile(rf"^(?P<name>{_LOOSE})(?![\w-])", re.IGNORECASE)
_WORD_RE = re.compile(rf"^(?P<name>{_WORDS})(?![\w-])", re.IGNORECASE)
_LEADING = re.compile(r"^[^\w(]+")
_SEPARATORS = " -–—:|.,"  # noqa: RUF001
_PAREN = re.compile(r"\(([^()]*)\)")


@dataclass(frozen=True)
class SeverityLabel:
    name: str  # as written: "P0", "Severity 1", "Critical"
    aliases: tuple[str, ...]
    rest: str  # what follows the name and its aliases: a description


def split_alias(text: str) -> tuple[str | None, str]:
    """A leading severity word and the rest: "Critical - Complete outage" → ("Critical", "Complete
    outage"); "CRITICAL (Complete Outage)" → ("Critical", "Complete Outage")."""
    stripped = text.strip()
    paren = re.fullmatch(r"\(([^()]*)\)\s*(.*)", stripped, re.S)
    if paren and _WORD_RE.fullmatch(paren.group(1).strip()):
        return paren.group(1).strip().title(), paren.group(2).strip(_SEPARATORS)
    match = _WORD_RE.match(stripped)
    if match is None or match.group("name").casefold() == "sev":
        return None, stripped
    rest = stripped[match.end() :].strip(_SEPARATORS)
    rest_paren = re.fullmatch(r"\((.*)\)", rest, re.S)
    return match.group("name").title(), (rest_paren.group(1) if rest_paren else rest).strip()


def _derived_aliases(name: str) -> tuple[str, ...]:
    # "Severity 1" is what seed 004 calls the level its own slash command calls "sev1".
    number = re.fullmatch(r"severity[ -]?(\d+)", name, re.IGNORECASE)
    return (f"SEV{number.group(1)}",) if number else ()


def parse_severity_label(raw: str) -> SeverityLabel | None:
    """Read a level's heading, table cell or list key: "P0 - CRITICAL (Complete Outage)" → P0, aliases
    ("Critical",), rest "Complete Outage". ``None`` if it does not start with a severity name."""
    text = _LEADING.sub("", plain(raw)).strip()
    match = _NAME_RE.match(text) or _WORD_RE.match(text)
    if match is None:
        return None
    name = match.group("name")
    if _WORD_RE.fullmatch(name):
        name = name.title()
    rest = text[match.end() :].strip(_SEPARATORS)
    aliases = list(_derived_aliases(name))
    alias, rest = split_alias(rest)
    if alias and alias.casefold() != name.casefold():
        aliases.insert(0, alias)
    paren = _PAREN.fullmatch(rest.strip())
    if paren:
        rest = paren.group(1)
    return SeverityLabel(name, tuple(aliases), rest.strip())


def find_severity_names(text: str, known: Iterable[str] = ()) -> list[str]:
    """Severity names mentioned in running text, in order, each once: "For SEV1/SEV2 incidents" →
    ["SEV1", "SEV2"]. ``known`` adds the names and aliases of the playbook's own levels ("Critical")."""
    spans = [(m.start(), m.group()) for m in _STRICT_RE.finditer(text)]
    for name in known:
        if not _STRICT_RE.fullmatch(name):
            pattern = rf"(?<![\w-]){re.escape(name)}(?![\w-])"
            spans.extend((m.start(), m.group()) for m in re.finditer(pattern, text, re.IGNORECASE))
    found: list[str] = []
    for _, name in sorted(spans):
        if name not in found:
            found.append(name)
    return found
