"""One asset per Redfish system (#17): a BMC that manages several systems (a blade enclosure's
manager, a multi-node chassis) gives one device per system, each with its own chassis, BMC and
parts; what answers 404 is skipped (a sub-resource) or left out (a system) instead of failing
the host; systems that cannot be told apart by serial are left out, one by one. Read from the
lab's ``contoso-bladed`` mockup's files (``fetch`` raising ``redfish.NotFound`` for a missing
file, as ``tasks.read_bmc``'s fetch does for HTTP 404), and discovered end to end from lab BMCs
over HTTPS."""

import copy
import json
import shutil
from pathlib import Path

import pytest
from nornir.core.inventory import Host

from collectors import redfish
from collectors.lab import topology
from collectors.lab.server import MOCKUPS, Lab, write_inventory
from collectors.normalize import UnparsableOutput
from collectors.tasks import Collected, Reason, classify
from tests.collectors.conftest import free_port

BLADES = MOCKUPS / "contoso-bladed"
BLADE1 = {
    "serial": "CT4B21A0117",
    "modules": {
        ("Drive Bay 1", "CT960-SATA-6G", "CT9S1017741"),
        ("Drive Bay 2", "CT960-SATA-6G", "CT9S1027741"),
        ("NIC NIC1", "", ""),
        ("NIC NIC2", "", ""),
    },
}
BLADE2 = {  # no SerialNumber of its own: its own blade chassis' serial; its Storage answers 404
    "serial": "CT4B21A0242",
    "modules": {("NIC NIC1", "", ""), ("NIC NIC2", "", "")},
}


def files(root: Path, documents: dict | None = None, gone: tuple[str, ...] = ()):
    """``fetch`` over a mockup folder: ``documents`` (path -> document) override files, paths in
    ``gone`` and files that do not exist raise ``redfish.NotFound``."""
    requested = []

    def fetch(path: str) -> dict:
        requested.append(path)
        path = path.split("#")[0].rstrip("/")
        if path in gone:
            raise redfish.NotFound(path)
        if documents and path in documents:
            return copy.deepcopy(documents[path])
        file = root / path.removeprefix("/redfish/v1").strip("/") / "index.json"
        if not file.is_file():
            raise redfish.NotFound(path)
        return json.loads(file.read_text(encoding="utf-8"))

    fetch.requested = requested
    return fetch


def document(path: str, root: Path = BLADES) -> dict:
    return json.loads((root / path.removeprefix("/redfish/v1").strip("/") / "index.json").read_text())


def modules(facts) -> set[tuple[str, str, str]]:
    return {(m.name, m.part_number, m.serial) for m in facts.modules}


# --- reading: one device per system ---------------------------------------------------------------


def test_two_blades_are_two_devices_each_with_its_own_serial_parts_and_bmc():
    blade1, blade2 = redfish.read_systems(files(BLADES))
    assert (blade1.vendor, blade1.model, blade1.serial) == ("Contoso", "BX210", BLADE1["serial"])
    assert blade2.serial == BLADE2["serial"]  # its own chassis' serial: no other system names it
    assert modules(blade1) == BLADE1["modules"] and modules(blade2) == BLADE2["modules"]
    for facts, n in ((blade1, 1), (blade2, 2)):
        assert facts.details[redfish.SYSTEM_ID] == f"Blade{n}" and facts.details["chassis"] == f"Blade{n}"
        assert facts.details["bmc"] == f"Blade{n}BMC" and facts.details["bmc_uuid"].endswith(f"b10{n}")
        assert (facts.details["bmc_model"], facts.details["bmc_firmware"]) == ("BX-BMC 2", "2.14.3")
        assert facts.details[redfish.SYSTEMS_LISTED] == "2"
        assert facts.hostname == ""  # runner names them after the host and their Id
    # the enclosure's power supplies belong to the enclosure, which is no system
    assert not any("Power" in m.name for m in [*blade1.modules, *blade2.modules])


def test_a_missing_sub_resource_is_skipped_and_named_the_system_is_still_read():
    blade1, blade2 = redfish.read_systems(files(BLADES))
    assert redfish.MISSING not in blade1.details
    assert blade2.details[redfish.MISSING] == "/redfish/v1/Systems/Blade2/Storage"
    assert redfish.SKIPPED not in blade1.details  # every system was recorded


