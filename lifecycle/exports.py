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

import numpy as np
import pandas as pd
import xlsxwriter
from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from django.utils.translation import ngettext
from xlsxwriter.utility import _preserve_whitespace, xl_col_to_name, xl_rowcol_to_cell

from inventory.models import OrgUnit
from lifecycle import figures, labels, planning, rules
from lifecycle import scenarios as whatif
from lifecycle.choices import CostSource, ReplacementBasis, Risk, SupportStatus
from lifecycle.planning import Plan
from werterhalt.cells import CSV_DIALECTS, DEFAULT_CSV_DIALECT, FORMULA_STARTS, QUOTE, safe_cell

# (column, header, kind, width); kind: text, int (ids, years), count, float, share (0-100), money, date;
# headers in English, translated where the workbook is written
SCHEDULE = [
    ("asset_id", N_("Asset ID"), "int", 9),
    ("name", N_("Name"), "text", 22),
    ("serial", N_("Serial"), "text", 16),
    ("org_unit", N_("Org unit"), "text", 24),
    ("site", N_("Site"), "text", 22),
    ("category", N_("Category"), "text", 11),
    ("manufacturer", N_("Manufacturer"), "text", 14),
    ("model", N_("Model"), "text", 20),
    ("hardware_status", N_("Hardware support"), "text", 18),
    ("software_status", N_("Software support"), "text", 18),
    ("risk", N_("Risk"), "text", 9),
    ("age", N_("Age (years)"), "float", 10),
    ("support_ends", N_("Support ends"), "date", 12),
    ("replacement_due", N_("Replace by"), "date", 12),
    ("bucket", N_("Budget year"), "text", 11),
    ("replacement_basis", N_("Basis"), "text", 12),
    ("replacement_reason", N_("Reason"), "text", 40),
    ("suggested_model", N_("Suggested model"), "text", 20),
    ("cost", N_("Cost (CHF)"), "money", 14),
    ("cost_source", N_("Cost from"), "text", 11),
    ("book_value", N_("Book value (CHF)"), "money", 16),
    ("planned_year", N_("Planned year"), "int", 12),
    ("note", N_("Note"), "text", 24),
]
CAPPED = [
    ("year", N_("Year"), "int", 8),
    ("group", N_("Budget of"), "text", 22),
    ("budget", N_("Budget (CHF)"), "money", 14),
    ("spent", N_("Spent (CHF)"), "money", 14),
    ("replaced", N_("Replaced"), "count", 10),
    ("deferred", N_("Deferred"), "count", 10),
    ("deferred_cost", N_("Deferred (CHF)"), "money", 15),
    ("unsupported_left", N_("Unsupported left"), "count", 16),
    ("critical_left", N_("Critical left"), "count", 13),
    ("high_left", N_("High risk left"), "count", 13),
]
VALUE = [
    ("org_unit", N_("Org unit"), "text", 24),
    ("assets", N_("Assets"), "count", 9),
    ("book_value", N_("Book value (CHF)"), "money", 16),
    ("replacement_value", N_("Replacement value (CHF)"), "money", 22),
    ("out_of_support", N_("Out of support"), "count", 14),
    ("share_by_count", N_("Share by count"), "share", 17),
    ("share_by_value", N_("Share by value"), "share", 17),
]
# Number formats for people (STYLE §7): CHF with Swiss grouping in every language (CHF 1'234.50:
# the [$-807] locale tag makes LibreOffice group so whatever its own locale; Excel groups as the
# computer's settings say), dates and decimal commas as the language writes them.
MONEY_FORMAT = '[$-807]"CHF "#,##0.00'
COUNT_FORMAT = "[$-807]#,##0"
NUMBER_FORMATS = {
    "en": {"date": "yyyy-mm-dd", "float": "0.00", "share": '0.0" %"'},
    "de": {"date": "dd.mm.yyyy", "float": "[$-407]0.00", "share": '[$-407]0.0" %"'},
}
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
        # as ``needs_quote``: the first character after any leading ``'``; not text: False. Each
        # distinct value is looked at once (most columns repeat a few names: units, statuses)
        codes, distinct = pd.factorize(values)
        if not len(distinct):
            continue
        looks = np.fromiter(
            (isinstance(v, str) and v.lstrip(QUOTE)[:1] in FORMULA_STARTS for v in distinct),
            dtype=bool,
            count=len(distinct),
        )
        risky = pd.Series((codes >= 0) & looks[codes], index=values.index)
        if risky.any():
            changed[name] = values.mask(risky, QUOTE + values[risky])
    return frame.assign(**changed) if changed else frame


# The plan's tables a CSV file can hold: the schedule (one row per asset), the budget (per year or
# quarter × org unit, site or category: the Budget sheet of the workbook) and the capped plan's years.
CSV_TABLES = ("schedule", "budget", "capped")



