"""What PagerDuty's own Python client (pdpyras) sends parses as the events it meant.

pdpyras posts over loopback to a capture server that answers as PagerDuty does; the captured bodies go
through :class:`PagerDutySource`. The client insists on ``dedup_key`` in the 202 answer, so this also
shows that :func:`pagerduty_accepted` is enough for it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.alertmanager import CapturedRequest, CaptureServer
from tocsin.builtin.sources import PagerDutySource
from tocsin.domain.alert import AlertStatus, EventAction

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # pdpyras warns on import that it is deprecated
    import pdpyras

ROUTING_KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def capture() -> Iterator[CaptureServer]:
    with CaptureServer() as server:
        yield server


def _enqueued(request: CapturedRequest) -> bool:
    return request.path == "/v2/enqueue"


def test_trigger_acknowledge_resolve_from_pdpyras(capture: CaptureServer) -> None:
    session: Any = pdpyras.EventsAPISession(ROUTING_KEY)
    session.url = capture.base_url
    source = PagerDutySource()

    key = session.trigger("db1 unreachable", "db1.prod", dedup_key="db1-down", severity="error")
    session.acknowledge("db1-down")
    session.resolve("db1-down")

    assert key == "db1-down"
    trigger, ack, resolve = (source.parse(capture.wait_for(_enqueued).body, {}) for _ in range(3))
    assert trigger.integration_key == ROUTING_KEY
    (alert,) = trigger.alerts
    assert (alert.action, alert.title, alert.severity_text, alert.labels["source"]) == (
        EventAction.TRIGGER,
        "db1 unreachable",
        "error",
        "db1.prod",
    )
    assert ack.alerts[0].action is EventAction.ACKNOWLEDGE
    assert resolve.alerts[0].status is AlertStatus.RESOLVED
    assert {batch.alerts[0].dedup_key for batch in (trigger, ack, resolve)} == {"db1-down"}
