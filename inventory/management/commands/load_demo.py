import argparse
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from inventory import demo
from inventory.roles import ADMIN
from werterhalt import options as argtypes


def web_address(value: str) -> str:
    """Where the demo is served: an http(s) address to open (only printed, never fetched)."""
    if not value.startswith(("http://", "https://")) or len(value) > 2000:
        raise argparse.ArgumentTypeError(f"{value[:40]!r} is not an http:// or https:// address")
    return value


class Command(argtypes.UsageErrorMixin, BaseCommand):
    help = "Load the sample inventory and (with --user) create the demo login with a new password."

    def add_arguments(self, parser):
        user_model = get_user_model()
        parser.add_argument("--user", default="", type=argtypes.field_text(user_model._meta.get_field(
            user_model.USERNAME_FIELD)), help="also create or reset this demo user")
        parser.add_argument("--url", default="http://127.0.0.1:8000/", type=web_address,
                            help="where the demo is served")

    def handle(self, *args, user, url, **options):
        counts = demo.load()
        self.stdout.write("Sample inventory: " + ", ".join(f"{v} {k.replace('_', ' ')}"
                                                           for k, v in counts.items()))
        if user:
            password = secrets.token_urlsafe(9)
            account, _ = get_user_model().objects.get_or_create(username=user)
            account.is_staff = True
            account.set_password(password)
            account.save()
            account.groups.add(Group.objects.get(name=ADMIN))
            self.stdout.write(self.style.SUCCESS(
                f"\n  Werterhalt demo: {url}\n  Log in as {user} / {password}\n"))
