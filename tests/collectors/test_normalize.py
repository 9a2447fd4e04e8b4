"""collectors.normalize against real device outputs (../shared/peer-fixtures) and edge cases.

Expected values are written out by hand from the fixture files (NAPALM's expected_result.json,
ntc-templates' parsed .yml); the fixture folders themselves are checked against these tables, so
a new case on disk cannot go untested.
"""

import json
from collections import Counter

import pytest
import yaml

from collectors import normalize
from collectors.normalize import (
    ModuleFacts,
    Neighbour,
    UnparsableOutput,
    chassis_from_inventory,
    clean_os_version,
    device_facts,
    driver_from_description,
    guess_category,
    in_prefixes,
    modules_from_inventory,
    neighbours_from_lldp,
    parse_prefixes,
    platform_slug,
    usable_address,
)
from collectors.tasks import parse_text

CONTROL_CHARACTERS = {chr(c) for c in range(32)} | {"\x7f"}


def _napalm(shared_dir, driver, getter):
    return shared_dir / "peer-fixtures" / "napalm" / driver / "mocked_data" / getter


# --- NAPALM get_facts ---------------------------------------------------------------------------

# (driver, case) -> (clean release, platform slug); the release read off each expected_result.json.
GET_FACTS = {
    ("ios", "normal"): ("15.0(2)SE4", "cisco-ios"),
    ("ios", "empty_show_hosts"): ("15.0(2)SE4", "cisco-ios"),
    ("ios", "old-2950"): ("12.1(22)EA13", "cisco-ios"),
    ("nxos_ssh", "7009_6_2_14"): ("6.2(14)", "nxos"),
    ("nxos_ssh", "N93180"): ("7.0(3)I7(2)", "nxos"),
    ("nxos_ssh", "does_not_support_json"): ("7.0(3)I7(2)", "nxos"),
    ("nxos_ssh", "issue2151"): ("10.3(5)", "nxos"),
    ("nxos_ssh", "missing_domain"): ("7.3(1)D1(1)", "nxos"),
    ("nxos_ssh", "newer_version"): ("7.0(3)I4(7)", "nxos"),
    ("nxos_ssh", "normal"): ("7.3(1)D1(1)", "nxos"),
}


def test_every_get_facts_case_on_disk_is_in_the_table(shared_dir):
    on_disk = {
        (driver, case.name)
        for driver in ("ios", "nxos_ssh")
        for case in _napalm(shared_dir, driver, "test_get_facts").iterdir()
        if (case / "expected_result.json").is_file()
    }
    assert on_disk == set(GET_FACTS)


@pytest.mark.parametrize(("driver", "case"), sorted(GET_FACTS))
def test_device_facts_from_napalm_get_facts(shared_dir, driver, case):
    facts = json.loads(
        (_napalm(shared_dir, driver, "test_get_facts") / case / "expected_result.json").read_text()
    )
    version, platform = GET_FACTS[driver, case]
    assert version in facts["os_version"]  # the table cannot drift from the fixture

    result = device_facts(driver, facts)

    assert result.serial == facts["serial_number"]
    assert result.hostname == facts["hostname"]
    assert result.vendor == facts["vendor"] == "Cisco"
    assert result.model_name == facts["model"]
    assert result.model == facts["model"]  # no inventory: get_facts' model is all there is
    assert result.os_version == version
    assert result.os_version_raw == facts["os_version"]
    assert result.platform == platform
    assert result.driver == driver
    assert result.uptime_seconds == float(facts["uptime"])
    expected_fqdn = "" if facts["fqdn"] in ("", "Unknown") else facts["fqdn"]
    assert result.fqdn == expected_fqdn
    assert result.modules is None  # inventory not read: leave the modules alone
    assert result.neighbours == []


def test_eos_case_without_serial_is_unparsable(shared_dir):
    path = _napalm(shared_dir, "eos", "test_get_facts") / "normal" / "expected_result.json"
    facts = json.loads(path.read_text())
    assert facts["serial_number"] == ""
    with pytest.raises(UnparsableOutput, match="serial"):
        device_facts("eos", facts)


# --- ntc-templates show inventory -------------------------------------------------------------

NTC_INVENTORY = {
    ("cisco_ios", "cisco_ios_show_inventory"),
    ("cisco_nxos", "cisco_nxos_show_inventory"),
    ("cisco_nxos", "cisco_nxos_show_inventory1"),
    ("cisco_nxos", "cisco_nxos_show_inventory2"),
    ("cisco_nxos", "cisco_nxos_show_inventory3"),
    ("arista_eos", "arista_eos_show_inventory"),
    ("arista_eos", "arista_eos_show_inventory1"),
    ("arista_eos", "arista_eos_show_inventory2"),
}
PLACEHOLDERS = {"", "n/a", "na", "none", "unknown"}


