"""Replacement planning on a small hand-built inventory with known answers (lifecycle.planning).

On AT = 2027-01-15, horizon 10 years (2027–2036), default policy (service life 8 years):

| asset | model (list price) | unit    | bought     | replace by            | bucket  | cost |
|-------|--------------------|---------|------------|-----------------------|---------|------|
| a1    | OLD (1000)         | Schools | 2018-01-10 | 2026-01-10 life       | backlog | 1000 |
| a9    | OLD (1000)         | Schools | 2019-06-01 | 2026-06-30 support    | backlog | 1000 |
| a2    | OLD (1000)         | IT      | 2020-05-01 | 2026-06-30 support    | backlog | 1000 |
| a5    | FW (no price)      | Schools | 2019-03-01 | 2027-03-01 life       | 2027    | 8000 policy |
| a3    | MID (2000)         | Schools | 2021-02-01 | 2028-03-31 support    | 2028    | 2000 |
| a4    | NEW (5000)         | IT      | 2022-07-01 | 2030-07-01 life       | 2030    | 5000 |
| a6    | NEW (5000)         | City    | 2024-01-01 | 2032-01-01 life       | 2032    | 5000 |
| a8    | NEW (5000)         | IT      | 2026-01-01 | 2033-12-31 support    | 2033    | 5000 |
| a7    | OLD, decommissioned: not planned                                                     |
"""

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from lifecycle import assess, labels, planning, rules, state
from lifecycle.models import HardwareNotice, LifecyclePolicy
from tests.factories import AssetFactory, HardwareModelFactory, OrgUnitFactory

pytestmark = pytest.mark.django_db
AT = dt.date(2027, 1, 15)


@pytest.fixture
def world():
    city = OrgUnitFactory(name="City")
    schools = OrgUnitFactory(name="Schools", parent=city)
    it = OrgUnitFactory(name="IT", parent=city)
    old = HardwareModelFactory(model="OLD", category="switch", list_price=Decimal("1000"))
    mid = HardwareModelFactory(model="MID", category="switch", list_price=Decimal("2000"))
    new = HardwareModelFactory(model="NEW", category="switch", list_price=Decimal("5000"))
    fw = HardwareModelFactory(model="FW", category="firewall", list_price=None)
    n_old = HardwareNotice.objects.create(
        end_of_sale=dt.date(2024, 1, 1), last_date_of_support=dt.date(2026, 6, 30), replacement_model=new
    )
    n_old.hardware_models.add(old)
    HardwareNotice.objects.create(
        end_of_sw_maintenance=dt.date(2026, 12, 31), last_date_of_support=dt.date(2028, 3, 31)
    ).hardware_models.add(mid)
    HardwareNotice.objects.create(last_date_of_support=dt.date(2033, 12, 31)).hardware_models.add(new)
    LifecyclePolicy.objects.create(category="firewall", replacement_cost=Decimal("8000"))

    def asset(name, model, unit, bought, **kw):
        return AssetFactory(
            name=name,
            hardware_model=model,
            org_unit=unit,
            purchase_date=dt.date(*bought),
            in_service_date=None,
            purchase_cost=model.list_price or Decimal("7000"),
            **kw,
        )

    assets = {
        "a1": asset("a1", old, schools, (2018, 1, 10)),
        "a9": asset("a9", old, schools, (2019, 6, 1)),
        "a2": asset("a2", old, it, (2020, 5, 1)),
        "a5": asset("a5", fw, schools, (2019, 3, 1)),
        "a3": asset("a3", mid, schools, (2021, 2, 1)),
        "a4": asset("a4", new, it, (2022, 7, 1)),
        "a6": asset("a6", new, city, (2024, 1, 1)),
        "a8": asset("a8", new, it, (2026, 1, 1)),
        "a7": asset("a7", old, it, (2017, 1, 1), status="decommissioned"),
    }
    state.refresh(at=AT)
    return {"assets": assets, "city": city, "schools": schools, "it": it}


def by_name(frame, column):
    return dict(zip(frame["name"], frame[column], strict=True))


