"""The public status page under a traffic spike: ``/status`` and ``/status/api/v2/summary.json``.

A ``tocsin serve`` subprocess (SQLite) is given a realistic page over its API: 8 components linked to
services, 40 resolved customer-facing incidents with public updates, 2 open ones, and a maintenance
window. From this process, over loopback, 50 keep-alive clients then request the HTML page and the JSON
summary in turn for a fixed time (every answer must be 200 with a body). Reported: requests/s and
p50/p99 latency; the targets (issue 6) are at least 2,000 requests/s with p99 under 50 ms on 2 cores.

Run: ``.venv/bin/python bench/statuspage.py`` (``--help`` for the knobs); ``make bench`` runs it with the
others. Exit status 1 when a target is missed. Figures go to ``bench/results/statuspage.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from common import TocsinServer

PATHS = ("/status", "/status/api/v2/summary.json")
TARGET_RPS = 2000.0
TARGET_P99_MS = 50.0
RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Result:
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    bytes: int = 0

    @property
    def requests_per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile_ms(self, q: float) -> float:
        cuts = statistics.quantiles(self.latencies, n=1000, method="inclusive")
        return cuts[round(q * 1000) - 1] * 1000


class _Connection:
    """One keep-alive HTTP/1.1 connection sending GETs; it reads only what it needs of each answer."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, int]:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\nUser-Agent: tocsin-bench\r\n\r\n".encode()
        )
        status = int((await self.reader.readline()).split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        body = await self.reader.readexactly(length)
        return status, len(body)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()


async def _load(host: str, port: int, clients: int, seconds: float) -> Result:
    result = Result()
    deadline = time.perf_counter() + seconds

    async def client(index: int) -> None:
        conn = _Connection(host, port)
        turn = index
        try:
            while time.perf_counter() < deadline:
                path = PATHS[turn % len(PATHS)]
                turn += 1
                started = time.perf_counter()
                status, size = await conn.get(path)
                result.latencies.append(time.perf_counter() - started)
                result.statuses[status] += 1
                result.bytes += size
        finally:
            await conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    result.seconds = time.perf_counter() - started
    return result


def _seed(url: str, token: str, incidents: int) -> None:
    """A page as a real team has it: components, a history of incidents with updates, open ones."""
    with httpx.Client(
        base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as api:
        api.patch("/status/page", json={"name": "Example Co"}).raise_for_status()
        services = ["api", "web", "checkout", "payments", "search", "auth", "notify", "reports"]
        ids = [
            api.post("/status/components", json={"name": s.title(), "services": [s]}).json()["id"]
            for s in services
        ]
        for n in range(incidents + 2):
            body = {"title": f"Incident {n}: elevated errors", "severity": ("SEV1", "SEV2", "SEV3")[n % 3],
                    "services": [services[n % len(services)]], "customer_facing": True}  # fmt: skip
            number = api.post("/incidents", json=body).json()["number"]
            for status in ("investigating", "identified", "monitoring"):
                update = {"status": status, "body": f"Update on incident {n}: {status}."}
                api.post(f"/incidents/{number}/public-updates", json=update).raise_for_status()
            if n < incidents:
                api.post(f"/incidents/{number}/resolve", json={}).raise_for_status()
        start = datetime.now(UTC) + timedelta(days=1)
        window = {"name": "Database upgrade", "scheduled_for": start.isoformat(),
                  "scheduled_until": (start + timedelta(hours=1)).isoformat(), "components": ids[:2]}  # fmt: skip
        api.post("/status/maintenances", json=window).raise_for_status()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--incidents", type=int, default=40)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tocsin-bench-status-") as scratch:
        server = TocsinServer(Path(scratch))
        token = server.cli("token", "create", "--name", "bench", "--role", "admin")["token"]  # type: ignore[index]
        with server:
            _seed(server.url, token, args.incidents)
            for path in PATHS:  # warm the cache once, as the first visitor would
                httpx.get(f"{server.url}{path}", timeout=10).raise_for_status()
            result = asyncio.run(_load("127.0.0.1", server.port, args.clients, args.seconds))
            rss = server.peak_rss_mb()
    ok_answers = result.statuses[200] == len(result.latencies)
    figures = {
        "clients": args.clients,
        "seconds": round(result.seconds, 1),
        "requests": len(result.latencies),
        "requests_per_second": round(result.requests_per_second),
        "p50_ms": round(result.percentile_ms(0.50), 1),
        "p99_ms": round(result.percentile_ms(0.99), 1),
        "statuses": dict(result.statuses),
        "mean_body_bytes": round(result.bytes / max(1, len(result.latencies))),
        "server_peak_rss_mb": round(rss, 1) if rss else None,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "statuspage.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    met = ok_answers and figures["requests_per_second"] >= TARGET_RPS and figures["p99_ms"] < TARGET_P99_MS
    print(
        f"targets (>= {TARGET_RPS:.0f} req/s, p99 < {TARGET_P99_MS:.0f} ms, all 200): {'met' if met else 'MISSED'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
