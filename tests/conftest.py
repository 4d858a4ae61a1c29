"""Shared fixtures: a real database per test (SQLite by default, PostgreSQL when
``TOCSIN_TEST_DATABASE_URL`` is set), a fake clock, the services, and the real app over HTTP in-process."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import text

from tocsin.clock import FakeClock
from tocsin.domain.severity import DEFAULT_SCHEME
from tocsin.services.container import Services, build_services
from tocsin.services.tokens import ApiRole
from tocsin.store import migrate, severities
from tocsin.store.db import Database
from tocsin.store.tables import metadata
from tocsin.web.app import create_app
from tocsin.web.inprocess import in_process_client

PG_URL = os.environ.get("TOCSIN_TEST_DATABASE_URL")

# Property tests explore widely on a developer's machine; in CI they replay a fixed sequence so a red run
# always means a real regression. No deadline: the CI machine runs two databases' suites on two cores.
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", parent=settings.get_profile("dev"), derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def pytest_report_header() -> str:
    return f"tocsin test database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite (per-test file)'}"


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per session: a SQLite file to copy per test, or the PostgreSQL database itself."""
    if PG_URL:
        db = Database(PG_URL)
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        migrate.upgrade(db)
        db.dispose()
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "tocsin.db"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db)
    db.dispose()
    return str(path)


def _reset_postgres(db: Database) -> None:
    names = ", ".join(t.name for t in metadata.sorted_tables)
    with db.write() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        severities.replace_scheme(conn, DEFAULT_SCHEME)


@pytest.fixture
def database_url(_migrated_template: str, tmp_path: Path) -> str:
    if PG_URL:
        return PG_URL
    target = tmp_path / "tocsin.db"
    shutil.copy(_migrated_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    if PG_URL:
        _reset_postgres(database)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def services(db: Database, clock: FakeClock) -> Services:
    return build_services(db, clock)


@pytest.fixture
def app_client(services: Services) -> Iterator[Callable[..., httpx.Client]]:
    """``app_client(role)`` → an HTTP client of the real app holding a fresh token with that role."""
    app = create_app(services)
    clients: list[httpx.Client] = []

    def make(role: str = "admin") -> httpx.Client:
        _, secret = services.tokens.create(f"test-{role}-{len(clients)}", ApiRole(role))
        client = in_process_client(app, headers={"Authorization": f"Bearer {secret}"})
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def api(app_client: Callable[..., httpx.Client]) -> httpx.Client:
    """An admin client of the real app."""
    return app_client("admin")
