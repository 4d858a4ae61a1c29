"""A page by e-mail end to end: paging set up with the real CLI, ``tocsin serve`` running, an incident
declared through the API, the page arriving at a real SMTP server, and its acknowledge link followed
against the running app: the incident is acknowledged, and the same link used again is refused."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.e2e.paging_smtp import smtp_sink, wait_until
from tests.e2e.processes import Cli, serving, tocsin_env
from tocsin.store.db import Database

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


def test_the_page_email_arrives_and_its_link_acknowledges_once(tmp_path: Path, db: Database) -> None:
    cli = Cli(tocsin_env(tmp_path / "data"))
    with smtp_sink() as sink:
        cli.run("channel", "add", "email", "--kind", "email", *sink.channel_settings())
        cli.run("user", "add", "alice", "--name", "Alice Smith", "--email", "alice@example.org")
        cli.run("policy", "add", "default", "--name", "Default", "--level", "5m:user:alice")
        token = cli.json("token", "create", "--name", "e2e", "--role", "admin")["token"]
        with serving(cli.env, tmp_path / "serve.log") as server:
            api = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
            with api:
                declared = api.post(
                    "/api/v1/incidents", json={"title": "Checkout is down", "severity": "SEV1"}
                )
                assert declared.status_code == 201, declared.text
                [page] = sink.wait_for(1, what="page e-mails")
                assert page.recipient == "alice@example.org"
                assert page.subject == "[Page] SEV1 INC-1: Checkout is down"
                assert page.message["Auto-Submitted"] == "auto-generated"
                link = page.ack_link()
                assert link.startswith(f"{server.url}/ack/")

                looked = httpx.get(link, timeout=10)
                assert looked.status_code == 200
                assert "Acknowledge INC-1?" in looked.text
                assert api.get("/api/v1/incidents/INC-1").json()["state"] == "triggered"

                used = httpx.post(link, timeout=10)
                assert used.status_code == 200, used.text
                incident = api.get("/api/v1/incidents/INC-1").json()
                assert (incident["state"], incident["acknowledged_by"]) == ("acknowledged", "user:alice")

                reused = httpx.post(link, timeout=10)
                assert reused.status_code == 409
                assert "already been used" in reused.text

                def sent_recorded() -> bool:
                    entries = api.get("/api/v1/incidents/INC-1/timeline").json()
                    return any(e["kind"] == "notification_sent" for e in entries)

                wait_until(sent_recorded, what="the delivery recorded on the timeline")
                entries = api.get("/api/v1/incidents/INC-1/timeline").json()
                [sent] = [e for e in entries if e["kind"] == "notification_sent"]
                assert sent["details"]["reference"] == page.message_id
                assert sent["details"]["channel"] == "email"
                kinds = [e["kind"] for e in entries]
                assert (
                    kinds.index("level_paged")
                    < kinds.index("acknowledged")
                    < kinds.index("escalation_stopped")
                )
    assert len(sink.received()) == 1  # nothing more was sent after the acknowledgement
