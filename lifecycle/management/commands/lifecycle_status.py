import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from inventory.models import Asset
from lifecycle.assess import status_report
from lifecycle.choices import Coverage, Risk, SupportStatus

LABELS = {"hardware": SupportStatus, "software": SupportStatus, "coverage": Coverage, "risk": Risk}


class Command(BaseCommand):
    help = (
        "Lifecycle of the whole inventory on a date: assets per hardware / software support status, "
        "contract coverage and risk, and the assets leaving support within 12, 24 and 36 months."
    )

    def add_arguments(self, parser):
        parser.add_argument("--at", help="evaluate on this date (YYYY-MM-DD; default today)")
        parser.add_argument("--json", action="store_true", dest="as_json", help="print JSON instead of text")

    def handle(self, *args, at, as_json: bool, **options):
        try:
            day = dt.date.fromisoformat(at) if at else timezone.localdate()
        except ValueError:
            raise CommandError(f"--at: {at!r} is not a date (YYYY-MM-DD)", returncode=2) from None
        report = status_report(day)
        if as_json:
            self.stdout.write(json.dumps(report, indent=2))
            return
        self.stdout.write(f"Lifecycle on {report['at']}: {report['assets']} assets")
        for column, choices in LABELS.items():
            self.stdout.write(f"\n{column.capitalize()}:")
            for value, count in sorted(report[column].items(), key=lambda kv: -kv[1]):
                self.stdout.write(f"  {count:>7}  {choices(value).label}")
        names = dict(
            Asset.objects.filter(
                pk__in={i for ids in report["leaving_support"].values() for i in ids}
            ).values_list("pk", "name")
        )
        self.stdout.write("\nLeaving hardware support:")
        for key, ids in report["leaving_support"].items():
            shown = ", ".join(sorted(names[i] for i in ids)[:10])
            more = f" … and {len(ids) - 10} more" if len(ids) > 10 else ""
            listed = f" ({shown}{more})" if ids else ""
            self.stdout.write(f"  within {key.replace('_', ' ')}: {len(ids)}{listed}")
