"""Budgets per org unit, fiscal years, the first period and the contracts' running costs in the
plan (issue #15; docs/planning.md), on the inventory of tests/lifecycle/test_plan_rules.py (every
asset in the backlog on AT = 2027-01-15, priority x1, y1, x2, y2, x3, y3, x4) with the units A and
B below a Direktion D.
"""

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from inventory.models import Asset, OrgUnit
from lifecycle import budgets, figures, periods, planning, state
from lifecycle.models import Contract
from tests.api.conftest import make_user, token_client
from tests.factories import AssetFactory, HardwareModelFactory, OrgUnitFactory
from tests.lifecycle.test_plan_rules import AT, inventory, planned_years  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(inventory):  # noqa: F811 - the fixture of test_plan_rules
    direktion = OrgUnitFactory(name="D")
    OrgUnit.objects.filter(pk__in=[u.pk for u in inventory.values()]).update(parent=direktion)
    return {"D": direktion, **inventory}


# --- reading budgets -------------------------------------------------------------------------------


def test_budget_lines_are_read_with_years_headers_and_swiss_amounts(tree):
    read = budgets.parse("org unit; year; CHF\nA; 2027; 3'000\n# a comment\nb; 1000.50\nD, 2028, 12000")
    a, b, d = (tree[n].pk for n in "ABD")
    assert read.amounts == {a: {2027: 3000.0}, b: {None: 1000.5}, d: {2028: 12000.0}}
    assert read.for_year(a, 2026) == 0.0 and read.for_year(a, 2031) == 3000.0  # carried forward
    assert read.for_year(b, 2040) == 1000.5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("A; 2027; 3000\nX; 2027; 100", "line 2: no org unit “X”"),
        ("A; 2027; lots", "line 1: “lots” is not an amount in CHF"),
        ("A; 2027; -5", "line 1: the amount must be between 0"),
        ("A; 2027; 1e400", "line 1: the amount must be between 0"),
        ("A; 2027; nan", "line 1: the amount must be between 0"),
        ("A; next; 5", "line 1: “next” is not a year"),
        ("A; 1066; 5", "line 1: the year must be between 1900 and 9000"),
        ("A; 2027; 5\nA; 2027; 6", "line 2: a second budget for the same org unit and year"),
        ("A", "line 1: expected “org unit; year; CHF”"),
    ],
)
def test_a_bad_budget_line_is_named(tree, text, message):
    with pytest.raises(budgets.BudgetError) as caught:
        budgets.parse(text)
    assert str(caught.value).startswith(message)


def test_a_name_two_units_share_must_be_given_as_the_slug(tree):
    OrgUnitFactory(name="A", parent=tree["D"].parent or OrgUnitFactory(name="Other"), slug="other-a")
    with pytest.raises(budgets.BudgetError, match="several org units are called “A”: give the slug"):
        budgets.parse("A; 100")
    assert budgets.parse(f"{tree['A'].slug}; 100").amounts == {tree["A"].pk: {None: 100.0}}


# --- the capped plan with budgets per org unit ---------------------------------------------------------


def test_a_direktion_budget_pays_for_its_units_like_one_total(tree):
    sched = planning.schedule(AT)
    per_unit = planning.capped_plan(sched, AT, budgets.parse("D; 5000"), first_period="full")
    total = planning.capped_plan(sched, AT, 5000, first_period="full")
    assert planned_years(per_unit) == planned_years(total)
    assert set(per_unit.years["group"]) == {"D"}
    assert per_unit.years["spent"].tolist() == total.years["spent"].tolist()


def test_a_unit_budget_per_year_carries_forward_and_units_without_one_wait(tree):
    lines = "A; 2027; 3000\nA; 2029; 10000\nB; 1000"
    plan = planning.capped_plan(planning.schedule(AT), AT, budgets.parse(lines), first_period="full")
    assert planned_years(plan) == {
        "x1": 2027,
        "x2": 2028,
        "x3": 2029,
        "x4": 2029,  # A: 3000, 3000 (carried), 10000
        "y1": None,
        "y2": 2027,
        "y3": 2028,  # B: 1000 a year; y1 (1500) never fits
    }
    budget = {(r.group, r.year): r.budget for r in plan.years.itertuples()}
    assert budget[("A", 2027)] == 3000 and budget[("A", 2028)] == 3000 and budget[("A", 2030)] == 10000
    assert dict(zip(plan.rows["name"], plan.rows["note"], strict=True))["y1"] == "exceeds the yearly budget"


