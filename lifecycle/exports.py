"""A replacement plan (``lifecycle.planning.Plan``) as CSV, JSON or an XLSX workbook for people.

XLSX is written with XlsxWriter in constant-memory mode (row by row, straight to disk), the
fastest well-kept writer for large sheets; pandas' own ``to_excel`` writes column by column,
which constant-memory mode cannot take. Sheets: Summary, Schedule, Budget (year × org unit),
Capped plan (with a budget). Bold, frozen header rows with filters, real dates, money as numbers
in a CHF format. A CSV file holds one of those tables (``CSV_TABLES``: schedule, budget, capped)
in RFC 4180 for machines or ``excel-ch`` for a double-click in Swiss-German Excel
(``werterhalt.cells.CSV_DIALECTS``).

No text becomes a formula in a spreadsheet: the CSV writes a text that starts like one (``=…``,
``+…``, ``-…``, ``@…``) with a ``'`` in front (``werterhalt.cells``); the workbook writes every text
as a string cell (``write_string``, and ``strings_to_formulas`` off), so an org unit named
``=HYPERLINK(…)`` is that text, also in the Budget header.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import os
import tempfile
from typing import IO

import pandas as pd
import xlsxwriter
from django.http import FileResponse, HttpResponse

from lifecycle import figures, labels
from lifecycle.planning import Plan
from werterhalt.cells import CSV_DIALECTS, DEFAULT_CSV_DIALECT, FORMULA_STARTS, QUOTE, safe_cell

# (column, header, kind, width); kind: text, int, float, money, date
SCHEDULE = [
    ("asset_id", "Asset ID", "int", 9),
    ("name", "Name", "text", 22),
    ("serial", "Serial", "text", 16),
    ("org_unit", "Org unit", "text", 24),
    ("site", "Site", "text", 22),
    ("category", "Category", "text", 11),
    ("manufacturer", "Manufacturer", "text", 14),
    ("model", "Model", "text", 20),
    ("hardware_status", "Hardware support", "text", 18),
    ("software_status", "Software support", "text", 18),
    ("risk", "Risk", "text", 9),
    ("age", "Age (years)", "float", 10),
    ("support_ends", "Support ends", "date", 12),
    ("replacement_due", "Replace by", "date", 12),
    ("bucket", "Budget year", "text", 11),
    ("replacement_basis", "Basis", "text", 12),
    ("replacement_reason", "Reason", "text", 40),
    ("suggested_model", "Suggested model", "text", 20),
    ("cost", "Cost (CHF)", "money", 14),
    ("cost_source", "Cost from", "text", 11),
    ("book_value", "Book value (CHF)", "money", 16),
    ("planned_year", "Planned year", "int", 12),
    ("note", "Note", "text", 24),
]
CAPPED = [
    ("year", "Year", "int", 8),
    ("group", "Budget of", "text", 22),
    ("budget", "Budget (CHF)", "money", 14),
    ("spent", "Spent (CHF)", "money", 14),
    ("replaced", "Replaced", "int", 10),
    ("deferred", "Deferred", "int", 10),
    ("deferred_cost", "Deferred (CHF)", "money", 15),
    ("unsupported_left", "Unsupported left", "int", 16),
    ("critical_left", "Critical left", "int", 13),
    ("high_left", "High risk left", "int", 13),
]
VALUE = [
    ("org_unit", "Org unit", "text", 24),
    ("assets", "Assets", "int", 9),
    ("book_value", "Book value (CHF)", "money", 16),
    ("replacement_value", "Replacement value (CHF)", "money", 22),
    ("out_of_support", "Out of support", "int", 14),
    ("share_by_count", "Share by count (%)", "float", 17),
    ("share_by_value", "Share by value (%)", "float", 17),
]
MONEY_FORMAT = '#,##0.00 "CHF"'
EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # day 0 of Excel's date serial numbers


DERIVED = ("planned_year", "note", "replacement_reason")  # columns made for the output


def schedule_columns(plan: Plan) -> list[tuple[str, str, str, int]]:
    columns = [c for c in SCHEDULE if c[0] in plan.schedule.columns or c[0] in DERIVED]
    return (
        columns if plan.capped is not None else [c for c in columns if c[0] not in ("planned_year", "note")]
    )


def schedule_rows(plan: Plan) -> pd.DataFrame:
    frame = plan.capped.rows if plan.capped is not None else plan.schedule
    frame = frame.assign(replacement_reason=labels.reasons(frame))  # words from the codes
    return frame[[c[0] for c in schedule_columns(plan)]]


# --- CSV and JSON --------------------------------------------------------------------------------


def safe_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a ``'`` in front of each text a spreadsheet would read as a formula (as
    ``werterhalt.cells.safe_cell``, a column at a time); numbers, dates and other text as they are."""
    changed = {}
    for name in frame.columns:
        values = frame[name]
        if values.dtype != object and not isinstance(values.dtype, pd.StringDtype):
            continue  # numbers (also negative ones) and dates are not text
        try:
            # as ``needs_quote``: the first character after any leading ``'``; not text: False
            risky = values.str.lstrip(QUOTE).str[:1].isin(FORMULA_STARTS)
        except AttributeError:  # a column without any text
            continue
        if risky.any():
            changed[name] = values.mask(risky, QUOTE + values[risky])
    return frame.assign(**changed) if changed else frame


