"""One discovery run: collect in parallel with Nornir, sync each device as its answer arrives.

Nornir's threaded runner talks to the devices (no database work in its threads); this thread
takes each finished host off a queue and syncs it in its own transaction, so saving overlaps
with collecting. A host that fails is recorded with its reason and nothing of it is written.
With ``crawl``, LLDP neighbours' management addresses inside the allowed prefixes become the
next round's hosts, up to ``depth`` hops from the seeds.

Every round's hosts are checked against the allowed prefixes (DISCOVERY_ALLOW, or ``allow``)
before Nornir starts: a host whose address (or any address its DNS name resolves to) lies outside
is recorded as failed with the reason ``not allowed`` and is never connected to.

A host may answer for several devices (a BMC that manages several systems: ``Collected.others``).
Each is synced in its own transaction; the host's row names the first asset synced and counts the
assets created and updated and the change-log rows over all of them. A device the host answered
for but that could not be recorded (left out by the reader, e.g. a system that answered 404, or
refused by the inventory) costs that device only: the others are saved, and the host is recorded
as failed (with its first asset) and a message that names what is missing and why.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, IntegrityError, models
from django.utils import timezone
from nornir.core import Nornir
from nornir.core.inventory import Host, Inventory
from nornir.core.plugins.connections import ConnectionPluginRegister
from nornir.plugins.runners import ThreadedRunner

from collectors import hostkeys, redfish
from collectors import hosts as host_sources
from collectors.choices import HostOutcome, HostReason, RunStatus, RunTrigger
from collectors.models import DiscoveryHost, DiscoveryRun, DiscoveryShard
from collectors.normalize import DeviceFacts, driver_from_description, in_prefixes
from collectors.sync import Catalogue, sync_device
from collectors.tasks import Collected, Failure, Outcome, collect
from inventory.changelog import change_actor
from inventory.choices import ActorKind

log = logging.getLogger(__name__)
_DONE = object()


def _register_napalm() -> None:
    """Nornir's "napalm" connection is ``collectors.connections.PinnedNapalm`` (nornir_napalm's,
    with Junos' host keys checked), also where nornir_napalm's own was registered before."""
    from collectors.connections import PinnedNapalm

    registered = ConnectionPluginRegister.available.get("napalm")
    if registered is PinnedNapalm:
        return
    if registered is not None:
        ConnectionPluginRegister.deregister("napalm")
    ConnectionPluginRegister.register("napalm", PinnedNapalm)


@dataclass
class HostReport:
    name: str
    address: str
    outcome: str
    reason: str = ""
    message: str = ""
    seconds: float = 0.0
    depth: int = 0
    created: int = 0  # assets created (a host may answer for several devices)
    updated: int = 0
    changes: int = 0
    replaced: str = ""
    asset_id: int | None = None


@dataclass
class RunReport:
    run: DiscoveryRun
    hosts: list[HostReport] = field(default_factory=list)

    @property
    def failed(self) -> list[HostReport]:
        return [h for h in self.hosts if h.outcome != HostOutcome.SUCCESS]


def discover(
    inventory: Inventory,
    *,
    source: str,
    workers: int | None = None,
    crawl: bool = False,
    allow: list[str] | None = None,
    depth: int | None = None,
    credentials: host_sources.Credentials | None = None,
    user=None,
    progress: Callable[[HostReport], None] | None = None,
    trigger: str = RunTrigger.COMMAND,
    schedule=None,
) -> RunReport:
    """Discover every host of ``inventory`` (and, with ``crawl``, what LLDP leads to) in this
    process. ``allow`` (default DISCOVERY_ALLOW) bounds both the crawl and every host connected
    to; empty allows every host (and no crawl). The run beats while it works, so that a killed
    process leaves a run that ``collectors.jobs.reap`` can tell is stale. A prefix that is not
    one raises ``hosts.InventoryError`` before the run starts."""
    from django.conf import settings

    _register_napalm()
    workers = workers or settings.DISCOVERY_WORKERS
    networks = host_sources.allowed_networks(
        allow if allow is not None else settings.DISCOVERY_ALLOW,
        "allowed prefixes" if allow is not None else "DISCOVERY_ALLOW",
    )
    allow = list(allow if allow is not None else settings.DISCOVERY_ALLOW)
    depth = settings.DISCOVERY_CRAWL_DEPTH if depth is None else depth
    credentials = credentials or host_sources.Credentials()
    secrets = credentials.secrets() | {h.password for h in inventory.hosts.values() if h.password}

    now = timezone.now()
    run = DiscoveryRun.objects.create(
        started=now,
        heartbeat=now,
        source=source[:250],
        workers=workers,
        crawl=crawl,
        allowed_prefixes=allow,
        user=user,
        trigger=trigger,
        schedule=schedule,
    )
    report = RunReport(run=run)
    label = f"discovery run {run.pk}"
    if not networks:
        log.warning("%s: no allowed prefixes (DISCOVERY_ALLOW is empty): any address is contacted", label)
    catalogue = Catalogue()
    visited_names: set[str] = set()
    visited_addresses: set[str] = set()
    round_hosts = list(inventory.hosts.values())
    level = 0
    from lifecycle import state as lifecycle_state  # (the app above: imported when used)

    try:
        # each host is synced in a transaction of its own; the lifecycle answers of what changed
        # are refreshed once, at the end of the run (one refresh, not one per host)
        with change_actor(ActorKind.DISCOVERY, label, user=user), Heartbeat(DiscoveryRun, run.pk), \
                lifecycle_state.deferred():
            while round_hosts:
                for h in round_hosts:
                    visited_names.add(h.name)
                    visited_addresses.add(str(h.hostname))
                found = _round(
                    round_hosts,
                    inventory,
                    workers,
                    crawl,
                    secrets,
                    run,
                    report,
                    catalogue,
                    level,
                    label,
                    progress,
                    networks=networks,
                )
                level += 1
                if not crawl or level > depth:
                    break
                round_hosts = _next_hosts(
                    found, allow, visited_names, visited_addresses, credentials, inventory, level
                )
    except BaseException as exc:
        run.status = RunStatus.FAILED
        run.message = f"{type(exc).__name__}: {str(exc)[:400]}"
        _finish(run, report)
        raise
    _finish(run, report)
    return report


def discover_shard(
    shard: DiscoveryShard,
    inventory: Inventory,
    *,
    workers: int | None = None,
    credentials: host_sources.Credentials | None = None,
    progress: Callable[[HostReport], None] | None = None,
) -> RunReport:
    """Discover the hosts of one shard of a distributed run (no crawl): each host is saved in its
    own transaction and recorded against the shard as it arrives. Hosts of the shard that the
    inventory no longer holds are recorded as failed, and so are hosts outside this worker's
    DISCOVERY_ALLOW (never connected to). The caller beats and closes the shard."""
    from django.conf import settings

    # the worker's own setting: the machine that connects decides where it may connect to
    networks = host_sources.allowed_networks(settings.DISCOVERY_ALLOW)
    _register_napalm()
    run = shard.run
    workers = workers or run.workers or settings.DISCOVERY_WORKERS
    credentials = credentials or host_sources.Credentials()
    hosts = [inventory.hosts[n] for n in shard.hosts if n in inventory.hosts]
    secrets = credentials.secrets() | {h.password for h in hosts if h.password}
    report = RunReport(run=run)
    label = f"discovery run {run.pk}"
    if not networks:
        log.warning("%s: DISCOVERY_ALLOW is empty on this worker: any address is contacted", label)
    missing = [n for n in shard.hosts if n not in inventory.hosts]
    for name in missing:
        DiscoveryHost.objects.create(
            run=run,
            shard=shard,
            name=name[:100],
            outcome=HostOutcome.FAILED,
            reason=HostReason.ERROR,
            message="not in the inventory any more (changed after the run was planned)",
        )
        report.hosts.append(
            HostReport(name=name, address="", outcome=HostOutcome.FAILED, reason=HostReason.ERROR)
        )
    if hosts:
        with change_actor(ActorKind.DISCOVERY, label, user=run.user):
            _round(
                hosts,
                inventory,
                workers,
                False,
                secrets,
                run,
                report,
                Catalogue(),
                0,
                label,
                progress,
                shard=shard,
                networks=networks,
            )
    return report


class Heartbeat:
    """While open, a thread stamps ``heartbeat`` on one row every DISCOVERY_HEARTBEAT seconds:
    the sign that the process running a run (or a shard) is alive. On its own DB connection."""

    def __init__(self, model, pk: int, interval: float | None = None) -> None:
        from django.conf import settings

        self.model, self.pk = model, pk
        self.interval = interval if interval is not None else settings.DISCOVERY_HEARTBEAT
        self.stopping = threading.Event()
        self.thread = threading.Thread(
            target=self._beat, name=f"heartbeat-{model.__name__}-{pk}", daemon=True
        )

    def _beat(self) -> None:
        from django.db import connection

        try:
            while not self.stopping.wait(self.interval):
                try:
                    self.model.objects.filter(pk=self.pk).update(heartbeat=timezone.now())
                except DatabaseError as exc:  # a busy database: the next beat will do
                    log.warning("heartbeat of %s %s not written: %s", self.model.__name__, self.pk, exc)
        finally:
            connection.close()

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.thread.join()


def _finish(run: DiscoveryRun, report: RunReport) -> None:
    run.finished = timezone.now()
    run.hosts_tried = len(report.hosts)
    run.hosts_failed = len(report.failed)
    run.hosts_succeeded = run.hosts_tried - run.hosts_failed
    run.assets_created = sum(h.created for h in report.hosts)
    run.assets_updated = sum(h.updated for h in report.hosts)
    if run.status != RunStatus.FAILED:
        run.status = RunStatus.PARTIAL if run.hosts_failed else RunStatus.COMPLETED
    # not the heartbeat: the heartbeat thread owns that column
    run.save(
        update_fields=[
            f.name for f in DiscoveryRun._meta.concrete_fields if f.name not in ("id", "heartbeat")
        ]
    )


def _round(
    hosts: list[Host],
    inventory: Inventory,
    workers: int,
    crawl: bool,
    secrets: set[str],
    run: DiscoveryRun,
    report: RunReport,
    catalogue: Catalogue,
    level: int,
    label: str,
    progress,
    shard: DiscoveryShard | None = None,
    networks: list[host_sources.Network] | None = None,
) -> list[tuple[Host, Collected]]:
    """Collect ``hosts`` in parallel; sync each as it arrives. Returns the successes. Hosts
    outside ``networks`` are recorded as ``not allowed`` first and left out of the Nornir run."""
    hosts = _refuse_outside(
        hosts, networks or [], workers, run, report, catalogue, level, label, progress, shard
    )
    if not hosts:
        return []
    for h in hosts:  # plain-HTTP BMCs: this installation's decision, whatever the inventory says
        h.data["allow_http"] = settings.DISCOVERY_BMC_ALLOW_HTTP
    with tempfile.TemporaryDirectory(prefix="werterhalt-hostkeys-") as keys_dir:
        known = _pin_host_keys(hosts, Path(keys_dir))
        return _collect_round(hosts, known, workers, crawl, secrets, run, report, catalogue, level,
                              label, progress, shard)


def _pin_host_keys(hosts: list[Host], directory: Path) -> dict[str, tuple[Path, str, int]]:
    """Each SSH host gets a known_hosts file with its stored key, and its client is told to check
    the server's key against it (``collectors.hostkeys``): netmiko's through ``alt_key_file``,
    Junos' PyEZ through an ssh config naming the file and ``hostkey_verify``
    (``collectors.connections``, and ``collectors.tasks.check_host_key`` before the login).
    Returns host name -> (file, address, port)."""
    known = {}
    for slot, h in enumerate(hosts):
        opts = h.connection_options.get("napalm")
        if h.platform not in hostkeys.PINNED_DRIVERS or opts is None or opts.extras is None:
            continue
        address, port = str(h.hostname or ""), int(h.port or 22)
        path = hostkeys.prepare(directory, address, port, slot)
        optional_args = opts.extras.setdefault("optional_args", {})
        if h.platform in hostkeys.NETMIKO_DRIVERS:
            optional_args.update(
                ssh_strict=False,  # an unknown host's key is added to its file (trust on first use)
                system_host_keys=False, alt_host_keys=True, alt_key_file=str(path),
            )
        else:  # an unknown host's key is added to its file by the check before the login
            optional_args.update(ssh_config_file=str(hostkeys.ssh_config(path)), hostkey_verify=True)
        known[h.name] = (path, address, port)
    return known


def _collect_round(hosts, known, workers, crawl, secrets, run, report, catalogue, level, label, progress,
                   shard) -> list[tuple[Host, Collected]]:
    round_inventory = host_sources.from_hosts(hosts)
    nr = Nornir(inventory=round_inventory, runner=ThreadedRunner(num_workers=workers))
    outcomes: queue.Queue = queue.Queue()
    errors: list[BaseException] = []

    def collect_all() -> None:
        try:
            nr.run(
                task=collect,
                sink=outcomes.put,
                lldp_addresses=crawl,
                secrets=secrets,
                on_failed=True,
                name="discover",
            )
        except BaseException as exc:  # a bug in the runner itself: surface it in the caller
            errors.append(exc)
        finally:
            outcomes.put(_DONE)

    worker = threading.Thread(target=collect_all, name=f"discovery-{run.pk}", daemon=True)
    worker.start()
    by_name = {h.name: h for h in hosts}
    found: list[tuple[Host, Collected]] = []
    while True:
        item = outcomes.get()
        if item is _DONE:
            break
        host = by_name[item.host]
        if item.host in known:
            path, address, port = known[item.host]
            if isinstance(item, Failure) and item.offered_key:
                hostkeys.offered(address, port, *item.offered_key)
            else:
                hostkeys.learn(path, address, port)
        hr = _record(item, host, run, catalogue, level, label, shard)
        report.hosts.append(hr)
        if isinstance(item, Collected) and hr.outcome == HostOutcome.SUCCESS:
            found.append((host, item))
        if progress:
            progress(hr)
    worker.join()
    if errors:
        raise errors[0]
    return found


def _refuse_outside(
    hosts: list[Host],
    networks: list[host_sources.Network],
    workers: int,
    run: DiscoveryRun,
    report: RunReport,
    catalogue: Catalogue,
    level: int,
    label: str,
    progress,
    shard: DiscoveryShard | None,
) -> list[Host]:
    """The hosts discovery may connect to; the others are recorded as failed (``not allowed``).
    DNS names are resolved here, in parallel, before any connection is opened."""
    if not networks:
        return hosts

    def check(host: Host) -> tuple[str, float]:
        started = time.monotonic()
        return host_sources.refusal(str(host.hostname or ""), networks), time.monotonic() - started

    with ThreadPoolExecutor(max_workers=max(1, min(workers, 32, len(hosts)))) as pool:
        verdicts = list(pool.map(check, hosts))
    allowed = []
    for host, (why, seconds) in zip(hosts, verdicts, strict=True):
        if not why:
            allowed.append(host)
            continue
        log.warning("%s: %s not contacted: %s", label, host.name, why)
        item = Failure(host=host.name, reason=host_sources.NOT_ALLOWED, message=why, seconds=seconds)
        hr = _record(item, host, run, catalogue, level, label, shard)
        report.hosts.append(hr)
        if progress:
            progress(hr)
    return allowed


def _record(
    item: Outcome,
    host: Host,
    run: DiscoveryRun,
    catalogue: Catalogue,
    level: int,
    label: str,
    shard: DiscoveryShard | None = None,
) -> HostReport:
    address = str(host.hostname or "")
    hr = HostReport(
        name=host.name, address=address, outcome=HostOutcome.FAILED, seconds=item.seconds, depth=level
    )
    found_via = str(host.data.get("found_via", "")) if host.data else ""
    if isinstance(item, Failure):
        hr.reason, hr.message = item.reason, item.message
    else:
        started = time.monotonic()
        _sync_all(item, host, address, hr, catalogue, label)
        hr.seconds += time.monotonic() - started
    # host names are unique within a run (Nornir's inventory keys; crawl skips visited names)
    DiscoveryHost.objects.create(
        run=run,
        name=host.name[:100],
        address=address[:255],
        driver=host.platform or "",
        depth=level,
        found_via=found_via[:100],
        outcome=hr.outcome,
        reason=hr.reason,
        message=hr.message[:500],
        asset_id=hr.asset_id,
        changes=hr.changes,
        seconds=round(hr.seconds, 3),
        created=hr.created > 0,
        updated=hr.updated > 0,
        shard=shard,
    )
    if shard is not None:
        DiscoveryShard.objects.filter(pk=shard.pk).update(
            hosts_done=models.F("hosts_done") + 1, heartbeat=timezone.now()
        )
    return hr


def _named(devices: list[DeviceFacts], host_name: str) -> list[DeviceFacts]:
    """The devices, each with a name (sync names an asset by ``hostname``): a device that names no
    host (a BMC without the OS agent) is named as the inventory names the host; when the host
    answers for several systems, each system so named gets its system Id appended (``srv-encl
    Blade2``) — also when some of them were left out, so a name stays with its system. Names
    several devices share get their system Id (or their position) appended: the same name at the
    same address would make sync take one for the replacement of the other."""
    base = host_name.split("#")[0]
    several = len(devices) > 1 or any(int(d.details.get(redfish.SYSTEMS_LISTED) or 1) > 1 for d in devices)
    named = []
    for d in devices:
        system = d.details.get(redfish.SYSTEM_ID, "")
        if not d.hostname:
            d = dataclasses.replace(d, hostname=f"{base} {system}" if several and system else base)
        named.append(d)
    counts: dict[str, int] = {}
    for d in named:
        counts[d.hostname.casefold()] = counts.get(d.hostname.casefold(), 0) + 1
    return [
        dataclasses.replace(d, hostname=f"{d.hostname} {d.details.get(redfish.SYSTEM_ID) or position}")
        if counts[d.hostname.casefold()] > 1 else d
        for position, d in enumerate(named, start=1)
    ]


def _sync_all(item: Collected, host: Host, address: str, hr: HostReport, catalogue: Catalogue,
              label: str) -> None:
    """Sync every device of a collected host, each in its own transaction, into ``hr``: success
    when every device the host answered for was saved; otherwise failed with the reason of the
    first device that was not (the inventory's refusal, an error, or what the reader left out),
    still naming the first asset saved and counting what was saved."""
    devices = _named([item.facts, *item.others], host.name)
    problems: list[tuple[str, str]] = []  # (reason, message) per device not saved
    replaced = []
    for facts in devices:
        who = f"{facts.hostname} ({facts.serial})" if len(devices) > 1 else ""
        try:
            result = _sync(facts, address, catalogue, label)
        except (IntegrityError, DatabaseError) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            problems.append((HostReason.CONFLICT, f"{who + ' ' if who else ''}not saved, the inventory "
                                                  f"refused it: {first[:300 - len(who)]}"))
            catalogue.reload()  # the rolled-back transaction may have held new catalogue rows
            continue
        except Exception as exc:  # a bug must cost one device, not the run; it is logged in full
            log.exception("sync of %s failed in %s", host.name, label)
            problems.append((HostReason.ERROR, f"{who + ' ' if who else ''}not saved: "
                                               f"{type(exc).__name__}: {str(exc)[:300]}"))
            catalogue.reload()
            continue
        hr.created += result.created
        hr.updated += result.updated
        hr.changes += result.changes
        if hr.asset_id is None:
            hr.asset_id = result.asset.pk
        if result.replaced:
            replaced.append(result.replaced.serial)
    hr.replaced = ", ".join(replaced)[:100]
    saved = len(devices) - len(problems)
    left_out = item.facts.details.get(redfish.SKIPPED, "")
    if left_out:  # systems the reader could not make into devices: after the inventory's refusals
        problems.append((HostReason.UNPARSABLE, f"systems not recorded: {left_out}"))
    several = len(devices) > 1
    missing = [
        f"{d.hostname}: {d.details[redfish.MISSING]}" if several else d.details[redfish.MISSING]
        for d in devices
        if d.details.get(redfish.MISSING)
    ]
    notes = [message for _, message in problems]
    if missing:
        notes.append("skipped, not found (HTTP 404): " + "; ".join(missing))
    if problems:
        hr.outcome, hr.reason = HostOutcome.FAILED, problems[0][0]
        if saved:
            listed = max(int(d.details.get(redfish.SYSTEMS_LISTED) or 1) for d in devices)
            notes.insert(0, f"{saved} of {max(listed, len(devices))} systems recorded")
    else:
        hr.outcome = HostOutcome.SUCCESS
        if several:
            notes.insert(0, f"{saved} systems recorded")
    hr.message = "; ".join(notes)


def _sync(facts: DeviceFacts, address: str, catalogue: Catalogue, label: str):
    """Upsert keyed on (manufacturer, serial), guarded by the database's unique constraint: when
    another run (another worker) inserted the same device first, this transaction fails on the
    constraint and rolls back; the next attempt finds that row and updates it. A conflict that
    persists is raised."""
    for attempt in range(3):
        try:
            return sync_device(
                facts, address=address, now=timezone.now(), catalogue=catalogue, run_label=label
            )
        except IntegrityError:
            if attempt == 2:
                raise
            catalogue.reload()  # the rolled-back transaction may have held new catalogue rows


def _next_hosts(
    found: list[tuple[Host, Collected]],
    allow: list[str],
    visited_names: set[str],
    visited_addresses: set[str],
    credentials,
    inventory: Inventory,
    level: int,
) -> list[Host]:
    """Neighbours not yet visited whose management address lies inside an allowed prefix."""
    port = _common_port(inventory)
    nxt: dict[str, Host] = {}
    for host, collected in found:
        for nb in collected.facts.neighbours:
            if not nb.address or nb.address in visited_addresses or not in_prefixes(nb.address, allow):
                continue
            name = nb.name or nb.address
            if name in visited_names or name in nxt:
                continue
            driver = driver_from_description(nb.description) or "unknown"
            h = host_sources.make_host(name, nb.address, driver, credentials, port=port)
            h.data = {"found_via": host.name}
            nxt[name] = h
            visited_addresses.add(nb.address)
    return list(nxt.values())


def _common_port(inventory: Inventory) -> int | None:
    """Hosts found by crawl are reached on the port the inventory's hosts use when they all agree
    (a lab, or a network that moved SSH), else on DISCOVERY_SSH_PORT."""
    from django.conf import settings

    ports = {h.port for h in inventory.hosts.values() if h.port}
    if len(ports) == 1:
        return ports.pop()
    return inventory.defaults.port or settings.DISCOVERY_SSH_PORT
