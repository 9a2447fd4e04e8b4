"""collectors.redfish on DMTF's public rack-mount mockup (../shared/peer-fixtures/redfish), read
from its files through the same ``fetch`` interface the Redfish client fills."""

import json

import pytest

from collectors import redfish


@pytest.fixture
def mockup(shared_dir):
    root = shared_dir / "peer-fixtures" / "redfish" / "public-rackmount1"
    requested = []

    def fetch(path: str) -> dict:
        requested.append(path)
        relative = path.removeprefix("/redfish/v1").strip("/")
        return json.loads((root / relative / "index.json").read_text())

    fetch.requested = requested
    return fetch


def test_the_contoso_3500_as_its_files_say(mockup):
    facts = redfish.server_facts(redfish.read_server(mockup))
    assert (facts.vendor, facts.model, facts.serial) == ("Contoso", "3500", "437XR1138R2")
    assert facts.os_version == "P79 v1.45 (12/06/2017)" and facts.driver == "redfish"
    assert facts.hostname == "web483"
    assert facts.details["sku"] == "8675309" and facts.details["part_number"] == "224071-J23"
    assert (
        facts.details["bmc_firmware"] == "1.45.455b66-rev4" and facts.details["bmc_model"] == "Joo Janta 200"
    )
    assert facts.details["memory_gib"] == "96" and facts.details["cpu_threads"] == "16"
    assert facts.details["cpu"].startswith("2 × Multi-Core Intel(R) Xeon(R)")
    modules = {m.name: m for m in facts.modules}
    psu = modules["Power Supply Bay 1"]
    assert (psu.part_number, psu.serial) == ("23456-133", "3488247") and "RKS-440DC" in psu.description
    assert "Power Supply Bay 2" not in modules  # an empty bay
    assert modules["SATA Bay 1"].part_number == "3000GT8" and "8 TB" in modules["SATA Bay 1"].description
    assert modules["SATA Bay 2"].part_number == "3000GT7"
    assert "SATA Bay 3" not in modules
    nics = [m for m in facts.modules if m.name.startswith("NIC ")]
    assert {m.name for m in nics} == {"NIC 12446A3B0411", "NIC 12446A3B8890", "NIC ToManager"}  # not the VLAN
    assert "12:44:6A:3B:04:11" in modules["NIC 12446A3B0411"].description


def test_reads_only_what_it_needs(mockup):
    redfish.read_server(mockup)
    assert mockup.requested[0] == "/redfish/v1/Systems"
    assert "/redfish/v1/Managers/BMC" in mockup.requested
    assert not any("LogServices" in p or "Registries" in p for p in mockup.requested)


def test_a_service_without_systems_is_an_error():
    with pytest.raises(ValueError, match="no computer system"):
        redfish.read_server(lambda path: {"Members": []})


def test_older_power_resource_and_storage_drives():
    docs = {
        "/redfish/v1/Systems": {"Members": [{"@odata.id": "/redfish/v1/Systems/1"}]},
        "/redfish/v1/Systems/1": {
            "Id": "1",
            "Manufacturer": "Dell Inc.",
            "Model": "PowerEdge R640",
            "SerialNumber": "CN7X",
            "BiosVersion": "2.17.1",
            "Links": {"Chassis": [{"@odata.id": "/redfish/v1/Chassis/1"}]},
            "Storage": {"@odata.id": "/redfish/v1/Systems/1/Storage"},
        },
        "/redfish/v1/Chassis/1": {"Power": {"@odata.id": "/redfish/v1/Chassis/1/Power"}},
        "/redfish/v1/Chassis/1/Power": {
            "PowerSupplies": [
                {
                    "MemberId": "0",
                    "Name": "PS1",
                    "Model": "PWR SPLY,750W",
                    "PartNumber": "0N30P9",
                    "SerialNumber": "CNL1",
                },
                {"MemberId": "1", "Name": "PS2", "Status": {"State": "Absent"}, "Model": "PWR SPLY,750W"},
            ]
        },
        "/redfish/v1/Systems/1/Storage": {"Members": [{"@odata.id": "/redfish/v1/Systems/1/Storage/RAID"}]},
        "/redfish/v1/Systems/1/Storage/RAID": {
            "Drives": [{"@odata.id": "/redfish/v1/Systems/1/Storage/RAID/D0"}]
        },
        "/redfish/v1/Systems/1/Storage/RAID/D0": {
            "Name": "Disk 0",
            "Model": "MZ7LH480",
            "SerialNumber": "S4X",
            "CapacityBytes": 480103981056,
        },
    }
    facts = redfish.server_facts(redfish.read_server(docs.__getitem__))
    assert (facts.vendor, facts.model, facts.serial, facts.os_version) == (
        "Dell Inc.",
        "PowerEdge R640",
        "CN7X",
        "2.17.1",
    )
    assert [(m.name, m.part_number, m.serial) for m in facts.modules] == [
        ("PS1", "0N30P9", "CNL1"),
        ("Disk 0", "MZ7LH480", "S4X"),
    ]
    assert "480.104 GB" in facts.modules[1].description


