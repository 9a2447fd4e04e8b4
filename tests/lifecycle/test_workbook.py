"""The plan's workbook for people and finance (issue #15, docs/workbook.md): page setup, totals as
SUBTOTAL formulas with their values, the org-unit tree with Direktion subtotals, words in the
chosen language, the Scenarios sheet, running costs; then printed and recalculated by
LibreOffice headless (skipped only when ``soffice`` is not installed).

The inventory is test_planning's (AT = 2027-01-15): City (a6) over IT (a2, a4, a8) and Schools
(a1, a9, a5, a3); eight assets in use, all due within ten years, CHF 28'000."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import uuid
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from django.utils import translation

from lifecycle import exports, planning, scenarios, state
from tests.factories import AssetFactory, OrgUnitFactory
from tests.lifecycle.test_planning import AT, world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def book(plan, tmp_path, name="plan.xlsx", **kw):
    path = tmp_path / name
    exports.write_xlsx(plan, str(path), **kw)
    return path, openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True)


def rows(sheet):
    return list(sheet.iter_rows(values_only=True))


def header(sheet, row=1):
    return {c.value: c.column for c in sheet[row] if c.value is not None}


# --- openpyxl: page setup, totals, tree ------------------------------------------------------------


def test_every_sheet_prints_landscape_one_page_wide_with_its_header_on_every_page(world, tmp_path):  # noqa: F811
    path, formulas, _values = book(planning.build(AT, budget=2500), tmp_path)
    assert formulas.sheetnames == ["Summary", "Org units", "Schedule", "Budget", "Capped plan", "Scenarios"]
    titles = {"Scenarios": "$1:$2"}
    for sheet in formulas.worksheets:
        setup = sheet.page_setup
        assert (setup.orientation, setup.paperSize) == ("landscape", 9), sheet.title
        # fitToWidth 1 is the default of the file format: XlsxWriter leaves it out
        assert (setup.fitToWidth or 1, setup.fitToHeight) == (1, 0), sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage is True, sheet.title
        assert sheet.print_title_rows == titles.get(sheet.title, "$1:$1"), sheet.title
        assert sheet.oddFooter.left.text == "&D" and sheet.oddFooter.right.text == "Page &P of &N"
        assert (
            sheet.oddHeader.left.text == "Replacement plan 2027-01-15" and sheet.oddHeader.right.text == "&A"
        )


def test_schedule_budget_and_capped_plan_end_in_subtotal_rows_with_their_values(world, tmp_path):  # noqa: F811
    plan = planning.build(AT, budget=2500)
    _path, formulas, values = book(plan, tmp_path)
    totals = plan.totals()

    col = header(formulas["Schedule"])
    last = formulas["Schedule"].max_row
    assert last == 1 + 8 + 1  # header, eight assets, totals
    sched = formulas["Schedule"]
    cost, book_value = col["Cost (CHF)"], col["Book value (CHF)"]
    assert sched.cell(last, 1).value == "=SUBTOTAL(103,A2:A9)"
    assert sched.cell(last, 2).value == "Total"
    letter = openpyxl.utils.get_column_letter
    assert sched.cell(last, cost).value == f"=SUBTOTAL(109,{letter(cost)}2:{letter(cost)}9)"
    cached = values["Schedule"]
    assert cached.cell(last, 1).value == 8 == totals["due"]
    assert cached.cell(last, cost).value == 28000 == float(totals["due_cost"])
    assert cached.cell(last, book_value).value == pytest.approx(float(plan.schedule["book_value"].sum()))
    assert sched.cell(last, cost).font.b and sched.auto_filter.ref == f"A1:{letter(sched.max_column)}9"

    budget = rows(values["Budget"])
    assert budget[0] == ("Year", "City", "IT", "Schools", "Total")
    assert [r[0] for r in budget[1:-1]] == ["backlog", *[str(y) for y in range(2027, 2037)]]
    assert budget[-1] == ("Total", 5000, 11000, 12000, 28000)
    assert list(budget[-1][1:4]) == [plan.forecast[c].sum() for c in ("City", "IT", "Schools")]
    assert formulas["Budget"]["E13"].value == "=SUBTOTAL(109,E2:E12)"

    capped = rows(values["Capped plan"])
    years = plan.capped.years
    assert capped[-1][:5] == (
        None,
        "Total",
        years["budget"].sum(),
        years["spent"].sum(),
        years["replaced"].sum(),
    )
    assert capped[-1][3] == 5000 and capped[-1][4] == 4
    assert capped[-1][5:] == (None,) * 5  # what is left at the end of a year does not add up
    assert capped[1][:2] == (2027, "Total")
    assert formulas["Capped plan"]["D12"].value == "=SUBTOTAL(109,D2:D11)"


def test_org_units_as_the_tree_with_a_subtotal_per_direktion(world, tmp_path):  # noqa: F811
    bau = OrgUnitFactory(name="Bau")
    hochbau = OrgUnitFactory(name="Hochbau", parent=bau)
    OrgUnitFactory(name="Tiefbau", parent=bau)  # no assets: not shown
    model = world["assets"]["a4"].hardware_model  # NEW, CHF 5'000
    for name, unit in (("b1", hochbau), ("b2", hochbau), ("n1", None)):
        AssetFactory(
            name=name,
            hardware_model=model,
            org_unit=unit,
            purchase_date=dt.date(2022, 7, 1),
            in_service_date=None,
            purchase_cost=Decimal("5000"),
        )
    state.refresh(at=AT)
    plan = planning.build(AT)
    path, formulas, values = book(plan, tmp_path)

    table = rows(values["Org units"])
    assert table[0] == (
        "Level",
        "Org unit",
        "Assets",
        "Book value (CHF)",
        "Replacement value (CHF)",
        "Out of support",
        "Share by count",
        "Share by value",
    )
    shown = [r[:3] for r in table[1:]]
    assert shown == [
        (1, "Bau", None),
        (2, "Hochbau", 2),
        (None, "Total Bau", 2),
        (1, "City", 1),
        (2, "IT", 3),
        (2, "Schools", 4),
        (None, "Total City", 8),
        (1, "—", 1),
        (None, "Total", 11),
    ]
    sheet = formulas["Org units"]
    assert sheet["B3"].alignment.indent == 1 and sheet["B2"].alignment.indent == 0
    assert [sheet.cell(r, 3).value for r in (4, 8, 10)] == [
        "=SUBTOTAL(109,C2:C3)",
        "=SUBTOTAL(109,C5:C7)",
        "=SUBTOTAL(109,C2:C9)",  # SUBTOTAL leaves the subtotals within the range out
    ]
    # per unit: the plan's own figures (its value view); subtotals: the sums of their units
    value = plan.value.set_index("org_unit")
    for level, name, *figures in table[1:]:
        if level and name in value.index:
            assert figures[:4] == [
                value.loc[name, k] for k in ("assets", "book_value", "replacement_value", "out_of_support")
            ], name
    units = {r[1]: r for r in table[1:]}
    for direktion, members in (("Bau", ["Hochbau"]), ("City", ["City", "IT", "Schools"])):
        for i in range(2, 6):
            assert units[f"Total {direktion}"][i] == pytest.approx(sum(units[m][i] or 0 for m in members))
    everything = plan.totals()
    assert units["Total"][2:5] == (
        everything["count"],
        float(everything["book_value"]),
        float(everything["replacement_value"]),
    )
    # the subtree's own shares (3 of 8 out of support, CHF 3'000 of 28'000), not an average of its units'
    assert units["Total City"][5:] == (3, 37.5, 10.7)
    assert units["Total"][5:] == (3, round(100 * 3 / 11, 1), round(100 * 3000 / 43000, 1))


def test_words_in_english_and_codes_nowhere(world, tmp_path):  # noqa: F811
    plan = planning.build(AT, budget=2500)
    _path, _formulas, values = book(plan, tmp_path, language="en")
    sched = values["Schedule"]
    col = header(sched)
    first = {h: sched.cell(2, c).value for h, c in col.items()}  # a1
    assert first["Basis"] == "Service life" and first["Budget year"] == "backlog"
    assert first["Hardware support"] == "Unsupported" and first["Cost from"] == "List price"
    a5 = next(r for r in rows(sched) if r[1] == "a5")
    assert a5[col["Note"] - 1] == "exceeds the yearly budget" and a5[col["Cost from"] - 1] == "Policy default"
    assert sched.cell(2, col["Replace by"]).number_format == "yyyy-mm-dd"
    assert sched.cell(2, col["Cost (CHF)"]).number_format == '[$-807]"CHF "#,##0.00'


def test_german_workbook(world, tmp_path):  # noqa: F811
    """Needs the German of /tmp/po/workbook.po merged into werterhalt/locale (sheet names,
    headers); the statuses and basis are the project's German already."""
    plan = planning.build(AT, budget=2500)
    with translation.override("de"):  # language=None: the active language, as in a download
        _path, formulas, values = book(plan, tmp_path)
    assert formulas.sheetnames == [
        "Zusammenfassung",
        "Organisationseinheiten",
        "Zeitplan",
        "Budget",
        "Plan mit Budget",
        "Szenarien",
    ]
    sched = values["Zeitplan"]
    col = header(sched)
    assert sched.cell(2, col["Ersetzen bis"]).value == dt.datetime(2026, 1, 10)
    assert sched.cell(2, col["Ersetzen bis"]).number_format == "dd.mm.yyyy"
    assert sched.cell(2, col["Hardware-Support"]).value == "Nicht mehr unterstützt"
    assert sched.cell(2, col["Grundlage"]).value == "Nutzungsdauer"
    assert sched.cell(2, col["Budgetjahr"]).value == "Rückstand"
    assert sched.cell(sched.max_row, 2).value == "Total"
    assert formulas["Zeitplan"].oddFooter.right.text == "Seite &P von &N"
    assert formulas["Zeitplan"].oddHeader.left.text == "Ersatzplan 15.01.2027"
    assert rows(values["Budget"])[0][0] == "Jahr"
    summary = {r[0]: r[1] for r in rows(values["Zusammenfassung"]) if r[0]}
    assert summary["Ausgewertet am"] == dt.datetime(2027, 1, 15)
    assert formulas["Zusammenfassung"]["A1"].value == "Ersatzplan"