def _ntc(shared_dir, platform):
    return shared_dir / "peer-fixtures" / "ntc-templates" / platform / "show_inventory"


def _real(value: str) -> str:
    value = (value or "").strip()
    return "" if value.casefold() in PLACEHOLDERS else value


def _stripped(records):
    return [{key: value.strip() for key, value in r.items()} for r in records]


def _inventory_case(shared_dir, platform, stem):
    folder = _ntc(shared_dir, platform)
    raw = (folder / f"{stem}.raw").read_text()
    sample = yaml.safe_load((folder / f"{stem}.yml").read_text())["parsed_sample"]
    return parse_text(platform, "show inventory", raw), sample


def test_every_show_inventory_sample_on_disk_is_in_the_table(shared_dir):
    on_disk = {
        (platform, raw.stem)
        for platform in ("cisco_ios", "cisco_nxos", "arista_eos")
        for raw in _ntc(shared_dir, platform).glob("*.raw")
    }
    assert on_disk == NTC_INVENTORY


@pytest.mark.parametrize(("platform", "stem"), sorted(NTC_INVENTORY))
def test_parse_text_yields_the_ntc_templates_records(shared_dir, platform, stem):
    records, sample = _inventory_case(shared_dir, platform, stem)
    assert all(key == key.lower() for r in records for key in r)
    # The samples come from an older ntc-templates commit whose Arista template kept a trailing blank
    # in DESCR; the installed one trims it. Values are compared without surrounding blanks.
    assert _stripped(records) == _stripped(sample)
    assert len(records) == len(sample)


@pytest.mark.parametrize(("platform", "stem"), sorted(NTC_INVENTORY))
def test_modules_from_real_show_inventory(shared_dir, platform, stem):
    records, sample = _inventory_case(shared_dir, platform, stem)
    chassis_serial = sample[0]["sn"]

    chassis = chassis_from_inventory(records, chassis_serial)
    assert chassis is records[0]
    modules = modules_from_inventory(records, chassis)

    assert chassis_serial not in {m.serial for m in modules}
    expected = Counter()
    for rec in sample[1:]:
        pid, sn = _real(rec["pid"]).rstrip("="), _real(rec["sn"])
        if (pid or sn) and sn != chassis_serial:  # the chassis listed again (Nexus "Slot 1") is not a part
            expected[pid, sn] += 1
    assert expected  # every sample has parts besides the chassis
    assert Counter((m.part_number, m.serial) for m in modules) == expected
    names = [m.name for m in modules]
    assert all(names)
    assert len(set(names)) == len(names)
    assert all(not m.part_number.endswith("=") for m in modules)


def test_arista_parts_are_named_by_kind_and_slot(shared_dir):
    records, _ = _inventory_case(shared_dir, "arista_eos", "arista_eos_show_inventory")
    modules = modules_from_inventory(records, chassis_from_inventory(records, "JPE13120702"))
    assert {m.name: (m.part_number, m.serial) for m in modules} == {
        "PowerSupply1": ("PWR-460AC-F", "K192KU00241CZ"),
        "PowerSupply2": ("PWR-460AC-F", "K192L200751CZ"),
        "Fan1": ("FAN-7000-F", ""),
        "Fan2": ("FAN-7000-F", ""),
        "Fan3": ("FAN-7000-F", ""),
        "Fan4": ("FAN-7000-F", ""),
        "Port1": ("SFP-10G-SR", "XCW1225FD753"),
        "Port2": ("SFP-10G-SR", "XCW1225FD753"),
        "Port51": ("SFP-10G-SR", "XCW1225FD753"),
        "Port52": ("SFP-10G-SR", "XCW1225FD753"),
    }


def test_repeated_ios_module_names_are_numbered(shared_dir):
    records, _ = _inventory_case(shared_dir, "cisco_ios", "cisco_ios_show_inventory")
    modules = modules_from_inventory(records, chassis_from_inventory(records, "FF1045C5"))
    assert modules == [
        ModuleFacts("One port Fastethernet TX", "NM-1FE-TX", "7720321", "One port Fastethernet TX"),
        ModuleFacts("One port Fastethernet TX (2)", "NM-1FE-TX", "7720321", "One port Fastethernet TX"),
        ModuleFacts("One port Fastethernet TX (3)", "NM-1FE-TX", "7720321", "One port Fastethernet TX"),
    ]


def test_chassis_without_serial_match_is_the_record_named_chassis(shared_dir):
    records, _ = _inventory_case(shared_dir, "cisco_nxos", "cisco_nxos_show_inventory2")
    shuffled = records[2:5] + records[:2] + records[5:]
    chassis = chassis_from_inventory(shuffled, "SERIAL-NOT-THERE")
    assert chassis["name"] == "Chassis"
    assert chassis["pid"] == "N9K-C93180YC-EX"


