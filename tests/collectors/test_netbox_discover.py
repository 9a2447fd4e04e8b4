"""Discovery with NetBox's devices as the seeds (issue #18): ``collectors.netbox.seeds``,
``discover --from-netbox [--filter …]`` and schedules of the action "discover-netbox".

What needs no NetBox (bad usage, NetBox unreachable or not configured) runs everywhere; the real
NetBox 4.7 (fixture ``netbox``) runs with the PostgreSQL suite, and the acceptance puts the lab's
devices into it and discovers them through it."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from collectors import hosts as host_sources
from collectors import jobs, schedules
from collectors.choices import HostOutcome, RunStatus, RunTrigger, ScheduleAction
from collectors.lab import snmp_devices, topology
from collectors.lab.server import Lab, write_inventory
from collectors.models import DiscoveryHost, DiscoveryRun, DiscoverySchedule
from collectors.netbox import seeds
from collectors.netbox.client import NetBoxClient
from inventory.models import Asset, ObjectChange, Platform
from tests.collectors.conftest import free_port
from tests.collectors.test_lab_bmc import EXPECTED, HEALTHY
from tests.collectors.test_redfish_systems import BLADE1, BLADE2
from tests.helpers import run_command, unreachable_url

pytestmark = pytest.mark.django_db

TOKEN = "nbt_k3yid.s3cr3t-that-must-never-show-0123456789"


@pytest.fixture(autouse=True)
def _no_netbox_in_the_environment(monkeypatch, settings):
    """NETBOX_URL / NETBOX_TOKEN would override the secrets file; no test plans on RQ."""
    monkeypatch.delenv("NETBOX_URL", raising=False)
    monkeypatch.delenv("NETBOX_TOKEN", raising=False)
    settings.DEVICE_SECRETS_FILE = ""
    settings.REDIS_URL = ""


def _secrets(path: Path, url: str, token: str = TOKEN, **blocks) -> Path:
    path.write_text(yaml.safe_dump({**blocks, "netbox": {"url": url, "token": token}}), encoding="utf-8")
    os.chmod(path, 0o600)
    return path



def _discover(*args: str) -> tuple[int, str, str]:
    return run_command("discover", *args)


# --- NetBox's side: devices made through its API -------------------------------------------------


def _put(api, rows: list[tuple]) -> list[dict]:
    """Make devices (name, site, role, platform slug or None, address or None) in NetBox, with
    the sites, roles and platforms they name, a management interface and a primary IPv4 for those
    with an address. NetBox's answers, in the order given."""
    keys = ("name", "site", "role", "platform", "address")
    devices = [dict(zip(keys, row, strict=True)) for row in rows]
    maker = api("/api/dcim/manufacturers/", "POST", {"name": "Lab", "slug": "lab"})
    model = api("/api/dcim/device-types/", "POST",
                {"manufacturer": maker["id"], "model": "Lab box", "slug": "lab-box"})
    made_sites, made_roles, made_platforms = {}, {}, {}
    for d in devices:
        if d["site"] not in made_sites:
            site = {"name": d["site"], "slug": d["site"]}
            made_sites[d["site"]] = api("/api/dcim/sites/", "POST", site)["id"]
        if d["role"] not in made_roles:
            made_roles[d["role"]] = api(
                "/api/dcim/device-roles/", "POST", {"name": d["role"], "slug": d["role"], "color": "2196f3"}
            )["id"]
        if d.get("platform") and d["platform"] not in made_platforms:
            made_platforms[d["platform"]] = api(
                "/api/dcim/platforms/", "POST", {"name": d["platform"], "slug": d["platform"]}
            )["id"]
    body = []
    for d in devices:
        row = {
            "name": d["name"],
            "site": made_sites[d["site"]],
            "role": made_roles[d["role"]],
            "device_type": model["id"],
            "status": "active",
        }
        if d.get("platform"):
            row["platform"] = made_platforms[d["platform"]]
        body.append(row)
    made = api("/api/dcim/devices/", "POST", body)
    with_ip = [(m, d) for m, d in zip(made, devices, strict=True) if d.get("address")]
    if with_ip:
        interfaces = api(
            "/api/dcim/interfaces/",
            "POST",
            [{"device": m["id"], "name": "mgmt0", "type": "1000base-t", "mgmt_only": True}
             for m, _ in with_ip],
        )
        ips = api(
            "/api/ipam/ip-addresses/",
            "POST",
            [
                {
                    "address": f"{d['address']}/32",
                    "assigned_object_type": "dcim.interface",
                    "assigned_object_id": i["id"],
                }
                for (_, d), i in zip(with_ip, interfaces, strict=True)
            ],
        )
        api(
            "/api/dcim/devices/",
            "PATCH",
            [{"id": m["id"], "primary_ip4": ip["id"]} for (m, _), ip in zip(with_ip, ips, strict=True)],
        )
    return made