def test_schedule_dates_reasons_costs_and_suggestions(world):
    sched = planning.schedule(AT)
    assert list(sched["name"]) == ["a1", "a9", "a2", "a5", "a3", "a4", "a6", "a8"]  # by due date
    due = {k: v.date() for k, v in by_name(sched, "replacement_due").items()}
    assert due == {
        "a1": dt.date(2026, 1, 10),
        "a9": dt.date(2026, 6, 30),
        "a2": dt.date(2026, 6, 30),
        "a5": dt.date(2027, 3, 1),
        "a3": dt.date(2028, 3, 31),
        "a4": dt.date(2030, 7, 1),
        "a6": dt.date(2032, 1, 1),
        "a8": dt.date(2033, 12, 31),
    }
    basis = by_name(sched, "replacement_basis")
    assert basis["a1"] == rules.BASIS_SERVICE_LIFE and basis["a2"] == rules.BASIS_SUPPORT
    reasons = dict(zip(sched["name"], labels.reasons(sched), strict=True))  # words only where shown
    assert reasons["a1"] == "service life of 8 years from purchase date"
    assert reasons["a2"] == "out of support (last date of support)"
    assert by_name(sched, "bucket") == {
        "a1": "backlog",
        "a9": "backlog",
        "a2": "backlog",
        "a5": "2027",
        "a3": "2028",
        "a4": "2030",
        "a6": "2032",
        "a8": "2033",
    }
    assert by_name(sched, "cost") == {
        "a1": 1000,
        "a9": 1000,
        "a2": 1000,
        "a5": 8000,
        "a3": 2000,
        "a4": 5000,
        "a6": 5000,
        "a8": 5000,
    }
    assert (
        by_name(sched, "cost_source")["a5"] == "policy"
        and by_name(sched, "cost_source")["a1"] == "list_price"
    )
    assert by_name(sched, "suggested_model")["a1"] == "NEW"
    assert pd.isna(by_name(sched, "suggested_model")["a3"])
    assert by_name(sched, "hardware_status")["a1"] == rules.UNSUPPORTED
    assert by_name(sched, "hardware_status")["a3"] == rules.SECURITY_ONLY
    assert "a7" not in set(sched["name"])  # decommissioned


def test_stored_and_live_answers_give_the_same_schedule(world):
    stored = planning.schedule(AT)
    state.refresh(at=dt.date(2026, 1, 1))  # stored answers of another day: the plan computes for AT
    live = planning.schedule(AT)
    cols = ["name", "replacement_due", "replacement_basis", "cost", "cost_source"]
    cols += ["hardware_status", "risk", "bucket"]
    pd.testing.assert_frame_equal(stored[cols], live[cols])


def test_schedule_filters_and_horizon(world):
    schools = planning.schedule(AT, planning.Filters(org_units=[world["schools"].pk]))
    assert set(schools["name"]) == {"a1", "a9", "a5", "a3"}
    city = planning.schedule(AT, planning.Filters(org_units=[world["city"].pk]))  # the units below count
    assert len(city) == 8
    firewalls = planning.schedule(AT, planning.Filters(categories=["firewall"]))
    assert list(firewalls["name"]) == ["a5"]
    short = planning.schedule(AT, planning.Filters(horizon=2))  # 2027 and 2028
    assert list(short["name"]) == ["a1", "a9", "a2", "a5", "a3"]
    unsupported = planning.schedule(AT, planning.Filters(statuses=[rules.UNSUPPORTED]))
    assert set(unsupported["name"]) == {"a1", "a9", "a2"}


def test_forecast_per_year_and_org_unit_with_backlog_bucket(world):
    sched = planning.schedule(AT)
    table = planning.forecast(sched, AT, by="org_unit")
    assert list(table.index) == ["backlog", *[str(y) for y in range(2027, 2037)]]
    assert table.loc["backlog", "Schools"] == 2000 and table.loc["backlog", "IT"] == 1000
    assert table.loc["2027", "Schools"] == 8000 and table.loc["2027", "IT"] == 0
    assert table.loc["2030", "IT"] == 5000 and table.loc["2032", "City"] == 5000
    assert table.loc["2036"].sum() == 0  # empty years are there, with 0
    total = planning.forecast(sched, AT)
    assert total["total"].sum() == 28000 == sched["cost"].sum()
    quarters = planning.forecast(sched, AT, freq="quarter")
    assert quarters.index[1] == "2027Q1" and quarters.loc["2027Q1", "total"] == 8000
    assert quarters.loc["2028Q1", "total"] == 2000 and len(quarters) == 1 + 40


def test_capped_plan_priorities_and_carry_over(world):
    sched = planning.schedule(AT)
    plan = planning.capped_plan(sched, AT, budget=2500, first_period="full")
    planned = by_name(plan.rows, "planned_year")
    # 2027: the two oldest unsupported (a1, a9) fit, a2 does not and waits; a5 (8000) never fits
    assert planned["a1"] == 2027 and planned["a9"] == 2027
    assert planned["a2"] == 2028  # carried over, and first in 2028 (unsupported before security-only)
    assert planned["a3"] == 2029  # due 2028, but 1000 + 2000 > 2500 that year
    assert pd.isna(planned["a5"]) and by_name(plan.rows, "note")["a5"] == "exceeds the yearly budget"
    assert pd.isna(planned["a4"])  # 5000 > 2500
    years = plan.years.set_index("year")
    assert years.loc[2027, "spent"] == 2000 and years.loc[2027, "replaced"] == 2
    assert years.loc[2027, "deferred"] == 2 and years.loc[2027, "deferred_cost"] == 9000  # a2 + a5
    assert years.loc[2027, "unsupported_left"] == 1  # a2
    assert years.loc[2028, "spent"] == 1000 and years.loc[2029, "spent"] == 2000
    assert (years["spent"] <= years["budget"]).all()


