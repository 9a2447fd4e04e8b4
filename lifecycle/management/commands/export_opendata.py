import argparse

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import EmailValidator, URLValidator
from django.utils import timezone

from lifecycle import opendata
from werterhalt import options as argtypes


def web_address(text: str) -> str:
    """An http(s) address, where the files will be published."""
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError:
        raise argparse.ArgumentTypeError(f"{text[:argtypes.SHOWN]!r} is not an http(s) address") from None
    return text


def email(text: str) -> str:
    try:
        EmailValidator()(text)
    except ValidationError:
        raise argparse.ArgumentTypeError(f"{text[:argtypes.SHOWN]!r} is not an e-mail address") from None
    return text


class Command(argtypes.UsageErrorMixin, BaseCommand):
    help = (
        "Write the open data export into DIR: the assets in use per Direktion, category, support "
        "status and age band (count and replacement value; groups smaller than OPENDATA_MIN_GROUP "
        "left out), its Frictionless datapackage.json and the DCAT-AP CH metadata for "
        "opendata.swiss (docs/opendata.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "dir", metavar="DIR", type=argtypes.folder, help="folder to write into (made if missing)"
        )
        parser.add_argument(
            "--at",
            type=argtypes.day,
            help=f"figures as of this date (YYYY-MM-DD, {argtypes.DAYS}; default today)",
        )
        parser.add_argument(
            "--base-url",
            type=web_address,
            metavar="URL",
            help="where the files will be published (the DCAT download addresses; default: the files' "
            "names, relative to dcat-ap-ch.xml)",
        )
        parser.add_argument(
            "--contact",
            type=email,
            metavar="ADDRESS",
            help="e-mail address of the contact point in dcat-ap-ch.xml (opendata.swiss requires one)",
        )

    def handle(self, *args, dir, at, base_url, contact, **options):
        day = at or timezone.localdate()
        base_url, contact = base_url or "", contact or ""
        try:
            publication = opendata.aggregate(day)
            texts = opendata.render(publication, base_url=base_url, contact=contact)
        except opendata.OpenDataError as e:
            raise CommandError(str(e)) from None
        try:
            opendata.write(texts, dir)
        except OSError as e:
            raise CommandError(f"DIR: {dir}: {e.strerror or e}") from None
        p = publication
        self.stderr.write(
            f"Open data as of {day}: {p.in_use} assets in use in {p.groups} groups; "
            f"{len(p.rows)} groups ({int(p.rows['assets'].sum())} assets) published, "
            f"{p.suppressed_groups} groups ({p.suppressed_assets} assets) of fewer than {p.k} left out "
            f"→ {dir}: {', '.join(texts)}"
        )
        for option, value in (("--base-url", base_url), ("--contact", contact)):
            if not value:
                self.stderr.write(f"{option} not given: opendata.swiss needs it in {opendata.DCAT}")
