import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from inventory import assets_csv
from werterhalt import options as argtypes


class Command(argtypes.UsageErrorMixin, BaseCommand):
    help = (
        "Import assets from a CSV file (columns by header name; see export_assets). All or "
        "nothing: a file with any bad row writes nothing and every bad row is listed (exit 1)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=argtypes.input_file,
                            help="CSV file to import, or - for standard input")
        parser.add_argument("--dry-run", action="store_true",
                            help="check the file and report what would change; write nothing")

    def handle(self, *args, file, dry_run, **options):
        if file == argtypes.STANDARD_STREAM:
            text, label = sys.stdin.read(), "stdin"
        else:
            path = Path(file)
            try:
                text = path.read_text(encoding="utf-8-sig")
            except UnicodeDecodeError as exc:
                raise CommandError(f"{file}: not UTF-8 text (byte {exc.start})") from None
            except OSError as exc:  # gone or made unreadable since it was checked
                raise CommandError(f"{file}: {exc.strerror}", returncode=2) from None
            label = path.name

        tty = self.stderr.isatty()

        def progress(stage: str, done: int, total: int) -> None:
            line = f"{stage} {done:,}/{total:,} rows"
            if tty:
                self.stderr.write(f"\r{line}", ending="\n" if done == total else "")
            elif total >= 5000:
                self.stderr.write(line)

        try:
            summary = assets_csv.import_csv(text, actor_name=f"import {label}", dry_run=dry_run,
                                            progress=progress)
        except assets_csv.ImportFailed as exc:
            for error in exc.errors:
                self.stderr.write(f"{label}: {error}")
            raise CommandError(f"{label}: {len(exc.errors)} error(s); nothing was imported",
                               returncode=1) from None
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"{label}: {summary['created']} {verb} created, {summary['updated']} {verb} updated, "
            f"{summary['unchanged']} unchanged" + (" (dry run: nothing written)" if dry_run else "")
        )
