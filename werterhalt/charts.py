"""A bar chart as plain geometry for an inline SVG: no JavaScript, no CDN, readable as a table.

Geometry is handed to templates as text written the same way in every language (``svg``):
Django localises numbers in templates, and a German ``12,5`` in an SVG attribute is no number —
the bars vanished. The value axis runs from 0 to a round top in round steps (``nice_step``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

LABEL_ROOM = 20  # px above the tallest tick for its label


def svg(number: float) -> str:
    """A coordinate for an SVG attribute or a CSS length: at most two decimals, a dot, no
    grouping, whatever the language."""
    text = f"{float(number):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def nice_step(top: float, ticks: int = 4) -> float:
    """The smallest round step (1, 2, 2.5 or 5 times a power of ten) that covers ``top`` in at
    most ``ticks`` steps."""
    if top <= 0:
        return 1.0
    rough = top / ticks
    power = 10 ** math.floor(math.log10(rough))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= rough:
            return factor * power
    return 10 * power  # pragma: no cover - the loop always returns


@dataclass
class Bar:
    label: str
    value: Decimal | float
    x: str
    y: str
    width: str
    height: str
    css: str = ""
    title: str = ""


def bar_chart(
    rows: list[tuple[str, float, str]],
    width: int = 720,
    height: int = 220,
    gap: float = 0.25,
    line: tuple[str, float] | None = None,
) -> dict:
    """``rows`` = (label, value, css class). Bars scaled to a round axis top (``nice_step``),
    gridlines at each step; ``line`` = (label, value) draws a horizontal line across (a yearly
    budget), the axis raised to hold it."""
    values = [float(v) for _l, v, _c in rows]
    top = max([*values, float(line[1]) if line else 0.0, 0.0])
    step = nice_step(top)
    steps = max(1, math.ceil(top / step - 1e-9))
    axis = step * steps
    plot = height - LABEL_ROOM

    def y_of(value: float) -> float:
        return height - max(value, 0.0) / axis * plot

    slot = width / max(len(rows), 1)
    bars = [
        Bar(label, value, x=svg(i * slot + slot * gap / 2), y=svg(y_of(float(value))),
            width=svg(slot * (1 - gap)), height=svg(height - y_of(float(value))), css=css)
        for i, (label, value, css) in enumerate(rows)
    ]
    grid = [{"y": svg(y_of(step * k)), "value": step * k} for k in range(1, steps + 1)]
    chart = {"bars": bars, "width": width, "height": height, "grid": grid, "label_y": height + 16,
             "view_box": f"-60 -10 {width + 80} {height + 40}", "line": None,
             "axis_top": axis, "plot_height": plot}
    if line:
        chart["line"] = {"label": line[0], "value": line[1], "y": svg(y_of(float(line[1])))}
    return chart
