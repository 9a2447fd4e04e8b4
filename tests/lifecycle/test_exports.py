"""Plan exports: CSV, JSON and the XLSX workbook (read back with openpyxl), and
`manage.py export_plan`. The inventory is test_planning's (AT = 2027-01-15)."""

import csv
import datetime as dt
import io
import json

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from lifecycle import exports, planning
from tests.lifecycle.test_planning import AT, world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_csv_is_the_schedule(world, tmp_path):  # noqa: F811
    plan = planning.build(AT, budget=2500)
    out = io.StringIO()
    assert exports.write_csv(plan, out) == 8
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["name"] for r in rows] == ["a1", "a9", "a2", "a5", "a3", "a4", "a6", "a8"]
    a1 = rows[0]
    assert a1["replacement_due"] == "2026-01-10" and a1["bucket"] == "backlog" and a1["cost"] == "1000.00"
    assert a1["planned_year"] == "2027" and a1["suggested_model"] == "NEW"
    assert next(r for r in rows if r["name"] == "a5")["note"] == "exceeds the yearly budget"


def test_json_has_totals_schedule_budget_capped_plan_and_value(world):  # noqa: F811
    plan = planning.build(AT, budget=2500)
    data = json.loads(json.dumps(exports.as_dict(plan)))
    assert data["totals"]["due_cost"] == 28000 and data["totals"]["backlog"] == 3
    assert data["schedule"][0]["replacement_due"] == "2026-01-10"
    assert data["budget"]["backlog"]["Schools"] == 2000 and data["budget"]["2027"]["Schools"] == 8000
    assert data["capped_plan"][0] == {**data["capped_plan"][0], "year": 2027, "spent": 2000.0, "replaced": 2}
    assert {v["org_unit"]: v["assets"] for v in data["value"]} == {"City": 1, "IT": 3, "Schools": 4}


def test_xlsx_workbook_for_people(world, tmp_path):  # noqa: F811
    path = tmp_path / "plan.xlsx"
    plan = planning.build(AT, budget=2500)
    exports.write_xlsx(plan, str(path))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Summary", "Org units", "Schedule", "Budget", "Capped plan", "Scenarios"]

    sheet = book["Schedule"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Asset ID", "Name", "Serial"] and "Replace by" in header and "Cost (CHF)" in header
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
    col = {h: i + 1 for i, h in enumerate(header)}
    due = sheet.cell(row=2, column=col["Replace by"])
    assert due.value == dt.datetime(2026, 1, 10) and due.is_date and due.number_format == "yyyy-mm-dd"
    cost = sheet.cell(row=2, column=col["Cost (CHF)"])
    assert cost.value == 1000 and isinstance(cost.value, int | float) and "CHF" in cost.number_format
    assert sheet.cell(row=2, column=col["Name"]).value == "a1"
    assert sheet.max_row == 1 + 8 + 1  # and the totals row (tests/lifecycle/test_workbook.py)
    from openpyxl.utils import get_column_letter

    assert sheet.column_dimensions[get_column_letter(col["Reason"])].width > 30  # wide enough to read
    assert sheet.cell(row=2, column=col["Reason"]).value == "service life of 8 years from purchase date"
    assert sheet.cell(row=2, column=col["Basis"]).value == "Service life"  # the label, not the code

    budget = book["Budget"]
    rows = list(budget.iter_rows(values_only=True))
    assert rows[0][0] == "Year" and rows[0][-1] == "Total"
    assert rows[1][0] == "backlog" and rows[1][-1] == 3000
    assert [r[0] for r in rows[1:-1]] == ["backlog", *[str(y) for y in range(2027, 2037)]]
    assert rows[-1][0] == "Total" and rows[-1][-1] == "=SUBTOTAL(109,E2:E12)"

    capped = list(book["Capped plan"].iter_rows(values_only=True))
    assert capped[0][:4] == ("Year", "Budget of", "Budget (CHF)", "Spent (CHF)")
    assert capped[1][:5] == (2027, "Total", plan.capped.years["budget"].iloc[0], 2000, 2)

    summary = book["Summary"]
    values = {r[0]: r[1] for r in summary.iter_rows(values_only=True) if r[0]}
    assert values["Evaluated on"] == dt.datetime(2027, 1, 15) and values["Due within the horizon"] == 8
    assert values["Yearly budget"] == 2500


def test_workbook_without_budget_has_no_capped_sheet(world, tmp_path):  # noqa: F811
    path = tmp_path / "plan.xlsx"
    exports.write_xlsx(planning.build(AT), str(path))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Summary", "Org units", "Schedule", "Budget", "Scenarios"]
    assert "Planned year" not in [c.value for c in book["Schedule"][1]]


def test_export_plan_command(world, tmp_path):  # noqa: F811
    out = tmp_path / "plan.csv"
    err = io.StringIO()
    call_command(
        "export_plan",
        "--format",
        "csv",
        "--out",
        str(out),
        "--at",
        "2027-01-15",
        "--org-unit",
        world["schools"].slug,
        "--budget",
        "2'500",
        stderr=err,
    )
    rows = list(csv.DictReader(out.open()))
    assert [r["name"] for r in rows] == ["a1", "a9", "a5", "a3"]
    assert "4 due within 10 years" in err.getvalue()
    stdout = io.StringIO()
    call_command(
        "export_plan",
        "--format",
        "json",
        "--out",
        "-",
        "--at",
        "2027-01-15",
        "--horizon",
        "2",
        stdout=stdout,
        stderr=io.StringIO(),
    )
    assert json.loads(stdout.getvalue())["totals"]["due"] == 5
    xlsx = tmp_path / "plan.xlsx"
    call_command(
        "export_plan",
        "--format",
        "xlsx",
        "--out",
        str(xlsx),
        "--at",
        "2027-01-15",
        "--budget",
        "2500",
        "--extend-years",
        "2",
        stderr=io.StringIO(),
    )
    assert "Capped plan" in openpyxl.load_workbook(xlsx).sheetnames
    call_command(
        "export_plan",
        "--format",
        "xlsx",
        "--out",
        str(xlsx),
        "--at",
        "2027-01-15",
        "--by",
        "category",
        "--per",
        "quarter",
        stderr=io.StringIO(),
    )
    budget = list(openpyxl.load_workbook(xlsx)["Budget"].iter_rows(values_only=True))
    assert budget[0] == ("Quarter", "firewall", "switch", "Total") and budget[2][0] == "2027Q1"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--at", "2027-02-30"], "not a date"),
        (["--budget", "lots"], "not an amount"),
        (["--budget", "-5"], "cannot be negative"),
        (["--org-unit", "nowhere"], "no org unit with the slug nowhere"),
        (["--horizon", "0"], "not between 1 and 50"),
    ],
)
def test_export_plan_refuses_bad_options(world, tmp_path, args, message):  # noqa: F811
    out = tmp_path / "plan.csv"
    with pytest.raises(CommandError, match=message):
        call_command("export_plan", "--format", "csv", "--out", str(out), *args)
    assert not out.exists()
