"""``tocsin serve --demo`` (what ``make demo`` runs): it becomes ready, prints a token that works, and the
demo incidents it announces are there, as announced. Run again, it leaves the data as it is."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.e2e.processes import serving, tocsin_env
from tocsin.store.db import Database

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

TOKEN_LINE = re.compile(r"Demo API token \(admin\): (\S+)")
ANNOUNCED = re.compile(
    r"Demo data: (INC-\d+) \(resolved\) and (INC-\d+) \(SEV1, waiting for acknowledgement\)"
)


def test_the_demo_serves_ready_with_its_incidents(tmp_path: Path, db: Database) -> None:
    env = tocsin_env(tmp_path / "data")
    with serving(env, tmp_path / "demo.log", "--demo") as server:
        ready = httpx.get(f"{server.url}/health/ready", timeout=5)
        assert (ready.status_code, ready.json()["status"]) == (200, "ready")
        printed = server.log()
        assert f"tocsin is serving on {server.url}" in printed
        token, announced = TOKEN_LINE.search(printed), ANNOUNCED.search(printed)
        assert token, printed
        assert announced, printed
        resolved_id, live_id = announced.groups()

        api = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token[1]}"}, timeout=10)
        with api:
            listed = api.get("/api/v1/incidents")
            assert listed.status_code == 200, listed.text
            page = listed.json()
            found = {item["id"]: item for item in page["items"]}
            assert page["total"] == 2
            assert set(found) == {resolved_id, live_id}
            assert found[resolved_id]["state"] == "resolved"
            assert (found[live_id]["state"], found[live_id]["severity"]) == ("triggered", "SEV1")
            kinds = [entry["kind"] for entry in api.get(f"/api/v1/incidents/{resolved_id}/timeline").json()]
            assert kinds[0] == "declared"
            assert kinds[-1] == "state_changed"
            assert "note" in kinds

    with serving(env, tmp_path / "demo-again.log", "--demo") as again:
        assert "already has 2 incidents" in again.log()
        headers = {"Authorization": f"Bearer {token[1]}"}
        assert httpx.get(f"{again.url}/api/v1/incidents", headers=headers, timeout=10).json()["total"] == 2
