"""The steering report of a Direktion (or the whole city) for the IT steering committee: an XLSX
workbook (XlsxWriter) with

- *Summary*: each figure's latest value, target, traffic light (words and colour) and change
  over 12 months (``lifecycle.monitoring.overview``);
- *Trends*: the month-by-month table of every figure, and *Charts*: native Excel line charts
  over it (shares, money, values, counts);
- *Plan*: the replacement plan's summary (``lifecycle.planning.build(...).totals()``): assets in
  use, backlog, cost due per budget year, book and replacement value.

Numbers stay numbers with formats for people (``lifecycle.exports``' CHF, dates and decimal
commas); every sheet prints on A4 landscape, one page wide, with the report's title above and the
date and page number below (as the plan's workbook). A PDF is not written: the one clean way
(LibreOffice) is not on the production hosts (docs/monitoring.md).
"""

from __future__ import annotations

import datetime as dt

import xlsxwriter
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from xlsxwriter.utility import xl_col_to_name

from inventory.scopes import EVERYTHING, Scope
from lifecycle import planning, rules
from lifecycle.exports import (
    COUNT_FORMAT,
    MONEY_FORMAT,
    NUMBER_FORMATS,
    header_footer,
    print_setup,
    workbook_language,
)
from lifecycle.monitoring import (
    COUNT,
    FIGURES,
    LIGHTS,
    MONEY,
    PERCENT,
    YEARS,
    Overview,
    overview,
)

SHEETS = {"summary": N_("Summary"), "trends": N_("Trends"), "charts": N_("Charts"), "plan": N_("Plan")}
# the Charts sheet: (title, figures); each figure a line over the Trends sheet's column
CHARTS = [
    (N_("Out of support and without a contract (%)"),
     ("hw_out_share", "hw_out_value_share", "sw_out_share", "sw_out_value_share", "no_contract_share")),
    (N_("Backlog and replacement due (CHF)"), ("backlog_cost", "due_1y_cost", "due_3y_cost", "due_5y_cost")),
    (N_("Book and replacement value (CHF)"), ("book_value", "replacement_value")),
    (N_("Assets in use"), ("assets_in_use",)),
    (N_("Risk and not seen (assets)"), ("risk_high", "risk_critical", "not_seen_30d")),
    (N_("Average age (years)"), ("average_age",)),
]
SUMMARY_COLUMNS = [  # (header, width)
    (N_("Figure"), 36), (N_("Latest"), 18), (N_("Direction"), 10), (N_("Target"), 16), (N_("Tolerance"), 14),
    (N_("Traffic light"), 14), (N_("12 months before"), 18), (N_("Change over 12 months"), 18),
]


def unit_name(units, unit_id: int | None) -> str:
    if unit_id is None:
        return str(_("Whole city"))
    return units.get(pk=unit_id).name


def file_name(units, unit_id: int | None, at: dt.date) -> str:
    slug = "city" if unit_id is None else units.get(pk=unit_id).slug
    return f"steering-report-{slug}-{at.isoformat()}.xlsx"


class _Book:
    """Formats in the workbook's language and the print setup of its sheets."""

    def __init__(self, workbook, language: str, title: str):
        self.workbook = workbook
        numbers = NUMBER_FORMATS["de" if language.split("-")[0] == "de" else "en"]
        self.date_code = numbers["date"]
        self.kinds = {
            MONEY: workbook.add_format({"num_format": MONEY_FORMAT}),
            COUNT: workbook.add_format({"num_format": COUNT_FORMAT}),
            PERCENT: workbook.add_format({"num_format": numbers["share"]}),
            YEARS: workbook.add_format({"num_format": numbers["float"].replace("0.00", "0.0")}),
        }
        self.date = workbook.add_format({"num_format": numbers["date"]})
        self.month = workbook.add_format(
            {"num_format": "mm.yyyy" if numbers["date"].startswith("dd") else "yyyy-mm", "align": "left"})
        self.header = workbook.add_format(
            {"bold": True, "bg_color": "#DDE3EA", "bottom": 1, "text_wrap": True})
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.bold = workbook.add_format({"bold": True})
        self.total = {kind: workbook.add_format({"num_format": code, "bold": True, "top": 1})
                      for kind, code in ((MONEY, MONEY_FORMAT), (COUNT, COUNT_FORMAT))}
        self.total_text = workbook.add_format({"bold": True, "top": 1})
        self.lights = {
            light: workbook.add_format({"bg_color": fill, "border": 1} if fill else {"border": 1})
            for light, (_words, _colour, fill) in LIGHTS.items()
        }
        self.header_text, self.footer_text = header_footer(title)

    def sheet(self, key: str):
        return print_setup(self.workbook.add_worksheet(_(SHEETS[key])), self.header_text, self.footer_text)

    def number(self, sheet, row: int, col: int, value, kind: str, fmt=None) -> None:
        if value is not None:
            sheet.write_number(row, col, float(value), fmt or self.kinds[kind])


