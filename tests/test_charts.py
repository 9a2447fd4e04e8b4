"""Chart geometry (werterhalt.charts): round axes, bars as tall as their values, numbers written
the same in every language (issue #15: German decimals in SVG attributes broke every chart)."""

import re

import pytest
from django.template import Context, Template
from django.utils import translation

from werterhalt import charts


@pytest.mark.parametrize("top, step", [
    (0, 1.0), (3, 1.0), (7.5, 2.0), (9, 2.5), (76785, 20000), (100000, 25000), (307140, 100000), (0.3, 0.1),
    (1_000_001, 500000),
])
def test_nice_step_is_round_and_covers_the_top_in_four_steps(top, step):
    assert charts.nice_step(top) == pytest.approx(step)
    assert charts.nice_step(top) * 4 >= top


@pytest.mark.parametrize("number, text", [
    (12.5, "12.5"), (12.0, "12"), (0.004, "0"), (-0.0, "0"), (1234567.891, "1234567.89"), (1e-9, "0"),
])
def test_svg_numbers_have_a_dot_and_no_grouping(number, text):
    assert charts.svg(number) == text


def test_bars_are_as_tall_as_their_values_on_a_round_axis():
    rows = [("Backlog", 76785, "bar-backlog"), ("2027", 12100.5, "bar"), ("2028", 0, "bar")]
    chart = charts.bar_chart(rows, line=("Budget", 30000))
    assert chart["axis_top"] == 80000
    assert [g["value"] for g in chart["grid"]] == [20000, 40000, 60000, 80000]
    plot = chart["plot_height"]
    for bar, value in zip(chart["bars"], [76785, 12100.5, 0], strict=True):
        assert float(bar.height) == pytest.approx(value / 80000 * plot, abs=0.01)
        assert float(bar.y) + float(bar.height) == pytest.approx(chart["height"], abs=0.01)
    assert float(chart["line"]["y"]) == pytest.approx(chart["height"] - 30000 / 80000 * plot, abs=0.01)


def test_a_line_above_every_bar_raises_the_axis():
    chart = charts.bar_chart([("2027", 1000, "bar")], line=("Budget", 5000))
    assert chart["axis_top"] == 6000
    expected = chart["height"] - 5000 / 6000 * chart["plot_height"]
    assert float(chart["line"]["y"]) == pytest.approx(expected, abs=0.01)


def test_empty_and_negative_values_draw_nothing_below_the_axis():
    assert charts.bar_chart([])["bars"] == []
    [bar] = charts.bar_chart([("x", -5, "bar")])["bars"]
    assert float(bar.height) == 0


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_chart_include_writes_the_same_geometry_in_every_language(language):
    chart = charts.bar_chart([("Rückstand", 12345.5, "bar-backlog"), ("2027", 2500.25, "bar")],
                             line=("Budget", 10000))
    with translation.override(language):
        html = Template('{% include "werterhalt/includes/chart.html" with chart=chart title="t" %}').render(
            Context({"chart": chart}))
    shapes = " ".join(re.findall(r"<(?:rect|line|text)\b[^>]*>", html))
    numbers = re.findall(r'\b(?:x|y|width|height|y1|y2|data-value)="([^"]*)"', shapes)
    assert numbers and all(re.fullmatch(r"-?\d+(\.\d+)?", n) for n in numbers), numbers
    assert 'data-value="12345.5"' in html and 'data-axis-top="15000"' in html
    assert "12\u2019345.50" in html  # the tooltip: Swiss money
    assert ">5\u2019000<" in html and ">15\u2019000<" in html  # ticks
