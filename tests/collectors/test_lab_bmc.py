"""The lab's server BMCs: three Redfish mockups of our own (Dell iDRAC 9, HPE iLO 5, Lenovo
XClarity Controller) and a blade enclosure's manager with two blades (``contoso-bladed``, read
in detail by test_redfish_systems.py) read from their files, and served over HTTPS with Basic
authentication by ``collectors.lab.bmc`` processes, discovered end to end through the inventory
the lab writes."""

import base64
import json
import os
import select
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from collectors import redfish
from collectors.lab import topology
from collectors.lab.server import MOCKUPS, PROJECT, Lab, LabError, _alive, listening, write_inventory
from tests.collectors.conftest import free_port
from tests.collectors.test_redfish_systems import BLADE1, BLADE2

# what each mockup says, as an inventory would record it: (name, part number, serial) per module
EXPECTED = {
    "dell-r740": {
        "hostname": "esx-prod-07",
        "vendor": "Dell Inc.",
        "model": "PowerEdge R740",
        "serial": "CNWS30097P0412",
        "bios": "2.21.2",
        "details": {
            "sku": "8ZLT2K3",
            "bmc_model": "14G Monolithic",
            "bmc_firmware": "6.10.80.00",
            "cpu": "2 × Intel(R) Xeon(R) Gold 6230R CPU @ 2.10GHz",
            "cpu_threads": "104",
            "memory_gib": "384",
        },
        "modules": {
            ("PS1 Status", "0Y9VFCA03", "CNLOD0098K0AB1"),
            ("PS2 Status", "0Y9VFCA03", "CNLOD0098K0AB7"),
            ("Physical Disk 0:1:0", "TW0NW8FHTB2000A5008RA00", "Y0A0A1QRTK3F"),
            ("Physical Disk 0:1:1", "TW0NW8FHTB2000A5008TA00", "Y0A0A1QXTK3F"),
            ("Physical Disk 0:1:2", "TW0FW9K6SGW0089D03L9A01", "WBN3L2QK0000K9351ABC"),
            ("NIC NIC.Integrated.1-1-1", "", ""),  # EthernetInterfaces carry no serial
            ("NIC NIC.Integrated.1-2-1", "", ""),
        },
    },
    "hpe-dl380-gen10": {
        "hostname": "",  # iLO without the OS agent: no HostName
        "vendor": "HPE",
        "model": "ProLiant DL380 Gen10",
        "serial": "CZJ0420ABX",
        "bios": "U30 v2.80 (10/16/2023)",
        "details": {
            "sku": "868703-B21",
            "bmc_model": "iLO 5",
            "bmc_firmware": "iLO 5 v2.81",
            "cpu": "2 × Intel(R) Xeon(R) Silver 4214R CPU @ 2.40GHz",
            "cpu_threads": "48",
            "memory_gib": "256",
        },
        "modules": {
            ("HpeServerPowerSupply 0", "865414-B21", "5WBXT0B4DJT1LQ"),
            ("HpeServerPowerSupply 1", "865414-B21", "5WBXT0B4DJT1M2"),
            ("960GB 6G SATA SSD 0", "MK000960GWXFF", "S455NC0T501234"),
            ("960GB 6G SATA SSD 1", "MK000960GWXFF", "S455NC0T501298"),
            ("NIC DC080000", "840139-001", "IL28101A2K"),
            ("NIC DE081000", "789897-001", "IL29200B7C"),
        },
    },
    "lenovo-sr650-v2": {
        "hostname": "db-host-02",
        "vendor": "Lenovo",
        "model": "ThinkSystem SR650 V2",
        "serial": "J9008WLA",
        "bios": "AFE124J-2.10",
        "details": {
            "sku": "7Z73CTO1WW",
            "bmc_model": "Lenovo XClarity Controller",
            "bmc_firmware": "AFBT58F 6.30",
            "cpu": "2 × Intel(R) Xeon(R) Gold 5318Y CPU @ 2.10GHz",
            "cpu_threads": "96",
            "memory_gib": "512",
        },
        "modules": {
            ("PSU1", "SP57A77835", "D1DG21B00417"),
            ("PSU2", "SP57A77835", "D1DG21B00453"),
            ("Drive 0", "SSS7A43212", "S6M4NE0T903311"),
            ("Drive 1", "SSS7A43212", "S6M4NE0T903327"),
            ("Drive 2", "SSS7A49187", "WBN5KX1P0000E128ABCD"),
            ("NIC slot-13", "SN37A28310", "P214410C3A7F"),  # NetworkAdapters, not the host's ports
        },
    },
}
HEALTHY = {
    "srv-dell-r740": "dell-r740",
    "srv-hpe-dl380": "hpe-dl380-gen10",
    "srv-lenovo-sr650": "lenovo-sr650-v2",
}
DEADLINE = 15  # seconds for a process to come or go


