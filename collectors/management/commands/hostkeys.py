"""manage.py hostkeys list | accept ADDRESS [--port N] | import KNOWN_HOSTS"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from collectors import hostkeys
from collectors.models import HostKey
from inventory.changelog import change_actor
from inventory.choices import ActorKind
from werterhalt import options as argtypes


class Command(argtypes.UsageErrorMixin, BaseCommand):
    help = ("SSH host keys that discovery trusts (first use, strict afterwards): list them, accept "
            "the key a host now offers (after a device was replaced or re-keyed), or import an "
            "OpenSSH known_hosts file.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list", "accept", "import"])
        parser.add_argument("target", nargs="?", help="accept: the address; import: the known_hosts file")
        parser.add_argument("--port", type=argtypes.port, default=22, help="accept: its SSH port (22)")

    def handle(self, *args, action, target, port, **options):
        if action == "list":
            for key in HostKey.objects.all():
                offered = f"  OFFERS {key.offered_fingerprint}" if key.offered_fingerprint else ""
                self.stdout.write(f"{key.address}:{key.port} {key.key_type} {key.fingerprint}{offered}")
            return
        if not target:
            what = "an address" if action == "accept" else "a file"
            raise CommandError(f"{action} needs {what}", returncode=2)
        if action == "import":
            argtypes.check(argtypes.readable_file, target)
        with change_actor(ActorKind.SYSTEM, f"manage.py hostkeys {action}"):
            if action == "accept":
                key = HostKey.objects.filter(address=target, port=port).first()
                if key is None:
                    raise CommandError(f"no host key stored for {target}:{port}", returncode=2)
                try:
                    hostkeys.accept(key)
                except ValueError as exc:
                    raise CommandError(str(exc)) from None
                self.stdout.write(f"{target}:{port} now trusted: {key.fingerprint}")
                return
            try:
                with transaction.atomic():  # a file that fails half-way stores nothing
                    stored, skipped = hostkeys.import_known_hosts(target)
            except UnicodeDecodeError as exc:
                raise CommandError(f"{target}: not UTF-8 text (byte {exc.start})") from None
            except ValueError as exc:  # e.g. [10.0.0.1]:ssh, a port that is not a number
                raise CommandError(f"{target}: not a known_hosts file ({exc}); nothing stored") from None
            except OSError as exc:  # gone or made unreadable since it was checked
                raise CommandError(f"{target}: {exc.strerror}", returncode=2) from None
            self.stdout.write(f"{stored} key(s) stored, {skipped} line(s) skipped (hashed or not a key)")
