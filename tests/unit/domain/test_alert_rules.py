"""Severity, service and grouping rules: what an on-call engineer sees decided for an alert, and why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tocsin.domain.alert import Alert, AlertSourceKind, AlertStatus, EventAction, parse_matchers
from tocsin.domain.alert_rules import (
    GroupingRule,
    SeverityBasis,
    SeverityPolicy,
    SeverityRule,
    ThresholdRule,
    decide_severity,
    find_threshold_rule,
    group_key_for,
    policy_problems,
    service_from_labels,
    severity_from_source,
    within_group_window,
)
from tocsin.domain.severity import DEFAULT_SCHEME, SeverityLevel, SeverityScheme

# The alert thresholds of seed 003 (Mangu Publishing), as its runbook writes them.
SEED_003_THRESHOLDS = (
    ThresholdRule("5xx errors > 1% for 5 minutes", "P1"),
    ThresholdRule("Response time p99 > 3s for 10 minutes", "P2"),
    ThresholdRule("Health check failures > 3 consecutive", "P0"),
    ThresholdRule("Memory usage > 85% for 15 minutes", "P2"),
    ThresholdRule("Task restart count > 3 in 10 minutes", "P1"),
)

P_SCHEME = SeverityScheme(
    levels=tuple(SeverityLevel(name=f"P{rank}", rank=rank) for rank in range(4)),
)


def _alert(
    name: str = "",
    summary: str = "",
    *,
    labels: dict[str, str] | None = None,
    severity: str = "",
    group_key: str = "",
    source: AlertSourceKind = AlertSourceKind.ALERTMANAGER,
) -> Alert:
    all_labels = {"alertname": name, **(labels or {})} if name else dict(labels or {})
    return Alert(
        source=source,
        dedup_key="fp-1",
        status=AlertStatus.FIRING,
        action=EventAction.TRIGGER,
        title=f"{name}: {summary}" if name else summary,
        summary=summary,
        severity_text=severity,
        labels=all_labels,
        group_key=group_key,
    )


class TestSeverityFromSource:
    @pytest.mark.parametrize(
        ("word", "level"),
        [("critical", "SEV1"), ("error", "SEV2"), ("warning", "SEV3"), ("info", "SEV4"), ("WARNING", "SEV3")],
    )
    def test_pagerduty_severities_map_to_ranks(self, word: str, level: str) -> None:
        found = severity_from_source(word, DEFAULT_SCHEME)
        assert found is not None
        assert found.name == level

    def test_level_names_and_aliases_win_over_ranks(self) -> None:
        found = severity_from_source("P1", DEFAULT_SCHEME)  # an alias of SEV2 in the default scheme
        assert found is not None
        assert found.name == "SEV2"

    def test_ranks_clamp_to_a_short_scheme(self) -> None:
        two_levels = SeverityScheme(levels=(SeverityLevel("urgent", 0), SeverityLevel("later", 1)))
        found = severity_from_source("info", two_levels)
        assert found is not None
        assert found.name == "later"

    @pytest.mark.parametrize("word", ["", "  ", "purple"])
    def test_unknown_words_give_nothing(self, word: str) -> None:
        assert severity_from_source(word, DEFAULT_SCHEME) is None


class TestDecideSeverity:
    def test_first_matching_label_rule_wins(self) -> None:
        policy = SeverityPolicy(
            rules=(
                SeverityRule(parse_matchers('team="payments"'), "SEV1"),
                SeverityRule(parse_matchers('severity="warning"'), "SEV3"),
            )
        )
        decision = decide_severity(
            _alert("X", labels={"team": "payments", "severity": "warning"}), policy, DEFAULT_SCHEME
        )
        assert decision.level.name == "SEV1"
        assert decision.basis is SeverityBasis.LABEL_RULE
        assert 'team="payments"' in decision.reason

    def test_label_rules_beat_the_senders_word(self) -> None:
        policy = SeverityPolicy(rules=(SeverityRule(parse_matchers('service=~"checkout|payments"'), "SEV1"),))
        alert = _alert("Slow", labels={"service": "checkout"}, severity="warning")
        assert decide_severity(alert, policy, DEFAULT_SCHEME).level.name == "SEV1"

    def test_rules_naming_unknown_levels_are_skipped(self) -> None:
        policy = SeverityPolicy(rules=(SeverityRule(parse_matchers('service="api"'), "Catastrophic"),))
        decision = decide_severity(
            _alert("X", labels={"service": "api"}, severity="warning"), policy, DEFAULT_SCHEME
        )
        assert decision.basis is SeverityBasis.SOURCE_SEVERITY
        assert decision.level.name == "SEV3"

    def test_playbook_threshold_applies_when_no_label_rule_does(self) -> None:
        policy = SeverityPolicy(thresholds=SEED_003_THRESHOLDS)
        alert = _alert("HostOutOfMemory", "Node memory is filling up", severity="critical")
        decision = decide_severity(alert, policy, P_SCHEME)
        assert decision.level.name == "P2"
        assert decision.basis is SeverityBasis.THRESHOLD_RULE
        assert "Memory usage > 85%" in decision.reason

    def test_pagerduty_severity_is_used_without_rules(self) -> None:
        alert = _alert(summary="db1 unreachable", severity="critical", source=AlertSourceKind.PAGERDUTY)
        decision = decide_severity(alert, SeverityPolicy(), DEFAULT_SCHEME)
        assert decision.level.name == "SEV1"
        assert decision.basis is SeverityBasis.SOURCE_SEVERITY

    def test_alertmanager_severity_label_is_the_senders_word(self) -> None:
        decision = decide_severity(
            _alert("X", labels={"severity": "warning"}), SeverityPolicy(), DEFAULT_SCHEME
        )
        assert decision.level.name == "SEV3"

    def test_integration_default_when_the_sender_says_nothing(self) -> None:
        decision = decide_severity(_alert("Watchdog"), SeverityPolicy(default="SEV4"), DEFAULT_SCHEME)
        assert decision.level.name == "SEV4"
        assert decision.basis is SeverityBasis.INTEGRATION_DEFAULT

    def test_source_severity_can_be_ignored_for_the_default(self) -> None:
        policy = SeverityPolicy(default="SEV4", use_source_severity=False)
        decision = decide_severity(_alert("X", severity="critical"), policy, DEFAULT_SCHEME)
        assert decision.level.name == "SEV4"

    def test_unclassified_alerts_still_page_at_the_second_level(self) -> None:
        decision = decide_severity(_alert("Mystery"), SeverityPolicy(), DEFAULT_SCHEME)
        assert decision.level.name == "SEV2"
        assert decision.level.pages
        assert decision.basis is SeverityBasis.FALLBACK

    def test_policy_problems_name_every_unknown_level(self) -> None:
        policy = SeverityPolicy(
            rules=(SeverityRule(parse_matchers("a=b"), "SEV9"),),
            thresholds=(ThresholdRule("CPU > 90%", "Px"),),
            default="Nope",
        )
        problems = policy_problems(policy, DEFAULT_SCHEME)
        assert len(problems) == 3
        assert all("SEV1, SEV2, SEV3, SEV4" in problem for problem in problems)
        assert policy_problems(SeverityPolicy(default="P1"), DEFAULT_SCHEME) == []


class TestThresholdRules:
    @pytest.mark.parametrize(
        ("name", "summary", "condition"),
        [
            ("HighErrorRate", "5xx ratio is 7% on api", "5xx errors > 1% for 5 minutes"),
            ("HighLatency", "p95 latency above 3s", "Response time p99 > 3s for 10 minutes"),
            (
                "HealthCheckFailing",
                "ALB health check failed 4 times",
                "Health check failures > 3 consecutive",
            ),
            ("HighMemoryUsage", "memory at 91%", "Memory usage > 85% for 15 minutes"),
            ("ECSTaskRestarts", "task restarted 5 times", "Task restart count > 3 in 10 minutes"),
        ],
    )
    def test_seed_thresholds_match_the_alerts_they_describe(
        self, name: str, summary: str, condition: str
    ) -> None:
        found = find_threshold_rule(_alert(name, summary), SEED_003_THRESHOLDS)
        assert found is not None
        assert found.rule.condition == condition

    @pytest.mark.parametrize(
        ("name", "summary"), [("DiskFull", "disk /var 95% full"), ("Watchdog", "always firing")]
    )
    def test_unrelated_alerts_match_no_threshold(self, name: str, summary: str) -> None:
        assert find_threshold_rule(_alert(name, summary), SEED_003_THRESHOLDS) is None

    def test_match_reports_coverage_and_the_alerts_words(self) -> None:
        found = find_threshold_rule(_alert("HostOutOfMemory", "memory filling up"), SEED_003_THRESHOLDS)
        assert found is not None
        assert found.coverage == 1.0
        assert found.matched_words == ("memory",)

    def test_min_coverage_is_respected(self) -> None:
        rules = (ThresholdRule("Queue backlog depth > 1000 jobs", "P2"),)
        alert = _alert("QueueDepthHigh", "queue depth is 1500")
        half_or_more = find_threshold_rule(alert, rules, min_coverage=0.5)
        assert half_or_more is not None
        assert find_threshold_rule(alert, rules, min_coverage=0.9) is None

    def test_conditions_without_words_match_nothing(self) -> None:
        assert (
            find_threshold_rule(_alert("Anything", "x > 5"), (ThresholdRule("> 5 for 10 minutes", "P1"),))
            is None
        )


class TestService:
    def test_first_known_label_wins(self) -> None:
        assert service_from_labels({"job": "node", "service": "checkout"}) == "checkout"
        assert service_from_labels({"job": "api-server"}) == "api-server"

    def test_blank_labels_are_skipped_and_none_when_absent(self) -> None:
        assert service_from_labels({"service": " ", "app": "web"}) == "web"
        assert service_from_labels({"instance": "i1"}) is None

    def test_label_names_are_configurable(self) -> None:
        assert service_from_labels({"service": "x", "team_service": "y"}, ("team_service",)) == "y"


class TestGrouping:
    def test_default_keeps_the_senders_group(self) -> None:
        alert = _alert("HighLatency", group_key='{}:{alertname="HighLatency"}')
        assert group_key_for(alert, GroupingRule()) == '{}:{alertname="HighLatency"}'

    def test_default_falls_back_to_the_dedup_key(self) -> None:
        assert group_key_for(_alert("X"), GroupingRule()) == "fp-1"

    def test_group_by_labels_gives_a_stable_sorted_key(self) -> None:
        rule = GroupingRule(group_by=("service", "alertname"))
        one = _alert("HighLatency", labels={"service": "api", "instance": "i1"})
        two = _alert("HighLatency", labels={"instance": "i2", "service": "api"})
        assert group_key_for(one, rule) == group_key_for(two, rule)
        assert group_key_for(one, rule) == 'group_by:{alertname="HighLatency", service="api"}'

    def test_group_by_separates_different_values_and_quotes_them(self) -> None:
        rule = GroupingRule(group_by=("service",))
        assert group_key_for(_alert("X", labels={"service": "api"}), rule) != group_key_for(
            _alert("X", labels={"service": "web"}), rule
        )
        tricky = _alert("X", labels={"service": 'a", b="c'})
        assert group_key_for(tricky, rule) == r'group_by:{service="a\", b=\"c"}'

    def test_group_by_all_labels(self) -> None:
        rule = GroupingRule(group_by=("...",))
        assert group_key_for(_alert("X", labels={"b": "2", "a": "1"}), rule) == (
            'group_by:{a="1", alertname="X", b="2"}'
        )

    def test_window(self) -> None:
        last = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        rule = GroupingRule(group_by=("service",), window=timedelta(minutes=10))
        assert within_group_window(rule, last, last + timedelta(minutes=10))
        assert not within_group_window(rule, last, last + timedelta(minutes=11))
        assert within_group_window(GroupingRule(), last, last + timedelta(days=30))
