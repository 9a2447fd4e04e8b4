"""``manage.py netbox pull|push|status``: the two-way sync with NetBox from the command line (issue #18).

The work is done by ``collectors.netbox.pull`` / ``push``; this command reads the connection from
the secrets file (or NETBOX_URL / NETBOX_TOKEN), runs one of them and says what the run did. The
token is never printed: NetBox's messages name its URL only.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, no_translations
from django.db.models import Count
from django.utils import timezone

from collectors import hosts as host_sources
from collectors.choices import HostOutcome, NetBoxKind, RunStatus
from collectors.models import DiscoveryHost, DiscoveryRun, NetBoxLink, NetBoxSettings
from collectors.netbox import connection
from collectors.netbox.client import NetBoxClient, NetBoxError
from werterhalt import options as argtypes

STATUS_TIMEOUT = 10.0  # seconds `status` waits for NetBox's answer


def _usage_errors_exit_2(parser) -> None:
    """A subcommand's parser refuses bad usage with exit status 2 under ``call_command`` too (as
    ``UsageErrorMixin`` does for the command's own parser)."""
    refuse = parser.error

    def error(message):
        try:
            refuse(message)
        except CommandError as e:
            e.returncode = 2
            raise

    parser.error = error


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"


def _yes(value: bool) -> str:
    return "yes" if value else "no"


class PullSummary:
    """What one pull run did, counted from its host records: devices read (one host each), and
    the assets decommissioned because their device is gone. Those hosts are told apart by their
    links, which the pull marks gone at its ``now`` (``run.started`` when pull creates the run, as
    here; ``jobs.execute_netbox`` passes ``now=run.started``). Pull records no reason code for
    them, and the message text is not read back."""

    def __init__(self, run: DiscoveryRun):
        gone_ids = NetBoxLink.objects.filter(kind=NetBoxKind.DEVICE, gone=run.started).values_list(
            "netbox_id", flat=True
        )
        gone_via = {f"NetBox device {n}" for n in gone_ids}  # as pull records a host's origin
        hosts = list(DiscoveryHost.objects.filter(run=run).order_by("pk"))
        gone = [h for h in hosts if h.found_via in gone_via]
        devices = [h for h in hosts if h.found_via not in gone_via]
        self.failed = [h for h in devices if h.outcome != HostOutcome.SUCCESS]
        self.read = len(devices)
        self.created = sum(1 for h in devices if h.created)
        self.updated = sum(1 for h in devices if h.updated and not h.created)
        self.unchanged = self.read - self.created - self.updated - len(self.failed)
        self.gone = len(gone)
        self.decommissioned = sum(1 for h in gone if h.updated)


