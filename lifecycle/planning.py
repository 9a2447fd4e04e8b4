"""Replacement planning with pandas: the schedule, the budget forecast, the budget-capped plan,
what-if scenarios and the value view.

Floor 3: reads the per-asset answers (``lifecycle.figures.answers``: the stored ones, or for
another day evaluated with the same vectorised rules, nothing written) and the assets' names in a
few queries into one frame; everything after that is pandas on that frame, with ``at`` explicit.
Which assets count, the buckets and the totals are ``lifecycle.figures``' (the plan counts assets
in use; spares and planned assets are their own groups in its totals, in no budget year), unless
the plan is asked to price spares and planned assets too (``include_spares``). The rules are
written for people in docs/planning.md.

Money is CHF as float in the frames (planning figures, rounded to centimes on output).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from django.db.models import F

from inventory.models import Asset
from inventory.models.organisation import descendants
from inventory.scopes import EVERYTHING, Scope
from lifecycle import budgets, facts, figures, periods, rules
from lifecycle import frame as lframe
from lifecycle.models import HardwareNotice

# Priority of a replacement, lower first: what is out of support, then security fixes only,
# then by risk; within each, the older asset first.
STATUS_RANK = {rules.UNSUPPORTED: 0, rules.SECURITY_ONLY: 1}
RISK_RANK = {rules.CRITICAL: 0, rules.HIGH: 1, rules.MEDIUM: 2, rules.LOW: 3}
BACKLOG = rules.BACKLOG

# How the capped plan fills a year (docs/planning.md): "gaps" takes every later item that still
# fits after the first that does not; "strict" stops at the first that does not fit.
FILL_GAPS, FILL_STRICT = "gaps", "strict"
FILLS = (FILL_GAPS, FILL_STRICT)

# The first period of a capped plan runs from ``at`` to the end of its fiscal year: with the share
# of the yearly budget left on ``at`` ("prorated", the default) or the whole ("full").
FIRST_PRORATED, FIRST_FULL = "prorated", "full"
FIRST_PERIODS = (FIRST_PRORATED, FIRST_FULL)

# The usage groups a plan prices (``figures``' groups): the assets in use, and with
# ``include_spares`` the spares and planned assets as well. Decommissioned assets never.
PRICED = {False: (rules.IN_USE,), True: (rules.IN_USE, rules.SPARES, rules.PLANNED)}


@dataclass
class Filters:
    """Which assets a plan covers. Org units include the units below them."""

    org_units: list[int] = field(default_factory=list)
    sites: list[int] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    manufacturers: list[int] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)  # hardware support statuses
    horizon: int = 10  # years, counting the year of ``at``
    scope: Scope = EVERYTHING  # whose assets (``inventory.scopes``): a Direktion plans its own

    @property
    def whole(self) -> bool:
        """Does the plan cover the whole city (no filter, no scope)?"""
        return self.scope.everything and not any(
            (self.org_units, self.sites, self.categories, self.manufacturers, self.statuses))


def horizon_end(at: dt.date, years: int) -> dt.date:
    return periods.horizon_end(at, years)


# --- the frame -------------------------------------------------------------------------------------


def _assets(filters: Filters):
    """Every asset the filters select, whatever its status: the plan counts those in use
    (``figures``), and shows spares and planned assets as their own groups in its totals."""
    qs = Asset.objects.restrict(filters.scope)
    if filters.org_units:
        qs = qs.filter(org_unit__in=descendants(filters.org_units))
    if filters.sites:
        qs = qs.filter(site__in=filters.sites)
    if filters.categories:
        qs = qs.filter(hardware_model__category__in=filters.categories)
    if filters.manufacturers:
        qs = qs.filter(manufacturer__in=filters.manufacturers)
    return qs


DISPLAY = {
    "pk": "asset_id",
    "name": "name",
    "serial": "serial",
    "org_unit__name": "org_unit",
    "site__name": "site",
    "hardware_model__category": "category",
    "manufacturer__name": "manufacturer",
    "hardware_model__model": "model",
    "hardware_model_id": "hardware_model_id",
    "org_unit_id": "org_unit_id",
}


DISPLAY_TEXT = ("name", "serial", "org_unit", "site", "category", "manufacturer", "model")


def assets_frame(at: dt.date, filters: Filters | None = None) -> pd.DataFrame:
    """Every asset that ``filters`` select (every status; ``usage`` says which count), with its
    lifecycle answers on ``at`` (``figures.answers``: stored, or evaluated for another day), its
    replacement cost and source (``rules.replacement_cost``) and the vendor's suggested
    replacement model."""
    filters = filters or Filters()
    qs = _assets(filters)
    frame = figures.answers(at, qs)
    display = facts.fetch(qs.order_by().values_list(*DISPLAY), list(DISPLAY.values()), text=DISPLAY_TEXT)
    display["asset_id"] = display["asset_id"].astype(np.int64)
    for name in ("hardware_model_id", "org_unit_id"):  # keys, NaN where none, as before
        display[name] = display[name].astype(float)
    for name in DISPLAY_TEXT[2:]:  # names of related rows: None where there is none
        display[name] = display[name].where(display[name] != "", None)
    frame = display.merge(frame, on="asset_id", how="inner")
    if filters.statuses:
        frame = frame[frame["hardware_status"].isin(filters.statuses)]
    _add_suggestions(frame)
    return frame.reset_index(drop=True)


def _add_suggestions(frame: pd.DataFrame) -> None:
    """The replacement model of the newest notice of each asset's hardware model."""
    links = (
        HardwareNotice.hardware_models.through.objects.filter(hardwarenotice__replacement_model__isnull=False)
        .order_by("hardwarenotice__updated", "hardwarenotice_id")
        .values_list("hardwaremodel_id", F("hardwarenotice__replacement_model__model"))
    )
    suggestion = dict(links)  # the newest notice wins, as in assess.Catalogue
    frame["suggested_model"] = frame["hardware_model_id"].map(suggestion)