def test_device_facts_takes_model_and_missing_serial_from_the_chassis(shared_dir):
    records, _ = _inventory_case(shared_dir, "cisco_nxos", "cisco_nxos_show_inventory3")
    facts = {"hostname": "leaf-9", "vendor": "Cisco", "model": "", "serial_number": "",
             "os_version": "9.3(8)", "uptime": 10}
    result = device_facts("nxos_ssh", facts, inventory=records)
    assert result.serial == "9UGOPLT5M69"
    assert result.model == result.model_name == "N9K-C9300v"
    assert [(m.name, m.part_number, m.serial) for m in result.modules] == [
        ("Slot 1", "N9K-X9364v", "91IXIL2AGTF"),
        ("Slot 27", "N9K-vSUP", "986DSNYNRXN"),
    ]


def test_modules_skip_parts_without_part_number_or_serial():
    records = [
        {"name": "Chassis", "pid": "C9300-48P", "sn": "FOC0000X001", "descr": "chassis"},
        {"name": "Blank 1", "pid": "N/A", "sn": "N/A", "descr": "empty slot"},
        {"name": "Blank 2", "pid": "", "sn": "", "descr": ""},
        {"name": "PS 1", "pid": "PWR-C1-715WAC=", "sn": "N/A", "descr": '"715W AC"'},
    ]
    modules = modules_from_inventory(records, records[0])
    assert modules == [ModuleFacts("PS 1", "PWR-C1-715WAC", "", "715W AC")]
    assert modules_from_inventory([], None) == []


# --- clean_os_version / platform_slug / driver_from_description / guess_category ----------------

@pytest.mark.parametrize(("raw", "driver", "clean"), [
    ("C2960 Software (C2960-LANBASEK9-M), Version 15.0(2)SE4, RELEASE SOFTWARE (fc1)", "ios", "15.0(2)SE4"),
    ("C2950 Software (C2950-I6K2L2Q4-M), Version 12.1(22)EA13, RELEASE SOFTWARE (fc2)", "ios",
     "12.1(22)EA13"),
    ("Cisco IOS Software, vios_l2 Software (vios_l2-ADVENTERPRISEK9-M), Version 15.2(4.0.55)E, TEST "
     "ENGINEERING ESTG_WEEKLY BUILD", "ios", "15.2(4.0.55)E"),
    ("Cisco IOS XE Software, Version 17.06.04", "ios", "17.06.04"),
    ("Cisco IOS Software [Amsterdam], Catalyst L3 Switch Software (CAT9K_IOSXE), Version 17.3.4, "
     "RELEASE SOFTWARE (fc3)", "ios", "17.3.4"),
    ("Cisco IOS Software, CSR1000V Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version 16.9.3, "
     "RELEASE SOFTWARE (fc2)", "ios", "16.9.3"),
    ("Cisco IOS Software, IOS-XE Software, Catalyst 4500 L3 Switch  Software (cat4500e-UNIVERSALK9-M), "
     "Version 03.06.05.E RELEASE SOFTWARE (fc2)", "ios", "03.06.05.E"),
    ("Cisco IOS Software, C2960 Software\nVersion 15.2(7)E4,\r\n RELEASE SOFTWARE", "ios", "15.2(7)E4"),
    ("9.3(8)", "nxos_ssh", "9.3(8)"),
    ("7.0(3)I7(2)", "nxos_ssh", "7.0(3)I7(2)"),
    ("4.28.3M-28117394.4283M", "eos", "4.28.3M"),
    ("4.15.5M-3054042.4155M", "eos", "4.15.5M"),
    ("4.31.1F", "eos", "4.31.1F"),
    ("20.4R3-S2.6", "junos", "20.4R3-S2.6"),
    ("", "ios", ""),
    ("   \n ", "ios", ""),
    (None, "eos", ""),
])
def test_clean_os_version(raw, driver, clean):
    assert clean_os_version(raw, driver) == clean


def test_clean_os_version_is_capped():
    assert len(clean_os_version("Version 1." + "1" * 500, "ios")) <= 50