@pytest.mark.parametrize(
    "gone, still",
    [
        ("/redfish/v1/Chassis/Blade1", {"NIC NIC1", "Drive Bay 1"}),  # the serial is the system's own
        ("/redfish/v1/Managers/Blade1BMC", {"NIC NIC1", "Drive Bay 1"}),
        ("/redfish/v1/Systems/Blade1/Storage/RAID1", {"NIC NIC1"}),
        ("/redfish/v1/Systems/Blade1/Storage/RAID1/Drives/Bay2", {"NIC NIC1", "Drive Bay 1"}),
        ("/redfish/v1/Systems/Blade1/EthernetInterfaces/NIC2", {"NIC NIC1", "Drive Bay 2"}),
    ],
)
def test_any_missing_sub_resource_costs_only_itself(gone, still):
    blade1, _ = redfish.read_systems(files(BLADES, gone=(gone,)))
    assert blade1.serial == BLADE1["serial"] and blade1.os_version == "BX2.4.1 (03/11/2024)"
    assert still <= {m.name for m in blade1.modules}
    assert gone in blade1.details[redfish.MISSING]


def test_missing_power_of_a_single_server_is_skipped():
    """The older Power resource (Dell's lab mockup) and the PowerSubsystem (Lenovo's) answering
    404: the server is read without power supplies."""
    dell = MOCKUPS / "dell-r740"
    (facts,) = redfish.read_systems(files(dell, gone=("/redfish/v1/Chassis/System.Embedded.1/Power",)))
    assert facts.serial == "CNWS30097P0412" and not any(m.name.startswith("PS") for m in facts.modules)
    assert facts.details[redfish.MISSING] == "/redfish/v1/Chassis/System.Embedded.1/Power"
    lenovo = MOCKUPS / "lenovo-sr650-v2"
    subsystem = document("/redfish/v1/Chassis/1", lenovo)["PowerSubsystem"]["@odata.id"]
    (facts,) = redfish.read_systems(files(lenovo, gone=(subsystem.rstrip("/"),)))
    assert facts.serial == "J9008WLA" and not any(m.name.startswith("PSU") for m in facts.modules)
    assert {"Drive 0", "NIC slot-13"} <= {m.name for m in facts.modules}


def test_a_single_server_reads_as_before():
    (facts,) = redfish.read_systems(files(MOCKUPS / "dell-r740"))
    assert facts.serial == "CNWS30097P0412" and facts.hostname == "esx-prod-07"
    assert facts.details[redfish.SYSTEMS_LISTED] == "1" and facts.details["bmc"] == "iDRAC.Embedded.1"
    assert redfish.MISSING not in facts.details and redfish.SKIPPED not in facts.details


def test_a_system_that_answers_404_is_left_out_and_named_the_others_are_read():
    fetch = files(BLADES, gone=("/redfish/v1/Systems/Blade1",))
    (blade2,) = redfish.read_systems(fetch)
    assert blade2.serial == BLADE2["serial"] and blade2.details[redfish.SYSTEMS_LISTED] == "2"
    assert blade2.details[redfish.SKIPPED] == "/redfish/v1/Systems/Blade1: not found (HTTP 404)"
    assert not any("Blade1" in p for p in fetch.requested[2:])  # nothing of the missing one is read


def test_a_service_whose_systems_collection_answers_404_fails_the_host():
    with pytest.raises(redfish.NotFound) as caught:
        redfish.read_systems(files(BLADES, gone=("/redfish/v1/Systems",)))
    reason, message = classify(caught.value)
    assert reason == Reason.UNPARSABLE and message == "/redfish/v1/Systems: not found (HTTP 404)"


def test_when_every_system_answers_404_the_host_fails_naming_them():
    gone = ("/redfish/v1/Systems/Blade1", "/redfish/v1/Systems/Blade2")
    with pytest.raises(UnparsableOutput, match="no system could be recorded: .*Blade1.*Blade2"):
        redfish.read_systems(files(BLADES, gone=gone))


def _multi_node(blade1_serial="CT4B21A0117", blade2_serial=""):
    """The two blades as nodes of one multi-node chassis: both name the enclosure as their
    chassis (its serial is the chassis', not a node's)."""
    documents = {}
    for n, serial in ((1, blade1_serial), (2, blade2_serial)):
        path = f"/redfish/v1/Systems/Blade{n}"
        system = document(path)
        system["SerialNumber"] = serial
        system["Links"]["Chassis"] = [{"@odata.id": "/redfish/v1/Chassis/Enclosure"}]
        documents[path] = system
    return documents


def test_a_node_without_a_serial_of_its_own_on_a_shared_chassis_is_left_out():
    fetch = files(BLADES, _multi_node())
    (node1,) = redfish.read_systems(fetch)
    assert node1.serial == BLADE1["serial"] and node1.details["chassis"] == "Enclosure"
    assert node1.details[redfish.SKIPPED] == (
        "Blade2: no serial of its own, and its chassis Enclosure is shared with 1 other system(s)"
    )
    # the shared chassis' power supplies are no node's
    assert not any(m.serial.startswith("CT4P30") for m in node1.modules)
    assert "/redfish/v1/Chassis/Enclosure/Power" not in fetch.requested


