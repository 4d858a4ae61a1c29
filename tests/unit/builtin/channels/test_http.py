from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tocsin.builtin.channels.http import retry_after

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("45", timedelta(seconds=45)),
        ("Mon, 02 Mar 2026 09:02:00 GMT", timedelta(minutes=2)),
        ("Mon, 02 Mar 2026 08:00:00 GMT", timedelta(0)),  # already past: retry now
        ("soon", None),
        ("", None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(header: str, expected: timedelta | None) -> None:
    response = httpx.Response(429, headers={"Retry-After": header} if header else {})
    assert retry_after(response, NOW) == expected
