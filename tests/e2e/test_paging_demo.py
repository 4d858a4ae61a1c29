"""``make demo``'s paging: the demo's Alertmanager alert opens a SEV1 that pages Dana on the console
channel, with an acknowledge link that works; acknowledging through the API stops the escalation."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.processes import serving, tocsin_env
from tocsin.store.db import Database

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

TOKEN_LINE = re.compile(r"Demo API token \(admin\): (\S+)")
PAGE_LINE = re.compile(
    r"\[tocsin\] PAGE SEV1 (INC-\d+) \"HighErrorRate: API returning 5xx for 8% of requests\" -> Dana \(demo on-call\) \| triggered \| ack: (\S+) \| (\S+)"
)


def test_the_demo_pages_on_the_console_and_acknowledging_stops_it(tmp_path: Path, db: Database) -> None:
    env = tocsin_env(tmp_path / "data")
    with serving(env, tmp_path / "demo.log", "--demo") as server:
        deadline = time.monotonic() + 20
        while not PAGE_LINE.search(server.log()) and time.monotonic() < deadline:
            time.sleep(0.1)
        printed = server.log()
        page, token = PAGE_LINE.search(printed), TOKEN_LINE.search(printed)
        assert page, printed
        assert token, printed
        incident_id, ack_url, incident_url = page.groups()
        assert ack_url.startswith(f"{server.url}/ack/")
        assert incident_url == f"{server.url}/incidents/{incident_id}"
        assert "Acknowledge" in httpx.get(ack_url, timeout=10).text

        api = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token[1]}"}, timeout=10)
        with api:
            assert api.get(f"/api/v1/incidents/{incident_id}/paging").json()["status"] == "active"
            acked = api.post(f"/api/v1/incidents/{incident_id}/ack")
            assert acked.status_code == 200, acked.text
            paging = api.get(f"/api/v1/incidents/{incident_id}/paging").json()
            assert paging["status"] == "stopped"
            assert [m["status"] for m in paging["messages"]] == ["sent"]
            kinds = [e["kind"] for e in api.get(f"/api/v1/incidents/{incident_id}/timeline").json()]
            assert kinds[-2:] == ["acknowledged", "escalation_stopped"]
        assert len(PAGE_LINE.findall(server.log())) == 1