def test_assets_under_no_budget_are_planned_in_no_year(tree):
    plan = planning.capped_plan(planning.schedule(AT), AT, budgets.parse("A; 100000"), first_period="full")
    years = planned_years(plan)
    assert {n: y for n, y in years.items() if n.startswith("x")} == dict.fromkeys(
        ["x1", "x2", "x3", "x4"], 2027
    )
    assert {n: y for n, y in years.items() if n.startswith("y")} == dict.fromkeys(["y1", "y2", "y3"], None)
    waiting = plan.years[(plan.years["group"] == budgets.NONE) & (plan.years["year"] == 2027)]
    assert waiting["budget"].tolist() == [0.0] and waiting["deferred"].tolist() == [3]


def test_budget_file_api_and_page_give_the_same_plan(tree, tmp_path, client):
    lines = ["A; 2027; 3000", "A; 2029; 10000", "B; 1000"]
    expected = planned_years(planning.build(AT, budget=budgets.parse("\n".join(lines))).capped)
    path = tmp_path / "budgets.csv"
    path.write_text("\ufefforg unit;year;CHF\r\n" + "\r\n".join(lines) + "\r\n", encoding="utf-8")
    out = tmp_path / "plan.json"
    call_command(
        "export_plan",
        "--format",
        "json",
        "--at",
        str(AT),
        "--budget-file",
        str(path),
        "--out",
        str(out),
        stderr=io.StringIO(),
    )
    written = json.loads(out.read_text(encoding="utf-8"))
    assert {r["name"]: r["planned_year"] for r in written["schedule"]} == expected
    assert {"org_unit": "A", "year": 2029, "budget": 10000.0} in written["totals"]["budget"]

    planner = make_user("planner")
    answer = token_client(planner).get(reverse("lifecycle-api:plan"), {"at": str(AT), "org_budget": lines})
    assert answer.status_code == 200, answer.content
    assert {r["name"]: r["planned_year"] for r in answer.json()["schedule"]} == expected

    client.force_login(planner)
    page = client.get(reverse("lifecycle:planning"), {"at": str(AT), "org_budget": "\n".join(lines)})
    assert page.status_code == 200
    assert {(y["group"], y["year"]): y["budget"] for y in page.context["capped_years"]}[("B", 2030)] == 1000
    assert 'id="capped-table"' in page.content.decode()


def test_bad_budgets_are_refused_on_every_face(tree, tmp_path, client):
    path = tmp_path / "budgets.csv"
    path.write_text("A; 2027; 3000\nNowhere; 2027; 5\n", encoding="utf-8")
    with pytest.raises(
        CommandError, match="--budget-file: .*budgets.csv, line 2: no org unit “Nowhere”"
    ) as e:
        call_command(
            "export_plan", "--format", "json", "--out", str(tmp_path / "x.json"), "--budget-file", str(path)
        )
    assert e.value.returncode == 2
    with pytest.raises(CommandError, match="--budget-file: give either --budget or --budget-file"):
        call_command(
            "export_plan",
            "--format",
            "json",
            "--out",
            str(tmp_path / "x.json"),
            "--budget",
            "5",
            "--budget-file",
            str(path),
        )
    assert not (tmp_path / "x.json").exists()
    planner = make_user("planner")
    answer = token_client(planner).get(
        reverse("lifecycle-api:plan"), {"org_budget": ["A; 2027; 3000", "A; x; 1"]}
    )
    assert (
        answer.status_code == 400 and "line 2: “x” is not a year" in answer.json()["org_budget"][0]["message"]
    )
    both = token_client(planner).get(reverse("lifecycle-api:plan"), {"org_budget": "A; 5", "budget": "5"})
    assert both.status_code == 400 and "either one yearly budget" in both.json()["org_budget"][0]["message"]
    client.force_login(planner)
    page = client.get(reverse("lifecycle:planning"), {"org_budget": "A; 2027; 3000\nA; 2027; lots"})
    assert page.status_code == 400 and "line 2: “lots” is not an amount in CHF" in page.content.decode()


