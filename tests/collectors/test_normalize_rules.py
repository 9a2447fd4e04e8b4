"""collectors.normalize and collectors.tasks' pure parts, fed with real device outputs."""

import json

import pytest

from collectors import normalize
from collectors.normalize import UnparsableOutput, device_facts
from collectors.tasks import Reason, classify, parse_text, redact


@pytest.mark.parametrize(("raw", "driver", "clean"), [
    ("C2960 Software (C2960-LANBASEK9-M), Version 15.0(2)SE4, RELEASE SOFTWARE (fc1)", "ios", "15.0(2)SE4"),
    ("C2950 Software (C2950-I6K2L2Q4-M), Version 12.1(22)EA13, RELEASE SOFTWARE", "ios", "12.1(22)EA13"),
    ("Virtual XE Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version 16.9.3, RELEASE SOFTWARE (fc2)", "ios",
     "16.9.3"),
    ("Catalyst L3 Switch Software (CAT9K_IOSXE), Version 17.6.4, RELEASE SOFTWARE (fc2)", "ios", "17.6.4"),
    ("9.3(8)", "nxos_ssh", "9.3(8)"),
    ("7.0(3)I7(2)", "nxos_ssh", "7.0(3)I7(2)"),
    ("4.28.3M-28117394.4283M", "eos", "4.28.3M"),
    ("4.15.5M-3054042.4155M", "eos", "4.15.5M"),
    ("18.2R3-S2.9", "junos", "18.2R3-S2.9"),
    ("", "ios", ""),
    (None, "ios", ""),
])
def test_clean_os_version(raw, driver, clean):
    assert normalize.clean_os_version(raw, driver) == clean


@pytest.mark.parametrize(("driver", "raw", "version", "slug"), [
    ("ios", "C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E4", "15.2(7)E4", "cisco-ios"),
    ("ios", "Catalyst L3 Switch Software (CAT9K_IOSXE), Version 17.6.4", "17.6.4", "cisco-ios-xe"),
    ("ios", "ISR Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version 16.9.8", "16.9.8", "cisco-ios-xe"),
    ("ios", "Some Software, Version 16.12.4", "16.12.4", "cisco-ios-xe"),
    ("nxos_ssh", "9.3(8)", "9.3(8)", "nxos"),
    ("eos", "4.28.3M", "4.28.3M", "eos"),
    ("junos", "18.2R3", "18.2R3", "junos"),
])
def test_platform_slug(driver, raw, version, slug):
    assert normalize.platform_slug(driver, raw, version) == slug


@pytest.mark.parametrize(("description", "driver"), [
    ("Cisco Nexus Operating System (NX-OS) Software 9.3(8)", "nxos_ssh"),
    ("Arista Networks EOS version 4.28.3M running on an Arista Networks DCS-7050SX3-48YC8", "eos"),
    ("Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E4", "ios"),
    ("Cisco IOS Software [Bengaluru], Catalyst L3 Switch Software (CAT9K_IOSXE), Version 17.6.4", "ios"),
    ("Juniper Networks, Inc. ex4300-48t Ethernet Switch, kernel JUNOS 18.2R3", "junos"),
    ("Cisco IP Phone 7962G,V12, SCCP42.9-3-1ES27S", None),
    ("", None),
])
def test_driver_from_lldp_description(description, driver):
    assert normalize.driver_from_description(description) == driver


def _napalm_cases(shared_dir, driver):
    base = shared_dir / "peer-fixtures" / "napalm" / driver / "mocked_data" / "test_get_facts"
    return {case.name: json.loads((case / "expected_result.json").read_text()) for case in base.iterdir()}


@pytest.mark.parametrize("driver", ["ios", "nxos_ssh"])
def test_napalm_get_facts_cases_normalise(shared_dir, driver):
    cases = _napalm_cases(shared_dir, driver)
    assert cases
    for name, facts in cases.items():
        df = device_facts(driver, facts)
        assert df.serial == facts["serial_number"], name
        assert df.hostname == facts["hostname"], name
        assert df.vendor == facts["vendor"] == "Cisco", name
        assert df.model == df.model_name == facts["model"], name
        assert df.os_version and df.os_version in facts["os_version"], name
        assert df.platform == ("nxos" if driver == "nxos_ssh" else "cisco-ios"), name
        assert df.modules is None  # no inventory given: modules are left alone


