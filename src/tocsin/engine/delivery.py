"""The delivery loop: sends the outbox's due messages through their channels, outside any transaction.

For each batch it claims messages (one short transaction), asks the per-channel rate limiter, sends a few
at a time on a small thread pool (the wait is the receiver's, not ours), and records outcomes as they come
back, those that finish together in one short transaction. A throttled message is put back ``retry_after`` later, never
slept on. :class:`WorkerGroup` runs this loop beside the job :class:`~tocsin.engine.worker.Worker`: that
pair is what ``tocsin worker`` runs, and what ``tocsin serve`` runs in-process.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass

from tocsin.domain.notification import DeliveryResult
from tocsin.engine.worker import Worker
from tocsin.plugins.throttle import RateLimiter
from tocsin.services.delivery import Delivery, DeliveryService, Outcome
from tocsin.services.events import Change, EventBus

__all__ = ["DeliveryLoop", "DeliveryLoopSettings", "WorkerGroup"]

log = logging.getLogger("tocsin.delivery")


@dataclass(frozen=True)
class DeliveryLoopSettings:
    concurrency: int = 8  # messages in flight at once
    poll_interval: float = 1.0


class DeliveryLoop:
    def __init__(
        self,
        service: DeliveryService,
        *,
        limiter: RateLimiter | None = None,
        events: EventBus | None = None,
        settings: DeliveryLoopSettings | None = None,
    ) -> None:
        self.service = service
        self.limiter = limiter or RateLimiter(service.clock)
        self.events = events
        self.settings = settings or DeliveryLoopSettings()
        self._stop = threading.Event()
        self._inbox: queue.Queue[Change] | None = None
        self._pool: ThreadPoolExecutor | None = None

    def run_due(self) -> int:
        """Deliver every message due now, batch after batch; returns how many attempts were made."""
        total = 0
        while not self._stop.is_set():
            due = self.service.next_due_at()
            if due is None or due > self.service.clock.now():
                break
            batch = self.service.claim()
            if not batch:
                break
            self._deliver_all(batch)
            total += len(batch)
        return total

    def _deliver_all(self, batch: list[Delivery]) -> None:
        """Send the batch a few at a time; record whatever has finished, together, as soon as it has."""
        if self.settings.concurrency <= 1 or len(batch) == 1:
            for delivery in batch:
                self.service.record(delivery, self._attempt(delivery))
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.settings.concurrency, thread_name_prefix="tocsin-send")
        running = {self._pool.submit(self._attempt, delivery): delivery for delivery in batch}
        while running:
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            self.service.record_all([(running.pop(future), future.result()) for future in finished])

    def _attempt(self, delivery: Delivery) -> Outcome:
        """Send one message (outside any transaction), or say how long the rate limit makes it wait."""
        if delivery.problem is not None or delivery.channel is None or delivery.notification is None:
            return delivery.problem or DeliveryResult.failed("not deliverable", retryable=False)
        admission = self.limiter.try_acquire(delivery.channel_id, delivery.channel.throttle)
        if not admission.allowed:
            return admission.retry_after
        try:
            return delivery.channel.send(delivery.notification, delivery.config)
        except Exception as error:  # a plugin's bug must not stop the loop, nor lose the message
            key = delivery.claim.message.idempotency_key
            log.exception("the %s channel raised while sending %s", delivery.channel.kind, key)
            return DeliveryResult.failed(
                f"the {delivery.channel.kind} channel failed: {error}", retryable=True
            )

    def _sleep_time(self) -> float:
        due = self.service.next_due_at()
        if due is None:
            return self.settings.poll_interval
        wait = (due - self.service.clock.now()).total_seconds()
        return min(max(wait, 0.0), self.settings.poll_interval)

    def run_forever(self) -> None:
        """Loop until :meth:`stop`; wakes when a message is decided in this process, or at the next due time."""
        self._inbox = self.events.subscribe() if self.events else None
        log.info("delivery loop started")
        try:
            while not self._stop.is_set():
                try:
                    wait = 0.0 if self.run_due() else self._sleep_time()
                except Exception:
                    log.exception("delivery loop failed; retrying")
                    wait = self.settings.poll_interval
                if wait > 0:
                    self._wait(wait)
        finally:
            if self.events is not None and self._inbox is not None:
                self.events.unsubscribe(self._inbox)
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None
        log.info("delivery loop stopped")

    def _wait(self, seconds: float) -> None:
        if self._inbox is None:
            self._stop.wait(seconds)
            return
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                change = self._inbox.get(timeout=remaining)
            except queue.Empty:
                return
            if change.topic == "outbox" or self._stop.is_set():
                return

    def stop(self) -> None:
        self._stop.set()
        if self._inbox is not None:
            with contextlib.suppress(queue.Full):
                self._inbox.put_nowait(Change("outbox"))

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run_forever, name="tocsin-delivery", daemon=True)
        thread.start()
        return thread


class WorkerGroup:
    """The job worker and the delivery loop together, started and stopped as one."""

    def __init__(self, worker: Worker, delivery: DeliveryLoop) -> None:
        self.worker = worker
        self.delivery = delivery
        self._delivery_thread: threading.Thread | None = None

    def run_due(self) -> int:
        """Run due jobs and deliver due messages until neither has anything left now (for tests)."""
        total = 0
        while True:
            ran = self.worker.run_due() + self.delivery.run_due()
            total += ran
            if not ran:
                return total

    def run_forever(self) -> None:
        """Run both until :meth:`stop` (the delivery loop in a thread, the worker in this one)."""
        self._delivery_thread = self.delivery.start_thread()
        try:
            self.worker.run_forever()
        finally:
            self.delivery.stop()
            self._delivery_thread.join(timeout=30)

    def start_thread(self) -> threading.Thread:
        """Start both in threads; returns the worker's."""
        self._delivery_thread = self.delivery.start_thread()
        return self.worker.start_thread()

    def stop(self) -> None:
        self.worker.stop()
        self.delivery.stop()
