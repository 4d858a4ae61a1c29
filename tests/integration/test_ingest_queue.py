"""The group-commit queue on a real database: many submissions per commit, each answered after it.

A submission that fails (here: for an integration the database does not have) fails alone; the others of
its commit are retried one by one and committed.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from tests.api.alerting import am_alert, am_message
from tocsin.builtin.sources import AlertmanagerSource
from tocsin.clock import FakeClock
from tocsin.services.container import Services
from tocsin.services.ingest import IngestProcessor, IngestResult, Submission
from tocsin.services.ingest_queue import IngestQueue, IngestQueueSettings
from tocsin.services.integrations import SourceName
from tocsin.store.incidents import IncidentFilter
from tocsin.store.integrations import StoredIntegration
from tocsin.store.schema_alerts import alerts


class CountingProcessor(IngestProcessor):
    """The real processor; records how many submissions each commit carried, and can hold the first."""

    def __init__(self, real: IngestProcessor) -> None:
        super().__init__(real.incident_service, real.playbooks)
        self.commits: list[int] = []
        self.entered = threading.Event()
        self.gate = threading.Event()

    def process(
        self, conn: Connection, submissions: Sequence[Submission], now: datetime
    ) -> list[IngestResult]:
        self.commits.append(len(submissions))
        self.entered.set()
        assert self.gate.wait(20)
        return super().process(conn, submissions, now)


@pytest.fixture
def counting(services: Services, clock: FakeClock) -> Iterator[tuple[IngestQueue, CountingProcessor]]:
    processor = CountingProcessor(services.ingest)
    queue = IngestQueue(services.db, clock, processor, IngestQueueSettings(capacity=100))
    try:
        yield queue, processor
    finally:
        processor.gate.set()
        queue.stop()


def _submission(integration: StoredIntegration, fingerprint: str, group: str) -> Submission:
    body = json.dumps(am_message([am_alert(fingerprint, {"alertname": group})], group)).encode()
    return Submission(integration, AlertmanagerSource().parse(body, {}))


def _stored_keys(services: Services) -> set[str]:
    with services.db.read() as conn:
        return set(conn.execute(select(alerts.c.dedup_key)).scalars())


def test_waiting_submissions_share_a_commit_and_a_bad_one_fails_alone(
    services: Services, counting: tuple[IngestQueue, CountingProcessor]
) -> None:
    queue, processor = counting
    prom, _ = services.integrations.create("prom", SourceName.ALERTMANAGER)
    ghost = replace(prom, id=9999)  # an integration the database does not have

    first = queue.submit(_submission(prom, "first", "g1"))
    assert processor.entered.wait(10)  # the writer holds "first"; the rest wait together
    waiting = [
        queue.submit(_submission(prom, "a", "g2")),
        queue.submit(_submission(ghost, "ghost", "g3")),
        queue.submit(_submission(prom, "b", "g2")),
    ]
    assert queue.waiting() == 3
    processor.gate.set()

    assert first.result(10).incidents_opened == ["INC-1"]
    a, ghost_future, b = waiting
    (opened,) = a.result(10).incidents_opened  # its number depends on the database: PostgreSQL
    assert b.result(10).incidents_touched == {opened}  # sequences do not roll back with the failure
    with pytest.raises(IntegrityError):
        ghost_future.result(10)
    # One commit of one, one of three that failed, then each of the three alone.
    assert processor.commits == [1, 3, 1, 1, 1]
    assert _stored_keys(services) == {"first", "a", "b"}


def test_concurrent_senders_lose_nothing_and_duplicate_nothing(services: Services, clock: FakeClock) -> None:
    queue = IngestQueue(services.db, clock, services.ingest, IngestQueueSettings(capacity=1000))
    prom, _ = services.integrations.create("prom", SourceName.ALERTMANAGER)

    def send(n: int) -> IngestResult:
        return queue.submit(_submission(prom, f"fp{n % 200}", f"g{n % 10}")).result(20)

    try:
        # Eight senders, ten groups, each alert sent by two senders at once.
        with ThreadPoolExecutor(8) as pool:
            futures: list[Future[IngestResult]] = [pool.submit(send, n) for n in range(400)]
            results = [future.result() for future in futures]
    finally:
        queue.stop()

    assert sum(result.accepted for result in results) == 400
    assert _stored_keys(services) == {f"fp{n}" for n in range(200)}
    found, total = services.incidents.find(IncidentFilter(), limit=50)
    assert total == 10
    assert sum(len(result.incidents_opened) for result in results) == 10
    assert sorted(incident.title for incident in found) == sorted(f"g{n}" for n in range(10))