def header_footer(title: str) -> tuple[str, str]:
    """A printed sheet's header (``title`` left, the sheet's name right) and footer (the date
    left, "Page n of m" right) in Excel's codes, in the active language."""
    page = _("Page &P of &N")  # &P, &N: the page and the number of pages (Excel's codes)
    return "&L" + title.replace("&", "&&") + "&R&A", "&L&D&R" + page


def print_setup(sheet, header: str, footer: str):
    """Every workbook's sheets print alike: A4 landscape, one page wide (as many pages high as it
    takes), narrow margins, ``header_footer``'s lines."""
    sheet.set_paper(9)  # A4
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.7)
    sheet.set_header(header)
    sheet.set_footer(footer)
    return sheet

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

SUM, COUNT = 109, 103  # SUBTOTAL functions: sum, count of the rows a filter shows
# schedule columns that hold codes of ``lifecycle.rules``: the workbook shows their labels
CODED = {
    "hardware_status": SupportStatus,
    "software_status": SupportStatus,
    "risk": Risk,
    "replacement_basis": ReplacementBasis,
    "cost_source": CostSource,
}
# the capped plan's notes (``planning.capped_plan``) in words
NOTES = {"exceeds the yearly budget": N_("exceeds the yearly budget"), "cost unknown": N_("cost unknown")}
TOTAL_GROUP = "total"  # the capped plan's group when the budget is one total
SHEETS = {
    "summary": N_("Summary"),
    "org_units": N_("Org units"),
    "schedule": N_("Schedule"),
    "budget": N_("Budget"),
    "contracts": N_("Contracts"),
    "capped": N_("Capped plan"),
    "scenarios": N_("Scenarios"),
}
RUNNING_KINDS = {"running": N_("Running cost"), "renewal": N_("Renewal")}
TREE_FIGURES = ("assets", "book_value", "replacement_value", "out_of_support")  # add up over units


def workbook_language(language: str | None = None) -> str:
    """The language a workbook is written in: ``language``, else the active one (a download in
    the request's language), else the site's."""
    return language or translation.get_language() or settings.LANGUAGE_CODE


def bucket_word(bucket) -> str:
    """A planning bucket for people: the backlog in words, a year or quarter as it is."""
    return _("backlog") if bucket == rules.BACKLOG else str(bucket)


def people_words(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its codes (statuses, risk, basis, cost source, bucket, the capped plan's
    note) as words in the active language (``lifecycle.choices``' labels); each column mapped at
    once, a code without a label stays as it is."""
    words = {name: {value: str(label) for value, label in choices.choices} for name, choices in CODED.items()}
    words["bucket"] = {rules.BACKLOG: bucket_word(rules.BACKLOG)}
    words["note"] = {text: _(text) for text in NOTES.values()}
    changed = {}
    for name, mapping in words.items():
        if name in frame.columns:
            mapped = frame[name].map(mapping)
            changed[name] = mapped.where(mapped.notna(), frame[name])
    return frame.assign(**changed)


def org_unit_tree(plan: Plan) -> pd.DataFrame:
    """The plan's value view as the org-unit tree: one row per unit (``kind`` "unit", ``level`` 1
    for a top-level unit, a Direktion) right under its parent, siblings by name, with the figures
    of the unit's own assets (none: empty); after the units of each top-level unit a "subtotal"
    row with the figures of its whole subtree; the assets without an org unit ("—") a level-1
    row of their own; a "total" row last. Units with no asset in their subtree are left out.

    Every figure is ``planning.value_view``'s (the plan's ``value``), over the same frame grouped
    by unit, by top-level unit and over everything: the shares of a subtotal are the subtree's
    own, not an average of its units'."""
    frame = plan.frame
    # the plan's scope's units (its top units are the tree's top: nothing above them is named)
    in_scope = OrgUnit.objects.restrict(plan.filters.scope)
    units = {pk: (name, parent) for pk, name, parent in in_scope.values_list("pk", "name", "parent_id")}

    def root(pk):
        seen = {pk}
        while units[pk][1] in units and units[pk][1] not in seen:
            pk = units[pk][1]
            seen.add(pk)
        return pk

    ids = frame["org_unit_id"]
    own = planning.value_view(frame.assign(unit=ids.map({float(pk): str(pk) for pk in units})), by="unit")
    top = planning.value_view(frame.assign(top=ids.map({float(pk): str(root(pk)) for pk in units})), by="top")
    whole = planning.value_view(frame.assign(everything=""), by="everything")
    own, top, whole = own.set_index("unit"), top.set_index("top"), whole.set_index("everything")
    figures_of = [c[0] for c in VALUE[1:]]
    children: dict = {}
    for pk, (_name, parent) in units.items():
        children.setdefault(parent if parent in units else None, []).append(pk)
    for kids in children.values():
        kids.sort(key=lambda pk: (units[pk][0].casefold(), pk))
    shown: dict = {}

    def has_assets(pk):
        if pk not in shown:
            shown[pk] = str(pk) in own.index or any(has_assets(kid) for kid in children.get(pk, ()))
        return shown[pk]

    rows = []

    def figures_row(kind, level, name, table, key):
        values = table.loc[key, figures_of].tolist() if key in table.index else [None] * len(figures_of)
        rows.append(
            {"kind": kind, "level": level, "org_unit": name, **dict(zip(figures_of, values, strict=True))}
        )

    def walk(pk, level):
        figures_row("unit", level, units[pk][0], own, str(pk))
        for kid in children.get(pk, ()):
            if has_assets(kid):
                walk(kid, level + 1)

    for pk in children.get(None, ()):
        if has_assets(pk):
            walk(pk, 1)
            figures_row("subtotal", 1, units[pk][0], top, str(pk))
    if "—" in own.index:
        figures_row("unit", 1, "—", own, "—")
    figures_row("total", 0, "", whole, "")
    columns = ["kind", "level", "org_unit", *figures_of]
    return pd.DataFrame(rows, columns=columns)