def _fetch_files(root: Path):
    def fetch(path: str) -> dict:
        relative = path.split("#")[0].removeprefix("/redfish/v1").strip("/")
        return json.loads((root / relative / "index.json").read_text(encoding="utf-8"))

    return fetch


def _poll(condition, timeout: float = DEADLINE) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# --- the mockups, from their files ---------------------------------------------------------------


@pytest.mark.parametrize("mockup", sorted(EXPECTED))
def test_mockup_reads_as_its_server(mockup):
    expected = EXPECTED[mockup]
    facts = redfish.server_facts(redfish.read_server(_fetch_files(MOCKUPS / mockup)))
    assert (facts.vendor, facts.model, facts.serial, facts.os_version, facts.hostname) == (
        expected["vendor"],
        expected["model"],
        expected["serial"],
        expected["bios"],
        expected["hostname"],
    )
    assert facts.driver == "redfish" and facts.platform == "redfish"
    assert {k: facts.details.get(k) for k in expected["details"]} == expected["details"]
    assert {(m.name, m.part_number, m.serial) for m in facts.modules} == expected["modules"]
    assert len({m.name for m in facts.modules}) == len(facts.modules)  # sync keys modules on names


def test_mockups_power_and_storage_come_in_each_vendors_shape():
    """The three shapes the reader must handle: Dell's older Power resource and EthernetInterfaces,
    iLO's Power resource with links ending in "/", Lenovo's PowerSubsystem and NetworkAdapters."""
    dell = redfish.read_server(_fetch_files(MOCKUPS / "dell-r740"))
    assert "Power" in dell.chassis and "PowerSubsystem" not in dell.chassis
    assert "NetworkAdapters" not in dell.chassis and len(dell.adapters) == 2
    hpe = redfish.read_server(_fetch_files(MOCKUPS / "hpe-dl380-gen10"))
    assert hpe.chassis["Power"]["@odata.id"].endswith("/Power/")
    lenovo = redfish.read_server(_fetch_files(MOCKUPS / "lenovo-sr650-v2"))
    assert "PowerSubsystem" in lenovo.chassis and "Power" not in lenovo.chassis
    assert len(lenovo.power_supplies) == 2 and lenovo.power_supplies[0]["@odata.id"].endswith(
        "/PowerSupplies/1"
    )