def test_napalm_eos_case_without_serial_is_unparsable(shared_dir):
    (facts,) = _napalm_cases(shared_dir, "eos").values()
    with pytest.raises(UnparsableOutput, match="serial"):
        device_facts("eos", facts)


@pytest.mark.parametrize("platform", ["cisco_ios", "cisco_nxos", "arista_eos"])
def test_ntc_show_inventory_samples_parse_and_become_modules(shared_dir, platform):
    import yaml

    folder = shared_dir / "peer-fixtures" / "ntc-templates" / platform / "show_inventory"
    samples = sorted(folder.glob("*.raw"))
    assert samples
    for raw in samples:
        expected = yaml.safe_load(raw.with_suffix(".yml").read_text())["parsed_sample"]
        records = parse_text(platform, "show inventory", raw.read_text())
        # newer templates trim trailing blanks that the recorded samples still carry
        assert records == [{k: v.strip() for k, v in r.items()} for r in expected], raw.name
        chassis = normalize.chassis_from_inventory(records, records[0]["sn"])
        assert chassis is records[0]
        modules = normalize.modules_from_inventory(records, chassis)
        assert len({m.name for m in modules}) == len(modules), raw.name
        assert all(m.serial != records[0]["sn"] or m.part_number != records[0]["pid"] for m in modules)
        assert all(m.part_number or m.serial for m in modules)
        assert all(not m.part_number.endswith("=") for m in modules)


def test_lldp_neighbours_with_management_addresses(shared_dir):
    base = shared_dir / "peer-fixtures" / "napalm" / "ios" / "mocked_data" / "test_get_lldp_neighbors_detail"
    detail = json.loads((base / "normal" / "expected_result.json").read_text())
    (port, entries), *_ = detail.items()
    short = port.replace("GigabitEthernet", "Gi")
    addresses = [{"local_interface": short, "neighbor_name": entries[0]["remote_system_name"],
                  "mgmt_address": "10.1.2.3"},
                 {"local_interface": "Gi9/9", "neighbor_name": "nobody", "mgmt_address": "not-an-ip"}]
    neighbours = normalize.neighbours_from_lldp(detail, addresses)
    assert len(neighbours) == sum(len(v) for v in detail.values())
    first = next(n for n in neighbours if n.local_port == port)
    assert first.name == (entries[0]["remote_system_name"] or entries[0]["remote_chassis_id"])
    assert first.address == "10.1.2.3"
    assert all(n.address in ("", "10.1.2.3") for n in neighbours)


def test_lldp_text_records_stand_in_when_napalm_gives_nothing():
    records = [{"neighbor_name": "dist-1a", "local_interface": "Eth1/1", "neighbor_interface": "Ethernet49/1",
                "mgmt_address": "127.77.0.4", "neighbor_description": "Arista Networks EOS version 4.28.3M"}]
    (n,) = normalize.neighbours_from_lldp({}, records)
    assert (n.name, n.address, n.port) == ("dist-1a", "127.77.0.4", "Ethernet49/1")
    assert normalize.driver_from_description(n.description) == "eos"


@pytest.mark.parametrize(("facts", "message"), [
    ({"serial_number": "Unknown", "model": "WS-C2960X", "vendor": "Cisco"}, "serial"),
    ({"serial_number": "N/A", "model": "WS-C2960X", "vendor": "Cisco"}, "serial"),
    ({"serial_number": "FOC123", "model": "", "vendor": "Cisco"}, "model"),
    ({"serial_number": "FOC123", "model": "X", "vendor": ""}, "vendor"),
    ({"serial_number": "%#@! junk", "model": "X", "vendor": "Cisco"}, "does not look like a serial"),
    ("not a dict", "no facts"),
])
def test_facts_without_what_sync_needs_are_unparsable(facts, message):
    with pytest.raises(UnparsableOutput, match=message):
        device_facts("ios", facts)


