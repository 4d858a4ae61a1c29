"""The real ``tocsin`` console script, run as a user runs it: on the local database, then against a real
server with a token. Also home to the helpers that start ``tocsin`` processes for the other e2e tests.
"""

from __future__ import annotations

import getpass
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.alertmanager import free_port
from tocsin.store.db import Database

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

TOCSIN = Path(sys.executable).parent / "tocsin"
PG_URL = os.environ.get("TOCSIN_TEST_DATABASE_URL")
COMMAND_TIMEOUT = 60  # seconds; a command that hangs fails the test instead of the suite


def tocsin_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a user whose tocsin keeps its data in ``data_dir`` (or the test PostgreSQL).

    Every ``TOCSIN_*`` variable of the test run is dropped so nothing leaks in from the outside.
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith("TOCSIN_")}
    env["TOCSIN_DATA_DIR"] = str(data_dir)
    if PG_URL:
        env["TOCSIN_DATABASE_URL"] = PG_URL
    return env | extra


def database_of(data_dir: Path) -> Database:
    """The database the processes started with :func:`tocsin_env` use, opened from the test."""
    return Database(PG_URL or f"sqlite:///{(data_dir / 'tocsin.db').resolve()}")


@dataclass
class Cli:
    """Runs ``tocsin ...`` with a fixed environment and checks its exit status."""

    env: dict[str, str]

    def run(self, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(TOCSIN), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        assert done.returncode == expect, (
            f"tocsin {' '.join(args)} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
        )
        return done

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--json").stdout)

    def fails(self, *args: str) -> str:
        """Run a command that must fail the way users are promised: exit 1 and one ``error:`` line."""
        done = self.run(*args, expect=1)
        lines = done.stderr.splitlines()
        assert len(lines) == 1, done.stderr
        assert lines[0].startswith("error: "), done.stderr
        assert done.stdout == ""
        return lines[0]

    def fail_all(self, *commands: Sequence[str]) -> list[str]:
        """:meth:`fails` for independent commands, run side by side (each start costs a second)."""
        with ThreadPoolExecutor(len(commands)) as pool:
            return list(pool.map(lambda command: self.fails(*command), commands))


@dataclass
class Server:
    """A ``tocsin serve`` process on a free port; its output goes to a log file beside the data."""

    env: dict[str, str]
    log_path: Path
    args: tuple[str, ...] = ()
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> Server:
        """Start the server and wait until ``/health/ready`` answers ready."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(TOCSIN), "serve", "--port", str(self.port), *self.args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"tocsin serve exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/health/ready", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        pytest.fail(f"tocsin serve was not ready within {timeout} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, as in a crash or an OOM kill."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Ask politely (SIGTERM), then kill; always leaves no process behind."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


@contextmanager
def serving(env: dict[str, str], log_path: Path, *args: str) -> Iterator[Server]:
    server = Server(env, log_path, args)
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def cli(tmp_path: Path, db: Database) -> Cli:
    """A user's CLI on a fresh data directory (``db`` resets the PostgreSQL test database when in use)."""
    return Cli(tocsin_env(tmp_path / "data"))


def test_the_incident_lifecycle_from_the_command_line(cli: Cli) -> None:
    declared = cli.json(
        "incident", "declare", "Checkout is down", "--severity", "P0",
        "--service", "checkout", "--service", "payments",
        "--summary", "500s on /checkout", "--commander", "bob", "--customer-facing",
    )  # fmt: skip
    assert (declared["id"], declared["severity"], declared["state"]) == ("INC-1", "SEV1", "triggered")
    assert declared["services"] == ["checkout", "payments"]
    assert declared["roles"] == {"commander": "bob"}
    assert declared["customer_facing"] is True

    listed = cli.json("incident", "list")
    assert listed["total"] == 1
    assert [item["id"] for item in listed["items"]] == ["INC-1"]

    acked = cli.json("incident", "ack", "INC-1")
    assert acked["state"] == "acknowledged"
    assert acked["acknowledged_by"] == f"cli:{getpass.getuser()}"
    assert "already acknowledged" in cli.fails("incident", "ack", "INC-1")

    said = cli.run("incident", "state", "INC-1", "investigating", "--note", "primary DB").stdout
    assert said.strip() == "INC-1 is now investigating."
    assert cli.json("incident", "severity", "inc-1", "SEV2")["severity"] == "SEV2"
    assert cli.run("incident", "assign", "1", "scribe", "dana").stdout.strip() == "INC-1: scribe is dana."
    cli.run("incident", "note", "INC-1", "Failed over to the replica.")
    assert cli.json("incident", "resolve", "INC-1", "--note", "replica promoted")["state"] == "resolved"

    shown = cli.json("incident", "show", "INC-1")
    assert (shown["state"], shown["severity"]) == ("resolved", "SEV2")
    assert shown["roles"] == {"commander": "bob", "scribe": "dana"}
    assert shown["times"]["time_to_resolve_s"] is not None
    assert [entry["kind"] for entry in shown["timeline"]] == [
        "declared", "acknowledged", "state_changed", "severity_changed", "role_assigned", "note", "state_changed",
    ]  # fmt: skip
    assert shown["timeline"][-2]["details"] == {"text": "Failed over to the replica."}
    assert shown["timeline"][-1]["details"] == {
        "from": "investigating",
        "to": "resolved",
        "note": "replica promoted",
    }


def test_bad_input_is_one_line_and_writes_nothing(cli: Cli) -> None:
    cli.run("incident", "declare", "Checkout is down", "--severity", "SEV1", "--service", "checkout")
    unknown_severity, empty_title, invalid_move, unknown_incident = cli.fail_all(
        ("incident", "declare", "Other", "--severity", "SEV9"),
        ("incident", "declare", "", "--severity", "SEV1"),
        ("incident", "state", "INC-1", "closed"),
        ("incident", "ack", "INC-7"),
    )
    assert "unknown severity 'SEV9'" in unknown_severity
    assert "title" in empty_title
    assert "cannot move an incident from triggered to closed" in invalid_move
    assert "no incident INC-7" in unknown_incident
    # What people see (tables, not JSON) shows the one incident, untouched.
    listed = cli.run("incident", "list").stdout
    assert "Incidents (1 in all)" in listed
    assert "INC-1" in listed
    assert "Checkout is down" in listed
    assert "triggered" in listed
    shown = cli.run("incident", "show", "INC-1").stdout
    assert "Timeline" in shown
    assert "declared" in shown
    assert "checkout" in shown
    assert "state_changed" not in shown


def test_the_cli_against_a_server_with_a_token(cli: Cli, tmp_path: Path) -> None:
    token = cli.json("token", "create", "--name", "e2e", "--role", "responder")["token"]
    with serving(cli.env, tmp_path / "serve.log", "--no-worker") as server:
        remote = ("--server", server.url, "--token", token)
        declared = cli.json(*remote, "incident", "declare", "API 5xx", "--severity", "SEV2")
        assert (declared["id"], declared["created_by"]) == ("INC-1", "token:e2e")
        assert cli.json(*remote, "incident", "ack", "INC-1")["acknowledged_by"] == "token:e2e"

        from_env = Cli(cli.env | {"TOCSIN_SERVER": server.url, "TOCSIN_TOKEN": token})
        assert [item["id"] for item in from_env.json("incident", "list")["items"]] == ["INC-1"]

        wrong_token, no_token, not_admin = cli.fail_all(
            ("--server", server.url, "--token", "tocsin_wrong", "incident", "list"),
            ("--server", server.url, "incident", "list"),
            (*remote, "token", "create", "--name", "sneaky", "--role", "admin"),
        )
        assert "API token is not valid" in wrong_token
        assert "needs --token" in no_token
        assert "admin role" in not_admin
    assert server.process is not None
    assert server.process.returncode is not None
    assert "cannot reach the tocsin server" in cli.fails(*remote, "incident", "list")