@pytest.mark.parametrize(("driver", "raw", "version", "slug"), [
    ("ios", "C2960 Software (C2960-LANBASEK9-M), Version 15.0(2)SE4, RELEASE SOFTWARE (fc1)",
     "15.0(2)SE4", "cisco-ios"),
    ("ios", "C2950 Software (C2950-I6K2L2Q4-M), Version 12.1(22)EA13, RELEASE SOFTWARE (fc2)",
     "12.1(22)EA13", "cisco-ios"),
    ("ios", "Cisco IOS XE Software, Version 17.06.04", "17.06.04", "cisco-ios-xe"),
    ("ios", "Cisco IOS Software, CSR1000V Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version 16.9.3",
     "16.9.3", "cisco-ios-xe"),
    ("ios", "Cisco IOS Software, IOS-XE Software, Catalyst 4500 L3 Switch Software (cat4500e-UNIVERSALK9-M)"
     ", Version 03.06.05.E", "03.06.05.E", "cisco-ios-xe"),
    ("ios", "Catalyst L3 Switch Software (CAT9K_IOSXE), Version 17.3.4", "17.3.4", "cisco-ios-xe"),
    ("ios", "", "16.12.4", "cisco-ios-xe"),
    ("ios", "", "17.3.4", "cisco-ios-xe"),
    ("ios", "", "15.2(7)E4", "cisco-ios"),
    ("ios", "", "", "cisco-ios"),
    ("nxos_ssh", "9.3(8)", "9.3(8)", "nxos"),
    ("nxos", "9.3(8)", "9.3(8)", "nxos"),
    ("eos", "4.28.3M-28117394.4283M", "4.28.3M", "eos"),
    ("junos", "20.4R3-S2.6", "20.4R3-S2.6", "junos"),
])
def test_platform_slug(driver, raw, version, slug):
    assert platform_slug(driver, raw, version) == slug
    assert slug in normalize.PLATFORM_NAMES


@pytest.mark.parametrize(("description", "driver"), [
    ("Cisco Nexus Operating System (NX-OS) Software 9.3(8)\nTAC support: http://www.cisco.com/tac",
     "nxos_ssh"),
    ("Cisco NX-OS(tm) n9000, Software (n9000-dk9), Version 7.0(3)I7(2)", "nxos_ssh"),
    ("Arista Networks EOS version 4.15.2F running on an Arista Networks vEOS", "eos"),
    ("Arista Networks EOS version 4.28.3M running on an Arista Networks DCS-7050SX3-48YC8", "eos"),
    ("Cisco IOS Software, C2960 Software (C2960-LANBASEK9-M), Version 15.0(1)SE2, RELEASE SOFTWARE (fc3)",
     "ios"),
    ("Cisco IOS Software [Denali], CSR1000V Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version 16.3.1",
     "ios"),
    ("Cisco IOS Software, IOS-XE Software, Catalyst 4500 L3 Switch  Software (cat4500e-UNIVERSALK9-M)",
     "ios"),
    ("Cisco IOS XE Software, Version 17.06.04", "ios"),
    ("Juniper Networks, Inc. ex3300-24p , version 12.3R12.4 Build date: 2016-01-20 05:03:06 UTC", "junos"),
    ("Juniper Networks, Inc. vmx internet router, kernel JUNOS 15.1F4.15", "junos"),
    ("ProCurve J9019A Switch 2510-24, revision Q.10.01, ROM Q.10.02 (/sw/code/build/harp(harp))", None),
    ("Hewlett-Packard HP ProBook 650 G1,A3112DD10303,5CG4543H13 + engineering", None),
    ("Siemens, SIMATIC NET, CP 443-1, 6GK7 443-1EX50-0XE0, HW: Version 7, FW: Version V3.0.23", None),
    # IOS-XR is not IOS: NAPALM's ios driver cannot read it, and iosxr is not a supported driver
    ("Cisco IOS XR Software, Version 6.1.3[Default]", None),
    ("", None),
    (None, None),
])
def test_driver_from_description(description, driver):
    assert driver_from_description(description) == driver


@pytest.mark.parametrize(("model", "category"), [
    ("ISR4331/K9", "router"),
    ("ASR1001-X", "router"),
    ("C8300-1N1S-6T", "router"),
    ("CISCO2901/K9", "router"),
    ("mx204", "router"),
    ("ASA5516-X", "firewall"),
    ("FPR-2110", "firewall"),
    ("FG-100F", "firewall"),
    ("PA-3220", "firewall"),
    ("AIR-AP2802I-E-K9", "wireless"),
    ("C9120AXI-E", "wireless"),
    ("WS-C2960X-48FPD-L", "switch"),
    ("C9300-48P", "switch"),
    ("N9K-C93180YC-EX", "switch"),
    ("DCS-7050SX3-48YC8", "switch"),
])
def test_guess_category(model, category):
    assert guess_category(model) == category


# --- LLDP ---------------------------------------------------------------------------------------

CHASSIS_JOIN = object()  # joined by chassis id; checked in its own test below