# The plan's tables a CSV file can hold: the schedule (one row per asset), the budget (per year or
# quarter × org unit, site or category: the Budget sheet of the workbook) and the capped plan's years.
CSV_TABLES = ("schedule", "budget", "capped")


class NoSuchTable(ValueError):
    """The plan has no such table (the capped plan without a budget)."""


def budget_frame(plan: Plan) -> pd.DataFrame:
    """The forecast with its bucket as the first column and a Total at the end: one frame for the
    workbook's Budget sheet and the budget CSV."""
    budget = plan.forecast.reset_index()
    budget.columns = ["bucket", *(str(c) for c in budget.columns[1:])]
    budget["Total"] = plan.forecast.sum(axis=1).to_numpy()
    return budget


def csv_frame(plan: Plan, table: str = "schedule") -> pd.DataFrame:
    """The rows of one of ``CSV_TABLES``, columns named as machines read them."""
    if table == "schedule":
        return schedule_rows(plan)
    if table == "budget":
        return budget_frame(plan)
    if table == "capped":
        if plan.capped is None:
            raise NoSuchTable("the capped plan needs a yearly budget")
        return plan.capped.years[[c[0] for c in CAPPED]]
    raise NoSuchTable(f"no table {table!r} (one of {', '.join(CSV_TABLES)})")


def write_csv(plan: Plan, out: IO[str], dialect: str = DEFAULT_CSV_DIALECT, table: str = "schedule") -> int:
    """One table of the plan (``CSV_TABLES``; the schedule, one row per asset, by default) in a
    dialect of ``werterhalt.cells.CSV_DIALECTS``: dates as YYYY-MM-DD, money with two decimals and
    no thousands separator; no text, also no header (an org unit's name in the budget), that a
    spreadsheet would read as a formula (``safe_text``). Returns the number of rows."""
    layout = CSV_DIALECTS[dialect]
    rows = safe_text(csv_frame(plan, table))
    rows = rows.set_axis([safe_cell(str(c)) for c in rows.columns], axis=1)
    out.write(layout.start)
    rows.to_csv(
        out,
        index=False,
        sep=layout.delimiter,
        date_format="%Y-%m-%d",
        float_format="%.2f",
        lineterminator=layout.lineterminator,
    )
    return len(rows)


def _plain(value):
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | dt.date):
        return value.date().isoformat() if isinstance(value, pd.Timestamp) else value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _records(frame: pd.DataFrame) -> list[dict]:
    columns = list(frame.columns)
    return [
        dict(zip(columns, map(_plain, row), strict=True)) for row in frame.itertuples(index=False, name=None)
    ]


