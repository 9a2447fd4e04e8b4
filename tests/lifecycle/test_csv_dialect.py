"""CSV for Swiss Excel (issue #15): the ``excel-ch`` dialect (``;``, UTF-8 with BOM, CRLF) beside
the default RFC 4180, every table of the plan (schedule, budget, capped plan) from
``exports.write_csv``, ``manage.py export_plan`` and the Planning page, and ``--by``/``--per`` in the
budget CSV. The inventory is test_planning's (AT = 2027-01-15), with umlauts in an org unit's and an
asset's name and an asset named like a formula."""

import csv
import io
import re

import pytest
from django.core.management import CommandError, call_command

from lifecycle import exports, planning
from tests.factories import UserFactory
from tests.lifecycle.test_planning import AT, world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
BOM = b"\xef\xbb\xbf"
URL = "/planning/"
SCHOOLS = "Schulen für Zürich"


@pytest.fixture
def swiss(world):  # noqa: F811
    world["schools"].name = SCHOOLS
    world["schools"].save()
    for name, new in (("a1", "Drucker Bümpliz"), ("a9", "=HYPERLINK(1)")):
        world["assets"][name].name = new
        world["assets"][name].save()
    return world


def excel_rows(data: bytes) -> list[list[str]]:
    """The rows as Swiss-German Excel reads a file it opens: BOM → UTF-8, cells split at ``;``."""
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def plain_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def written(plan, tmp_path, dialect, table) -> bytes:
    path = tmp_path / f"{table}-{dialect}.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        exports.write_csv(plan, out, dialect=dialect, table=table)
    return path.read_bytes()


@pytest.mark.parametrize("table", ["schedule", "budget", "capped"])
def test_excel_ch_reads_back_as_excel_does_with_umlauts_intact(swiss, tmp_path, table):
    plan = planning.build(AT, budget=2500, first_period="full")
    rfc = written(plan, tmp_path, "rfc4180", table)
    excel = written(plan, tmp_path, "excel-ch", table)

    assert not rfc.startswith(BOM) and b"\r\n" not in rfc  # the default as it was
    assert excel.startswith(BOM) and excel.endswith(b"\r\n")
    assert excel.count(b"\n") == excel.count(b"\r\n")  # every line ends in CRLF
    header = excel[len(BOM) :].split(b"\r\n")[0]
    assert b";" in header and b"," not in header

    rows = excel_rows(excel)
    assert rows == plain_rows(rfc) and len(rows) > 1
    cells = {c for r in rows for c in r}
    if table != "capped":  # the capped plan's years name no org unit with one yearly budget
        assert SCHOOLS in cells
    if table == "schedule":
        assert "Drucker Bümpliz" in cells
        assert "'=HYPERLINK(1)" in cells and "=HYPERLINK(1)" not in cells  # still no formula


def test_numbers_are_plain_for_swiss_excel(swiss, tmp_path):
    plan = planning.build(AT, budget=2500, first_period="full")
    budget = excel_rows(written(plan, tmp_path, "excel-ch", "budget"))
    assert budget[0] == ["bucket", "City", "IT", SCHOOLS, "Total"]
    assert budget[1] == ["backlog", "0.00", "1000.00", "2000.00", "3000.00"]
    totals = [r[-1] for r in budget[1:]]
    assert all(re.fullmatch(r"\d+\.\d\d", t) for t in totals)  # no thousands separator
    assert "8000.00" in totals  # 2027: not 8'000.00, not 8,000.00
    capped = excel_rows(written(plan, tmp_path, "excel-ch", "capped"))
    assert capped[0][:4] == ["year", "group", "budget", "spent"]
    assert capped[1][:5] == ["2027", "total", "2500.00", "2000.00", "2"]
    schedule = {r[1]: r for r in excel_rows(written(plan, tmp_path, "excel-ch", "schedule"))}
    header = excel_rows(written(plan, tmp_path, "excel-ch", "schedule"))[0]
    first = dict(zip(header, schedule["Drucker Bümpliz"], strict=True))
    assert first["cost"] == "1000.00" and first["replacement_due"] == "2026-01-10"


def test_a_formula_looking_header_gets_its_quote(swiss, tmp_path):
    swiss["it"].name = "@SUM(A1)"
    swiss["it"].save()
    rows = excel_rows(written(planning.build(AT), tmp_path, "excel-ch", "budget"))
    assert "'@SUM(A1)" in rows[0]


def test_the_capped_table_needs_a_budget(swiss):
    with pytest.raises(exports.NoSuchTable, match="budget"):
        exports.write_csv(planning.build(AT), io.StringIO(), table="capped")


# --- manage.py export_plan -----------------------------------------------------------------------


def export(tmp_path, *args) -> bytes:
    out = tmp_path / "plan.csv"
    call_command(
        "export_plan", "--format", "csv", "--out", str(out), "--at", "2027-01-15", *args, stderr=io.StringIO()
    )
    return out.read_bytes()


