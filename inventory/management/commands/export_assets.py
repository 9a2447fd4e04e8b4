from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from inventory import assets_csv


class Command(BaseCommand):
    help = "Export every asset to a CSV file that import_assets reads back unchanged."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file to write, or - for standard output")

    def handle(self, *args, file, **options):
        if file == "-":
            assets_csv.export_csv(self.stdout)
            return
        path = Path(file)
        tmp = path.with_name(f".{path.name}.part")
        try:
            with tmp.open("w", encoding="utf-8", newline="") as out:
                count = assets_csv.export_csv(out)
            tmp.replace(path)  # never leave a half-written file under the real name
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise CommandError(f"{file}: {exc.strerror}") from None
        self.stdout.write(f"{count} assets written to {path}")