# --- the first period and fiscal years ------------------------------------------------------------


def test_the_first_period_has_the_share_of_the_year_left(inventory):  # noqa: F811
    plan = planning.capped_plan(planning.schedule(AT), AT, 5000)
    first = plan.years.iloc[0]
    assert first["start"] == AT and first["end"] == dt.date(2027, 12, 31)
    assert first["budget"] == round(5000 * 351 / 365, 2)  # 15 January to 31 December: 351 of 365 days
    assert plan.years.iloc[1]["budget"] == 5000 and plan.years.iloc[1]["start"] == dt.date(2028, 1, 1)
    # x1 + y1 (4500) fit both; y3 (500) fills the whole year's 5000 but not the 4808.22 left
    assert planned_years(plan)["y3"] == 2029  # 2028 goes to x2, y2 and x3 (5000)
    assert (
        planned_years(planning.capped_plan(planning.schedule(AT), AT, 5000, first_period="full"))["y3"]
        == 2027
    )


def test_periods_of_a_fiscal_year_from_july():
    assert periods.fiscal_year(dt.date(2027, 1, 15), 7) == 2026
    assert periods.label(dt.date(2027, 1, 15), first=7) == "2026/27"
    assert periods.label(dt.date(2027, 7, 1), "quarter", 7) == "2027/28Q1"
    assert periods.label(dt.date(2099, 12, 31), first=7) == "2099/00"
    assert periods.bounds(2026, 7) == (dt.date(2026, 7, 1), dt.date(2027, 6, 30))
    assert periods.labels(dt.date(2027, 1, 15), 2, "quarter", 7) == [
        "2026/27Q3",
        "2026/27Q4",
        *(f"2027/28Q{q}" for q in range(1, 5)),
    ]
    assert periods.first_share(dt.date(2027, 1, 15), 7) == 167 / 365
    assert periods.year_of("2026/27Q3") == 2026 and periods.horizon_end(
        dt.date(2027, 1, 15), 2, 7
    ) == dt.date(2028, 6, 30)


@override_settings(FISCAL_YEAR_START_MONTH=7)
def test_a_fiscal_year_from_july_in_every_figure():
    model = HardwareModelFactory(model="NoNotice", list_price=Decimal(100))
    for name, start in (
        ("due-mar27", (2019, 3, 1)),
        ("due-sep27", (2019, 9, 1)),
        ("due-feb28", (2020, 2, 1)),
    ):
        AssetFactory(
            name=name,
            hardware_model=model,
            purchase_date=dt.date(*start),
            in_service_date=dt.date(*start),
            purchase_cost=Decimal(100),
        )
    state.refresh(at=AT)
    plan = planning.build(AT, planning.Filters(horizon=3), budget=100)
    assert list(plan.forecast.index) == ["backlog", "2026/27", "2027/28", "2028/29"]
    assert plan.forecast["—"].tolist() == [0.0, 100.0, 200.0, 0.0]  # March 2027, then Sept 2027 and Feb 2028
    stored = figures.summarize(AT, Asset.objects.all())
    framed = figures.totals(plan.frame, AT, 3)
    assert [(b["bucket"], b["count"]) for b in stored["buckets"]][:3] == [
        ("backlog", 0),
        ("2026/27", 1),
        ("2027/28", 2),
    ]
    assert [(b["bucket"], b["count"]) for b in framed["buckets"]] == [
        (b["bucket"], b["count"]) for b in figures.totals_stored(Asset.objects.all(), AT, 3)["buckets"]
    ]
    first = plan.capped.years.iloc[0]
    assert (first["period"], first["start"], first["end"]) == ("2026/27", AT, dt.date(2027, 6, 30))
    assert first["budget"] == round(100 * 167 / 365, 2)  # nothing fits in 45.75: March waits
    assert planned_years(plan.capped) == {"due-mar27": 2027, "due-sep27": 2028, "due-feb28": None}
    listed = Asset.objects.filter(figures.bucket_q("2027/28")).values_list("name", flat=True)
    assert sorted(listed) == ["due-feb28", "due-sep27"]