# case -> {(local port, neighbour name): management address}, read off each case's
# show_lldp_neighbors_detail.txt ("" where the device shows none or garbage such as 192.168.45..57).
LLDP_ADDRESSES = {
    "alternate": {
        ("GigabitEthernet1", "eos-spine1.ntc.com"): "",
        ("GigabitEthernet1", "vmx1"): "10.0.0.31",
    },
    "alternate2": {
        ("FastEthernet0/24", "switch1"): "10.127.15.129",
        ("FastEthernet0/17", "48:0F:CF:28:8A:1B"): "",
    },
    "alternate4": {
        ("GigabitEthernet1", "csr9.bogus.com"): "10.0.0.53",
        ("GigabitEthernet1", "csr8.bogus.com"): "10.0.0.52",
        ("GigabitEthernet1", "csr12.bogus.com"): "10.0.0.56",
        ("GigabitEthernet2", "csr9.bogus.com"): "10.0.0.53",
        ("GigabitEthernet4", "csr8.bogus.com"): "10.0.0.52",
    },
    "device_id_20chars": {
        ("GigabitEthernet1", "ABCD-U-DSW1.wan.acme.com"): "192.168.1.13",
        ("GigabitEthernet1", "HMBBKKU-LA"): "",
        ("GigabitEthernet1", "JNICEEL-LA"): "",
        ("GigabitEthernet1", "SWAAAER-LTA"): "",
        ("GigabitEthernet1", "RBERRRANN-LTA"): "",
        ("GigabitEthernet1", "cr-443-2"): CHASSIS_JOIN,
        ("GigabitEthernet1", "Cisco IP Phone SPA504G"): "",
    },
    "device_id_20chars_space": {
        ("GigabitEthernet1", "ABCD-U-DSW1.wan.acme.com"): "192.168.1.13",
        ("GigabitEthernet1", "HMBBKKU-LA"): "",
        ("GigabitEthernet1", "JNICEEL-LA"): "",
        ("GigabitEthernet1", "SWAAAER-LTA"): "",
        ("GigabitEthernet1", "RBERRRANN-LTA"): "",
        ("GigabitEthernet1", "cr-443-2"): CHASSIS_JOIN,
        ("GigabitEthernet1", "Cisco IP Phone SPA5 4G"): "",
    },
    "missing_capability": {
        ("GigabitEthernet1", "SW2.cisco.com"): "192.168.61.122",
        ("GigabitEthernet1", "00:50:56:C0:00:01"): "",
    },
    "normal": {("FastEthernet4", "twb-sf-hpsw1"): ""},
    "older_ios": {
        ("GigabitEthernet0/24", "switch1"): "",
        ("GigabitEthernet0/1", "switch2"): "10.10.10.10",
    },
}


def _lldp_case(shared_dir, case):
    folder = _napalm(shared_dir, "ios", "test_get_lldp_neighbors_detail") / case
    detail = json.loads((folder / "expected_result.json").read_text())
    text = (folder / "show_lldp_neighbors_detail.txt").read_text()
    return detail, parse_text("cisco_ios", "show lldp neighbors detail", text)


def test_every_lldp_case_on_disk_is_in_the_table(shared_dir):
    folder = _napalm(shared_dir, "ios", "test_get_lldp_neighbors_detail")
    assert {case.name for case in folder.iterdir() if case.is_dir()} == set(LLDP_ADDRESSES)


@pytest.mark.parametrize("case", sorted(LLDP_ADDRESSES))
def test_one_neighbour_per_napalm_lldp_entry(shared_dir, case):
    detail, _ = _lldp_case(shared_dir, case)
    expected = [
        (port, e["remote_system_name"] or e["remote_chassis_id"], e["remote_port"], e["remote_chassis_id"])
        for port, entries in detail.items()
        for e in entries
    ]
    neighbours = neighbours_from_lldp(detail)
    assert [(n.local_port, n.name, n.port, n.chassis_id) for n in neighbours] == expected
    assert all(n.address == "" for n in neighbours)  # nobody asked for addresses
    assert {(n.local_port, n.name) for n in neighbours} == set(LLDP_ADDRESSES[case])


@pytest.mark.parametrize("case", sorted(LLDP_ADDRESSES))
def test_lldp_management_addresses_from_the_real_text_output(shared_dir, case):
    detail, records = _lldp_case(shared_dir, case)
    neighbours = neighbours_from_lldp(detail, records)
    got = {(n.local_port, n.name): n.address for n in neighbours}
    expected = LLDP_ADDRESSES[case]
    assert set(got) == set(expected)
    wrong = {
        key: (got[key], address)
        for key, address in expected.items()
        if address is not CHASSIS_JOIN and got[key] != address
    }
    assert wrong == {}, "(local port, neighbour): (address given, address the device shows)"


