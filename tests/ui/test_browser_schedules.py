"""A discovery schedule in a real browser (Playwright driving Debian's Chromium against a live
server, as tests/ui/test_browser.py): create it through the form, with a validation error on the
way, then disable it and see its badge change.

tests/ui/test_browser.py keeps one sync Playwright open in the main thread for the whole session,
and a second one cannot start in a thread whose event loop runs. So this module drives its own
browser from a thread of its own: each browser step is a function run there; the database is
checked here, between steps. (One session-wide browser fixture in a tests/ui conftest would let
both modules share one browser.)
"""

import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import expect

from collectors.models import DiscoverySchedule
from tests.factories import UserFactory
from tests.ui.test_browser import CHROMIUM, PASSWORD, shot

# Playwright (test_browser's, in this thread) makes Django see a running event loop here
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def no_redis(settings):
    """Cron mode: the live server runs in this process, so it sees this setting too."""
    settings.REDIS_URL = ""


@pytest.fixture(scope="module")
def browser_thread():
    """A thread that owns a Playwright and a headless Chromium; ``call(fn, *args)`` runs there."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make test does)")
    from playwright.sync_api import sync_playwright

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="playwright")
    state = {}

    def start():
        state["pw"] = sync_playwright().start()
        state["browser"] = state["pw"].chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
            ],
        )

    def stop():
        state["browser"].close()
        state["pw"].stop()

    pool.submit(start).result()

    def call(fn, *args):
        return pool.submit(fn, *args).result()

    call.state = state
    yield call
    pool.submit(stop).result()
    pool.shutdown()


@pytest.fixture
def page(browser_thread, live_server):
    def open_page():
        context = browser_thread.state["browser"].new_context(
            viewport={"width": 1366, "height": 850}, base_url=live_server.url, locale="en-GB"
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    page = browser_thread(open_page)
    yield page
    browser_thread(page.context.close)


def log_in(page, username):
    page.goto("/")
    assert "/login/" in page.url
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")


def add_with_a_bad_cron(page):
    log_in(page, "erika")
    page.locator("nav.menu summary", has_text="Discovery").click()
    page.get_by_role("link", name="Discovery schedules").click()
    expect(page.get_by_role("heading", name="Discovery schedules")).to_be_visible()
    page.get_by_role("link", name="Add", exact=True).click()
    form = page.locator("#object-form")
    form.get_by_label("Name").fill("nightly-switches")
    form.get_by_label("Cron expression").fill("61 2 * * 1-5")
    form.get_by_label("Asset filter").fill("status=active")
    form.get_by_role("button", name="Save").click()
    # the model's check of the cron expression, shown on its field
    cron_row = page.locator(".form-row", has=page.locator("#id_cron"))
    expect(cron_row.get_by_role("alert")).to_contain_text("is not a valid cron expression")


def correct_and_save(page):
    form = page.locator("#object-form")
    form.get_by_label("Cron expression").fill("30 2 * * 1-5")
    form.get_by_role("button", name="Save").click()
    expect(page.locator("#schedule-state")).to_have_text("Enabled")
    expect(page.locator(".messages")).to_contain_text("Created discovery schedule “nightly-switches”")
    expect(page.locator("#next-run")).to_contain_text("02:30")  # planned when the save committed
    shot(page, "schedule")


def disable(page):
    page.get_by_role("button", name="Disable").click()
    expect(page.locator("#schedule-state")).to_have_text("Disabled")
    expect(page.locator(".messages")).to_contain_text("Disabled schedule “nightly-switches”")
    expect(page.locator("#toggle-enabled")).to_have_text("Enable")
    expect(page.locator("#next-run")).to_contain_text("disabled")


def listed_as_disabled(page):
    page.locator("nav.menu summary", has_text="Discovery").click()
    page.get_by_role("link", name="Discovery schedules").click()
    row = page.locator("#object-list tbody tr", has_text="nightly-switches")
    expect(row.locator("td.enabled")).to_have_text("Disabled")
    expect(row.locator("td.when")).to_have_text(re.compile(r"30 2 \* \* 1-5"))
    shot(page, "schedule-list")


def test_create_a_schedule_then_disable_it(browser_thread, page, transactional_db):
    UserFactory(username="erika", groups=["engineer"])
    browser_thread(add_with_a_bad_cron, page)
    assert not DiscoverySchedule.objects.exists()  # the invalid form saved nothing
    browser_thread(correct_and_save, page)
    s = DiscoverySchedule.objects.get()
    assert s.enabled and s.cron == "30 2 * * 1-5" and s.asset_filter == "status=active"
    assert s.next_run is not None
    browser_thread(disable, page)
    s.refresh_from_db()
    assert s.enabled is False and s.next_run is None
    browser_thread(listed_as_disabled, page)
