"""The UI in a real browser: Playwright driving Debian's Chromium (headless) against a live server.

`make test` and `.ci/run` install the `chromium` package when it is missing; Playwright never
downloads a browser. Screenshots of the dashboard, the asset list and an asset page go to
tests/ui/artifacts/ (git-ignored) on every run.
"""

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from inventory.models import Asset, ObjectChange
from lifecycle import state
from lifecycle.models import HardwareNotice
from tests.factories import AssetFactory, HardwareModelFactory, OrgUnitFactory, SiteFactory, UserFactory
from tests.lifecycle.test_planning import world  # noqa: F401 - the planning test's inventory

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PASSWORD = "pw-for-tests"  # tests/factories.py UserFactory

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between
# browser steps are ordinary synchronous calls, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (make test does: apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        viewport={"width": 1366, "height": 850}, base_url=live_server.url, locale="en-GB"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def inventory(transactional_db):
    today = timezone.localdate()
    city = OrgUnitFactory(name="Stadt", slug="stadt")
    site = SiteFactory(name="Stadthaus", slug="stadthaus", org_unit=city)
    old = HardwareModelFactory(model="WS-C2960X-48FPD-L", category="switch", list_price=Decimal("3000"))
    new = HardwareModelFactory(model="C9300-48P", category="switch", list_price=Decimal("9000"))
    HardwareNotice.objects.create(
        end_of_sale=today - dt.timedelta(days=2000), last_date_of_support=today - dt.timedelta(days=30)
    ).hardware_models.add(old)
    HardwareNotice.objects.create(last_date_of_support=today + dt.timedelta(days=3000)).hardware_models.add(
        new
    )
    for i in range(3):
        AssetFactory(name=f"sth-old-{i}", hardware_model=old, site=site, org_unit=city)
        AssetFactory(name=f"sth-new-{i}", hardware_model=new, site=site, org_unit=city)
    state.refresh()
    return {"site": site}


@pytest.fixture
def engineer(transactional_db):
    return UserFactory(username="erika", groups=["engineer"])


def log_in(page, username):
    page.goto("/")
    assert "/login/" in page.url  # every page needs a login
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def table_names(page) -> list[str]:
    return sorted(page.locator("#object-list tbody td.name a").all_inner_texts())


def test_log_in_and_filter_assets_by_support_status(page, inventory, engineer):
    log_in(page, "erika")
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    assert page.locator("#support-status").get_by_text("Unsupported").is_visible()
    shot(page, "dashboard")

    page.locator("nav.menu summary", has_text="Inventory").click()
    page.get_by_role("link", name="Assets").first.click()
    assert len(table_names(page)) == 6
    shot(page, "asset-list")
    page.locator("#filter-form").get_by_label("Hardware support").select_option("unsupported")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**hardware_status=unsupported**")  # htmx swapped the table and pushed the URL
    page.locator("#object-list tbody tr").first.wait_for()
    assert table_names(page) == ["sth-old-0", "sth-old-1", "sth-old-2"]
    badges = page.locator("#object-list tbody td.hardware_status .badge")
    assert badges.all_inner_texts() == ["Unsupported"] * 3
    assert "badge-danger" in badges.first.get_attribute("class")  # colour and text
    # the export is of the filtered list, also after htmx swapped the table in place
    href = page.locator("#export-csv").get_attribute("href")
    assert "hardware_status=unsupported" in href
    exported = page.request.get(href).text()
    assert sorted(line.split(",")[0] for line in exported.splitlines()[1:]) == [
        "sth-old-0",
        "sth-old-1",
        "sth-old-2",
    ]