def test_budget_says_quarter_for_quarters(world, tmp_path):  # noqa: F811
    plan = planning.build(AT, by="category", freq="quarter")
    budget = rows(book(plan, tmp_path)[2]["Budget"])
    assert budget[0] == ("Quarter", "firewall", "switch", "Total")
    assert [r[0] for r in budget[1:4]] == ["backlog", "2027Q1", "2027Q2"]
    assert budget[-1] == ("Total", 8000, 20000, 28000)


# --- Scenarios -------------------------------------------------------------------------------------


def test_scenarios_with_a_budget_side_by_side(world, tmp_path):  # noqa: F811
    plan = planning.build(AT, budget=2500)
    _path, formulas, values = book(plan, tmp_path)
    table = rows(values["Scenarios"])
    names = [c for c in table[0] if c]
    assert names == [
        "Plan",
        "Budget -20 %",
        "Budget +20 %",
        "+1 year of service life",
        "+2 years of service life",
    ]
    assert table[1][:5] == ("Year", "Spent (CHF)", "Replaced", "Deferred (CHF)", "Unsupported left")
    years = table[2:-1]
    assert [r[0] for r in years] == list(range(2027, 2037))

    def spent(capped):
        return capped.years.groupby("year")["spent"].sum().tolist()

    # the baseline is the plan; each scenario equals the plan built that way from the database
    assert [r[1] for r in years] == spent(plan.capped)
    assert [r[5] for r in years] == spent(planning.build(AT, budget=2000).capped)
    assert [r[9] for r in years] == spent(planning.build(AT, budget=3000).capped)
    assert [r[13] for r in years] == spent(planning.build(AT, budget=2500, extend_years=1).capped)
    assert [r[17] for r in years] == spent(planning.build(AT, budget=2500, extend_years=2).capped)
    assert [r[16] for r in years] == (
        planning.build(AT, budget=2500, extend_years=1).capped.years["unsupported_left"].tolist()
    )
    total = table[-1]
    assert total[0] == "Total" and total[1] == sum(spent(plan.capped)) and total[3] is None
    assert formulas["Scenarios"]["B13"].value == "=SUBTOTAL(109,B3:B12)"


