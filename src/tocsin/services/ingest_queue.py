"""Group commit for alert ingest.

Webhook handlers put their parsed batch on a bounded queue and wait for its commit; one writer thread
takes everything waiting (up to a bound), applies it in one transaction and then answers every waiter.
One fsync then covers many requests, which is how a single SQLite writer keeps up with an alert storm.
A 2xx is sent only after the commit. When the queue is full the caller gets :class:`Unavailable` (503,
which Alertmanager and PagerDuty clients retry): an alert is refused, never dropped after acceptance.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass

from tocsin.clock import Clock
from tocsin.errors import Unavailable
from tocsin.services.ingest import IngestProcessor, IngestResult, Submission
from tocsin.store.db import Database

__all__ = ["IngestQueue", "IngestQueueSettings"]

log = logging.getLogger("tocsin.ingest")


@dataclass(frozen=True)
class IngestQueueSettings:
    capacity: int = 2_000  # waiting submissions before new ones get 503
    max_alerts_per_commit: int = 5_000


_Item = tuple[Submission, "Future[IngestResult]"]


class IngestQueue:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        processor: IngestProcessor,
        settings: IngestQueueSettings | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.processor = processor
        self.settings = settings or IngestQueueSettings()
        self._queue: queue.Queue[_Item] = queue.Queue(self.settings.capacity)
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._stop = threading.Event()

    def submit(self, submission: Submission) -> Future[IngestResult]:
        """Queue a batch; the future completes once it is committed (or failed)."""
        self._ensure_started()
        future: Future[IngestResult] = Future()
        try:
            self._queue.put_nowait((submission, future))
        except queue.Full:
            raise Unavailable(
                "tocsin is taking in alerts as fast as it can; retry shortly", code="ingest_overloaded"
            ) from None
        return future

    def waiting(self) -> int:
        """How many submissions wait for the writer (approximate; for metrics and tests)."""
        return self._queue.qsize()

    def _ensure_started(self) -> None:
        if self._thread is not None:
            return
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="tocsin-ingest", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                first = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            self._commit(self._drain(first))

    def _drain(self, first: _Item) -> list[_Item]:
        items = [first]
        count = len(first[0].batch.alerts)
        while count < self.settings.max_alerts_per_commit:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            items.append(item)
            count += len(item[0].batch.alerts)
        return items

    def _commit(self, items: list[_Item]) -> None:
        try:
            with self.db.write() as conn:
                results = self.processor.process(conn, [sub for sub, _ in items], self.clock.now())
        except Exception as exc:
            if len(items) == 1:
                log.exception("alert batch from %s failed", items[0][0].integration.name)
                items[0][1].set_exception(exc)
                return
            # One bad submission must not fail the others: retry each in its own transaction.
            for item in items:
                self._commit([item])
            return
        for (_, future), result in zip(items, results, strict=True):
            future.set_result(result)