def priced_usage(frame: pd.DataFrame) -> np.ndarray:
    """The frame's ``usage`` with spares and planned assets counted as in use."""
    usage = frame["usage"].to_numpy(dtype=object)
    return np.where(frame["usage"].isin(PRICED[True]).to_numpy(), rules.IN_USE, usage)


def price_spares(frame: pd.DataFrame, at: dt.date) -> pd.DataFrame:
    """The frame with spares and planned assets in the planning buckets as if they were in use
    (``lframe.bucket`` over the priced groups): what ``include_spares`` plans. Their ``usage``
    stays, so the totals still show them as their own groups."""
    out = frame.copy()
    out["bucket"] = lframe.bucket(out["replacement_due"].to_numpy(), at, priced_usage(out))
    return out


# --- schedule and forecast ------------------------------------------------------------------------


def bucket(due: pd.Series, at: dt.date, freq: str = "year") -> pd.Series:
    """``backlog`` for what is overdue on ``at``, else the year (``2027``) or quarter (``2027Q1``):
    ``rules.bucket`` over a column (``lifecycle.frame.bucket``)."""
    return pd.Series(lframe.bucket(due.to_numpy(), at, freq=freq), index=due.index, dtype=object)


def priority(frame: pd.DataFrame) -> pd.Series:
    """Sort key (lower first): unsupported, then security fixes only, then risk, then older."""
    status = np.minimum(
        frame["hardware_status"].map(STATUS_RANK).fillna(2),
        frame["software_status"].map(STATUS_RANK).fillna(2),
    )
    risk = frame["risk"].map(RISK_RANK).fillna(4)
    age = frame["age"].fillna(0)
    return status * 1_000_000 + risk * 10_000 - age.clip(upper=9_999)