@pytest.mark.parametrize("case", ["device_id_20chars", "device_id_20chars_space"])
def test_neighbour_without_system_name_gets_address_by_chassis_id(shared_dir, case):
    # "cr-443-2" announces no system name: NAPALM names it by chassis id, and so does the text output
    detail, records = _lldp_case(shared_dir, case)
    plc = [n for n in neighbours_from_lldp(detail, records) if n.name == "cr-443-2"]
    assert len(plc) == 1
    assert plc[0].address == "192.168.24.197"


def test_two_neighbours_on_one_port_keep_their_own_addresses():
    detail = {"GigabitEthernet1": [{"remote_system_name": "csr9", "remote_chassis_id": "00:1e:bd:3a:f9:00"},
                                   {"remote_system_name": "csr8", "remote_chassis_id": "00:1e:bd:60:ee:00"},
                                   {"remote_system_name": "", "remote_chassis_id": "00:50:56:c0:00:01"}]}
    records = [
        {"local_interface": "Gi1", "neighbor_name": "csr9", "mgmt_address": "10.0.0.53"},
        {"local_interface": "Gi1", "neighbor_name": "csr8", "mgmt_address": "10.0.0.52"},
        {"local_interface": "Gi1", "neighbor_name": "", "mgmt_address": ""},
    ]
    assert [(n.name, n.address) for n in neighbours_from_lldp(detail, records)] == [
        ("csr9", "10.0.0.53"),
        ("csr8", "10.0.0.52"),
        ("00:50:56:c0:00:01", ""),
    ]


DETAIL = {
    "GigabitEthernet1/0/1": [
        {"remote_system_name": "dist-1", "remote_port": "Te1/1/1", "remote_chassis_id": "00:11:22:33:44:55",
         "remote_system_description": "Cisco IOS Software, IOS-XE Software"},
    ],
    "TenGigabitEthernet1/1/2": [
        {"remote_system_name": "", "remote_port": "Ethernet49", "remote_chassis_id": "aa:bb:cc:dd:ee:ff",
         "remote_system_description": "Arista Networks EOS version 4.28.3M"},
    ],
    "Gi1/0/48": [
        {"remote_system_name": "ap-17", "remote_port": "eth0", "remote_chassis_id": "12:34:56:78:9a:bc"},
    ],
}


@pytest.mark.parametrize(("records", "addresses"), [
    # abbreviated interface names in the text output, full ones in NAPALM's
    ([{"local_interface": "Gi1/0/1", "neighbor_name": "dist-1", "mgmt_address": "10.0.0.1"},
      {"local_interface": "Te1/1/2", "neighbor_name": "", "mgmt_address": "10.0.0.2"}],
     ("10.0.0.1", "10.0.0.2", "")),
    # full names in the text output, an abbreviated one in NAPALM's
    ([{"local_interface": "GigabitEthernet1/0/48", "neighbor_name": "ap-17", "mgmt_address": "10.0.0.48"}],
     ("", "", "10.0.0.48")),
    # no local interface in the text (older IOS): joined by name
    ([{"local_interface": "", "neighbor_name": "dist-1", "mgmt_address": "10.0.0.1"}], ("10.0.0.1", "", "")),
    # garbage addresses are no addresses
    ([{"local_interface": "Gi1/0/1", "neighbor_name": "dist-1", "mgmt_address": "192.168.45..57"},
      {"local_interface": "Te1/1/2", "neighbor_name": "", "mgmt_address": "not-an-ip"},
      {"local_interface": "Gi1/0/48", "neighbor_name": "ap-17", "mgmt_address": "10.0.0.300"}],
     ("", "", "")),
    ([], ("", "", "")),
])
def test_lldp_addresses_joined_by_port_or_name(records, addresses):
    neighbours = neighbours_from_lldp(DETAIL, records)
    assert [(n.local_port, n.name, n.port) for n in neighbours] == [
        ("GigabitEthernet1/0/1", "dist-1", "Te1/1/1"),
        ("TenGigabitEthernet1/1/2", "aa:bb:cc:dd:ee:ff", "Ethernet49"),
        ("Gi1/0/48", "ap-17", "eth0"),
    ]
    assert tuple(n.address for n in neighbours) == addresses


