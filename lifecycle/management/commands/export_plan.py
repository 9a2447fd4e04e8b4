import io
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from xlsxwriter.exceptions import FileCreateError

from inventory.models import OrgUnit
from lifecycle import exports, planning
from lifecycle.forms import PlanForm
from werterhalt import options as argtypes

WRITERS = {"csv": exports.write_csv, "json": exports.write_json, "xlsx": exports.write_xlsx}
# the bounds of the Planning page and the plan API: one declaration for every face
FORM = PlanForm.base_fields


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

    def handle(self, *args, format, out, at, horizon, budget, org_unit, extend_years, by, per, **options):
        day = at or timezone.localdate()
        chf = float(budget) if budget is not None else None
        units = list(OrgUnit.objects.filter(slug__in=org_unit))
        missing = sorted(set(org_unit) - {u.slug for u in units})
        if missing:
            raise CommandError(f"--org-unit: no org unit with the slug {', '.join(missing)}", returncode=2)
        if format == "xlsx" and out == "-":
            raise CommandError("--out -: an XLSX workbook needs a file name", returncode=2)

        started = time.perf_counter()
        filters = planning.Filters(org_units=[u.pk for u in units], horizon=horizon)
        plan = planning.build(day, filters, budget=chf, extend_years=extend_years, by=by, freq=per)
        if out == argtypes.STANDARD_STREAM:
            buffer = io.StringIO()
            count = WRITERS[format](plan, buffer)
            self.stdout.write(buffer.getvalue(), ending="")
        else:
            try:
                with argtypes.whole_file(out) as part:
                    if format == "xlsx":
                        count = exports.write_xlsx(plan, str(part))
                    else:
                        with part.open("w", encoding="utf-8", newline="") as handle:
                            count = WRITERS[format](plan, handle)
            except (OSError, FileCreateError) as e:  # the folder went away, the disk is full, …
                cause = e if isinstance(e, OSError) else e.args[0]
                raise CommandError(f"--out: {out}: {getattr(cause, 'strerror', None) or cause}") from None
        totals = plan.totals()
        self.stderr.write(
            f"Plan as of {day}: {totals['count']} assets in use, {count} due within {horizon} years "
            f"(CHF {totals['due_cost']:,.2f}; backlog {totals['backlog']}, "
            f"CHF {totals['backlog_cost']:,.2f}) "
            f"→ {out} in {time.perf_counter() - started:.1f} s"
        )
