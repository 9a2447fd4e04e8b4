"""Spreadsheet formula injection (issue #14): no export writes a text a spreadsheet would run as a
formula (werterhalt.cells), and the asset CSV import reads the quoted cells back as they were."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest
from django.urls import reverse

from inventory import assets_csv
from inventory.models import Asset
from lifecycle import exports, planning, state
from tests.factories import (
    AssetFactory,
    HardwareModelFactory,
    ManufacturerFactory,
    OrgUnitFactory,
    UserFactory,
)
from werterhalt.cells import safe_cell, safe_row, unquote

AT = dt.date(2027, 1, 15)
LINK = '=HYPERLINK("http://x","y")'
UNIT = "=1+2"


# --- the function --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+41 44 000 00 00", "'+41 44 000 00 00"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        (LINK, "'" + LINK),
        # already looks quoted: one more, so that the import gives it back as it was
        ("'=1", "''=1"),
        ("''-1", "'''-1"),
    ],
)
def test_a_text_starting_like_a_formula_gets_a_quote(value, written):
    assert safe_cell(value) == written
    assert unquote(written) == value


@pytest.mark.parametrize(
    "value", ["", "a=1", "sw-01", " =1", "'abc", "''", "'", "10.0.0.1", "::1", "2026-01-10", "Zürich"]
)
def test_other_text_is_written_as_it_is(value):
    assert safe_cell(value) == value
    assert unquote(value) == value


@pytest.mark.parametrize("value", [-5, -1.5, 0, 3, 2.5, Decimal("-1250.00"), None, True, dt.date(2026, 1, 1)])
def test_numbers_and_other_values_are_untouched(value):
    result = safe_cell(value)
    assert result is value  # the same object: a negative number stays a number, not text


def test_safe_row():
    assert safe_row(["=a", -3, "b", None, "@x"]) == ["'=a", -3, "b", None, "'@x"]


def test_plan_frames_quote_text_columns_only():
    frame = pd.DataFrame(
        {
            "name": ["=a", "b", None, "-c", "'=d"],
            "cost": [-5.0, 1.0, 2.0, 3.0, 4.0],
            "year": pd.array([2027, None, -1, 2028, 2029], dtype="Int64"),
            "mixed": ["+x", 3, None, "y", -4],
            "numbers": pd.Series([-1, 2, 3, 4, 5], dtype=object),
        }
    )
    safe = exports.safe_text(frame)
    assert safe["name"].tolist() == ["'=a", "b", None, "'-c", "''=d"]
    assert safe["cost"].tolist() == [-5.0, 1.0, 2.0, 3.0, 4.0]
    assert safe["year"].tolist() == frame["year"].tolist()
    assert safe["mixed"].tolist() == ["'+x", 3, None, "y", -4]
    assert safe["numbers"].tolist() == [-1, 2, 3, 4, 5]
    assert frame["name"].tolist() == ["=a", "b", None, "-c", "'=d"]  # the plan's frame is left alone


# --- the exports ---------------------------------------------------------------------------------


@pytest.fixture
def evil(db):
    """An asset named like a formula, in an org unit named like one, due for replacement."""
    unit = OrgUnitFactory(name=UNIT, slug="one-plus-two")
    maker = ManufacturerFactory(name="-Minus", slug="minus")
    model = HardwareModelFactory(
        manufacturer=maker, model="+PLUS", category="switch", list_price=Decimal("1000")
    )
    asset = AssetFactory(
        name=LINK,
        serial="@SN1",
        asset_tag="'abc",
        role="+41 44 000 00 00",
        comments="-1+1",
        hardware_model=model,
        org_unit=unit,
        purchase_date=dt.date(2018, 1, 10),
        in_service_date=None,
        purchase_cost=Decimal("1000"),
    )
    state.refresh(at=AT)
    return asset


def read_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_asset_csv_export_quotes_formulas(evil):
    out = io.StringIO()
    assert assets_csv.export_csv(out) == 1
    (row,) = read_csv(out.getvalue())
    assert row["name"] == "'" + LINK
    assert row["serial"] == "'@SN1"
    assert row["asset_tag"] == "'abc"  # not a formula: as it is
    assert row["manufacturer"] == "'-Minus" and row["model"] == "'+PLUS"
    assert row["role"] == "'+41 44 000 00 00" and row["comments"] == "'-1+1"
    assert row["org_unit"] == "one-plus-two" and row["purchase_cost"] == "1000.00"


def test_asset_list_export_quotes_formulas(client, evil):
    client.force_login(UserFactory(groups=["viewer"]))
    response = client.get(reverse("inventory:asset_list"), {"export": "csv"})
    assert response.status_code == 200
    (row,) = read_csv(response.content.decode())
    assert row["name"] == "'" + LINK and row["manufacturer"] == "'-Minus"


def test_generic_list_export_quotes_formulas(client, evil):
    client.force_login(UserFactory(groups=["viewer"]))
    response = client.get(reverse("inventory:orgunit_list"), {"export": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    header, *rows = list(csv.reader(io.StringIO(response.content.decode())))
    names = [r[header.index("Name")] for r in rows]
    assert names == ["'" + UNIT]
    slug = rows[0][header.index("Slug")]
    assert slug == "one-plus-two"
    assert not any(cell[:1] in "=+-@\t\r" and cell for row in rows for cell in row)


def test_round_trip_export_then_import_gives_the_same_values(evil):
    out = io.StringIO()
    assets_csv.export_csv(out)
    # the same file again: every row matches its asset unchanged (names compared after the import
    # took the quotes off)
    assert assets_csv.parse(out.getvalue()).summary == {"created": 0, "updated": 0, "unchanged": 1}

    Asset.objects.all().delete()
    assert assets_csv.import_csv(out.getvalue(), "test") == {"created": 1, "updated": 0, "unchanged": 0}
    asset = Asset.objects.get()
    assert asset.name == LINK
    assert asset.serial == "@SN1" and asset.asset_tag == "'abc"
    assert asset.role == "+41 44 000 00 00" and asset.comments == "-1+1"
    assert asset.manufacturer.name == "-Minus" and asset.hardware_model.model == "+PLUS"
    assert asset.org_unit.name == UNIT


def test_import_takes_one_quote_off_only_before_a_formula_character(db):
    HardwareModelFactory()  # the import needs nothing else
    text = "name,asset_tag,comments\n'=cmd,'abc,''=x\n"
    assert assets_csv.import_csv(text, "test")["created"] == 1
    asset = Asset.objects.get()
    assert (asset.name, asset.asset_tag, asset.comments) == ("=cmd", "'abc", "'=x")


def test_plan_csv_quotes_formulas(evil):
    plan = planning.build(AT, budget=2500)
    out = io.StringIO()
    assert exports.write_csv(plan, out) == 1
    (row,) = read_csv(out.getvalue())
    assert row["name"] == "'" + LINK and row["org_unit"] == "'" + UNIT
    assert row["manufacturer"] == "'-Minus" and row["model"] == "'+PLUS" and row["serial"] == "'@SN1"
    assert row["cost"] == "1000.00" and row["replacement_due"] == "2026-01-10"


def test_plan_xlsx_writes_text_never_formulas(evil, tmp_path):
    path = tmp_path / "plan.xlsx"
    plan = planning.build(AT, budget=2500)
    exports.write_xlsx(plan, str(path))
    book = openpyxl.load_workbook(path)

    schedule = book["Schedule"]
    header = [c.value for c in schedule[1]]
    name = schedule.cell(row=2, column=header.index("Name") + 1)
    assert name.value == LINK and name.data_type == "s"
    unit = schedule.cell(row=2, column=header.index("Org unit") + 1)
    assert unit.value == UNIT and unit.data_type == "s"

    budget = book["Budget"]
    head = {c.value: c for c in budget[1]}
    assert list(head) == ["Year", UNIT, "Total"]  # the org unit as the column's title
    assert head[UNIT].data_type == "s"
    assert [c.value for c in budget[2]] == ["backlog", 1000, 1000]

    tree = book["Org units"]  # the org-unit tree (docs/workbook.md): name in column B
    units = [r for r in tree.iter_rows() if r[1].value == UNIT]
    assert len(units) == 1 and units[0][1].data_type == "s"
    # nowhere a formula but the workbook's own totals (=SUBTOTAL(109,C2:C9), =E13+E20)
    own = re.compile(r"=(SUBTOTAL\(10[39],[A-Z]+\d+:[A-Z]+\d+\)|[A-Z]+\d+\+[A-Z]+\d+)")
    formulas = [c.value for sheet in book for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas and all(own.fullmatch(f) for f in formulas)