def _ilo_like(host_name: str = "") -> dict:
    """The shapes of HPE iLO 5: every power supply is called "HpeServerPowerSupply", drives are
    named by size and kind, links end with "/", and HostName is empty without the OS agent."""
    return {
        "/redfish/v1/Systems": {"Members": [{"@odata.id": "/redfish/v1/Systems/1/"}]},
        "/redfish/v1/Systems/1/": {
            "Id": "1",
            "Manufacturer": "HPE",
            "Model": "ProLiant DL360 Gen10",
            "SerialNumber": "CZJ1",
            "HostName": host_name,
            "Links": {"Chassis": [{"@odata.id": "/redfish/v1/Chassis/1/"}]},
            "Storage": {"@odata.id": "/redfish/v1/Systems/1/Storage/"},
        },
        "/redfish/v1/Chassis/1/": {"Power": {"@odata.id": "/redfish/v1/Chassis/1/Power/"}},
        "/redfish/v1/Chassis/1/Power/": {
            "PowerSupplies": [
                {
                    "MemberId": "0",
                    "Name": "HpeServerPowerSupply",
                    "Model": "865408-B21",
                    "SerialNumber": "5W1",
                },
                {
                    "MemberId": "1",
                    "Name": "HpeServerPowerSupply",
                    "Model": "865408-B21",
                    "SerialNumber": "5W2",
                },
            ]
        },
        "/redfish/v1/Systems/1/Storage/": {"Members": [{"@odata.id": "/redfish/v1/Systems/1/Storage/DE0/"}]},
        "/redfish/v1/Systems/1/Storage/DE0/": {
            "Drives": [{"@odata.id": f"/redfish/v1/Systems/1/Storage/DE0/Drives/{i}/"} for i in (0, 1)]
        },
        **{
            f"/redfish/v1/Systems/1/Storage/DE0/Drives/{i}/": {
                "Id": str(i),
                "Name": "960GB 6G SATA SSD",
                "Model": "MK000960GWXFF",
                "SerialNumber": f"S45{i}",
            }
            for i in (0, 1)
        },
    }


def test_parts_that_share_a_name_are_named_apart():
    """Sync keys modules on their names: two modules called alike would overwrite each other."""
    facts = redfish.server_facts(redfish.read_server(_ilo_like().__getitem__))
    assert [(m.name, m.serial) for m in facts.modules] == [
        ("HpeServerPowerSupply 0", "5W1"),
        ("HpeServerPowerSupply 1", "5W2"),
        ("960GB 6G SATA SSD 0", "S450"),
        ("960GB 6G SATA SSD 1", "S451"),
    ]


def test_a_pulled_power_supply_leaves_its_twin_named_as_before():
    docs = _ilo_like()
    docs["/redfish/v1/Chassis/1/Power/"]["PowerSupplies"][0] = {
        "MemberId": "0",
        "Name": "HpeServerPowerSupply",
        "Status": {"State": "Absent"},
    }
    facts = redfish.server_facts(redfish.read_server(docs.__getitem__))
    assert [m.name for m in facts.modules if "Power" in m.name] == ["HpeServerPowerSupply 1"]


def test_names_without_member_ids_are_told_apart_by_position():
    modules = redfish._unique_names(
        [(redfish.ModuleFacts("PSU"), "", True), (redfish.ModuleFacts("PSU"), "", True)]
    )
    assert [m.name for m in modules] == ["PSU #1", "PSU #2"]


def test_the_system_id_is_no_host_name():
    """Without an OS agent iLO and iDRAC report no HostName: the asset is then named by its
    address (in sync), not "1" or "System.Embedded.1"."""
    assert redfish.server_facts(redfish.read_server(_ilo_like().__getitem__)).hostname == ""
    assert redfish.server_facts(redfish.read_server(_ilo_like("app-7").__getitem__)).hostname == "app-7"