def test_open_an_asset_edit_it_and_see_the_change_log(page, inventory, engineer):
    log_in(page, "erika")
    page.get_by_placeholder("Name, serial, asset tag, model, address").fill("sth-old-1")
    page.keyboard.press("Enter")
    page.wait_for_url("**/assets/*/")  # a single match opens the asset page
    panel = page.locator("#lifecycle-panel")
    assert panel.get_by_text("Unsupported").is_visible()
    assert panel.locator("li.milestone-passed", has_text="Last date of support").is_visible()
    assert panel.get_by_text("Replace by").is_visible()
    shot(page, "asset-page")

    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Role").fill("access")
    page.get_by_label("Comments").fill("moved to the 2nd floor")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/assets/*/")
    changes = page.locator("#change-log")
    assert changes.get_by_text("moved to the 2nd floor").is_visible()
    assert changes.locator("tbody tr").first.get_by_text("erika").is_visible()
    asset = Asset.objects.get(name="sth-old-1")
    assert asset.role == "access"
    assert ObjectChange.objects.for_object(asset).first().user.username == "erika"


def test_bulk_edit_a_selection(page, inventory, engineer):
    log_in(page, "erika")
    page.goto("/assets/?q=sth-new")
    rows = page.locator("#object-list tbody tr")
    assert rows.count() == 3
    rows.nth(0).locator("input[name=pk]").check()
    rows.nth(2).locator("input[name=pk]").check()
    page.get_by_role("button", name="Edit selected").click()
    heading = page.get_by_role("heading", name="Edit 2 objects")
    heading.wait_for()  # the form posts and the edit page loads: is_visible() does not wait
    assert heading.is_visible()
    page.get_by_label("Status").select_option("maintenance")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/assets/?q=sth-new")
    assert page.get_by_text("Changed 2 assets.").is_visible()
    statuses = dict(Asset.objects.filter(name__startswith="sth-new").values_list("name", "status"))
    assert sorted(statuses.values()) == ["active", "maintenance", "maintenance"]


def test_switch_to_german(page, inventory, engineer):
    log_in(page, "erika")
    page.get_by_label("Language").select_option("de")
    page.wait_for_load_state()
    page.locator("html[lang=de]").wait_for()
    assert page.get_by_role("heading", name="Übersicht").is_visible()
    assert page.get_by_role("button", name="Abmelden").is_visible()
    page.goto("/assets/")
    assert page.get_by_role("heading", name="Geräte").is_visible()
    assert (
        page.locator("#object-list tbody td.hardware_status .badge")
        .get_by_text("Nicht mehr unterstützt")
        .count()
        == 3
    )
    shot(page, "asset-list-de")


def test_keyboard_reaches_the_menu_and_search(page, inventory, engineer):
    log_in(page, "erika")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    assert page.locator("nav.menu details[open]").count() == 1
    page.keyboard.press("Escape")
    assert page.locator("nav.menu details[open]").count() == 0


def test_artifacts_are_ignored_by_git():
    ignore = (Path(__file__).resolve().parents[2] / ".gitignore").read_text()
    assert "tests/ui/artifacts/" in ignore.splitlines()


def test_planning_page_filters_change_the_chart_and_the_download(page, transactional_db, world):  # noqa: F811
    UserFactory(username="paula", groups=["planner"])  # planners may download plans
    log_in(page, "paula")
    page.locator("nav.menu summary", has_text="Lifecycle").click()
    page.get_by_role("link", name="Planning").click()
    form = page.locator("#plan-form")
    form.get_by_label("Plan as of").fill("2027-01-15")
    form.get_by_label("Yearly budget (CHF)").fill("2500")
    form.get_by_role("button", name="Apply").click()
    page.wait_for_url("**budget=2500**")
    backlog = page.locator("#budget-per-year rect[data-label=Backlog]")
    assert float(backlog.get_attribute("data-value")) == 3000
    assert page.locator("#capped-plan tbody tr").first.inner_text().startswith("2027")
    shot(page, "planning")

    form.get_by_label("Organisational unit").select_option(label="Schools")
    form.get_by_role("button", name="Apply").click()
    page.wait_for_url("**org_unit=**")
    assert (
        float(page.locator("#budget-per-year rect[data-label=Backlog]").get_attribute("data-value")) == 2000
    )
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    text = Path(download.value.path()).read_text()
    assert [line.split(",")[1] for line in text.splitlines()[1:]] == ["a1", "a9", "a5", "a3"]


def test_no_page_breaks_the_content_security_policy(page, inventory, engineer):
    """issue #14: scripts only from our own files. Chromium reports every blocked script, style
    or image as a `securitypolicyviolation` event; none may occur, and the pages still work."""
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    log_in(page, "erika")
    for url in ["/", "/assets/", f"/sites/{inventory['site'].pk}/", "/planning/", "/api/docs/",
                "/admin/", "/tokens/"]:
        response = page.goto(url)
        assert "script-src 'self'" in response.headers["content-security-policy"], url
        page.wait_for_load_state("networkidle")
    # htmx still works: the filter swaps the table in place and pushes the URL
    page.goto("/assets/")
    page.locator("#filter-form").get_by_label("Hardware support").select_option("unsupported")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**hardware_status=unsupported**")
    page.locator("#object-list tbody tr").first.wait_for()
    assert table_names(page) == ["sth-old-0", "sth-old-1", "sth-old-2"]
    # Swagger UI (its start script is a file of its own) rendered the operations
    page.goto("/api/docs/")
    page.locator(".opblock").first.wait_for()
    assert violations == []


CHART_GEOMETRY = """svg => {
  const top = parseFloat(svg.dataset.axisTop), plot = parseFloat(svg.dataset.plotHeight);
  return Array.from(svg.querySelectorAll('rect')).map(r => ({
    label: r.dataset.label, value: parseFloat(r.dataset.value), height: r.getBBox().height,
    expected: parseFloat(r.dataset.value) / top * plot, width: r.getBBox().width}));
}"""


@pytest.mark.parametrize("language", ["en", "de"])
def test_chart_bars_have_the_heights_of_their_values_in_both_languages(
    page, transactional_db, world, language  # noqa: F811
):
    """Numbers in the SVG are written the same in every language: each bar is as tall as its
    value on the axis (German decimals once made bars vanish); the budget line sits at the
    budget; the support bars on the dashboard are as wide as their share."""
    UserFactory(username="paula", groups=["planner"])
    log_in(page, "paula")
    page.get_by_label("Language").select_option(language)
    page.wait_for_load_state()
    page.locator(f"html[lang={language}]").wait_for()

    page.goto("/planning/?at=2027-01-15&horizon=10&budget=2500")
    budget = page.locator("#budget-per-year svg.chart")
    bars = budget.evaluate(CHART_GEOMETRY)
    assert len(bars) >= 3 and any(b["height"] > 10 for b in bars)
    for bar in bars:
        assert bar["width"] > 5
        assert abs(bar["height"] - bar["expected"]) < 0.6, bar
    assert next(b for b in bars if b["label"] in ("Backlog", "Rückstand"))["value"] == 3000
    assert max(bars, key=lambda b: b["height"])["value"] == max(b["value"] for b in bars)

    capped = page.locator("#capped-plan svg.chart")
    for bar in capped.evaluate(CHART_GEOMETRY):
        assert abs(bar["height"] - bar["expected"]) < 0.6, bar
    line = capped.evaluate("""svg => { const l = svg.querySelector('line.budget-line');
        return {y: l.getBBox().y, top: parseFloat(svg.dataset.axisTop),
                plot: parseFloat(svg.dataset.plotHeight), value: parseFloat(l.dataset.value)}; }""")
    assert line["value"] == 2500
    assert abs((220 - line["y"]) - 2500 / line["top"] * line["plot"]) < 0.6
    ticks = capped.locator("text[text-anchor=end]:not(.budget-label)").all_text_contents()
    assert ticks and all(t.replace("\u2019", "").isdigit() for t in ticks)  # round, Swiss grouping
    shot(page, f"planning-chart-{language}")

    page.goto("/")
    shares = page.evaluate("""() => Array.from(document.querySelectorAll('.track .fill')).map(f => ({
        fill: f.getBoundingClientRect().width, track: f.parentElement.getBoundingClientRect().width,
        style: f.getAttribute('style')}))""")
    assert shares
    for share in shares:
        percent = float(share["style"].split("width:")[1].rstrip("%"))
        assert abs(share["fill"] - share["track"] * percent / 100) < 1.5, share


def test_an_impossible_date_is_refused_not_cleared(page, inventory, engineer):
    """31 February typed into a date field: the browser cannot read it and would send the field
    empty (the form has novalidate), clearing the stored date with "Changed asset". The page
    stops the form at that field instead; the stored date stays."""
    asset = Asset.objects.get(name="sth-old-1")
    asset.purchase_date = dt.date(2019, 5, 17)
    asset.save()
    changes = ObjectChange.objects.for_object(asset).count()
    log_in(page, "erika")
    page.goto(f"/assets/{asset.pk}/edit/")
    field = page.get_by_label("Purchase date")
    for digits in ("02312024", "31022024"):  # the field's order follows the browser's locale
        page.goto(f"/assets/{asset.pk}/edit/")
        field.focus()
        page.keyboard.press("Shift+Tab")  # to the field's first part
        page.keyboard.press("Tab")
        page.keyboard.type(digits)
        if field.evaluate("el => el.validity.badInput"):
            break
    assert field.evaluate("el => el.validity.badInput") is True, field.evaluate("el => el.value")
    page.get_by_role("button", name="Save").click()
    assert field.evaluate("el => document.activeElement === el") is True
    assert page.url.endswith(f"/assets/{asset.pk}/edit/")
    asset.refresh_from_db()
    assert asset.purchase_date == dt.date(2019, 5, 17)
    assert ObjectChange.objects.for_object(asset).count() == changes
