"""The web UI in a real browser (Debian's Chromium, driven by Playwright): a responder signs in, sees an
incident that an alert created appear without reloading, acknowledges and resolves it, and watches the
public status page change; hostile alert text never runs. Screenshots go to ``test-artifacts/browser``."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.api.ui_support import PASSWORD, fast_accounts, serving
from tocsin.clock import SystemClock
from tocsin.services.container import Services, build_services
from tocsin.services.integrations import SourceName
from tocsin.services.statuspage import ComponentSpec
from tocsin.services.tokens import ApiRole
from tocsin.store.db import Database
from tocsin.web.app import create_app

CHROMIUM = shutil.which("chromium")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(120),
    pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (`make browser` installs it)"),
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def site(db: Database) -> Iterator[tuple[str, Services]]:
    """The real app on a socket, on the real clock (the browser's countdowns use it too)."""
    services = fast_accounts(build_services(db, SystemClock()))
    services.accounts.create("alice", ApiRole.RESPONDER, password=PASSWORD)
    services.statuspage.update_page(name="Example Co")
    services.statuspage.create_component(ComponentSpec("Checkout", services=["checkout"]))
    try:
        with serving(create_app(services)) as url:
            yield url, services
    finally:
        services.close()


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, timezone_id="Europe/Berlin")
    opened = context.new_page()
    opened.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
    yield opened
    context.close()


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _sign_in(page: Page, url: str) -> None:
    page.goto(f"{url}/incidents")
    expect(page).to_have_url(f"{url}/login?next=%2Fincidents")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{url}/incidents")


def _fire_alert(url: str, services: Services, **alert: object) -> None:
    _, key = services.integrations.create("prometheus", SourceName.GENERIC)
    response = httpx.post(f"{url}/integrations/generic/{key}", json=alert, timeout=10)
    assert response.status_code == 202, response.text


def _not_run(page: Page) -> None:
    assert page.evaluate("() => window.__pwned") is None, "injected script ran"


def test_from_alert_to_resolution_and_the_status_page(site: tuple[str, Services], page: Page) -> None:
    url, services = site
    _sign_in(page, url)
    expect(page.locator("#incident-rows")).to_contain_text("No incidents match")
    _fire_alert(
        url, services, title="Checkout returns 502", severity="critical", labels={"service": "checkout"}
    )
    row = page.locator("#incident-rows .incident-row").first
    expect(row).to_contain_text("Checkout returns 502", timeout=10_000)  # live: no reload
    _shot(page, "01-list-live")

    row.locator("a").click()
    expect(page.locator("#incident-state")).to_have_text("triggered")
    page.click("#ack-button")
    expect(page.locator("#incident-state")).to_have_text("acknowledged")
    expect(page.locator("#timeline")).to_contain_text("alice acknowledged")
    page.click("#customer-facing-button")
    page.fill("#public-update-body", "Some checkouts fail; we are on it.")
    page.click("text=Post public update")
    expect(page.locator(".public-updates")).to_contain_text("Some checkouts fail")
    _shot(page, "02-incident-acknowledged")

    status = page.context.new_page()
    status.goto(f"{url}/status")
    expect(status.locator("#overall")).not_to_have_text("All Systems Operational")
    expect(status.locator("#cmp_1")).to_contain_text("Major outage")
    expect(status.locator("#active-incidents")).to_contain_text("Some checkouts fail; we are on it.")
    _shot(status, "03-status-outage")

    page.fill("#incident-actions input[name=note][placeholder^='what fixed']", "rolled back v42")
    page.click("#resolve-button")
    expect(page.locator("#incident-state")).to_have_text("resolved")
    expect(page.locator("#timeline")).to_contain_text("rolled back v42")
    status.reload()
    expect(status.locator("#overall")).to_have_text("All Systems Operational")
    expect(status.locator("#cmp_1")).to_contain_text("Operational")
    expect(status.locator("#past-incidents")).to_contain_text("Checkout returns 502")
    _shot(status, "04-status-resolved")


def test_hostile_alert_text_never_runs(site: tuple[str, Services], page: Page) -> None:
    url, services = site
    _sign_in(page, url)
    _fire_alert(
        url,
        services,
        title=f"Disk full {HOSTILE}",
        summary=HOSTILE,
        labels={"service": "checkout", "x": HOSTILE},
    )
    row = page.locator("#incident-rows .incident-row").first
    expect(row).to_contain_text("<script>window.__pwned=2</script>", timeout=10_000)  # shown as text
    _not_run(page)

    row.locator("a").click()
    expect(page.locator("#alerts")).to_contain_text('<img src=x onerror="window.__pwned=1">')
    _not_run(page)
    services.incidents.add_note(1, f"live {HOSTILE}", actor="mallory")  # arrives over server-sent events
    expect(page.locator("#timeline")).to_contain_text("live <img src=x", timeout=10_000)
    _not_run(page)
    page.click("#customer-facing-button")
    page.fill("#public-update-body", HOSTILE)
    page.click("text=Post public update")
    expect(page.locator(".public-updates")).to_contain_text("<script>")
    _not_run(page)
    _shot(page, "05-hostile-text-as-text")

    page.goto(f"{url}/status")
    expect(page.locator("#active-incidents")).to_contain_text("<script>window.__pwned=2</script>")
    _not_run(page)


def test_readable_on_a_phone(site: tuple[str, Services], chromium: Browser) -> None:
    url, services = site
    context = chromium.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, timezone_id="Asia/Tokyo"
    )
    phone = context.new_page()
    _sign_in(phone, url)
    _fire_alert(url, services, title="Checkout returns 502", labels={"service": "checkout"})
    phone.goto(f"{url}/incidents/1")
    ack = phone.locator("#ack-button")
    expect(ack).to_be_visible()
    box = ack.bounding_box()
    assert box is not None
    assert box["y"] < 900
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"
    expect(phone.locator("#incident-summary time").first).to_contain_text("JST")  # the viewer's zone
    _shot(phone, "06-phone-incident")
    context.close()
