from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from inventory.models import OrgUnit
from lifecycle.models import KpiSnapshot
from lifecycle.monitoring import DEFAULT_MONTHS, MAX_MONTHS, steering
from werterhalt import options as argtypes


class Command(argtypes.UsageErrorMixin, BaseCommand):
    help = (
        "Write the steering report of an org unit (a Direktion) or of the whole city as XLSX: each "
        "monitoring figure's latest value, target and traffic light, the month-by-month trends with "
        "line charts, and the replacement plan's summary (docs/monitoring.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--unit", metavar="SLUG", help="the org unit's slug (default: the whole city)")
        parser.add_argument("--out", required=True, type=argtypes.output_file, help="the .xlsx file to write")
        parser.add_argument(
            "--months", type=argtypes.bounded_int(1, MAX_MONTHS, unit="months"), default=DEFAULT_MONTHS,
            help=f"months of trends up to the latest snapshot (default {DEFAULT_MONTHS})",
        )
        parser.add_argument(
            "--language", choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE, help=f"the report's language (default {settings.LANGUAGE_CODE})",
        )
        parser.add_argument(
            "--at", type=argtypes.day,
            help=f"the replacement plan as of this date (YYYY-MM-DD, {argtypes.DAYS}; default today)",
        )

    def handle(self, *args, unit, out, months, language, at, **options):
        if out == argtypes.STANDARD_STREAM:
            raise CommandError("--out: an XLSX file cannot be written to standard output", returncode=2)
        unit_id = None
        if unit is not None:
            found = OrgUnit.objects.filter(slug=unit).values_list("pk", flat=True).first()
            if found is None:
                message = f"--unit: no org unit with the slug {unit[:argtypes.SHOWN]!r}"
                raise CommandError(message, returncode=2)
            unit_id = found
        with argtypes.whole_file(out) as part:  # never half a file under the name
            view = steering.write_xlsx(str(part), KpiSnapshot.objects.all(), OrgUnit.objects.all(), unit_id,
                                       months, at=at or timezone.localdate(), language=language)
        latest = "no snapshots" if view is None else f"latest snapshot {view.latest.at}"
        self.stdout.write(f"{out}: steering report of {unit or 'the whole city'} ({latest})")