def as_dict(plan: Plan) -> dict:
    budget = plan.forecast
    return {
        "totals": figures.jsonable(plan.totals()),
        "schedule": _records(schedule_rows(plan)),
        "budget": {
            bucket: {str(k): round(float(v), 2) for k, v in row.items()} for bucket, row in budget.iterrows()
        },
        "capped_plan": _records(plan.capped.years) if plan.capped is not None else None,
        "value": _records(plan.value),
    }


def write_json(plan: Plan, out: IO[str]) -> int:
    json.dump(as_dict(plan), out, ensure_ascii=False, indent=1)
    return len(plan.schedule)


# --- XLSX ----------------------------------------------------------------------------------------


class _Sheets:
    def __init__(self, workbook):
        self.workbook = workbook
        self.formats = {
            "header": workbook.add_format(
                {"bold": True, "bg_color": "#DDE3EA", "bottom": 1, "text_wrap": True}
            ),
            "money": workbook.add_format({"num_format": MONEY_FORMAT}),
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "float": workbook.add_format({"num_format": "0.00"}),
            "title": workbook.add_format({"bold": True, "font_size": 14}),
            "bold": workbook.add_format({"bold": True}),
        }

    def table(self, name: str, columns, frame: pd.DataFrame, first_row: int = 0, sheet=None):
        """Header (bold, frozen, with filters) and the rows of ``frame`` (its columns in the order
        of ``columns``). Each column is converted once, up front: numbers (money, dates as Excel
        serial numbers with a date format) and text, so that the row loop only writes."""
        sheet = sheet or self.workbook.add_worksheet(name)
        for index, (_key, _header, kind, width) in enumerate(columns):
            sheet.set_column(index, index, width, self.formats.get(kind))
        for index, column in enumerate(columns):  # text, never a formula (org unit names)
            sheet.write_string(first_row, index, column[1], self.formats["header"])
        sheet.freeze_panes(first_row + 1, 0)
        cells = []  # per column: (writer, format, values with None for empty cells)
        for (_key, _header, kind, _width), values in zip(
            columns, (frame[c] for c in frame.columns), strict=True
        ):
            fmt = self.formats.get(kind)
            if kind == "date":
                serial = (pd.to_datetime(values) - EXCEL_EPOCH).dt.days
                cells.append(
                    (sheet.write_number, fmt, serial.astype(object).where(serial.notna(), None).tolist())
                )
            elif kind in ("money", "float", "int"):
                numbers = pd.to_numeric(values, errors="coerce").astype(float)
                cells.append(
                    (sheet.write_number, fmt, numbers.astype(object).where(numbers.notna(), None).tolist())
                )
            else:
                text = values.astype(object).where(values.notna(), None)
                cells.append(
                    (sheet.write_string, None, [None if v is None else str(v) for v in text.tolist()])
                )
        count = len(frame)
        for offset in range(count):
            row = first_row + 1 + offset
            for col, (write, fmt, values) in enumerate(cells):
                value = values[offset]
                if value is not None and value != "":
                    if fmt is None:
                        write(row, col, value)
                    else:
                        write(row, col, value, fmt)
        sheet.autofilter(first_row, 0, first_row + max(count, 1), len(columns) - 1)
        return sheet

    def _writer(self, sheet, kind):
        fmt = self.formats.get(kind)

        def write(row, col, value):
            value = _plain(value)
            if value is None:
                return
            if kind == "date":
                sheet.write_datetime(row, col, dt.datetime.fromisoformat(value), fmt)
            elif kind in ("money", "float", "int"):
                sheet.write_number(row, col, float(value), fmt)
            else:
                sheet.write_string(row, col, str(value))

        return write


