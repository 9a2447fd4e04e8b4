"""The capped plan's rules on a small hand-made inventory (issue #15; docs/planning.md): leftover
budget filled with the next items that fit (``fill="gaps"``, the default) or strict priority
order (``fill="strict"``), per org unit too; spares and planned assets in or out of the backlog
(``include_spares``, off by default); the Planning page and the plan API take both.

On AT = 2027-01-15 every asset below is out of hardware support since 2026-06-30 and has no
contract: all are in the backlog, all critical, so the priority is the age (older first).

| asset | unit | bought     | cost | status          |
|-------|------|------------|------|-----------------|
| x1    | A    | 2018-01-01 | 3000 | active          |
| x2    | A    | 2018-06-01 | 3000 | active          |
| x3    | A    | 2019-01-01 | 1000 | active          |
| x4    | A    | 2019-06-01 | 1000 | active          |
| y1    | B    | 2018-02-01 | 1500 | active          |
| y2    | B    | 2018-07-01 | 1000 | active          |
| y3    | B    | 2019-02-01 |  500 | active          |
| s1    | A    | 2018-03-01 | 1000 | spare           |
| p1    | A    | 2018-04-01 | 3000 | planned         |
| d1    | A    | 2017-01-01 | 1000 | decommissioned  |
"""

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest
from django.urls import reverse

from lifecycle import planning, rules, state
from lifecycle.forms import PlanForm
from lifecycle.models import HardwareNotice
from tests.api.conftest import make_user, token_client
from tests.factories import AssetFactory, HardwareModelFactory, OrgUnitFactory

pytestmark = pytest.mark.django_db
AT = dt.date(2027, 1, 15)

ROWS = [  # name, unit, bought, cost, status
    ("x1", "A", (2018, 1, 1), 3000, "active"),
    ("x2", "A", (2018, 6, 1), 3000, "active"),
    ("x3", "A", (2019, 1, 1), 1000, "active"),
    ("x4", "A", (2019, 6, 1), 1000, "active"),
    ("y1", "B", (2018, 2, 1), 1500, "active"),
    ("y2", "B", (2018, 7, 1), 1000, "active"),
    ("y3", "B", (2019, 2, 1), 500, "active"),
    ("s1", "A", (2018, 3, 1), 1000, "spare"),
    ("p1", "A", (2018, 4, 1), 3000, "planned"),
    ("d1", "A", (2017, 1, 1), 1000, "decommissioned"),
]


@pytest.fixture
def inventory():
    units = {"A": OrgUnitFactory(name="A"), "B": OrgUnitFactory(name="B")}
    notice = HardwareNotice.objects.create(last_date_of_support=dt.date(2026, 6, 30))
    models = {}
    for price in sorted({cost for *_, cost, _ in ROWS}):
        models[price] = HardwareModelFactory(model=f"M{price}", list_price=Decimal(price))
        notice.hardware_models.add(models[price])
    for name, unit, bought, cost, status in ROWS:
        AssetFactory(
            name=name,
            hardware_model=models[cost],
            org_unit=units[unit],
            purchase_date=dt.date(*bought),
            in_service_date=None,
            purchase_cost=Decimal(cost),
            status=status,
        )
    state.refresh(at=AT)
    return units


def planned_years(plan: planning.CappedPlan) -> dict[str, int | None]:
    return {
        name: (None if pd.isna(year) else int(year))
        for name, year in zip(plan.rows["name"], plan.rows["planned_year"], strict=True)
    }


def spent(plan: planning.CappedPlan, group: str = "total") -> dict[int, float]:
    years = plan.years[plan.years["group"] == group]
    return {int(y): float(s) for y, s in zip(years["year"], years["spent"], strict=True) if s}


def test_the_inventory_is_as_the_table_says(inventory):
    sched = planning.schedule(AT)
    assert set(sched["bucket"]) == {rules.BACKLOG}
    assert set(sched["risk"]) == {rules.CRITICAL}
    order = sched.sort_values("priority", kind="stable")["name"].tolist()
    assert order == ["x1", "y1", "x2", "y2", "x3", "y3", "x4"]  # older first; spares not planned