def _links(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@odata.id" and isinstance(value, str):
                yield value
            else:
                yield from _links(value)
    elif isinstance(node, list):
        for item in node:
            yield from _links(item)


# links that lead nowhere on purpose
DEAD_ON_PURPOSE = {"contoso-bladed": {"/redfish/v1/Systems/Blade2/Storage"}}  # a 404 the reader skips


@pytest.mark.parametrize("mockup", sorted([*EXPECTED, *DEAD_ON_PURPOSE]))
def test_every_link_of_a_mockup_leads_to_a_document(mockup):
    root = MOCKUPS / mockup
    files = sorted(root.rglob("index.json"))
    assert len(files) > 10
    for file in files:
        document = json.loads(file.read_text(encoding="utf-8"))
        own = document["@odata.id"].removeprefix("/redfish/v1").strip("/")
        assert root / own / "index.json" == file, f"{file} calls itself {document['@odata.id']}"
        for link in _links(document):
            if link in DEAD_ON_PURPOSE.get(mockup, ()):
                assert not (root / link.removeprefix("/redfish/v1").strip("/")).exists()
                continue
            target = link.split("#")[0].removeprefix("/redfish/v1").strip("/")
            assert (root / target / "index.json").is_file(), f"{file}: {link} leads nowhere"


# --- the inventory the lab writes ----------------------------------------------------------------


def test_inventory_lists_bmcs_with_their_ca_and_group_credentials(tmp_path):
    bmcs = topology.build_bmcs(port=10443)
    ca = tmp_path / "tls" / "ca.pem"
    folder = write_inventory([], tmp_path / "inventory", bmcs=bmcs, ca_file=ca)
    hosts = yaml.safe_load((folder / "hosts.yaml").read_text())
    assert list(hosts) == [
        "srv-dell-r740",
        "srv-hpe-dl380",
        "srv-lenovo-sr650",
        "srv-blade-encl",
        "srv-bmc-badpass",
        "srv-bmc-off",
    ]
    dell = hosts["srv-dell-r740"]
    assert (dell["hostname"], dell["port"], dell["platform"], dell["groups"]) == (
        "127.77.250.1",
        10443,
        "redfish",
        ["bmc"],
    )
    assert dell["data"]["scheme"] == "https" and dell["data"]["ca_file"] == str(ca.resolve())
    assert Path(dell["data"]["ca_file"]).is_absolute()
    assert "bmc" in yaml.safe_load((folder / "groups.yaml").read_text())
    secrets = yaml.safe_load((tmp_path / "secrets.yaml").read_text())
    assert secrets["groups"]["bmc"] == {"username": topology.BMC_USERNAME, "password": topology.BMC_PASSWORD}
    assert secrets["default"]["password"] == topology.PASSWORD  # the network devices' stay as they were
    assert oct((tmp_path / "secrets.yaml").stat().st_mode & 0o777) == "0o600"
    assert topology.BMC_PASSWORD not in (folder / "hosts.yaml").read_text()
    with pytest.raises(LabError, match="ca_file"):
        write_inventory([], tmp_path / "other", bmcs=bmcs)


# --- served over HTTPS -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bmc_lab(tmp_path_factory):
    """The lab's BMCs (three healthy, one with another password, one off) on a free port."""
    bmcs = topology.build_bmcs(port=free_port())
    lab = Lab([], bmcs=bmcs, tls_dir=tmp_path_factory.mktemp("lab") / "bmc-tls")
    lab.start()
    yield lab
    lab.stop()


@pytest.fixture
def bmc_inventory(bmc_lab, tmp_path):
    from collectors.hosts import load_credentials

    folder = write_inventory([], tmp_path / "inventory", bmcs=bmc_lab.bmcs, ca_file=bmc_lab.tls.ca)
    return folder, load_credentials(tmp_path / "secrets.yaml", env={})


def _https(url: str, ca: Path, auth: tuple[str, str] | None = None):
    request = urllib.request.Request(url)  # noqa: S310 - https to the lab on loopback
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(":".join(auth).encode()).decode())
    context = ssl.create_default_context(cafile=str(ca))
    try:
        with urllib.request.urlopen(request, context=context, timeout=5) as answer:  # noqa: S310
            return answer.status, dict(answer.headers), json.loads(answer.read())
    except urllib.error.HTTPError as e:
        body = e.read()
        is_json = e.headers.get("Content-Type") == "application/json"
        return e.code, dict(e.headers), json.loads(body) if is_json else body


def test_a_lab_bmc_wants_basic_auth_except_for_the_service_root(bmc_lab):
    dell = next(b for b in bmc_lab.bmcs if b.name == "srv-dell-r740")
    base = f"https://{dell.address}:{dell.port}/redfish/v1"
    status, _, root = _https(base + "/", bmc_lab.tls.ca)  # the certificate names the address
    assert status == 200 and root["Vendor"] == "Dell"
    status, headers, body = _https(base + "/Systems", bmc_lab.tls.ca)
    assert status == 401 and headers["WWW-Authenticate"].startswith("Basic realm=")
    assert body["error"]["@Message.ExtendedInfo"][0]["MessageId"].endswith("NoValidSession")
    wrong = (topology.BMC_USERNAME, topology.BMC_WRONG_PASSWORD)
    assert _https(base + "/Systems", bmc_lab.tls.ca, wrong)[0] == 401
    right = (topology.BMC_USERNAME, topology.BMC_PASSWORD)
    status, _, systems = _https(base + "/Systems", bmc_lab.tls.ca, right)
    assert status == 200 and systems["Members"][0]["@odata.id"].endswith("System.Embedded.1")
    assert _https(base + "/../../etc", bmc_lab.tls.ca, right)[0] == 404
    badpass = next(b for b in bmc_lab.bmcs if b.name == "srv-bmc-badpass")
    url = f"https://{badpass.address}:{badpass.port}/redfish/v1/Systems"
    assert _https(url, bmc_lab.tls.ca, right)[0] == 401


def test_a_lab_bmc_keeps_its_password_off_the_command_line(bmc_lab):
    served = set(HEALTHY) | {"srv-blade-encl", "srv-bmc-badpass"}
    assert set(bmc_lab.bmc_processes) == served  # srv-bmc-off is off
    for proc in bmc_lab.bmc_processes.values():
        assert proc.poll() is None
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode()
        assert "collectors.lab.bmc" in cmdline
        assert topology.BMC_PASSWORD not in cmdline and topology.BMC_WRONG_PASSWORD not in cmdline
    tls_dir = bmc_lab.tls.ca.parent
    for key in ("ca-key.pem", "bmc-key.pem"):
        assert oct((tls_dir / key).stat().st_mode & 0o777) == "0o600"