def test_command_writes_every_table_in_both_dialects(swiss, tmp_path):
    schedule = plain_rows(export(tmp_path))
    assert schedule == plain_rows(export(tmp_path, "--table", "schedule", "--dialect", "rfc4180"))
    assert excel_rows(export(tmp_path, "--dialect", "excel-ch")) == schedule
    assert schedule[1][1] == "Drucker Bümpliz"

    budget = excel_rows(export(tmp_path, "--table", "budget", "--dialect", "excel-ch"))
    assert budget[0] == ["bucket", "City", "IT", SCHOOLS, "Total"]
    assert [r[0] for r in budget[1:]] == ["backlog", *[str(y) for y in range(2027, 2037)]]

    capped = plain_rows(export(tmp_path, "--table", "capped", "--budget", "2'500", "--first-period", "full"))
    assert capped[1][:5] == ["2027", "total", "2500.00", "2000.00", "2"]
    # by default the first period (15 January to 31 December) has the share of the year left
    capped = plain_rows(export(tmp_path, "--table", "capped", "--budget", "2'500"))
    assert capped[1][:3] == ["2027", "total", f"{2500 * 351 / 365:.2f}"] and capped[2][2] == "2500.00"

    stdout = io.StringIO()
    call_command(
        "export_plan",
        *(
            "--format",
            "csv",
            "--out",
            "-",
            "--at",
            "2027-01-15",
            "--table",
            "budget",
            "--dialect",
            "excel-ch",
        ),
        stdout=stdout,
        stderr=io.StringIO(),
    )
    assert stdout.getvalue().encode() == export(tmp_path, "--table", "budget", "--dialect", "excel-ch")


def test_by_and_per_change_the_budget_csv(swiss, tmp_path):
    by_unit = plain_rows(export(tmp_path, "--table", "budget"))
    by_category = plain_rows(export(tmp_path, "--table", "budget", "--by", "category", "--per", "quarter"))
    assert by_unit[0] == ["bucket", "City", "IT", SCHOOLS, "Total"]
    assert by_category[0] == ["bucket", "firewall", "switch", "Total"]
    assert by_category[1][0] == "backlog" and by_category[2][0] == "2027Q1"
    assert len(by_category) > len(by_unit)  # quarters
    # the same money, cut differently
    assert sum(float(r[-1]) for r in by_category[1:]) == sum(float(r[-1]) for r in by_unit[1:])
    by_site = plain_rows(export(tmp_path, "--table", "budget", "--by", "site"))
    assert by_site[0] != by_unit[0] and by_site[0][0] == "bucket"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--dialect", "excel"], "--dialect"),
        (["--table", "nope"], "--table"),
        (["--table", "capped"], "--table capped: .*--budget"),
        (["--format", "json", "--dialect", "excel-ch"], "--dialect: only with --format csv"),
        (["--format", "xlsx", "--table", "budget"], "--table: only with --format csv"),
    ],
)
def test_command_refuses_bad_tables_and_dialects(swiss, tmp_path, args, message):
    out = tmp_path / "plan.out"
    with pytest.raises(CommandError, match=message) as refused:
        call_command("export_plan", "--format", "csv", "--out", str(out), *args, stderr=io.StringIO())
    assert refused.value.returncode == 2
    assert not out.exists()


# --- the Planning page ---------------------------------------------------------------------------


@pytest.fixture
def planner(client):
    client.force_login(UserFactory(groups=["planner"]))
    return client


@pytest.mark.parametrize(
    "table, dialect, filename",
    [
        ("schedule", "rfc4180", "replacement-plan-2027-01-15.csv"),
        ("budget", "rfc4180", "replacement-plan-budget-2027-01-15.csv"),
        ("capped", "rfc4180", "replacement-plan-capped-2027-01-15.csv"),
        ("schedule", "excel-ch", "replacement-plan-2027-01-15.csv"),
        ("budget", "excel-ch", "replacement-plan-budget-2027-01-15.csv"),
        ("capped", "excel-ch", "replacement-plan-capped-2027-01-15.csv"),
    ],
)
def test_page_downloads_every_table(swiss, planner, tmp_path, table, dialect, filename):
    query = {"at": "2027-01-15", "budget": "2500", "download": "csv", "table": table, "dialect": dialect}
    response = planner.get(URL, query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    plan = planning.build(AT, budget=2500)
    assert response.content == written(plan, tmp_path, dialect, table)  # the same file as the command's


def test_page_by_and_period_change_the_budget_csv(swiss, planner):
    query = {
        "at": "2027-01-15",
        "download": "csv",
        "table": "budget",
        "group_by": "category",
        "period": "quarter",
    }
    rows = plain_rows(planner.get(URL, query).content)
    assert rows[0] == ["bucket", "firewall", "switch", "Total"] and rows[2][0] == "2027Q1"


@pytest.mark.parametrize(
    "extra, parameter",
    [
        ({"table": "nope"}, "table"),
        ({"dialect": "nope"}, "dialect"),
        ({"table": "capped"}, "table"),  # no budget: no capped plan
        ({"download": "json", "table": "budget"}, "table"),
    ],
)
def test_page_refuses_bad_download_parameters(swiss, planner, extra, parameter):
    response = planner.get(URL, {"at": "2027-01-15", "download": "csv", **extra})
    assert response.status_code == 400
    assert response.content.decode().startswith(parameter)


def test_page_offers_excel_ch_links_in_german_only(swiss, planner):
    query = {"at": "2027-01-15", "budget": "2500", "table": "budget", "dialect": "excel-ch"}
    english = planner.get(URL, query, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="download-csv-budget"' in english and 'id="download-csv-capped"' in english
    assert 'id="download-excel-ch' not in english
    german = planner.get(URL, query, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "download=csv&amp;table=budget&amp;dialect=excel-ch" in german
    assert 'id="download-excel-ch-capped"' in german
    # the page's own table/dialect parameters are not carried into its links
    assert "table=budget&amp;download" not in german
    without_budget = planner.get(URL, {"at": "2027-01-15"}, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'id="download-excel-ch"' in without_budget and "download-excel-ch-capped" not in without_budget
