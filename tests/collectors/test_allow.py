"""Targets only where allowed (#14): DISCOVERY_ALLOW (or `discover --allow`) bounds every address
discovery connects to. A host outside - an asset an engineer pointed at a machine of their own, a
folder entry, a DNS name that resolves outside or not at all - fails as "not allowed" and is never
contacted: a plain TCP listener on loopback (the trap) proves that no connection reached it."""

import io
import select
import socket
import threading

import pytest
import yaml
from django.core import checks
from django.core.management import CommandError, call_command

from collectors import hosts as host_sources
from collectors import jobs
from collectors.choices import HostOutcome, RunStatus, RunTrigger
from collectors.lab import topology
from collectors.models import DiscoveryHost, DiscoveryRun, DiscoverySchedule
from collectors.runner import discover
from tests.factories import AssetFactory, PlatformFactory, SiteFactory

NOT_ALLOWED = "not allowed"
TRAP_ADDRESS = "127.79.0.1"  # loopback, outside the lab's 127.77.0.0/16 and its outside 127.78.0.0/16


class Trap:
    """A TCP listener that accepts and at once closes every connection, counting them. Closing at
    once lets an allowed client fail fast (no banner wait); ``close`` takes what is still in the
    backlog, so a connection made before it is counted whether or not the thread saw it."""

    def __init__(self, address: str) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((address, 0))
        self.sock.listen(64)
        self.sock.setblocking(False)
        self.address, self.port = self.sock.getsockname()
        self.accepted = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _take(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            conn.close()
            self.accepted += 1

    def _serve(self) -> None:
        while not self.stopping.is_set():
            ready, _, _ = select.select([self.sock], [], [], 0.05)
            if ready:
                self._take()

    def connections(self) -> int:
        """Every connection made so far (call after the run returned)."""
        self.stopping.set()
        self.thread.join()
        self._take()
        return self.accepted

    def close(self) -> None:
        self.stopping.set()
        self.thread.join()
        self.sock.close()


@pytest.fixture
def trap():
    t = Trap(TRAP_ADDRESS)
    yield t
    t.close()


@pytest.fixture
def local_trap():
    """On 127.0.0.1, where ``localhost`` resolves to (outside the lab prefix)."""
    t = Trap("127.0.0.1")
    yield t
    t.close()


@pytest.fixture
def secrets_file(lab_inventory, settings):
    path = lab_inventory.parent / "secrets.yaml"
    settings.DEVICE_SECRETS_FILE = str(path)
    return path


def ios_device(lab_devices):
    return next(d for d in lab_devices if d.driver == "ios" and not d.broken and d.role == "access")


# --- 1, 2: assets an engineer made, run through a schedule ("Run now") ---------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "allow, contacted",
    [
        (["10.0.0.0/8"], False),  # the attack: an address of the engineer's, outside the prefixes
        ([f"{TRAP_ADDRESS}/32"], True),  # control: allowed, the trap does see discovery come
    ],
)
def test_an_asset_outside_the_allowed_prefixes_is_never_contacted(
    settings, secrets_file, trap, allow, contacted
):
    settings.DISCOVERY_ALLOW = allow
    settings.DISCOVERY_SSH_PORT = trap.port
    site = SiteFactory(slug="engineers-desk")
    ios = PlatformFactory(slug="cisco-ios", name="Cisco IOS", napalm_driver="ios")
    AssetFactory(name="my-laptop", site=site, platform=ios, management_address=TRAP_ADDRESS)
    schedule = DiscoverySchedule.objects.create(name="mine", interval=60, asset_filter="site=engineers-desk")

    run = jobs.start_run(schedule, trigger=RunTrigger.MANUAL, inline=True)

    host = DiscoveryHost.objects.get(run=run)
    assert host.name == "my-laptop" and host.address == TRAP_ADDRESS
    assert host.outcome == HostOutcome.FAILED
    if contacted:
        assert host.reason != NOT_ALLOWED
        assert trap.connections() >= 1
    else:
        assert host.reason == NOT_ALLOWED
        assert TRAP_ADDRESS in host.message and "10.0.0.0/8" in host.message
        assert topology.PASSWORD not in host.message
        assert trap.connections() == 0
    assert run.hosts_failed == 1 and run.allowed_prefixes == allow


