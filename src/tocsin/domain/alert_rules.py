"""Rules that read an alert: its severity, its service and the group (incident) it belongs to.

Severity is decided in a fixed order, and the decision says which step decided it:

1. label rules, e.g. ``severity="critical"`` -> SEV1 (first matching rule wins);
2. the playbook's alert thresholds ("Memory usage > 85% for 15 minutes -> P2"), matched by how much of the
   condition's wording the alert's name and summary share;
3. the sender's own severity (PagerDuty ``critical``/``error``/``warning``/``info``, Alertmanager's
   ``severity`` label), mapped onto the scheme by name or by rank;
4. the integration's default;
5. otherwise the second level of the scheme, as Alertmanager defaults PagerDuty events to ``error``: an
   alert nobody classified should still reach a person.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tocsin.domain.alert import Alert, LabelMatcher, matches_all
from tocsin.domain.scenario_match import term_words, terms
from tocsin.domain.severity import SeverityLevel, SeverityScheme

__all__ = [
    "DEFAULT_SERVICE_LABELS",
    "GROUP_BY_ALL",
    "SOURCE_SEVERITY_RANKS",
    "GroupingRule",
    "SeverityBasis",
    "SeverityDecision",
    "SeverityPolicy",
    "SeverityRule",
    "ThresholdMatch",
    "ThresholdRule",
    "decide_severity",
    "find_threshold_rule",
    "group_key_for",
    "policy_problems",
    "service_from_labels",
    "severity_from_source",
    "within_group_window",
]

# PagerDuty's four severities, plus the words Alertmanager rules commonly put in a ``severity`` label,
# as a rank in the scheme (0 = most severe).
SOURCE_SEVERITY_RANKS: Mapping[str, int] = {
    "critical": 0,
    "crit": 0,
    "fatal": 0,
    "emergency": 0,
    "page": 0,
    "error": 1,
    "major": 1,
    "high": 1,
    "warning": 2,
    "warn": 2,
    "minor": 2,
    "medium": 2,
    "info": 3,
    "informational": 3,
    "notice": 3,
    "low": 3,
}

# Label names that say which service an alert is about, most specific first. ``job`` comes late because
# it is often the scrape job ("node", "kubernetes-pods") rather than the service.
DEFAULT_SERVICE_LABELS = ("service", "app", "app_kubernetes_io_name", "application", "job", "component")

GROUP_BY_ALL = "..."  # as in Alertmanager's route ``group_by: ['...']``: every label


@dataclass(frozen=True)
class SeverityRule:
    """``severity`` applies to alerts matching every matcher, e.g. ``severity="critical"`` -> ``SEV1``."""

    matchers: tuple[LabelMatcher, ...]
    severity: str


@dataclass(frozen=True)
class ThresholdRule:
    """A playbook alert threshold: its condition as written, and the severity it maps to."""

    condition: str
    severity: str


@dataclass(frozen=True)
class SeverityPolicy:
    """How one integration decides severity; ``default`` is the integration's fallback level name."""

    rules: tuple[SeverityRule, ...] = ()
    thresholds: tuple[ThresholdRule, ...] = ()
    default: str | None = None
    use_source_severity: bool = True
    min_threshold_coverage: float = 0.5


class SeverityBasis(StrEnum):
    LABEL_RULE = "label_rule"
    THRESHOLD_RULE = "threshold_rule"
    SOURCE_SEVERITY = "source_severity"
    INTEGRATION_DEFAULT = "integration_default"
    FALLBACK = "fallback"


@dataclass(frozen=True)
class SeverityDecision:
    level: SeverityLevel
    basis: SeverityBasis
    reason: str


@dataclass(frozen=True)
class ThresholdMatch:
    rule: ThresholdRule
    coverage: float  # share of the condition's terms that the alert's name and summary contain
    matched_words: tuple[str, ...]


def severity_from_source(text: str, scheme: SeverityScheme) -> SeverityLevel | None:
    """Map a sender's severity word onto ``scheme``: by level name or alias first, else by rank.

    ``"P1"`` or ``"SEV2"`` name a level directly; PagerDuty's ``critical``/``error``/``warning``/``info``
    become ranks 0..3 (clamped to the scheme's length). Unknown words give ``None``.
    """
    word = text.strip()
    if not word:
        return None
    named = scheme.resolve(word)
    if named is not None:
        return named
    rank = SOURCE_SEVERITY_RANKS.get(word.casefold())
    return scheme.by_rank(rank) if rank is not None else None


# Words a threshold condition uses for its numbers, not its subject.
_CONDITION_NOISE = frozenset(
    terms("minutes min seconds sec hours days consecutive times in a row count rate usage level")
)


def _condition_terms(condition: str) -> set[str]:
    return {term for term in terms(condition) if term not in _CONDITION_NOISE}


