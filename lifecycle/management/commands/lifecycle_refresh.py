import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from lifecycle import state
from werterhalt import options as argtypes


class Command(argtypes.UsageErrorMixin, BaseCommand):
    help = (
        "Re-evaluate every asset's lifecycle (support status, replace-by date, book value, risk) and "
        "store the answers that lists, filters, the dashboard and the API show. Changes refresh the "
        "assets they touch by themselves; the calendar does not: run this daily (cron or a schedule)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--at",
            type=argtypes.day,
            help=f"evaluate on this date (YYYY-MM-DD, {argtypes.DAYS}; default today)",
        )

    def handle(self, *args, at, **options):
        day = at or timezone.localdate()
        started = time.perf_counter()
        count = state.refresh(at=day)
        state.run_pending(at=day)  # whatever waited for a background refresh is now done
        seconds = time.perf_counter() - started
        self.stdout.write(f"Lifecycle of {count} assets stored as of {day} in {seconds:.1f} s")
