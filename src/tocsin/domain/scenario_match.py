"""Choose the runbook scenario that fits an alert.

Explicit label matchers on a scenario win. Without them, the alert's name, summary and description are
scored against each scenario's title and symptoms with BM25 over lightly stemmed tokens, and the best
scenario is chosen if its score clears a threshold. The score is normalised to 0..1: the share of the
alert's words, weighted by how rare they are among the scenarios, that point at the chosen one (a word
in a scenario's title counts fully, one in its symptoms about 0.7). A scenario also needs a word of its
title or two of its symptoms, so one shared generic word never decides. Every match says why it was
chosen, for the timeline.

The tokenizer here (:func:`terms`) is shared with the threshold rules in :mod:`tocsin.domain.alert_rules`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from tocsin.domain.alert import Alert, LabelMatcher, matches_all

__all__ = [
    "DEFAULT_MIN_SCORE",
    "MatchBasis",
    "ScenarioMatch",
    "ScenarioMatcher",
    "ScenarioSpec",
    "match_scenario",
    "stem",
    "term_words",
    "terms",
]

DEFAULT_MIN_SCORE = 0.35

# Words that say nothing about which scenario fits: grammar, the alert's own vocabulary ("firing",
# "instance"), and intensifiers ("high") that every other title shares. "down" and "slow" stay: they do.
_STOPWORDS = frozenset(
    """
    a an and are as at be been by for from has have in into is it its of on or that the this to was were
    will with than then there these those which while when where who via per all any some our your their
    not no above below over under threshold too many soon up out left getting alert alerts alerting firing
    fired detected host node instance pod container server target job high low increased increasing
    decreased frequently specific recent multiple
    """.split()  # noqa: SIM905 - a word list reads better as text
)

# Operations vocabulary that different tools spell differently. Both the alert and the scenario text go
# through the same table, so "PostgresDown" meets "Database unavailable".
_CANONICAL = {
    "db": "database",
    "postgres": "database",
    "postgresql": "database",
    "pg": "database",
    "rds": "database",
    "mysql": "database",
    "mem": "memory",
    "oom": "memory",
    "ram": "memory",
    "slow": "latency",
    "err": "error",
    "exception": "error",
    "unreachable": "down",
    "unavailable": "down",
    "outage": "down",
    "offline": "down",
    "conn": "connect",
    "redis": "cache",
    "elasticache": "cache",
    "memcached": "cache",
    "backlog": "queue",
}

# Phrases that name one concept in two words.
_PHRASES = ((re.compile(r"response[\s_-]*times?", re.IGNORECASE), " latency "),)

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_WORD = re.compile(r"[a-z0-9]+")
_HTTP_STATUS = re.compile(r"^[1-5](?:\d\d|xx)$")  # 503, 5xx: status codes name a symptom
_PERCENTILE = re.compile(r"^p\d{2,3}$")  # p95 and p99 are the same concept for matching


def stem(word: str) -> str:
    """A light English stemmer: plurals, -ing, -ed, -tion, -ure, -ment, -ness and a final -e.

    Deliberately small: it only has to make "failing", "failed" and "failures" meet, not be linguistics.
    """
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix, replacement in (
        ("ing", ""),
        ("ed", ""),
        ("tion", "t"),
        ("ure", ""),
        ("ment", ""),
        ("ness", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + replacement
            if suffix in ("ing", "ed") and len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # running -> run, but keep "fill", "pass"
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def _term(word: str) -> str | None:
    if word in _STOPWORDS or len(word) < 2:
        return None
    if _HTTP_STATUS.match(word):
        return word
    if _PERCENTILE.match(word):
        return "percentile"
    if any(char.isdigit() for char in word):
        return None  # numbers, durations and identifiers (85, 10m, i1, db1) say nothing about the scenario
    stemmed = stem(word)
    canonical = _CANONICAL.get(word) or _CANONICAL.get(stemmed)
    return stem(canonical) if canonical else stemmed


def term_words(text: str) -> list[tuple[str, str]]:
    """Each content term of ``text`` with the word it came from, in order (see :func:`terms`)."""
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    pairs: list[tuple[str, str]] = []
    for word in _WORD.findall(_CAMEL.sub(" ", text).lower()):
        term = _term(word)
        if term is not None:
            pairs.append((term, word))
    return pairs


def terms(text: str) -> list[str]:
    """The content terms of ``text``: CamelCase and snake_case split, lower-cased, stemmed, canonicalised.

    Numbers, durations and identifiers ("85", "10m", "db1") are dropped; HTTP statuses ("503", "5xx") are
    kept, and percentiles ("p95", "p99") become one term.
    """
    return [term for term, _ in term_words(text)]


@dataclass(frozen=True)
class ScenarioSpec:
    """The little a matcher needs to know about a playbook scenario."""

    id: str
    title: str
    symptoms: str = ""
    matchers: tuple[LabelMatcher, ...] = ()


class MatchBasis(StrEnum):
    MATCHERS = "matchers"
    TEXT = "text"


@dataclass(frozen=True)
class ScenarioMatch:
    scenario_id: str
    title: str
    score: float  # 0..1; explicit matchers score 1.0
    basis: MatchBasis
    reason: str
    matched_words: tuple[str, ...] = ()  # the alert's own words that the scenario shares


_TITLE_WEIGHT = 2  # a scenario's title says more about it than one line of its symptoms
_K1 = 1.2
_B = 0.75
# The BM25 term saturation of a word in the title of a scenario of average length: a term scoring this
# much counts fully, so a perfect title match scores 1.0 and a symptoms-only mention about 0.7.
_FULL_SATURATION = _TITLE_WEIGHT * (_K1 + 1) / (_TITLE_WEIGHT + _K1)
# How much each part of the alert counts: its name and summary are written to identify it; a description
# often carries boilerplate ("see the dashboard", "runbook at ...").
_QUERY_WEIGHTS = (("name", 1.0), ("summary", 1.0), ("description", 0.5))
_UNSEEN_FACTOR = 0.5


@dataclass(frozen=True)
class _Document:
    spec: ScenarioSpec
    counts: Counter[str]
    length: int
    title_terms: frozenset[str]


@dataclass(frozen=True)
class ScenarioMatcher:
    """Matches alerts against a fixed list of scenarios; build once per playbook, call per alert."""

    scenarios: Sequence[ScenarioSpec]
    min_score: float = DEFAULT_MIN_SCORE
    _documents: tuple[_Document, ...] = field(init=False, repr=False, compare=False)
    _idf: dict[str, float] = field(init=False, repr=False, compare=False)
    _average_length: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        documents = tuple(_document(spec) for spec in self.scenarios)
        frequency: Counter[str] = Counter()
        for document in documents:
            frequency.update(document.counts.keys())
        total = len(documents)
        idf = {term: _idf(total, n) for term, n in frequency.items()}
        average = sum(d.length for d in documents) / total if total else 0.0
        object.__setattr__(self, "_documents", documents)
        object.__setattr__(self, "_idf", idf)
        object.__setattr__(self, "_average_length", average or 1.0)

    def match(self, alert: Alert) -> ScenarioMatch | None:
        """The scenario for ``alert``: explicit matchers first, else the best text match over the threshold."""
        for spec in self.scenarios:
            if spec.matchers and matches_all(spec.matchers, alert.labels):
                shown = ", ".join(str(m) for m in spec.matchers)
                return ScenarioMatch(spec.id, spec.title, 1.0, MatchBasis.MATCHERS, f"labels match {shown}")
        return self._best_text_match(alert)

    def _best_text_match(self, alert: Alert) -> ScenarioMatch | None:
        query = self._query(alert)
        # Terms no scenario mentions still count in the norm, at half the weight of a term that one scenario
        # mentions: an alert about "disk usage" must not match "High Error Rate" on the word "high" alone,
        # yet one unknown word in a summary must not sink a clear match.
        unseen_idf = _UNSEEN_FACTOR * _idf(len(self._documents), 1)
        norm = sum(weight * self._idf.get(term, unseen_idf) for term, (weight, _) in query.items())
        best: tuple[float, _Document, tuple[str, ...]] | None = None
        for document in self._documents:
            score, matched = self._score(query, document)
            if _enough_evidence(document, matched) and (best is None or score > best[0]):
                best = (score, document, matched)
        if best is None or norm <= 0 or best[0] / norm < self.min_score:
            return None
        score, document, matched = best
        relevance = round(min(score / norm, 1.0), 3)
        words = tuple(query[term][1] for term in matched)
        reason = f"alert mentions {', '.join(words)} (text relevance {relevance:.2f})"
        return ScenarioMatch(document.spec.id, document.spec.title, relevance, MatchBasis.TEXT, reason, words)

    def _query(self, alert: Alert) -> dict[str, tuple[float, str]]:
        """Each alert term with the weight of the most telling part it appears in, and its first word."""
        parts = {
            "name": alert.name,
            "summary": alert.summary or alert.title,
            "description": alert.description,
        }
        query: dict[str, tuple[float, str]] = {}
        for part, weight in _QUERY_WEIGHTS:
            for term, word in term_words(parts[part]):
                if term not in query or query[term][0] < weight:
                    query[term] = (weight, query[term][1] if term in query else word)
        return query

    def _score(
        self, query: dict[str, tuple[float, str]], document: _Document
    ) -> tuple[float, tuple[str, ...]]:
        """BM25 of the document for the weighted query, each term capped at its idf x weight."""
        score = 0.0
        matched: list[str] = []
        length_norm = 1 - _B + _B * document.length / self._average_length
        for term, (weight, _) in query.items():
            tf = document.counts.get(term, 0)
            if tf:
                saturation = tf * (_K1 + 1) / (tf + _K1 * length_norm)
                score += weight * self._idf[term] * min(saturation / _FULL_SATURATION, 1.0)
                matched.append(term)
        return score, tuple(matched)


def _enough_evidence(document: _Document, matched: Sequence[str]) -> bool:
    """A scenario needs a word of its title, or two words of its symptoms, before it can be chosen.

    One shared symptom word ("api", "timeout") is how unrelated scenarios overlap, not evidence.
    """
    return len(matched) >= 2 or any(term in document.title_terms for term in matched)


def _idf(total: int, containing: int) -> float:
    return math.log(1 + (total - containing + 0.5) / (containing + 0.5))


def _document(spec: ScenarioSpec) -> _Document:
    title = terms(spec.title)
    tokens = title * _TITLE_WEIGHT + terms(spec.symptoms)
    return _Document(spec, Counter(tokens), len(tokens), frozenset(title))


def match_scenario(
    alert: Alert, scenarios: Iterable[ScenarioSpec], *, min_score: float = DEFAULT_MIN_SCORE
) -> ScenarioMatch | None:
    """One-off form of :meth:`ScenarioMatcher.match`; build a :class:`ScenarioMatcher` to match many alerts."""
    return ScenarioMatcher(tuple(scenarios), min_score).match(alert)