def _cell(row: int, col: int) -> str:
    return xl_rowcol_to_cell(row, col)


def _number_width(kind: str, biggest: float) -> int:
    """Columns wide enough for the widest number (a total included) in any font: never ###."""
    text = {
        "money": f"CHF -{biggest:,.2f}",
        "count": f"-{biggest:,.0f}",
        "int": f"-{biggest:.0f}",
        "float": f"-{biggest:.2f}",
        "share": f"-{biggest:.1f} %",
        "date": "00.00.0000",
    }.get(kind, "")
    return round(len(text) * 1.2) + 2


ROWS_AT_ONCE = 20_000  # rows of XML made and written at a time
FAST_ROWS = True  # tables' rows through ``_write_rows``; off: XlsxWriter's cell writers (the tests compare)


def _inline(sheet, text: str) -> str:
    """The rest of an in-line string cell after ``<c r=".." s=".."``, as XlsxWriter writes it in
    constant-memory mode (``Worksheet._write_cell``: control characters escaped, whitespace kept,
    XML escaped)."""
    text = sheet._escape_control_characters(text)
    space = ' xml:space="preserve"' if _preserve_whitespace(text) else ""
    return f' t="inlineStr"><is><t{space}>{sheet._escape_data(text)}</t></is></c>'


def _write_rows(sheet, first: int, count: int, columns) -> None:
    """Rows ``first`` … ``first + count - 1`` of a constant-memory sheet, written as the same XML
    XlsxWriter's own cell writers make (one ``<c>`` per value that is not None: numbers as
    ``%.16G``, text as in-line strings; the cell's format, else the column's, as ``s``), but a
    column at a time: each distinct value is turned into XML once and the rows are joined by
    pandas instead of ~23 Python calls per row. ``columns``: (col, is_number, format, values).
    The sheet's rows before ``first`` are written out first; the sheet's dimensions and its row
    pointer are moved past the block, so cells written afterwards follow as usual.
    tests/lifecycle/test_workbook.py compares the result with XlsxWriter's own writers."""
    sheet._write_single_row(first)  # writes out what came before (the header row)
    prepared = []  # per column: its cells' start and style, values, which are cells, their XML
    for col, is_number, fmt, values in columns:
        style = fmt
        if style is None and col in sheet.col_info:
            style = sheet.col_info[col].column_format
        start = f'<c r="{xl_col_to_name(col)}'
        attr = f'" s="{style._get_xf_index()}"' if style is not None else '"'
        if is_number:  # None, NaN and infinities are no cell (the table never passes the latter)
            series = pd.Series(values, dtype=float)
            present = pd.Series(np.isfinite(series.to_numpy()))
        else:
            series = pd.Series(values, dtype=object)
            present = series.notna()
        distinct = pd.unique(series[present])
        if is_number:
            xml = {v: f"><v>{v:.16G}</v></c>" for v in distinct}
        else:
            xml = {v: _inline(sheet, v) for v in distinct}
        prepared.append((start, attr, series, present, xml))
        if present.any():
            rows = np.flatnonzero(present.to_numpy())
            sheet._check_dimensions(first + int(rows[0]), col)
            sheet._check_dimensions(first + int(rows[-1]), col)
    for block in range(0, count, ROWS_AT_ONCE):  # a block of rows at a time: memory stays small
        part = slice(block, min(block + ROWS_AT_ONCE, count))
        numbers = pd.Series(np.arange(first + 1 + part.start, first + 1 + part.stop)).astype(str)
        numbers = numbers.astype(object)
        body = None
        for start, attr, series, present, xml in prepared:
            values = series.iloc[part].reset_index(drop=True)
            here = present.iloc[part].reset_index(drop=True)
            cells = ((start + numbers + attr) + values.map(xml)).where(here, "")
            body = cells if body is None else body + cells
        sheet.fh.write("".join(('<row r="' + numbers + '">' + body + "</row>").tolist()))
    sheet.previous_row = first + count - 1