def test_nodes_with_serials_of_their_own_on_a_shared_chassis_are_each_recorded():
    node1, node2 = redfish.read_systems(files(BLADES, _multi_node(blade2_serial="CT4N0000002")))
    assert (node1.serial, node2.serial) == (BLADE1["serial"], "CT4N0000002")
    assert node1.details["chassis"] == node2.details["chassis"] == "Enclosure"


def test_nodes_that_repeat_the_chassis_serial_are_all_left_out():
    """A multi-node chassis whose nodes all report the chassis' serial as theirs: which asset is
    which node cannot be told, so none is recorded (the host fails, naming them)."""
    documents = _multi_node(blade1_serial="CT4E40C0031", blade2_serial="CT4E40C0031")
    with pytest.raises(UnparsableOutput) as caught:
        redfish.read_systems(files(BLADES, documents))
    assert "Blade1: serial CT4E40C0031 is reported by another system" in str(caught.value)
    assert "Blade2: serial CT4E40C0031 is reported by another system" in str(caught.value)


def test_a_system_without_any_serial_is_left_out():
    chassis = document("/redfish/v1/Chassis/Blade2")
    chassis["SerialNumber"] = ""
    (blade1,) = redfish.read_systems(files(BLADES, {"/redfish/v1/Chassis/Blade2": chassis}))
    assert blade1.details[redfish.SKIPPED].startswith("Blade2: no serial")


# --- the run: every system synced, each on its own ------------------------------------------------


def test_names_of_several_systems_are_the_hosts_and_their_id():
    from collectors.runner import _named

    blade1, blade2 = redfish.read_systems(files(BLADES))
    names = [d.hostname for d in _named([blade1, blade2], "srv-encl#2")]
    assert names == ["srv-encl Blade1", "srv-encl Blade2"]
    (only,) = redfish.read_systems(files(BLADES, gone=("/redfish/v1/Systems/Blade1",)))
    assert _named([only], "srv-encl")[0].hostname == "srv-encl Blade2"  # the name stays with the system
    (dell,) = redfish.read_systems(files(MOCKUPS / "dell-r740"))
    assert _named([dell], "x")[0].hostname == "esx-prod-07"
    blade1.hostname = blade2.hostname = "localhost"  # an OS that was never named
    assert [d.hostname for d in _named([blade1, blade2], "srv")] == ["localhost Blade1", "localhost Blade2"]


def _record(item, name="srv-encl"):
    from django.utils import timezone

    from collectors.models import DiscoveryRun
    from collectors.runner import _record
    from collectors.sync import Catalogue

    now = timezone.now()
    run = DiscoveryRun.objects.create(started=now, heartbeat=now, source="t", workers=1)
    host = Host(name=name, hostname="127.77.250.9", platform="redfish")
    return _record(item, host, run, Catalogue(), 0, "t"), run


def test_one_system_the_inventory_refuses_costs_that_system_only(db, monkeypatch):
    from django.db import IntegrityError

    from collectors import runner
    from collectors.models import DiscoveryHost
    from inventory.models import Asset

    real = runner.sync_device

    def refuse_blade1(facts, **kwargs):
        if facts.serial == BLADE1["serial"]:
            raise IntegrityError("duplicate key value violates unique constraint")
        return real(facts, **kwargs)

    monkeypatch.setattr(runner, "sync_device", refuse_blade1)
    blade1, blade2 = redfish.read_systems(files(BLADES))
    hr, run = _record(Collected("srv-encl", blade1, 0.1, others=[blade2]))
    asset = Asset.objects.get(serial=BLADE2["serial"])
    assert not Asset.objects.filter(serial=BLADE1["serial"]).exists()
    row = DiscoveryHost.objects.get(run=run, name="srv-encl")
    assert (row.outcome, row.reason, row.asset_id, row.created) == ("failed", "conflict", asset.pk, True)
    assert row.message.startswith(
        "1 of 2 systems recorded; srv-encl Blade1 (CT4B21A0117) not saved, the inventory refused it: dup"
    )
    assert hr.created == 1 and hr.changes >= 1


