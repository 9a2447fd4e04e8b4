"""Replacement planning with pandas: the schedule, the budget forecast, the budget-capped plan,
what-if scenarios and the value view.

Floor 3: reads the inventory and the stored lifecycle answers (``LifecycleState``) in a few
queries into one frame; everything after that is pandas on that frame, with ``at`` explicit.
When ``at`` is not the day the stored answers were computed on, they are computed for ``at``
with the same vectorised rules (``lifecycle.frame``), without writing anything.

Money is CHF as float in the frames (planning figures, rounded to centimes on output).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.db.models import F

from inventory.choices import AssetStatus
from inventory.models import Asset
from inventory.models.organisation import descendants
from lifecycle import assess, rules
from lifecycle import frame as lframe
from lifecycle.models import HardwareNotice, LifecycleState

# Priority of a replacement, lower first: what is out of support, then security fixes only,
# then by risk; within each, the older asset first.
STATUS_RANK = {rules.UNSUPPORTED: 0, rules.SECURITY_ONLY: 1}
RISK_RANK = {rules.CRITICAL: 0, rules.HIGH: 1, rules.MEDIUM: 2, rules.LOW: 3}
BACKLOG = "backlog"


@dataclass
class Filters:
    """Which assets a plan covers. Org units include the units below them."""

    org_units: list[int] = field(default_factory=list)
    sites: list[int] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    manufacturers: list[int] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)  # hardware support statuses
    horizon: int = 10  # years, counting the year of ``at``


def horizon_end(at: dt.date, years: int) -> dt.date:
    return dt.date(at.year + years - 1, 12, 31)


# --- the frame -------------------------------------------------------------------------------------


def _assets(filters: Filters):
    qs = Asset.objects.exclude(status=AssetStatus.DECOMMISSIONED)
    if filters.org_units:
        qs = qs.filter(org_unit__in=descendants(filters.org_units))
    if filters.sites:
        qs = qs.filter(site__in=filters.sites)
    if filters.categories:
        qs = qs.filter(hardware_model__category__in=filters.categories)
    if filters.manufacturers:
        qs = qs.filter(manufacturer__in=filters.manufacturers)
    return qs


def _stored(qs) -> pd.DataFrame:
    rows = qs.values_list(
        "pk",
        "name",
        "serial",
        "status",
        "org_unit__name",
        "site__name",
        "hardware_model__category",
        "manufacturer__name",
        "hardware_model__model",
        "hardware_model_id",
        "org_unit_id",
        "lifecycle__hardware_status",
        "lifecycle__software_status",
        "lifecycle__risk",
        "lifecycle__age",
        "lifecycle__support_ends",
        "lifecycle__replacement_due",
        "lifecycle__replacement_reason",
        "lifecycle__book_value",
        "purchase_cost",
        "hardware_model__list_price",
    )
    return pd.DataFrame.from_records(
        list(rows),
        columns=[
            "asset_id",
            "name",
            "serial",
            "status",
            "org_unit",
            "site",
            "category",
            "manufacturer",
            "model",
            "hardware_model_id",
            "org_unit_id",
            "hardware_status",
            "software_status",
            "risk",
            "age",
            "support_ends",
            "replacement_due",
            "replacement_reason",
            "book_value",
            "purchase_cost",
            "list_price",
        ],
    )


def _live(frame: pd.DataFrame, at: dt.date) -> pd.DataFrame:
    """Replace the stored answers by answers for ``at`` (same rules, nothing written)."""
    items = assess.collect(Asset.objects.filter(pk__in=frame["asset_id"].tolist()), at)
    facts, contracts = lframe.to_frames([i.facts for i in items], [i.policy for i in items])
    result = lframe.evaluate_frame(facts, contracts, at)
    live = pd.DataFrame(
        {
            "asset_id": [i.asset_id for i in items],
            "hardware_status": result["hardware"].to_numpy(),
            "software_status": result["software"].to_numpy(),
            "risk": result["risk"].to_numpy(),
            "age": result["age"].to_numpy(),
            "support_ends": result["support_ends"].to_numpy(),
            "replacement_due": result["replacement_due"].to_numpy(),
            "replacement_reason": result["replacement_reason"].to_numpy(),
            "book_value": np.where(result["book_value_cents"] < 0, np.nan, result["book_value_cents"] / 100),
        }
    )
    keep = frame.drop(columns=[c for c in live.columns if c != "asset_id"])
    return keep.merge(live, on="asset_id", how="left")


def assets_frame(at: dt.date, filters: Filters | None = None) -> pd.DataFrame:
    """Every asset in use that ``filters`` select, with its lifecycle on ``at``, its estimated
    replacement cost and the vendor's suggested replacement model."""
    filters = filters or Filters()
    qs = _assets(filters)
    frame = _stored(qs)
    stored_days = set(LifecycleState.objects.filter(asset__in=qs).values_list("at", flat=True).distinct())
    if len(frame) and (stored_days != {at} or frame["hardware_status"].isna().any()):
        frame = _live(frame, at)
    for column in ("support_ends", "replacement_due"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    for column in ("book_value", "purchase_cost", "list_price", "age"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    if filters.statuses:
        frame = frame[frame["hardware_status"].isin(filters.statuses)]
    _add_costs(frame)
    _add_suggestions(frame)
    return frame.reset_index(drop=True)


def _add_costs(frame: pd.DataFrame) -> None:
    """The model's list price, else the default of the asset's lifecycle policy, else unknown."""
    catalogue = assess.Catalogue()
    # an asset without org unit has NaN here, and NaN is no dictionary key: use None
    units = [None if pd.isna(u) else int(u) for u in frame["org_unit_id"]]
    keys = list(zip(frame["category"].fillna(""), units, strict=True))
    default = {}
    for category, unit in set(keys):
        row = catalogue.policy_row(category, unit)
        default[(category, unit)] = (
            float(row.replacement_cost) if row and row.replacement_cost is not None else np.nan
        )
    policy_cost = [default[key] for key in keys]
    frame["cost"] = frame["list_price"].fillna(pd.Series(policy_cost, index=frame.index))
    frame["cost_source"] = np.select(
        [frame["list_price"].notna(), frame["cost"].notna()], ["list price", "policy"], default="unknown"
    )


def _add_suggestions(frame: pd.DataFrame) -> None:
    """The replacement model of the newest notice of each asset's hardware model."""
    links = (
        HardwareNotice.hardware_models.through.objects.filter(hardwarenotice__replacement_model__isnull=False)
        .order_by("hardwarenotice__updated", "hardwarenotice_id")
        .values_list("hardwaremodel_id", F("hardwarenotice__replacement_model__model"))
    )
    suggestion = dict(links)  # the newest notice wins, as in assess.Catalogue
    frame["suggested_model"] = frame["hardware_model_id"].map(suggestion)


# --- schedule and forecast ------------------------------------------------------------------------


def bucket(due: pd.Series, at: dt.date, freq: str = "year") -> pd.Series:
    """``backlog`` for what is overdue on ``at``, else the year (``2027``) or quarter (``2027Q1``)."""
    overdue = due < pd.Timestamp(at)
    if freq == "quarter":
        label = due.dt.to_period("Q").astype(str)
    else:
        label = due.dt.year.astype("Int64").astype(str)
    return label.where(~overdue, BACKLOG)


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
    """The assets due for replacement within the horizon (and everything overdue), by due date."""
    filters = filters or Filters()
    frame = assets_frame(at, filters) if frame is None else frame
    end = pd.Timestamp(horizon_end(at, filters.horizon))
    due = frame[frame["replacement_due"].notna() & (frame["replacement_due"] <= end)].copy()
    due["bucket"] = bucket(due["replacement_due"], at)
    due["priority"] = priority(due)
    return due.sort_values(["replacement_due", "priority", "name"], kind="stable").reset_index(drop=True)


def forecast(
    sched: pd.DataFrame, at: dt.date, horizon: int = 10, by: str | None = None, freq: str = "year"
) -> pd.DataFrame:
    """Replacement cost per bucket (backlog first, then every year or quarter of the horizon,
    empty ones included), one column per ``by`` value (``org_unit``, ``site``, ``category``) or
    one ``total`` column."""
    labels = [BACKLOG]
    if freq == "quarter":
        labels += [
            str(p)
            for p in pd.period_range(
                f"{at.year}Q{(at.month - 1) // 3 + 1}", f"{at.year + horizon - 1}Q4", freq="Q"
            )
        ]
    else:
        labels += [str(y) for y in range(at.year, at.year + horizon)]
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
    budget: float | dict[str, float],
    horizon: int = 10,
    by: str = "org_unit",
) -> CappedPlan:
    """Spend at most ``budget`` a year — one total, or per ``by`` group (an org unit's name; groups
    without a budget get none) — replacing what is due by the end of each year in priority order
    (``priority``): replacements are taken in that order while they fit; the rest, and what
    comes due, carries over to the next year. An asset costing more than a whole year's budget
    never fits and is marked so instead of blocking everything after it. Unknown costs count as 0
    and are marked. Works on numpy arrays in priority order: ~10 ms a year for 100,000 assets."""
    rows = sched.sort_values(["priority", "replacement_due", "name"], kind="stable")
    n = len(rows)
    cost = rows["cost"].fillna(0.0).to_numpy(dtype=float)
    due = rows["replacement_due"].to_numpy(dtype="datetime64[ns]")
    unsupported = (
        (rows["hardware_status"] == rules.UNSUPPORTED) | (rows["software_status"] == rules.UNSUPPORTED)
    ).to_numpy()
    critical = (rows["risk"] == rules.CRITICAL).to_numpy()
    high = (rows["risk"] == rules.HIGH).to_numpy()
    if isinstance(budget, dict):
        names = rows[by].fillna("—").to_numpy(dtype=object)
        groups = {name: names == name for name in pd.unique(names)}
        budgets = {name: float(budget.get(name, 0.0)) for name in groups}
    else:
        groups = {"total": np.ones(n, dtype=bool)}
        budgets = {"total": float(budget)}
    planned = np.zeros(n, dtype=np.int64)  # 0: not planned
    too_big_ever = np.zeros(n, dtype=bool)
    summary = []
    for year in range(at.year, at.year + horizon):
        end = np.datetime64(f"{year}-12-31", "ns")
        for name, in_group in groups.items():
            limit = budgets[name]
            waiting = (planned == 0) & (due <= end) & in_group
            too_big = waiting & (cost > limit)
            too_big_ever |= too_big
            queue = np.flatnonzero(waiting & ~too_big)  # already in priority order
            taken = queue[np.cumsum(cost[queue]) <= limit]  # costs are >= 0: a prefix of the queue
            planned[taken] = year
            left = waiting & (planned == 0)
            summary.append(
                {
                    "year": year,
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
    years = pd.DataFrame(
        summary,
        columns=[
            "year",
            "group",
            "budget",
            "spent",
            "replaced",
            "deferred",
            "deferred_cost",
            "unsupported_left",
            "critical_left",
            "high_left",
        ],
    )
    return CappedPlan(rows=rows.loc[sched.index], years=years)


# --- what-if -------------------------------------------------------------------------------------


def extend_service_life(frame: pd.DataFrame, years: int) -> pd.DataFrame:
    """The same assets if every service life were ``years`` longer: a replace-by date that came
    from the service life moves by that much, but never past the asset's end of support."""
    if not years:
        return frame.copy()
    out = frame.copy()
    by_life = out["replacement_reason"].fillna("").str.startswith("service life of ")
    moved = out.loc[by_life, "replacement_due"] + pd.DateOffset(years=years)
    ends = out.loc[by_life, "support_ends"]
    capped = ends.notna() & (ends < moved)
    out.loc[by_life, "replacement_due"] = moved.where(~capped, ends)
    lives = out.loc[by_life, "replacement_reason"].str.extract(r"service life of (\d+) years(.*)")
    new_reason = "service life of " + (lives[0].astype(int) + years).astype(str) + " years" + lives[1]
    out.loc[by_life, "replacement_reason"] = new_reason.where(~capped, "out of support")
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

    def totals(self) -> dict:
        s = self.schedule
        return {
            "at": self.at.isoformat(),
            "horizon_years": self.filters.horizon,
            "assets": len(self.frame),
            "due": len(s),
            "due_cost": round(float(s["cost"].fillna(0).sum()), 2),
            "backlog": int((s["bucket"] == BACKLOG).sum()),
            "backlog_cost": round(float(s.loc[s["bucket"] == BACKLOG, "cost"].fillna(0).sum()), 2),
            "cost_unknown": int(s["cost"].isna().sum()),
            "book_value": round(float(self.frame["book_value"].fillna(0).sum()), 2),
            "budget": self.budget,
            "extend_service_life_years": self.extend_years,
        }


def build(
    at: dt.date,
    filters: Filters | None = None,
    budget: float | dict[str, float] | None = None,
    extend_years: int = 0,
    by: str = "org_unit",
    freq: str = "year",
) -> Plan:
    """Schedule, forecast per ``freq`` × ``by``, capped plan (with a budget) and value view."""
    filters = filters or Filters()
    frame = extend_service_life(assets_frame(at, filters), extend_years)
    sched = schedule(at, filters, frame)
    capped = capped_plan(sched, at, budget, filters.horizon) if budget is not None else None
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
    )
