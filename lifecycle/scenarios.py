"""What-if scenarios of a replacement plan, side by side per year (the workbook's Scenarios sheet).

Floor 3, pandas only: every scenario is computed from the plan's own frame (``Plan.frame``, the
assets as the plan loaded them), never by asking the database again, and by the plan's own
functions (``lifecycle.planning``): a budget scenario is ``capped_plan`` over the plan's schedule
with another yearly budget; a service-life scenario is ``extend_service_life`` on the frame by N
more years, then ``schedule`` and, with a budget, ``capped_plan`` at the plan's budget. The
baseline is the plan as asked (its schedule and its capped plan). docs/workbook.md.

With a budget the scenarios compare, per year, what the capped plans spend and replace and what
they leave (deferred cost, unsupported assets left) — ``planning.compare`` against the baseline,
summed over the budget's groups. Without a budget they compare the yearly replacement cost
(``planning.forecast``'s total per year, backlog first).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from lifecycle import planning

BASELINE, BUDGET, LIFE = "baseline", "budget", "life"
# what a capped plan's year shows per scenario (``planning.compare``'s figures); FLOWS add up
# over the years (a total makes sense), the others are what is left at the end of a year
CAPPED_FIGURES = ("spent", "replaced", "deferred_cost", "unsupported_left")
FLOWS = ("spent", "replaced", "cost")


@dataclass(frozen=True)
class Spec:
    """Which scenarios: other yearly budgets (each a total or a dict per org unit; left empty, the
    plan's budget times each of ``factors``) and service lives ``years`` longer than the plan's."""

    budgets: tuple = ()
    factors: tuple[float, ...] = (0.8, 1.2)
    years: tuple[int, ...] = (1, 2)


@dataclass
class Scenario:
    kind: str  # BASELINE, BUDGET or LIFE
    budget: float | dict[str, float] | None  # the yearly budget it is planned with
    factor: float | None = None  # BUDGET from ``Spec.factors``: the plan's budget times this
    extend_years: int = 0  # LIFE: years of service life on top of the plan's
    schedule: pd.DataFrame = field(default=None, repr=False)  # the plan's, or ``narrow``
    capped: planning.CappedPlan | None = field(default=None, repr=False)


def scaled(budget, factor: float):
    """A yearly budget times ``factor``: one total, a dict per group, or budgets per org unit and
    year (``lifecycle.budgets.OrgBudgets``: each amount)."""
    if isinstance(budget, dict):
        return {name: float(value) * factor for name, value in budget.items()}
    if hasattr(budget, "amounts"):
        amounts = {
            unit: {year: float(value) * factor for year, value in years.items()}
            for unit, years in budget.amounts.items()
        }
        return dataclasses.replace(budget, amounts=amounts)
    return float(budget) * factor


# The columns of the plan's frame the scenarios read (extend_service_life, schedule, capped_plan
# with a budget per group or org unit, forecast): copying and sorting only these is ~3x faster.
COLUMNS = (
    "asset_id",
    "name",
    "org_unit",
    "org_unit_id",
    "usage",
    "hardware_status",
    "software_status",
    "risk",
    "age",
    "service_start",
    "service_life_years",
    "support_ends",
    "replacement_due",
    "replacement_basis",
    "bucket",
    "cost",
    "priority",
)


def narrow(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns of ``frame`` the scenarios read, the name as its rank among the names: the
    plan's functions sort by name last (ties), and numbers sort several times faster than text
    in the same order (a missing name last, as pandas sorts it)."""
    out = frame[[c for c in frame.columns if c in COLUMNS]]
    rank, _names = pd.factorize(out["name"], sort=True)
    return out.assign(name=np.where(rank < 0, len(out), rank))


def extended_schedule(plan: planning.Plan, years: int, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """The plan's schedule if every service life were ``years`` longer than in the plan: the
    plan's frame (``frame``: that frame ``narrow``ed) through ``extend_service_life`` (spares
    priced again when the plan prices them) and ``schedule``."""
    frame = planning.extend_service_life(narrow(plan.frame) if frame is None else frame, years, plan.at)
    if plan.include_spares:
        frame = planning.price_spares(frame, plan.at)
    return planning.schedule(plan.at, plan.filters, frame)


def run(plan: planning.Plan, spec: Spec | None = None) -> list[Scenario]:
    """The baseline (the plan itself) and the scenarios of ``spec``: budgets only when the plan
    has a budget."""
    spec = spec or Spec()
    horizon = plan.filters.horizon

    # the plan's own first period (prorated or full), where the plan has the option
    first = {"first_period": plan.first_period} if hasattr(plan, "first_period") else {}

    def capped(sched, budget):
        return planning.capped_plan(sched, plan.at, budget, horizon, fill=plan.fill, **first)

    out = [Scenario(BASELINE, plan.budget, schedule=plan.schedule, capped=plan.capped)]
    frame = narrow(plan.frame)
    if plan.budget is not None:
        given = [(budget, None) for budget in spec.budgets]
        budgets = given or [(scaled(plan.budget, f), f) for f in spec.factors]
        ranks = dict(zip(frame["asset_id"], frame["name"], strict=True))  # each name ranked once
        sched = plan.schedule[[c for c in plan.schedule.columns if c in COLUMNS]]
        sched = sched.assign(name=sched["asset_id"].map(ranks))
        out += [
            Scenario(BUDGET, budget, factor=f, schedule=plan.schedule, capped=capped(sched, budget))
            for budget, f in budgets
        ]
    for years in spec.years:
        sched = extended_schedule(plan, years, frame)
        out.append(
            Scenario(
                LIFE,
                plan.budget,
                extend_years=years,
                schedule=sched,
                capped=capped(sched, plan.budget) if plan.budget is not None else None,
            )
        )
    return out


def yearly_cost(plan: planning.Plan, sched: pd.DataFrame) -> pd.Series:
    """Replacement cost per year of a schedule, backlog first (``planning.forecast``'s total)."""
    return planning.forecast(sched, plan.at, plan.filters.horizon, by=None, freq="year")["total"]


def table(plan: planning.Plan, scenarios: list[Scenario]) -> pd.DataFrame:
    """The scenarios side by side: one row per year (with a budget) or per bucket (without: the
    backlog, then each year), and for scenario ``i`` (its place in ``scenarios``) the columns
    ``<figure>_<i>`` — with a budget ``CAPPED_FIGURES`` summed over the budget's groups (from
    ``planning.compare`` of the baseline with each scenario), without one ``cost_<i>``."""
    if plan.budget is None:
        columns = {f"cost_{i}": yearly_cost(plan, s.schedule) for i, s in enumerate(scenarios)}
        out = pd.DataFrame(columns)
        out.index.name = "bucket"
        return out.reset_index()
    baseline = scenarios[0].capped
    parts = []
    for i, scenario in enumerate(scenarios):
        both = planning.compare(baseline, scenario.capped).groupby("year").sum(numeric_only=True)
        side = "_baseline" if i == 0 else "_scenario"
        parts.append(
            both[[f + side for f in CAPPED_FIGURES]].set_axis([f"{f}_{i}" for f in CAPPED_FIGURES], axis=1)
        )
    out = pd.concat(parts, axis=1).fillna(0)
    out.index.name = "year"
    return out.reset_index()
