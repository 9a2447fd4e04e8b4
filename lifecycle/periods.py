"""Budget periods: fiscal years and their quarters, the one definition of which period a date
falls in and what a period is called (docs/planning.md, "Fiscal year").

Floor 1: plain functions, no database. The fiscal year starts on the first day of the month
``settings.FISCAL_YEAR_START_MONTH`` (1–12, default 1: the calendar year). A fiscal year is
numbered by the calendar year it starts in and named ``2027`` when it is the calendar year, else
``2026/27`` (July 2026 to June 2027). Its quarters are counted from its start: ``2027Q1``,
``2026/27Q1``. ``rules.bucket``, ``lifecycle.frame.bucket``, ``figures.bucket_labels`` and the
capped plan all ask this module.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np

_LABEL = re.compile(r"^(\d{1,4})(?:/(\d{2}))?(?:Q([1-4]))?$")


def start_month() -> int:
    """The month the fiscal year starts in (``settings.FISCAL_YEAR_START_MONTH``; 1 without Django)."""
    try:
        from django.conf import settings

        return int(getattr(settings, "FISCAL_YEAR_START_MONTH", 1))
    except Exception:  # noqa: BLE001 - settings not configured: the calendar year
        return 1


def fiscal_year(day: dt.date, first: int | None = None) -> int:
    """The fiscal year ``day`` falls in, numbered by the calendar year it starts in."""
    first = start_month() if first is None else first
    return day.year if day.month >= first else day.year - 1


def year_label(year: int, first: int | None = None) -> str:
    first = start_month() if first is None else first
    return str(year) if first == 1 else f"{year}/{(year + 1) % 100:02d}"


def quarter(day: dt.date, first: int | None = None) -> int:
    first = start_month() if first is None else first
    return (day.month - first) % 12 // 3 + 1


def label(day: dt.date, freq: str = "year", first: int | None = None) -> str:
    """The period of ``day``: its fiscal year's name, with ``Q1``–``Q4`` for quarters."""
    first = start_month() if first is None else first
    name = year_label(fiscal_year(day, first), first)
    return f"{name}Q{quarter(day, first)}" if freq == "quarter" else name


def bounds(year: int, first: int | None = None) -> tuple[dt.date, dt.date]:
    """First and last day of fiscal year ``year``."""
    first = start_month() if first is None else first
    start = dt.date(year, first, 1)
    end = dt.date(year + 1, first, 1) if first != 1 else dt.date(year + 1, 1, 1)
    return start, end - dt.timedelta(days=1)


def year_of(name: str | int) -> int:
    """The fiscal year of a period's name (``2027``, ``2026/27``, ``2026/27Q3``) or number."""
    match = _LABEL.match(str(name).strip())
    if not match:
        raise ValueError(f"not a budget period: {name!r}")
    return int(match.group(1))


def labels(at: dt.date, years: int, freq: str = "year", first: int | None = None) -> list[str]:
    """The periods of a plan on ``at``: each fiscal year (or quarter) of ``years`` years, the first
    being the one ``at`` falls in (its quarters from the one of ``at``)."""
    first = start_month() if first is None else first
    start = fiscal_year(at, first)
    if freq != "quarter":
        return [year_label(y, first) for y in range(start, start + years)]
    now = quarter(at, first)
    return [
        f"{year_label(y, first)}Q{q}"
        for y in range(start, start + years)
        for q in range(1, 5)
        if (y, q) >= (start, now)
    ]


def horizon_end(at: dt.date, years: int, first: int | None = None) -> dt.date:
    """The last day of the ``years``-th fiscal year, counting the one ``at`` falls in."""
    first = start_month() if first is None else first
    return bounds(fiscal_year(at, first) + years - 1, first)[1]


def first_share(at: dt.date, first: int | None = None) -> float:
    """The share of its fiscal year left on ``at`` (``at`` included): what the first period of a
    plan can still spend of a yearly budget."""
    start, end = bounds(fiscal_year(at, first), first)
    return ((end - at).days + 1) / ((end - start).days + 1)


def spans(
    at: dt.date, years: int, freq: str = "year", first: int | None = None
) -> list[tuple[str, dt.date, dt.date]]:
    """The periods of ``labels`` with their first and last day; the first starts on ``at``."""
    first = start_month() if first is None else first
    out = []
    for name in labels(at, years, freq, first):
        year = year_of(name)
        start, end = bounds(year, first)
        if freq == "quarter":
            q = int(name[-1])
            month = (first - 1 + 3 * (q - 1)) % 12 + 1
            start = dt.date(year + (first - 1 + 3 * (q - 1)) // 12, month, 1)
            after = (first - 1 + 3 * q) // 12
            nxt = dt.date(year + after, (first - 1 + 3 * q) % 12 + 1, 1)
            end = nxt - dt.timedelta(days=1)
        out.append((name, max(start, at), end))
    return out


def label_array(due: np.ndarray, freq: str = "year", first: int | None = None) -> np.ndarray:
    """``label`` over an array of datetime64[D] (no NaT), as object strings."""
    first = start_month() if first is None else first
    months = due.astype("datetime64[M]").astype(np.int64) - (first - 1)  # months since the FY epoch
    years = months // 12 + 1970
    if first == 1:
        names = years.astype(str).astype(object)
    else:
        after = np.char.zfill(((years + 1) % 100).astype(str), 2).astype(object)
        names = years.astype(str).astype(object) + "/" + after
    if freq == "quarter":
        names = names + "Q" + (months % 12 // 3 + 1).astype(str).astype(object)
    return names
