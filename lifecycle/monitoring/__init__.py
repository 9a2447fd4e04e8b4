"""The strategic monitoring (issue #16): what each figure of a ``KpiSnapshot`` is, its target and
traffic light, its series month by month for a unit or the whole city, and which units a request
may look at. The Monitoring page, ``/api/lifecycle/snapshots/``, the steering report
(``lifecycle.monitoring.steering``) and ``manage.py steering_report`` all call this module; the
snapshots themselves are written by ``lifecycle.snapshots`` (docs/snapshots.md).

Targets and traffic lights: a unit's own ``KpiTarget`` wins over the general one (no unit); green
when the figure meets it, amber when it misses by no more than the tolerance, red when it misses
by more; no light without a target or without a value. Figures are compared exactly (a share of
5.04 % misses a target of ≤ 5 %, though it shows as 5.0 %).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from inventory import scopes
from inventory.models import OrgUnit
from inventory.scopes import EVERYTHING, Scope
from lifecycle import rules
from lifecycle.choices import Kpi, TargetDirection
from lifecycle.models import KpiSnapshot, KpiTarget

COUNT, PERCENT, MONEY, YEARS = "count", "percent", "money", "years"
LOWER, HIGHER = "lower", "higher"  # which way a figure is better; None: neither
MONTHS = (12, 24, 36, 60)  # the page's choices of how far back
DEFAULT_MONTHS = 24
MAX_MONTHS = 120  # the command and the report accept any number of months up to this


@dataclass(frozen=True)
class Figure:
    """One figure of the monitoring: a ``KpiSnapshot`` field that can have a target."""

    kpi: str  # lifecycle.choices.Kpi value = the KpiSnapshot field
    kind: str  # COUNT, PERCENT, MONEY or YEARS
    better: str | None  # LOWER, HIGHER or None
    short: str = ""  # a column header for the month table (translated lazily)

    @property
    def label(self):
        return Kpi(self.kpi).label

    @property
    def chart(self) -> str:
        """``bars`` for money, ``line`` for shares, counts and years."""
        return "bars" if self.kind == MONEY else "line"


FIGURES: dict[str, Figure] = {
    f.kpi: f
    for f in (
        Figure(Kpi.ASSETS_IN_USE, COUNT, None, _("Assets")),
        Figure(Kpi.HW_OUT_SHARE, PERCENT, LOWER, _("HW out of support")),
        Figure(Kpi.HW_OUT_VALUE_SHARE, PERCENT, LOWER, _("HW out, value")),
        Figure(Kpi.SW_OUT_SHARE, PERCENT, LOWER, _("SW out of support")),
        Figure(Kpi.SW_OUT_VALUE_SHARE, PERCENT, LOWER, _("SW out, value")),
        Figure(Kpi.NO_CONTRACT_SHARE, PERCENT, LOWER, _("No contract")),
        Figure(Kpi.BACKLOG_COST, MONEY, LOWER, _("Backlog (CHF)")),
        Figure(Kpi.DUE_1Y_COST, MONEY, None, _("Due 1 year (CHF)")),
        Figure(Kpi.DUE_3Y_COST, MONEY, None, _("Due 3 years (CHF)")),
        Figure(Kpi.DUE_5Y_COST, MONEY, None, _("Due 5 years (CHF)")),
        Figure(Kpi.BOOK_VALUE, MONEY, None, _("Book value (CHF)")),
        Figure(Kpi.REPLACEMENT_VALUE, MONEY, None, _("Replacement value (CHF)")),
        Figure(Kpi.AVERAGE_AGE, YEARS, LOWER, _("Average age")),
        Figure(Kpi.RISK_HIGH, COUNT, LOWER, _("High risk")),
        Figure(Kpi.RISK_CRITICAL, COUNT, LOWER, _("Critical risk")),
        Figure(Kpi.NOT_SEEN_30D, COUNT, LOWER, _("Not seen 30 days")),
    )
}
# the month-by-month table's columns (the page and the report's Trends sheet)
TABLE = (Kpi.ASSETS_IN_USE, Kpi.HW_OUT_SHARE, Kpi.SW_OUT_SHARE, Kpi.NO_CONTRACT_SHARE, Kpi.BACKLOG_COST,
         Kpi.DUE_3Y_COST, Kpi.REPLACEMENT_VALUE, Kpi.AVERAGE_AGE, Kpi.RISK_CRITICAL)


# --- targets and traffic lights -------------------------------------------------------------------

GREEN, AMBER, RED, NONE = "green", "amber", "red", "none"
LIGHTS = {  # light: (words, badge colour, fill for the workbook)
    GREEN: (_("On target"), "success", "#C6EFCE"),
    AMBER: (_("Near target"), "warning", "#FFEB9C"),
    RED: (_("Off target"), "danger", "#FFC7CE"),
    NONE: (_("No target"), "secondary", None),
}


def _exact(value) -> Decimal:
    """A figure as the Decimal it reads as (a float's shortest repr: 5.7 − 5.4 is 0.3 exactly)."""
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(value) if isinstance(value, float) else value)