# A only (x*): budget 5000. Strict: x1 (3000), then x2 (3000) does not fit and the year stops with
# 2000 unused; gaps: x2 waits, x3 and x4 (1000 each) fill the year to 5000.
@pytest.mark.parametrize(
    ("fill", "years", "spent_by_year"),
    [
        ("strict", {"x1": 2027, "x2": 2028, "x3": 2028, "x4": 2028}, {2027: 3000, 2028: 5000}),
        ("gaps", {"x1": 2027, "x2": 2028, "x3": 2027, "x4": 2027}, {2027: 5000, 2028: 3000}),
    ],
)
def test_capped_plan_fill_rule(inventory, fill, years, spent_by_year):
    sched = planning.schedule(AT, planning.Filters(org_units=[inventory["A"].pk]))
    plan = planning.capped_plan(sched, AT, budget=5000, fill=fill, first_period="full")
    assert planned_years(plan) == years
    assert spent(plan) == spent_by_year
    first = plan.years.set_index("year").loc[2027]
    assert first["budget"] - first["spent"] == {"strict": 2000, "gaps": 0}[fill]
    assert first["deferred"] == {"strict": 3, "gaps": 1}[fill]


def test_gaps_keep_priority_order_among_what_is_taken(inventory):
    """Budget 4500: x1 (3000) fits, x2 (3000) does not, x3 (1000) fits, x4 (1000) no longer does:
    the leftover goes to the higher-priority small item, never the later one first."""
    sched = planning.schedule(AT, planning.Filters(org_units=[inventory["A"].pk]))
    plan = planning.capped_plan(sched, AT, budget=4500, first_period="full")
    assert planned_years(plan) == {"x1": 2027, "x3": 2027, "x2": 2028, "x4": 2028}
    assert spent(plan) == {2027: 4000, 2028: 4000}


def test_an_item_over_the_whole_budget_keeps_its_handling_in_both_modes(inventory):
    sched = planning.schedule(AT, planning.Filters(org_units=[inventory["A"].pk]))
    for fill in planning.FILLS:
        plan = planning.capped_plan(sched, AT, budget=2000, fill=fill, first_period="full")
        years = planned_years(plan)
        assert years["x1"] is None and years["x2"] is None, fill  # 3000 > 2000: never
        notes = dict(zip(plan.rows["name"], plan.rows["note"], strict=True))
        assert notes["x1"] == notes["x2"] == "exceeds the yearly budget"
        assert years["x3"] == years["x4"] == 2027, fill


def test_unknown_fill_is_refused(inventory):
    with pytest.raises(ValueError, match="fill"):
        planning.capped_plan(planning.schedule(AT), AT, budget=1000, fill="greedy", first_period="full")


# Per org unit: A 5000 as above; B 2000: y1 (1500), y2 (1000) does not fit, y3 (500) does.
@pytest.mark.parametrize(
    ("fill", "a_years", "b_years", "a_spent", "b_spent"),
    [
        (
            "strict",
            {"x1": 2027, "x2": 2028, "x3": 2028, "x4": 2028},
            {"y1": 2027, "y2": 2028, "y3": 2028},
            {2027: 3000, 2028: 5000},
            {2027: 1500, 2028: 1500},
        ),
        (
            "gaps",
            {"x1": 2027, "x2": 2028, "x3": 2027, "x4": 2027},
            {"y1": 2027, "y2": 2028, "y3": 2027},
            {2027: 5000, 2028: 3000},
            {2027: 2000, 2028: 1000},
        ),
    ],
)
def test_capped_plan_per_org_unit_fills_each_unit(inventory, fill, a_years, b_years, a_spent, b_spent):
    plan = planning.build(AT, budget={"A": 5000, "B": 2000}, fill=fill, first_period="full").capped
    assert planned_years(plan) == a_years | b_years
    assert spent(plan, "A") == a_spent and spent(plan, "B") == b_spent
    assert (plan.years["spent"] <= plan.years["budget"]).all()


