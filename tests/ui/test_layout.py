"""Layout in a real browser (issue #15): no page scrolls sideways at 1440×900 or on a phone
(390×844), in English and German, over an inventory with long names; the asset list's names
stay on one line (cut with an ellipsis, the whole name in ``title``); on a phone the menu and
the filters are folded and the first asset row is on the first screen.

Geometry is measured in Chromium (tests/ui/test_browser.py's fixtures); screenshots go to
tests/ui/artifacts/layout-<page>-<width>-<language>.png. The last tests check, without a
browser, that the table body written in Python (werterhalt.tables.Table.body_html) is what
django-tables2's template loop writes.
"""

import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from inventory.models import Asset
from inventory.tables import AssetTable
from lifecycle import state
from lifecycle.models import LifecycleState
from tests.factories import (
    AssetFactory,
    HardwareModelFactory,
    ModuleFactory,
    OrgUnitFactory,
    SiteFactory,
)
from tests.ui.test_browser import CHROMIUM, engineer, inventory, shot  # noqa: F401 - fixtures

# Playwright (test_browser's, in this thread) makes Django see a running event loop here
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
LONG_NAME = "sw-schulhaus-kirchbuehl-oberdorf-turnhalle-nebengebaeude-access-stack-01"
LONG_SITE = "Schulhaus Kirchbühl-Oberdorf, Turnhalle und Nebengebäude"
LONG_UNIT = "Departement Bildung, Kultur und Sport – Schulverwaltung und Liegenschaften"
LONG_MODEL = "C9300X-48HXN-A-NETWORK-ADVANTAGE-BUNDLE"


@pytest.fixture
def long_names(inventory):  # noqa: F811
    """The browser tests' inventory and assets with the longest names people give."""
    unit = OrgUnitFactory(name=LONG_UNIT, slug="bildung-schulverwaltung")
    site = SiteFactory(name=LONG_SITE, slug="kirchbuehl", org_unit=unit)
    model = HardwareModelFactory(model=LONG_MODEL, category="switch")
    asset = AssetFactory(
        name=LONG_NAME,
        hardware_model=model,
        site=site,
        org_unit=unit,
        serial="FOC2231X0QZ-SUPERLONGSERIAL-0000000000000001",
        role="access switch, gym, changing rooms, caretaker",  # 45 of the 50 a role may have
        comments="https://intranet.example.ch/netzwerk/standorte/kirchbuehl-oberdorf/"
        "turnhalle/dokumentation/verkabelung-und-patchpanel-belegung.pdf",
    )
    for k in range(3):
        ModuleFactory(asset=asset, name=f"Slot {k}", description="C9300X-NM-8Y network module " * 3)
        AssetFactory(name=f"{LONG_NAME}-{k}", hardware_model=model, site=site, org_unit=unit)
    asset.role = "core"
    asset.save()  # a change in the change log
    state.refresh()
    # the longest badges there are, on the row with the longest name
    Asset.objects.filter(name=LONG_NAME).update(status="decommissioned")
    LifecycleState.objects.filter(asset__name=LONG_NAME).update(
        hardware_status="supported_no_end", software_status="supported_no_end", risk="critical"
    )
    return {**inventory, "asset": Asset.objects.get(pk=asset.pk)}