@pytest.mark.django_db
def test_an_asset_inside_the_prefix_is_discovered_and_its_neighbour_outside_is_not(
    settings, secrets_file, lab_devices, trap
):
    device = ios_device(lab_devices)
    settings.DISCOVERY_ALLOW = [topology.LAB_PREFIX]
    settings.DISCOVERY_SSH_PORT = device.port
    site = SiteFactory(slug="campus")
    ios = PlatformFactory(slug="cisco-ios", name="Cisco IOS", napalm_driver="ios")
    AssetFactory(name=device.name, site=site, platform=ios, management_address=device.address)
    AssetFactory(name="my-laptop", site=site, platform=ios, management_address=TRAP_ADDRESS)
    schedule = DiscoverySchedule.objects.create(name="campus", interval=60, asset_filter="site=campus")

    run = jobs.start_run(schedule, trigger=RunTrigger.MANUAL, inline=True)

    by_name = {h.name: h for h in DiscoveryHost.objects.filter(run=run)}
    assert by_name[device.name].outcome == HostOutcome.SUCCESS, by_name[device.name].message
    assert by_name[device.name].asset is not None
    assert by_name[device.name].asset.serial == device.serial
    assert (by_name["my-laptop"].outcome, by_name["my-laptop"].reason) == (HostOutcome.FAILED, NOT_ALLOWED)
    assert run.status == RunStatus.PARTIAL and (run.hosts_succeeded, run.hosts_failed) == (1, 1)
    assert trap.connections() == 0


@pytest.mark.django_db
def test_hosts_from_the_database_are_checked_when_run_directly(settings, lab_devices, credentials, trap):
    settings.DISCOVERY_ALLOW = ["10.0.0.0/8"]
    settings.DISCOVERY_SSH_PORT = trap.port
    ios = PlatformFactory(slug="cisco-ios", name="Cisco IOS", napalm_driver="ios")
    AssetFactory(name="my-laptop", platform=ios, management_address=TRAP_ADDRESS)

    report = discover(host_sources.from_database(credentials), source="test", credentials=credentials)

    [hr] = report.hosts
    assert (hr.outcome, hr.reason) == (HostOutcome.FAILED, NOT_ALLOWED)
    assert DiscoveryHost.objects.get(run=report.run).reason == NOT_ALLOWED
    assert trap.connections() == 0


# --- 3: inventory folders, DNS names ---------------------------------------------------------------


def write_folder(folder, lab_devices, trap, local_trap):
    """The lab's ios device, the trap by address, a name that resolves outside, one that does not."""
    device = ios_device(lab_devices)
    folder.mkdir()
    hosts = {
        device.name: {"hostname": device.address, "port": device.port, "platform": "ios"},
        "trap": {"hostname": TRAP_ADDRESS, "port": trap.port, "platform": "ios"},
        "by-name": {"hostname": "localhost", "port": local_trap.port, "platform": "ios"},
        "ghost": {"hostname": "no-such-host.invalid", "port": trap.port, "platform": "ios"},
    }
    (folder / "hosts.yaml").write_text(yaml.safe_dump(hosts))
    return device


@pytest.mark.django_db
def test_folder_hosts_and_dns_names_are_checked_too(
    settings, tmp_path, lab_devices, credentials, trap, local_trap
):
    settings.DISCOVERY_ALLOW = [topology.LAB_PREFIX]
    device = write_folder(tmp_path / "inv", lab_devices, trap, local_trap)
    inventory = host_sources.from_folder(tmp_path / "inv", credentials)

    report = discover(inventory, source="test", credentials=credentials)

    rows = {h.name: h for h in DiscoveryHost.objects.filter(run=report.run)}
    assert rows[device.name].outcome == HostOutcome.SUCCESS, rows[device.name].message
    for name in ("trap", "by-name", "ghost"):
        assert (rows[name].outcome, rows[name].reason) == (HostOutcome.FAILED, NOT_ALLOWED), name
    assert "could not be resolved" in rows["ghost"].message
    assert "localhost resolves to" in rows["by-name"].message
    assert trap.connections() == 0 and local_trap.connections() == 0


@pytest.mark.django_db
def test_the_command_checks_targets_against_its_allow(
    settings, tmp_path, lab_devices, lab_inventory, trap, local_trap
):
    settings.DISCOVERY_ALLOW = []  # --allow alone bounds the run
    device = write_folder(tmp_path / "inv", lab_devices, trap, local_trap)
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command(
            "discover",
            "--inventory",
            str(tmp_path / "inv"),
            "--secrets",
            str(lab_inventory.parent / "secrets.yaml"),
            "--allow",
            topology.LAB_PREFIX,
            stdout=out,
        )
    assert failed.value.returncode == 1 and "3 of 4 hosts failed" in str(failed.value)
    lines = out.getvalue().splitlines()
    assert any(ln.startswith("ok ") and device.name in ln for ln in lines)
    refused = [ln for ln in lines if ln.startswith("FAILED ") and f" {NOT_ALLOWED}: " in ln]
    assert {ln.split()[1] for ln in refused} == {"trap", "by-name", "ghost"}
    assert f"only inside {topology.LAB_PREFIX}" in lines[0]
    assert DiscoveryRun.objects.get().allowed_prefixes == [topology.LAB_PREFIX]
    assert trap.connections() == 0 and local_trap.connections() == 0


