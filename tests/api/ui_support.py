"""Helpers for the UI, role and status page tests: accounts with fast password hashing, a signed-in
browser client of the real app, and the real app served over a socket (for server-sent events and the
browser)."""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import text

from tests.e2e.alertmanager import free_port
from tocsin.clock import FakeClock
from tocsin.domain.severity import DEFAULT_SCHEME
from tocsin.services.container import Services, build_services
from tocsin.services.tokens import ApiRole
from tocsin.store import severities
from tocsin.store.db import Database
from tocsin.store.tables import metadata
from tocsin.web.inprocess import in_process_client

PG_URL = os.environ.get("TOCSIN_TEST_DATABASE_URL")

PASSWORD = "correct horse battery staple"
# The real hasher costs ~0.3 s a check on a shared CI core; the tests check behaviour, not cost.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def fast_accounts(services: Services) -> Services:
    """Make password hashing cheap for a test's accounts (hashes stay argon2id)."""
    services.accounts.hasher = FAST_HASHER
    return services


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found[1]


@dataclass
class Browser:
    """An HTTP client that behaves like a signed-in browser: it keeps cookies and sends form tokens."""

    http: httpx.Client
    csrf: str = ""

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return self.http.get(path, **kwargs)  # type: ignore[arg-type]

    def post_form(
        self, path: str, data: dict[str, str] | None = None, *, htmx: bool = False
    ) -> httpx.Response:
        """Post a form as the page would: with the session's CSRF token (in the header, for htmx)."""
        if htmx:
            headers = {"HX-Request": "true", "X-CSRF-Token": self.csrf}
            return self.http.post(path, data=data or {}, headers=headers)
        return self.http.post(path, data={"csrf_token": self.csrf, **(data or {})})


def sign_in(http: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
    """Fill in and send the sign-in form, as a person would."""
    form = http.get("/login")
    return http.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_of(form.text),
            "next": "/incidents",
        },
    )


def browser(app: FastAPI, services: Services, role: str, *, username: str | None = None) -> Browser:
    """A client of ``app`` signed in as a new account with ``role`` (its own password, not one-time)."""
    name = username or f"{role}-user"
    services.accounts.create(name, ApiRole(role), password=PASSWORD)
    http = in_process_client(app)
    signed = sign_in(http, name)
    assert signed.status_code == 303, signed.text
    page = http.get("/account")
    return Browser(http, csrf_of(page.text))


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def scratch_services(template: str, directory: Path) -> Iterator[Services]:
    """Services over a database of their own, for a module of tests that share one app (and its server).

    ``template`` is the conftest's migrated template: a SQLite file to copy, or the PostgreSQL URL, whose
    tables are emptied first as the per-test fixture does.
    """
    if PG_URL:
        db = Database(PG_URL)
        with db.write() as conn:
            conn.execute(
                text(f"TRUNCATE {', '.join(t.name for t in metadata.sorted_tables)} RESTART IDENTITY CASCADE")
            )
            severities.replace_scheme(conn, DEFAULT_SCHEME)
    else:
        target = directory / "tocsin.db"
        shutil.copy(template, target)
        db = Database(f"sqlite:///{target}")
    services = fast_accounts(build_services(db, FakeClock()))
    try:
        yield services
    finally:
        services.close()
