"""PagerDuty's own Python client, pdpyras, pages a real ``tocsin serve`` with its base URL set to tocsin.

``EventsAPISession`` triggers, acknowledges and resolves an incident by ``dedup_key``;
``ChangeEventsAPISession`` puts a deploy on the timeline of the incidents that are open.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.tocsin_server import RunningTocsin, running_tocsin
from tocsin.store.db import Database

with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # pdpyras warns on import that it is deprecated
    import pdpyras

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


@pytest.fixture
def tocsin(tmp_path: Path, db: Database) -> Iterator[RunningTocsin]:
    with running_tocsin(tmp_path / "tocsin") as running:
        yield running


def _session(kind: Any, key: str, url: str) -> Any:
    session = kind(key)
    session.url = url  # pdpyras has no scheme check: plain http on loopback works (PROTOCOLS.md 2.7)
    return session


def test_trigger_acknowledge_resolve_with_pdpyras(tocsin: RunningTocsin) -> None:
    key = tocsin.create_integration("pagerduty", "pdpyras")
    events = _session(pdpyras.EventsAPISession, key, tocsin.url)

    dedup_key = events.trigger(
        "db1 unreachable", "db1.prod", dedup_key="db1-down", severity="error", custom_details={"replicas": 2}
    )
    assert dedup_key == "db1-down"
    (incident,) = tocsin.incidents()  # answered 202 only after commit: there is no waiting here
    assert (incident["title"], incident["severity"], incident["state"]) == (
        "db1 unreachable",
        "SEV2",
        "triggered",
    )
    (alert,) = tocsin.alerts(incident["id"])
    assert alert["labels"] == {"source": "db1.prod", "severity": "error"}

    events.acknowledge("db1-down")
    (acknowledged,) = tocsin.incidents()
    assert (acknowledged["state"], acknowledged["acknowledged_by"]) == ("acknowledged", "integration:pdpyras")

    events.resolve("db1-down")
    (resolved,) = tocsin.incidents()
    assert resolved["state"] == "resolved"

    generated = events.trigger("queue backlog growing", "worker-3")  # no dedup_key: tocsin makes one
    assert generated
    assert generated != "db1-down"
    assert [i["title"] for i in tocsin.incidents()] == ["db1 unreachable", "queue backlog growing"]


def test_a_change_event_lands_on_open_incidents(tocsin: RunningTocsin) -> None:
    key = tocsin.create_integration("pagerduty", "deploys")
    events = _session(pdpyras.EventsAPISession, key, tocsin.url)
    events.trigger("checkout 5xx", "checkout", dedup_key="checkout")
    events.trigger("old problem", "x", dedup_key="old")
    events.resolve("old")

    changes = _session(pdpyras.ChangeEventsAPISession, key, tocsin.url)
    change_id = changes.submit(
        "Deployed checkout v2.4.1",
        source="github-actions",
        custom_details={"commit": "a1b2c3d"},
        links=[{"href": "https://ci.example.org/builds/1732", "text": "Build"}],
        timestamp="2026-03-02T08:55:00Z",
    )
    open_incident, resolved = tocsin.incidents()
    (change,) = tocsin.timeline(open_incident["id"], "change_event")
    assert change["details"]["id"] == change_id
    assert change["details"]["summary"] == "Deployed checkout v2.4.1"
    assert change["details"]["source"] == "github-actions"
    assert change["details"]["links"] == [{"href": "https://ci.example.org/builds/1732", "text": "Build"}]
    assert tocsin.timeline(resolved["id"], "change_event") == []


def test_a_wrong_routing_key_is_an_error_for_pdpyras(tocsin: RunningTocsin) -> None:
    events = _session(pdpyras.EventsAPISession, "0" * 32, tocsin.url)
    with pytest.raises(pdpyras.PDClientError) as raised:
        events.trigger("x", "y", dedup_key="z")
    assert raised.value.response is not None
    assert raised.value.response.status_code == 404
    assert tocsin.incidents() == []