# --- contracts' running costs -------------------------------------------------------------------------


@pytest.fixture
def contracts(inventory):  # noqa: F811
    covering = Contract.objects.create(
        provider="Cisco",
        number="SN-1",
        start=dt.date(2026, 7, 1),
        end=dt.date(2027, 6, 30),
        yearly_cost=Decimal(1200),
    )
    covering.assets.set(Asset.objects.filter(name__in=["x1", "y1", "d1"]))  # d1: decommissioned
    Contract.objects.create(
        provider="Lexmark",
        number="P-7",
        start=dt.date(2027, 1, 1),
        end=dt.date(2027, 12, 31),
        yearly_cost=Decimal(365),
    )  # covers nothing
    Contract.objects.create(provider="Free", number="0", start=dt.date(2026, 1, 1), end=dt.date(2030, 1, 1))
    return inventory


def test_running_costs_by_days_then_renewed_split_over_the_units(contracts):
    plan = planning.build(AT, planning.Filters(horizon=3))
    rows = {(r.bucket, r.contract, r.kind, r.group): r.cost for r in plan.running.itertuples()}
    half_running = round(1200 * 167 / 365 / 2, 2)  # 15 Jan – 30 Jun 2027, split over A and B
    half_renewal = round(1200 * 184 / 365 / 2, 2)  # 1 Jul – 31 Dec 2027, renewed: x1, y1 in use
    assert rows == {
        ("2027", "Cisco SN-1", "running", "A"): half_running,
        ("2027", "Cisco SN-1", "running", "B"): half_running,
        ("2027", "Cisco SN-1", "renewal", "A"): half_renewal,
        ("2027", "Cisco SN-1", "renewal", "B"): half_renewal,
        ("2028", "Cisco SN-1", "renewal", "A"): 600.0,
        ("2028", "Cisco SN-1", "renewal", "B"): 600.0,
        ("2029", "Cisco SN-1", "renewal", "A"): 600.0,
        ("2029", "Cisco SN-1", "renewal", "B"): 600.0,
        ("2027", "Lexmark P-7", "running", "—"): 351.0,  # covers no asset: no renewal
    }
    per_bucket = planning.running_per_bucket(plan)
    assert per_bucket.loc["2028"].tolist() == [0.0, 1200.0, 1200.0]
    assert per_bucket.loc["2027", "running"] == round(2 * half_running + 351, 2)
    assert plan.totals()["running_cost"] == round(sum(rows.values()), 2)


def test_running_costs_follow_the_filters_and_the_switch(contracts):
    only_a = planning.build(AT, planning.Filters(org_units=[contracts["A"].pk], horizon=3))
    assert set(only_a.running["group"]) == {"A"} and set(only_a.running["contract"]) == {"Cisco SN-1"}
    assert only_a.running["cost"].sum() == pytest.approx(1200 / 2 * (351 / 365 + 2), abs=0.02)
    assert planning.build(AT, running=False).running is None
    assert planning.running_per_bucket(planning.build(AT, running=False)).empty


def test_running_costs_on_the_page_and_off_by_every_face(contracts, client, tmp_path):
    planner = make_user("planner")
    client.force_login(planner)
    page = client.get(reverse("lifecycle:planning"), {"at": str(AT), "horizon": "3"})
    assert [r["bucket"] for r in page.context["running"]] == ["2027", "2028", "2029"]
    assert page.context["running"][1]["total"] == 1200.0
    off = client.get(reverse("lifecycle:planning"), {"at": str(AT), "running_costs": "off"})
    assert off.context["running"] is None and 'id="running-table"' not in off.content.decode()
    api = token_client(planner).get(reverse("lifecycle-api:plan"), {"at": str(AT), "running_costs": "off"})
    assert api.status_code == 200 and api.json()["totals"]["running_cost"] is None
    out = tmp_path / "plan.json"
    call_command(
        "export_plan",
        "--format",
        "json",
        "--at",
        str(AT),
        "--out",
        str(out),
        "--no-running-costs",
        stderr=io.StringIO(),
    )
    assert json.loads(out.read_text(encoding="utf-8"))["totals"]["running_cost"] is None


