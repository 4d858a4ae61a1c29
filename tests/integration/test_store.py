"""The store's guarantees on a real database: an append-only timeline, and jobs that are claimed, leased,
finished once and taken over when their worker dies."""

from __future__ import annotations

import os
import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from tocsin.clock import FakeClock
from tocsin.engine.worker import Worker, WorkerSettings
from tocsin.services.container import Services
from tocsin.services.incidents import Declaration
from tocsin.store import jobs, timeline
from tocsin.store.db import Database
from tocsin.store.jobs import ClaimedJob, JobHandler
from tocsin.store.schema import jobs as jobs_table
from tocsin.store.schema import timeline_entries

KIND = "test.job"
LEASE = timedelta(seconds=60)
ON_POSTGRES = bool(os.environ.get("TOCSIN_TEST_DATABASE_URL"))
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL (set TOCSIN_TEST_DATABASE_URL)")


def enqueue(
    db: Database, now: datetime, *, due_in: timedelta = timedelta(0), dedup_key: str | None = None
) -> bool:
    with db.write() as conn:
        return jobs.enqueue(conn, KIND, due_at=now + due_in, payload={"n": 1}, now=now, dedup_key=dedup_key)


def claim(db: Database, now: datetime, *, limit: int = 10) -> list[ClaimedJob]:
    with db.write() as conn:
        return jobs.claim_due(conn, now, limit=limit, lease=LEASE)


def finish(db: Database, job: ClaimedJob, now: datetime) -> bool:
    with db.write() as conn:
        return jobs.finish(conn, job, now)


def job_row(db: Database, job_id: int) -> dict[str, Any]:
    with db.read() as conn:
        return dict(conn.execute(select(jobs_table).where(jobs_table.c.id == job_id)).mappings().one())


def notes(services: Services) -> list[str]:
    return [e.details["text"] for e in services.incidents.timeline(1) if e.kind == "note"]


def write_note(conn: Connection, note: str, now: datetime) -> None:
    timeline.append(conn, 1, at=now, actor="worker", kind="note", details={"text": note})


# -- the timeline is append-only -------------------------------------------------------------------------


@pytest.fixture
def one_entry(services: Services) -> int:
    services.incidents.declare(Declaration("DB down", "SEV1"), actor="alice")
    [entry] = services.incidents.timeline(1)
    return entry.id


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE timeline_entries SET actor = 'mallory'",
        "UPDATE timeline_entries SET kind = 'note' WHERE id = :id",
        "DELETE FROM timeline_entries WHERE id = :id",
        "DELETE FROM timeline_entries",
    ],
)
def test_the_database_refuses_to_change_the_timeline(
    services: Services, one_entry: int, statement: str
) -> None:
    before = services.incidents.timeline(1)
    with pytest.raises(DBAPIError, match="append-only"), services.db.write() as conn:
        conn.execute(text(statement), {"id": one_entry})
    assert services.incidents.timeline(1) == before


def test_the_refusal_holds_for_orm_style_statements_too(services: Services, one_entry: int) -> None:
    for change in (
        update(timeline_entries).where(timeline_entries.c.id == one_entry).values(details={"forged": True}),
        delete(timeline_entries).where(timeline_entries.c.incident_id == 1),
    ):
        with pytest.raises(DBAPIError, match="append-only"), services.db.write() as conn:
            conn.execute(change)
    [entry] = services.incidents.timeline(1)
    assert (entry.id, entry.actor, entry.kind) == (one_entry, "alice", "declared")


def test_a_refused_change_rolls_back_everything_written_with_it(
    services: Services, clock: FakeClock, one_entry: int
) -> None:
    def note_then_delete() -> None:
        with services.db.write() as conn:
            write_note(conn, "written first", clock.now())
            conn.execute(text("DELETE FROM timeline_entries WHERE id = :id"), {"id": one_entry})

    with pytest.raises(DBAPIError):
        note_then_delete()
    assert [entry.id for entry in services.incidents.timeline(1)] == [one_entry]