def find_threshold_rule(
    alert: Alert, thresholds: Sequence[ThresholdRule], min_coverage: float = 0.5
) -> ThresholdMatch | None:
    """The threshold rule whose condition the alert's name and summary cover best, if any covers enough.

    "Memory usage > 85% for 15 minutes" has the terms {memory, usage}; an alert ``HostOutOfMemory``
    ("memory filling up") covers half of them. Ties go to the rule written first.
    """
    alert_words: dict[str, str] = {}
    for term, word in term_words(f"{alert.name} {alert.summary or alert.title}"):
        alert_words.setdefault(term, word)
    best: ThresholdMatch | None = None
    for rule in thresholds:
        wanted = _condition_terms(rule.condition)
        if not wanted:
            continue
        shared = [term for term in alert_words if term in wanted]
        coverage = len(shared) / len(wanted)
        if coverage >= min_coverage and (best is None or coverage > best.coverage):
            best = ThresholdMatch(rule, round(coverage, 3), tuple(alert_words[t] for t in shared))
    return best


def decide_severity(alert: Alert, policy: SeverityPolicy, scheme: SeverityScheme) -> SeverityDecision:
    """Decide the alert's severity level in ``scheme`` by ``policy`` (order in the module docstring).

    A rule naming a level the scheme does not have is skipped here; :func:`policy_problems` reports it
    when the policy is saved.
    """
    for rule in policy.rules:
        level = scheme.resolve(rule.severity)
        if level is not None and matches_all(rule.matchers, alert.labels):
            shown = ", ".join(str(m) for m in rule.matchers) or "every alert"
            return SeverityDecision(level, SeverityBasis.LABEL_RULE, f"label rule {shown} -> {level.name}")
    threshold = find_threshold_rule(alert, policy.thresholds, policy.min_threshold_coverage)
    if threshold is not None:
        level = scheme.resolve(threshold.rule.severity)
        if level is not None:
            reason = (
                f"playbook threshold {threshold.rule.condition!r} -> {level.name} "
                f"(alert mentions {', '.join(threshold.matched_words)})"
            )
            return SeverityDecision(level, SeverityBasis.THRESHOLD_RULE, reason)
    if policy.use_source_severity:
        sent = alert.severity_text or alert.labels.get("severity", "")
        level = severity_from_source(sent, scheme)
        if level is not None:
            return SeverityDecision(level, SeverityBasis.SOURCE_SEVERITY, f"sender said {sent!r}")
    default = scheme.resolve(policy.default) if policy.default else None
    if default is not None:
        return SeverityDecision(default, SeverityBasis.INTEGRATION_DEFAULT, "integration default")
    fallback = scheme.by_rank(1)
    return SeverityDecision(fallback, SeverityBasis.FALLBACK, "no rule or sender severity applied")


def policy_problems(policy: SeverityPolicy, scheme: SeverityScheme) -> list[str]:
    """Every severity name in ``policy`` that ``scheme`` does not know, as messages for the user."""
    known = ", ".join(scheme.names())
    problems = [
        f"severity rule {i + 1} names {rule.severity!r}, which is not a level of this scheme ({known})"
        for i, rule in enumerate(policy.rules)
        if scheme.resolve(rule.severity) is None
    ]
    problems += [
        f"threshold {rule.condition!r} names {rule.severity!r}, which is not a level of this scheme ({known})"
        for rule in policy.thresholds
        if scheme.resolve(rule.severity) is None
    ]
    if policy.default and scheme.resolve(policy.default) is None:
        problems.append(f"default severity {policy.default!r} is not a level of this scheme ({known})")
    return problems


def service_from_labels(
    labels: Mapping[str, str], label_names: Sequence[str] = DEFAULT_SERVICE_LABELS
) -> str | None:
    """The service an alert is about: the first non-empty label among ``label_names``, else ``None``."""
    for name in label_names:
        value = labels.get(name, "").strip()
        if value:
            return value
    return None


@dataclass(frozen=True)
class GroupingRule:
    """How alerts of one integration are grouped into incidents.

    With no ``group_by`` the sender's grouping is kept (Alertmanager ``groupKey``, PagerDuty
    ``dedup_key``). With ``group_by`` labels, alerts sharing those label values share an incident;
    ``window``, when set, limits how long after a group's last alert a new alert still joins it.
    """

    group_by: tuple[str, ...] = ()
    window: timedelta | None = None


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def group_key_for(alert: Alert, rule: GroupingRule) -> str:
    """The key of the group ``alert`` belongs to, stable across messages and restarts.

    ``group_by`` keys are written like Alertmanager's (``{alertname="X", service="api"}``, labels sorted,
    absent labels left out). Keys are per integration: the caller scopes them by integration.
    """
    if not rule.group_by:
        return alert.group_key or alert.dedup_key
    if GROUP_BY_ALL in rule.group_by:
        names = sorted(alert.labels)
    else:
        names = sorted({name for name in rule.group_by if alert.labels.get(name)})
    pairs = ", ".join(f"{name}={_quote(alert.labels[name])}" for name in names)
    return f"group_by:{{{pairs}}}"


def within_group_window(rule: GroupingRule, last_alert_at: datetime, at: datetime) -> bool:
    """Whether an alert arriving at ``at`` still joins a group whose last alert came at ``last_alert_at``."""
    return rule.window is None or at - last_alert_at <= rule.window