class Command(argtypes.UsageErrorMixin, BaseCommand):
    help = (
        "Sync with NetBox. pull: NetBox's sites, units, models and devices into the inventory "
        "(--filter narrows the devices; a full pull decommissions devices deleted in NetBox); push: "
        "each linked device's lifecycle answers into NetBox's werterhalt_* custom fields; status: "
        "the connection, the mapping, the links and the last runs. The URL and token come from the "
        "secrets file's netbox block (or NETBOX_URL / NETBOX_TOKEN). Exit 0: done; 1: some devices "
        "failed or conflicted (the others were saved); 2: bad usage, or NetBox not configured, "
        "unreachable or refusing (nothing written)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{pull,push,status}")
        pull = sub.add_parser("pull", help="pull NetBox's inventory into Werterhalt")
        connection.add_filter_argument(
            pull, "only these NetBox devices, e.g. site=zentrale role=core-switch; a filtered pull "
            "decommissions nothing"
        )
        push = sub.add_parser("push", help="push lifecycle answers into NetBox's custom fields")
        status = sub.add_parser("status", help="connection, mapping, links and the last runs")
        for each in (pull, push, status):
            each.add_argument(
                "--secrets",
                metavar="FILE",
                type=argtypes.readable_file,
                help="secrets YAML with the netbox block (default DEVICE_SECRETS_FILE)",
            )
            _usage_errors_exit_2(each)

    @no_translations  # English output whatever language a caller had active (cron logs, scripts)
    def handle(self, *args, subcommand, secrets=None, filters=(), **options):
        if subcommand == "status":
            return self.status(secrets)
        try:
            parsed = connection.parse_filters(filters or [])
        except ValueError as e:
            raise CommandError(f"--filter: {e}", returncode=2) from None
        client = self._client(secrets)
        if subcommand == "pull":
            self.pull(client, parsed)
        else:
            self.push(client)

    # -- the connection ---------------------------------------------------------------------------

    def _client(self, secrets) -> NetBoxClient:
        where = "--secrets" if secrets else "DEVICE_SECRETS_FILE"
        try:
            creds = host_sources.load_credentials(secrets)
        except host_sources.InventoryError as e:
            raise CommandError(f"{where}: {e}", returncode=2) from None
        try:
            return connection.client(creds)
        except connection.NotConfigured as e:
            raise CommandError(str(e), returncode=2) from None

    # -- pull and push ----------------------------------------------------------------------------

    def pull(self, client: NetBoxClient, filters: dict[str, list[str]]) -> None:
        from collectors import jobs
        from collectors.netbox.pull import pull
        from lifecycle import state as lifecycle_state

        what = f" ({connection.describe(filters)})" if filters else ""
        self.stdout.write(f"Pulling from NetBox at {client.url}{what}")
        jobs.reap()  # runs of processes that died are closed first
        # the lifecycle answers of every asset the pull touched are refreshed once, at its end
        with lifecycle_state.deferred():
            run = pull(client, filters=filters or None)
        self._failed(run, client)
        summary = PullSummary(run)
        for host in summary.failed:
            reason = host.get_reason_display() if host.reason else host.get_outcome_display()
            self.stdout.write(self.style.ERROR(f"FAILED  {host.name:<30} {reason}: {host.message}"))
        self.stdout.write(
            f"Run {run.pk} ({run.get_absolute_url()}): {run.get_status_display()}; "
            f"{summary.read} devices read, {summary.created} created, {summary.updated} updated, "
            f"{summary.unchanged} unchanged, {len(summary.failed)} conflicts/failed, "
            f"{summary.decommissioned} decommissioned"
            + (f" ({summary.gone} deleted in NetBox)" if summary.gone != summary.decommissioned else "")
        )
        if run.message:
            self.stdout.write(run.message)
        if run.status != RunStatus.COMPLETED:
            raise CommandError(
                f"{len(summary.failed)} of {summary.read} devices conflicted or failed (the others were "
                f"saved); see run {run.pk}",
                returncode=1,
            )

    def push(self, client: NetBoxClient) -> None:
        from collectors.netbox.push import push

        self.stdout.write(f"Pushing to NetBox at {client.url}")
        run = push(client)
        self._failed(run, client)
        hosts = DiscoveryHost.objects.filter(run=run)
        failed = list(hosts.exclude(outcome=HostOutcome.SUCCESS).order_by("pk"))
        for host in failed:
            self.stdout.write(self.style.ERROR(f"FAILED  {host.name:<30} {host.message}"))
        written = hosts.filter(updated=True, outcome=HostOutcome.SUCCESS).count()
        devices = hosts.count()
        self.stdout.write(
            f"Run {run.pk} ({run.get_absolute_url()}): {run.get_status_display()}; "
            f"{devices} linked devices read, 0 created, {written} updated, "
            f"{devices - written - len(failed)} unchanged, {len(failed)} failed, 0 decommissioned"
        )
        if run.message:
            self.stdout.write(run.message)
        if run.status != RunStatus.COMPLETED:
            raise CommandError(f"{len(failed)} of {devices} devices failed; see run {run.pk}", returncode=1)

    @staticmethod
    def _failed(run: DiscoveryRun, client: NetBoxClient) -> None:
        """A run that failed as a whole (unreachable, token refused): exit 2 naming the URL."""
        if run.status != RunStatus.FAILED:
            return
        message = run.message or "failed"
        if client.url not in message:
            message = f"NetBox at {client.url}: {message}"
        raise CommandError(f"run {run.pk} failed: {message}", returncode=2)

    # -- status -----------------------------------------------------------------------------------

    def status(self, secrets) -> None:
        out = self.stdout.write
        problem = ""
        client = None
        try:
            client = self._client(secrets)
        except CommandError as e:
            problem = str(e)
        if client is not None:
            out(f"NetBox:   {client.url} (token: set)")
            client.timeout = min(client.timeout, STATUS_TIMEOUT)
            try:
                answer = client.status()
            except NetBoxError as e:
                problem = str(e)
                out(f"answers:  no: {e}")
            else:
                out(f"answers:  yes, NetBox {answer.get('netbox-version', '?')}")
        else:
            out("NetBox:   not configured")

        options = NetBoxSettings.load()
        parent = options.org_unit_parent
        out(
            f"mapping:  org units from {options.org_units_from}"
            f" under {parent.name if parent else '(top level)'}; "
            f"decommission deleted devices: {_yes(options.decommission_deleted)}; "
            f"push EoX dates to device types: {_yes(options.push_device_types)}"
        )
        linked = dict(
            NetBoxLink.objects.filter(gone__isnull=True)
            .order_by()
            .values("kind")
            .annotate(n=Count("pk"))
            .values_list("kind", "n")
        )
        counts = ", ".join(f"{linked.get(kind, 0)} {label}" for kind, label in _KINDS)
        out(f"linked:   {counts}")
        gone = NetBoxLink.objects.filter(kind=NetBoxKind.DEVICE, gone__isnull=False).count()
        out(f"gone:     {gone} devices deleted in NetBox")
        for what in ("pull", "push"):
            run = (
                DiscoveryRun.objects.filter(action=f"netbox-{what}")
                .order_by("-started", "-pk")
                .first()
            )
            if run is None:
                out(f"last {what}: never")
                continue
            out(
                f"last {what}: run {run.pk} ({run.get_absolute_url()}) {_when(run.started)} "
                f"{run.get_status_display()}; "
                f"{run.hosts_tried} devices, {run.assets_created} created, {run.assets_updated} updated, "
                f"{run.hosts_failed} failed" + (f"; {run.message.splitlines()[0]}" if run.message else "")
            )
        if problem:
            raise CommandError(problem, returncode=2)


# the kinds of link status counts, with the word for them (English: the command's output)
_KINDS = (
    (NetBoxKind.TENANT, "tenants"),
    (NetBoxKind.REGION, "regions"),
    (NetBoxKind.SITE_GROUP, "site groups"),
    (NetBoxKind.SITE, "sites"),
    (NetBoxKind.MANUFACTURER, "manufacturers"),
    (NetBoxKind.DEVICE_TYPE, "device types"),
    (NetBoxKind.PLATFORM, "platforms"),
    (NetBoxKind.DEVICE, "devices"),
)