@pytest.mark.django_db
def test_empty_allow_keeps_todays_behaviour(settings, trap, credentials):
    """Existing installs: nothing set, every address is contacted (and the system check warns)."""
    settings.DISCOVERY_ALLOW = []
    inv = host_sources.from_hosts(
        [host_sources.make_host("trap", TRAP_ADDRESS, "ios", credentials, port=trap.port)]
    )
    report = discover(inv, source="test", credentials=credentials)
    assert report.hosts[0].reason != NOT_ALLOWED
    assert trap.connections() >= 1


# --- the check itself ------------------------------------------------------------------------------


def fake_resolver(answers):
    def resolve(name):
        if answers is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return answers

    return resolve


@pytest.mark.parametrize(
    "hostname, answers, refused",
    [
        ("10.1.2.3", None, False),
        ("10.1.2.3%eth0", None, True),  # not an address: resolved, and the fake knows nothing
        ("192.168.1.1", None, True),
        ("sw.example", ["10.0.0.5"], False),
        ("sw.example", ["10.0.0.5", "203.0.113.9"], True),  # any address outside: refused
        ("sw.example", ["fe80::1%eth0"], True),
        ("sw.example", None, True),
        ("sw.example", [], True),
        ("2001:db8::1", None, False),
        ("", None, True),
    ],
)
def test_refusal(hostname, answers, refused):
    networks = host_sources.allowed_networks(["10.0.0.0/8", "2001:db8::/32"])
    why = host_sources.refusal(hostname, networks, resolve=fake_resolver(answers))
    assert bool(why) is refused, why


def test_no_prefixes_allow_everything_without_resolving():
    def resolve(name):
        raise AssertionError("resolved although nothing is checked")

    assert host_sources.refusal("anything.example", [], resolve=resolve) == ""


@pytest.mark.parametrize("value", [["10.0.0.300/8"], ["10.0.0.0/8", "nonsense"], "10.0.0.0/8"])
def test_a_bad_prefix_stops_discovery_before_any_host(db, settings, credentials, trap, value):
    settings.DISCOVERY_ALLOW = value
    inv = host_sources.from_hosts(
        [host_sources.make_host("trap", TRAP_ADDRESS, "ios", credentials, port=trap.port)]
    )
    with pytest.raises(host_sources.InventoryError, match="DISCOVERY_ALLOW"):
        discover(inv, source="test", credentials=credentials)
    assert not DiscoveryRun.objects.exists()
    schedule = DiscoverySchedule.objects.create(name="any", interval=60, asset_filter="")
    run = jobs.start_run(schedule, inline=True)
    assert run.status == RunStatus.FAILED and "DISCOVERY_ALLOW" in run.message
    assert trap.connections() == 0


# --- 4: the system check -----------------------------------------------------------------------------


def ids(messages):
    return {m.id for m in messages if m.id.startswith("collectors.")}


@pytest.mark.django_db
def test_system_check_warns_when_empty_and_is_silent_when_set(settings):
    """Unset, with hosts in the database that discovery would reach: W001. A fresh install
    (nothing entered yet) gets no warning, so that ``check --deploy`` is clean there."""
    settings.DISCOVERY_ALLOW = []
    assert ids(checks.run_checks(include_deployment_checks=True)) == set()
    AssetFactory(management_address="192.0.2.1")
    warned = checks.run_checks(include_deployment_checks=True)
    assert ids(warned) == {"collectors.W001"}
    [w001] = [m for m in warned if m.id == "collectors.W001"]
    assert isinstance(w001, checks.Warning)
    assert w001.msg.startswith("DISCOVERY_ALLOW is not set: discovery connects to any address")
    assert "DISCOVERY_ALLOW=10.0.0.0/8,192.168.0.0/16" in w001.hint

    settings.DISCOVERY_ALLOW = ["10.0.0.0/8", "192.168.0.0/16"]
    assert ids(checks.run_checks(include_deployment_checks=True)) == set()
    assert ids(checks.run_checks()) == set()


@pytest.mark.django_db
def test_a_schedule_alone_is_a_host_in_the_database(settings):
    settings.DISCOVERY_ALLOW = []
    DiscoverySchedule.objects.create(name="nightly", interval=60, asset_filter="")
    assert ids(checks.run_checks(include_deployment_checks=True)) == {"collectors.W001"}


@pytest.mark.django_db
def test_system_check_errors_on_a_bad_prefix_and_warns_on_everything(settings):
    settings.DISCOVERY_ALLOW = ["10.0.0.0/8", "10.0.0.300/8"]
    [error] = [m for m in checks.run_checks() if m.id == "collectors.E001"]
    assert error.level == checks.ERROR and "10.0.0.300/8" in error.msg

    settings.DISCOVERY_ALLOW = ["0.0.0.0/0"]
    assert ids(checks.run_checks(include_deployment_checks=True)) == {"collectors.W002"}
