"""The Monitoring page in a real browser (issue #16): Debian's Chromium, German, Bildung with 24
monthly snapshots of known values (tests/lifecycle/test_monitoring.py's ``world``: 0.5·i % out
of hardware support in month i, its own target ≤ 10 %). The trend's points are measured where
Chromium draws them: each point's height above the chart's zero line is proportional to its
value, and the target line stands at 10 % of that scale; German figures (11,5 %); nothing
scrolls sideways at 390 px or 1440 px. Screenshots: tests/ui/artifacts/monitoring-*.png."""

import os

import pytest

from tests.factories import UserFactory
from tests.lifecycle.test_monitoring import world  # noqa: F401 - the fixture
from tests.ui.test_browser import shot
from tests.ui.test_layout import DESKTOP, PHONE, WIDEST, browser, sideways  # noqa: F401 - fixture

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

GEOMETRY = """svg => {
  const mid = r => r.top + r.height / 2;
  const lines = [...svg.querySelectorAll('line.grid')].map(l => l.getBoundingClientRect());
  const zero = Math.max(...lines.map(mid));
  return {
    zero: zero,
    points: [...svg.querySelectorAll('circle.trend-point')].map(c => ({
      value: parseFloat(c.dataset.value), y: mid(c.getBoundingClientRect()),
      x: c.getBoundingClientRect().left})),
    target: mid(svg.querySelector('line.target-line').getBoundingClientRect()),
    box: svg.getBoundingClientRect().toJSON(),
    axisTop: parseFloat(svg.dataset.axisTop),
  };
}"""


@pytest.fixture
def planner(transactional_db):
    return UserFactory(username="paula", groups=["planner"])


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440", "390"])
def test_trend_points_follow_the_values_in_german(browser, live_server, world, planner, viewport):  # noqa: F811
    url = f"/monitoring/?unit={world['bildung'].pk}&months=24"

    def steps(page):
        response = page.goto(url)
        assert response.status == 200
        page.locator("html[lang=de]").wait_for()
        card = page.locator("#kpi-hw_out_share")
        assert card.locator(".kpi-value").inner_text() == "11,5 %"
        assert card.locator(".target-text").inner_text() == "≤ 10,0 %"
        assert card.get_attribute("data-light") == "red"
        geometry = card.locator("svg.trend").evaluate(GEOMETRY)
        points = geometry["points"]
        assert [p["value"] for p in points] == [0.5 * i for i in range(24)]
        zero, target = geometry["zero"], geometry["target"]
        # pixels per percent, from the target line (10 %) to the zero line
        scale = (zero - target) / 10
        assert scale > 0
        for p in points:
            assert zero - p["y"] == pytest.approx(p["value"] * scale, abs=0.6), p
        # the highest point (11.5 %) is above the target line by 1.5 % of the scale
        assert target - points[-1]["y"] == pytest.approx(1.5 * scale, abs=0.6)
        # the axis runs to 15 %: the chart's plot is 15 × scale high
        assert geometry["axisTop"] == 15
        assert points == sorted(points, key=lambda p: p["x"])  # months left to right
        assert all(geometry["box"]["left"] <= p["x"] <= geometry["box"]["right"] for p in points)
        # money as bars: the backlog grows month by month, CHF 1'000.50 … 24'000.50
        bars = page.locator("#kpi-backlog_cost svg.trend rect.bar").evaluate_all(
            "rs => rs.map(r => r.getBoundingClientRect().height)")
        assert len(bars) == 24
        assert bars[-1] / bars[0] == pytest.approx(24000.5 / 1000.5, rel=0.02)
        # the month table in German, newest first
        first = page.locator("#monitoring-table tbody tr").first.locator("td").all_inner_texts()
        assert first[:3] == ["12.2025", "123", "11,5 %"] and first[5] == "24’000.50"
        cell = page.locator("#monitoring-table tbody td.num").first
        assert cell.evaluate("td => getComputedStyle(td).textAlign") == "right"
        width = sideways(page)
        shot(page, f"monitoring-{viewport['width']}-de")
        assert width["scroll"] <= width["window"], (width, page.evaluate(WIDEST))
        # every chart fits its card
        boxes = page.locator("section.kpi").evaluate_all(
            "cs => cs.map(c => [c.getBoundingClientRect().right,"
            " c.querySelector('svg').getBoundingClientRect().right])")
        assert all(svg <= card + 0.5 and card <= viewport["width"] for card, svg in boxes), boxes

    browser(live_server, planner, viewport, "de", steps)


def test_empty_state_in_german_at_phone_width(browser, live_server, planner):  # noqa: F811
    def steps(page):
        assert page.goto("/monitoring/").status == 200
        page.locator("html[lang=de]").wait_for()
        assert page.locator("#monitoring-empty code").first.inner_text() == "manage.py snapshot"
        width = sideways(page)
        assert width["scroll"] <= width["window"], (width, page.evaluate(WIDEST))

    browser(live_server, planner, PHONE, "de", steps)