def write_xlsx(plan: Plan, path: str) -> int:
    workbook = xlsxwriter.Workbook(
        path,
        # strings_to_formulas: a text passed to write() stays text (each text is write_string anyway)
        {"constant_memory": True, "default_date_format": "yyyy-mm-dd", "strings_to_formulas": False},
    )
    sheets = _Sheets(workbook)

    summary = workbook.add_worksheet("Summary")
    summary.set_column(0, 0, 30)
    summary.set_column(1, 1, 18)
    summary.write_string(0, 0, "Replacement plan", sheets.formats["title"])
    totals = plan.totals()
    usage = totals["usage"]
    lines = [
        (totals["at"], "Evaluated on", "date"),
        (totals["horizon_years"], "Horizon (years)", "int"),
        (totals["count"], "Assets in use", "int"),
        (usage["spare"]["count"], "Spares, not in the plan", "int"),
        (usage["planned"]["count"], "Planned, not in the plan", "int"),
        (totals["due"], "Due within the horizon", "int"),
        (totals["due_cost"], "Cost of those (CHF)", "money"),
        (totals["backlog"], "Overdue (backlog)", "int"),
        (totals["backlog_cost"], "Backlog cost (CHF)", "money"),
        (totals["cost_unknown"], "Assets in use without a cost", "int"),
        (totals["replacement_value"], "Replacement value (CHF)", "money"),
        (totals["book_value"], "Book value (CHF)", "money"),
        (totals["out_of_support"], "Out of support", "int"),
        (totals["extend_service_life_years"], "Service life extended by (years)", "int"),
    ]
    row = 2
    for value, label, kind in lines:
        summary.write_string(row, 0, label, sheets.formats["bold"])
        sheets._writer(summary, kind)(row, 1, value)
        row += 1
    if plan.budget is not None:
        summary.write_string(row, 0, "Yearly budget", sheets.formats["bold"])
        if isinstance(plan.budget, dict):
            summary.write_string(row, 1, ", ".join(f"{k}: {v:,.0f}" for k, v in plan.budget.items()))
        else:
            summary.write_number(row, 1, float(plan.budget), sheets.formats["money"])
        row += 1
    row += 1
    sheets.table(
        "Summary",
        VALUE,
        plan.value[[c[0] for c in VALUE]],
        first_row=row,
        sheet=summary,
    )

    columns = schedule_columns(plan)
    sheets.table("Schedule", columns, schedule_rows(plan))

    budget = budget_frame(plan)
    budget_columns = [("bucket", "Year", "text", 10)] + [
        (str(c), str(c), "money", max(14, len(str(c)) + 2)) for c in budget.columns[1:]
    ]
    sheets.table("Budget", budget_columns, budget)

    if plan.capped is not None:
        sheets.table(
            "Capped plan",
            CAPPED,
            plan.capped.years[[c[0] for c in CAPPED]],
        )
    workbook.close()
    return len(plan.schedule)


def plan_download(
    plan: Plan, kind: str, table: str = "schedule", dialect: str = DEFAULT_CSV_DIALECT
) -> HttpResponse:
    """The plan as a file download: csv (one of ``CSV_TABLES`` in a dialect of ``CSV_DIALECTS``),
    json or xlsx (written to a temporary file: XlsxWriter's constant-memory mode needs one)."""
    stamp = plan.at.isoformat()
    if kind == "xlsx":
        handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115 - FileResponse closes it
        handle.close()
        write_xlsx(plan, handle.name)
        response = FileResponse(
            open(handle.name, "rb"),  # noqa: SIM115 - FileResponse closes it
            as_attachment=True,
            filename=f"replacement-plan-{stamp}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        os.unlink(handle.name)  # the open file stays readable until the response is done
        return response
    buffer = io.StringIO()
    if kind == "csv":
        write_csv(plan, buffer, dialect=dialect, table=table)
        name = "replacement-plan" if table == "schedule" else f"replacement-plan-{table}"
        content_type = "text/csv"
    else:
        write_json(plan, buffer)
        name, content_type = "replacement-plan", "application/json"
    response = HttpResponse(content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{kind}"'
    response.write(buffer.getvalue())
    return response