def test_scenarios_without_a_budget_compare_the_yearly_cost(world, tmp_path):  # noqa: F811
    plan = planning.build(AT)
    spec = scenarios.Spec(years=(3,))
    table = rows(book(plan, tmp_path, scenarios=spec)[2]["Scenarios"])
    assert [c for c in table[0] if c] == ["Plan", "+3 years of service life"]
    assert table[1] == ("Year", "Cost (CHF)", "Cost (CHF)")
    assert [r[1] for r in table[2:-1]] == plan.forecast.sum(axis=1).tolist()
    longer = planning.build(AT, extend_years=3).forecast.sum(axis=1)
    assert [r[2] for r in table[2:-1]] == longer.tolist() and table[2][0] == "backlog"
    assert table[-1] == ("Total", 28000, longer.sum())


def test_scenarios_from_the_frame_without_asking_the_database(world, django_assert_num_queries):  # noqa: F811
    plan = planning.build(AT, budget={"Schools": 2000, "IT": 1000}, include_spares=True)
    spec = scenarios.Spec(budgets=(1500.0,), years=(1,))
    with django_assert_num_queries(0):
        runs = scenarios.run(plan, spec)
        table = scenarios.table(plan, runs)
    assert [(s.kind, s.budget, s.extend_years) for s in runs] == [
        ("baseline", {"Schools": 2000, "IT": 1000}, 0),
        ("budget", 1500.0, 0),
        ("life", {"Schools": 2000, "IT": 1000}, 1),
    ]
    same = planning.build(AT, budget={"Schools": 2000, "IT": 1000}, include_spares=True, extend_years=1)
    assert table["spent_2"].tolist() == same.capped.years.groupby("year")["spent"].sum().tolist()
    assert scenarios.scaled({"a": 10}, 0.8) == {"a": 8.0}


