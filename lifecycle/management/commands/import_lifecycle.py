from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lifecycle.importers import ImportFailed, endoflife, notices
from werterhalt import options as argtypes


class Command(argtypes.UsageErrorMixin, BaseCommand):
    help = (
        "Import lifecycle data. endoflife FILE --platform SLUG: endoflife.date release cycles (API v1 or "
        "the older list) as software releases; endoflife FILE --hardware --manufacturer SLUG: a hardware "
        "product's cycles as hardware notices; hardware-csv FILE: vendors' EoX bulletins as CSV (vendor, "
        "part_number, end_of_sale_announced, end_of_sale, end_of_sw_maintenance, end_of_security_support, "
        "last_date_of_support, replacement, bulletin, source); cisco-eox FILE: the JSON of Cisco's EoX API. "
        "All or nothing: a file with any problem writes nothing and every problem is listed (exit 1)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "kind", choices=["endoflife", "hardware-csv", "cisco-eox"], help="what the file is"
        )
        parser.add_argument("file", type=argtypes.readable_file, help="the file to import")
        parser.add_argument("--platform", help="endoflife: platform slug the software cycles belong to")
        parser.add_argument(
            "--hardware", action="store_true", help="endoflife: the cycles are hardware models"
        )
        parser.add_argument("--manufacturer", help="endoflife --hardware: manufacturer slug of the models")
        parser.add_argument(
            "--create-models",
            action="store_true",
            help="hardware-csv / cisco-eox: add part numbers the catalogue does not know",
        )
        parser.add_argument("--dry-run", action="store_true", help="check and report; write nothing")

    def handle(self, *args, kind, file, platform, hardware, manufacturer, create_models, dry_run, **options):
        if kind == "endoflife" and hardware and not manufacturer:
            raise CommandError("--hardware needs --manufacturer SLUG", returncode=2)
        if kind == "endoflife" and not hardware and not platform:
            raise CommandError(
                "endoflife needs --platform SLUG (or --hardware --manufacturer SLUG)", returncode=2
            )
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            raise CommandError(f"{file}: not UTF-8 text (byte {e.start})") from None
        except OSError as e:  # gone or made unreadable since it was checked
            raise CommandError(f"{file}: {e.strerror}", returncode=2) from None
        actor = f"import_lifecycle {kind} {path.name}"
        try:
            if kind == "endoflife" and hardware:
                summary = endoflife.import_hardware(text, manufacturer, source=path.name, dry_run=dry_run)
            elif kind == "endoflife":
                summary = endoflife.import_software(text, platform, source=path.name, dry_run=dry_run)
            elif kind == "hardware-csv":
                summary = notices.write(
                    notices.parse_csv(text), actor=actor, create_models=create_models, dry_run=dry_run
                )
            else:
                rows, warnings = notices.parse_cisco_eox(text)
                summary = notices.write(rows, actor=actor, create_models=create_models, dry_run=dry_run)
                summary.warnings[:0] = warnings
        except ImportFailed as e:
            for problem in e.problems:
                self.stderr.write(f"{path.name}: {problem}")
            usage = any(p.message.startswith(("no platform", "no manufacturer")) for p in e.problems)
            raise CommandError(f"{path.name}: {e}", returncode=2 if usage else 1) from None
        for warning in summary.warnings:
            self.stderr.write(f"{path.name}: warning: {warning}")
        prefix = "dry run, nothing written: " if dry_run else ""
        self.stdout.write(f"{path.name}: {prefix}{summary}")