def test_capped_plan_per_org_unit(world):
    sched = planning.schedule(AT)
    budget = {"Schools": 1000, "IT": 6000}
    plan = planning.capped_plan(sched, AT, budget=budget, by="org_unit", first_period="full")
    planned = by_name(plan.rows, "planned_year")
    assert planned["a1"] == 2027 and planned["a9"] == 2028  # Schools: one a year
    assert planned["a2"] == 2027  # IT has its own money
    assert pd.isna(planned["a6"])  # City has no budget
    schools = plan.years[plan.years["group"] == "Schools"].set_index("year")
    assert schools.loc[2027, "spent"] == 1000 and schools.loc[2027, "budget"] == 1000


def test_what_if_longer_service_life(world):
    frame = planning.assets_frame(AT)
    longer = planning.extend_service_life(frame, 2, AT)
    due = {k: v.date() for k, v in by_name(longer, "replacement_due").items()}
    assert due["a1"] == dt.date(2026, 6, 30)  # 2028-01-10, but support ends first
    assert by_name(longer, "replacement_basis")["a1"] == rules.BASIS_SUPPORT
    assert due["a4"] == dt.date(2032, 7, 1)
    assert by_name(longer, "replacement_basis")["a4"] == rules.BASIS_SERVICE_LIFE
    assert by_name(longer, "service_life_years")["a4"] == 10 and by_name(longer, "bucket")["a4"] == "2032"
    assert dict(zip(longer["name"], labels.reasons(longer), strict=True))["a4"] == (
        "service life of 10 years from purchase date"
    )
    assert due["a3"] == dt.date(2028, 3, 31)  # by support: unchanged
    base = planning.build(AT, budget=2500, first_period="full")
    what_if = planning.build(AT, budget=2500, extend_years=2, first_period="full")
    assert base.forecast.loc["2030", "IT"] == 5000 and what_if.forecast.loc["2030", "IT"] == 0
    assert what_if.forecast.loc["2032", "IT"] == 5000  # a4, two years later
    assert what_if.forecast.loc["2033", "IT"] == 5000  # a8 stays: its support ends
    diff = planning.compare(base.capped, what_if.capped).set_index("year")
    assert (
        diff.loc[2027, "deferred_baseline"] == 2 and diff.loc[2027, "deferred_scenario"] == 1
    )  # a5 moved to 2029
    # the same with the rules: a service life 2 years longer
    policy = rules.Policy(service_life_years=10)
    (item,) = assess.collect(type(world["assets"]["a4"]).objects.filter(name="a4"), AT)
    assert rules.evaluate(item.facts, AT, policy).replacement_due == dt.date(2032, 7, 1)


def test_value_view(world):
    value = planning.value_view(planning.assets_frame(AT)).set_index("org_unit")
    assert value.loc["Schools", "assets"] == 4 and value.loc["Schools", "out_of_support"] == 2
    assert value.loc["Schools", "share_by_count"] == 50.0
    assert value.loc["Schools", "share_by_value"] == round(100 * 2000 / 12000, 1)
    assert value.loc["IT", "share_by_count"] == round(100 / 3, 1)
    assert value.loc["City", "out_of_support"] == 0
    expected = sum(assess.assess(a, AT)[0].book_value or 0 for n, a in world["assets"].items() if n != "a7")
    assert round(value["book_value"].sum(), 2) == float(expected)


def test_totals(world):
    plan = planning.build(AT)
    totals = plan.totals()
    assert totals["assets"] == 9 and totals["count"] == 8  # a7 is decommissioned: not counted
    assert totals["usage"]["decommissioned"]["count"] == 1
    assert totals["due"] == 8 and totals["backlog"] == 3
    assert totals["backlog_cost"] == 3000 and totals["due_cost"] == 28000 and totals["cost_unknown"] == 0
    assert plan.capped is None


def test_assets_without_org_unit_or_model_are_planned(world):
    """Discovered assets often have no org unit yet; manual ones may have no model."""
    fw = world["assets"]["a5"].hardware_model
    AssetFactory(
        name="lab-fw",
        hardware_model=fw,
        org_unit=None,
        site=None,
        purchase_date=dt.date(2018, 1, 1),
        in_service_date=None,
    )
    AssetFactory(
        name="bare",
        hardware_model=None,
        serial="",
        org_unit=None,
        purchase_date=dt.date(2017, 1, 1),
        in_service_date=None,
        purchase_cost=None,
    )
    state.refresh(at=AT)
    sched = planning.schedule(AT)
    assert by_name(sched, "cost")["lab-fw"] == 8000  # the firewall policy applies to every unit
    assert by_name(sched, "cost_source")["bare"] == "unknown" and pd.isna(by_name(sched, "cost")["bare"])
    assert by_name(sched, "bucket")["bare"] == "backlog"
    value = planning.value_view(planning.assets_frame(AT)).set_index("org_unit")
    assert value.loc["—", "assets"] == 2
    plan = planning.build(AT, budget=2500, first_period="full")
    assert plan.totals()["cost_unknown"] == 1
