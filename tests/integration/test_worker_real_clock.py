"""The worker on the real clock, in its own thread, as ``tocsin serve`` runs it: a one-second response
target is missed, and the miss lands on the timeline within moments, once."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta

from tocsin.clock import SystemClock
from tocsin.domain.severity import DEFAULT_SCHEME, SeverityScheme
from tocsin.domain.timeline import TimelineEntry
from tocsin.engine.worker import Worker, WorkerSettings
from tocsin.services.container import build_services
from tocsin.services.incidents import Declaration
from tocsin.store.db import Database

TARGET = timedelta(seconds=1)


def test_a_short_response_target_is_recorded_missed_by_the_running_worker(db: Database) -> None:
    services = build_services(db, SystemClock())
    sev1 = replace(DEFAULT_SCHEME.levels[0], response_target=TARGET)
    services.severities.replace(SeverityScheme(levels=(sev1, *DEFAULT_SCHEME.levels[1:])))
    worker = Worker(
        db,
        services.clock,
        services.job_handlers(),
        events=services.events,
        settings=WorkerSettings(poll_interval=0.2),
    )
    thread = worker.start_thread()
    try:
        incident = services.incidents.declare(Declaration("Checkout is down", "SEV1"), actor="alertmanager")
        deadline = time.monotonic() + 10
        misses: list[TimelineEntry] = []
        while not misses and time.monotonic() < deadline:
            time.sleep(0.05)
            misses = [e for e in services.incidents.timeline(incident.number) if e.kind == "target_missed"]
        assert misses, "no target_missed entry within 10 s of a 1 s target"
        time.sleep(0.5)  # give a duplicate the chance to appear
    finally:
        worker.stop()
        thread.join(timeout=10)
    assert not thread.is_alive()
    [miss] = [e for e in services.incidents.timeline(incident.number) if e.kind == "target_missed"]
    late_by = miss.at - incident.started_at
    assert TARGET <= late_by < TARGET + timedelta(seconds=3)
    assert (miss.details["target"], miss.details["severity"], miss.details["target_s"]) == (
        "response",
        "SEV1",
        1,
    )
