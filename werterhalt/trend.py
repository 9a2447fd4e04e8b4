"""A trend over months as plain geometry for an inline SVG (the Monitoring page): a line with a
point per month for shares, counts and years, bars for money; an optional target drawn as a
horizontal line. No JavaScript.

As in ``werterhalt.charts`` (whose ``svg`` and ``nice_step`` this uses), every coordinate is text
written the same way in every language: a German ``12,5`` in an SVG attribute is no number. The
value axis runs from 0 to a round top that also holds the target, so a point's height is
proportional to its value: ``y = height - value / axis_top * plot_height``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from werterhalt.charts import LABEL_ROOM, nice_step, svg

MAX_LABELS = 6  # month labels under the axis, at most


@dataclass
class Point:
    label: str  # the month, for people
    value: float
    text: str  # the value, for people
    x: str
    y: str


@dataclass
class Bar:
    label: str
    value: float
    text: str
    x: str
    y: str
    width: str
    height: str


def trend_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    kind: str = "line",
    target: float | None = None,
    fmt: Callable[[float], str] = str,
    tick_fmt: Callable[[float], str] | None = None,
    whole_steps: bool = False,
    width: int = 480,
    height: int = 160,
    gap: float = 0.2,
) -> dict:
    """``labels`` and ``values`` per month, oldest first (None: no figure that month — the line
    breaks there, no bar). ``kind`` "line" or "bars"; ``target`` the target's value; ``fmt``
    writes a value for people, ``tick_fmt`` an axis tick (default ``fmt``); ``whole_steps`` for
    counts: the axis never steps by less than 1 (no tick at 2.5 assets)."""
    tick_fmt = tick_fmt or fmt
    if kind not in ("line", "bars"):
        raise ValueError(kind)
    known = [float(v) for v in values if v is not None]
    top = max([*known, float(target) if target is not None else 0.0, 0.0])
    step = max(nice_step(top), 1.0) if whole_steps else nice_step(top)
    steps = max(1, math.ceil(top / step - 1e-9))
    axis = step * steps
    plot = height - LABEL_ROOM
    count = max(len(values), 1)
    slot = width / count

    def y_of(value: float) -> float:
        return height - max(value, 0.0) / axis * plot

    points: list[Point] = []
    bars: list[Bar] = []
    segments: list[str] = []
    run: list[str] = []
    for i, (label, raw) in enumerate(zip(labels, values, strict=True)):
        if raw is None:
            if run:
                segments.append(" ".join(run))
            run = []
            continue
        number = float(raw)
        x, y = i * slot + slot / 2, y_of(number)
        if kind == "line":
            points.append(Point(label, number, fmt(raw), svg(x), svg(y)))
            run.append(f"{svg(x)},{svg(y)}")
        else:
            bars.append(Bar(label, number, fmt(raw), x=svg(i * slot + slot * gap / 2), y=svg(y),
                            width=svg(slot * (1 - gap)), height=svg(height - y)))
    if run:
        segments.append(" ".join(run))
    # single points of a broken line still show (as dots); a polyline needs two
    segments = [s for s in segments if " " in s]
    every = max(1, math.ceil(count / MAX_LABELS))
    last = count - 1
    ticks = [
        {"x": svg(i * slot + slot / 2), "text": label}
        for i, label in enumerate(labels)
        if (last - i) % every == 0  # the newest month always has its label
    ]
    grid = [{"y": svg(y_of(step * k)), "value": step * k, "text": tick_fmt(step * k)}
            for k in range(0, steps + 1)]
    chart = {
        "kind": kind, "points": points, "bars": bars, "segments": segments, "grid": grid, "ticks": ticks,
        "width": width, "height": height, "label_y": height + 16, "axis_top": axis, "plot_height": plot,
        "view_box": f"-72 -10 {width + 104} {height + 32}", "target": None,
    }
    if target is not None:
        chart["target"] = {"value": float(target), "text": fmt(target), "y": svg(y_of(float(target)))}
    return chart
