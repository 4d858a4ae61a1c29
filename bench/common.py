"""What the benchmarks share: a lean HTTP load generator, and the processes they measure.

The load generator is a minimal HTTP/1.1 keep-alive client on asyncio streams. On a 2-core machine the
client shares the CPU with the server it measures, so it must cost as little as possible: bodies are
serialised before the clock starts, and no HTTP library parses headers it does not need.

``TocsinServer`` runs ``tocsin serve`` (the real console script) on a free loopback port over a data
directory or a database URL; ``Alertmanager`` runs Debian's ``prometheus-alertmanager`` as a reference.
Both are stopped (and only they) on exit; peak RSS is read from ``/proc/<pid>/status`` (``VmHWM``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

__all__ = [
    "Alertmanager",
    "LoadResult",
    "Request",
    "TocsinServer",
    "free_port",
    "peak_rss_mb",
    "run_load",
]

TOCSIN = Path(sys.executable).parent / "tocsin"
ALERTMANAGER = shutil.which("prometheus-alertmanager")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def peak_rss_mb(pid: int) -> float | None:
    """The peak resident set size of a running process, in MB (Linux ``VmHWM``), if readable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


# --- the load generator ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One POST: its path, its body, and how many alerts it carries (what "accepted" counts)."""

    path: str
    body: bytes
    alerts: int = 1


@dataclass
class LoadResult:
    sent: int = 0
    accepted_alerts: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    retries: int = 0
    unfinished: int = 0

    @property
    def alerts_per_second(self) -> float:
        return self.accepted_alerts / self.seconds if self.seconds else 0.0

    @property
    def requests_per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile_ms(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        if len(self.latencies) == 1:
            return self.latencies[0] * 1000
        return statistics.quantiles(self.latencies, n=1000, method="inclusive")[round(q * 1000) - 1] * 1000


class _Connection:
    """One keep-alive HTTP/1.1 connection that sends a POST and reads the whole answer."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._head = f"Host: {host}:{port}\r\nContent-Type: application/json\r\nUser-Agent: tocsin-bench\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = f"POST {path} HTTP/1.1\r\n{self._head}Content-Length: {len(body)}\r\n\r\n"
        self.writer.write(head.encode() + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split()[1])
        length, chunked, close = 0, False, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = b"close" in value.lower()
        answer = await self._chunked() if chunked else await self.reader.readexactly(length)
        if close:
            await self.close()
        return status, answer

    async def _chunked(self) -> bytes:
        assert self.reader is not None
        parts: list[bytes] = []
        while (size := int((await self.reader.readline()).split(b";")[0], 16)) > 0:
            parts.append(await self.reader.readexactly(size))
            await self.reader.readline()
        await self.reader.readline()
        return b"".join(parts)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def _load(
    host: str, port: int, requests: Sequence[Request], connections: int, time_limit: float
) -> LoadResult:
    result = LoadResult()
    position = 0
    deadline = time.perf_counter() + time_limit

    async def worker() -> None:
        nonlocal position
        conn = _Connection(host, port)
        try:
            while position < len(requests) and time.perf_counter() < deadline:
                request = requests[position]
                position += 1
                await _send(conn, request, result, deadline)
        finally:
            await conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    result.seconds = time.perf_counter() - started
    result.unfinished = len(requests) - position
    return result


async def _send(conn: _Connection, request: Request, result: LoadResult, deadline: float) -> None:
    """Send until accepted; a 503 is retried after a pause, as Alertmanager and PagerDuty clients do."""
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        status, _ = await conn.post(request.path, request.body)
        result.statuses[status] += 1
        if status == 503:
            result.retries += 1
            await asyncio.sleep(0.05)
            continue
        result.latencies.append(time.perf_counter() - started)
        result.sent += 1
        if 200 <= status < 300:
            result.accepted_alerts += request.alerts
        return


def run_load(
    base_url: str, requests: Sequence[Request], *, connections: int, time_limit: float = 120.0
) -> LoadResult:
    """POST ``requests`` in order over ``connections`` keep-alive connections; stop at ``time_limit`` s."""
    url = httpx.URL(base_url)
    port = url.port or 80
    return asyncio.run(_load(url.host, port, requests, connections, time_limit))


# --- the processes ---------------------------------------------------------------------------------------


def _wait_ready(process: subprocess.Popen[bytes], url: str, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url}: not ready within {timeout} s:\n{log.read_text(errors='replace')}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


class TocsinServer:
    """``tocsin serve`` in a subprocess: on SQLite in ``workdir``, or on ``database_url``."""

    def __init__(self, workdir: Path, database_url: str | None = None) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {key: value for key, value in os.environ.items() if not key.startswith("TOCSIN_")}
        env |= {"TOCSIN_DATA_DIR": str(workdir / "data"), "TOCSIN_LOG_LEVEL": "warning"}
        if database_url:
            env["TOCSIN_DATABASE_URL"] = database_url
        self.env = env
        self.log = workdir / "serve.log"
        self.process: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> object:
        """Run ``tocsin ARGS --json`` on the server's database and return what it printed."""
        done = subprocess.run(
            [str(TOCSIN), *args, "--json"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return json.loads(done.stdout)

    def __enter__(self) -> TocsinServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(TOCSIN), "serve", "--port", str(self.port)], env=self.env, stdout=log, stderr=log
            )
        _wait_ready(self.process, f"{self.url}/health/ready", self.log)
        return self

    def peak_rss_mb(self) -> float | None:
        return peak_rss_mb(self.process.pid) if self.process else None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.process is not None:
            _stop(self.process)


class Alertmanager:
    """Debian's Alertmanager with a route that groups like the benchmark and notifies nobody."""

    CONFIG = """
route:
  receiver: nobody
  group_by: ['alertname', 'service']
  group_wait: 30s
  group_interval: 5m
receivers:
  - name: nobody
"""

    def __init__(self, workdir: Path) -> None:
        if ALERTMANAGER is None:
            raise RuntimeError(
                "prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)"
            )
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "alertmanager.log"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Alertmanager:
        assert ALERTMANAGER is not None
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "alertmanager.yml"
        config.write_text(self.CONFIG)
        command = [
            ALERTMANAGER,
            f"--config.file={config}",
            f"--storage.path={self.workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--cluster.listen-address=",
        ]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=log)
        _wait_ready(self.process, f"{self.url}/-/ready", self.log)
        return self

    def peak_rss_mb(self) -> float | None:
        return peak_rss_mb(self.process.pid) if self.process else None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.process is not None:
            _stop(self.process)
