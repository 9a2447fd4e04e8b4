from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lifecycle.importers import ImportFailed, endoflife


class Command(BaseCommand):
    help = (
        "Import lifecycle data. endoflife FILE --platform SLUG: endoflife.date release cycles (API v1 or "
        "the older list) as software releases of a platform; endoflife FILE --hardware --manufacturer "
        "SLUG: a hardware product's cycles as hardware notices. All or nothing: a file with any problem "
        "writes nothing and every problem is listed (exit 1)."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["endoflife"], help="what the file is")
        parser.add_argument("file", help="the file to import")
        parser.add_argument("--platform", help="platform slug the software cycles belong to")
        parser.add_argument("--hardware", action="store_true", help="the cycles are hardware models")
        parser.add_argument(
            "--manufacturer", help="manufacturer slug of the hardware models (with --hardware)"
        )
        parser.add_argument("--dry-run", action="store_true", help="check and report; write nothing")

    def handle(self, *args, kind, file, platform, hardware, manufacturer, dry_run, **options):
        if hardware and not manufacturer:
            raise CommandError("--hardware needs --manufacturer SLUG", returncode=2)
        if not hardware and not platform:
            raise CommandError(
                "endoflife needs --platform SLUG (or --hardware --manufacturer SLUG)", returncode=2
            )
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CommandError(f"{file}: no such file", returncode=2) from None
        except UnicodeDecodeError as e:
            raise CommandError(f"{file}: not UTF-8 text (byte {e.start})") from None
        try:
            if hardware:
                summary = endoflife.import_hardware(text, manufacturer, source=path.name, dry_run=dry_run)
            else:
                summary = endoflife.import_software(text, platform, source=path.name, dry_run=dry_run)
        except ImportFailed as e:
            for problem in e.problems:
                self.stderr.write(f"{path.name}: {problem}")
            unknown = [
                p
                for p in e.problems
                if p.message.startswith("no platform") or p.message.startswith("no manufacturer")
            ]
            raise CommandError(f"{path.name}: {e}", returncode=2 if unknown else 1) from None
        prefix = "dry run, nothing written: " if dry_run else ""
        self.stdout.write(f"{path.name}: {prefix}{summary}")
