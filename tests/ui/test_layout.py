"""Layout in a real browser (issue #15): no page scrolls sideways at 1440×900 or on a phone
(390×844), in English and German, over an inventory with long names; the asset list's names
stay on one line (cut with an ellipsis, the whole name in ``title``); on a phone the menu and
the filters are folded and the first asset row is on the first screen.

Geometry is measured in Chromium (tests/ui/test_browser.py's fixtures); screenshots go to
tests/ui/artifacts/layout-<page>-<width>-<language>.png. The last tests check, without a
browser, that the table body written in Python (werterhalt.tables.Table.body_html) is what
django-tables2's template loop writes.
"""

import re

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from inventory.models import Asset
from inventory.tables import AssetTable
from lifecycle import state
from tests.factories import (
    AssetFactory,
    HardwareModelFactory,
    ModuleFactory,
    OrgUnitFactory,
    SiteFactory,
)
from tests.ui.test_browser import browser, engineer, inventory, shot  # noqa: F401 - fixtures

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
        role="access switch for the gym, the changing rooms and the caretaker's flat",
        comments="https://intranet.example.ch/netzwerk/standorte/kirchbuehl-oberdorf/"
        "turnhalle/dokumentation/verkabelung-und-patchpanel-belegung.pdf",
    )
    for k in range(3):
        ModuleFactory(asset=asset, name=f"Slot {k}", description="C9300X-NM-8Y network module " * 3)
        AssetFactory(name=f"{LONG_NAME}-{k}", hardware_model=model, site=site, org_unit=unit)
    asset.role = "core"
    asset.save()  # a change in the change log
    state.refresh()
    return {**inventory, "asset": Asset.objects.get(pk=asset.pk)}


def open_page(browser, live_server, user, viewport, language):  # noqa: F811
    """A signed-in page of ``user`` at ``viewport`` in ``language`` (the language cookie)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport, base_url=live_server.url, locale="en-GB")
    context.add_cookies(
        [
            {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url},
            {"name": "django_language", "value": language, "url": live_server.url},
        ]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


WIDEST = """() => { const out = [];
  for (const el of document.querySelectorAll('body *')) { const r = el.getBoundingClientRect();
    if (r.right > window.innerWidth + 0.5 && r.width > 0) out.push(`${el.tagName}#${el.id}.${el.className}`); }
  return out.slice(0, 8); }"""  # what sticks out, for the failure message


def sideways(page) -> dict:
    return page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, window: window.innerWidth})"
    )


PAGES = {
    "dashboard": lambda data: "/",
    "assets": lambda data: "/assets/",
    "asset": lambda data: data["asset"].get_absolute_url(),
    "planning": lambda data: "/planning/?budget=2500",
}


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440", "390"])
def test_no_page_scrolls_sideways(browser, live_server, long_names, engineer, viewport, language):  # noqa: F811
    page = open_page(browser, live_server, engineer, viewport, language)
    for name, url in PAGES.items():
        response = page.goto(url(long_names))
        assert response.status == 200, url(long_names)
        page.locator(f"html[lang={language}]").wait_for()
        page.wait_for_load_state("load")
        width = sideways(page)
        shot(page, f"layout-{name}-{viewport['width']}-{language}")
        assert width["scroll"] <= width["window"], (name, width, page.evaluate(WIDEST))
    page.context.close()


NAME_CELL = """td => { const cut = td.querySelector('.cut'), style = getComputedStyle(cut);
  const line = parseFloat(style.lineHeight), pad = getComputedStyle(td);
  return {cell: td.getBoundingClientRect().height - parseFloat(pad.paddingTop)
                - parseFloat(pad.paddingBottom) - parseFloat(pad.borderBottomWidth),
          text: cut.getBoundingClientRect().height, line: line, title: cut.title,
          shown: cut.clientWidth, full: cut.scrollWidth, overflow: style.textOverflow}; }"""


@pytest.mark.parametrize("language", ["en", "de"])
def test_asset_list_fits_1440_with_names_on_one_line(browser, live_server, long_names, engineer, language):  # noqa: F811
    page = open_page(browser, live_server, engineer, DESKTOP, language)
    page.goto("/assets/?sort=-name")
    table = page.locator("#object-list")
    wrap = table.evaluate("t => ({scroll: t.parentElement.scrollWidth, box: t.parentElement.clientWidth})")
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
    page.context.close()


@pytest.mark.parametrize("language", ["en", "de"])
def test_phone_shows_the_list_first_and_folds_menu_and_filters(
    browser, live_server, long_names, engineer, language  # noqa: F811
):
    page = open_page(browser, live_server, engineer, PHONE, language)
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
    page.context.close()


def test_desktop_shows_menu_and_filters_without_a_click(browser, live_server, long_names, engineer):  # noqa: F811
    page = open_page(browser, live_server, engineer, DESKTOP, "en")
    page.goto("/assets/")
    assert page.locator("nav.menu").is_visible()
    assert page.locator("#filter-form").get_by_label("Hardware support").is_visible()
    assert not page.locator("#site-menu > summary").is_visible()
    assert not page.locator("#filter-box > summary").is_visible()
    header = page.locator("header.top").bounding_box()
    assert header["height"] < 60, header  # one row: brand, menu, search, user
    page.context.close()


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
