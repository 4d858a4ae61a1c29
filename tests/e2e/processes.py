"""Starting ``tocsin`` as a user does, for the end-to-end tests: the console script on a data directory
(``Cli``), a ``tocsin serve`` process on a free loopback port (``Server``, ``serving``), and the database
such a process uses (``database_of``), on SQLite or, when ``TOCSIN_TEST_DATABASE_URL`` is set, PostgreSQL.
"""

from __future__ import annotations

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