def light(value, target: KpiTarget | None) -> str:
    """GREEN when ``value`` meets ``target``, AMBER when it misses by at most the tolerance, RED
    when it misses by more; NONE without a target or a value."""
    if target is None or value is None:
        return NONE
    miss = _exact(value) - target.value
    if target.direction == TargetDirection.AT_LEAST:
        miss = -miss
    if miss <= 0:
        return GREEN
    return AMBER if miss <= target.tolerance else RED


def targets(unit_id: int | None) -> dict[str, KpiTarget]:
    """Each figure's target for ``unit_id`` (None: the city): the unit's own, else the general one.
    One query."""
    query = Q(org_unit__isnull=True)
    if unit_id is not None:
        query |= Q(org_unit_id=unit_id)
    found: dict[str, KpiTarget] = {}
    for target in KpiTarget.objects.filter(query):
        if target.org_unit_id is None:
            found.setdefault(target.kpi, target)
        else:
            found[target.kpi] = target
    return found


# --- who may see what -----------------------------------------------------------------------------


@dataclass
class Visible:
    """What one request may look at: the snapshot rows and the org units, whether the whole
    city is among them, and the scope (for the plan in the steering report)."""

    snapshots: object  # QuerySet[KpiSnapshot]
    units: object  # QuerySet[OrgUnit]
    city: bool = True
    scope: Scope = EVERYTHING


def visible(request) -> Visible:
    """THE place that decides which units and snapshot rows ``request`` may see — the page, the
    report and the API all ask here: the request's scope (``inventory.scopes``). Unscoped, every
    unit and the city; a scoped user (a Direktion's IT lead) sees the units of their subtrees and
    not the city (its figures hold every unit)."""
    scope = scopes.scope_of(request)
    return Visible(snapshots=KpiSnapshot.objects.restrict(scope), units=OrgUnit.objects.restrict(scope),
                   city=scope.everything, scope=scope)


@dataclass(frozen=True)
class UnitChoice:
    id: int | None  # None: the whole city
    label: str
    depth: int

    @property
    def indented(self) -> str:
        """The label behind an em space per level (a ``<select>`` option cannot be styled)."""
        return "\u2003" * self.depth + self.label


def unit_choices(seen: Visible) -> list[UnitChoice]:
    """The city (when visible and it has snapshots), then the org units that have snapshots as a
    tree: top-level units (the Direktionen) by name, each followed by its offices, indented. Two
    queries."""
    with_rows = set(seen.snapshots.order_by().values_list("org_unit_id", flat=True).distinct())
    units = list(seen.units.order_by().values_list("id", "name", "parent_id"))
    known = {pk for pk, _name, _parent in units}
    children: dict[int | None, list[tuple[str, int]]] = {}
    for pk, name, parent in units:
        children.setdefault(parent if parent in known else None, []).append((name.casefold(), pk, name))
    choices = []
    if seen.city and None in with_rows:
        choices.append(UnitChoice(None, str(_("Whole city")), 0))

    def walk(parent, depth):
        for _key, pk, name in sorted(children.get(parent, ())):
            if pk in with_rows:
                choices.append(UnitChoice(pk, name, depth))
            walk(pk, depth + 1)

    walk(None, 0)
    return choices


