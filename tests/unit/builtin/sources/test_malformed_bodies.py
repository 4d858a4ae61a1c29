"""Whatever arrives, a source answers with a tocsin error that has a reason, never with a crash.

Random bytes, random JSON, and real payloads with one field replaced by random JSON or removed: each
source either returns a batch or raises ``InvalidInput`` (with the list of problems) or
``PayloadTooLarge``. Anything else would be a 500 for the sender and a page nobody receives.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.builtin.sources.payloads import (
    ALERTMANAGER_FIRING,
    ALERTMANAGER_TO_PAGERDUTY,
    GENERIC_FULL,
    GRAFANA_FIRING,
    PAGERDUTY_CHANGE,
    PAGERDUTY_TRIGGER,
    body,
)
from tocsin.builtin.sources import AlertmanagerSource, GenericWebhookSource, GrafanaSource, PagerDutySource
from tocsin.domain.alert import Alert, AlertBatch, ChangeEvent
from tocsin.errors import InvalidInput, PayloadTooLarge

Parse = Callable[[bytes], AlertBatch | ChangeEvent]

PARSERS: dict[str, tuple[Parse, dict[str, Any]]] = {
    "alertmanager": (lambda raw: AlertmanagerSource().parse(raw, {}), ALERTMANAGER_FIRING),
    "grafana": (lambda raw: GrafanaSource().parse(raw, {}), GRAFANA_FIRING),
    "pagerduty": (lambda raw: PagerDutySource().parse(raw, {}), PAGERDUTY_TRIGGER),
    "pagerduty-from-alertmanager": (lambda raw: PagerDutySource().parse(raw, {}), ALERTMANAGER_TO_PAGERDUTY),
    "pagerduty-change": (lambda raw: PagerDutySource().parse_change(raw, {}), PAGERDUTY_CHANGE),
    "generic": (lambda raw: GenericWebhookSource().parse(raw, {}), GENERIC_FULL),
    "generic-batch": (lambda raw: GenericWebhookSource().parse(raw, {}), {"alerts": [GENERIC_FULL]}),
}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.sampled_from(["", " ", "firing", "resolved", "4", "1", "trigger", "0001-01-01T00:00:00+01:00"]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


def _paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths: list[tuple[Any, ...]] = [prefix] if prefix else []
    if isinstance(document, dict):
        for key, value in document.items():
            paths += _paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            paths += _paths(value, (*prefix, index))
    return paths


def _mutated(
    document: dict[str, Any], path: tuple[Any, ...], replacement: Any, delete: bool
) -> dict[str, Any]:
    result = copy.deepcopy(document)
    parent: Any = result
    for step in path[:-1]:
        parent = parent[step]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return result


def _outcome(parse: Parse, raw: bytes) -> AlertBatch | ChangeEvent | InvalidInput | PayloadTooLarge:
    # Any other exception escapes and fails the test: that is the point.
    try:
        return parse(raw)
    except (InvalidInput, PayloadTooLarge) as error:
        return error


def _assert_tocsin_answer(parse: Parse, raw: bytes) -> None:
    outcome = _outcome(parse, raw)
    if isinstance(outcome, InvalidInput):
        assert outcome.message
        assert outcome.status == 400
        errors = outcome.details.get("errors")
        assert isinstance(errors, list)
        assert errors
        assert all(isinstance(line, str) and line for line in errors)
    elif isinstance(outcome, PayloadTooLarge):
        assert outcome.status == 413
    elif isinstance(outcome, AlertBatch):
        assert all(isinstance(alert, Alert) for alert in outcome.alerts)
    else:
        assert outcome.summary


@pytest.mark.parametrize("name", sorted(PARSERS))
@settings(max_examples=60, deadline=None)
@given(raw=st.binary(max_size=200))
def test_random_bytes(name: str, raw: bytes) -> None:
    _assert_tocsin_answer(PARSERS[name][0], raw)


@pytest.mark.parametrize("name", sorted(PARSERS))
@settings(max_examples=60, deadline=None)
@given(document=json_values)
def test_random_json(name: str, document: Any) -> None:
    _assert_tocsin_answer(PARSERS[name][0], json.dumps(document).encode())


@pytest.mark.parametrize("name", sorted(PARSERS))
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_real_payloads_with_one_field_broken(name: str, data: st.DataObject) -> None:
    parse, valid = PARSERS[name]
    path = data.draw(st.sampled_from(_paths(valid)), label="path")
    delete = data.draw(st.booleans(), label="delete")
    replacement = data.draw(json_values, label="replacement")
    _assert_tocsin_answer(parse, body(_mutated(valid, path, replacement, delete)))


@pytest.mark.parametrize("name", sorted(PARSERS))
@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"null",
        b'"text"',
        b"[" * 5000 + b"]" * 5000,
        b'{"a":' * 3000 + b"1" + b"}" * 3000,
        b"1" * 5000,  # an integer over Python's default digit limit
        b"\xef\xbb\xbf{}",  # a UTF-8 byte order mark
        b'{"title": "\\ud800"}',  # a lone surrogate
    ],
)
def test_known_nasty_bodies(name: str, raw: bytes) -> None:
    _assert_tocsin_answer(PARSERS[name][0], raw)


@pytest.mark.parametrize(
    "stamp", ["0001-01-01T00:30:00+01:00", "9999-12-31T23:59:59-01:00", "2026-02-30T00:00:00Z"]
)
def test_timestamps_at_the_edges_of_the_calendar(stamp: str) -> None:
    message = copy.deepcopy(ALERTMANAGER_FIRING)
    message["alerts"][0]["startsAt"] = stamp
    _assert_tocsin_answer(PARSERS["alertmanager"][0], body(message))