def test_lldp_neighbours_from_text_when_napalm_gives_none():
    records = [
        {"local_interface": "Eth1/49", "neighbor_name": "spine-1", "neighbor_interface": "Ethernet1/1",
         "chassis_id": "0011.2233.4455", "mgmt_address": "10.1.0.1", "neighbor_description": "NX-OS"},
        {"local_interface": "Eth1/50", "neighbor_name": "", "neighbor_interface": "Ethernet1/2",
         "chassis_id": "0011.2233.4466", "mgmt_address": "garbage"},
        {"local_interface": "Eth1/51", "neighbor_name": "", "chassis_id": "", "mgmt_address": "10.1.0.3"},
    ]
    assert neighbours_from_lldp({}, records) == [
        Neighbour("Eth1/49", "spine-1", "Ethernet1/1", "NX-OS", "0011.2233.4455", "10.1.0.1"),
        Neighbour("Eth1/50", "0011.2233.4466", "Ethernet1/2", "", "0011.2233.4466", ""),
    ]
    assert neighbours_from_lldp(None) == []


@pytest.mark.parametrize(("value", "address"), [
    ("10.0.0.1", "10.0.0.1"),
    (" 10.0.0.1 \n", "10.0.0.1"),
    ("2001:DB8::1", "2001:db8::1"),
    ("192.168.45..57", ""),
    ("10.0.0.300", ""),
    ("not-an-ip", ""),
    ("", ""),
    (None, ""),
])
def test_usable_address(value, address):
    assert usable_address(value) == address


# --- device_facts robustness --------------------------------------------------------------------

FACTS = {
    "hostname": "sw-1",
    "fqdn": "sw-1.example.org",
    "vendor": "Cisco",
    "model": "WS-C2960X-48FPD-L",
    "serial_number": "FOC1234X0AB",
    "os_version": "C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E4, RELEASE SOFTWARE (fc1)",
    "uptime": 3600,
}


def _facts(**changes):
    return {**FACTS, **changes}


def test_device_facts_baseline():
    result = device_facts("ios", FACTS)
    assert (result.hostname, result.vendor, result.model, result.serial) == (
        "sw-1", "Cisco", "WS-C2960X-48FPD-L", "FOC1234X0AB"
    )
    assert (result.os_version, result.platform, result.fqdn) == ("15.2(7)E4", "cisco-ios", "sw-1.example.org")


def test_control_characters_and_newlines_are_removed():
    result = device_facts("ios", _facts(
        hostname="sw-1\x1b[0m\r\n\x00evil",
        vendor="Cis\x07co",
        model="WS-C2960X\x7f-48FPD-L\n",
        serial_number="FOC1234X0AB\r\n",
        fqdn="sw-1.example.org\x00",
    ))
    assert result.hostname == "sw-1[0m evil"
    assert result.vendor == "Cisco"
    assert result.model == "WS-C2960X-48FPD-L"
    assert result.serial == "FOC1234X0AB"
    assert result.fqdn == "sw-1.example.org"


def test_tabs_are_not_stored_either():
    result = device_facts("ios", _facts(hostname="sw-1\tx", vendor="Cisco\t"))
    for value in (result.hostname, result.vendor):
        assert not set(value) & CONTROL_CHARACTERS, repr(value)


def test_very_long_strings_are_capped():
    result = device_facts("ios", _facts(
        hostname="h" * 5000,
        vendor="v" * 5000,
        model="M" * 5000,
        fqdn="f" * 5000,
        os_version="Version 15.2(7)E4, " + "x" * 5000,
    ))
    assert len(result.hostname) == 100
    assert len(result.vendor) == 100
    assert len(result.model) == len(result.model_name) == 100
    assert len(result.fqdn) == 250
    assert len(result.os_version_raw) == 250
    assert result.os_version == "15.2(7)E4"


def test_long_and_dirty_inventory_is_capped():
    inventory = [
        {"name": "Chassis", "pid": "WS-C2960X-48FPD-L", "sn": "FOC1234X0AB", "descr": "c"},
        {"name": "N" * 500, "pid": "P\n" * 300, "sn": "S" * 500, "descr": "D\x00" * 1000},
    ]
    (module,) = device_facts("ios", FACTS, inventory=inventory).modules
    assert len(module.name) <= 100
    assert len(module.part_number) <= 100
    assert len(module.serial) <= 100
    assert len(module.description) <= 250
    assert not "".join((module.name, module.part_number, module.serial, module.description)).count("\x00")
    assert "\n" not in module.part_number


@pytest.mark.parametrize(
    "serial", ["", "Unknown", "unknown", "N/A", "n/a", "None", "Not Available", None, "0"]
)
def test_placeholder_serial_is_unparsable(serial):
    with pytest.raises(UnparsableOutput, match="serial"):
        device_facts("ios", _facts(serial_number=serial))


def test_missing_serial_key_is_unparsable():
    facts = dict(FACTS)
    del facts["serial_number"]
    with pytest.raises(UnparsableOutput, match="serial"):
        device_facts("ios", facts)


