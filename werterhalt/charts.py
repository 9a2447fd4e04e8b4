"""A bar chart as plain geometry for an inline SVG: no JavaScript, no CDN, readable as a table."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass
class Bar:
    label: str
    value: Decimal | float
    x: float
    y: float
    width: float
    height: float
    css: str = ""
    title: str = ""


def bar_chart(
    rows: list[tuple[str, float, str]], width: int = 720, height: int = 220, gap: float = 0.25
) -> dict:
    """``rows`` = (label, value, css class). Returns bars scaled to the largest value, with
    ``width``/``height`` of the plot and four gridlines."""
    top = max((float(v) for _l, v, _c in rows), default=0) or 1.0
    step = width / max(len(rows), 1)
    bars = []
    for i, (label, value, css) in enumerate(rows):
        h = float(value) / top * (height - 20)
        bars.append(
            Bar(
                label,
                value,
                x=i * step + step * gap / 2,
                y=height - h,
                width=step * (1 - gap),
                height=h,
                css=css,
            )
        )
    grid = [{"y": height - (height - 20) * k / 4, "value": top * k / 4} for k in range(1, 5)]
    return {"bars": bars, "width": width, "height": height, "grid": grid, "label_y": height + 16}