class _Sheets:
    """The workbook's formats (in one language) and the writers of its sheets."""

    def __init__(self, workbook, language: str, plan: Plan):
        self.workbook = workbook
        numbers = NUMBER_FORMATS["de" if language.split("-")[0] == "de" else "en"]
        kinds = {"money": MONEY_FORMAT, "count": COUNT_FORMAT, "int": "0", **numbers}
        self.formats = {kind: workbook.add_format({"num_format": code}) for kind, code in kinds.items()}
        self.formats["text"] = None
        self.total = {
            kind: workbook.add_format({"num_format": code, "bold": True, "top": 1})
            for kind, code in kinds.items()
        }
        self.total["text"] = workbook.add_format({"bold": True, "top": 1})
        self.formats.update(
            header=workbook.add_format({"bold": True, "bg_color": "#DDE3EA", "bottom": 1, "text_wrap": True}),
            header_number=workbook.add_format(  # over numbers: right-aligned as they are
                {"bold": True, "bg_color": "#DDE3EA", "bottom": 1, "text_wrap": True, "align": "right"}
            ),
            title=workbook.add_format({"bold": True, "font_size": 14}),
            bold=workbook.add_format({"bold": True}),
            group=workbook.add_format({"bold": True, "bg_color": "#DDE3EA", "align": "center", "left": 1}),
        )
        self.indents: dict[int, object] = {}
        self.widths: dict[str, list[int]] = {}  # per sheet: the widths its table set
        day = self.formats["date"].num_format.replace("dd", "%d").replace("mm", "%m").replace("yyyy", "%Y")
        # gettext outside the f-strings: makemessages does not look inside them
        title = _("Replacement plan") + " " + plan.at.strftime(day)
        self.header, self.footer = header_footer(title)

    def indent(self, level: int):
        if level not in self.indents:
            self.indents[level] = self.workbook.add_format({"indent": level})
        return self.indents[level]

    def sheet(self, key: str, title_rows: tuple[int, int] | None = (0, 0)):
        """A new sheet, named in the workbook's language, set up for print: A4 landscape, one page
        wide (as many pages high as it takes), its header rows on every page, the plan and the
        sheet's name above, the date and page number below."""
        sheet = print_setup(self.workbook.add_worksheet(_(SHEETS[key])), self.header, self.footer)
        if title_rows is not None:
            sheet.repeat_rows(*title_rows)
        return sheet

    def header_row(self, sheet, row: int, columns) -> None:
        """Bold, wrapped headers (text, never a formula: org unit names), high enough for their
        lines."""
        lines = max((math.ceil(len(c[1]) / max(c[3] - 2, 4)) for c in columns), default=1)
        sheet.set_row(row, 15 * min(max(lines, 1), 4))
        for index, column in enumerate(columns):
            fmt = self.formats["header" if column[2] in ("text", "date") else "header_number"]
            sheet.write_string(row, index, column[1], fmt)

    def table(self, sheet, columns, frame: pd.DataFrame, first_row: int = 0, totals=None, label: int = 0):
        """Header (bold, frozen, with filters), the rows of ``frame`` (its columns in the order of
        ``columns``; headers already in words) and, with ``totals`` ({column key: SUM or COUNT}),
        a totals row below them: ``=SUBTOTAL(…)`` over the rows (a filter's hidden rows left out),
        its value written as the formula's cached result; ``label`` is the column that says
        "Total". Each column is converted once, up front: numbers (money, dates as Excel serial
        numbers with a date format) and text, so that the row loop only writes. Returns the row
        after the table."""
        count = len(frame)
        first, last = first_row + 1, first_row + count  # data rows
        # the public writers only check that row and col are numbers (``convert_cell_args``), which
        # they are here; skipping that wrapper saves ~10 % of the time of a 100,000-row sheet
        write_number = getattr(sheet, "_write_number", sheet.write_number)
        write_string = getattr(sheet, "_write_string", sheet.write_string)
        cells = []  # per column: (col, writer, format, values with None for empty cells)
        sums = {}
        widths = []
        for col, ((key, _header, kind, width), values) in enumerate(
            zip(columns, (frame[c] for c in frame.columns), strict=True)
        ):
            fmt = self.formats.get(kind)
            if kind == "date":
                numbers = (pd.to_datetime(values) - EXCEL_EPOCH).dt.days.astype(float)
            elif kind != "text":
                numbers = pd.to_numeric(values, errors="coerce").astype(float)
            if kind == "text":
                text = values.astype(object).where(values.notna() & (values != ""), None)
                cells.append(
                    (col, write_string, None, [None if v is None else str(v) for v in text.tolist()])
                )
            else:
                cells.append(
                    (
                        col,
                        write_number,
                        fmt,
                        numbers.astype(object).where(numbers.notna(), None).tolist(),
                    )
                )
                biggest = float(numbers.abs().max()) if numbers.notna().any() else 0.0
                if totals and key in totals:
                    sums[key] = float(numbers.sum()) if totals[key] == SUM else int(numbers.notna().sum())
                    biggest = max(biggest, abs(sums[key]))
                width = max(width, _number_width(kind, biggest))
            widths.append(width)
        for col, ((_key, _header, kind, _width), width) in enumerate(zip(columns, widths, strict=True)):
            sheet.set_column(col, col, width, self.formats.get(kind))
        self.widths[sheet.name] = widths
        self.header_row(sheet, first_row, columns)
        sheet.freeze_panes(first_row + 1, 0)
        if count and sheet.constant_memory and FAST_ROWS:
            _write_rows(sheet, first, count, [(c, w is write_number, f, v) for c, w, f, v in cells])
        else:
            for offset in range(count):
                row = first + offset
                for col, write, fmt, values in cells:
                    value = values[offset]
                    if value is not None:
                        write(row, col, value, fmt)
        sheet.autofilter(first_row, 0, max(last, first), len(columns) - 1)
        if not totals:
            return last + 1
        row = max(last, first) + 1
        for col, (key, _header, kind, _width) in enumerate(columns):
            if key in totals:
                self.subtotal(sheet, row, col, totals[key], first, max(last, first), sums[key], kind)
            elif col == label:
                sheet.write_string(row, col, _("Total"), self.total["text"])
            else:
                sheet.write_blank(row, col, None, self.total["text"])
        return row + 1

    def subtotal(self, sheet, row, col, function, first, last, value, kind):
        """``=SUBTOTAL(function, first:last)`` in ``col``, ``value`` as its cached result."""
        formula = f"=SUBTOTAL({function},{_cell(first, col)}:{_cell(last, col)})"
        sheet.write_formula(row, col, formula, self.total[kind], value)


