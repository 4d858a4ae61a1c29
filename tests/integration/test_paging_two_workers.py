"""Two workers, each with its own connection pool, against the same PostgreSQL database and the same
incidents: escalation steps and deliveries are claimed with ``FOR UPDATE SKIP LOCKED`` and leases, so every
page is sent, and none twice. (On SQLite one process is the only writer; this needs PostgreSQL.)"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from tocsin.clock import SystemClock
from tocsin.domain.escalation import EscalationLevel, EscalationPolicy, TeamTarget
from tocsin.domain.notification import DeliveryResult, Notification
from tocsin.domain.notification_rules import NotificationRule
from tocsin.engine.delivery import DeliveryLoop, DeliveryLoopSettings, WorkerGroup
from tocsin.engine.worker import Worker, WorkerSettings
from tocsin.plugins.channels import ChannelContext
from tocsin.plugins.fakes import FakeChannel, FakeChannelConfig
from tocsin.plugins.manager import ChannelClass, build_plugin_manager, hookimpl
from tocsin.services.container import Services, build_services
from tocsin.services.delivery import DeliveryService, DeliverySettings
from tocsin.services.incidents import Declaration
from tocsin.store.db import Database
from tocsin.store.people import User

PG_URL = os.environ.get("TOCSIN_TEST_DATABASE_URL")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="two workers sharing a database need PostgreSQL"),
]

PEOPLE = [f"user{n}" for n in range(6)]
INCIDENTS = 10
PASSES = 2
PAGES = INCIDENTS * len(PEOPLE) * PASSES


class SlowFake(FakeChannel):
    """The fake channel taking a few milliseconds per message, as a receiver does, so claims overlap."""

    def send(self, notification: Notification, config: FakeChannelConfig) -> DeliveryResult:
        time.sleep(0.005)
        return super().send(notification, config)


class SlowFakePlugin:
    @hookimpl
    def tocsin_channels(self) -> list[ChannelClass]:
        return [SlowFake]


@dataclass
class WorkerProcess:
    """What one `tocsin worker` process has: its own pool, its own channel instances."""

    db: Database
    services: Services
    channel: SlowFake
    group: WorkerGroup


def make_worker(url: str) -> WorkerProcess:
    clock = SystemClock()
    registry = build_plugin_manager([SlowFakePlugin()], load_entry_points=False).build_channels(
        ChannelContext(clock)
    )
    channel = registry.get(SlowFake.kind)
    assert isinstance(channel, SlowFake)
    db = Database(url)
    services = build_services(db, clock, channels=registry)
    delivery = DeliveryService(
        db, clock, services.events, registry, services.paging.config, DeliverySettings(batch=5)
    )
    group = WorkerGroup(
        Worker(
            db,
            clock,
            services.job_handlers(),
            events=services.events,
            settings=WorkerSettings(batch=5, poll_interval=0.1),
        ),
        DeliveryLoop(
            delivery, events=services.events, settings=DeliveryLoopSettings(concurrency=4, poll_interval=0.1)
        ),
    )
    return WorkerProcess(db, services, channel, group)


@pytest.fixture
def workers(db: Database, database_url: str) -> Iterator[list[WorkerProcess]]:
    made = [make_worker(database_url), make_worker(database_url)]
    yield made
    for worker in made:
        worker.group.stop()
        worker.db.dispose()


def test_two_workers_on_the_same_incidents_send_every_page_once(workers: list[WorkerProcess]) -> None:
    setup = workers[0].services
    paging = setup.paging
    paging.channels.create("pager", SlowFake.kind, {"address": "pager"})
    for person in PEOPLE:
        paging.people.create_user(User(person, person.title(), rules=(NotificationRule("pager"),)))
    paging.people.create_team("everyone", "Everyone", PEOPLE)
    level = EscalationLevel(timedelta(seconds=1), (TeamTarget("everyone"),))
    paging.policies.create(EscalationPolicy("default", "Default", (level,), repeat=PASSES - 1))

    threads = [worker.group.start_thread() for worker in workers]
    declarers = [
        threading.Thread(
            target=lambda w=worker, n=n: w.services.incidents.declare(
                Declaration(f"Outage {n}", "SEV1"), actor="e2e"
            )
        )
        for n in range(INCIDENTS)
        for worker in workers[n % 2 : n % 2 + 1]
    ]
    for thread in declarers:
        thread.start()
    for thread in declarers:
        thread.join(timeout=30)

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and sum(len(w.channel.sent) for w in workers) < PAGES:
        time.sleep(0.1)
    time.sleep(1.5)  # room for a duplicate to show up, had anything been sent twice
    for worker in workers:
        worker.group.stop()
    for thread in threads:
        thread.join(timeout=30)

    keys = Counter(d.notification.idempotency_key for w in workers for d in w.channel.sent)
    assert [key for key, count in keys.items() if count > 1] == []
    assert len(keys) == PAGES
    assert all(w.channel.sent for w in workers), "one worker did all the work: the test proved nothing"
    recorded = sum(
        1 for n in range(1, INCIDENTS + 1) for m in setup.paging.delivery.messages(n) if m.status == "sent"
    )
    assert recorded == PAGES
