"""Signing in to the web UI: passwords, sessions, cookies, CSRF, one-time passwords, rate limiting, and
the API accepting a signed-in browser beside its tokens."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from tests.api.ui_support import PASSWORD, Browser, browser, csrf_of, fast_accounts, sign_in
from tocsin.clock import FakeClock
from tocsin.errors import Conflict, InvalidInput
from tocsin.services.container import Services
from tocsin.services.incidents import Declaration
from tocsin.services.tokens import ApiRole
from tocsin.web.app import create_app
from tocsin.web.inprocess import InProcessTransport, in_process_client


@pytest.fixture
def app(services: Services) -> FastAPI:
    return create_app(fast_accounts(services))


@pytest.fixture
def anonymous(app: FastAPI) -> Iterator[httpx.Client]:
    with in_process_client(app) as client:
        yield client


def test_pages_send_a_visitor_to_sign_in_and_back(anonymous: httpx.Client) -> None:
    response = anonymous.get("/incidents?show=all")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fincidents%3Fshow%3Dall"
    page = anonymous.get(response.headers["location"])
    assert 'name="next" value="/incidents?show=all"' in page.text


def test_signing_in_sets_a_secure_session_cookie_and_opens_the_ui(
    services: Services, app: FastAPI, anonymous: httpx.Client
) -> None:
    services.accounts.create("alice", ApiRole.RESPONDER, password=PASSWORD)
    response = sign_in(anonymous, "Alice")  # usernames are not case-sensitive
    assert response.status_code == 303
    assert response.headers["location"] == "/incidents"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("tocsin_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http here; see the https test
    page = anonymous.get("/incidents")
    assert page.status_code == 200
    assert "alice" in page.text
    assert services.accounts.get("alice").last_login_at is not None


def test_over_https_the_session_cookie_is_secure(services: Services, app: FastAPI) -> None:
    services.accounts.create("alice", ApiRole.RESPONDER, password=PASSWORD)
    with httpx.Client(transport=InProcessTransport(app), base_url="https://tocsin.example") as http:
        response = sign_in(http, "alice")
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("tocsin_session="))
    assert "Secure" in cookie


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    services: Services, anonymous: httpx.Client
) -> None:
    services.accounts.create("alice", ApiRole.RESPONDER, password=PASSWORD)
    wrong_password = sign_in(anonymous, "alice", "not the password")
    unknown_user = sign_in(anonymous, "mallory", "not the password")
    for response in (wrong_password, unknown_user):
        assert response.status_code == 401
        assert "the username or password is not right" in response.text
        assert "tocsin_session" not in response.headers.get("set-cookie", "")


def test_the_sign_in_form_needs_its_own_csrf_token(services: Services, anonymous: httpx.Client) -> None:
    services.accounts.create("alice", ApiRole.RESPONDER, password=PASSWORD)
    anonymous.get("/login")
    forged = anonymous.post(
        "/login", data={"username": "alice", "password": PASSWORD, "csrf_token": "guessed", "next": "/"}
    )
    assert forged.status_code == 400
    assert "expired" in forged.text
    assert anonymous.get("/incidents").status_code == 303


def test_after_five_failures_signing_in_waits_even_with_the_right_password(
    services: Services, clock: FakeClock, anonymous: httpx.Client
) -> None:
    services.accounts.create("alice", ApiRole.RESPONDER, password=PASSWORD)
    for _ in range(5):
        assert sign_in(anonymous, "alice", "guess").status_code == 401
    locked = sign_in(anonymous, "alice")
    assert locked.status_code == 429
    assert locked.headers["retry-after"] == "900"
    assert "too many failed sign-ins" in locked.text
    clock.advance(minutes=16)
    assert sign_in(anonymous, "alice").status_code == 303


def test_a_success_resets_the_count_of_failures(
    services: Services, clock: FakeClock, anonymous: httpx.Client
) -> None:
    services.accounts.create("alice", ApiRole.RESPONDER, password=PASSWORD)
    for _ in range(4):
        sign_in(anonymous, "alice", "guess")
    assert sign_in(anonymous, "alice").status_code == 303
    anonymous.cookies.clear()
    clock.advance(seconds=1)
    for _ in range(4):
        assert sign_in(anonymous, "alice", "guess").status_code == 401
    assert sign_in(anonymous, "alice").status_code == 303


def test_next_never_leaves_the_site(services: Services, anonymous: httpx.Client) -> None:
    services.accounts.create("alice", ApiRole.RESPONDER, password=PASSWORD)
    form = anonymous.get("/login")
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        anonymous.cookies.clear()
        form = anonymous.get("/login")
        response = anonymous.post(
            "/login",
            data={
                "username": "alice",
                "password": PASSWORD,
                "csrf_token": csrf_of(form.text),
                "next": target,
            },
        )
        assert response.headers["location"] == "/incidents", target


def test_signing_out_ends_the_session_on_the_server(app: FastAPI, services: Services) -> None:
    alice = browser(app, services, "responder", username="alice")
    cookie = alice.http.cookies["tocsin_session"]
    assert alice.post_form("/logout").headers["location"] == "/login"
    with in_process_client(app) as replay:
        replay.cookies.set("tocsin_session", cookie)
        assert replay.get("/incidents").status_code == 303  # the stolen cookie is worth nothing now


def test_forms_without_the_session_csrf_token_are_refused(app: FastAPI, services: Services) -> None:
    alice = browser(app, services, "responder")
    incident = services.incidents.declare(Declaration("Disk full", "SEV3"), actor="test")
    forged = alice.http.post(f"/incidents/{incident.number}/ack", data={"csrf_token": "x" * 43})
    assert forged.status_code == 403
    missing = alice.http.post(f"/incidents/{incident.number}/ack")
    assert missing.status_code == 403
    assert services.incidents.get(incident.number).state == "triggered"
    assert alice.post_form(f"/incidents/{incident.number}/ack").status_code == 303
    assert services.incidents.get(incident.number).state == "acknowledged"


def test_a_one_time_password_must_be_changed_before_anything_else(
    app: FastAPI, services: Services, anonymous: httpx.Client
) -> None:
    _, one_time = services.accounts.create("bob", ApiRole.ADMIN)
    assert one_time is not None
    response = sign_in(anonymous, "bob", one_time)
    assert response.headers["location"] == "/account"
    assert anonymous.get("/incidents").headers["location"] == "/account"
    page = anonymous.get("/account")
    assert "one-time password" in page.text
    api = anonymous.get("/api/v1/incidents")
    assert (api.status_code, api.json()["code"]) == (403, "password_change_required")
    csrf = csrf_of(page.text)
    too_short = anonymous.post(
        "/account/password", data={"csrf_token": csrf, "current": one_time, "password": "short"}
    )
    assert too_short.status_code == 400
    changed = anonymous.post(
        "/account/password",
        data={"csrf_token": csrf, "current": one_time, "password": "a much better secret"},
    )
    assert changed.status_code == 200
    assert "Your password is changed" in changed.text
    assert anonymous.get("/incidents").status_code == 200
    anonymous.cookies.clear()
    assert sign_in(anonymous, "bob", one_time).status_code == 401
    assert sign_in(anonymous, "bob", "a much better secret").status_code == 303


def test_sessions_expire_when_idle(app: FastAPI, services: Services, clock: FakeClock) -> None:
    alice = browser(app, services, "viewer")
    clock.advance(hours=11)
    assert alice.get("/incidents").status_code == 200  # use keeps it alive
    clock.advance(hours=11)
    assert alice.get("/incidents").status_code == 200
    clock.advance(hours=13)
    assert alice.get("/incidents").status_code == 303


def test_disabling_an_account_ends_its_sessions_and_refuses_sign_in(app: FastAPI, services: Services) -> None:
    alice = browser(app, services, "responder", username="alice")
    services.accounts.update("alice", active=False)
    assert alice.get("/incidents").status_code == 303
    assert sign_in(alice.http, "alice").status_code == 401


def test_the_last_admin_cannot_be_demoted_or_disabled(services: Services) -> None:
    fast_accounts(services)
    services.accounts.create("root", ApiRole.ADMIN, password=PASSWORD)
    with pytest.raises(Conflict):
        services.accounts.update("root", role=ApiRole.VIEWER)
    with pytest.raises(Conflict):
        services.accounts.update("root", active=False)
    services.accounts.create("second", ApiRole.ADMIN, password=PASSWORD)
    assert services.accounts.update("root", role=ApiRole.VIEWER).role == "viewer"


def test_passwords_are_kept_as_argon2id_hashes_only(services: Services) -> None:
    from sqlalchemy import select

    from tocsin.store.schema_accounts import accounts

    fast_accounts(services)
    services.accounts.create("alice", ApiRole.VIEWER, password=PASSWORD)
    with services.db.read() as conn:
        stored = conn.execute(select(accounts.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    with pytest.raises(InvalidInput):
        services.accounts.create("bob", ApiRole.VIEWER, password="short")
    with pytest.raises(InvalidInput):
        services.accounts.create("Bad Name!", ApiRole.VIEWER, password=PASSWORD)


def test_first_run_creates_one_admin_with_a_one_time_password(services: Services) -> None:
    fast_accounts(services)
    created = services.accounts.ensure_first_admin()
    assert created is not None
    account, password = created
    assert (account.username, account.role, account.must_change_password) == ("admin", "admin", True)
    assert len(password) >= 12
    assert services.accounts.ensure_first_admin() is None  # only the first run


def test_the_api_takes_tokens_and_signed_in_browsers(
    app: FastAPI, services: Services, api: httpx.Client
) -> None:
    assert api.get("/api/v1/incidents").status_code == 200  # a bearer token, as before
    alice = browser(app, services, "responder")
    assert alice.get("/api/v1/me").json() == {"name": "responder-user", "role": "responder"}
    body = {"title": "From the browser", "severity": "SEV2"}
    refused = alice.http.post("/api/v1/incidents", json=body)
    assert (refused.status_code, refused.json()["code"]) == (403, "csrf_failed")
    made = alice.http.post("/api/v1/incidents", json=body, headers={"X-CSRF-Token": alice.csrf})
    assert made.status_code == 201
    assert made.json()["created_by"] == "responder-user"
    anonymous = in_process_client(app)
    assert anonymous.get("/api/v1/incidents").status_code == 401


def test_the_account_page_sets_the_time_zone_times_are_shown_in(app: FastAPI, services: Services) -> None:
    alice: Browser = browser(app, services, "responder")
    incident = services.incidents.declare(Declaration("Slow", "SEV3"), actor="test")  # 09:00 UTC
    assert "09:00 UTC" in alice.get(f"/incidents/{incident.number}").text
    alice.http.cookies.set("tz", "America%2FNew_York")
    assert "04:00 EST" in alice.get(f"/incidents/{incident.number}").text  # the browser's zone
    alice.post_form("/account/time-zone", {"time_zone": "Asia/Tokyo"})
    assert "18:00 JST" in alice.get(f"/incidents/{incident.number}").text  # the account's choice wins
    bad = alice.post_form("/account/time-zone", {"time_zone": "Mars/Olympus"})
    assert bad.status_code == 400
