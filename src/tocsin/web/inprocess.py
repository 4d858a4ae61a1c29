"""A synchronous httpx client that calls the ASGI app in this process, with no socket.

The CLI uses it to speak the same REST API to the local database that it speaks to a remote server; the
tests use it to exercise the real app through its real interface.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

import anyio.from_thread
import httpx
from anyio.from_thread import BlockingPortal

__all__ = ["InProcessTransport", "in_process_client"]


class InProcessTransport(httpx.BaseTransport):
    """Runs each request through :class:`httpx.ASGITransport` on an event loop in a helper thread."""

    def __init__(self, app: Any) -> None:
        self._asgi = httpx.ASGITransport(app=app)
        self._portal_cm: AbstractContextManager[BlockingPortal] = anyio.from_thread.start_blocking_portal()
        self._portal = self._portal_cm.__enter__()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def call() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            response = await self._asgi.handle_async_request(request)
            content = await response.aread()
            return response.status_code, response.headers.raw, content

        status, headers, content = self._portal.call(call)
        return httpx.Response(status, headers=headers, content=content, request=request)

    def close(self) -> None:
        self._portal_cm.__exit__(None, None, None)


def in_process_client(app: Any, *, headers: dict[str, str] | None = None) -> httpx.Client:
    return httpx.Client(transport=InProcessTransport(app), base_url="http://tocsin.local", headers=headers)