def test_spares_and_planned_are_out_by_default_and_in_with_the_switch(inventory):
    off = planning.build(AT, budget=5000, first_period="full")
    on = planning.build(AT, budget=5000, include_spares=True, first_period="full")
    extra = 1000 + 3000  # s1 + p1; d1 (decommissioned) is in neither
    assert set(off.schedule["name"]) == {"x1", "x2", "x3", "x4", "y1", "y2", "y3"}
    assert set(on.schedule["name"]) == set(off.schedule["name"]) | {"s1", "p1"}
    assert on.forecast.loc[rules.BACKLOG].sum() - off.forecast.loc[rules.BACKLOG].sum() == extra
    t_off, t_on = off.totals(), on.totals()
    assert t_off["include_spares"] is False and t_on["include_spares"] is True
    assert t_off["backlog"] == 7 and t_on["backlog"] == 9
    assert t_off["backlog_cost"] == Decimal("11000.00")
    assert t_on["backlog_cost"] - t_off["backlog_cost"] == extra
    assert t_on["due_cost"] - t_off["due_cost"] == extra
    # their own groups, and every in-use figure, are the same either way
    for key in ("usage", "count", "replacement_value", "risk", "hardware", "out_of_support_value"):
        assert t_on[key] == t_off[key], key
    assert t_off["usage"][rules.SPARES]["replacement_value"] == Decimal("1000.00")
    assert t_off["usage"][rules.PLANNED]["replacement_value"] == Decimal("3000.00")
    # the capped plan spends on them only with the switch
    assert {"s1", "p1"} <= {n for n, y in planned_years(on.capped).items() if y}
    assert "s1" not in planned_years(off.capped)
    assert sum(spent(on.capped).values()) - sum(spent(off.capped).values()) == extra


@pytest.mark.parametrize(
    ("query", "fill", "include_spares"),
    [
        ({}, "gaps", False),
        ({"fill": "strict"}, "strict", False),
        ({"fill": "gaps", "include_spares": "true"}, "gaps", True),
        ({"include_spares": "on"}, "gaps", True),
        ({"include_spares": "0"}, "gaps", False),
        ({"include_spares": "false"}, "gaps", False),
    ],
)
def test_plan_form_maps_the_switches(query, fill, include_spares):
    form = PlanForm(query)
    assert form.is_valid(), form.errors
    arguments = form.arguments()
    assert arguments["fill"] == fill and arguments["include_spares"] is include_spares


@pytest.mark.parametrize(("name", "value"), [("fill", "greedy"), ("include_spares", "maybe")])
def test_plan_form_refuses_a_bad_value_naming_it(name, value):
    form = PlanForm({name: value})
    assert not form.is_valid() and list(form.errors) == [name]


def test_plan_api_and_page_take_the_new_parameters(inventory, client):
    planner = make_user("planner")
    api = token_client(planner)
    url = reverse("lifecycle-api:plan")
    strict = api.get(url, {"fill": "strict", "budget": "5000", "include_spares": "true"})
    assert strict.status_code == 200, strict.content
    totals = strict.json()["totals"]
    assert totals["fill"] == "strict" and totals["include_spares"] is True
    for name, value in (("fill", "greedy"), ("include_spares", "maybe")):
        answer = api.get(url, {name: value})
        assert answer.status_code == 400 and name in answer.json(), (name, answer.content)
    client.force_login(planner)
    page = client.get(reverse("lifecycle:planning"), {"fill": "strict", "budget": "5000"})
    assert page.status_code == 200
    assert page.context["totals"]["fill"] == "strict"
    bad = client.get(reverse("lifecycle:planning"), {"fill": "greedy"})
    assert bad.status_code == 400 and "greedy" in bad.content.decode()


@pytest.mark.parametrize(("args", "names_in_2027", "spent_2027"), [
    (["--fill", "strict"], {"x1", "y1"}, 4500),
    ([], {"x1", "y1", "y2"}, 5500),  # gaps: y2 (1000) fills what x2 (3000) leaves
])
def test_export_plan_takes_the_fill_rule_and_the_spares_switch(
    inventory, tmp_path, args, names_in_2027, spent_2027
):
    import csv

    from django.core.management import call_command

    out = tmp_path / "capped.csv"
    call_command("export_plan", "--format", "csv", "--at", str(AT), "--budget", "5500",
                 "--first-period", "full", "--table", "capped", "--out", str(out), *args)
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    fill = args[1] if args else "gaps"
    expected = planned_years(planning.build(AT, budget=5500, fill=fill, first_period="full").capped)
    assert {n for n, y in expected.items() if y == 2027} == names_in_2027
    [first] = [row for row in rows if row["year"] == "2027"]
    assert float(first["spent"]) == spent_2027  # what the command wrote follows --fill

    schedule = tmp_path / "schedule.csv"
    call_command("export_plan", "--format", "csv", "--at", str(AT), "--out", str(schedule),
                 "--include-spares")
    with schedule.open(encoding="utf-8") as handle:
        assert {"s1", "p1"} <= {row["name"] for row in csv.DictReader(handle)}
