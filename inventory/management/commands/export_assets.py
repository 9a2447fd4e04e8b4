from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from inventory import assets_csv
from werterhalt import options as argtypes


class Command(argtypes.UsageErrorMixin, BaseCommand):
    help = "Export every asset to a CSV file that import_assets reads back unchanged."

    def add_arguments(self, parser):
        parser.add_argument("file", type=argtypes.output_file,
                            help="CSV file to write (its folder must exist), or - for standard output")

    def handle(self, *args, file, **options):
        if file == argtypes.STANDARD_STREAM:
            assets_csv.export_csv(self.stdout)
            return
        path = Path(file)
        try:
            # never a half-written file under the real name
            with argtypes.whole_file(path) as part, part.open("w", encoding="utf-8", newline="") as out:
                count = assets_csv.export_csv(out)
        except OSError as exc:  # the folder went away, the disk is full, …
            raise CommandError(f"{file}: {exc.strerror}") from None
        self.stdout.write(f"{count} assets written to {path}")
