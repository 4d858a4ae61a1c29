"""Kill the server with SIGKILL while declares are in flight, start it again on the same data: every
incident that exists is whole (its declaration on the timeline, its deadlines scheduled, its services
indexed), every declare that was answered 201 survived, and the server is ready."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from tests.e2e.processes import PG_URL, Server, database_of, tocsin_env
from tocsin.app import open_runtime
from tocsin.config import Settings
from tocsin.services.targets import JOB_KIND as TARGET_JOB
from tocsin.services.tokens import ApiRole
from tocsin.store.db import Database
from tocsin.store.schema import incident_services, incidents, jobs, timeline_entries

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

ANSWERED_BEFORE_KILL = 30  # declares answered 201 before the kill: enough to be mid-stream


@dataclass
class Firehose:
    """Threads declaring incidents as fast as the server answers, until told to stop."""

    url: str
    token: str
    answered: list[str] = field(default_factory=list)  # ids the server said it created
    cut_off: int = 0  # requests sent but never answered: the server died holding them
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.url, headers=headers, timeout=5) as client:
            n = 0
            while not self.stop.is_set():
                n += 1
                body = {
                    "title": f"{threading.current_thread().name} #{n}",
                    "severity": "SEV1",
                    "services": ["api"],
                }
                try:
                    response = client.post("/api/v1/incidents", json=body)
                except httpx.ConnectError:
                    time.sleep(0.05)  # the server is gone; wait for the test to stop us
                    continue
                except httpx.TransportError:
                    with self.lock:
                        self.cut_off += 1
                    continue
                assert response.status_code == 201, response.text
                with self.lock:
                    self.answered.append(response.json()["id"])


def admin_token(data_dir: Path) -> str:
    """A token made the way ``tocsin token create`` makes it, on the same data."""
    runtime = open_runtime(Settings(data_dir=data_dir, database_url=PG_URL))
    try:
        return runtime.services.tokens.create("crash-test", ApiRole.ADMIN)[1]
    finally:
        runtime.close()


def half_written(database: Database) -> dict[str, int]:
    """Incidents missing any part that their declaration writes in the same transaction."""
    numbers = select(incidents.c.id)
    with database.read() as conn:
        declared = select(timeline_entries.c.incident_id).where(timeline_entries.c.kind == "declared")
        indexed = select(incident_services.c.incident_id)
        target_jobs = select(jobs.c.payload).where(jobs.c.kind == TARGET_JOB)
        deadlines = [payload["incident"] for payload in conn.execute(target_jobs).scalars()]
        all_numbers = set(conn.execute(numbers).scalars())
        return {
            "without a declared entry": len(all_numbers - set(conn.execute(declared).scalars())),
            "without their service index": len(all_numbers - set(conn.execute(indexed).scalars())),
            "without both deadline jobs": sum(1 for n in all_numbers if deadlines.count(n) != 2),
            "incidents": conn.execute(select(func.count()).select_from(incidents)).scalar_one(),
        }


def test_a_killed_server_leaves_no_half_written_incident(tmp_path: Path, db: Database) -> None:
    env = tocsin_env(tmp_path / "data")
    token = admin_token(tmp_path / "data")
    server = Server(env, tmp_path / "serve.log")
    restarted = Server(env, tmp_path / "serve.log")
    firehose = Firehose(server.url, token)
    threads = [threading.Thread(target=firehose.run, name=f"declarer-{n}") for n in range(3)]
    try:
        server.start()
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while len(firehose.answered) < ANSWERED_BEFORE_KILL and time.monotonic() < deadline:
            time.sleep(0.01)
        server.kill()
        firehose.stop.set()
        for thread in threads:
            thread.join(timeout=15)
        assert len(firehose.answered) >= ANSWERED_BEFORE_KILL, server.log()
        assert firehose.cut_off >= 1  # the kill did land mid-request

        restarted.start()  # start() waits for /health/ready to answer 200
        ready = httpx.get(f"{restarted.url}/health/ready", timeout=5).json()
        assert ready["status"] == "ready"

        api = httpx.Client(base_url=restarted.url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        with api:
            listed = api.get("/api/v1/incidents", params={"limit": 500}).json()
            survivors = {item["id"] for item in listed["items"]}
            assert listed["total"] == len(survivors)
            assert set(firehose.answered) <= survivors  # a 201 means committed
            for incident_id in sorted(survivors)[:: max(1, len(survivors) // 10)]:
                first = api.get(f"/api/v1/incidents/{incident_id}/timeline").json()[0]
                assert first["kind"] == "declared"
    finally:
        firehose.stop.set()
        server.kill()
        restarted.stop()

    database = database_of(tmp_path / "data")
    try:
        report = half_written(database)
    finally:
        database.dispose()
    assert report == {
        "without a declared entry": 0,
        "without their service index": 0,
        "without both deadline jobs": 0,
        "incidents": len(survivors),
    }
