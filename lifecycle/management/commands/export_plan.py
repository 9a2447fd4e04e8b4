import datetime as dt
import io
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from inventory.models import OrgUnit
from lifecycle import exports, planning

WRITERS = {"csv": exports.write_csv, "json": exports.write_json, "xlsx": exports.write_xlsx}


class Command(BaseCommand):
    help = (
        "Export the replacement plan: the schedule (every asset due within the horizon, with its "
        "date, reason, cost and suggested model), the budget per year and org unit with the overdue "
        "backlog, the plan under a yearly budget and the value view."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=sorted(WRITERS), required=True)
        parser.add_argument(
            "--out", required=True, help="file to write ('-' for standard output; not for xlsx)"
        )
        parser.add_argument("--at", help="plan as of this date (YYYY-MM-DD; default today)")
        parser.add_argument("--horizon", type=int, default=10, help="years, counting this one (default 10)")
        parser.add_argument("--budget", help="yearly budget in CHF: a plan that spends at most this a year")
        parser.add_argument(
            "--org-unit",
            action="append",
            default=[],
            metavar="SLUG",
            help="only this org unit and the units below it (repeatable)",
        )
        parser.add_argument(
            "--extend-years", type=int, default=0, help="what-if: every service life this many years longer"
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
        try:
            day = dt.date.fromisoformat(at) if at else timezone.localdate()
        except ValueError:
            raise CommandError(f"--at: {at!r} is not a date (YYYY-MM-DD)", returncode=2) from None
        if not 1 <= horizon <= 50:
            raise CommandError(f"--horizon: {horizon} is not between 1 and 50 years", returncode=2)
        if not 0 <= extend_years <= 20:
            raise CommandError(f"--extend-years: {extend_years} is not between 0 and 20", returncode=2)
        chf = None
        if budget is not None:
            try:
                chf = float(budget.replace("'", "").replace("’", "").replace("_", ""))
            except ValueError:
                raise CommandError(f"--budget: {budget!r} is not an amount in CHF", returncode=2) from None
            if chf < 0:
                raise CommandError("--budget cannot be negative", returncode=2)
        units = list(OrgUnit.objects.filter(slug__in=org_unit))
        missing = sorted(set(org_unit) - {u.slug for u in units})
        if missing:
            raise CommandError(f"--org-unit: no org unit with the slug {', '.join(missing)}", returncode=2)
        if format == "xlsx" and out == "-":
            raise CommandError("--out -: an XLSX workbook needs a file name", returncode=2)

        started = time.perf_counter()
        filters = planning.Filters(org_units=[u.pk for u in units], horizon=horizon)
        plan = planning.build(day, filters, budget=chf, extend_years=extend_years, by=by, freq=per)
        if out == "-":
            buffer = io.StringIO()
            count = WRITERS[format](plan, buffer)
            self.stdout.write(buffer.getvalue(), ending="")
        elif format == "xlsx":
            count = exports.write_xlsx(plan, out)
        else:
            with open(out, "w", encoding="utf-8", newline="") as handle:
                count = WRITERS[format](plan, handle)
        totals = plan.totals()
        self.stderr.write(
            f"Plan as of {day}: {totals['count']} assets in use, {count} due within {horizon} years "
            f"(CHF {totals['due_cost']:,.2f}; backlog {totals['backlog']}, "
            f"CHF {totals['backlog_cost']:,.2f}) "
            f"→ {out} in {time.perf_counter() - started:.1f} s"
        )
