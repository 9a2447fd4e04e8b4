"""SNMP discovery end to end (issue #17): the lab's UPSes, printers, firewalls and a switch served
by a real SNMP agent (snmpsim, from the lab's recordings) on their own loopback addresses, read by
the Nornir task ``platform: snmp`` through pysnmp, identified by the recognition rules and synced
like every other device; the broken ones are recorded with their reasons and nothing of them is
written."""

import pytest

from collectors.hosts import from_folder, load_credentials
from collectors.lab import snmp_devices
from collectors.lab.server import Lab, write_inventory
from collectors.models import DiscoveryHost
from collectors.runner import discover
from collectors.tasks import Reason
from inventory.models import Asset, ObjectChange
from tests.collectors.conftest import free_port


@pytest.fixture(scope="module")
def snmp_lab():
    devices = snmp_devices.build_snmp_devices(port=free_port())
    with Lab([], snmp=devices) as lab:
        yield lab, devices


@pytest.fixture
def snmp_inventory(snmp_lab, tmp_path):
    _, devices = snmp_lab
    folder = write_inventory([], tmp_path / "inventory", snmp=devices)
    credentials = load_credentials(folder.parent / "secrets.yaml", env={})
    return from_folder(folder, credentials), credentials, devices


def _by_name(devices):
    return {d.name: d for d in devices}


@pytest.fixture(autouse=True)
def _quick_snmp(settings):
    settings.DISCOVERY_SNMP_TIMEOUT = 1
    settings.DISCOVERY_SNMP_RETRIES = 0


def test_the_lab_over_snmp(db, snmp_inventory):
    inventory, credentials, devices = snmp_inventory
    named = _by_name(devices)
    report = discover(inventory, source="test", credentials=credentials)
    hosts = {h.name: h for h in DiscoveryHost.objects.filter(run=report.run)}
    assert {h.driver for h in hosts.values()} == {"snmp"}

    healthy = [d for d in devices if not d.broken]
    assert report.run.hosts_succeeded == len(healthy) == 7
    for d in healthy:
        assert hosts[d.name].outcome == "success", (d.name, hosts[d.name].message)
        asset = Asset.objects.get(serial=d.serial)
        assert asset.name == d.name  # sysName
        assert str(asset.management_address) == d.address
        assert asset.source == "discovery" and asset.software_version

    ups = Asset.objects.get(serial=named["ups-stadthaus-1"].serial)
    assert ups.manufacturer.name == "APC"
    assert ups.hardware_model.category == "ups"
    printer = Asset.objects.get(serial=named["printer-stadthaus-1"].serial)
    assert printer.hardware_model.category == "printer"
    assert "LaserJet" in printer.hardware_model.model or "LaserJet" in printer.hardware_model.name
    firewall = Asset.objects.get(serial=named["fw-stadthaus-1"].serial)
    assert firewall.manufacturer.name == "Fortinet" and firewall.hardware_model.category == "firewall"
    assert firewall.software_version.lstrip("v").startswith("7.")
    switch = Asset.objects.get(serial=named["sw-cx-werkhof-1"].serial)
    assert switch.hardware_model.category == "switch"
    modules = {m.name: m for m in switch.modules.all()}
    assert {m.serial for m in modules.values()} == {
        f"CN0{switch.serial[-7:]}P1", f"CN0{switch.serial[-7:]}P2", f"CN0{switch.serial[-7:]}F1"}
    assert all(m.part_number in ("JL670A", "JL669A") for m in modules.values())

    # the broken ones: recorded with their reasons, nothing written
    wrong = hosts["ups-wrong-community"]
    assert (wrong.outcome, wrong.reason) == ("failed", Reason.TIMEOUT)
    assert "community" in wrong.message
    bare = hosts["linux-no-serial"]
    assert (bare.outcome, bare.reason) == ("failed", Reason.UNPARSABLE)
    assert "serial" in bare.message
    off = hosts["printer-switched-off"]
    assert (off.outcome, off.reason) == ("failed", Reason.TIMEOUT)
    assert Asset.objects.count() == 7
    for h in hosts.values():  # no community in any message
        assert not any(c in h.message for c in credentials.secrets())

    # again: everything known, nothing changes
    changes = ObjectChange.objects.count()
    again = discover(inventory, source="test", credentials=credentials)
    assert again.run.assets_created == 0 and again.run.assets_updated == 0
    assert ObjectChange.objects.count() == changes
    assert Asset.objects.count() == 7


def test_a_new_firmware_is_a_change_in_the_log(db, snmp_inventory):
    """The firmware a device reports follows the device, recorded in the change log under the
    discovery run."""
    inventory, credentials, devices = snmp_inventory
    discover(inventory, source="test", credentials=credentials)
    fw = _by_name(devices)["fw-stadthaus-1"]
    asset = Asset.objects.get(serial=fw.serial)
    reported = asset.software_version
    Asset.objects.filter(pk=asset.pk).update(software_version="6.4.9")  # as if it ran 6.4.9 before
    report = discover(inventory, source="test", credentials=credentials)
    asset.refresh_from_db()
    assert asset.software_version == reported
    assert report.run.assets_updated == 1
    change = ObjectChange.objects.for_object(asset).order_by("-time", "-pk").first()
    assert change.actor_kind == "discovery" and str(report.run.pk) in change.actor
    assert (change.prechange_data["software_version"], change.postchange_data["software_version"]) == (
        "6.4.9", reported)
