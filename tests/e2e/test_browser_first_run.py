"""The first run of the real ``tocsin serve``: it prints an admin's one-time password, once; signing in
with it in a real browser asks for a new password first; ``tocsin user create`` adds more accounts."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e.processes import Cli, serving, tocsin_env
from tests.e2e.test_browser_ui import CHROMIUM, CHROMIUM_ARGS
from tocsin.store.db import Database

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(120),
    pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium (`make browser`)"),
]
FIRST_RUN = re.compile(
    r"created the web UI account 'admin' \(admin\)\. Its one-time password, shown only now, is: (\S+)"
)


def test_first_run_admin_then_accounts_from_the_cli(tmp_path: Path, db: Database) -> None:
    env = tocsin_env(tmp_path / "data")
    with serving(env, tmp_path / "serve.log") as server:
        printed = FIRST_RUN.search(server.log())
        assert printed, server.log()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(f"{server.url}/login")
            page.fill("input[name=username]", "admin")
            page.fill("input[name=password]", printed[1])
            page.click("button[type=submit]")
            expect(page.locator("#must-change")).to_be_visible()
            page.goto(f"{server.url}/incidents")
            expect(page).to_have_url(f"{server.url}/account")  # nothing else until it is changed
            page.fill("input[name=current]", printed[1])
            page.fill("input[name=password]", "admin's own long secret")
            page.click("text=Change password")
            expect(page.locator(".notice")).to_contain_text("Your password is changed")
            page.goto(f"{server.url}/admin/accounts")
            expect(page.locator("table")).to_contain_text("admin")
            browser.close()
    with serving(env, tmp_path / "serve-again.log") as again:
        assert "one-time password" not in again.log()  # only the first run creates it
    created = Cli(env).run("user", "create", "carol", "--role", "viewer").stdout
    assert "Created account carol (viewer)." in created
    listed = Cli(env).json("user", "accounts")
    assert {(a["username"], a["role"]) for a in listed} == {("admin", "admin"), ("carol", "viewer")}
