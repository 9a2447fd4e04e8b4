from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from collectors.lab import server, topology


class Command(BaseCommand):
    help = (
        "The lab: fake network devices (FakeNOS over SSH) on loopback addresses 127.77.x.y. "
        "start runs it in the background and writes a Nornir inventory for it; stop ends it and "
        "checks that it is gone; status tells whether it runs; serve runs it in the foreground."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["start", "stop", "status", "serve"])
        parser.add_argument("--dir", default=None, help=f"lab folder (default LAB_DIR={settings.LAB_DIR})")
        parser.add_argument(
            "--access", type=int, default=26, help="number of access switches (default 26: 37 devices in all)"
        )
        parser.add_argument("--no-broken", action="store_true", help="leave out the broken devices")
        parser.add_argument("--port", type=int, default=topology.DEFAULT_PORT,
                            help=f"SSH port every device listens on (default {topology.DEFAULT_PORT})")

    def handle(self, *args, action, dir, access, no_broken, port, **options):
        lab_dir = Path(dir) if dir else Path(settings.LAB_DIR)
        if access < 1 or access > 5000:
            raise CommandError("--access must be between 1 and 5000", returncode=2)
        if not 1 <= port <= 65535:
            raise CommandError("--port must be between 1 and 65535", returncode=2)
        try:
            if action == "serve":
                server.serve(lab_dir, access, broken=not no_broken, port=port)
            elif action == "start":
                state = server.start_background(lab_dir, access, broken=not no_broken, port=port)
                self.stdout.write(
                    f"Lab running (pid {state['pid']}): {state['devices']} devices on 127.77.0.0/16 port "
                    f"{state['endpoints'][0][1]}\n"
                    f"  inventory: {lab_dir / 'inventory'}\n"
                    f"  secrets:   {lab_dir / 'secrets.yaml'}\n"
                    f"  discover:  DEVICE_SECRETS_FILE={lab_dir / 'secrets.yaml'} python manage.py discover "
                    f"--inventory {lab_dir / 'inventory'}"
                )
            elif action == "stop":
                was, how = server.stop_background(lab_dir)
                self.stdout.write(f"Lab {how}." if was else f"Lab {how}.")
            else:
                state = server.read_state(lab_dir)
                if not state:
                    self.stdout.write("Lab not running.")
                    raise CommandError("not running", returncode=3)
                up = server.listening(state["endpoints"])
                self.stdout.write(
                    f"Lab running (pid {state['pid']}): {up} of {state['devices']} devices "
                    f"accept connections."
                )
        except server.LabError as e:
            raise CommandError(str(e)) from None