def test_device_strings_are_cleaned_and_capped():
    facts = {"serial_number": " FOC1234X5YZ\x00 ", "model": "WS-C2960X\n-48FPD-L", "vendor": "Cisco",
             "hostname": "sw-1\x1b[0m" + "x" * 300, "os_version": "Version 15.2(7)E4,", "uptime": -5}
    df = device_facts("ios", facts, inventory=[])
    assert df.serial == "FOC1234X5YZ"
    assert "\n" not in df.model and "\x1b" not in df.hostname and len(df.hostname) <= 100
    assert df.uptime_seconds is None
    assert df.modules == []


@pytest.mark.parametrize(("address", "prefixes", "inside"), [
    ("127.77.0.5", ["127.77.0.0/16"], True),
    ("127.78.0.1", ["127.77.0.0/16"], False),
    ("10.0.0.1", ["127.77.0.0/16", "10.0.0.0/8"], True),
    ("garbage", ["0.0.0.0/0"], False),
    ("2001:db8::1", ["2001:db8::/32"], True),
])
def test_in_prefixes(address, prefixes, inside):
    assert normalize.in_prefixes(address, prefixes) is inside


def test_parse_prefixes_names_the_bad_one():
    assert normalize.parse_prefixes([" 10.1.2.0/24 ", "10.0.0.1/8"]) == ["10.1.2.0/24", "10.0.0.0/8"]
    with pytest.raises(ValueError, match="'10.0.0.300/8'"):
        normalize.parse_prefixes(["10.0.0.0/8", "10.0.0.300/8"])


def test_classify_real_exceptions():

    from napalm.base.exceptions import ConnectionException, UnsupportedVersion
    from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException, ReadTimeout
    from paramiko.ssh_exception import AuthenticationException, NoValidConnectionsError, SSHException

    from collectors.tasks import UnsupportedPlatform

    cases = [
        (NetmikoAuthenticationException("Authentication to device failed."), Reason.AUTH),
        (AuthenticationException("Authentication failed."), Reason.AUTH),
        (NetmikoTimeoutException("TCP connection to device failed."), Reason.TIMEOUT),
        (ReadTimeout("Pattern not detected: 'sw1#' in output."), Reason.TIMEOUT),
        (TimeoutError("timed out"), Reason.TIMEOUT),
        (SSHException("Error reading SSH protocol banner"), Reason.TIMEOUT),
        (ConnectionRefusedError(111, "Connection refused"), Reason.UNREACHABLE),
        (NoValidConnectionsError({("127.0.0.1", 22): ConnectionRefusedError()}), Reason.UNREACHABLE),
        (UnsupportedVersion("4.15.5M"), Reason.UNSUPPORTED),
        (UnsupportedPlatform("platform 'routeros' has no NAPALM driver here"), Reason.UNSUPPORTED),
        (UnparsableOutput("show version: no serial number found"), Reason.UNPARSABLE),
        (KeyError("version"), Reason.UNPARSABLE),
        (RuntimeError("something else"), Reason.ERROR),
    ]
    for exc, reason in cases:
        got, message = classify(exc)
        assert got == reason, (exc, got)
        assert message and "\n" not in message and len(message) <= 400

    # napalm wraps netmiko's error: the cause decides (refused -> unreachable, timeout -> timeout)
    def wrapped(inner):
        try:
            try:
                raise inner
            except Exception:
                raise NetmikoTimeoutException("TCP connection to device failed.")  # noqa: B904
        except Exception:
            try:
                raise ConnectionException("Cannot connect to 10.0.0.1")  # noqa: B904
            except Exception as e:
                return e

    assert classify(wrapped(ConnectionRefusedError(111, "refused")))[0] == Reason.UNREACHABLE
    assert classify(wrapped(TimeoutError("timed out")))[0] == Reason.TIMEOUT


def test_redact_replaces_every_secret_longest_first():
    msg = "login as admin with s3cret and s3cret-long failed; ab is too short to hide"
    out = redact(msg, {"s3cret", "s3cret-long", "ab", ""})
    assert "s3cret" not in out and "********" in out
    assert "ab is too short" in out


def test_parse_text_refuses_an_error_answer():
    with pytest.raises(UnparsableOutput, match="show inventory"):
        parse_text("cisco_ios", "show inventory", "% Invalid input detected at '^' marker.")