def test_budgets_per_org_unit_and_year(world, tmp_path):  # noqa: F811
    budgets = pytest.importorskip("lifecycle.budgets")  # the lead's budgets per org unit (issue #15)
    per_unit = budgets.OrgBudgets(
        amounts={world["schools"].pk: {None: 2000.0}, world["city"].pk: {None: 1000.0, 2028: 4000.0}},
        names={world["schools"].pk: "Schools", world["city"].pk: "City"},
    )
    plan = planning.build(AT, budget=per_unit)
    _path, _formulas, values = book(plan, tmp_path)
    summary = {r[0]: r[1] for r in rows(values["Summary"]) if r[0]}
    first = int(plan.capped.years["year"].iloc[0])
    assert (
        summary[f"Yearly budget: City {first}"] == 1000 and summary[f"Yearly budget: Schools {first}"] == 2000
    )
    table = rows(values["Scenarios"])
    assert [c for c in table[0] if c][:3] == ["Plan", "Budget -20 %", "Budget +20 %"]
    lower = planning.capped_plan(plan.schedule, AT, scenarios.scaled(per_unit, 0.8))
    assert per_unit.amounts[world["city"].pk][2028] == 4000.0  # scaled a copy
    assert [r[5] for r in table[2:-1]] == lower.years.groupby("year")["spent"].sum().tolist()


# --- running costs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("group", ["group", "org_unit"])  # Plan.running's group, or its org unit
def test_running_costs_below_the_replacements_with_a_grand_total(world, tmp_path, group):  # noqa: F811
    plan = planning.build(AT)
    plan.running = pd.DataFrame(
        {
            "bucket": ["2027", "backlog", "2027"],
            "contract_id": [2, 1, 3],
            "contract": ["SmartNet", "Old support", '=HYPERLINK("x")'],
            "kind": ["running", "renewal", "running"],
            group: ["IT", "Schools", None],
            "cost": [1200.0, 300.0, 50.5],
        }
    )
    _path, formulas, values = book(plan, tmp_path)
    table = rows(values["Budget"])
    columns = {name: i for i, name in enumerate(table[0])}
    assert "—" in columns  # a group only a contract pays for gets its column
    start = [r[0] for r in table].index("Running costs of contracts")
    assert table[start - 2][0] == "Total" and table[start - 2][columns["Total"]] == 28000
    lines = {r[0]: r for r in table[start + 1 : start + 3]}
    assert list(lines) == ["backlog Renewal", "2027 Running cost"]  # the plan's order, a line per kind
    renewal, running = lines["backlog Renewal"], lines["2027 Running cost"]
    assert renewal[columns["Schools"]] == 300 and renewal[columns["IT"]] == 0
    assert running[columns["IT"]] == 1200 and running[columns["—"]] == 50.5
    assert lines["2027 Running cost"][columns["Total"]] == 1250.5
    total, both = table[start + 3], table[start + 4]
    assert total[0] == "Total running costs" and total[columns["Total"]] == 1550.5
    assert both[0] == "Replacement and running costs" and both[columns["Total"]] == 29550.5
    assert both[columns["IT"]] == table[start - 2][columns["IT"]] + 1200
    sheet = formulas["Budget"]
    n, col = start + 4, columns["Total"] + 1  # 1-based row of the running total, column of the Total
    letter = openpyxl.utils.get_column_letter(col)
    assert sheet.cell(n, col).value == f"=SUBTOTAL(109,{letter}{n - 2}:{letter}{n - 1})"
    assert sheet.cell(n + 1, col).value == f"={letter}{start - 1}+{letter}{n}"
    contracts = {r[0]: r for r in rows(values["Contracts"])}
    head = {name: i for i, name in enumerate(rows(values["Contracts"])[0])}
    assert contracts["SmartNet"][head["2027"]] == 1200 and contracts["Old support"][head["backlog"]] == 300
    assert contracts['=HYPERLINK("x")'][head["Total"]] == 50.5
    assert contracts["Total"][head["Total"]] == 1550.5
    texts = [c for c in formulas["Contracts"]["A"] if c.value == '=HYPERLINK("x")']
    assert texts and texts[0].data_type == "s"  # a contract's name is text, never a formula


