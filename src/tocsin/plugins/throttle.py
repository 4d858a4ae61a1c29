"""Per-channel rate limiting: a token bucket per configured channel, on the injected clock.

Each channel class declares its :class:`~tocsin.plugins.channels.Throttle` (Slack: about one message a
second; PagerDuty: 120 events a minute per integration key). Before a delivery the worker asks
:meth:`RateLimiter.try_acquire` with the configured channel's id; when the answer is "not now" it
reschedules the delivery job ``retry_after`` later instead of sleeping (timers are rows, never sleeps).

The buckets live in the worker's memory, so each worker process enforces the limit on its own share of
the traffic; with several workers the receiver may see up to that many times the declared rate, and the
channels still honour the receiver's own 429 and ``Retry-After``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from tocsin.clock import Clock
from tocsin.plugins.channels import Throttle

__all__ = ["Admission", "RateLimiter", "TokenBucket"]

_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Admission:
    """Whether a message may go now; if not, how long until it may."""

    allowed: bool
    retry_after: timedelta = timedelta(0)


class TokenBucket:
    """A bucket of ``max_messages`` tokens that refills evenly over ``per``.

    The arithmetic is in whole microseconds scaled by ``max_messages`` so that waiting exactly
    ``retry_after`` always yields a token (no float drift at the boundary).
    """

    def __init__(self, throttle: Throttle, now: datetime) -> None:
        self.throttle = throttle
        self._refill_rate = throttle.max_messages  # credit gained per microsecond
        self._cost = throttle.per // _MICROSECOND  # credit one message costs
        self._capacity = self._cost * throttle.max_messages
        self._credit = self._capacity
        self._updated = now

    def try_take(self, now: datetime) -> Admission:
        """Take one token if there is one; otherwise say how long until there will be."""
        # A wall clock may step back (NTP); never let that refill or drain the bucket.
        elapsed = max((now - self._updated) // _MICROSECOND, 0)
        self._credit = min(self._capacity, self._credit + elapsed * self._refill_rate)
        self._updated = max(now, self._updated)
        if self._credit >= self._cost:
            self._credit -= self._cost
            return Admission(allowed=True)
        missing = self._cost - self._credit
        wait = -(-missing // self._refill_rate)  # ceiling division
        return Admission(allowed=False, retry_after=wait * _MICROSECOND)


class RateLimiter:
    """Token buckets keyed by configured channel; thread-safe so delivery threads can share one."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def try_acquire(self, key: str, throttle: Throttle | None) -> Admission:
        """Admit one message for ``key`` (a configured channel's id) under ``throttle``; ``None`` admits all."""
        if throttle is None:
            return Admission(allowed=True)
        with self._lock:
            now = self._clock.now()
            bucket = self._buckets.get(key)
            if bucket is None or bucket.throttle != throttle:
                bucket = self._buckets[key] = TokenBucket(throttle, now)
            return bucket.try_take(now)