def _client(nb) -> NetBoxClient:
    return NetBoxClient(nb.url, nb.token)


# --- seeds against a real NetBox -----------------------------------------------------------------


def test_filters_narrow_the_seeds_drivers_ports_and_groups_and_skipped_devices_say_why(netbox, settings):
    settings.DISCOVERY_SSH_PORT, settings.DISCOVERY_SNMP_PORT, settings.DISCOVERY_BMC_PORT = 2222, 1161, 8443
    settings.DISCOVERY_BMC_CA_FILE = "/etc/werterhalt/bmc-ca.pem"
    # the inventory's platform of a slug NetBox names says how to read it
    Platform.objects.create(name="Nexus (ours)", slug="dc-nexus", napalm_driver="nxos_ssh")
    made = _put(
        netbox.api,
        [
            ("a-core-1", "site-a", "core", "cisco-ios", "10.1.0.1"),
            ("a-acc-1", "site-a", "access", "dc-nexus", "10.1.0.2"),
            ("a-ups-1", "site-a", "ups", "snmp", "10.1.0.3"),
            ("a-srv-1", "site-a", "server", "redfish", "10.1.0.4"),
            ("a-no-ip", "site-a", "access", "eos", None),
            ("a-no-platform", "site-a", "access", None, "10.1.0.5"),
            ("a-windows", "site-a", "server", "windows", "10.1.0.6"),
            ("twin", "site-a", "access", "arista-eos", "10.1.0.7"),
            ("twin", "site-b", "access", "junos", "10.2.0.7"),
            ("b-core-1", "site-b", "core", "nxos", "10.2.0.1"),
        ],
    )
    ids = [m["id"] for m in made]
    creds = host_sources.Credentials(
        default={"username": "netops", "password": "pw-default"},
        groups={"bmc": {"username": "bmc-user", "password": "pw-bmc"}},
    )
    inventory, skipped = seeds.from_netbox(_client(netbox), creds, {})

    hosts = inventory.hosts
    assert {n: (h.hostname, h.platform, h.port) for n, h in hosts.items()} == {
        "a-core-1": ("10.1.0.1", "ios", 2222),
        "a-acc-1": ("10.1.0.2", "nxos_ssh", 2222),  # the inventory's platform "dc-nexus"
        "a-ups-1": ("10.1.0.3", "snmp", 1161),
        "a-srv-1": ("10.1.0.4", "redfish", 8443),
        "twin": ("10.1.0.7", "eos", 2222),
        f"twin#{ids[8]}": ("10.2.0.7", "junos", 2222),  # the second of one name: its NetBox id
        "b-core-1": ("10.2.0.1", "nxos_ssh", 2222),
    }
    assert hosts["a-srv-1"].username == "bmc-user"
    assert hosts["a-srv-1"].data["ca_file"] == "/etc/werterhalt/bmc-ca.pem"
    assert hosts["a-core-1"].username == "netops" and hosts["a-core-1"].password == "pw-default"
    assert hosts["a-core-1"].data["found_via"] == f"NetBox device {ids[0]}"
    assert set(skipped) == {"a-no-ip", "a-no-platform", "a-windows"}
    assert skipped["a-no-ip"] == seeds.NO_ADDRESS and skipped["a-no-platform"] == seeds.NO_PLATFORM
    assert "platform windows" in skipped["a-windows"] and "cannot read" in skipped["a-windows"]
    # the same host as the database gives it: one helper for both
    same = host_sources.host_for("a-srv-1", "10.1.0.4", "redfish", creds)
    assert (same.port, same.username) == (8443, "bmc-user")
    assert same.data == {"ca_file": "/etc/werterhalt/bmc-ca.pem"}

    # NetBox's own filters narrow the seeds; a key twice: any of its values
    site_b, _ = seeds.from_netbox(_client(netbox), creds, {"site": ["site-b"]})
    assert set(site_b.hosts) == {"twin", "b-core-1"}  # alone in its site, "twin" keeps its name
    core, skipped = seeds.from_netbox(_client(netbox), creds, {"site": ["site-a"], "role": ["core"]})
    assert set(core.hosts) == {"a-core-1"} and skipped == {}
    both, _ = seeds.from_netbox(_client(netbox), creds, {"role": ["core", "ups"]})
    assert set(both.hosts) == {"a-core-1", "a-ups-1", "b-core-1"}

    # a schedule of the action "discover-netbox" takes the same seeds
    settings.DEVICE_SECRETS_FILE = ""
    creds.netbox = {"url": netbox.url, "token": netbox.token}
    spec = SimpleNamespace(action="discover-netbox", netbox_filter="site=site-a role=core",
                           inventory_folder="", asset_filter="")
    assert set(schedules.inventory_for(spec, creds).hosts) == {"a-core-1"}