# --- series ---------------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_list(last: dt.date, months: int) -> list[dt.date]:
    """The first days of the ``months`` months up to ``last``'s, oldest first."""
    end = month_start(last)
    return [rules.add_months(end, -k) for k in range(months - 1, -1, -1)]


def of_unit(snapshots, unit_id: int | None):
    if unit_id is None:
        return snapshots.filter(org_unit__isnull=True)
    return snapshots.filter(org_unit_id=unit_id)


def series(snapshots, unit_id: int | None, first: dt.date, last: dt.date) -> list[KpiSnapshot]:
    """The snapshots of ``unit_id`` (None: the city) from ``first`` to ``last``, oldest first. One
    query."""
    return list(of_unit(snapshots, unit_id).filter(at__gte=first, at__lte=last).order_by("at"))


def by_month(rows: list[KpiSnapshot], months: list[dt.date]) -> list[KpiSnapshot | None]:
    """Per month of ``months`` the last snapshot taken in it (a snapshot taken by hand mid-month
    does not count twice), None for a month without one."""
    last: dict[dt.date, KpiSnapshot] = {}
    for row in rows:  # oldest first: a later one of the same month wins
        last[month_start(row.at)] = row
    return [last.get(m) for m in months]


def value(snapshot: KpiSnapshot | None, kpi: str):
    return None if snapshot is None else getattr(snapshot, kpi)


@dataclass
class FigureState:
    """One figure on the latest snapshot: value, target, light and change over 12 months."""

    figure: Figure
    value: object
    target: KpiTarget | None
    light: str
    year_ago: object = None
    values: list = field(default_factory=list)  # per month of the window (None: no snapshot)

    @property
    def change(self):
        if self.value is None or self.year_ago is None:
            return None
        return self.value - self.year_ago

    @property
    def light_label(self):
        return LIGHTS[self.light][0]

    @property
    def light_color(self) -> str:
        return LIGHTS[self.light][1]


@dataclass
class Overview:
    """A unit's (or the city's) monitoring over a window of months."""

    unit: OrgUnit | None
    latest: KpiSnapshot
    months: list[dt.date]
    rows: list[KpiSnapshot | None]  # per month
    figures: list[FigureState]

    def table(self, kpis=TABLE, newest_first: bool = True) -> list[dict]:
        """Month-by-month rows: {"month", "snapshot", "values": [value per kpi]}."""
        rows = [
            {"month": month, "snapshot": row, "values": [value(row, k) for k in kpis]}
            for month, row in zip(self.months, self.rows, strict=True)
        ]
        return rows[::-1] if newest_first else rows


def overview(snapshots, unit_id: int | None, months: int = DEFAULT_MONTHS) -> Overview | None:
    """The monitoring of ``unit_id`` (None: the city) over the ``months`` months up to its latest
    snapshot, or None when it has none. Three queries (the latest, the series, the targets)."""
    latest = of_unit(snapshots, unit_id).select_related("org_unit").order_by("-at").first()
    if latest is None:
        return None
    window = month_list(latest.at, months)
    year_ago_month = rules.add_months(window[-1], -12)
    rows = series(snapshots, unit_id, min(window[0], year_ago_month), latest.at)
    per_month = by_month(rows, window)
    year_ago = by_month(rows, [year_ago_month])[0]
    goals = targets(unit_id)
    states = []
    for kpi, fig in FIGURES.items():
        now = value(latest, kpi)
        states.append(FigureState(fig, now, goals.get(kpi), light(now, goals.get(kpi)),
                                  year_ago=value(year_ago, kpi), values=[value(r, kpi) for r in per_month]))
    return Overview(unit=latest.org_unit, latest=latest, months=window, rows=per_month, figures=states)


def parse_months(text: str | None) -> int:
    """``?months=``: a whole number 1 … MAX_MONTHS (empty: DEFAULT_MONTHS); ValueError otherwise."""
    if text is None or text.strip() == "":
        return DEFAULT_MONTHS
    text = text.strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_MONTHS:
        raise ValueError(text)
    return int(text)