def _summary(sheets: _Sheets, plan: Plan) -> None:
    summary = sheets.sheet("summary")
    totals = plan.totals()
    usage = totals["usage"]
    lines = [
        (totals["at"], N_("Evaluated on"), "date"),
        (totals["horizon_years"], N_("Horizon (years)"), "count"),
        (totals["count"], N_("Assets in use"), "count"),
        (usage["spare"]["count"], N_("Spares, not in the plan"), "count"),
        (usage["planned"]["count"], N_("Planned, not in the plan"), "count"),
        (totals["due"], N_("Due within the horizon"), "count"),
        (totals["due_cost"], N_("Cost of those (CHF)"), "money"),
        (totals["backlog"], N_("Overdue (backlog)"), "count"),
        (totals["backlog_cost"], N_("Backlog cost (CHF)"), "money"),
        (totals["cost_unknown"], N_("Assets in use without a cost"), "count"),
        (totals["replacement_value"], N_("Replacement value (CHF)"), "money"),
        (totals["book_value"], N_("Book value (CHF)"), "money"),
        (totals["out_of_support"], N_("Out of support"), "count"),
        (totals["extend_service_life_years"], N_("Service life extended by (years)"), "count"),
    ]
    if totals.get("running_cost") is not None:
        lines.append((totals["running_cost"], N_("Running costs of contracts (CHF)"), "money"))
    if hasattr(plan.budget, "by_name"):  # per org unit and year (lifecycle.budgets): the first year's
        first = int(plan.capped.years["year"].iloc[0]) if plan.capped is not None else plan.at.year
        lines += [
            (value, (N_("Yearly budget"), f"{name} {first}"), "money")
            for name, value in sorted(plan.budget.by_name(first).items())
        ]
    elif isinstance(plan.budget, dict):
        lines += [
            (value, (N_("Yearly budget"), name), "money") for name, value in sorted(plan.budget.items())
        ]
    elif plan.budget is not None:
        lines.append((plan.budget, N_("Yearly budget"), "money"))
    words = [_(label) if isinstance(label, str) else f"{_(label[0])}: {label[1]}" for _v, label, _k in lines]
    biggest = max(
        (abs(float(v)) for v, _label, kind in lines if kind == "money" and v is not None), default=0
    )
    summary.set_column(0, 0, max(30, round(max(len(w) for w in words) * 1.15) + 2))
    summary.set_column(1, 1, max(18, _number_width("money", biggest)))
    summary.write_string(0, 0, _("Replacement plan"), sheets.formats["title"])
    for row, ((value, _label, kind), word) in enumerate(zip(lines, words, strict=True), start=2):
        summary.write_string(row, 0, word, sheets.formats["bold"])
        value = _plain(value)
        if value is None:
            continue
        if kind == "date":
            summary.write_datetime(row, 1, dt.datetime.fromisoformat(value), sheets.formats["date"])
        else:
            summary.write_number(row, 1, float(value), sheets.formats[kind])