def test_every_system_saved_is_a_success_with_counts_over_all(db):
    from collectors.models import DiscoveryHost
    from inventory.models import Asset

    blade1, blade2 = redfish.read_systems(files(BLADES))
    hr, run = _record(Collected("srv-encl", blade1, 0.1, others=[blade2]))
    row = DiscoveryHost.objects.get(run=run)
    first = Asset.objects.get(serial=BLADE1["serial"])
    assert (row.outcome, row.reason, row.asset_id, row.created) == ("success", "", first.pk, True)
    assert hr.created == 2 and row.changes == hr.changes > 2
    assert row.message == (
        "2 systems recorded; skipped, not found (HTTP 404): "
        "srv-encl Blade2: /redfish/v1/Systems/Blade2/Storage"
    )
    first, *others = redfish.read_systems(files(BLADES))
    again, _ = _record(Collected("srv-encl", first, 0.1, others=others))
    assert (again.created, again.updated, again.changes) == (0, 0, 0)


# --- end to end: the lab's blade enclosure over HTTPS ---------------------------------------------


@pytest.fixture(scope="module")
def blade_lab(tmp_path_factory):
    """The lab's blade enclosure, and a copy of it whose Blade1 answers 404 (a blade pulled while
    the enclosure still lists it), served over HTTPS by lab BMC processes."""
    copy_dir = tmp_path_factory.mktemp("mockup") / "blade-pulled"
    shutil.copytree(BLADES, copy_dir)
    shutil.rmtree(copy_dir / "Systems" / "Blade1")
    encl = next(b for b in topology.build_bmcs(port=free_port()) if b.mockup == "contoso-bladed")
    pulled = topology.Bmc("srv-blade-pulled", "127.77.250.200", encl.port, str(copy_dir))
    lab = Lab([], bmcs=[encl, pulled], tls_dir=tmp_path_factory.mktemp("lab") / "bmc-tls")
    lab.start()
    yield lab
    lab.stop()


def _discover(lab, tmp_path, names):
    from collectors.hosts import from_folder, load_credentials
    from collectors.runner import discover

    folder = write_inventory([], tmp_path / "inventory", bmcs=lab.bmcs, ca_file=lab.tls.ca)
    credentials = load_credentials(tmp_path / "secrets.yaml", env={})
    inventory = from_folder(folder, credentials).filter(filter_func=lambda h: h.name in names)
    return discover(inventory, source="blades", credentials=credentials)


def test_a_blade_enclosure_over_https_is_one_asset_per_blade_and_a_rerun_changes_nothing(
    db, blade_lab, tmp_path
):
    from collectors.models import DiscoveryHost
    from inventory.models import Asset

    report = _discover(blade_lab, tmp_path, {"srv-blade-encl"})
    assert report.run.hosts_succeeded == 1 and report.run.assets_created == 2
    blade1, blade2 = (Asset.objects.get(serial=b["serial"]) for b in (BLADE1, BLADE2))
    assert (blade1.name, blade2.name) == ("srv-blade-encl Blade1", "srv-blade-encl Blade2")
    for asset, expected in ((blade1, BLADE1), (blade2, BLADE2)):
        assert (asset.manufacturer.name, asset.hardware_model.model) == ("Contoso", "BX210")
        assert asset.platform.slug == "redfish" and asset.management_address == "127.77.250.4"
        assert {(m.name, m.part_number, m.serial) for m in asset.modules.all()} == expected["modules"]
    row = DiscoveryHost.objects.get(run=report.run, name="srv-blade-encl")
    assert (row.outcome, row.asset_id, row.created) == ("success", blade1.pk, True)
    assert row.message.startswith("2 systems recorded; skipped, not found (HTTP 404): srv-blade-encl Blade2")

    again = _discover(blade_lab, tmp_path / "again", {"srv-blade-encl"})
    assert again.run.hosts_succeeded == 1
    assert again.run.assets_created == 0 and again.run.assets_updated == 0  # idempotent, modules too
    assert DiscoveryHost.objects.get(run=again.run).changes == 0
    assert Asset.objects.filter(platform__slug="redfish").count() == 2


def test_a_blade_that_answers_404_is_left_out_and_the_hosts_record_says_why(
    db, blade_lab, tmp_path
):
    from collectors.models import DiscoveryHost
    from inventory.models import Asset

    report = _discover(blade_lab, tmp_path, {"srv-blade-pulled"})
    (asset,) = Asset.objects.filter(platform__slug="redfish")
    assert asset.serial == BLADE2["serial"] and asset.name == "srv-blade-pulled Blade2"
    row = DiscoveryHost.objects.get(run=report.run, name="srv-blade-pulled")
    assert (row.outcome, row.reason, row.asset_id) == ("failed", Reason.UNPARSABLE, asset.pk)
    assert row.message.startswith(
        "1 of 2 systems recorded; systems not recorded: /redfish/v1/Systems/Blade1: not found (HTTP 404)"
    )
    assert report.run.assets_created == 1 and report.run.hosts_failed == 1
