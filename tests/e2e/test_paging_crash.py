"""Kill ``tocsin worker`` with SIGKILL while it is delivering pages to a real SMTP server, start it again:
every page arrives, and none is lost.

Exactly once cannot be promised over SMTP: a sender killed after the server accepted a message (its
``250``) but before the sender recorded it sends it again after a restart. tocsin keeps that window to one
SMTP answer and one commit, and a repeat carries the same Message-ID, so mail systems and people can tell.
The test asserts nothing is lost, that any repeat is the same message (same Message-ID, recipient and
subject), and that repeats are bounded by what was in flight; it prints how many there were.
"""

from __future__ import annotations

import signal
import subprocess
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.e2e.paging_smtp import Sink, smtp_sink, wait_until
from tests.e2e.processes import PG_URL, TOCSIN, Cli, database_of, tocsin_env
from tocsin.app import open_runtime
from tocsin.config import Settings
from tocsin.domain.escalation import EscalationLevel, EscalationPolicy, TeamTarget
from tocsin.engine.delivery import DeliveryLoopSettings
from tocsin.services.incidents import Declaration
from tocsin.store.db import Database
from tocsin.store.people import User
from tocsin.store.schema import timeline_entries
from tocsin.store.schema_paging import outbox

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

PEOPLE = [f"user{n:02d}" for n in range(12)]
INCIDENTS = 2
PAGES = len(PEOPLE) * INCIDENTS
KILL_AFTER = 6  # pages received before the kill: well into the stream, far from its end


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([str(TOCSIN), "worker"], env=env, stdout=out, stderr=subprocess.STDOUT)


def set_up(data_dir: Path, sink: Sink) -> None:
    """Paging configured and the incidents declared on the worker's database, as the CLI would do it."""
    runtime = open_runtime(Settings(data_dir=data_dir, database_url=PG_URL))
    try:
        paging = runtime.services.paging
        settings = dict(setting.split("=", 1) for setting in sink.channel_settings(timeout=2)[1::2])
        paging.channels.create("email", "email", settings)
        for person in PEOPLE:
            paging.people.create_user(User(person, person.title(), f"{person}@example.org"))
        paging.people.create_team("everyone", "Everyone", PEOPLE)
        level = EscalationLevel(timedelta(hours=1), (TeamTarget("everyone"),))
        paging.policies.create(EscalationPolicy("default", "Default", (level,)))
        for n in range(INCIDENTS):
            runtime.services.incidents.declare(Declaration(f"Outage {n + 1}", "SEV1"), actor="e2e")
    finally:
        runtime.close()


def test_a_worker_killed_mid_delivery_loses_no_page(tmp_path: Path, db: Database) -> None:
    cli = Cli(tocsin_env(tmp_path / "data"))
    processes: list[subprocess.Popen[bytes]] = []
    with smtp_sink(delay=0.5) as sink:
        try:
            set_up(tmp_path / "data", sink)  # decided while no worker runs: the pages wait in the database
            processes.append(start_worker(cli.env, tmp_path / "worker.log"))
            sink.wait_for(KILL_AFTER, what="pages before the kill")
            processes[0].send_signal(signal.SIGKILL)
            processes[0].wait(timeout=10)
            at_kill = len(sink.received())
            assert at_kill < PAGES, "the kill came after every page had gone out: nothing was tested"

            processes.append(start_worker(cli.env, tmp_path / "worker.log"))

            def all_arrived() -> bool:
                return len({r.message_id for r in sink.received()}) == PAGES

            # The killed worker's leases run out (its send timeout plus a margin) before they are taken over.
            wait_until(all_arrived, timeout=90, what=f"all {PAGES} pages after the restart")
            wait_until(lambda: _recorded(tmp_path) == PAGES, timeout=30, what="every delivery recorded")
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
                    process.wait(timeout=10)
        received = sink.received()

    by_id = Counter(r.message_id for r in received)
    assert len(by_id) == PAGES
    assert {(r.recipient, r.subject) for r in received} == {
        (f"{p}@example.org", f"[Page] SEV1 INC-{n + 1}: Outage {n + 1}")
        for p in PEOPLE
        for n in range(INCIDENTS)
    }
    repeats = {mid: count for mid, count in by_id.items() if count > 1}
    for message_id in repeats:
        copies = {(r.recipient, r.subject) for r in received if r.message_id == message_id}
        assert len(copies) == 1, f"{message_id} was reused for different messages: {copies}"
    assert sum(count - 1 for count in repeats.values()) <= DeliveryLoopSettings().concurrency
    print(f"\n{PAGES} pages, {at_kill} received before the kill, {len(repeats)} sent twice (same Message-ID)")


def _recorded(tmp_path: Path) -> int:
    database = database_of(tmp_path / "data")
    try:
        with database.read() as conn:
            statuses = conn.execute(select(outbox.c.status)).scalars().all()
            sent = conn.execute(
                select(timeline_entries.c.id).where(timeline_entries.c.kind == "notification_sent")
            ).all()
        assert set(statuses) <= {"pending", "sending", "sent"}, statuses
        return min(statuses.count("sent"), len(sent))
    finally:
        database.dispose()
