"""Bad input and back-pressure on every webhook, through the real app.

Malformed bodies get a 4xx with the reason and store nothing (hypothesis, for every endpoint); unknown,
revoked and rotated-away keys get the same 404; bodies over the limit get 413; a full ingest queue gets
503 with ``Retry-After``; and no request is answered 2xx before its alerts are committed.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, func, select

from tests.api.alerting import am_alert, am_message, create_integration, pd_event, sender
from tests.unit.builtin.sources.payloads import (
    ALERTMANAGER_FIRING,
    ALERTMANAGER_TO_PAGERDUTY,
    GENERIC_FULL,
    GRAFANA_FIRING,
    PAGERDUTY_CHANGE,
    PAGERDUTY_TRIGGER,
)
from tests.unit.builtin.sources.test_malformed_bodies import _mutated, _paths, json_values
from tocsin.clock import FakeClock
from tocsin.services.container import Services
from tocsin.services.ingest import IngestProcessor, IngestResult
from tocsin.services.ingest_queue import IngestQueue, IngestQueueSettings
from tocsin.store.db import Database
from tocsin.store.schema import timeline_entries
from tocsin.store.schema_alerts import alerts
from tocsin.store.tables import metadata

__all__ = ["sender"]

# endpoint name -> (source of the integration, valid body, path given the key)
ENDPOINTS: dict[str, tuple[str, dict[str, Any]]] = {
    "alertmanager": ("alertmanager", ALERTMANAGER_FIRING),
    "grafana": ("grafana", GRAFANA_FIRING),
    "generic": ("generic", GENERIC_FULL),
    "generic-batch": ("generic", {"alerts": [GENERIC_FULL]}),
    "pagerduty": ("pagerduty", PAGERDUTY_TRIGGER),
    "pagerduty-from-alertmanager": ("pagerduty", ALERTMANAGER_TO_PAGERDUTY),
    "pagerduty-change": ("pagerduty", PAGERDUTY_CHANGE),
}


def _path(name: str, source: str, key: str) -> str:
    if name == "pagerduty-change":
        return "/v2/change/enqueue"
    if source == "pagerduty":
        return "/v2/enqueue"
    return f"/integrations/{source}/{key}"


def _with_key(name: str, body: Any, key: str) -> Any:
    """PagerDuty carries its key in the body; a mutated body keeps the real one where it still can."""
    if ENDPOINTS[name][0] == "pagerduty" and isinstance(body, dict) and "routing_key" in body:
        return body | {"routing_key": key}
    return body


def _stored(services: Services) -> tuple[int, ...]:
    """Counts of everything a webhook may write: alerts, incidents, timeline entries."""
    incidents = metadata.tables["incidents"]

    def count(conn: Connection, table: Any) -> int:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    with services.db.read() as conn:
        return count(conn, alerts), count(conn, incidents), count(conn, timeline_entries)


@pytest.fixture
def keys(api: httpx.Client) -> dict[str, str]:
    return {
        source: create_integration(api, source)
        for source in ("alertmanager", "grafana", "generic", "pagerduty")
    }


def _assert_answered(response: httpx.Response, before: tuple[int, ...], services: Services) -> None:
    """2xx, or a 4xx with a reason and nothing stored; never a 5xx."""
    assert response.status_code < 500, response.text
    if response.status_code < 300:
        return
    body = response.json()
    reason = body.get("detail") or body.get("errors")
    assert reason, body
    assert _stored(services) == before


def _post(sender: httpx.Client, name: str, key: str, raw: bytes) -> httpx.Response:
    source = ENDPOINTS[name][0]
    return sender.post(_path(name, source, key), content=raw, headers={"Content-Type": "application/json"})


_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
@_SETTINGS
@given(data=st.data())
def test_broken_real_payloads_are_refused_with_a_reason_or_stored_whole(
    name: str, data: st.DataObject, sender: httpx.Client, keys: dict[str, str], services: Services
) -> None:
    source, valid = ENDPOINTS[name]
    key = keys[source]
    path = data.draw(st.sampled_from(_paths(valid)), label="path")
    broken = _mutated(valid, path, data.draw(json_values, label="replacement"), data.draw(st.booleans()))
    before = _stored(services)
    response = _post(sender, name, key, json.dumps(_with_key(name, broken, key)).encode())
    _assert_answered(response, before, services)


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
@_SETTINGS
@given(raw=st.binary(max_size=120) | json_values.map(lambda value: json.dumps(value).encode()))
def test_random_bodies_are_refused_with_a_reason(
    name: str, raw: bytes, sender: httpx.Client, keys: dict[str, str], services: Services
) -> None:
    # Almost always a 4xx; a random {"title": ...} is a valid generic alert, and is stored whole.
    before = _stored(services)
    _assert_answered(_post(sender, name, keys[ENDPOINTS[name][0]], raw), before, services)


NOT_ALERTS = [
    b"",
    b"null",
    b"[]",
    b'"text"',
    b"{",
    b"\xff\xfe",
    b"[" * 5000 + b"]" * 5000,
    b'{"title": "\\ud800"}',
]


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_bodies_that_are_no_alert_get_400_with_the_reason(
    name: str, sender: httpx.Client, keys: dict[str, str], services: Services
) -> None:
    before = _stored(services)
    for raw in NOT_ALERTS:
        response = _post(sender, name, keys[ENDPOINTS[name][0]], raw)
        assert response.status_code == 400, (raw[:20], response.text)
        _assert_answered(response, before, services)


def test_text_with_nul_characters_is_stored(
    api: httpx.Client, sender: httpx.Client, keys: dict[str, str]
) -> None:
    # JSON may carry \u0000; PostgreSQL text cannot. The alert is kept with the character replaced.
    alert = am_alert("fp\u0000", {"alertname": "Nul\u0000", "service": "a\u0000b"}, summary="x\u0000y")
    response = sender.post(f"/integrations/alertmanager/{keys['alertmanager']}", json=am_message([alert]))
    assert response.status_code == 200, response.text
    incident = api.get("/api/v1/incidents").json()["items"][0]
    assert incident["title"] == "Nul\ufffd: x\ufffdy"
    assert incident["services"] == ["a\ufffdb"]


def test_unknown_revoked_rotated_and_wrong_source_keys_look_the_same(
    api: httpx.Client, sender: httpx.Client, keys: dict[str, str], services: Services
) -> None:
    revoked = create_integration(api, "alertmanager", "old")
    api.delete("/api/v1/integrations/old")
    rotated_away = create_integration(api, "alertmanager", "rotating")
    api.post("/api/v1/integrations/rotating/rotate")
    message = am_message([am_alert("fp", {"alertname": "X"})])
    before = _stored(services)

    answers = [
        sender.post(f"/integrations/alertmanager/{key}", json=message)
        for key in ("0" * 32, revoked, rotated_away, keys["generic"])
    ]
    assert {response.status_code for response in answers} == {404}
    assert len({response.content for response in answers}) == 1
    assert answers[0].json()["detail"] == "no active integration has this key"

    pd_answers = [
        sender.post("/v2/enqueue", json=pd_event(key)) for key in ("0" * 32, keys["alertmanager"], revoked)
    ]
    assert {response.status_code for response in pd_answers} == {404}
    assert len({response.content for response in pd_answers}) == 1
    assert _stored(services) == before


def test_bodies_over_the_limit_get_413(
    sender: httpx.Client, keys: dict[str, str], services: Services
) -> None:
    huge = am_message([am_alert("fp", {"alertname": "X"}, summary="x" * (4 * 1024 * 1024))])
    too_big_event = pd_event(keys["pagerduty"]) | {"client": "x" * (512 * 1024)}
    before = _stored(services)

    am = sender.post(f"/integrations/alertmanager/{keys['alertmanager']}", json=huge)
    pd = sender.post("/v2/enqueue", json=too_big_event)
    declared = sender.post(
        f"/integrations/generic/{keys['generic']}",
        content=b"{}",
        headers={"Content-Type": "application/json", "Content-Length": str(64 * 1024 * 1024)},
    )
    assert (am.status_code, am.json()["code"]) == (413, "payload_too_large")
    assert pd.status_code == 413
    assert "limit" in pd.json()["errors"][0]
    assert declared.status_code == 413
    assert _stored(services) == before


# --- back-pressure and durability -------------------------------------------------------------------


class GatedProcessor(IngestProcessor):
    """The real processor, held at the start of each commit until the test lets it go."""

    def __init__(self, real: IngestProcessor) -> None:
        super().__init__(real.incident_service, real.playbooks)
        self.entered = threading.Event()
        self.gate = threading.Event()

    def process(self, conn: Connection, submissions: Any, now: datetime) -> list[IngestResult]:
        self.entered.set()
        assert self.gate.wait(20), "the test never opened the gate"
        return super().process(conn, submissions, now)


@pytest.fixture
def gated(services: Services, clock: FakeClock) -> Iterator[GatedProcessor]:
    """Ingest through a queue of one waiting submission whose writer is held at each commit."""
    processor = GatedProcessor(services.ingest)
    queue = IngestQueue(services.db, clock, processor, IngestQueueSettings(capacity=1))
    services.ingest_queue = queue
    try:
        yield processor
    finally:
        processor.gate.set()
        queue.stop()


def _in_thread(post: Any) -> tuple[threading.Thread, list[httpx.Response]]:
    answers: list[httpx.Response] = []
    thread = threading.Thread(target=lambda: answers.append(post()), daemon=True)
    thread.start()
    return thread, answers


def test_no_answer_before_commit_and_503_when_the_queue_is_full(
    sender: httpx.Client, keys: dict[str, str], services: Services, gated: GatedProcessor
) -> None:
    url = f"/integrations/alertmanager/{keys['alertmanager']}"

    def message(name: str) -> dict[str, Any]:
        return am_message([am_alert(f"fp-{name}", {"alertname": name})], f"group-{name}")

    first, first_answer = _in_thread(lambda: sender.post(url, json=message("first")))
    assert gated.entered.wait(10)
    first.join(0.3)
    assert first.is_alive()  # held in the commit: no answer yet
    assert _stored(services) == (0, 0, 0)

    second, second_answer = _in_thread(lambda: sender.post(url, json=message("second")))
    for _ in range(100):
        if services.ingest_queue.waiting() == 1:
            break
        second.join(0.05)
    assert services.ingest_queue.waiting() == 1

    refused = sender.post(url, json=message("third"))
    refused_event = sender.post("/v2/enqueue", json=pd_event(keys["pagerduty"]))
    assert (refused.status_code, refused.json()["code"]) == (503, "ingest_overloaded")
    assert refused.headers["Retry-After"] == "5"
    assert refused_event.status_code == 503
    assert refused_event.json()["errors"]

    gated.gate.set()
    first.join(10)
    second.join(10)
    assert [answers[0].status_code for answers in (first_answer, second_answer)] == [200, 200]
    with services.db.read() as conn:
        stored = set(conn.execute(select(alerts.c.dedup_key)).scalars())
    assert stored == {"fp-first", "fp-second"}


def test_an_accepted_alert_is_readable_the_moment_the_answer_arrives(
    sender: httpx.Client, keys: dict[str, str], database_url: str
) -> None:
    other = Database(database_url)  # another connection pool, as another process would read
    try:
        for n in range(20):
            event = pd_event(keys["pagerduty"], dedup_key=f"key-{n}")
            assert sender.post("/v2/enqueue", json=event).status_code == 202
            with other.read() as conn:
                found = conn.execute(select(alerts.c.status).where(alerts.c.dedup_key == f"key-{n}")).scalar()
            assert found == "firing"
    finally:
        other.dispose()
