"""Choosing the runbook scenario for an alert: explicit matchers first, else text relevance."""

from __future__ import annotations

import pytest

from tocsin.domain.alert import Alert, AlertSourceKind, AlertStatus, EventAction, parse_matchers
from tocsin.domain.scenario_match import (
    MatchBasis,
    ScenarioMatcher,
    ScenarioSpec,
    match_scenario,
    stem,
    terms,
)

# The "Common Issues" of seed 000 (DDGo), titles and symptoms as the runbook writes them.
SEED_000 = (
    ScenarioSpec("unreachable", "Application Unreachable", "Health checks failing, ALB returning 5xx errors"),
    ScenarioSpec("error-rate", "High Error Rate", "Error rate above threshold, users reporting failures"),
    ScenarioSpec("latency", "High Latency", "P95 latency above threshold, slow responses"),
    ScenarioSpec(
        "db-connections",
        "Database Connection Issues",
        "Connection refused, timeout errors, connection pool exhausted",
    ),
)

# The "Common Incidents" of seed 003 (Mangu Publishing).
SEED_003 = (
    ScenarioSpec(
        "db",
        "Database Connection Failure",
        'Health endpoint shows database: "disconnected"\n503 errors on all API endpoints\n'
        'Logs show "connection timeout" or "too many connections"',
    ),
    ScenarioSpec("resources", "Memory/CPU Exhaustion", "Slow response times\nTasks restarting frequently"),
    ScenarioSpec("redis", "Redis Cache Failure", 'Slow response times\nHealth shows cache: "disconnected"'),
    ScenarioSpec("errors", "Application Error Spike", "Increased 500 errors\nSpecific endpoint failing"),
    ScenarioSpec(
        "s3", "S3 Upload Failure", "Users can't upload images\nLogs show S3 access denied or timeout"
    ),
)


def _alert(name: str, summary: str = "", description: str = "", **labels: str) -> Alert:
    return Alert(
        source=AlertSourceKind.ALERTMANAGER,
        dedup_key="fp",
        status=AlertStatus.FIRING,
        action=EventAction.TRIGGER,
        title=f"{name}: {summary}",
        summary=summary,
        description=description,
        labels={"alertname": name, **labels},
    )


class TestTerms:
    @pytest.mark.parametrize(
        ("words", "same"),
        [
            ("failing failed failure failures", "fail"),
            ("connection connections connected", "connect"),
            ("restarts restarting", "restart"),
            ("latency latencies", "latency"),
            ("queries query", "query"),
        ],
    )
    def test_inflections_meet(self, words: str, same: str) -> None:
        assert {stem(word) for word in words.split()} == {same}

    def test_camel_case_snake_case_and_noise(self) -> None:
        assert terms("HTTPRequestsFailing on db1 for 10m") == ["http", "request", "fail"]
        assert terms("high_error_rate 503 p99") == ["error", "rate", "503", "percentile"]

    def test_ops_synonyms_share_one_term(self) -> None:
        assert terms("PostgresDown") == terms("database unavailable")
        assert terms("response time") == terms("latency")


class TestExplicitMatchers:
    def test_matchers_win_over_any_text(self) -> None:
        scenarios = (
            *SEED_000,
            ScenarioSpec("payments", "Payment gateway failing", matchers=parse_matchers('team="payments"')),
        )
        found = match_scenario(_alert("HighLatency", "p99 latency high", team="payments"), scenarios)
        assert found is not None
        assert found.scenario_id == "payments"
        assert found.basis is MatchBasis.MATCHERS
        assert found.score == 1.0
        assert found.reason == 'labels match team="payments"'

    def test_scenarios_whose_matchers_fail_can_still_match_by_text(self) -> None:
        scenarios = (ScenarioSpec("latency", "High Latency", matchers=parse_matchers('team="search"')),)
        found = match_scenario(_alert("HighLatency", "p99 latency high", team="web"), scenarios)
        assert found is not None
        assert found.basis is MatchBasis.TEXT


class TestTextRelevance:
    @pytest.mark.parametrize(
        ("scenarios", "name", "summary", "expected"),
        [
            (SEED_000, "HighLatency", "p99 latency high on i1", "latency"),
            (SEED_000, "HighErrorRate", "5xx ratio above 5% on api", "error-rate"),
            (SEED_000, "PostgresTooManyConnections", "connection pool exhausted on db1", "db-connections"),
            (SEED_000, "InstanceDown", "i1 unreachable", "unreachable"),
            (SEED_000, "HealthCheckFailing", "ALB health check failing", "unreachable"),
            (SEED_003, "HostOutOfMemory", "Node memory is filling up", "resources"),
            (SEED_003, "RedisDown", "Redis instance is down", "redis"),
            (SEED_003, "PostgresqlDown", "Postgresql instance is down", "db"),
            (SEED_003, "S3UploadErrors", "Uploads to S3 failing with AccessDenied", "s3"),
        ],
    )
    def test_alerts_find_their_seed_scenario(
        self, scenarios: tuple[ScenarioSpec, ...], name: str, summary: str, expected: str
    ) -> None:
        found = match_scenario(_alert(name, summary), scenarios)
        assert found is not None, f"{name} matched nothing"
        assert found.scenario_id == expected
        assert found.basis is MatchBasis.TEXT
        assert 0.35 <= found.score <= 1.0

    @pytest.mark.parametrize(
        ("name", "summary"),
        [
            ("DiskFull", "disk /var 95% full"),
            ("HighDiskUsage", "disk usage high on node-3"),  # "high" alone is not evidence
            ("Watchdog", "always firing"),
            ("SSLCertExpiringSoon", "certificate expires in 7 days"),
        ],
    )
    def test_unrelated_alerts_match_nothing(self, name: str, summary: str) -> None:
        assert match_scenario(_alert(name, summary), SEED_000) is None

    def test_one_shared_symptom_word_is_not_enough(self) -> None:
        # "api" appears only in the symptoms of the database scenario of seed 003.
        assert match_scenario(_alert("TargetDown", "api target is down"), SEED_003) is None

    def test_reason_names_the_alerts_own_words_and_the_score(self) -> None:
        found = match_scenario(_alert("PostgresTooManyConnections", "connection pool exhausted"), SEED_000)
        assert found is not None
        assert found.matched_words == ("postgres", "connections", "pool", "exhausted")
        assert found.reason.startswith("alert mentions postgres, connections, pool, exhausted")
        assert f"{found.score:.2f}" in found.reason

    def test_the_description_counts_but_less(self) -> None:
        vague = _alert("Alert42", "something is wrong")
        described = _alert("Alert42", "something is wrong", "p95 latency is above 2s for checkout")
        assert match_scenario(vague, SEED_000) is None
        found = match_scenario(described, SEED_000)
        assert found is not None
        assert found.scenario_id == "latency"

    def test_threshold_is_configurable(self) -> None:
        alert = _alert("HighErrorRate", "5xx ratio above 5% on api")
        loose = match_scenario(alert, SEED_000, min_score=0.1)
        assert loose is not None
        assert match_scenario(alert, SEED_000, min_score=loose.score + 0.01) is None

    def test_works_with_no_scenarios_and_no_words(self) -> None:
        assert match_scenario(_alert("HighLatency", "p99 latency high"), ()) is None
        assert ScenarioMatcher(SEED_000).match(_alert("X1", "42")) is None

    def test_a_matcher_is_reusable_and_deterministic(self) -> None:
        matcher = ScenarioMatcher(SEED_000)
        alert = _alert("HighLatency", "p99 latency high on i1")
        assert matcher.match(alert) == matcher.match(alert) == match_scenario(alert, SEED_000)