def test_discovery_reads_the_lab_servers_over_https(db, bmc_inventory):
    from collectors.hosts import from_folder
    from collectors.models import DiscoveryHost
    from collectors.runner import discover
    from collectors.tasks import Reason
    from inventory.models import Asset

    folder, credentials = bmc_inventory
    report = discover(from_folder(folder, credentials), source="lab BMCs", credentials=credentials)

    assert report.run.hosts_succeeded == 4 and report.run.hosts_failed == 2
    assert report.run.assets_created == 5  # the enclosure's BMC answers for two blades
    for host, mockup in HEALTHY.items():
        expected = EXPECTED[mockup]
        asset = Asset.objects.get(serial=expected["serial"])
        assert (asset.manufacturer.name, asset.hardware_model.model) == (
            expected["vendor"],
            expected["model"],
        )
        assert asset.hardware_model.category == "server" and asset.platform.slug == "redfish"
        assert asset.software_version == expected["bios"][:50]
        assert {(m.name, m.part_number, m.serial) for m in asset.modules.all()} == expected["modules"]
        recorded = DiscoveryHost.objects.get(run=report.run, name=host)
        assert recorded.outcome == "success" and recorded.asset_id == asset.pk
    assert Asset.objects.get(serial="CNWS30097P0412").name == "esx-prod-07"
    # no HostName from the BMC: named as the inventory names the host
    assert Asset.objects.get(serial="CZJ0420ABX").name == "srv-hpe-dl380"
    # one asset per blade, each named after the host and its system
    blades = {a.serial: a for a in Asset.objects.filter(serial__in=[BLADE1["serial"], BLADE2["serial"]])}
    assert blades[BLADE1["serial"]].name == "srv-blade-encl Blade1"
    assert blades[BLADE2["serial"]].name == "srv-blade-encl Blade2"
    blade1_modules = blades[BLADE1["serial"]].modules.all()
    assert {(m.name, m.part_number, m.serial) for m in blade1_modules} == BLADE1["modules"]
    encl = DiscoveryHost.objects.get(run=report.run, name="srv-blade-encl")
    assert encl.outcome == "success" and encl.asset_id == blades[BLADE1["serial"]].pk

    badpass = DiscoveryHost.objects.get(run=report.run, name="srv-bmc-badpass")
    assert badpass.outcome == "failed" and badpass.reason == Reason.AUTH
    off = DiscoveryHost.objects.get(run=report.run, name="srv-bmc-off")
    assert off.outcome == "failed" and off.reason == Reason.UNREACHABLE
    messages = " ".join(DiscoveryHost.objects.filter(run=report.run).values_list("message", flat=True))
    assert "authentication failed" in messages  # the messages are there to look into
    for secret in (topology.BMC_PASSWORD, topology.BMC_WRONG_PASSWORD):
        assert secret not in messages

    again = discover(from_folder(folder, credentials), source="lab BMCs", credentials=credentials)
    assert again.run.assets_created == 0 and again.run.assets_updated == 0  # idempotent, modules too
    assert Asset.objects.filter(platform__slug="redfish").count() == 5


def test_a_bmc_certificate_from_the_lab_ca_is_not_trusted_by_the_system_bundle(db, bmc_inventory):
    """TLS is verified for real: without the lab CA (the system's bundle instead) the host fails,
    and the run goes on."""
    from collectors.hosts import from_folder
    from collectors.models import DiscoveryHost
    from collectors.runner import discover
    from inventory.models import Asset

    folder, credentials = bmc_inventory
    inventory = from_folder(folder, credentials)
    inventory.hosts["srv-dell-r740"].data.pop("ca_file")  # read_bmc then uses certifi's bundle
    report = discover(
        inventory.filter(filter_func=lambda h: h.name in HEALTHY), source="t", credentials=credentials
    )

    failed = DiscoveryHost.objects.get(run=report.run, name="srv-dell-r740")
    assert failed.outcome == "failed" and "TLS" in failed.message
    assert not Asset.objects.filter(serial=EXPECTED["dell-r740"]["serial"]).exists()
    assert report.run.hosts_succeeded == 2  # the others, with the lab CA, are read


def test_an_untrusted_bmc_certificate_is_recorded_as_a_tls_error(db, bmc_inventory):
    from collectors.hosts import from_folder
    from collectors.models import DiscoveryHost
    from collectors.runner import discover
    from collectors.tasks import Reason

    folder, credentials = bmc_inventory
    inventory = from_folder(folder, credentials)
    inventory.hosts["srv-dell-r740"].data.pop("ca_file")
    report = discover(
        inventory.filter(filter_func=lambda h: h.name == "srv-dell-r740"), source="t", credentials=credentials
    )
    host = DiscoveryHost.objects.get(run=report.run, name="srv-dell-r740")
    assert host.reason == Reason.ERROR
    assert "certificate is not trusted" in host.message and "ca_file" in host.message