def schedule(at: dt.date, filters: Filters | None = None, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """The assets in use due for replacement within the horizon (and everything overdue), by
    due date: those with a planning bucket among the horizon's (``figures.bucket_labels``)."""
    filters = filters or Filters()
    frame = assets_frame(at, filters) if frame is None else frame
    labels = figures.bucket_labels(at, filters.horizon)
    due = frame[frame["bucket"].isin(labels)].copy()
    due["priority"] = priority(due)
    return due.sort_values(["replacement_due", "priority", "name"], kind="stable").reset_index(drop=True)


def forecast(
    sched: pd.DataFrame, at: dt.date, horizon: int = 10, by: str | None = None, freq: str = "year"
) -> pd.DataFrame:
    """Replacement cost per bucket (backlog first, then every year or quarter of the horizon,
    empty ones included), one column per ``by`` value (``org_unit``, ``site``, ``category``) or
    one ``total`` column."""
    labels = figures.bucket_labels(at, horizon, freq)
    work = sched.assign(bucket=bucket(sched["replacement_due"], at, freq))
    if by:
        table = work.pivot_table(
            index="bucket", columns=work[by].fillna("—"), values="cost", aggfunc="sum", fill_value=0.0
        )
    else:
        table = work.groupby("bucket")["cost"].sum().to_frame("total")
    table = table.reindex(labels, fill_value=0.0)
    table.index.name = "bucket"
    return table.fillna(0.0)


# --- budget-capped plan ---------------------------------------------------------------------------


@dataclass
class CappedPlan:
    rows: pd.DataFrame  # the schedule with planned_year (None: not within the horizon) and why
    years: pd.DataFrame  # per year (and group): budget, spent, replaced, deferred, risk left


def capped_plan(
    sched: pd.DataFrame,
    at: dt.date,
    budget: float | dict[str, float] | budgets.OrgBudgets,
    horizon: int = 10,
    by: str = "org_unit",
    fill: str = FILL_GAPS,
    first_period: str = FIRST_PRORATED,
) -> CappedPlan:
    """Spend at most ``budget`` a fiscal year (``lifecycle.periods``) — one total, or per ``by``
    group (an org unit's name; groups without a budget get none), or per org unit and year
    (``budgets.OrgBudgets``: a unit's budget pays for its subtree) — replacing what is due by the
    end of each year in priority order (``priority``). The first period runs from ``at`` to the end
    of its fiscal year; with ``first_period="prorated"`` (the default) it has the share of the
    year's budget that is left on ``at``, with ``"full"`` the whole. ``fill="gaps"``: after the
    first replacement that does not fit, every later one that still fits in what is left of the
    year's budget is taken too (in priority order); ``fill="strict"``: the year stops at the first
    that does not fit. The rest, and what comes due, carries over to the next year. An asset
    costing more than a whole year's budget never fits and is marked so instead of blocking
    everything after it. Unknown costs count as 0 and are marked. Works on numpy arrays in
    priority order: ~10 ms a year for 100,000 assets."""
    if fill not in FILLS:
        raise ValueError(f"fill must be one of {FILLS}, not {fill!r}")
    if first_period not in FIRST_PERIODS:
        raise ValueError(f"first_period must be one of {FIRST_PERIODS}, not {first_period!r}")
    rows = sched.sort_values(["priority", "replacement_due", "name"], kind="stable")
    n = len(rows)
    cost = rows["cost"].fillna(0.0).to_numpy(dtype=float)
    due = rows["replacement_due"].to_numpy(dtype="datetime64[ns]")
    unsupported = (
        (rows["hardware_status"] == rules.UNSUPPORTED) | (rows["software_status"] == rules.UNSUPPORTED)
    ).to_numpy()
    critical = (rows["risk"] == rules.CRITICAL).to_numpy()
    high = (rows["risk"] == rules.HIGH).to_numpy()
    if isinstance(budget, budgets.OrgBudgets):
        names = budget.groups(rows["org_unit_id"]).to_numpy(dtype=object)
        groups = {name: names == name for name in [*budget.by_name(periods.fiscal_year(at)), budgets.NONE]}
        groups = {name: mask for name, mask in groups.items() if name != budgets.NONE or mask.any()}

        def limit_of(name, year):
            return budget.by_name(year).get(name, 0.0)
    elif isinstance(budget, dict):
        names = rows[by].fillna("—").to_numpy(dtype=object)
        groups = {name: names == name for name in pd.unique(names)}

        def limit_of(name, year):
            return float(budget.get(name, 0.0))
    else:
        groups = {"total": np.ones(n, dtype=bool)}

        def limit_of(name, year):
            return float(budget)
    first = periods.fiscal_year(at)
    share = periods.first_share(at) if first_period == FIRST_PRORATED else 1.0
    planned = np.zeros(n, dtype=np.int64)  # 0: not planned, else the fiscal year (``periods``)
    too_big_ever = np.zeros(n, dtype=bool)
    summary = []
    for year in range(first, first + horizon):
        start, last = periods.bounds(year)
        end = np.datetime64(last.isoformat(), "ns")
        for name, in_group in groups.items():
            limit = round(limit_of(name, year) * (share if year == first else 1.0), 2)
            waiting = (planned == 0) & (due <= end) & in_group
            too_big = waiting & (cost > limit)
            too_big_ever |= too_big
            queue = np.flatnonzero(waiting & ~too_big)  # already in priority order
            taken = _fill(queue, cost, limit, fill)
            planned[taken] = year
            left = waiting & (planned == 0)
            summary.append(
                {
                    "year": year,
                    "period": periods.year_label(year),
                    "start": max(start, at),
                    "end": last,
                    "group": name,
                    "budget": limit,
                    "spent": float(cost[taken].sum()),
                    "replaced": int(len(taken)),
                    "deferred": int(left.sum()),
                    "deferred_cost": float(cost[left].sum()),
                    "unsupported_left": int((left & unsupported).sum()),
                    "critical_left": int((left & critical).sum()),
                    "high_left": int((left & high).sum()),
                }
            )
    rows = rows.copy()
    rows["planned_year"] = pd.array(np.where(planned > 0, planned, 0), dtype="Int64")
    rows.loc[planned == 0, "planned_year"] = pd.NA
    rows["note"] = np.where(
        too_big_ever,
        "exceeds the yearly budget",
        np.where(rows["cost"].isna().to_numpy(), "cost unknown", ""),
    )
    years = pd.DataFrame(summary, columns=YEAR_COLUMNS)
    return CappedPlan(rows=rows.loc[sched.index], years=years)


YEAR_COLUMNS = [
    "year",
    "period",
    "start",
    "end",
    "group",
    "budget",
    "spent",
    "replaced",
    "deferred",
    "deferred_cost",
    "unsupported_left",
    "critical_left",
    "high_left",
]


def _fill(queue: np.ndarray, cost: np.ndarray, limit: float, fill: str) -> np.ndarray:
    """The items of ``queue`` (in priority order, each costing at most ``limit``) one year takes.
    Costs are >= 0, so what fits in a row is a prefix of the queue (``cumsum``). Strict: that
    prefix. Gaps: the prefix, skip the next (it does not fit), drop what no longer fits in what is
    left, and again — a few numpy passes, not a Python loop over the assets."""
    prefix = np.cumsum(cost[queue]) <= limit
    if fill == FILL_STRICT:
        return queue[prefix]
    parts = []
    left = limit
    while queue.size:
        queue = queue[cost[queue] <= left]
        if not queue.size:
            break
        sums = np.cumsum(cost[queue])
        k = int(np.searchsorted(sums, left, side="right"))  # >= 1: the first one fits
        parts.append(queue[:k])
        left -= float(sums[k - 1])
        queue = queue[k + 1 :]  # queue[k] did not fit in what was left
    return np.concatenate(parts) if parts else queue[:0]


# --- contracts' running costs --------------------------------------------------------------------

RUNNING, RENEWAL = "running", "renewal"
RUNNING_COLUMNS = ["bucket", "contract_id", "contract", "kind", "group", "cost"]


def running_costs(
    frame: pd.DataFrame, at: dt.date, horizon: int = 10, by: str = "org_unit", freq: str = "year", whole=True
) -> pd.DataFrame:
    """What the contracts cost in each period of the plan (docs/planning.md, "Running costs"): a
    contract's yearly cost by the days of the period it runs (``running``), and after its end, if
    it still covers an asset in use, the same yearly cost as a renewal until the horizon ends
    (``renewal``). A contract's cost is split over the ``by`` groups of the assets in use it covers
    (by count); a plan over some of the assets (``whole`` False) carries only the covered assets'
    share, a plan over all (``whole``) also contracts that cover no asset in use (group ``—``).
    Contracts without a yearly cost add nothing. Rows: ``RUNNING_COLUMNS``."""
    from lifecycle.models import Contract  # the plan's only reach into contracts

    spans = periods.spans(at, horizon, freq)
    last = spans[-1][2]
    contracts = list(
        Contract.objects.filter(yearly_cost__gt=0, start__lte=last).values_list(
            "pk", "provider", "number", "start", "end", "yearly_cost"
        )
    )
    if not contracts:
        return pd.DataFrame(columns=RUNNING_COLUMNS)
    links = Contract.assets.through.objects.filter(contract_id__in=[c[0] for c in contracts])
    in_use = links.filter(asset__in=figures.in_use())  # the split's whole: every covered asset in use
    pairs = list(in_use.values_list("contract_id", "asset_id"))
    links = pd.DataFrame(pairs, columns=["contract_id", "asset_id"])
    totals = links.groupby("contract_id").size().astype(float)
    used = frame[frame["usage"] == rules.IN_USE][["asset_id", by]]
    covered = links.merge(used, on="asset_id", how="inner")
    covered[by] = covered[by].fillna("—")
    shares = covered.groupby(["contract_id", by]).size()
    split = (shares / totals.reindex(shares.index.get_level_values(0)).to_numpy()).rename("share")
    split = split.reset_index().rename(columns={by: "group"})
    table = pd.DataFrame(contracts, columns=["contract_id", "provider", "number", "start", "end", "yearly"])
    if whole:  # a contract that covers no asset in use: its running cost still falls due
        bare = table.loc[~table["contract_id"].isin(totals.index), ["contract_id"]]
        split = pd.concat([split, bare.assign(group="—", share=1.0)], ignore_index=True)
    # every contract × period (a few thousand rows), then × the groups it is split over
    periods_ = pd.DataFrame(
        [(name, first, end_of, periods.bounds(periods.year_of(name))) for name, first, end_of in spans],
        columns=["bucket", "first", "end_of", "year"],
    )
    periods_["days"] = [(b - a).days + 1 for a, b in periods_["year"]]
    grid = table.merge(periods_.drop(columns="year"), how="cross")
    day = np.timedelta64(1, "D")

    def days(a, b):  # days from a to b, both included, 0 when b is before a
        return np.maximum(0, (b.to_numpy("datetime64[D]") - a.to_numpy("datetime64[D]")) // day + 1)

    start, end = pd.to_datetime(grid["start"]), pd.to_datetime(grid["end"])
    first, end_of = pd.to_datetime(grid["first"]), pd.to_datetime(grid["end_of"])
    running = days(np.maximum(start, first), np.minimum(end, end_of))
    renewed = grid["contract_id"].isin(totals.index).to_numpy()  # still covers an asset in use
    renewal = np.where(renewed, days(np.maximum(end + pd.Timedelta(days=1), first), end_of), 0)
    yearly = grid["yearly"].astype(float).to_numpy() / grid["days"].to_numpy()
    grid = grid.assign(contract=grid["provider"] + " " + grid["number"])
    parts = [
        grid.loc[count > 0, ["bucket", "contract_id", "contract"]].assign(
            kind=kind, cost=(yearly * count)[count > 0]
        )
        for kind, count in ((RUNNING, running), (RENEWAL, renewal))
    ]
    rows = pd.concat(parts, ignore_index=True).merge(split, on="contract_id", how="inner")
    rows["cost"] = rows["cost"] * rows["share"]
    order = {name: i for i, (name, *_rest) in enumerate(spans)}
    rows = rows.sort_values(
        ["bucket", "contract_id", "kind", "group"], key=lambda c: c.map(order) if c.name == "bucket" else c
    )
    out = rows[RUNNING_COLUMNS].reset_index(drop=True)
    out["cost"] = out["cost"].round(2)
    return out


def running_per_bucket(plan: Plan) -> pd.DataFrame:
    """The contracts' running costs and renewals per period of the plan's forecast (every period,
    empty ones as 0; no backlog: running costs are never overdue): columns ``running``,
    ``renewal``, ``total``. Empty without running costs (``running`` off)."""
    labels = [b for b in plan.forecast.index if b != BACKLOG]
    if plan.running is None:
        return pd.DataFrame(columns=[RUNNING, RENEWAL, "total"])
    table = plan.running.pivot_table(
        index="bucket", columns="kind", values="cost", aggfunc="sum", fill_value=0.0
    )
    table = table.reindex(index=labels, columns=[RUNNING, RENEWAL], fill_value=0.0).fillna(0.0)
    table["total"] = table[RUNNING] + table[RENEWAL]
    table.index.name = "bucket"
    return table.round(2)


# --- what-if -------------------------------------------------------------------------------------


def extend_service_life(frame: pd.DataFrame, years: int, at: dt.date) -> pd.DataFrame:
    """The same assets if every service life were ``years`` longer: the replace-by date and its
    basis again by ``rules.replacement_due`` (vectorised), from each asset's stored service start,
    service life + ``years`` and end of support — so a date that came from the service life moves,
    but never past the end of support, and one that came from the end of support stays."""
    if not years:
        return frame.copy()
    out = frame.copy()
    life = out["service_life_years"].to_numpy(dtype=np.int64) + years
    due, basis = lframe.replacement_due(
        out["service_start"].to_numpy().astype("datetime64[D]"),
        out["support_ends"].to_numpy().astype("datetime64[D]"),
        life,
    )
    out["service_life_years"] = life
    out["replacement_due"] = due.astype("datetime64[ns]")
    out["replacement_basis"] = basis
    out["bucket"] = lframe.bucket(due, at, out["usage"].to_numpy())
    return out


def compare(baseline: CappedPlan, scenario: CappedPlan) -> pd.DataFrame:
    """Per year: spent, deferred and risk left in the baseline and the scenario, side by side."""
    keys = ["year", "group"]
    figures = ["spent", "replaced", "deferred", "deferred_cost", "unsupported_left", "critical_left"]
    return baseline.years[keys + figures].merge(
        scenario.years[keys + figures], on=keys, suffixes=("_baseline", "_scenario"), how="outer"
    )


# --- value view ----------------------------------------------------------------------------------


def value_view(frame: pd.DataFrame, by: str = "org_unit") -> pd.DataFrame:
    """Per ``by`` group: assets, book value, replacement value, and the share of assets past end of
    support by count and by replacement value (what it would take to get them supported again)."""
    frame = frame[frame["usage"] == rules.IN_USE]
    work = frame.assign(
        group=frame[by].fillna("—"),
        out=(frame["hardware_status"] == rules.UNSUPPORTED) | (frame["software_status"] == rules.UNSUPPORTED),
        value=frame["cost"].fillna(0.0),
    )
    work["out_value"] = work["value"].where(work["out"], 0.0)
    table = work.groupby("group").agg(
        assets=("asset_id", "count"),
        book_value=("book_value", "sum"),
        replacement_value=("value", "sum"),
        out_of_support=("out", "sum"),
        out_of_support_value=("out_value", "sum"),
    )
    table["share_by_count"] = (100 * table["out_of_support"] / table["assets"]).round(1)
    table["share_by_value"] = (
        (
            100
            * table["out_of_support_value"]
            / table["replacement_value"].where(table["replacement_value"] > 0)
        )
        .round(1)
        .fillna(0.0)
    )
    table.index.name = by
    return table.reset_index()


# --- everything at once --------------------------------------------------------------------------


@dataclass
class Plan:
    at: dt.date
    filters: Filters
    budget: float | dict[str, float] | None
    extend_years: int
    frame: pd.DataFrame
    schedule: pd.DataFrame
    forecast: pd.DataFrame  # per year (or quarter) × org unit (or site, or category)
    capped: CappedPlan | None
    value: pd.DataFrame
    fill: str = FILL_GAPS
    include_spares: bool = False
    first_period: str = FIRST_PRORATED
    include_running: bool = True  # the contracts' running costs in the forecast (``running``)
    by: str = "org_unit"  # the forecast's groups
    freq: str = "year"  # the forecast's periods

    @cached_property
    def running(self) -> pd.DataFrame | None:
        """The contracts' running costs per period and ``by`` group (``running_costs``), or None
        when switched off; made when first asked for (a CSV of the schedule never needs them)."""
        if not self.include_running:
            return None
        f = self.filters
        return running_costs(self.frame, self.at, f.horizon, self.by, self.freq, f.whole)

    def totals(self) -> dict:
        """The figures of ``lifecycle.figures.totals`` over the plan's assets (every key: counts,
        groups, buckets, backlog, due within the horizon, book and replacement value), with the
        plan's own options. Money as Decimal: ``figures.jsonable`` for JSON. With
        ``include_spares`` the buckets, backlog and due figures also hold the spares and planned
        assets (priced as if in use); every other figure counts the assets in use, as always."""
        years = self.filters.horizon
        result = figures.totals(self.frame, self.at, years)
        if self.include_spares:
            wider = figures.totals(self.frame.assign(usage=priced_usage(self.frame)), self.at, years)
            result.update({k: wider[k] for k in ("buckets", "backlog", "backlog_cost", "due", "due_cost")})
        return {
            **result,
            "horizon_years": years,
            "budget": self.budget.jsonable() if isinstance(self.budget, budgets.OrgBudgets) else self.budget,
            "extend_service_life_years": self.extend_years,
            "fill": self.fill,
            "include_spares": self.include_spares,
            "first_period": self.first_period,
            "fiscal_year_start_month": periods.start_month(),
            "running_cost": None if self.running is None else round(float(self.running["cost"].sum()), 2),
        }


def build(
    at: dt.date,
    filters: Filters | None = None,
    budget: float | dict[str, float] | budgets.OrgBudgets | None = None,
    extend_years: int = 0,
    by: str = "org_unit",
    freq: str = "year",
    fill: str = FILL_GAPS,
    include_spares: bool = False,
    first_period: str = FIRST_PRORATED,
    running: bool = True,
) -> Plan:
    """Schedule, forecast per ``freq`` × ``by``, capped plan (with a budget — one yearly total, per
    ``by`` group, or ``budgets.OrgBudgets`` — filled by ``fill``, its first period ``first_period``)
    and value view; with ``running`` the contracts' running costs and renewals per period
    (``running_costs``). ``include_spares``: spares and planned assets are priced into the backlog
    and the budget years too (schedule, forecast, capped plan and the totals' buckets); off by
    default, as every other figure (docs/planning.md)."""
    filters = filters or Filters()
    frame = extend_service_life(assets_frame(at, filters), extend_years, at)
    if include_spares:
        frame = price_spares(frame, at)
    sched = schedule(at, filters, frame)
    capped = (
        capped_plan(sched, at, budget, filters.horizon, fill=fill, first_period=first_period)
        if budget is not None
        else None
    )
    return Plan(
        at=at,
        filters=filters,
        budget=budget,
        extend_years=extend_years,
        frame=frame,
        schedule=sched,
        forecast=forecast(sched, at, filters.horizon, by=by, freq=freq),
        capped=capped,
        value=value_view(frame),
        fill=fill,
        include_spares=include_spares,
        first_period=first_period,
        include_running=running,
        by=by,
        freq=freq,
    )