def test_no_running_costs_no_lines(world, tmp_path):  # noqa: F811
    plan = planning.build(AT)
    plan.running = pd.DataFrame(columns=["bucket", "contract_id", "contract", "kind", "org_unit", "cost"])
    assert rows(book(plan, tmp_path)[2]["Budget"])[-1][0] == "Total"


# --- LibreOffice: printed and recalculated ---------------------------------------------------------

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_office = pytest.mark.skipif(
    not (SOFFICE and shutil.which("pdftotext")),
    reason="LibreOffice (soffice) and pdftotext are not installed: `make office`",
)
# LibreOffice keeps the cached results of an .xlsx unless told to recalculate on load
RECALCULATE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""


def office(tmp_path, target: str, *files: Path) -> Path:
    """``soffice --headless --convert-to target`` of ``files`` in a profile of its own (recalculating
    on load); returns the folder of the converted files."""
    profile = tmp_path / f"profile-{uuid.uuid4().hex}"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALCULATE)
    out = tmp_path / f"out-{target}-{uuid.uuid4().hex[:8]}"
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        timeout=240,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    return out


def pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True)
    return text.stdout.split("\f")[:-1]


@pytest.fixture
def sixty(world):  # noqa: F811
    """test_planning's inventory and 52 more switches in Schools: 60 schedule rows."""
    old = world["assets"]["a1"].hardware_model
    for i in range(52):
        AssetFactory(
            name=f"s{i:02d}",
            hardware_model=old,
            org_unit=world["schools"],
            purchase_date=dt.date(2018 + i % 8, 1 + i % 12, 1),
            in_service_date=None,
            purchase_cost=Decimal("1000"),
        )
    state.refresh(at=AT)
    return world


@needs_office
def test_libreoffice_prints_the_workbook_readably_and_recalculates_the_same_totals(sixty, tmp_path):
    plan = planning.build(AT, budget=25000)
    assert len(plan.schedule) == 60
    path = tmp_path / "plan.xlsx"
    exports.write_xlsx(plan, str(path), language="en")
    check = tmp_path / "check.xlsx"  # LibreOffice really recalculates: a wrong cached value goes
    control = xlsxwriter.Workbook(str(check))
    control.add_worksheet().write_formula(0, 0, "=1+1", None, 99)
    control.close()

    pdf = office(tmp_path, "pdf", path) / "plan.pdf"
    printed = pages(pdf)
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert re.search(r"Page size:\s+841\.\d+ x 595\.\d+ pts \(A4\)", info)  # A4 landscape
    sheets = {}
    for text in printed:  # each page's header names its sheet
        name = next(
            s
            for s in ("Summary", "Org units", "Schedule", "Budget", "Capped plan", "Scenarios")
            if text.rstrip().splitlines()[0].rstrip().endswith(s)
        )
        sheets.setdefault(name, []).append(text)
    assert all("###" not in text for text in printed)
    summary = sheets["Summary"][0]
    totals = plan.totals()
    assert "Replacement plan 2027-01-15" in summary and "Evaluated on" in summary and "2027-01-15" in summary
    assert f"CHF {float(totals['due_cost']):,.2f}".replace(",", "'") in summary  # CHF 80'000.00
    assert f"CHF {float(totals['replacement_value']):,.2f}".replace(",", "'") in summary
    assert len(sheets["Schedule"]) >= 1
    for text in sheets["Schedule"]:  # one page wide: every page has the first and the last column
        assert "Asset ID" in text and "Planned year" in text and "Note" in text
    assert "Total" in sheets["Schedule"][-1]
    assert "Total City" in sheets["Org units"][0]

    out = office(tmp_path, "xlsx", path, check)
    assert openpyxl.load_workbook(out / "check.xlsx", data_only=True).active["A1"].value == 2
    again = openpyxl.load_workbook(out / "plan.xlsx", data_only=True)
    sched = rows(again["Schedule"])
    col = {h: i for i, h in enumerate(sched[0])}
    assert sched[-1][0] == 60 and sched[-1][col["Cost (CHF)"]] == pytest.approx(float(totals["due_cost"]))
    budget = rows(again["Budget"])
    assert budget[-1][1:] == pytest.approx([*plan.forecast.sum().tolist(), float(totals["due_cost"])])
    tree = {r[1]: r for r in rows(again["Org units"])}
    assert tree["Total City"][2:5] == pytest.approx(
        [totals["count"], float(totals["book_value"]), float(totals["replacement_value"])]
    )
    assert tree["Total"][2] == totals["count"]
    capped = rows(again["Capped plan"])
    assert capped[-1][3] == pytest.approx(plan.capped.years["spent"].sum())
    scen = rows(again["Scenarios"])
    assert scen[-1][1] == pytest.approx(plan.capped.years["spent"].sum())