# --- the BMC processes come and go -------------------------------------------------------------------


def test_stop_ends_every_bmc_process(tmp_path):
    bmcs = topology.build_bmcs(broken=False, port=free_port())
    lab = Lab([], bmcs=bmcs, tls_dir=tmp_path / "bmc-tls")
    lab.start()
    endpoints = [(b.address, b.port) for b in bmcs]
    try:
        pids = [p.pid for p in lab.bmc_processes.values()]
        assert len(pids) == 4 and all(_alive(pid) for pid in pids)
        assert listening(endpoints) == 4
    finally:
        lab.stop()
    assert all(p.returncode is not None for p in lab.bmc_processes.values())
    assert not any(_alive(pid) for pid in pids)
    assert listening(endpoints) == 0


def test_a_bmc_that_cannot_listen_fails_the_start(tmp_path):
    port = free_port()
    bmcs = topology.build_bmcs(broken=False, port=port)
    with Lab([], bmcs=bmcs[:1], tls_dir=tmp_path / "a"):
        lab = Lab([], bmcs=bmcs, tls_dir=tmp_path / "b")  # srv-dell-r740's address is taken
        with pytest.raises(LabError, match="srv-dell-r740 exited"):
            lab.start()
        assert all(p.returncode is not None for p in lab.bmc_processes.values())  # the others stopped


SPAWNER = """
import sys, time
from pathlib import Path
from collectors.lab import topology
from collectors.lab.server import Lab
lab = Lab([], bmcs=topology.build_bmcs(broken=False, port=int(sys.argv[1]))[:1], tls_dir=Path(sys.argv[2]))
lab.start()
print(*(p.pid for p in lab.bmc_processes.values()), flush=True)
time.sleep(600)
"""


def test_bmcs_do_not_outlive_a_killed_lab(tmp_path):
    port = free_port()
    lab = subprocess.Popen(
        [sys.executable, "-c", SPAWNER, str(port), str(tmp_path / "bmc-tls")],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        readable, _, _ = select.select([lab.stdout], [], [], DEADLINE)
        assert readable, "the lab did not start its BMC"
        bmc_pid = int(lab.stdout.readline())
        assert _alive(bmc_pid) and listening([("127.77.250.1", port)]) == 1
    finally:
        lab.kill()  # SIGKILL: no chance to stop its children
        lab.wait(timeout=DEADLINE)
        lab.stdout.close()
    assert _poll(lambda: not _alive(bmc_pid)), f"BMC process {bmc_pid} outlived the lab"
    assert listening([("127.77.250.1", port)]) == 0


def test_a_lab_bmc_never_prints_request_headers(tmp_path, capsys, monkeypatch):
    """sushy-static prints every request's headers, Authorization included; the lab's BMC does not."""
    from collectors.lab import bmc, tls

    files = tls.ensure(tmp_path, ["127.77.250.99"])
    monkeypatch.setattr(bmc.sushy_static, "REDFISH_MOCKUP_FILES", str(MOCKUPS / "dell-r740"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(files.cert, files.key)
    server = bmc.BmcServer(
        ("127.77.250.99", 0), name="t", context=context, username="u", password="pw-never-printed"
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        base = f"https://127.77.250.99:{server.server_address[1]}/redfish/v1"
        assert _https(base + "/Systems", files.ca, ("u", "pw-never-printed"))[0] == 200
        assert _https(base + "/Systems", files.ca, ("u", "wrong-pw"))[0] == 401
    finally:
        server.shutdown()
        server.server_close()
    out = capsys.readouterr()
    printed = out.out + out.err
    assert '"GET /redfish/v1/Systems HTTP/1.1" 200' in printed  # the request line is logged
    for secret in ("pw-never-printed", "wrong-pw", base64.b64encode(b"u:pw-never-printed").decode()):
        assert secret not in printed
    assert "Authorization" not in printed


def test_the_bmc_module_runs_without_a_password_only_to_say_so(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "LAB_BMC_PASSWORD"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "collectors.lab.bmc",
            "--name",
            "x",
            "--address",
            "127.77.250.98",
            "--port",
            "1",
            "--mockup",
            str(MOCKUPS / "dell-r740"),
            "--cert",
            "c",
            "--key",
            "k",
            "--username",
            "u",
        ],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )
    assert result.returncode == 2 and "LAB_BMC_PASSWORD" in result.stderr
