import json

from django.core.management.base import BaseCommand
from django.utils import timezone

from inventory.models import Asset
from lifecycle import figures, rules
from lifecycle.choices import Coverage, Risk, SupportStatus, Usage
from werterhalt import options as argtypes

LABELS = {"hardware": SupportStatus, "software": SupportStatus, "coverage": Coverage, "risk": Risk}
SHOWN = 10  # names listed per horizon


class Command(argtypes.UsageErrorMixin, BaseCommand):
    help = (
        "Lifecycle of the whole inventory on a date (lifecycle.figures, as the dashboard and the plan "
        "count it): assets in use per hardware / software support status, contract coverage and risk, "
        "spares and planned assets as their own groups, the assets leaving hardware support within 12, "
        "24 and 36 months, and the replacement cost per budget year with the overdue backlog."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--at",
            type=argtypes.day,
            help=f"evaluate on this date (YYYY-MM-DD, {argtypes.DAYS}; default today)",
        )
        parser.add_argument("--json", action="store_true", dest="as_json", help="print JSON instead of text")

    def handle(self, *args, at, as_json: bool, **options):
        day = at or timezone.localdate()
        frame = figures.answers(day)
        report = figures.totals(frame, day)
        leaving = figures.leaving_assets(frame, day)
        if as_json:
            data = figures.jsonable(report)
            for row in data["leaving_support"]:
                row["assets"] = leaving[row["months"]]
            self.stdout.write(json.dumps(data, indent=2))
            return
        groups = ", ".join(
            f"{report['usage'][g]['count']} {str(Usage(g).label).lower()}" for g in figures.GROUPS[1:]
        )
        self.stdout.write(
            f"Lifecycle on {day}: {report['count']} assets in use of {report['assets']} ({groups})"
        )
        for column, choices in LABELS.items():
            self.stdout.write(f"\n{column.capitalize()}:")
            for value, count in sorted(report[column].items(), key=lambda kv: -kv[1]):
                if count:
                    self.stdout.write(f"  {count:>7}  {choices(value).label}")
        names = dict(
            Asset.objects.filter(pk__in={i for ids in leaving.values() for i in ids}).values_list(
                "pk", "name"
            )
        )
        self.stdout.write("\nLeaving hardware support:")
        for row in report["leaving_support"]:
            ids = leaving[row["months"]]
            shown = ", ".join(sorted(names[i] for i in ids)[:SHOWN])
            more = f" … and {len(ids) - SHOWN} more" if len(ids) > SHOWN else ""
            listed = f" ({shown}{more})" if ids else ""
            self.stdout.write(f"  within {row['months']} months: {row['count']}{listed}")
        self.stdout.write("\nReplacement cost (assets in use; CHF):")
        for row in report["buckets"]:
            label = "backlog (overdue)" if row["bucket"] == rules.BACKLOG else row["bucket"]
            self.stdout.write(f"  {label:<18} {row['count']:>7}  {row['cost']:>16,.2f}")
        self.stdout.write(
            f"\nBook value CHF {report['book_value']:,.2f}; replacement value CHF "
            f"{report['replacement_value']:,.2f}; {report['cost_unknown']} in use without a cost"
        )
