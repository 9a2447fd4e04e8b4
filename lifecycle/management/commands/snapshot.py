import argparse
import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from inventory.models import OrgUnit
from lifecycle import rules, snapshots
from werterhalt import options as argtypes

FIRST = dt.date(2000, 1, 1)  # no snapshot of an inventory before this


def _at(text: str) -> dt.date:
    """--at: a date from FIRST to a year from today."""
    value = argtypes.day(text)
    if value < FIRST:
        raise argparse.ArgumentTypeError(f"{value} is before {FIRST}")
    if value > rules.add_months(timezone.localdate(), 12):
        raise argparse.ArgumentTypeError(f"{value} is more than a year from today")
    return value


def _since(text: str) -> dt.date:
    """--backfill: a date (YYYY-MM-DD) or a month (YYYY-MM, its first day), from FIRST to today."""
    try:
        value = dt.date.fromisoformat(f"{text}-01" if len(text) == 7 else text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text[:40]!r} is not a date (YYYY-MM-DD) or month (YYYY-MM)"
        ) from None
    if value < FIRST:
        raise argparse.ArgumentTypeError(f"{value} is before {FIRST}")
    if value > timezone.localdate():
        raise argparse.ArgumentTypeError(f"{value} is after today")
    return value


class Command(argtypes.UsageErrorMixin, BaseCommand):
    help = (
        "Take the strategic monitoring's snapshot (KPIs per org unit and for the city) of a day, "
        "replacing any of that day; or rebuild past months from the change log (docs/snapshots.md)."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument(
            "--at",
            type=_at,
            help=f"the day (YYYY-MM-DD, {FIRST} to a year from today; default today)",
        )
        which.add_argument(
            "--backfill",
            type=_since,
            metavar="FROM",
            help="rebuild the last day of each month from this month (YYYY-MM or YYYY-MM-DD) to the last "
            "complete one, from the change log; snapshots taken on the day are kept",
        )
        which.add_argument(
            "--plan",
            action="store_true",
            help="put the next monthly snapshot on RQ (needs REDIS_URL and a worker with --with-scheduler "
            "on LIFECYCLE_QUEUE); each monthly job then plans the next",
        )

    def handle(self, *args, at, backfill, plan=False, **options):
        if plan:
            from django.conf import settings

            from lifecycle import jobs

            if not settings.REDIS_URL:
                raise CommandError(
                    "--plan needs REDIS_URL (without it: deploy/werterhalt-snapshot.timer or cron)",
                    returncode=2,
                )
            try:
                job = jobs.plan()
            except Exception as exc:  # redis' connection errors: said, not a traceback
                raise CommandError(f"--plan: Redis did not answer ({exc}); nothing was planned") from None
            self.stdout.write(f"Next monthly snapshot planned on RQ: {job.id}.")
            return
        units = OrgUnit.objects.count()
        if backfill is None:
            day = at or timezone.localdate()
            rows = snapshots.take(day)
            self.stdout.write(f"Snapshot of {day}: the city and {units} org units ({rows} rows).")
            return
        start = snapshots.log_start()
        months = snapshots.month_ends(backfill, snapshots.last_complete_month())
        written = snapshots.backfill(backfill)
        for day in months:
            if start is None or day < start:
                first = f"({start})" if start else "(the log is empty)"
                self.stdout.write(f"{day}: before the change log's first record {first}, not rebuilt.")
            elif day in written:
                self.stdout.write(f"{day}: rebuilt.")
            else:
                self.stdout.write(f"{day}: a snapshot taken on the day is kept.")
        self.stdout.write(f"Rebuilt {len(written)} months, the city and {units} org units each.")