@needs_office
def test_libreoffice_prints_german(world, tmp_path):  # noqa: F811
    """German headers and labels in print; needs /tmp/po/workbook.po merged (sheet names,
    headers, the footer)."""
    path = tmp_path / "plan.xlsx"
    exports.write_xlsx(planning.build(AT, budget=2500), str(path), language="de")
    printed = pages(office(tmp_path, "pdf", path) / "plan.pdf")
    text = "\n".join(printed)
    assert "###" not in text
    summary = printed[0]
    assert "Ersatzplan 15.01.2027" in summary and "Zusammenfassung" in summary
    assert "CHF 28'000.00" in summary
    schedule = next(p for p in printed if "Ersetzen bis" in p)
    assert "Nicht mehr unterstützt" in schedule and "Rückstand" in schedule and "10.01.2026" in schedule
    assert re.search(r"Seite \d+ von \d+", schedule) and "Geräte-ID" in schedule and "Bemerkung" in schedule
    assert "Total City" in text and "Szenarien" in text and "+1 Jahr Nutzungsdauer" in text


def test_fast_rows_write_the_xml_of_xlsxwriters_own_cell_writers(monkeypatch, tmp_path):
    """``exports._write_rows`` (a column at a time) writes byte for byte what XlsxWriter's cell
    writers write, on text that needs escaping: markup, control characters, an ``_x0041_`` that
    is literal text, leading and trailing spaces, formula-like text, non-ASCII; and on numbers,
    dates, empty cells and negative values."""
    import zipfile

    from tests.factories import HardwareModelFactory

    unit = OrgUnitFactory(name="Bau & <Umwelt>")
    model = HardwareModelFactory(model=" C9300 ", list_price=Decimal("1234.5"))
    names = ["a\x01b", "_x0041_ literal", " lead", "trail ", "=SUM(A1)", "Zürich “Süd”", "x" * 100]
    for name in names:
        AssetFactory(name=name, hardware_model=model, org_unit=unit, purchase_date=dt.date(2015, 1, 1),
                     in_service_date=dt.date(2015, 1, 1))
    AssetFactory(name="no cost", hardware_model=HardwareModelFactory(list_price=None), purchase_cost=None,
                 purchase_date=dt.date(2015, 1, 1), in_service_date=dt.date(2015, 1, 1), org_unit=None)
    state.refresh(at=AT)
    plan = planning.build(AT, budget=5000)
    sheets, calls = {}, []
    real = exports._write_rows
    monkeypatch.setattr(exports, "_write_rows", lambda *args: (calls.append(args[2]), real(*args)))
    monkeypatch.setattr(exports, "ROWS_AT_ONCE", 3)  # several blocks, the last one short
    for fast in (True, False):
        monkeypatch.setattr(exports, "FAST_ROWS", fast)
        path = tmp_path / f"{fast}.xlsx"
        exports.write_xlsx(plan, str(path), language="de")
        with zipfile.ZipFile(path) as book:
            sheets[fast] = {n: book.read(n) for n in book.namelist() if n.startswith("xl/worksheets/")}
    assert len(plan.schedule) in calls  # the schedule went through _write_rows (in the first run only)
    assert sheets[True].keys() == sheets[False].keys() and len(sheets[True]) >= 5
    for name in sheets[True]:
        assert sheets[True][name] == sheets[False][name], name