def test_a_device_outside_the_allowed_prefixes_fails_as_not_allowed_and_nothing_reaches_it(
    netbox, tmp_path, settings
):
    listener = socket.socket()
    listener.bind(("127.78.9.9", 0))  # in the lab's "outside" prefix
    listener.listen()
    listener.setblocking(False)
    settings.DISCOVERY_SSH_PORT = listener.getsockname()[1]
    settings.DISCOVERY_ALLOW = [topology.LAB_PREFIX]
    made = _put(
        netbox.api,
        [("partner-edge", "lab", "wan", "cisco-ios", "127.78.9.9")],
    )
    secrets = _secrets(tmp_path / "secrets.yaml", netbox.url, netbox.token,
                       default={"username": "lab", "password": "never-sent"})
    try:
        code, out, err = _discover("--from-netbox", "--secrets", str(secrets))
        with pytest.raises(BlockingIOError):
            listener.accept()  # not a single connection
    finally:
        listener.close()

    assert code == 1, out + err
    host = DiscoveryHost.objects.get(name="partner-edge")
    assert (host.outcome, host.reason) == (HostOutcome.FAILED, host_sources.NOT_ALLOWED)
    assert host.found_via == f"NetBox device {made[0]['id']}"
    assert "outside the allowed prefixes" in host.message
    assert DiscoveryRun.objects.get().source == f"NetBox {netbox.url}"
    assert not Asset.objects.exists()


def test_a_refused_token_exits_2_and_records_nothing(netbox, tmp_path):
    _put(netbox.api, [("sw-1", "lab", "access", "cisco-ios", "127.77.1.1")])
    secrets = _secrets(tmp_path / "secrets.yaml", netbox.url, "nbt_wrongkey.wrongsecret0000000000000000")
    code, out, err = _discover("--from-netbox", "--secrets", str(secrets))
    assert code == 2 and "refused the API token" in err and netbox.url in err
    assert "wrongsecret" not in out + err
    assert not DiscoveryRun.objects.exists() and not Asset.objects.exists()


# --- the acceptance: the lab's devices, seeded from NetBox ---------------------------------------

LAB_SITE = "werterhalt-lab"
# how NetBox names the lab's SSH platforms: by slugs mapping.driver knows, and one ("lab-eos") only
# the inventory's platform table knows
NETBOX_PLATFORM = {"ios": "cisco-ios", "nxos_ssh": "cisco-nxos", "eos": "lab-eos"}


@pytest.fixture(scope="module")
def servers_and_snmp(tmp_path_factory):
    """The lab's healthy BMCs and SNMP devices, each kind on a free port of its own."""
    bmcs = topology.build_bmcs(broken=False, port=free_port())
    snmp = snmp_devices.build_snmp_devices(broken=False, port=free_port())
    with Lab([], bmcs=bmcs, tls_dir=tmp_path_factory.mktemp("lab") / "bmc-tls", snmp=snmp) as running:
        yield running