def _org_units(sheets: _Sheets, plan: Plan) -> None:
    """The value view as the org-unit tree (``org_unit_tree``): each unit indented under its
    parent, a subtotal per top-level unit (``=SUBTOTAL(109, …)`` over its subtree's rows) and a
    total over every row (SUBTOTAL leaves the subtotals within its range out)."""
    tree = org_unit_tree(plan)
    sheet = sheets.sheet("org_units")
    names = [
        (_("Total %(unit)s") % {"unit": name} if kind == "subtotal" else name)
        if kind != "total"
        else _("Total")
        for kind, name in zip(tree["kind"], tree["org_unit"], strict=True)
    ]
    name_width = max((len(n) + 2 * lv for n, lv in zip(names, tree["level"], strict=True)), default=10)
    columns = [("level", _("Level"), "int", 7), ("org_unit", _(VALUE[0][1]), "text", max(24, name_width + 4))]
    for key, header, kind, width in VALUE[1:]:
        values = pd.to_numeric(tree[key], errors="coerce").abs()
        biggest = float(values.max()) if values.notna().any() else 0.0
        columns.append((key, _(header), kind, max(width, _number_width(kind, biggest))))
    for col, (_key, _header, kind, width) in enumerate(columns):
        sheet.set_column(col, col, width, sheets.formats.get(kind))
    sheets.header_row(sheet, 0, columns)
    sheet.freeze_panes(1, 0)
    row, block = 1, 1  # the first row of the current top-level unit's block
    for record, name in zip(tree.to_dict("records"), names, strict=True):
        kind, level = record["kind"], int(record["level"])
        if kind == "unit":
            if level == 1:
                block = row
            sheet.write_number(row, 0, level, sheets.formats["int"])
            sheet.write_string(row, 1, name, sheets.indent(level - 1))
            for col, (key, _header, fmt, _width) in enumerate(columns[2:], start=2):
                if record[key] is not None and not pd.isna(record[key]):
                    sheet.write_number(row, col, float(record[key]), sheets.formats[fmt])
        else:
            sheet.write_blank(row, 0, None, sheets.total["text"])
            sheet.write_string(row, 1, name, sheets.total["text"])
            first = block if kind == "subtotal" else 1
            for col, (key, _header, fmt, _width) in enumerate(columns[2:], start=2):
                value = float(record[key]) if record[key] is not None and not pd.isna(record[key]) else 0.0
                if key in TREE_FIGURES:
                    sheets.subtotal(sheet, row, col, SUM, first, max(row - 1, first), value, fmt)
                else:  # a share: the subtree's own (value_view), not a sum
                    sheet.write_number(row, col, value, sheets.total[fmt])
        row += 1
    sheet.autofilter(0, 0, max(row - 2, 1), len(columns) - 1)


def _running(plan: Plan) -> pd.DataFrame | None:
    """``Plan.running`` with its groups in ``group`` (or None when it has no rows)."""
    running = getattr(plan, "running", None)
    if running is None or not len(running):
        return None
    if "group" not in running.columns:  # the running costs per org unit
        running = running.rename(columns={"org_unit": "group"})
    return running.assign(group=running["group"].fillna("—").astype(str))


