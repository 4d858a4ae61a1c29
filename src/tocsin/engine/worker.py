"""The worker: claims due jobs from the database and runs them.

Runs in-process under ``tocsin serve`` (a thread) or alone as ``tocsin worker``; any number of workers
can share a PostgreSQL database, since claims use ``FOR UPDATE SKIP LOCKED`` and every finish is checked
against the claim's token. On SQLite the single writer makes claims atomic.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from tocsin.clock import Clock
from tocsin.services.events import EventBus
from tocsin.store import jobs
from tocsin.store.db import Database
from tocsin.store.jobs import ClaimedJob, JobHandler

__all__ = ["Worker", "WorkerSettings"]

log = logging.getLogger("tocsin.worker")


class _Stale(Exception):
    """The job's lease was taken over while it ran; its writes are rolled back."""


@dataclass(frozen=True)
class WorkerSettings:
    batch: int = 50
    lease: timedelta = timedelta(seconds=60)
    poll_interval: float = 1.0
    max_attempts: int = 8
    base_backoff: timedelta = timedelta(seconds=5)


class Worker:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        handlers: Mapping[str, JobHandler],
        *,
        events: EventBus | None = None,
        settings: WorkerSettings | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.handlers = dict(handlers)
        self.events = events
        self.settings = settings or WorkerSettings()
        self._stop = threading.Event()

    def run_due(self) -> int:
        """Run every job that is due now, batch after batch; return how many ran."""
        total = 0
        while True:
            with self.db.write() as conn:
                claimed = jobs.claim_due(
                    conn, self.clock.now(), limit=self.settings.batch, lease=self.settings.lease
                )
            for job in claimed:
                self._run(job)
            total += len(claimed)
            if len(claimed) < self.settings.batch:
                return total

    def _run(self, job: ClaimedJob) -> None:
        handler = self.handlers.get(job.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            with self.db.write() as conn:
                now = self.clock.now()
                again = handler(conn, job, now)
                finished = jobs.reschedule(conn, job, again) if again else jobs.finish(conn, job, now)
                if not finished:
                    raise _Stale
        except _Stale:
            log.warning(
                "job %s (%s) was taken over by another worker; its result is dropped", job.id, job.kind
            )
        except Exception as exc:
            self._failed(job, exc)

    def _failed(self, job: ClaimedJob, exc: Exception) -> None:
        give_up = job.attempts >= self.settings.max_attempts
        due = None if give_up else self.clock.now() + self.settings.base_backoff * 2 ** (job.attempts - 1)
        log.exception(
            "job %s (%s) failed on attempt %s%s", job.id, job.kind, job.attempts, "; giving up" * give_up
        )
        with self.db.write() as conn:
            jobs.retry_later(conn, job, error=f"{type(exc).__name__}: {exc}", due_at=due)

    def _sleep_time(self) -> float:
        with self.db.read() as conn:
            due = jobs.next_due_at(conn)
        if due is None:
            return self.settings.poll_interval
        wait = (due - self.clock.now()).total_seconds()
        return min(max(wait, 0.0), self.settings.poll_interval)

    def run_forever(self) -> None:
        """Loop until :meth:`stop`; sleeps until the next job is due, a new job arrives, or a poll."""
        log.info("worker started")
        while not self._stop.is_set():
            try:
                ran = self.run_due()
                wait = 0.0 if ran else self._sleep_time()
            except Exception:
                log.exception("worker loop failed; retrying")
                wait = self.settings.poll_interval
            if wait > 0:
                self._wait(wait)
        log.info("worker stopped")

    def _wait(self, seconds: float) -> None:
        if self.events is None:
            self._stop.wait(seconds)
            return
        woke = self.events.jobs_enqueued.wait(seconds)
        if woke:
            self.events.jobs_enqueued.clear()

    def stop(self) -> None:
        self._stop.set()
        if self.events is not None:
            self.events.jobs_enqueued.set()

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run_forever, name="tocsin-worker", daemon=True)
        thread.start()
        return thread