def test_discover_from_netbox_finds_the_lab_and_a_second_run_changes_nothing(
    netbox, lab, lab_devices, servers_and_snmp, tmp_path, settings
):
    settings.DISCOVERY_SNMP_TIMEOUT, settings.DISCOVERY_SNMP_RETRIES = 1, 0
    ssh = [d for d in lab_devices if not d.broken and d.role != "outside"]
    bmcs, snmp = servers_and_snmp.bmcs, servers_and_snmp.snmp
    settings.DISCOVERY_SSH_PORT = ssh[0].port
    settings.DISCOVERY_BMC_PORT = bmcs[0].port
    settings.DISCOVERY_SNMP_PORT = snmp[0].port
    settings.DISCOVERY_BMC_CA_FILE = str(servers_and_snmp.tls.ca)
    settings.DISCOVERY_ALLOW = [topology.LAB_PREFIX]
    Platform.objects.create(name="Lab EOS", slug="lab-eos", napalm_driver="eos")
    # the lab's credentials (as its inventory folder has them) and NetBox in one secrets file
    ca = servers_and_snmp.tls.ca
    folder = write_inventory([], tmp_path / "inventory", bmcs=bmcs, ca_file=ca, snmp=snmp)
    blocks = yaml.safe_load((folder.parent / "secrets.yaml").read_text(encoding="utf-8"))
    secrets = _secrets(tmp_path / "secrets.yaml", netbox.url, netbox.token, **blocks)

    rows = [(d.name, LAB_SITE, d.role, NETBOX_PLATFORM[d.driver], d.address) for d in ssh]
    rows += [(b.name, LAB_SITE, "server", "redfish", b.address) for b in bmcs]
    rows += [(d.name, LAB_SITE, d.kind, "snmp", d.address) for d in snmp]
    # beside the lab: a device elsewhere (the filter leaves it out) and one NetBox knows no IP of
    rows += [
        ("branch-sw-1", "branch", "access", "cisco-ios", "127.77.99.1"),
        ("lab-spare", LAB_SITE, "access", "cisco-ios", None),
    ]
    _put(netbox.api, rows)

    code, out, err = _discover("--from-netbox", "--filter", f"site={LAB_SITE}", "--secrets", str(secrets))

    assert code == 0, out + err
    lab_hosts = len(ssh) + len(bmcs) + len(snmp)
    assert f"Discovering {lab_hosts} hosts from the NetBox {netbox.url} (site={LAB_SITE})" in out
    assert "skipped lab-spare: no primary IP in NetBox" in out and "1 NetBox devices skipped" in out
    assert "branch-sw-1" not in out
    run = DiscoveryRun.objects.get()
    assert run.source == f"NetBox {netbox.url} (site={LAB_SITE})"
    assert (run.status, run.hosts_tried, run.hosts_failed) == (RunStatus.COMPLETED, lab_hosts, 0)
    # the inventory holds the lab's devices: serials and models as the lab serves them
    expected = {d.serial: d.spec.model for d in ssh}
    expected |= {EXPECTED[mockup]["serial"]: EXPECTED[mockup]["model"] for mockup in HEALTHY.values()}
    expected |= {BLADE1["serial"]: None, BLADE2["serial"]: None}  # two blades behind one enclosure's BMC
    expected |= {d.serial: None for d in snmp}
    found = dict(Asset.objects.values_list("serial", "hardware_model__model"))
    assert set(found) == set(expected)
    assert {s: m for s, m in found.items() if expected[s]} == {s: m for s, m in expected.items() if m}
    assert run.assets_created == len(expected)
    names = {a.serial: a.name for a in Asset.objects.all()}
    assert all(names[d.serial] == d.name for d in ssh)
    via = set(DiscoveryHost.objects.filter(run=run).values_list("found_via", flat=True))
    assert len(via) == lab_hosts and all(v.startswith("NetBox device ") for v in via)
    assert topology.PASSWORD not in out and netbox.token not in out + err

    changes = ObjectChange.objects.count()
    code, out, err = _discover("--from-netbox", "--filter", f"site={LAB_SITE}", "--secrets", str(secrets))
    assert code == 0, out + err
    again = DiscoveryRun.objects.latest("pk")
    assert (again.hosts_succeeded, again.assets_created, again.assets_updated) == (lab_hosts, 0, 0)
    assert ObjectChange.objects.count() == changes
    assert Asset.objects.count() == len(expected)

    # a schedule "Discovery from NetBox" takes the same seeds, cut into shards
    settings.DEVICE_SECRETS_FILE = str(secrets)
    schedule = DiscoverySchedule(name="lab-from-netbox", interval=60, action=ScheduleAction.DISCOVER_NETBOX,
                                 netbox_filter=f"site={LAB_SITE}", shard_size=20)
    schedule.full_clean()
    schedule.save()
    changes = ObjectChange.objects.count()  # (the schedule's own row)
    scheduled = jobs.start_run(schedule, trigger=RunTrigger.MANUAL, inline=True)
    assert scheduled.status == RunStatus.COMPLETED, scheduled.message
    assert (scheduled.shards_total, scheduled.hosts_tried, scheduled.hosts_failed) == (3, lab_hosts, 0)
    assert (scheduled.assets_created, scheduled.assets_updated) == (0, 0)
    assert ObjectChange.objects.count() == changes