def _budget(sheets: _Sheets, plan: Plan) -> None:
    """The forecast per year (or quarter) × group with a totals row; below it, with the plan's
    running costs (``Plan.running``), the same columns for the contracts: per period a line of
    running costs and one of renewals, their totals, and replacement + running costs. The costs
    per contract are on the Contracts sheet (``_contracts``)."""
    budget = budget_frame(plan)
    running = _running(plan)
    if running is not None:  # a group only contracts pay for gets its column too
        extra = [g for g in pd.unique(running["group"]) if g not in budget.columns]
        budget = budget.reindex(columns=[*budget.columns[:-1], *extra, "Total"], fill_value=0.0)
    budget["bucket"] = budget["bucket"].map(bucket_word)
    quarters = plan.forecast.index.astype(str).str.contains("Q").any()
    columns = [("bucket", _("Quarter") if quarters else _("Year"), "text", 10)] + [
        (str(c), _(c) if c == "Total" else str(c), "money", max(14, len(str(c)) + 2))
        for c in budget.columns[1:]
    ]
    sheet = sheets.sheet("budget")
    totals = {c[0]: SUM for c in columns[1:]}
    after = sheets.table(sheet, columns, budget, totals=totals)
    if running is None:
        return
    groups = [c[0] for c in columns[1:-1]]
    table = running.pivot_table(
        index=["bucket", "kind"], columns="group", values="cost", aggfunc="sum", fill_value=0.0
    ).reindex(columns=groups, fill_value=0.0)
    buckets = dict.fromkeys([*plan.forecast.index, *sorted(set(running["bucket"]))])  # the plan's order
    order = {b: i for i, b in enumerate(buckets)}
    kinds = {planning.RUNNING: 0, planning.RENEWAL: 1}
    keys = sorted(table.index, key=lambda k: (order.get(k[0], len(order)), kinds.get(k[1], 2), k[1]))
    table = table.loc[keys]
    head = after + 1
    sheet.write_string(head, 0, _("Running costs of contracts"), sheets.formats["bold"])
    first = head + 1
    money = sheets.formats["money"]
    for offset, ((bucket, kind), values) in enumerate(table.iterrows()):
        row = first + offset
        word = _(RUNNING_KINDS[kind]) if kind in RUNNING_KINDS else str(kind)
        sheet.write_string(row, 0, f"{bucket_word(bucket)} {word}")
        for col, value in enumerate(values.tolist(), start=1):
            sheet.write_number(row, col, float(value), money)
        sheet.write_number(row, len(columns) - 1, float(values.sum()), money)
    last = first + len(table) - 1
    row = last + 1
    sheet.write_string(row, 0, _("Total running costs"), sheets.total["text"])
    sums = [*table.sum(axis=0).tolist(), float(table.to_numpy().sum())]
    for col, value in enumerate(sums, start=1):
        sheets.subtotal(sheet, row, col, SUM, first, last, value, "money")
    replacement = budget[[c[0] for c in columns[1:]]].sum(axis=0).tolist()
    sheet.write_string(row + 1, 0, _("Replacement and running costs"), sheets.total["text"])
    for col, (mine, theirs) in enumerate(zip(replacement, sums, strict=True), start=1):
        formula = f"={_cell(after - 1, col)}+{_cell(row, col)}"
        sheet.write_formula(row + 1, col, formula, sheets.total["money"], float(mine) + float(theirs))
    label = max(len(_("Replacement and running costs")), len(_("Running costs of contracts"))) + 2
    widths = sheets.widths[sheet.name]
    if label > widths[0]:
        sheet.set_column(0, 0, label)
    for col, value in enumerate(sums, start=1):
        need = _number_width("money", float(value) + float(replacement[col - 1]))
        if need > widths[col]:
            sheet.set_column(col, col, need, money)


def _contracts(sheets: _Sheets, plan: Plan) -> None:
    """What each contract costs per period, running and renewed together, with totals: one row
    per contract (``Plan.running`` summed over its groups)."""
    running = _running(plan)
    if running is None:
        return
    buckets = [b for b in plan.forecast.index if b in set(running["bucket"])]
    buckets += sorted(set(running["bucket"]) - set(buckets))
    table = running.pivot_table(
        index=["contract_id", "contract"], columns="bucket", values="cost", aggfunc="sum", fill_value=0.0
    ).reindex(columns=buckets, fill_value=0.0)
    table["Total"] = table.sum(axis=1)
    table = table.reset_index().drop(columns="contract_id")
    width = max(28, *(len(str(c)) + 2 for c in table["contract"]))
    columns = [("contract", _("Contract"), "text", min(width, 60))] + [
        (str(b), bucket_word(b) if b != "Total" else _("Total"), "money", 14) for b in table.columns[1:]
    ]
    table.columns = [c[0] for c in columns]
    sheets.table(sheets.sheet("contracts"), columns, table, totals={c[0]: SUM for c in columns[1:]})


def _bucket_order(values: pd.Series) -> pd.Series:
    """Sort key of buckets: the backlog first, then the years (quarters) in order."""
    if values.name != "bucket":
        return values.astype(str).str.casefold()
    return values.astype(str).map(lambda b: "" if b == rules.BACKLOG else b)


