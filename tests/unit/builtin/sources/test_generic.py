"""The generic JSON webhook, checked against its own user documentation."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.builtin.sources.payloads import GENERIC_FULL, body
from tocsin.builtin.sources import GenericWebhookSource
from tocsin.builtin.sources.generic import MAX_GENERIC_ALERTS, derived_dedup_key
from tocsin.domain.alert import AlertSourceKind, AlertStatus, EventAction
from tocsin.errors import InvalidInput, PayloadTooLarge
from tocsin.plugins.sources import AlertSource

DOC = Path(__file__).resolve().parents[4] / "docs" / "integrations" / "generic-webhook.md"
SOURCE = GenericWebhookSource()


def _doc_json_examples() -> list[dict[str, object]]:
    blocks = re.findall(r"```json\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    return [json.loads(block) for block in blocks]


def _invalid(document: object) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        SOURCE.parse(body(document), {})
    return caught.value


class TestTheDocumentation:
    def test_every_json_example_in_the_doc_is_accepted(self) -> None:
        examples = _doc_json_examples()
        assert len(examples) == 2
        for example in examples:
            assert SOURCE.parse(body(example), {}).alerts

    def test_the_full_example_is_the_one_tested_below(self) -> None:
        assert _doc_json_examples()[0] == GENERIC_FULL

    def test_the_field_table_lists_exactly_the_accepted_fields(self) -> None:
        documented = set(re.findall(r"^\| `([a-z_]+)` \|", DOC.read_text(), flags=re.MULTILINE))
        accepted = {
            name
            for name in GENERIC_FULL.keys() | {"ends_at"}
            if not _rejects_unknown({"title": "t", name: GENERIC_FULL.get(name, "2026-03-02T14:30:00Z")})
        }
        assert documented == accepted

    def test_the_smallest_alert_in_the_doc_works(self) -> None:
        (alert,) = SOURCE.parse(b'{"title": "Nightly backup failed"}', {}).alerts
        assert alert.status is AlertStatus.FIRING
        assert alert.title == "Nightly backup failed"


def _rejects_unknown(document: dict[str, object]) -> bool:
    try:
        SOURCE.parse(body(document), {})
    except InvalidInput as error:
        return "Extra inputs are not permitted" in error.message
    return False


def test_implements_the_alert_source_contract() -> None:
    assert isinstance(SOURCE, AlertSource)
    assert SOURCE.kind is AlertSourceKind.GENERIC


def test_full_alert_is_normalised() -> None:
    batch = SOURCE.parse(body(GENERIC_FULL), {})
    assert batch.status is AlertStatus.FIRING
    (alert,) = batch.alerts
    assert alert.source is AlertSourceKind.GENERIC
    assert alert.dedup_key == "checkout-5xx"
    assert alert.group_key == "checkout"
    assert alert.action is EventAction.TRIGGER
    assert alert.severity_text == "critical"
    assert alert.labels == {"service": "checkout", "env": "prod"}
    assert alert.annotations == {"owner": "payments-team"}
    assert [(link.text, link.href) for link in alert.links] == [
        ("Dashboard", "https://grafana.example.org/d/checkout")
    ]
    assert alert.starts_at == datetime(2026, 3, 2, 14, 25, tzinfo=UTC)
    assert alert.client.name == "synthetic-checker"
    assert alert.source_url == "https://checker.example.org/checks/checkout"


def test_resolution_by_dedup_key() -> None:
    resolved = {
        "title": "t",
        "dedup_key": "checkout-5xx",
        "status": "resolved",
        "ends_at": "2026-03-02T15:00:00Z",
    }
    batch = SOURCE.parse(body(resolved), {})
    assert batch.status is AlertStatus.RESOLVED
    (alert,) = batch.alerts
    assert alert.action is EventAction.RESOLVE
    assert alert.ends_at == datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def test_without_dedup_key_the_same_alert_gets_the_same_key() -> None:
    first = SOURCE.parse(body({"title": "Backup failed", "labels": {"job": "backup", "host": "a"}}), {})
    again = SOURCE.parse(body({"labels": {"host": "a", "job": "backup"}, "title": "Backup failed"}), {})
    other = SOURCE.parse(body({"title": "Backup failed", "labels": {"job": "backup", "host": "b"}}), {})
    assert first.alerts[0].dedup_key == again.alerts[0].dedup_key
    assert first.alerts[0].dedup_key != other.alerts[0].dedup_key
    assert first.alerts[0].dedup_key == derived_dedup_key("Backup failed", {"job": "backup", "host": "a"})


def test_batch_status_is_firing_while_any_alert_fires() -> None:
    batch = SOURCE.parse(body({"alerts": [{"title": "a", "status": "resolved"}, {"title": "b"}]}), {})
    assert batch.status is AlertStatus.FIRING
    assert [alert.title for alert in batch.alerts] == ["a", "b"]


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ({}, "'title' is missing or blank"),
        ({"title": "  "}, "'title' is missing or blank"),
        ({"title": "t", "dedupkey": "x"}, "'dedupkey' is invalid: Extra inputs are not permitted"),
        ({"title": "t", "status": "open"}, "'status' is invalid"),
        ({"title": "t", "labels": {"a": 1}}, "'labels.a' is invalid"),
        ({"title": "t", "labels": {str(n): "v" for n in range(65)}}, "at most 64 are allowed"),
        ({"title": "t", "links": [{"href": "javascript:alert(1)"}]}, "'links[0].href' is invalid"),
        ({"title": "t", "starts_at": "2026-03-02T14:25:00"}, "has no UTC offset"),
        ({"alerts": []}, "'alerts' is invalid"),
        ({"alerts": [{"title": "a"}, {"title": ""}]}, "'alerts[1].title' is missing or blank"),
    ],
)
def test_bad_bodies_say_what_is_wrong(document: object, reason: str) -> None:
    error = _invalid(document)
    assert reason in error.message, error.message


def test_batch_size_is_limited() -> None:
    too_many = {"alerts": [{"title": f"a{n}"} for n in range(MAX_GENERIC_ALERTS + 1)]}
    assert f"at most {MAX_GENERIC_ALERTS}" in _invalid(too_many).message


def test_body_over_the_limit_is_too_large() -> None:
    with pytest.raises(PayloadTooLarge):
        GenericWebhookSource(max_body_bytes=50).parse(body(GENERIC_FULL), {})


def test_the_error_quoted_in_the_doc_is_what_a_sender_gets() -> None:
    quoted = re.search(r"for example `([^`]+)`", DOC.read_text())
    assert quoted is not None
    bad_link = {"alerts": [{"title": "a"}, {"title": "b", "links": [{"href": "javascript:alert(1)"}]}]}
    assert _invalid(bad_link).details["errors"] == [quoted.group(1)]