@pytest.mark.parametrize(
    "serial", ["FOC 1234X0AB", "%#@!", "FOC1234;rm -rf", "<script>", "ab", "FOC\u00a0123"]
)
def test_junk_serial_is_unparsable(serial):
    with pytest.raises(UnparsableOutput, match="serial"):
        device_facts("ios", _facts(serial_number=serial))


@pytest.mark.parametrize(("changes", "missing"), [
    ({"vendor": ""}, "vendor"),
    ({"vendor": "Unknown"}, "vendor"),
    ({"model": "N/A"}, "model"),
    ({"model": "", "vendor": "", "serial_number": ""}, "no serial number, no model, no vendor"),
])
def test_missing_facts_are_named(changes, missing):
    with pytest.raises(UnparsableOutput, match=missing):
        device_facts("ios", _facts(**changes))


@pytest.mark.parametrize("facts", [None, "show version output", ["a", "b"], 42, b"bytes"])
def test_facts_that_are_not_a_mapping_are_unparsable(facts):
    with pytest.raises(UnparsableOutput):
        device_facts("ios", facts)


def test_inventory_none_leaves_modules_alone_and_empty_means_none():
    assert device_facts("ios", FACTS, inventory=None).modules is None
    assert device_facts("ios", FACTS, inventory=[]).modules == []


@pytest.mark.parametrize(("uptime", "seconds"), [(3600, 3600.0), (12.5, 12.5), (-1, None), ("...", None),
                                                  (None, None)])
def test_uptime(uptime, seconds):
    assert device_facts("ios", _facts(uptime=uptime)).uptime_seconds == seconds


# --- prefixes -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("address", "prefixes", "inside"), [
    ("10.20.1.5", ["10.20.0.0/16"], True),
    ("10.21.0.1", ["10.20.0.0/16"], False),
    ("10.21.0.1", ["10.20.0.0/16", "10.21.0.0/24"], True),
    ("10.20.1.5", [], False),
    ("10.20.1.5", ["10.20.1.5/8"], True),  # host bits set: still the /8
    ("10.20.1.5", ["10.20.1.5/32"], True),
    ("10.20.1.6", ["10.20.1.5/32"], False),
    ("2001:db8::1", ["2001:db8::/32"], True),
    ("2001:db8::1", ["10.0.0.0/8"], False),
    ("10.0.0.1", ["2001:db8::/32"], False),
    ("garbage", ["0.0.0.0/0"], False),
    ("", ["0.0.0.0/0"], False),
])
def test_in_prefixes(address, prefixes, inside):
    assert in_prefixes(address, prefixes) is inside


@pytest.mark.parametrize(("values", "prefixes"), [
    (["10.20.0.0/16", " 192.168.1.0/24 "], ["10.20.0.0/16", "192.168.1.0/24"]),
    (["10.20.1.5/16"], ["10.20.0.0/16"]),
    (["10.0.0.1"], ["10.0.0.1/32"]),
    (["2001:DB8::/32"], ["2001:db8::/32"]),
    ([], []),
])
def test_parse_prefixes(values, prefixes):
    assert parse_prefixes(values) == prefixes


@pytest.mark.parametrize(("values", "bad"), [
    (["10.0.0.0/33"], "10.0.0.0/33"),
    (["nonsense"], "nonsense"),
    (["10.0.0.0/8", "10.0.0.256/24"], "10.0.0.256/24"),
    (["10.0.0.0/8", ""], "''"),
])
def test_parse_prefixes_names_the_bad_one(values, bad):
    with pytest.raises(ValueError, match="is not an IP prefix") as err:
        parse_prefixes(values)
    assert bad in str(err.value)
    assert "10.0.0.0/8'" not in str(err.value)


def test_one_driver_table_through_netutils():
    """Every library's name for a driver's OS comes from netutils' lib_mapper (issue #17)."""
    from collectors import normalize as n
    from collectors.lab.server import FAKENOS_PLATFORM
    from collectors.tasks import COMMANDS

    assert [n.network_os(d) for d in n.SUPPORTED_DRIVERS] == [
        "cisco_ios", "cisco_nxos", "arista_eos", "juniper_junos"]
    assert [n.ntc_platform(d) for d in n.SUPPORTED_DRIVERS] == [
        "cisco_ios", "cisco_nxos", "arista_eos", "juniper_junos"]
    assert FAKENOS_PLATFORM == {"ios": "cisco_ios", "nxos_ssh": "cisco_nxos", "eos": "arista_eos"}
    assert set(COMMANDS) == {n.network_os(d) for d in n.SUPPORTED_DRIVERS}
    assert [n.platform_slug(d) for d in ("nxos_ssh", "nxos", "eos", "junos", "redfish")] == [
        "nxos", "nxos", "eos", "junos", "redfish"]
    assert n.network_os("no-such-driver") == "no-such-driver"