def _capped(sheets: _Sheets, plan: Plan) -> None:
    years = plan.capped.years[[c[0] for c in CAPPED]]
    years = years.assign(group=years["group"].map(lambda g: _("Total") if g == TOTAL_GROUP else g))
    columns = [(k, _(h), kind, w) for k, h, kind, w in CAPPED]
    sheet = sheets.sheet("capped")
    sheets.table(sheet, columns, years, totals={"budget": SUM, "spent": SUM, "replaced": SUM}, label=1)


def scenario_name(scenario: whatif.Scenario) -> str:
    """A scenario in words: "Plan", "Budget -20 %", "Budget CHF 2'000'000", "+1 year of service life"."""
    if scenario.kind == whatif.BASELINE:
        return _("Plan")
    if scenario.kind == whatif.LIFE:
        return ngettext(
            "+%(years)d year of service life", "+%(years)d years of service life", scenario.extend_years
        ) % {"years": scenario.extend_years}
    if scenario.factor is not None:
        return _("Budget %(change)s") % {"change": f"{(scenario.factor - 1) * 100:+.0f} %"}
    if hasattr(scenario.budget, "amounts"):  # per org unit and year
        return _("Budget per org unit")
    amount = sum(scenario.budget.values()) if isinstance(scenario.budget, dict) else scenario.budget
    return _("Budget CHF %(amount)s") % {"amount": f"{float(amount):,.0f}".replace(",", "'")}


def _scenarios(sheets: _Sheets, plan: Plan, spec: whatif.Spec | None) -> None:
    """The scenarios side by side (``lifecycle.scenarios``): a row per year (per bucket without a
    budget), a group of columns per scenario under its name, totals of what adds up over years."""
    runs = whatif.run(plan, spec)
    table = whatif.table(plan, runs)
    if plan.budget is None:
        figures_ = [("cost", N_("Cost (CHF)"), "money", 16)]
        first = [("bucket", _("Year"), "text", 10)]
        table = table.assign(bucket=table["bucket"].map(bucket_word))
    else:
        figures_ = [
            ("spent", N_("Spent (CHF)"), "money", 15),
            ("replaced", N_("Replaced"), "count", 10),
            ("deferred_cost", N_("Deferred (CHF)"), "money", 15),
            ("unsupported_left", N_("Unsupported left"), "count", 12),
        ]
        first = [("year", _("Year"), "int", 8)]
    columns = first + [
        (f"{key}_{i}", _(header), kind, width)
        for i in range(len(runs))
        for key, header, kind, width in figures_
    ]
    table = table[[c[0] for c in columns]]
    sheet = sheets.sheet("scenarios", title_rows=(0, 1))
    # row 0: each scenario's name over its columns
    sheet.set_row(0, 30)
    sheet.write_blank(0, 0, None, sheets.formats["group"])
    group_format = sheets.workbook.add_format(
        {
            "bold": True,
            "bg_color": "#DDE3EA",
            "align": "center",
            "valign": "vcenter",
            "left": 1,
            "text_wrap": True,
        }
    )
    for i, scenario in enumerate(runs):
        start, end = 1 + i * len(figures_), i * len(figures_) + len(figures_)
        if start == end:
            sheet.write_string(0, start, scenario_name(scenario), group_format)
        else:
            sheet.merge_range(0, start, 0, end, scenario_name(scenario), group_format)
    totals = {c[0]: SUM for c in columns[1:] if c[0].rsplit("_", 1)[0] in whatif.FLOWS}
    sheets.table(sheet, columns, table, first_row=1, totals=totals)


def write_xlsx(
    plan: Plan, path: str, language: str | None = None, scenarios: whatif.Spec | None = None
) -> int:
    """The plan as a workbook for people (docs/workbook.md), in ``language`` (None: the active
    one): Summary, Org units (the tree with subtotals), Schedule, Budget, Capped plan (with a
    budget) and Scenarios (``scenarios``: which; by default the budget -20 % and +20 % and the
    service life +1 and +2 years). Returns the number of schedule rows."""
    language = workbook_language(language)
    with translation.override(language):
        workbook = xlsxwriter.Workbook(
            path,
            # strings_to_formulas: a text passed to write() stays text (each text is write_string anyway)
            {"constant_memory": True, "default_date_format": "yyyy-mm-dd", "strings_to_formulas": False},
        )
        sheets = _Sheets(workbook, language, plan)
        _summary(sheets, plan)
        _org_units(sheets, plan)
        columns = [(key, _(header), kind, width) for key, header, kind, width in schedule_columns(plan)]
        sheets.table(
            sheets.sheet("schedule"),
            columns,
            people_words(schedule_rows(plan)),
            totals={"asset_id": COUNT, "cost": SUM, "book_value": SUM},
            label=1,
        )
        _budget(sheets, plan)
        _contracts(sheets, plan)
        if plan.capped is not None:
            _capped(sheets, plan)
        _scenarios(sheets, plan, scenarios)
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
