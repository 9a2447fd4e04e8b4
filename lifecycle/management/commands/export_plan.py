import io
import time
from functools import partial

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from xlsxwriter.exceptions import FileCreateError

from inventory.choices import HardwareCategory
from inventory.models import Manufacturer, OrgUnit, Site
from lifecycle import budgets, exports, planning
from lifecycle.choices import SupportStatus
from lifecycle.forms import PlanForm
from werterhalt import options as argtypes
from werterhalt.cells import CSV_DIALECTS, DEFAULT_CSV_DIALECT

WRITERS = {"csv": exports.write_csv, "json": exports.write_json, "xlsx": exports.write_xlsx}
# the bounds of the Planning page and the plan API: one declaration for every face
FORM = PlanForm.base_fields


def _by_slug(option: str, model, slugs: list[str], what: str) -> list:
    """The rows of ``model`` with these slugs; exit 2 naming the option and the slugs not found."""
    rows = list(model.objects.filter(slug__in=slugs))
    missing = sorted(set(slugs) - {r.slug for r in rows})
    if missing:
        raise CommandError(f"{option}: no {what} with the slug {', '.join(missing)}", returncode=2)
    return rows


class Command(argtypes.UsageErrorMixin, BaseCommand):
    help = (
        "Export the replacement plan: the schedule (every asset due within the horizon, with its "
        "date, reason, cost and suggested model), the budget per year and org unit with the overdue "
        "backlog, the plan under a yearly budget and the value view."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=sorted(WRITERS), required=True)
        parser.add_argument(
            "--out",
            required=True,
            type=argtypes.output_file,
            help="file to write, in a folder that exists ('-' for standard output; not for xlsx)",
        )
        parser.add_argument(
            "--at",
            type=argtypes.day,
            help=f"plan as of this date (YYYY-MM-DD, {argtypes.DAYS}; default today)",
        )
        parser.add_argument(
            "--horizon",
            type=argtypes.bounded_int(*argtypes.field_bounds(FORM["horizon"]), unit="years"),
            default=10,
            help="years, counting this one (default 10)",
        )
        parser.add_argument(
            "--budget",
            type=argtypes.amount(argtypes.largest_amount(FORM["budget"])),
            help="yearly budget in CHF (1'250.50): a plan that spends at most this a year",
        )
        parser.add_argument(
            "--org-unit",
            action="append",
            default=[],
            metavar="SLUG",
            help="only this org unit and the units below it (repeatable)",
        )
        parser.add_argument(
            "--extend-years",
            type=argtypes.bounded_int(*argtypes.field_bounds(FORM["extend_years"])),
            default=0,
            help="what-if: every service life this many years longer",
        )
        parser.add_argument(
            "--by",
            choices=["org_unit", "site", "category"],
            default="org_unit",
            help="the budget sheet per org unit (default), site or category",
        )
        parser.add_argument(
            "--per", choices=["year", "quarter"], default="year", help="budget per year or quarter"
        )
        parser.add_argument(
            "--table",
            choices=exports.CSV_TABLES,
            help="csv only: the schedule (default), the budget (--by × --per) or the capped plan (--budget)",
        )
        parser.add_argument(
            "--dialect",
            choices=sorted(CSV_DIALECTS),
            help=f"csv only: {DEFAULT_CSV_DIALECT} (default: comma, UTF-8) or excel-ch "
            "(semicolon, UTF-8 with BOM, CRLF: a double-click opens it in Swiss-German Excel)",
        )

        parser.add_argument(
            "--fill",
            choices=list(planning.FILLS),
            default=planning.FILL_GAPS,
            help="capped plan: after the first replacement that does not fit a year's budget, take "
            "the next ones that fit (gaps, default) or stop (strict); docs/planning.md",
        )
        parser.add_argument(
            "--budget-file",
            type=argtypes.readable_file,
            metavar="CSV",
            help="budgets per org unit: lines 'org unit; year; CHF' (or 'org unit; CHF' for every year); "
            "a unit's budget pays for the units below it without their own (docs/planning.md)",
        )
        parser.add_argument(
            "--first-period",
            choices=list(planning.FIRST_PERIODS),
            default=planning.FIRST_PRORATED,
            help="capped plan: the first period runs from --at to the end of its fiscal year with the "
            "share of the yearly budget left (prorated, default) or the whole (full)",
        )
        parser.add_argument(
            "--no-running-costs",
            action="store_true",
            help="leave the contracts' running costs and renewals out of the forecast",
        )
        parser.add_argument(
            "--status",
            action="append",
            default=[],
            choices=[c.value for c in SupportStatus],
            help="only assets with this hardware support status (repeatable)",
        )
        parser.add_argument(
            "--site", action="append", default=[], metavar="SLUG", help="only this site (repeatable)"
        )
        parser.add_argument(
            "--category",
            action="append",
            default=[],
            choices=[c.value for c in HardwareCategory],
            help="only this category (repeatable)",
        )
        parser.add_argument(
            "--manufacturer",
            action="append",
            default=[],
            metavar="SLUG",
            help="only this manufacturer (repeatable)",
        )
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            help="language of the workbook's headers and labels (default: the settings' LANGUAGE_CODE)",
        )
        parser.add_argument(
            "--include-spares",
            action="store_true",
            help="price spares and planned assets into the backlog and the yearly budget "
            "(default: they are their own group, in no budget year)",
        )

    def handle(self, *args, format, out, at, horizon, budget, org_unit, extend_years, by, per, **options):
        table, dialect = options["table"], options["dialect"]  # csv only: None when left out
        day = at or timezone.localdate()
        chf = float(budget) if budget is not None else None
        units = _by_slug("--org-unit", OrgUnit, org_unit, "org unit")
        sites = _by_slug("--site", Site, options["site"], "site")
        makers = _by_slug("--manufacturer", Manufacturer, options["manufacturer"], "manufacturer")
        if options["budget_file"]:
            if budget is not None:
                raise CommandError("--budget-file: give either --budget or --budget-file", returncode=2)
            name = options["budget_file"]
            try:
                with open(name, encoding="utf-8-sig") as handle:
                    chf = budgets.parse(handle)
            except UnicodeDecodeError:
                raise CommandError(f"--budget-file: {name}: not UTF-8 text", returncode=2) from None
            except budgets.BudgetError as e:
                raise CommandError(f"--budget-file: {name}, {e}", returncode=2) from None
            if not chf:
                raise CommandError(f"--budget-file: {name}: no budget in it", returncode=2)
        if format == "xlsx" and out == "-":
            raise CommandError("--out -: an XLSX workbook needs a file name", returncode=2)
        for option, value in (("--table", table), ("--dialect", dialect)):
            if value is not None and format != "csv":
                raise CommandError(f"{option}: only with --format csv", returncode=2)
        if table == "capped" and chf is None:
            raise CommandError("--table capped: the capped plan needs --budget", returncode=2)
        write = WRITERS[format]
        if table or dialect:  # csv (checked above); left out, write_csv's defaults
            write = partial(write, table=table or "schedule", dialect=dialect or DEFAULT_CSV_DIALECT)

        started = time.perf_counter()
        filters = planning.Filters(
            org_units=[u.pk for u in units],
            sites=[s.pk for s in sites],
            categories=options["category"],
            manufacturers=[m.pk for m in makers],
            statuses=options["status"],
            horizon=horizon,
        )
        plan = planning.build(
            day,
            filters,
            budget=chf,
            extend_years=extend_years,
            by=by,
            freq=per,
            fill=options["fill"],
            include_spares=options["include_spares"],
            first_period=options["first_period"],
            running=not options["no_running_costs"],
        )
        if format == "xlsx":
            write = partial(exports.write_xlsx, language=options["language"] or settings.LANGUAGE_CODE)
        if out == argtypes.STANDARD_STREAM:
            buffer = io.StringIO()
            count = write(plan, buffer)
            self.stdout.write(buffer.getvalue(), ending="")
        else:
            try:
                with argtypes.whole_file(out) as part:
                    if format == "xlsx":
                        count = write(plan, str(part))
                    else:
                        with part.open("w", encoding="utf-8", newline="") as handle:
                            count = write(plan, handle)
            except (OSError, FileCreateError) as e:  # the folder went away, the disk is full, …
                cause = e if isinstance(e, OSError) else e.args[0]
                raise CommandError(f"--out: {out}: {getattr(cause, 'strerror', None) or cause}") from None
        totals = plan.totals()
        rows = f" ({count} rows of the {table} table)" if table not in (None, "schedule") else ""
        self.stderr.write(
            f"Plan as of {day}: {totals['count']} assets in use, {len(plan.schedule)} due within "
            f"{horizon} years (CHF {totals['due_cost']:,.2f}; backlog {totals['backlog']}, "
            f"CHF {totals['backlog_cost']:,.2f}) "
            f"→ {out}{rows} in {time.perf_counter() - started:.1f} s"
        )
