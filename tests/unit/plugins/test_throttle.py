from __future__ import annotations

import threading
from datetime import timedelta

from tocsin.clock import FakeClock
from tocsin.plugins.channels import Throttle
from tocsin.plugins.throttle import Admission, RateLimiter

SLACK_LIKE = Throttle(max_messages=5, per=timedelta(seconds=5))


def test_a_burst_up_to_the_limit_passes_then_the_next_waits_for_one_token() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock)
    admitted = [limiter.try_acquire("team-slack", SLACK_LIKE) for _ in range(5)]
    assert all(a.allowed for a in admitted)
    refused = limiter.try_acquire("team-slack", SLACK_LIKE)
    assert refused == Admission(allowed=False, retry_after=timedelta(seconds=1))


def test_waiting_exactly_retry_after_admits_the_next_message() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock)
    throttle = Throttle(max_messages=3, per=timedelta(seconds=1))  # 333.33 ms a token: not a whole number
    for _ in range(3):
        limiter.try_acquire("k", throttle)
    refused = limiter.try_acquire("k", throttle)
    assert not refused.allowed
    clock.advance(refused.retry_after)
    assert limiter.try_acquire("k", throttle).allowed
    assert not limiter.try_acquire("k", throttle).allowed


def test_tokens_refill_over_time_but_never_above_the_burst() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock)
    limiter.try_acquire("k", SLACK_LIKE)
    clock.advance(hours=1)
    admitted = sum(limiter.try_acquire("k", SLACK_LIKE).allowed for _ in range(10))
    assert admitted == 5


def test_each_configured_channel_has_its_own_bucket() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock)
    throttle = Throttle(max_messages=1, per=timedelta(minutes=1))
    assert limiter.try_acquire("slack-a", throttle).allowed
    assert not limiter.try_acquire("slack-a", throttle).allowed
    assert limiter.try_acquire("slack-b", throttle).allowed


def test_no_throttle_means_unlimited() -> None:
    limiter = RateLimiter(FakeClock())
    assert all(limiter.try_acquire("console", None).allowed for _ in range(10_000))


def test_threads_sharing_a_limiter_never_exceed_the_limit() -> None:
    limiter = RateLimiter(FakeClock())
    throttle = Throttle(max_messages=100, per=timedelta(minutes=1))
    results: list[bool] = []
    lock = threading.Lock()

    def hammer() -> None:
        for _ in range(50):
            allowed = limiter.try_acquire("k", throttle).allowed
            with lock:
                results.append(allowed)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 100
