from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from collectors.lab import server, snmp_devices, topology
from werterhalt import options as argtypes

MAX_ACCESS = 5000  # access switches, as many as the lab ever took


class Command(argtypes.UsageErrorMixin, BaseCommand):
    help = (
        "The lab: fake network devices (FakeNOS over SSH) on loopback addresses 127.77.x.y and "
        "servers' BMCs (Redfish over HTTPS, a certificate of the lab's own CA) on 127.77.250.x, "
        "UPSes, printers and firewalls over SNMP (snmpsim) on 127.77.240.x. "
        "start runs it in the background and writes a Nornir inventory for it; stop ends it and "
        "checks that it is gone; status tells whether it runs; serve runs it in the foreground."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["start", "stop", "status", "serve"])
        parser.add_argument(
            "--dir",
            type=argtypes.folder,
            default=None,
            help=f"lab folder (default LAB_DIR={settings.LAB_DIR})",
        )
        parser.add_argument(
            "--access",
            type=argtypes.bounded_int(1, MAX_ACCESS),
            default=26,
            help=f"number of access switches, 1 to {MAX_ACCESS} (default 26: 37 devices in all)",
        )
        parser.add_argument("--no-broken", action="store_true", help="leave out the broken devices and BMCs")
        parser.add_argument(
            "--port",
            type=argtypes.port,
            default=topology.DEFAULT_PORT,
            help=f"SSH port every device listens on (default {topology.DEFAULT_PORT})",
        )
        parser.add_argument("--no-bmcs", action="store_true", help="leave out the servers' BMCs")
        parser.add_argument(
            "--bmc-port",
            type=argtypes.port,
            default=topology.DEFAULT_BMC_PORT,
            help=f"HTTPS port every BMC listens on (default {topology.DEFAULT_BMC_PORT})",
        )
        parser.add_argument("--no-snmp", action="store_true", help="leave out the SNMP devices")
        parser.add_argument(
            "--snmp-port",
            type=argtypes.port,
            default=snmp_devices.DEFAULT_SNMP_PORT,
            help=f"UDP port every SNMP device answers on (default {snmp_devices.DEFAULT_SNMP_PORT})",
        )

    def handle(self, *args, action, dir, access, no_broken, port, no_bmcs, bmc_port, no_snmp, snmp_port,
               **options):
        option = "--dir" if dir else "LAB_DIR"  # --dir was checked by argparse, the setting is here
        lab_dir = Path(dir or argtypes.check(argtypes.folder, str(settings.LAB_DIR), option))
        if action in ("start", "serve"):
            try:
                lab_dir.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise CommandError(f"{option}: {lab_dir}: {e.strerror}", returncode=2) from None
        options = {"broken": not no_broken, "port": port, "bmcs": not no_bmcs, "bmc_port": bmc_port,
                   "snmp": not no_snmp, "snmp_port": snmp_port}
        try:
            if action == "serve":
                server.serve(lab_dir, access, **options)
            elif action == "start":
                state = server.start_background(lab_dir, access, **options)
                self.stdout.write(self._started(lab_dir, state))
            elif action == "stop":
                _, how = server.stop_background(lab_dir)
                self.stdout.write(f"Lab {how}.")
            else:
                state = server.read_state(lab_dir)
                if not state:
                    self.stdout.write("Lab not running.")
                    raise CommandError("not running", returncode=3)
                bmc_endpoints = state.get("bmc_endpoints", [])
                bmcs_up = server.listening(bmc_endpoints)
                devices_up = server.listening(state["endpoints"]) - bmcs_up
                snmp = len(state.get("snmp_endpoints", []))
                snmp_state = "runs" if server.snmp_running(state) else "is not running"
                self.stdout.write(
                    f"Lab running (pid {state['pid']}): {devices_up} of {state['devices']} devices and "
                    f"{bmcs_up} of {len(bmc_endpoints)} BMCs accept connections"
                    + (f"; the SNMP agent of {snmp} devices {snmp_state}." if snmp else ".")
                )
        except server.LabError as e:
            raise CommandError(str(e)) from None

    @staticmethod
    def _started(lab_dir: Path, state: dict) -> str:
        lines = [
            f"Lab running (pid {state['pid']}): {state['devices']} devices on 127.77.0.0/16 port "
            f"{state['endpoints'][0][1]} (SSH)"
        ]
        bmc_endpoints = state.get("bmc_endpoints", [])
        if bmc_endpoints:
            lines.append(
                f"  and {len(bmc_endpoints)} server BMCs on {topology.BMC_PREFIX} port {bmc_endpoints[0][1]} "
                f"(Redfish over HTTPS)"
            )
        snmp_endpoints = state.get("snmp_endpoints", [])
        if snmp_endpoints:
            lines.append(
                f"  and {len(snmp_endpoints)} SNMP devices (UPS, printers, firewalls) on "
                f"{snmp_devices.SNMP_PREFIX} UDP port {snmp_endpoints[0][1]}"
            )
        lines += [
            f"  inventory: {lab_dir / 'inventory'}",
            f"  secrets:   {lab_dir / 'secrets.yaml'}",
        ]
        if state.get("bmc_ca"):
            lines.append(f"  BMC CA:    {state['bmc_ca']}")
        lines.append(
            f"  discover:  DEVICE_SECRETS_FILE={lab_dir / 'secrets.yaml'} python manage.py discover "
            f"--inventory {lab_dir / 'inventory'}"
        )
        return "\n".join(lines)
