"""A real SMTP server (aiosmtpd) in the test process that keeps every message it accepts.

``smtp_sink(delay=...)`` runs it on a free loopback port; ``delay`` makes it answer each RCPT slowly, like a
busy relay, so a test can kill a sender while messages are in flight. ``wait_for`` polls for messages with a
deadline.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.e2e.alertmanager import free_port


@dataclass(frozen=True)
class Received:
    recipient: str
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None
        content: str = part.get_content()
        return content

    def ack_link(self) -> str:
        """The acknowledge URL in the plain-text part."""
        for line in self.text().splitlines():
            if line.startswith("Acknowledge (stops the escalation): "):
                return line.split(": ", 1)[1].strip()
        raise AssertionError(f"no acknowledge link in:\n{self.text()}")


@dataclass
class Sink:
    """What the SMTP server accepted (the 250 after DATA), in order."""

    port: int
    delay: float = 0.0
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        with self.lock:
            self.messages.extend(Received(rcpt, parsed) for rcpt in envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    def received(self) -> list[Received]:
        with self.lock:
            return list(self.messages)

    def wait_for(self, count: int, *, timeout: float = 30.0, what: str = "messages") -> list[Received]:
        """At least ``count`` messages, waiting up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.received()
            if len(found) >= count:
                return found
            time.sleep(0.05)
        found = self.received()
        raise AssertionError(
            f"{len(found)} of {count} {what} arrived within {timeout} s: {[r.subject for r in found]}"
        )

    def channel_settings(self, *, timeout: int = 5) -> list[str]:
        """``--set`` arguments for ``tocsin channel add ... --kind email`` pointing at this server."""
        return [
            "--set", "host=127.0.0.1", "--set", f"port={self.port}", "--set", "security=plain",
            "--set", "from_address=oncall@tocsin.test", "--set", f"timeout_seconds={timeout}",
        ]  # fmt: skip


@contextmanager
def smtp_sink(*, delay: float = 0.0) -> Iterator[Sink]:
    sink = Sink(free_port(), delay)
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def wait_until(probe: Callable[[], bool], *, timeout: float = 30.0, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if probe():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {what}")
