"""Run Debian's real Prometheus Alertmanager for a test, and capture what it sends.

``running_alertmanager(...)`` starts ``prometheus-alertmanager`` on a free loopback port with a temporary
config (a webhook receiver and, optionally, a PagerDuty receiver pointed at given URLs; grouping timers of
one second so tests are quick), its own ``--storage.path`` and clustering disabled. ``CaptureServer`` is a
tiny HTTP server in a thread that records every request and answers as tocsin would (202 with a
PagerDuty body on ``/v2/enqueue``, 200 elsewhere).

Skip tests with ``requires_alertmanager`` when the binary is absent (``apt-get install
prometheus-alertmanager``).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tocsin.builtin.sources import pagerduty_accepted
from tocsin.clock import SystemClock

ALERTMANAGER_BINARY = shutil.which("prometheus-alertmanager")

requires_alertmanager = pytest.mark.skipif(
    ALERTMANAGER_BINARY is None,
    reason="Alertmanager is not installed: apt-get install prometheus-alertmanager (binary prometheus-alertmanager)",
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# --- the capture server ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CapturedRequest:
    path: str
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.body)
        return document


class _CaptureHandler(BaseHTTPRequestHandler):
    server: _CaptureHTTPServer

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        self.server.captured.put(CapturedRequest(self.path, dict(self.headers.items()), body))
        status, answer = 200, b"{}"
        if self.path.endswith("/v2/enqueue"):
            status, answer = 202, self._pagerduty_answer(body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    @staticmethod
    def _pagerduty_answer(body: bytes) -> bytes:
        """tocsin's own 202 body, echoing the event's dedup_key (PagerDuty clients require it)."""
        try:
            dedup_key = str(json.loads(body).get("dedup_key") or "")
        except (ValueError, AttributeError):
            dedup_key = ""
        return json.dumps(pagerduty_accepted(dedup_key)).encode()

    def log_message(self, format: str, *args: object) -> None:  # quiet: pytest shows failures
        pass


class _CaptureHTTPServer(ThreadingHTTPServer):
    captured: _Captured


class _Captured:
    """Every request received, in arrival order; each can be claimed once by a waiting test."""

    def __init__(self) -> None:
        self._requests: list[CapturedRequest] = []
        self._claimed: set[int] = set()
        self._changed = threading.Condition()

    def put(self, request: CapturedRequest) -> None:
        with self._changed:
            self._requests.append(request)
            self._changed.notify_all()

    def claim(self, accept: Callable[[CapturedRequest], bool], timeout: float) -> CapturedRequest | None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for index, request in enumerate(self._requests):
                    if index not in self._claimed and accept(request):
                        self._claimed.add(index)
                        return request
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._changed.wait(remaining)

    def all(self) -> list[CapturedRequest]:
        with self._changed:
            return list(self._requests)


class CaptureServer:
    """An HTTP server on a free loopback port that records every POST it receives."""

    def __init__(self) -> None:
        self._server = _CaptureHTTPServer(("127.0.0.1", 0), _CaptureHandler)
        self._server.captured = _Captured()
        self._thread = threading.Thread(target=self._server.serve_forever, name="capture-server", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def requests(self) -> list[CapturedRequest]:
        """Every request received so far, in arrival order."""
        return self._server.captured.all()

    def __enter__(self) -> CaptureServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def wait_for(
        self, accept: Callable[[CapturedRequest], bool], *, timeout: float = 20.0, what: str = "a request"
    ) -> CapturedRequest:
        """The earliest request not yet claimed that ``accept`` returns True for, waiting for it to arrive.

        Requests that do not match stay available to later waits, whatever order they arrived in.
        """
        request = self._server.captured.claim(accept, timeout)
        if request is None:
            seen = [f"{r.path}: {r.body[:200]!r}" for r in self.requests]
            raise AssertionError(f"no {what} within {timeout}s; received {len(seen)}: {seen[-3:]}")
        return request


# --- Alertmanager ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertmanagerSetup:
    """What the temporary alertmanager.yml says."""

    webhook_url: str | None = None
    pagerduty_url: str | None = None
    routing_key: str = "0123456789abcdef0123456789abcdef"
    pagerduty_severity: str = (
        "{{ if .CommonLabels.severity }}{{ .CommonLabels.severity }}{{ else }}error{{ end }}"
    )
    group_by: Sequence[str] = ("alertname", "service")
    group_wait: str = "1s"
    group_interval: str = "1s"
    repeat_interval: str = "1h"
    max_alerts: int = 0  # webhook_configs max_alerts: 0 sends every alert of the group
    extra_receivers: Sequence[Mapping[str, object]] = ()

    def to_config(self) -> dict[str, object]:
        receiver: dict[str, object] = {"name": "tocsin"}
        if self.webhook_url:
            receiver["webhook_configs"] = [
                {"url": self.webhook_url, "send_resolved": True, "max_alerts": self.max_alerts}
            ]
        if self.pagerduty_url:
            receiver["pagerduty_configs"] = [
                {
                    "url": self.pagerduty_url,
                    "routing_key": self.routing_key,
                    "send_resolved": True,
                    "severity": self.pagerduty_severity,
                }
            ]
        return {
            "route": {
                "receiver": "tocsin",
                "group_by": list(self.group_by),
                "group_wait": self.group_wait,
                "group_interval": self.group_interval,
                "repeat_interval": self.repeat_interval,
            },
            "receivers": [receiver, *self.extra_receivers],
        }


def rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class RunningAlertmanager:
    """A started Alertmanager: its base URL and a client for its v2 API."""

    def __init__(self, base_url: str, log_path: Path) -> None:
        self.base_url = base_url
        self.log_path = log_path
        self.clock = SystemClock()
        self._client = httpx.Client(base_url=base_url, timeout=10.0)

    def close(self) -> None:
        self._client.close()

    def post_alerts(self, alerts: Sequence[Mapping[str, object]]) -> None:
        """POST alerts to ``/api/v2/alerts`` as Prometheus would (labels, annotations, startsAt, ...)."""
        response = self._client.post("/api/v2/alerts", json=list(alerts))
        assert response.status_code == 200, f"Alertmanager refused the alerts: {response.text}"

    def fire(
        self, labels: Mapping[str, str], annotations: Mapping[str, str] | None = None, *, source: str = ""
    ) -> dict[str, object]:
        """An alert payload that starts firing now (``endsAt`` well in the future).

        ``startsAt`` is now, not earlier: Alertmanager flushes a new group at once, without waiting
        ``group_wait``, when its alert started longer than ``group_wait`` ago.
        """
        now = self.clock.now()
        return {
            "labels": dict(labels),
            "annotations": dict(annotations or {}),
            "startsAt": rfc3339(now),
            "endsAt": rfc3339(now + timedelta(hours=1)),
            "generatorURL": source,
        }

    def resolved(self, alert: Mapping[str, object]) -> dict[str, object]:
        """The same alert, ended a moment ago: Alertmanager reports it resolved at the next flush."""
        return {**alert, "endsAt": rfc3339(self.clock.now() - timedelta(seconds=1))}

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def _wait_ready(
    process: subprocess.Popen[bytes], base_url: str, log_path: Path, timeout: float = 20.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Alertmanager exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{base_url}/-/ready", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"Alertmanager was not ready within {timeout}s:\n{log_path.read_text()}")


@contextmanager
def running_alertmanager(workdir: Path, setup: AlertmanagerSetup) -> Iterator[RunningAlertmanager]:
    """Start Alertmanager in ``workdir`` with ``setup``; stop it (and only it) on exit."""
    if ALERTMANAGER_BINARY is None:
        pytest.skip("Alertmanager is not installed: apt-get install prometheus-alertmanager")
    workdir.mkdir(parents=True, exist_ok=True)
    config_path = workdir / "alertmanager.yml"
    config_path.write_text(json.dumps(setup.to_config(), indent=2))  # JSON is valid YAML
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = workdir / "alertmanager.log"
    command = [
        ALERTMANAGER_BINARY,
        f"--config.file={config_path}",
        f"--storage.path={workdir / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        f"--web.external-url={base_url}",
        "--cluster.listen-address=",
        "--log.level=debug",
    ]
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
        running = RunningAlertmanager(base_url, log_path)
        try:
            _wait_ready(process, base_url, log_path)
            yield running
        finally:
            running.close()
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
