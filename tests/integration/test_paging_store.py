"""The outbox and escalation rows on the real database (SQLite, and PostgreSQL when configured): claims
lease and hand back a token, a lost lease is taken over, a result is recorded only by the lease holder,
idempotency keys hold, and the acknowledge link and the settings hold under concurrent use."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from tests.scenarios.paging_world import PagingWorld
from tocsin.clock import FakeClock
from tocsin.domain.escalation import UserTarget
from tocsin.errors import Conflict
from tocsin.services.container import Services
from tocsin.services.incidents import Declaration
from tocsin.store import outbox, policies
from tocsin.store.db import Database
from tocsin.store.outbox import NewMessage, OutboxStatus

LEASE = timedelta(seconds=30)


@pytest.fixture
def incident(services: Services) -> int:
    return services.incidents.declare(Declaration("Checkout is down", "SEV3"), actor="test").number


def message(number: int, key: str, clock: FakeClock, **fields: object) -> NewMessage:
    values: dict[str, object] = {
        "user_id": "alice",
        "channel": "email",
        "kind": "page",
        "due_at": clock.now(),
    }
    return NewMessage(idempotency_key=key, incident_number=number, **(values | fields))  # type: ignore[arg-type]


def test_a_message_decided_twice_is_written_once(db: Database, clock: FakeClock, incident: int) -> None:
    with db.write() as conn:
        assert outbox.add(conn, message(incident, "page:1:r0l0:alice:0", clock), clock.now()) is True
        assert outbox.add(conn, message(incident, "page:1:r0l0:alice:0", clock), clock.now()) is False
    with db.read() as conn:
        assert len(outbox.for_incident(conn, incident)) == 1


def test_a_claim_leases_and_only_the_holder_records(db: Database, clock: FakeClock, incident: int) -> None:
    with db.write() as conn:
        outbox.add(conn, message(incident, "k1", clock), clock.now())
        outbox.add(
            conn, message(incident, "later", clock, due_at=clock.now() + timedelta(minutes=2)), clock.now()
        )
    with db.write() as conn:
        [first] = outbox.claim_due(conn, clock.now(), limit=10, lease_for=lambda _: LEASE)
        assert outbox.claim_due(conn, clock.now(), limit=10, lease_for=lambda _: LEASE) == []  # leased
    assert (first.message.idempotency_key, first.attempt, first.recovered) == ("k1", 1, False)
    with db.read() as conn:
        # The lease runs out before the later message is due: the sender must look again then.
        assert outbox.next_due_at(conn) == clock.now() + LEASE

    clock.advance(LEASE + timedelta(seconds=1))  # the sender died: its lease runs out
    with db.write() as conn:
        [again] = outbox.claim_due(conn, clock.now(), limit=1, lease_for=lambda _: LEASE)
    assert (again.message.idempotency_key, again.attempt, again.recovered) == ("k1", 2, True)
    with db.write() as conn:
        assert outbox.mark_sent(conn, first, clock.now(), "late") is False  # the first sender lost it
        assert outbox.mark_sent(conn, again, clock.now(), "<id@x>") is True
    with db.read() as conn:
        stored = outbox.for_incident(conn, incident)[0]
    assert (stored.status, stored.reference, stored.attempts) == (OutboxStatus.SENT, "<id@x>", 2)


def test_dropping_spares_what_is_already_being_sent(db: Database, clock: FakeClock, incident: int) -> None:
    with db.write() as conn:
        for key in ("sending", "pending", "keeps"):
            outbox.add(conn, message(incident, key, clock, stops_on_ack=key != "keeps"), clock.now())
    with db.write() as conn:
        outbox.claim_due(conn, clock.now(), limit=1, lease_for=lambda _: LEASE)
        assert outbox.drop_pending(conn, incident, clock.now(), only_stops_on_ack=True) == 1
    with db.read() as conn:
        statuses = {m.idempotency_key: m.status for m in outbox.for_incident(conn, incident)}
    assert statuses == {"sending": "sending", "pending": "dropped", "keeps": "pending"}


def test_a_setting_made_by_racing_processes_is_made_once(db: Database, database_url: str) -> None:
    others = [Database(database_url) for _ in range(4)]
    seen: list[str] = []

    def make(database: Database, value: str) -> None:
        with database.write() as conn:
            seen.append(policies.setting_or_create(conn, "ack_link_secret", value))

    threads = [threading.Thread(target=make, args=(d, f"secret-{n}")) for n, d in enumerate(others)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    for database in others:
        database.dispose()
    assert len(seen) == 4
    assert len(set(seen)) == 1


def test_one_ack_link_used_twice_at_once_acknowledges_once(db: Database, clock: FakeClock) -> None:
    world = PagingWorld(db, clock)
    world.user("alice")
    world.policy((5, [UserTarget("alice")]))
    world.declare("SEV1")
    world.at(0)
    [page] = world.received()
    assert page.ack_url is not None
    token = page.ack_url.rsplit("/", 1)[1]
    outcomes: list[str] = []

    def use() -> None:
        try:
            world.paging.acks.acknowledge_by_link(token)
            outcomes.append("acknowledged")
        except Conflict as refused:
            outcomes.append(refused.code)

    threads = [threading.Thread(target=use) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes.count("acknowledged") == 1
    assert set(outcomes) - {"acknowledged"} <= {"ack_link_used", "already_acknowledged"}
    acknowledged = [e for e in world.services.incidents.timeline(1) if e.kind == "acknowledged"]
    assert len(acknowledged) == 1
