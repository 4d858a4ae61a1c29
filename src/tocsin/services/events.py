"""In-process notifications that something changed, sent after the change is committed.

Live views (server-sent events) subscribe to incident changes; the embedded worker subscribes to "a job
was enqueued" so it wakes at once instead of at its next poll.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from dataclasses import dataclass

__all__ = ["Change", "EventBus"]


@dataclass(frozen=True)
class Change:
    topic: str  # "incident" or "jobs"
    incident_number: int | None = None


class EventBus:
    """A small thread-safe fan-out: each subscriber gets its own bounded queue."""

    def __init__(self, queue_size: int = 1000) -> None:
        self._subscribers: set[queue.Queue[Change]] = set()
        self._lock = threading.Lock()
        self._queue_size = queue_size
        self.jobs_enqueued = threading.Event()

    def subscribe(self) -> queue.Queue[Change]:
        inbox: queue.Queue[Change] = queue.Queue(self._queue_size)
        with self._lock:
            self._subscribers.add(inbox)
        return inbox

    def unsubscribe(self, inbox: queue.Queue[Change]) -> None:
        with self._lock:
            self._subscribers.discard(inbox)

    def publish(self, change: Change) -> None:
        if change.topic == "jobs":
            self.jobs_enqueued.set()
        with self._lock:
            subscribers = list(self._subscribers)
        for inbox in subscribers:
            # A slow live view may miss a wake-up; it catches up from the timeline by id.
            with contextlib.suppress(queue.Full):
                inbox.put_nowait(change)
