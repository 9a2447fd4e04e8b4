import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from inventory.models import Token
from inventory.models.users import parse_networks
from werterhalt import options as argtypes

MAX_DAYS = 36500  # a hundred years: beyond it an expiry says nothing that "never" does not
DESCRIPTION = Token._meta.get_field("description")
NETWORKS = Token._meta.get_field("allowed_networks").max_length


class Command(argtypes.UsageErrorMixin, BaseCommand):
    help = ("Make an API token for a user and print its key. The key is shown only this once: "
            "the database keeps only its hash.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--write", action="store_true",
                            help="Allow writes (as far as the user's groups allow); default: read only.")
        parser.add_argument("--expires-days", type=argtypes.bounded_int(1, MAX_DAYS, unit="days"),
                            metavar="N", help=f"Expire after N days (1 to {MAX_DAYS}); default: never.")
        parser.add_argument("--description", default="", type=argtypes.field_text(DESCRIPTION),
                            help=f"What the token is for (at most {DESCRIPTION.max_length} characters).")
        parser.add_argument("--allow", default="", metavar="PREFIXES",
                            help="Comma-separated prefixes the token may be used from; default: anywhere.")

    def handle(self, *args, username, write, expires_days, description, allow, **options):
        user_model = get_user_model()
        try:
            user = user_model.objects.get_by_natural_key(username)
        except user_model.DoesNotExist:
            raise CommandError(f"No user named “{username}”.", returncode=2) from None
        expires = timezone.now() + dt.timedelta(days=expires_days) if expires_days else None
        try:
            networks = ", ".join(str(n) for n in parse_networks(allow))
        except ValueError as exc:
            raise CommandError(f"--allow: {exc}", returncode=2) from None
        if len(networks) > NETWORKS:
            raise CommandError(f"--allow: {len(networks)} characters as prefixes; at most {NETWORKS}",
                               returncode=2)
        token, key = Token.issue(user, description=description, write_enabled=write, expires=expires,
                                 allowed_networks=allow)
        kind = "read/write" if write else "read-only"
        until = f", expires {timezone.localtime(expires):%Y-%m-%d %H:%M %Z}" if expires else ""
        # the key alone on standard output, so that a script can capture it; the rest on stderr
        self.stderr.write(f"Token {token.prefix}… for {user.get_username()} ({kind}{until}). "
                          "Store the key now: it is not shown again.")
        self.stdout.write(key)
