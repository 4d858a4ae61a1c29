"""Two responders acting on the same incident at the same moment, each through its own connection.

Exactly one acknowledgement wins and is recorded once; the other responder is told it lost. Concurrent
changes that can both apply (two links) are both kept: nobody's write is silently lost.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from tocsin.clock import FakeClock
from tocsin.domain.incident import Incident
from tocsin.errors import Conflict
from tocsin.services.container import Services, build_services
from tocsin.services.incidents import Declaration
from tocsin.store import migrate
from tocsin.store.db import Database

PG_URL = os.environ.get("TOCSIN_TEST_DATABASE_URL")
Outcome = Incident | Exception


class UpdateRendezvous:
    """Holds each thread's first UPDATE of the incident until every thread has reached it.

    So every transaction has read the same version of the incident before any of them writes: the race
    that optimistic concurrency must win, forced instead of hoped for. Only PostgreSQL lets two write
    transactions overlap; SQLite's single writer makes the second wait at BEGIN.
    """

    def __init__(self, parties: int) -> None:
        self._barrier = threading.Barrier(parties, timeout=10)
        self._local = threading.local()
        self._lock = threading.Lock()
        self.updates = 0

    def attach(self, db: Database) -> None:
        event.listen(db.engine, "before_cursor_execute", self._before_execute)

    def _before_execute(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith("UPDATE INCIDENTS"):
            return
        with self._lock:
            self.updates += 1
        if not getattr(self._local, "met", False):
            self._local.met = True
            self._barrier.wait()


def at_once(*calls: Callable[[], Incident]) -> list[Outcome]:
    """Run ``calls`` in threads released together; each outcome is the result or the exception raised."""
    start = threading.Barrier(len(calls), timeout=10)

    def run(call: Callable[[], Incident]) -> Outcome:
        start.wait()
        try:
            return call()
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.fixture
def connections(db: Database, clock: FakeClock) -> Iterator[Callable[[int], list[Services]]]:
    """``connections(n)`` → ``n`` independent service stacks, each with its own engine on the test database."""
    opened: list[Database] = []

    def make(n: int) -> list[Services]:
        databases = [Database(db.url) for _ in range(n)]
        opened.extend(databases)
        return [build_services(database, clock) for database in databases]

    yield make
    for database in opened:
        database.dispose()


def assert_one_acknowledgement(services: Services, outcomes: list[Outcome], responders: list[str]) -> None:
    winners = [o for o in outcomes if isinstance(o, Incident)]
    losers = [o for o in outcomes if not isinstance(o, Incident)]
    assert len(winners) == 1, outcomes
    assert all(isinstance(o, Conflict) and o.code == "already_acknowledged" for o in losers), losers
    winner = responders[outcomes.index(winners[0])]
    incident = services.incidents.get(1)
    assert incident.acknowledged_by == winner
    acks = [e for e in services.incidents.timeline(1) if e.kind == "acknowledged"]
    assert [(e.kind, e.actor) for e in acks] == [("acknowledged", winner)]


def declare(services: Services) -> None:
    services.incidents.declare(Declaration("Checkout is down", "SEV1"), actor="alertmanager")


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (set TOCSIN_TEST_DATABASE_URL)")
def test_two_acknowledgements_racing_on_postgres_record_exactly_one(
    services: Services, connections: Callable[[int], list[Services]]
) -> None:
    declare(services)
    alice, bob = connections(2)
    rendezvous = UpdateRendezvous(2)
    for side in (alice, bob):
        rendezvous.attach(side.db)
    outcomes = at_once(
        lambda: alice.incidents.acknowledge(1, actor="alice"),
        lambda: bob.incidents.acknowledge(1, actor="bob"),
    )
    assert rendezvous.updates == 2  # both really tried to write the same version
    assert_one_acknowledgement(services, outcomes, ["alice", "bob"])


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (set TOCSIN_TEST_DATABASE_URL)")
def test_two_links_racing_on_postgres_are_both_kept(
    services: Services, connections: Callable[[int], list[Services]]
) -> None:
    declare(services)
    alice, bob = connections(2)
    rendezvous = UpdateRendezvous(2)
    for side in (alice, bob):
        rendezvous.attach(side.db)
    outcomes = at_once(
        lambda: alice.incidents.add_link(1, "https://grafana.example.com/d/api", actor="alice"),
        lambda: bob.incidents.add_link(1, "https://sentry.example.com/issues/1", actor="bob"),
    )
    assert all(isinstance(o, Incident) for o in outcomes), outcomes
    assert rendezvous.updates >= 3  # one of them lost the race and wrote again on the new version
    links = {link.url for link in services.incidents.get(1).links}
    assert links == {"https://grafana.example.com/d/api", "https://sentry.example.com/issues/1"}
    assert [e.kind for e in services.incidents.timeline(1)].count("link_added") == 2


def test_two_acknowledgements_at_once_on_sqlite_record_exactly_one(tmp_path: Path, clock: FakeClock) -> None:
    url = f"sqlite:///{tmp_path / 'concurrent.db'}"
    databases = [Database(url) for _ in range(3)]  # one per process: the declarer and two responders
    try:
        migrate.upgrade(databases[0])
        setup, alice, bob = (build_services(database, clock) for database in databases)
        declare(setup)
        outcomes = at_once(
            lambda: alice.incidents.acknowledge(1, actor="alice"),
            lambda: bob.incidents.acknowledge(1, actor="bob"),
        )
        assert_one_acknowledgement(setup, outcomes, ["alice", "bob"])
    finally:
        for database in databases:
            database.dispose()


def test_many_responders_at_once_on_the_test_database_record_exactly_one(
    services: Services, connections: Callable[[int], list[Services]]
) -> None:
    declare(services)
    responders = [f"responder-{n}" for n in range(6)]
    sides = connections(len(responders))
    calls = [
        (lambda side=side, who=who: side.incidents.acknowledge(1, actor=who))
        for side, who in zip(sides, responders, strict=True)
    ]
    assert_one_acknowledgement(services, at_once(*calls), responders)


def test_responders_sharing_one_process_record_exactly_one(services: Services) -> None:
    declare(services)
    outcomes = at_once(
        lambda: services.incidents.acknowledge(1, actor="alice"),
        lambda: services.incidents.acknowledge(1, actor="bob"),
    )
    assert_one_acknowledgement(services, outcomes, ["alice", "bob"])