def test_appending_is_what_the_timeline_is_for(services: Services, clock: FakeClock, one_entry: int) -> None:
    with services.db.write() as conn:
        write_note(conn, "first", clock.now())
        write_note(conn, "second", clock.now())
    assert notes(services) == ["first", "second"]
    assert services.incidents.timeline(1)[0].id == one_entry


# -- jobs: enqueue, claim, lease, finish -----------------------------------------------------------------


def count_jobs(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(jobs_table)).scalar_one())


def test_a_dedup_key_enqueues_a_job_once(db: Database, clock: FakeClock) -> None:
    for _ in range(2):
        enqueue(db, clock.now(), dedup_key="target:1:response:SEV1")
    assert count_jobs(db) == 1
    for _ in range(2):
        enqueue(db, clock.now())  # no key, no dedup
    assert count_jobs(db) == 3


def test_enqueue_says_whether_it_added_the_job(db: Database, clock: FakeClock) -> None:
    assert enqueue(db, clock.now(), dedup_key="k") is True
    assert enqueue(db, clock.now(), dedup_key="k") is False
    assert enqueue(db, clock.now()) is True


def test_only_due_jobs_are_claimed_earliest_first(db: Database, clock: FakeClock) -> None:
    now = clock.now()
    enqueue(db, now, due_in=timedelta(minutes=1), dedup_key="later")
    enqueue(db, now, due_in=timedelta(0), dedup_key="now")
    enqueue(db, now, due_in=-timedelta(minutes=5), dedup_key="overdue")
    claimed = claim(db, now)
    assert [job_row(db, job.id)["dedup_key"] for job in claimed] == ["overdue", "now"]
    for job in claimed:
        row = job_row(db, job.id)
        assert (row["status"], row["token"], row["attempts"]) == ("running", job.token, 1)
        assert row["lease_until"] == now + LEASE
    assert len({job.token for job in claimed}) == 2


def test_a_claim_takes_at_most_its_limit(db: Database, clock: FakeClock) -> None:
    for _ in range(5):
        enqueue(db, clock.now())
    assert len(claim(db, clock.now(), limit=2)) == 2
    assert len(claim(db, clock.now(), limit=10)) == 3
    assert claim(db, clock.now()) == []


def test_a_leased_job_is_not_claimed_twice(db: Database, clock: FakeClock) -> None:
    enqueue(db, clock.now())
    [_job] = claim(db, clock.now())
    assert claim(db, clock.now() + LEASE - timedelta(seconds=1)) == []
    assert claim(db, clock.now() + LEASE) == []  # the lease runs until its end


def test_a_finished_job_is_done_and_never_claimed_again(db: Database, clock: FakeClock) -> None:
    enqueue(db, clock.now())
    [job] = claim(db, clock.now())
    assert finish(db, job, clock.now() + timedelta(seconds=3)) is True
    row = job_row(db, job.id)
    assert (row["status"], row["finished_at"], row["lease_until"]) == (
        "done",
        clock.now() + timedelta(seconds=3),
        None,
    )
    assert claim(db, clock.now() + timedelta(days=1)) == []
    assert finish(db, job, clock.now()) is False  # finishing twice is refused


def test_an_expired_lease_is_taken_over_and_the_stale_token_refused(db: Database, clock: FakeClock) -> None:
    enqueue(db, clock.now())
    [first] = claim(db, clock.now())
    [second] = claim(db, clock.now() + LEASE + timedelta(seconds=1))  # the first worker died
    assert second.id == first.id
    assert second.token != first.token
    assert second.attempts == 2
    assert finish(db, first, clock.now()) is False  # the dead worker's result is refused
    assert job_row(db, first.id)["status"] == "running"
    assert finish(db, second, clock.now()) is True
    assert job_row(db, first.id)["status"] == "done"


