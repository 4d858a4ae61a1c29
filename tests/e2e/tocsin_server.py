"""A real ``tocsin serve`` on a free loopback port, with an admin API client, for the e2e tests of alert ingest.

``running_tocsin(tmp_path)`` makes an admin token with the real CLI, starts the server (no worker: these
tests only need ingest) and stops it (and only it) on exit. ``wait_until`` polls for what a user would
eventually see, with a deadline, so a slow peer fails the test with the last thing seen.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tests.e2e.processes import Cli, Server, serving, tocsin_env

T = TypeVar("T")


@dataclass
class RunningTocsin:
    server: Server
    api: httpx.Client  # an admin client of the server's REST API

    @property
    def url(self) -> str:
        return self.server.url

    def create_integration(self, source: str, name: str, **settings: Any) -> str:
        """Create an integration through the API; returns its key."""
        body = {"name": name, "source": source, "settings": settings}
        response = self.api.post("/api/v1/integrations", json=body)
        assert response.status_code == 201, response.text
        key: str = response.json()["key"]
        return key

    def incidents(self) -> list[dict[str, Any]]:
        """Every incident, oldest first."""
        items: list[dict[str, Any]] = self.api.get("/api/v1/incidents", params={"limit": 500}).json()["items"]
        return list(reversed(items))

    def alerts(self, incident_id: str) -> list[dict[str, Any]]:
        page = self.api.get(f"/api/v1/incidents/{incident_id}/alerts", params={"limit": 1000}).json()
        items: list[dict[str, Any]] = page["items"]
        return items

    def timeline(self, incident_id: str, kind: str) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self.api.get(f"/api/v1/incidents/{incident_id}/timeline").json()
        return [entry for entry in entries if entry["kind"] == kind]


def wait_until(probe: Callable[[], T | None], *, timeout: float = 30.0, what: str) -> T:
    """The first truthy value ``probe`` returns, polling until ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout} s (last seen: {last!r})")


@contextmanager
def running_tocsin(workdir: Path) -> Iterator[RunningTocsin]:
    workdir.mkdir(parents=True, exist_ok=True)  # on PostgreSQL, nothing else creates it
    cli = Cli(tocsin_env(workdir / "data"))
    token = cli.json("token", "create", "--name", "e2e-admin", "--role", "admin")["token"]
    with (
        serving(cli.env, workdir / "serve.log", "--no-worker") as server,
        httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10) as api,
    ):
        yield RunningTocsin(server, api)
