"""Group commit for alert ingest.

Webhook handlers put their parsed batch on a bounded queue and wait for its commit; one writer thread
takes everything waiting (up to a bound), applies it in one transaction and then answers every waiter.
One fsync then covers many requests, which is how a single SQLite writer keeps up with an alert storm.
A 2xx is sent only after the commit. When the queue is full the caller gets :class:`Unavailable` (503,
which Alertmanager and PagerDuty clients retry): an alert is refused, never dropped after acceptance.

Waiters are either threads (:meth:`IngestQueue.submit` returns a :class:`concurrent.futures.Future`) or
coroutines (:meth:`IngestQueue.commit`); the coroutines of one event loop are woken together, once per
commit, rather than once each.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Sequence
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


_Waiter = Future[IngestResult] | tuple[asyncio.AbstractEventLoop, "asyncio.Future[IngestResult]"]
_Item = tuple[Submission, _Waiter]
_Outcome = IngestResult | BaseException


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
        future: Future[IngestResult] = Future()
        self._put((submission, future))
        return future

    async def commit(self, submission: Submission) -> IngestResult:
        """Queue a batch and wait, without blocking the event loop, until it is committed."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[IngestResult] = loop.create_future()
        self._put((submission, (loop, waiter)))
        return await waiter

    def waiting(self) -> int:
        """How many submissions wait for the writer (approximate; for metrics and tests)."""
        return self._queue.qsize()

    def _put(self, item: _Item) -> None:
        self._ensure_started()
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            raise Unavailable(
                "tocsin is taking in alerts as fast as it can; retry shortly", code="ingest_overloaded"
            ) from None

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
            items = self._drain(first)
            _answer(items, self._commit(items))

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

    def _commit(self, items: Sequence[_Item]) -> list[_Outcome]:
        """The outcome of each item: committed together, or, if that fails, each on its own."""
        try:
            with self.db.write() as conn:
                results: list[_Outcome] = list(
                    self.processor.process(conn, [sub for sub, _ in items], self.clock.now())
                )
                return results
        except Exception as exc:
            if len(items) == 1:
                log.exception("alert batch from %s failed", items[0][0].integration.name)
                return [exc]
        # One bad submission must not fail the others: retry each in its own transaction.
        return [self._commit([item])[0] for item in items]


def _answer(items: Sequence[_Item], outcomes: Sequence[_Outcome]) -> None:
    """Complete every waiter; the coroutines of each event loop in one wake-up of that loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[IngestResult], _Outcome]]] = {}
    for (_, waiter), outcome in zip(items, outcomes, strict=True):
        if isinstance(waiter, Future):
            _settle(waiter, outcome)
        else:
            loop, future = waiter
            by_loop.setdefault(loop, []).append((future, outcome))
    for loop, pending in by_loop.items():
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is waiting any more
            loop.call_soon_threadsafe(_settle_all, pending)


def _settle(future: Future[IngestResult] | asyncio.Future[IngestResult], outcome: _Outcome) -> None:
    if future.done():  # the waiter gave up (timeout, disconnect)
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


def _settle_all(pending: list[tuple[asyncio.Future[IngestResult], _Outcome]]) -> None:
    for future, outcome in pending:
        _settle(future, outcome)