def test_a_rescheduled_job_waits_and_its_attempt_does_not_count(db: Database, clock: FakeClock) -> None:
    enqueue(db, clock.now())
    [job] = claim(db, clock.now())
    later = clock.now() + timedelta(minutes=10)
    with db.write() as conn:
        assert jobs.reschedule(conn, job, later) is True
        assert jobs.next_due_at(conn) == later
    row = job_row(db, job.id)
    assert (row["status"], row["due_at"], row["attempts"], row["token"]) == ("pending", later, 0, None)
    assert finish(db, job, clock.now()) is False
    assert claim(db, later - timedelta(seconds=1)) == []
    [again] = claim(db, later)
    assert (again.id, again.attempts) == (job.id, 1)


def test_a_failed_attempt_is_retried_later_or_given_up(db: Database, clock: FakeClock) -> None:
    enqueue(db, clock.now())
    [job] = claim(db, clock.now())
    retry_at = clock.now() + timedelta(seconds=5)
    with db.write() as conn:
        jobs.retry_later(conn, job, error="boom", due_at=retry_at)
    row = job_row(db, job.id)
    assert (row["status"], row["due_at"], row["last_error"]) == ("pending", retry_at, "boom")
    [again] = claim(db, retry_at)
    with db.write() as conn:
        jobs.retry_later(conn, again, error="boom again", due_at=None)
    assert job_row(db, job.id)["status"] == "failed"
    assert claim(db, clock.now() + timedelta(days=30)) == []


def test_next_due_at_is_the_earliest_pending_job(db: Database, clock: FakeClock) -> None:
    with db.read() as conn:
        assert jobs.next_due_at(conn) is None
    enqueue(db, clock.now(), due_in=timedelta(minutes=30))
    enqueue(db, clock.now(), due_in=timedelta(minutes=15), dedup_key="k")
    with db.read() as conn:
        assert jobs.next_due_at(conn) == clock.now() + timedelta(minutes=15)


@pytest.mark.postgres
@postgres_only
def test_concurrent_claims_skip_each_others_locked_jobs(db: Database, clock: FakeClock) -> None:
    for _ in range(3):
        enqueue(db, clock.now())
    other = Database(db.url)
    try:
        with db.write() as first:
            mine = jobs.claim_due(first, clock.now(), limit=1, lease=LEASE)
            with other.write() as second:
                # Without SKIP LOCKED this would wait on the first transaction: fail fast instead of hanging.
                second.execute(text("SET LOCAL lock_timeout = '2s'"))
                theirs = jobs.claim_due(second, clock.now(), limit=10, lease=LEASE)
    finally:
        other.dispose()
    assert len(mine) == 1
    assert len(theirs) == 2
    assert {job.id for job in mine}.isdisjoint(job.id for job in theirs)


# -- the worker over the jobs table ----------------------------------------------------------------------


def make_worker(db: Database, clock: FakeClock, handler: JobHandler, **settings: Any) -> Worker:
    return Worker(db, clock, {KIND: handler}, settings=WorkerSettings(**settings))


def test_the_worker_takes_over_a_job_whose_worker_died(services: Services, clock: FakeClock) -> None:
    services.incidents.declare(Declaration("DB down", "SEV1"), actor="alice")
    enqueue(services.db, clock.now())
    [dead] = claim(services.db, clock.now())  # a worker claimed it, then was killed

    def handler(conn: Connection, job: ClaimedJob, now: datetime) -> None:
        write_note(conn, f"ran attempt {job.attempts}", now)

    worker = make_worker(services.db, clock, handler)
    assert worker.run_due() == 0  # still leased to the dead worker
    clock.advance(LEASE + timedelta(seconds=1))
    assert worker.run_due() == 1
    assert notes(services) == ["ran attempt 2"]
    assert job_row(services.db, dead.id)["status"] == "done"
    assert finish(services.db, dead, clock.now()) is False
    assert worker.run_due() == 0


