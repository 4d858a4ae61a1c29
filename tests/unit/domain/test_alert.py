"""The normalised alert model and the label matchers that select alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tocsin.domain.alert import (
    MAX_TITLE_LENGTH,
    Alert,
    AlertBatch,
    AlertSourceKind,
    AlertStatus,
    EventAction,
    LabelMatcher,
    MatchOp,
    matches_all,
    parse_matcher,
    parse_matchers,
)
from tocsin.errors import InvalidInput


def _alert(**overrides: object) -> Alert:
    fields: dict[str, object] = {
        "source": AlertSourceKind.GENERIC,
        "dedup_key": "k1",
        "status": AlertStatus.FIRING,
        "action": EventAction.TRIGGER,
        "title": "Disk full",
    }
    fields.update(overrides)
    return Alert(**fields)  # type: ignore[arg-type]


class TestAlert:
    def test_times_are_converted_to_utc(self) -> None:
        plus_two = timezone(timedelta(hours=2))
        alert = _alert(starts_at=datetime(2026, 3, 2, 11, 0, tzinfo=plus_two))
        assert alert.starts_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        assert alert.starts_at is not None
        assert alert.starts_at.utcoffset() == timedelta(0)

    def test_naive_times_are_refused(self) -> None:
        with pytest.raises(ValueError, match="aware"):
            _alert(starts_at=datetime(2026, 3, 2, 9, 0))

    def test_long_titles_are_clipped_not_refused(self) -> None:
        alert = _alert(title="x" * 5000)
        assert len(alert.title) == MAX_TITLE_LENGTH
        assert alert.title.endswith("…")

    def test_a_blank_title_falls_back_to_the_dedup_key(self) -> None:
        assert _alert(title="   ").title == "k1"

    def test_dedup_key_is_required_and_bounded(self) -> None:
        with pytest.raises(InvalidInput, match="dedup key"):
            _alert(dedup_key="")
        with pytest.raises(InvalidInput, match="at most 255"):
            _alert(dedup_key="k" * 256)

    def test_labels_cannot_be_changed_after_the_fact(self) -> None:
        labels = {"service": "api"}
        alert = _alert(labels=labels)
        labels["service"] = "changed"
        assert alert.labels["service"] == "api"
        with pytest.raises(TypeError):
            alert.labels["service"] = "x"  # type: ignore[index]

    def test_alerts_are_hashable_and_compare_by_value(self) -> None:
        assert _alert(labels={"a": "1"}) == _alert(labels={"a": "1"})
        assert len({_alert(), _alert()}) == 1

    def test_name_prefers_the_alertname_label(self) -> None:
        assert _alert(labels={"alertname": "DiskFull"}, title="Disk full on db1").name == "DiskFull"
        assert _alert(title="Disk full on db1").name == "Disk full on db1"

    def test_batch_with_truncated_alerts_is_incomplete(self) -> None:
        assert AlertBatch(AlertSourceKind.ALERTMANAGER, (), truncated_alerts=0).is_complete
        assert not AlertBatch(AlertSourceKind.ALERTMANAGER, (), truncated_alerts=3).is_complete

    def test_batch_repr_hides_the_integration_key(self) -> None:
        batch = AlertBatch(AlertSourceKind.PAGERDUTY, (), integration_key="secret-routing-key")
        assert "secret-routing-key" not in repr(batch)


class TestLabelMatcher:
    @pytest.mark.parametrize(
        ("text", "labels", "expected"),
        [
            ('severity="critical"', {"severity": "critical"}, True),
            ("severity=critical", {"severity": "warning"}, False),
            ('env!="dev"', {"env": "prod"}, True),
            ('env!="dev"', {}, True),
            ('service=~"api|web"', {"service": "web"}, True),
            ('service=~"api|web"', {"service": "webhook"}, False),  # regexes are anchored
            ('service!~"api.*"', {"service": "db"}, True),
            ('service!~"api.*"', {"service": "api-gw"}, False),
            ('team=""', {}, True),  # an absent label reads as empty, as in Prometheus
        ],
    )
    def test_matching(self, text: str, labels: dict[str, str], expected: bool) -> None:
        assert parse_matcher(text).matches(labels) is expected

    def test_parse_reads_operator_and_unquotes(self) -> None:
        matcher = parse_matcher(r'summary=~"disk \"full\".*"')
        assert matcher == LabelMatcher("summary", MatchOp.REGEX, 'disk "full".*')

    def test_str_round_trips(self) -> None:
        matcher = LabelMatcher("msg", MatchOp.NOT_EQUAL, 'a "quoted" \\ value')
        assert parse_matcher(str(matcher)) == matcher

    def test_parse_list_in_braces_with_commas_inside_quotes(self) -> None:
        matchers = parse_matchers('{severity="critical", service=~"api,web|db"}')
        assert [str(m) for m in matchers] == ['severity="critical"', 'service=~"api,web|db"']
        assert matches_all(matchers, {"severity": "critical", "service": "api,web"})
        assert not matches_all(matchers, {"severity": "warning", "service": "db"})

    def test_empty_list_matches_everything(self) -> None:
        assert parse_matchers("") == ()
        assert matches_all((), {"anything": "x"})

    @pytest.mark.parametrize("text", ["severity", "=critical", 'a="unbalanced', "a=~(unclosed"])
    def test_bad_matchers_say_what_is_wrong(self, text: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            parse_matcher(text)
        assert caught.value.code == "invalid_matcher"
        assert text in caught.value.message or "regular expression" in caught.value.message