def _summary(book: _Book, view: Overview | None, name: str, months: int) -> None:
    sheet = book.sheet("summary")
    sheet.write_string(0, 0, _("Steering report") + ": " + name, book.title)
    sheet.write_string(2, 0, _("Organisational unit"), book.bold)
    sheet.write_string(2, 1, name)
    if view is None:
        sheet.write_string(3, 0, _("There are no snapshots of this unit yet."))
        sheet.set_column(0, 0, 40)
        return
    sheet.write_string(3, 0, _("Latest snapshot"), book.bold)
    sheet.write_datetime(3, 1, dt.datetime.combine(view.latest.at, dt.time()), book.date)
    sheet.write_string(4, 0, _("Months shown"), book.bold)
    sheet.write_number(4, 1, months)
    first = 6
    for col, (header, width) in enumerate(SUMMARY_COLUMNS):
        sheet.set_column(col, col, width)
        sheet.write_string(first, col, _(header), book.header)
    for row, state in enumerate(view.figures, start=first + 1):
        kind, target = state.figure.kind, state.target
        sheet.write_string(row, 0, str(state.figure.label))
        book.number(sheet, row, 1, state.value, kind)
        if target is not None:
            sheet.write_string(row, 2, str(target.get_direction_display()))
            book.number(sheet, row, 3, target.value, kind)
            book.number(sheet, row, 4, target.tolerance, kind)
        sheet.write_string(row, 5, str(LIGHTS[state.light][0]), book.lights[state.light])
        book.number(sheet, row, 6, state.year_ago, kind)
        book.number(sheet, row, 7, state.change, kind)
    sheet.freeze_panes(first + 1, 1)
    sheet.repeat_rows(first)


def _trends(book: _Book, view: Overview) -> str:
    """The month × figure table, oldest month first; returns the sheet's name."""
    sheet = book.sheet("trends")
    sheet.set_column(0, 0, 10)
    sheet.write_string(0, 0, _("Month"), book.header)
    for col, fig in enumerate(FIGURES.values(), start=1):
        sheet.set_column(col, col, 18 if fig.kind == MONEY else 13)
        sheet.write_string(0, col, str(fig.label), book.header)
    sheet.set_row(0, 45)
    for row, (month, snapshot) in enumerate(zip(view.months, view.rows, strict=True), start=1):
        sheet.write_datetime(row, 0, dt.datetime.combine(month, dt.time()), book.month)
        if snapshot is None:
            continue
        for col, fig in enumerate(FIGURES.values(), start=1):
            book.number(sheet, row, col, getattr(snapshot, fig.kpi), fig.kind)
    sheet.freeze_panes(1, 1)
    sheet.repeat_rows(0)
    return sheet.name