# --- what needs no NetBox ------------------------------------------------------------------------


def test_from_netbox_and_inventory_together_are_bad_usage(tmp_path):
    code, _, err = _discover("--from-netbox", "--inventory", str(tmp_path))
    assert code == 2 and "--inventory" in err and "--from-netbox" in err
    assert not DiscoveryRun.objects.exists()


@pytest.mark.parametrize(
    "args, named",
    [
        (("--from-netbox", "--filter", "site"), "'site'"),
        (("--from-netbox", "--filter", "site=a", "colour=blue"), "'colour=blue'"),
        (("--filter", "site=a"), "--from-netbox"),
    ],
)
def test_a_bad_filter_is_bad_usage_naming_it(args, named, tmp_path, settings):
    settings.DEVICE_SECRETS_FILE = str(_secrets(tmp_path / "secrets.yaml", unreachable_url()))
    code, _, err = _discover(*args)
    assert code == 2 and named in err and "--filter" in err
    assert not DiscoveryRun.objects.exists()


def test_an_unreachable_netbox_exits_2_naming_the_url_and_records_nothing(tmp_path, settings):
    url = unreachable_url()
    secrets = _secrets(tmp_path / "secrets.yaml", url)
    code, out, err = _discover("--from-netbox", "--filter", "site=lab", "--secrets", str(secrets))
    assert code == 2
    assert url in err and "unreachable" in err
    assert TOKEN not in out + err and "s3cr3t" not in out + err
    assert not DiscoveryRun.objects.exists() and not Asset.objects.exists()


def test_netbox_not_configured_exits_2_saying_what_is_missing():
    code, _, err = _discover("--from-netbox")
    assert code == 2 and "NetBox is not configured" in err and "url and token" in err


def test_a_schedule_from_an_unreachable_netbox_or_with_a_bad_filter_cannot_list_its_hosts():
    url = unreachable_url()
    creds = host_sources.Credentials(netbox={"url": url, "token": TOKEN})
    spec = SimpleNamespace(action="discover-netbox", netbox_filter="site=lab", inventory_folder="",
                           asset_filter="")
    with pytest.raises(host_sources.InventoryError, match="unreachable") as caught:
        schedules.inventory_for(spec, creds)
    assert url in str(caught.value) and "s3cr3t" not in str(caught.value)
    spec.netbox_filter = "colour=blue"
    with pytest.raises(host_sources.InventoryError, match="NetBox filter: .*'colour=blue'"):
        schedules.inventory_for(spec, creds)
    spec.netbox_filter = ""
    with pytest.raises(host_sources.InventoryError, match="not configured"):
        schedules.inventory_for(spec, host_sources.Credentials())
