"""The paging endpoints reached without an API token, through the real app: the acknowledge link from a
page (a GET that changes nothing, a POST that acknowledges once), Slack's ``/incident`` command (signed,
replays refused) and the secret calendar feeds."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from icalendar import Calendar

from tests.scenarios.paging_world import PagingWorld
from tocsin.builtin.signing import make_ack_token, sign_slack_request
from tocsin.clock import FakeClock
from tocsin.domain.escalation import UserTarget
from tocsin.services.tokens import ApiRole
from tocsin.store.db import Database
from tocsin.store.incidents import IncidentFilter
from tocsin.web.app import create_app
from tocsin.web.inprocess import in_process_client

SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@pytest.fixture
def world(db: Database, clock: FakeClock) -> PagingWorld:
    made = PagingWorld(db, clock)
    alice = made.user("alice")
    made.paging.people.update_user(replace(alice, slack_user_id="U2CERLKJA"))
    made.policy((5, [UserTarget("alice")]))
    return made


@pytest.fixture
def web(world: PagingWorld) -> Iterator[httpx.Client]:
    _, secret = world.services.tokens.create("admin", ApiRole.ADMIN)
    client = in_process_client(create_app(world.services), headers={"Authorization": f"Bearer {secret}"})
    yield client
    client.close()


def paged_link(world: PagingWorld) -> str:
    world.declare("SEV1")
    world.at(0)
    [page] = world.received()
    assert page.ack_url is not None
    return urlsplit(page.ack_url).path


def test_the_ack_link_shows_first_then_acknowledges_once(world: PagingWorld, web: httpx.Client) -> None:
    link = paged_link(world)
    shown = web.get(link)
    assert shown.status_code == 200
    assert "Acknowledge INC-1?" in shown.text
    assert "Checkout is down" in shown.text
    assert shown.headers["cache-control"] == "no-store"
    assert world.services.incidents.get(1).state == "triggered"  # looking changes nothing

    used = web.post(link)
    assert used.status_code == 200, used.text
    assert "INC-1 acknowledged" in used.text
    incident = world.services.incidents.get(1)
    assert (incident.state, incident.acknowledged_by) == ("acknowledged", "user:alice")
    world.at(30)
    assert [r.user for r in world.received()] == ["alice"]  # the escalation stopped

    again = web.post(link)
    assert again.status_code == 409
    assert "already been used" in again.text
    assert web.get(link).status_code == 409


def test_a_forged_or_expired_link_is_refused(world: PagingWorld, web: httpx.Client) -> None:
    link = paged_link(world)
    forged = link[:-4] + ("AAAA" if not link.endswith("AAAA") else "BBBB")
    assert web.post(forged).status_code == 401
    other = make_ack_token("x" * 32, "INC-1", "alice", "nonce", world.clock.now() + timedelta(hours=1))
    assert web.post(f"/ack/{other}").status_code == 401
    world.clock.advance(hours=25)
    expired = web.post(link)
    assert expired.status_code == 401
    assert "expired" in expired.text
    assert world.services.incidents.get(1).state == "triggered"


def slack_post(web: httpx.Client, text: str, *, at: datetime, user: str = "U2CERLKJA") -> httpx.Response:
    body = urlencode(
        {"command": "/incident", "text": text, "user_id": user, "user_name": "roadrunner"}
    ).encode()
    stamp = int(at.timestamp())
    headers = {
        "X-Slack-Request-Timestamp": str(stamp),
        "X-Slack-Signature": sign_slack_request(SLACK_SECRET, stamp, body),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return web.post("/slack/commands", content=body, headers=headers)


def test_slack_commands_create_ack_resolve_and_status(world: PagingWorld, web: httpx.Client) -> None:
    assert web.put("/api/v1/slack", json={"signing_secret": SLACK_SECRET}).json()["configured"] is True
    now = world.clock.now()
    created = slack_post(web, 'create sev1 "Database connection timeout"', at=now)
    assert created.status_code == 200, created.text
    assert created.json()["response_type"] == "in_channel"
    assert "Declared <http://127.0.0.1:8080/incidents/INC-1|INC-1> (SEV1)" in created.json()["text"]
    assert world.services.incidents.get(1).created_by == "user:alice"  # matched by Slack member id

    status = slack_post(web, "status INC-1", at=now + timedelta(seconds=1)).json()
    assert (status["response_type"], "is triggered" in status["text"]) == ("ephemeral", True)
    acked = slack_post(web, "ack INC-1", at=now + timedelta(seconds=2)).json()
    assert "acknowledged by user:alice" in acked["text"]
    assert world.services.incidents.get(1).state == "acknowledged"
    twice = slack_post(web, "ack INC-1", at=now + timedelta(seconds=3)).json()
    assert "already acknowledged" in twice["text"]
    resolved = slack_post(web, "resolve INC-1", at=now + timedelta(seconds=4), user="U999999").json()
    assert "resolved by slack:roadrunner" in resolved["text"]
    which = slack_post(web, "ack", at=now + timedelta(seconds=5)).json()
    assert which["text"] == "There are no open incidents."
    bad = slack_post(web, "create sev9 oops", at=now + timedelta(seconds=6)).json()
    assert "unknown severity 'sev9'" in bad["text"]


def test_slack_requests_are_verified_and_replays_refused(world: PagingWorld, web: httpx.Client) -> None:
    web.put("/api/v1/slack", json={"signing_secret": SLACK_SECRET})
    now = world.clock.now()
    body = urlencode({"command": "/incident", "text": "create sev2 Replayed", "user_id": "U1"}).encode()
    stamp = str(int(now.timestamp()))
    headers = {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": sign_slack_request(SLACK_SECRET, int(stamp), body),
    }
    assert web.post("/slack/commands", content=body, headers=headers).status_code == 200
    replay = web.post("/slack/commands", content=body, headers=headers)
    assert (replay.status_code, replay.json()["code"]) == (401, "slack_replay")
    tampered = web.post("/slack/commands", content=body.replace(b"sev2", b"sev1"), headers=headers)
    assert (tampered.status_code, tampered.json()["code"]) == (401, "slack_bad_signature")
    world.clock.advance(minutes=6)
    late_body = body.replace(b"Replayed", b"Late")
    late = web.post(
        "/slack/commands",
        content=late_body,
        headers={
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": sign_slack_request(SLACK_SECRET, int(stamp), late_body),
        },
    )
    assert (late.status_code, late.json()["code"]) == (401, "slack_stale_request")
    created, _ = world.services.incidents.find(IncidentFilter())
    assert [i.title for i in created] == ["Replayed"]
    assert web.get("/slack/commands", params={"ssl_check": 1}).status_code == 200


def test_slack_commands_are_refused_until_set_up(web: httpx.Client, world: PagingWorld) -> None:
    response = slack_post(web, "help", at=world.clock.now())
    assert (response.status_code, response.json()["code"]) == (401, "slack_not_configured")


def test_calendar_feeds_at_secret_urls_with_etags(world: PagingWorld, web: httpx.Client) -> None:
    world.user("bob")
    schedule = {
        "id": "primary",
        "name": "Primary",
        "time_zone": "Europe/Berlin",
        "layers": [{"rotation": {"participants": ["alice", "bob"], "start": "2026-01-05", "kind": "daily"}}],
    }
    assert web.post("/api/v1/schedules", json=schedule).status_code == 201
    url = web.post("/api/v1/schedules/primary/feed").json()["url"]
    path = urlsplit(url).path
    assert path.startswith("/calendars/oncall/")
    assert path.endswith(".ics")
    feed = web.get(path)
    assert feed.status_code == 200
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    events = [c for c in Calendar.from_ical(feed.content).walk("VEVENT")]
    assert len(events) > 90  # a week back and ninety days ahead, one shift a day
    summaries = {str(e["SUMMARY"]) for e in events}
    assert summaries == {"On call: Primary (layer 1) - Alice", "On call: Primary (layer 1) - Bob"}
    assert web.get(path, headers={"If-None-Match": feed.headers["etag"]}).status_code == 304

    user_url = web.post("/api/v1/users/alice/feed").json()["url"]
    mine = Calendar.from_ical(web.get(urlsplit(user_url).path).content).walk("VEVENT")
    assert {str(e["SUMMARY"]) for e in mine} == {"On call: Primary (layer 1) - Alice"}
    web.post("/api/v1/schedules/primary/feed")  # a new URL: the old one stops working
    gone = web.get(path)
    assert (gone.status_code, gone.json()["code"]) == (404, "feed_not_found")
    assert web.get("/calendars/oncall/guessed.ics").status_code == 404
