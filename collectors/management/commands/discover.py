from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from collectors import hosts as host_sources
from collectors.models import DiscoverySchedule
from collectors.netbox import connection
from collectors.netbox.client import NetBoxError
from collectors.normalize import parse_prefixes
from collectors.runner import HostReport, discover
from lifecycle import state as lifecycle_state
from werterhalt import options as argtypes

# parallel sessions: as many as a schedule may open per shard
WORKERS = argtypes.field_bounds(DiscoverySchedule._meta.get_field("workers"))
MAX_DEPTH = 100  # LLDP hops from the seeds; a campus is a handful


class Command(argtypes.UsageErrorMixin, BaseCommand):
    help = (
        "Discover network devices over SSH (NAPALM) and sync them into the inventory. Hosts come from "
        "a Nornir SimpleInventory folder (--inventory), from NetBox's devices (--from-netbox) or, "
        "without either, from assets with a management address and a platform. Only hosts inside "
        "DISCOVERY_ALLOW (or --allow) are connected to; the others fail as 'not allowed'. Exit 0: every "
        "host succeeded (NetBox devices skipped for want of a primary IP or a readable platform are "
        "listed, not failures); 1: some failed (the others were saved); 2: bad usage, or NetBox not "
        "configured, unreachable or refusing the token (then no run is recorded and nothing written)."
    )

    def add_arguments(self, parser):
        hosts_from = parser.add_mutually_exclusive_group()
        hosts_from.add_argument(
            "--inventory",
            metavar="DIR",
            help="Nornir SimpleInventory folder (hosts.yaml, groups.yaml, defaults.yaml)",
        )
        hosts_from.add_argument(
            "--from-netbox",
            action="store_true",
            help="NetBox's devices are the hosts: named as in NetBox, at their primary IP, read with "
            "their platform's driver (the inventory's platform of that slug, else the slug's); devices "
            "without primary IP or readable platform are skipped and listed. NetBox's URL and token: "
            "the secrets file's netbox block or NETBOX_URL / NETBOX_TOKEN",
        )
        connection.add_filter_argument(
            parser, "with --from-netbox: only these NetBox devices, e.g. site=zentrale role=core-switch"
        )
        parser.add_argument(
            "--workers",
            type=argtypes.bounded_int(*WORKERS),
            default=None,
            help=f"parallel SSH sessions, {WORKERS[0]} to {WORKERS[1]} "
            f"(default DISCOVERY_WORKERS={settings.DISCOVERY_WORKERS})",
        )
        parser.add_argument(
            "--crawl",
            action="store_true",
            help="follow LLDP neighbours' management addresses to devices not in the list",
        )
        parser.add_argument(
            "--allow",
            nargs="+",
            metavar="PREFIX",
            default=None,
            help="prefixes discovery may connect to, for the hosts listed and the crawl "
            "(default DISCOVERY_ALLOW; empty: any host, no crawl)",
        )
        parser.add_argument(
            "--depth",
            type=argtypes.bounded_int(1, MAX_DEPTH, unit="hops"),
            default=None,
            help=f"crawl at most this many hops, 1 to {MAX_DEPTH} (default {settings.DISCOVERY_CRAWL_DEPTH})",
        )
        parser.add_argument(
            "--secrets",
            metavar="FILE",
            type=argtypes.readable_file,
            help="device credentials YAML, with the netbox block for --from-netbox "
            "(default DEVICE_SECRETS_FILE)",
        )

    def handle(self, *args, inventory, workers, crawl, allow, depth, secrets, from_netbox=False, filters=(),
               **options):
        if filters and not from_netbox:
            raise CommandError("--filter selects NetBox devices: it needs --from-netbox", returncode=2)
        try:
            netbox_filters = connection.parse_filters(filters or [])
        except ValueError as e:
            raise CommandError(f"--filter: {e}", returncode=2) from None
        try:
            if allow is not None:
                prefixes = parse_prefixes(allow)
            else:
                setting = settings.DISCOVERY_ALLOW
                prefixes = parse_prefixes([setting] if isinstance(setting, str) else setting)
        except ValueError as e:
            raise CommandError(
                f"{'--allow' if allow is not None else 'DISCOVERY_ALLOW'}: {e}", returncode=2
            ) from None
        if crawl and not prefixes:
            raise CommandError(
                "--crawl needs --allow PREFIX (or DISCOVERY_ALLOW): a crawl never leaves "
                "the prefixes you name",
                returncode=2,
            )
        where = "--secrets" if secrets else "DEVICE_SECRETS_FILE"  # what a problem is named after
        skipped: dict[str, str] = {}
        try:
            creds = host_sources.load_credentials(secrets)
            where = "--inventory" if inventory else ""
            if from_netbox:
                nornir_inventory, skipped, source = self._from_netbox(creds, netbox_filters)
            elif inventory:
                nornir_inventory = host_sources.from_folder(inventory, creds)
                source = f"inventory folder {inventory}"
            else:
                nornir_inventory = host_sources.from_database(creds)
                source = "inventory database"
        except (host_sources.InventoryError, OSError, UnicodeDecodeError) as e:
            problem = str(e)
            if isinstance(e, OSError):  # a folder where a file should be, a file it may not read
                problem = f"{e.filename}: {e.strerror}"
            elif isinstance(e, UnicodeDecodeError):
                problem = f"not UTF-8 text (byte {e.start})"
            raise CommandError(f"{where}: {problem}" if where else problem, returncode=2) from None
        for name, why in skipped.items():
            self.stdout.write(self.style.WARNING(f"skipped {name}: {why}"))
        if not nornir_inventory.hosts:
            also = f" ({len(skipped)} NetBox devices skipped)" if skipped else ""
            raise CommandError(f"no hosts to discover in the {source}{also}", returncode=2)

        width = max(len(h) for h in nornir_inventory.hosts) + 2

        def progress(h: HostReport) -> None:
            if h.outcome == "success":
                what = "created" if h.created else "updated" if h.updated else "unchanged"
                if h.replaced:
                    what += f", replaces serial {h.replaced}"
                line = f"ok      {h.name:<{width}} {h.address:<16} {what} ({h.seconds:.1f} s)"
                self.stdout.write(line)
            else:
                line = f"FAILED  {h.name:<{width}} {h.address:<16} {h.reason}: {h.message}"
                self.stdout.write(self.style.ERROR(line))

        where = "only inside " + ", ".join(prefixes) if prefixes else "any address: DISCOVERY_ALLOW is empty"
        self.stdout.write(
            f"Discovering {len(nornir_inventory.hosts)} hosts from the {source} "
            f"({workers or settings.DISCOVERY_WORKERS} workers{', crawl' if crawl else ''}, {where})"
            + (f"; {len(skipped)} NetBox devices skipped" if skipped else "")
        )
        from collectors import jobs

        jobs.reap()  # runs of processes that died (killed, rebooted) are closed first
        # the lifecycle answers of every asset the run touched are refreshed once, at its end
        with lifecycle_state.deferred():
            report = discover(
                nornir_inventory,
                source=source,
                workers=workers,
                crawl=crawl,
                allow=prefixes,
                depth=depth,
                credentials=creds,
                progress=progress,
            )
        run = report.run
        seconds = (run.finished - run.started).total_seconds()
        self.stdout.write(
            f"Run {run.pk}: {run.hosts_tried} hosts tried, {run.hosts_succeeded} succeeded, "
            f"{run.hosts_failed} failed; {run.assets_created} assets created, {run.assets_updated} updated "
            f"in {seconds:.1f} s" + (f"; {len(skipped)} NetBox devices skipped" if skipped else "")
        )
        if report.failed:
            raise CommandError(
                f"{len(report.failed)} of {run.hosts_tried} hosts failed (the others were saved)",
                returncode=1,
            )

    def _from_netbox(self, creds, filters):
        """NetBox's devices as hosts, the ones skipped, and the run's source; NetBox not configured,
        unreachable or refusing: exit 2 before a run is recorded."""
        from collectors.netbox import seeds

        try:
            client = connection.client(creds)
            nornir_inventory, skipped = seeds.from_netbox(client, creds, filters)
        except (connection.NotConfigured, NetBoxError) as e:
            raise CommandError(f"--from-netbox: {e}", returncode=2) from None
        return nornir_inventory, skipped, seeds.source(client.url, filters)
