from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from inventory import devicetypes
from werterhalt import options as argtypes


class Command(argtypes.UsageErrorMixin, BaseCommand):
    help = (
        "Import the NetBox community device-type library (github.com/netbox-community/"
        "devicetype-library): the YAML under DIR/device-types and DIR/module-types, or a folder of "
        "such files, as manufacturers and hardware models with their aliases, so discovered models "
        "get names. All or nothing: a file that is not YAML, not a mapping or lacks manufacturer or "
        "model writes nothing and every such file is listed (exit 2). Importing again changes "
        "nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", metavar="DIR", type=argtypes.readable_folder,
                            help="the library's checkout, or a folder of its YAML files")
        parser.add_argument("--dry-run", action="store_true",
                            help="check the files and report what would change; write nothing")

    def handle(self, *args, folder, dry_run, **options):
        label = Path(folder).resolve().name or folder
        try:
            types = devicetypes.read(folder)
            report = devicetypes.apply(types, dry_run=dry_run, actor=f"import_devicetypes {label}")
        except devicetypes.LibraryError as e:
            for error in e.errors:
                self.stderr.write(f"error: {error}")
            raise CommandError(f"{folder}: {len(e.errors)} error(s); nothing was imported",
                               returncode=2) from None
        verb = "would be " if dry_run else ""
        for f in report.files:
            what = f"{verb}{f.outcome}"
            if f.changed:
                what += f" ({', '.join(f.changed)})"
            self.stdout.write(f"{f.source}: {what}: {f.model}")
            for note in f.notes:
                self.stdout.write(f"{f.source}: note: {note}")
        made = report.manufacturers_created
        self.stdout.write(
            f"{folder}: {len(report.files)} file(s): {report.created} {verb}created, "
            f"{report.updated} {verb}updated, {report.unchanged} unchanged; "
            f"{len(made)} manufacturer(s) {verb}created" + (f" ({', '.join(made)})" if made else "")
            + (" (dry run: nothing written)" if dry_run else "")
        )