def _charts(book: _Book, view: Overview, trends: str) -> None:
    sheet = book.sheet("charts")
    columns = {kpi: col for col, kpi in enumerate(FIGURES, start=1)}
    last = len(view.months)
    for index, (title, kpis) in enumerate(CHARTS):
        chart = book.workbook.add_chart({"type": "line"})
        for kpi in kpis:
            col = columns[kpi]
            chart.add_series({
                "name": [trends, 0, col],
                "categories": [trends, 1, 0, last, 0],
                "values": [trends, 1, col, last, col],
                "marker": {"type": "circle", "size": 4},
            })
        chart.set_title({"name": _(title), "name_font": {"size": 11}})
        chart.set_legend({"position": "bottom"})
        chart.set_x_axis({"num_format": book.month.num_format, "date_axis": False})
        chart.set_y_axis({"min": 0, "num_format": book.kinds[FIGURES[kpis[0]].kind].num_format})
        chart.show_blanks_as("gap")
        chart.set_size({"width": 620, "height": 300})
        row, col = 1 + (index // 2) * 16, (index % 2) * 10
        sheet.insert_chart(f"{xl_col_to_name(col)}{row + 1}", chart)


def _plan(book: _Book, totals: dict) -> None:
    sheet = book.sheet("plan")
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 2, 20)
    sheet.write_string(0, 0, _("Replacement plan"), book.title)
    lines = [
        (N_("Evaluated on"), totals["at"], "date"),
        (N_("Horizon (years)"), totals["horizon_years"], COUNT),
        (N_("Assets in use"), totals["count"], COUNT),
        (N_("Overdue (backlog)"), totals["backlog"], COUNT),
        (N_("Backlog cost (CHF)"), totals["backlog_cost"], MONEY),
        (N_("Due within the horizon"), totals["due"], COUNT),
        (N_("Cost of those (CHF)"), totals["due_cost"], MONEY),
        (N_("Book value (CHF)"), totals["book_value"], MONEY),
        (N_("Replacement value (CHF)"), totals["replacement_value"], MONEY),
        (N_("Out of support"), totals["out_of_support"], COUNT),
    ]
    for row, (label, value, kind) in enumerate(lines, start=2):
        sheet.write_string(row, 0, _(label), book.bold)
        if kind == "date":
            sheet.write_datetime(row, 1, dt.datetime.combine(value, dt.time()), book.date)
        else:
            book.number(sheet, row, 1, value, kind)
    first = len(lines) + 3
    for col, header in enumerate((_("Budget year"), _("Assets"), _("Cost (CHF)"))):
        sheet.write_string(first, col, header, book.header)
    row = first
    for row, bucket in enumerate(totals["buckets"], start=first + 1):
        word = _("Backlog (overdue)") if bucket["bucket"] == rules.BACKLOG else str(bucket["bucket"])
        sheet.write_string(row, 0, word)
        book.number(sheet, row, 1, bucket["count"], COUNT)
        book.number(sheet, row, 2, bucket["cost"], MONEY)
    total = row + 1
    sheet.write_string(total, 0, _("Total"), book.total_text)
    count = sum(b["count"] for b in totals["buckets"])
    cost = sum(float(b["cost"]) for b in totals["buckets"])
    sheet.write_formula(total, 1, f"=SUM(B{first + 2}:B{total})", book.total[COUNT], count)
    sheet.write_formula(total, 2, f"=SUM(C{first + 2}:C{total})", book.total[MONEY], cost)


def write_xlsx(
    path, snapshots, units, unit_id: int | None, months: int, at: dt.date, language: str | None = None,
    scope: Scope = EVERYTHING,
) -> Overview | None:
    """The steering report of ``unit_id`` (None: the city) over ``months`` months of
    ``snapshots`` (the rows the caller may see) and the replacement plan on ``at`` of the assets
    in ``scope``, in ``language`` (None: the active one), to ``path`` (a file name or a binary
    file)."""
    language = workbook_language(language)
    with translation.override(language):
        name = unit_name(units, unit_id)
        view = overview(snapshots, unit_id, months)
        workbook = xlsxwriter.Workbook(path, {"strings_to_formulas": False})
        day = at.strftime("%d.%m.%Y" if language.split("-")[0] == "de" else "%Y-%m-%d")
        book = _Book(workbook, language, _("Steering report") + " " + name + " " + day)
        _summary(book, view, name, months)
        if view is not None:
            trends = _trends(book, view)
            _charts(book, view, trends)
        filters = planning.Filters(org_units=[] if unit_id is None else [unit_id], scope=scope)
        _plan(book, planning.build(at, filters).totals())
        workbook.close()
    return view