# --- the command line's filters ----------------------------------------------------------------------


def test_export_plan_takes_the_pages_filters(inventory, tmp_path):  # noqa: F811
    x1 = Asset.objects.select_related("hardware_model__manufacturer", "site").get(name="x1")

    def names(*args):
        out = tmp_path / "plan.json"
        call_command(
            "export_plan", "--format", "json", "--at", str(AT), "--out", str(out), *args, stderr=io.StringIO()
        )
        return sorted(r["name"] for r in json.loads(out.read_text(encoding="utf-8"))["schedule"])

    due = Asset.objects.filter(status="active")
    assert names("--site", x1.site.slug) == sorted(due.filter(site=x1.site).values_list("name", flat=True))
    maker = x1.hardware_model.manufacturer
    assert names("--manufacturer", maker.slug) == sorted(
        due.filter(manufacturer=maker).values_list("name", flat=True)
    )
    assert 0 < len(names("--manufacturer", maker.slug)) < 7
    assert names("--status", "unsupported") == ["x1", "x2", "x3", "x4", "y1", "y2", "y3"]
    assert names("--status", "supported") == []
    assert names("--category", x1.hardware_model.category) == ["x1", "x2", "x3", "x4", "y1", "y2", "y3"]
    for option, value in (("--site", "nowhere"), ("--manufacturer", "nobody")):
        with pytest.raises(CommandError, match=f"{option}: no .* with the slug {value}") as e:
            names(option, value)
        assert e.value.returncode == 2


# --- baseline and what-if on the page --------------------------------------------------------------


@pytest.mark.parametrize("budget", [None, "5000"])
def test_the_page_shows_baseline_and_what_if_side_by_side(inventory, client, budget):  # noqa: F811
    model = HardwareModelFactory(model="Young", list_price=Decimal(700))
    AssetFactory(name="young", hardware_model=model, in_service_date=dt.date(2020, 4, 1), purchase_cost=None)
    state.refresh(at=AT)
    client.force_login(make_user("planner"))
    query = {"at": str(AT), "horizon": "5", "extend_years": "2", **({"budget": budget} if budget else {})}
    page = client.get(reverse("lifecycle:planning"), query)
    assert page.status_code == 200
    rows = page.context["what_if"]["rows"]
    plain = {"at": AT, "filters": planning.Filters(horizon=5), "budget": float(budget) if budget else None}
    baseline, what_if = planning.build(**plain), planning.build(**plain, extend_years=2)
    if budget:
        spent = baseline.capped.years.groupby("year")["spent"].sum()
        assert [r["period"] for r in rows] == [str(y) for y in range(2027, 2032)]
        assert [r["values"][0] for r in rows] == spent.tolist()
        assert [r["values"][1] for r in rows] == what_if.capped.years.groupby("year")["spent"].sum().tolist()
    else:
        assert [r["values"][0] for r in rows] == baseline.forecast.sum(axis=1).tolist()
        assert [r["values"][1] for r in rows] == what_if.forecast.sum(axis=1).tolist()
        young = [r for r in rows if r["period"] in ("2028", "2030")]  # due 2028 (8 years), with 2: 2030
        assert [r["values"][2] for r in young] == [-700.0, 700.0]
    assert 'id="what-if-table"' in page.content.decode()
    assert client.get(reverse("lifecycle:planning"), {"at": str(AT)}).context["what_if"] is None


def test_budgets_of_two_units_with_one_name_stay_apart(tree):
    other = OrgUnitFactory(name="A", parent=OrgUnitFactory(name="E"), slug="e-a")
    read = budgets.parse(f"{tree['A'].slug}; 100\ne-a; 200\nline\x00; 5".rsplit("\n", 1)[0])
    assert sorted(read.names.values()) == sorted([f"A ({tree['A'].slug})", "A (e-a)"])
    assert read.by_name(2027) == {f"A ({tree['A'].slug})": 100.0, "A (e-a)": 200.0}
    assert other.pk in read.amounts
    with pytest.raises(budgets.BudgetError, match="line 1: "):
        budgets.parse('"A; 5')