@pytest.fixture(scope="module")
def browser():
    """Runs ``steps(page)`` in a thread of its own that owns a Playwright and a headless Chromium:
    tests/ui/test_browser.py keeps a sync Playwright open in the main thread for the whole session,
    and a second one cannot start there (as tests/ui/test_browser_schedules.py does; one
    session-wide browser in a tests/ui conftest would let the modules share one)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make test does)")
    from playwright.sync_api import sync_playwright

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="playwright-layout")
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

    def run(live_server, user, viewport, language, steps):
        """``steps(page)`` on a page signed in as ``user`` (the session made here, in the test's
        thread, as the database is), at ``viewport``, in ``language`` (the language cookie)."""
        client = Client()
        client.force_login(user)
        cookies = [
            {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url},
            {"name": "django_language", "value": language, "url": live_server.url},
        ]

        def go():
            context = state["browser"].new_context(
                viewport=viewport, base_url=live_server.url, locale="en-GB"
            )
            context.add_cookies(cookies)
            page = context.new_page()
            page.set_default_timeout(10_000)
            try:
                return steps(page)
            finally:
                context.close()

        return pool.submit(go).result()

    yield run
    pool.submit(stop).result()
    pool.shutdown()


WIDEST = """() => { const out = [];
  for (const el of document.querySelectorAll('body *')) { const r = el.getBoundingClientRect();
    if (r.right > window.innerWidth + 0.5 && r.width > 0)
      out.push(`${el.tagName}#${el.id}.${el.className}`); }
  return out.slice(0, 8); }"""  # what sticks out, for the failure message


def sideways(page) -> dict:
    return page.evaluate("() => ({scroll: document.documentElement.scrollWidth, window: window.innerWidth})")


PAGES = {
    "dashboard": lambda data: "/",
    "assets": lambda data: "/assets/",
    "asset": lambda data: data["asset"].get_absolute_url(),
    "planning": lambda data: "/planning/?budget=2500",
}


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440", "390"])
def test_no_page_scrolls_sideways(browser, live_server, long_names, engineer, viewport, language):  # noqa: F811
    urls = {name: url(long_names) for name, url in PAGES.items()}

    def steps(page):
        for name, url in urls.items():
            response = page.goto(url)
            assert response.status == 200, url
            page.locator(f"html[lang={language}]").wait_for()
            page.wait_for_load_state("load")
            width = sideways(page)
            shot(page, f"layout-{name}-{viewport['width']}-{language}")
            assert width["scroll"] <= width["window"], (name, width, page.evaluate(WIDEST))

    browser(live_server, engineer, viewport, language, steps)


NAME_CELL = """td => { const cut = td.querySelector('.cut'), style = getComputedStyle(cut);
  const line = parseFloat(style.lineHeight), pad = getComputedStyle(td);
  return {cell: td.getBoundingClientRect().height - parseFloat(pad.paddingTop)
                - parseFloat(pad.paddingBottom) - parseFloat(pad.borderBottomWidth),
          text: cut.getBoundingClientRect().height, line: line, title: cut.title,
          shown: cut.clientWidth, full: cut.scrollWidth, overflow: style.textOverflow}; }"""


@pytest.mark.parametrize("language", ["en", "de"])
def test_asset_list_fits_1440_with_names_on_one_line(browser, live_server, long_names, engineer, language):  # noqa: F811
    def steps(page):
        page.goto("/assets/?sort=-name")
        table = page.locator("#object-list")
        wrap = table.evaluate(
            "t => ({scroll: t.parentElement.scrollWidth, box: t.parentElement.clientWidth})"
        )
        assert wrap["scroll"] <= wrap["box"], wrap  # the table fits its box: no scrolling inside either
        assert sideways(page)["scroll"] <= DESKTOP["width"]
        cell = page.locator("#object-list tbody td.name", has_text=LONG_NAME).first
        geometry = cell.evaluate(NAME_CELL)
        assert geometry["title"].startswith(LONG_NAME)  # the whole name, not the cut one
        assert geometry["line"] > 10
        assert geometry["text"] <= geometry["line"] + 1, geometry  # one line, not three
        assert geometry["cell"] < 1.8 * geometry["line"], geometry  # and the row is one line high
        assert geometry["full"] > geometry["shown"] and geometry["overflow"] == "ellipsis", geometry
        assert page.locator("#object-list tbody td.name a").first.get_attribute("href").startswith("/assets/")
        # the columns left out of the default are still in the chooser
        page.locator("details.columns summary").click()
        chooser = page.locator("details.columns input[name=columns]")
        values = {box.get_attribute("value"): box.is_checked() for box in chooser.all()}
        assert values["serial"] is False and values["org_unit"] is False and values["name"] is True
        shot(page, f"layout-assets-columns-{language}")

    browser(live_server, engineer, DESKTOP, language, steps)


@pytest.mark.parametrize("language", ["en", "de"])
def test_phone_list_first_menu_and_filters_folded(browser, live_server, long_names, engineer, language):  # noqa: F811
    def steps(page):
        page.goto("/assets/")
        first_row = page.locator("#object-list tbody tr").first
        top = first_row.evaluate("tr => tr.getBoundingClientRect().top + window.scrollY")
        assert 0 < top < 900, top
        assert first_row.evaluate("tr => tr.getBoundingClientRect().bottom") < PHONE["height"]
        # menu and filters folded behind their summaries, and they open
        assert not page.locator("nav.menu").is_visible()
        assert not page.locator("#filter-form").is_visible()
        page.locator("#site-menu > summary").click()
        assert page.locator("nav.menu").is_visible()
        assert page.locator("#global-search").is_visible()
        box = page.locator("#global-search").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        page.locator("#site-menu > summary").click()
        page.locator("#filter-box > summary").click()
        assert page.locator("#filter-form").is_visible()
        form = page.locator("#filter-form").bounding_box()
        assert form["x"] >= 0 and form["x"] + form["width"] <= PHONE["width"]
        # the table scrolls in its own box, the page does not
        wrap = page.locator(".table-wrap").first.evaluate(
            "w => ({scroll: w.scrollWidth, box: w.clientWidth, overflow: getComputedStyle(w).overflowX})"
        )
        assert wrap["box"] <= PHONE["width"] and wrap["overflow"] == "auto", wrap
        assert sideways(page)["scroll"] <= PHONE["width"]
        shot(page, f"layout-assets-phone-open-{language}")

    browser(live_server, engineer, PHONE, language, steps)


@pytest.mark.parametrize("language", ["en", "de"])
def test_phone_planning_shows_the_plan_first_with_its_form_folded(browser, live_server, long_names, engineer,  # noqa: F811
                                                                   language):
    def steps(page):
        page.goto("/planning/?budget=2500")
        totals = page.locator("#plan-totals")
        top = totals.evaluate("e => e.getBoundingClientRect().top + window.scrollY")
        assert 0 < top < 400, top  # the plan's figures right below the header, not below 20 fields
        assert not page.locator("#plan-form").is_visible()
        page.locator("#plan-box > summary").click()
        form = page.locator("#plan-form").bounding_box()
        assert form["height"] > 300 and form["x"] >= 0 and form["x"] + form["width"] <= PHONE["width"]
        assert sideways(page)["scroll"] <= PHONE["width"]
        shot(page, f"layout-planning-phone-open-{language}")

    browser(live_server, engineer, PHONE, language, steps)


def test_desktop_shows_the_plan_form_without_a_click(browser, live_server, long_names, engineer):  # noqa: F811
    def steps(page):
        page.goto("/planning/")
        assert page.locator("#plan-form").get_by_label("Yearly budget (CHF)").is_visible()
        assert not page.locator("#plan-box > summary").is_visible()

    browser(live_server, engineer, DESKTOP, "en", steps)


def test_desktop_shows_menu_and_filters_without_a_click(browser, live_server, long_names, engineer):  # noqa: F811
    def steps(page):
        page.goto("/assets/")
        assert page.locator("nav.menu").is_visible()
        assert page.locator("#filter-form").get_by_label("Hardware support").is_visible()
        assert not page.locator("#site-menu > summary").is_visible()
        assert not page.locator("#filter-box > summary").is_visible()
        header = page.locator("header.top").bounding_box()
        assert header["height"] < 60, header  # one row: brand, menu, search, user

    browser(live_server, engineer, DESKTOP, "en", steps)


# --- the table body written in Python is the template's ---------------------------------------


def normalised(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


def both_bodies(table) -> tuple[str, str]:
    request = RequestFactory().get("/assets/")
    fast = table.as_html(request)
    table.renders_body = False  # django-tables2's template loop
    slow = table.as_html(request)
    return normalised(fast), normalised(slow)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "de"])
def test_python_table_body_is_the_template_body(language):
    model = HardwareModelFactory(model="C9300-48P <script>", category="switch")
    AssetFactory(name="a&b <i>", hardware_model=model, site=None, org_unit=None, management_address=None)
    AssetFactory(name=LONG_NAME, hardware_model=model, role="core", needs_review=True)
    state.refresh()
    AssetFactory(name="no-lifecycle-yet", hardware_model=model)  # no stored answers: defaults
    with translation.override(language):
        table = AssetTable(Asset.objects.for_lists().order_by("name"))  # every column
        fast, slow = both_bodies(table)
    assert fast == slow
    assert "&lt;script&gt;" in fast and "<script>" not in fast
    assert f'title="{LONG_NAME}"' in fast
    assert fast.count("<tr ") == 3


@pytest.mark.django_db
def test_python_table_body_of_an_empty_table():
    fast, slow = both_bodies(AssetTable(Asset.objects.none()))
    assert fast == slow and "Nothing matches." in fast


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "de"])
def test_filter_form_selects_are_written_as_django_writes_them(language):
    """``field_html`` (werterhalt templatetags) writes a <select> in Python: the same HTML as
    ``{{ field }}``, with and without chosen values, an error and help texts."""
    from django.contrib.auth.models import AnonymousUser

    from inventory.filtersets import AssetFilterSet
    from werterhalt.templatetags.werterhalt import field_html

    unit = OrgUnitFactory(name='Bau & "Verkehr" <Amt>', slug="bau")
    site = SiteFactory(name="Werkhof <Süd>", org_unit=unit)
    model = HardwareModelFactory(model="C9300-48P & more", category="switch")
    AssetFactory(hardware_model=model, site=site, org_unit=unit)
    for query in (
        "",
        f"site_id={site.pk}&hardware_model_id={model.pk}&status=active&status=spare"
        "&replacement_bucket=backlog&needs_review=true&risk=nonsense",
    ):
        request = RequestFactory().get(f"/assets/?{query}")
        request.user = AnonymousUser()
        with translation.override(language):
            filterset = AssetFilterSet(request.GET or None, queryset=Asset.objects.all(), request=request)
            filterset.is_valid()
            selects = [f for f in filterset.form if "<select" in str(f)]
            assert len(selects) > 10
            for field in filterset.form:
                assert field_html(field) == str(field), field.name


BAR_ROWS = """() => [...document.querySelectorAll('.bars .row')].map(row => {
  const badge = row.querySelector('.badge'), track = row.querySelector('.track');
  return badge && track ? {label: badge.textContent.trim(), right: badge.getBoundingClientRect().right,
                           track: track.getBoundingClientRect().left} : null; }).filter(Boolean)"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440", "390"])
def test_dashboard_support_labels_never_cover_their_bars(
    browser, live_server, long_names, engineer, viewport  # noqa: F811
):
    """German "Unterstützt, Ende nicht angekündigt" is wider than the label column: it wraps in its
    column instead of lying over the bar (it did at 1440 px)."""

    def steps(page):
        page.goto("/")
        rows = page.evaluate(BAR_ROWS)
        assert any("angekündigt" in row["label"] for row in rows), rows
        for row in rows:
            assert row["right"] <= row["track"] + 0.5, row

    browser(live_server, engineer, viewport, "de", steps)
