"""manage.py hostkeys list | accept ADDRESS [--port N] | import KNOWN_HOSTS"""

from django.core.management.base import BaseCommand, CommandError

from collectors import hostkeys
from collectors.models import HostKey
from inventory.changelog import change_actor
from inventory.choices import ActorKind


class Command(BaseCommand):
    help = ("SSH host keys that discovery trusts (first use, strict afterwards): list them, accept "
            "the key a host now offers (after a device was replaced or re-keyed), or import an "
            "OpenSSH known_hosts file.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list", "accept", "import"])
        parser.add_argument("target", nargs="?", help="accept: the address; import: the known_hosts file")
        parser.add_argument("--port", type=int, default=22)

    def handle(self, *args, action, target, port, **options):
        if action == "list":
            for key in HostKey.objects.all():
                offered = f"  OFFERS {key.offered_fingerprint}" if key.offered_fingerprint else ""
                self.stdout.write(f"{key.address}:{key.port} {key.key_type} {key.fingerprint}{offered}")
            return
        if not target:
            raise CommandError(f"{action} needs {'an address' if action == 'accept' else 'a file'}")
        with change_actor(ActorKind.SYSTEM, f"manage.py hostkeys {action}"):
            if action == "accept":
                key = HostKey.objects.filter(address=target, port=port).first()
                if key is None:
                    raise CommandError(f"no host key stored for {target}:{port}")
                try:
                    hostkeys.accept(key)
                except ValueError as exc:
                    raise CommandError(str(exc)) from None
                self.stdout.write(f"{target}:{port} now trusted: {key.fingerprint}")
                return
            try:
                stored, skipped = hostkeys.import_known_hosts(target)
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"{target}: {exc}") from None
            self.stdout.write(f"{stored} key(s) stored, {skipped} line(s) skipped (hashed or not a key)")