def test_a_failing_job_backs_off_then_gives_up(services: Services, clock: FakeClock) -> None:
    enqueue(services.db, clock.now())
    calls: list[int] = []

    def handler(conn: Connection, job: ClaimedJob, now: datetime) -> None:
        calls.append(job.attempts)
        raise RuntimeError("the peer is down")

    worker = make_worker(services.db, clock, handler, max_attempts=3, base_backoff=timedelta(seconds=5))
    assert worker.run_due() == 1
    row = job_row(services.db, 1)
    assert (row["status"], row["due_at"]) == ("pending", clock.now() + timedelta(seconds=5))
    assert row["last_error"] == "RuntimeError: the peer is down"
    clock.advance(seconds=5)
    worker.run_due()
    assert job_row(services.db, 1)["due_at"] == clock.now() + timedelta(seconds=10)  # doubled
    clock.advance(seconds=10)
    worker.run_due()
    assert calls == [1, 2, 3]
    assert job_row(services.db, 1)["status"] == "failed"
    clock.advance(hours=1)
    assert worker.run_due() == 0


def test_a_job_of_an_unknown_kind_fails_visibly(db: Database, clock: FakeClock) -> None:
    with db.write() as conn:
        jobs.enqueue(conn, "no.such.kind", due_at=clock.now(), payload={}, now=clock.now())
    worker = make_worker(db, clock, lambda conn, job, now: None, max_attempts=1)
    assert worker.run_due() == 1
    row = job_row(db, 1)
    assert row["status"] == "failed"
    assert "no.such.kind" in row["last_error"]


def test_a_handler_can_ask_to_run_again_later(db: Database, clock: FakeClock) -> None:
    enqueue(db, clock.now())
    later = clock.now() + timedelta(minutes=3)
    worker = make_worker(db, clock, lambda conn, job, now: later if now < later else None)
    assert worker.run_due() == 1
    assert (job_row(db, 1)["status"], job_row(db, 1)["due_at"]) == ("pending", later)
    clock.set(later)
    assert worker.run_due() == 1
    assert job_row(db, 1)["status"] == "done"


def test_a_failed_handler_writes_nothing(services: Services, clock: FakeClock) -> None:
    services.incidents.declare(Declaration("DB down", "SEV1"), actor="alice")
    enqueue(services.db, clock.now())

    def handler(conn: Connection, job: ClaimedJob, now: datetime) -> None:
        write_note(conn, "half-done", now)
        raise RuntimeError("crashed half-way")

    make_worker(services.db, clock, handler).run_due()
    assert notes(services) == []


@pytest.mark.postgres
@postgres_only
def test_a_worker_that_lost_its_lease_mid_run_writes_nothing(services: Services, clock: FakeClock) -> None:
    services.incidents.declare(Declaration("DB down", "SEV1"), actor="alice")
    enqueue(services.db, clock.now())
    rival = Database(services.db.url)
    taken_over: list[ClaimedJob] = []

    def slow_handler(conn: Connection, job: ClaimedJob, now: datetime) -> None:
        write_note(conn, "from the slow worker", now)
        # While this worker is stuck, its lease runs out and another worker claims the job.
        taken_over.extend(claim(rival, now + LEASE + timedelta(seconds=1)))

    try:
        make_worker(services.db, clock, slow_handler).run_due()
        assert len(taken_over) == 1
        assert notes(services) == []  # the slow worker's writes were rolled back
        assert finish(rival, taken_over[0], clock.now()) is True
    finally:
        rival.dispose()


def test_two_workers_run_every_job_exactly_once(services: Services, clock: FakeClock) -> None:
    services.incidents.declare(Declaration("DB down", "SEV1"), actor="alice")
    for _ in range(20):
        enqueue(services.db, clock.now())
    mine = jobs_table.c.kind == KIND

    def handler(conn: Connection, job: ClaimedJob, now: datetime) -> None:
        write_note(conn, f"job {job.id}", now)

    databases = [Database(services.db.url) for _ in range(2)]
    workers = [make_worker(database, clock, handler, batch=3) for database in databases]
    threads = [threading.Thread(target=worker.run_due) for worker in workers]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        for database in databases:
            database.dispose()
    with services.db.read() as conn:
        ids = conn.execute(select(jobs_table.c.id).where(mine)).scalars().all()
        statuses = conn.execute(select(jobs_table.c.status).where(mine)).scalars().all()
    assert sorted(notes(services)) == sorted(f"job {n}" for n in ids)
    assert len(ids) == 20
    assert set(statuses) == {"done"}
