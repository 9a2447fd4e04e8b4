import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from inventory import demo
from inventory.roles import ADMIN


class Command(BaseCommand):
    help = "Load the sample inventory and (with --user) create the demo login with a new password."

    def add_arguments(self, parser):
        parser.add_argument("--user", default="", help="also create or reset this demo user")
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="where the demo is served")

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
