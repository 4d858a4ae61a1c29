"""The composition root: settings in, a running tocsin out (store, clock, services, web app, worker)."""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from tocsin.clock import Clock, SystemClock
from tocsin.config import Settings
from tocsin.engine.delivery import DeliveryLoop, WorkerGroup
from tocsin.engine.worker import Worker, WorkerSettings
from tocsin.services.container import Services, build_services
from tocsin.services.paging_common import PagingConfig
from tocsin.services.tokens import Principal
from tocsin.store import migrate
from tocsin.store.db import Database
from tocsin.web.app import create_app

__all__ = ["Runtime", "open_runtime", "serve"]

log = logging.getLogger("tocsin")


@dataclass
class Runtime:
    settings: Settings
    services: Services

    def web_app(self, *, local_principal: Principal | None = None) -> FastAPI:
        return create_app(self.services, local_principal=local_principal)

    def worker(self) -> WorkerGroup:
        """The job worker and the outbox's delivery loop, run together."""
        settings = WorkerSettings(poll_interval=self.settings.worker_poll_interval)
        worker = Worker(
            self.services.db,
            self.services.clock,
            self.services.job_handlers(),
            events=self.services.events,
            settings=settings,
        )
        return WorkerGroup(worker, DeliveryLoop(self.services.paging.delivery, events=self.services.events))

    def close(self) -> None:
        self.services.close()


def open_runtime(settings: Settings, *, clock: Clock | None = None, upgrade: bool = True) -> Runtime:
    """Open the database (creating the data directory for SQLite) and build every service over it."""
    db_url = settings.resolved_database_url()
    if settings.database_url is None:
        settings.ensure_data_dir()
    db = Database(db_url)
    if upgrade and not migrate.is_current(db):
        log.info("upgrading the database schema to %s", migrate.head_revision())
        migrate.upgrade(db)
    paging = PagingConfig(public_url=settings.public_url())
    services = build_services(db, clock or SystemClock(), paging=paging)
    services.statuspage.public_url = settings.public_url()
    return Runtime(settings=settings, services=services)


def serve(runtime: Runtime, *, with_worker: bool = True) -> None:
    """Serve the web app (and the worker in-process) until interrupted."""
    settings = runtime.settings
    first_admin = runtime.services.accounts.ensure_first_admin()
    if first_admin is not None:
        account, password = first_admin
        print(
            f"First run: created the web UI account '{account.username}' (admin). Its one-time password, "
            f"shown only now, is: {password}\n  sign in at {settings.public_url()}/login and choose your own.",
            flush=True,
        )
    worker = runtime.worker() if with_worker else None
    if worker is not None:
        worker.start_thread()
    config = uvicorn.Config(
        runtime.web_app(),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        proxy_headers=True,
        timeout_graceful_shutdown=10,
    )
    # Everything built so far lives as long as the process. Freezing it keeps the collector's full passes
    # from walking it again and again: during an alert storm each took 100-200 ms, stalling every request.
    gc.collect()
    gc.freeze()
    try:
        uvicorn.Server(config).run()
    finally:
        if worker is not None:
            worker.stop()
        runtime.close()
