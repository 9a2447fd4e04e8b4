"""Junos modules from ``show chassis hardware`` (issue #17).

ntc-templates' own test outputs (../shared/peer-fixtures/ntc-templates/juniper_junos) are parsed by
the same code discovery runs; the serials they must yield are read from ntc-templates' expected
records (the ``.yml`` beside each output), not from our parse. NAPALM's Junos driver speaks
NETCONF, which no lab device here serves: ``read_device`` is given an object answering the three
calls it makes with recorded outputs of the real shape."""

import datetime as dt

import pytest
import yaml

from collectors import normalize
from collectors.sync import Catalogue, sync_device
from collectors.tasks import parse_text, read_device
from tests.conftest import SHARED

CHASSIS_HARDWARE = SHARED / "peer-fixtures" / "ntc-templates" / "juniper_junos" / "show_chassis_hardware"
FACTS = {
    "hostname": "mx-core-1",
    "vendor": "Juniper",
    "model": "MX480",
    "serial_number": "JN1111111",
    "os_version": "21.4R3-S5.4",
    "uptime": 3600,
    "fqdn": "",
}


def _outputs():
    if not CHASSIS_HARDWARE.is_dir():
        pytest.skip(f"{CHASSIS_HARDWARE} is absent (the shared fixtures live beside the checkout)")
    return sorted(CHASSIS_HARDWARE.glob("*.raw"))


def _expected_serials(raw) -> tuple[set[str], str]:
    """Every part's serial in ntc-templates' expected records, and the chassis's serial."""
    records = yaml.safe_load(raw.with_suffix(".yml").read_text(encoding="utf-8"))["parsed_sample"]
    chassis = next(r["chassis_serial_number"] for r in records if r.get("chassis_serial_number"))
    serials = {
        v
        for r in records
        for k, v in r.items()
        if k.endswith("_serial_number") and k != "chassis_serial_number" and v and v != "BUILTIN"
    }
    return serials - {chassis}, chassis


def test_every_output_gives_its_parts_with_serials():
    outputs = _outputs()
    assert len(outputs) >= 7
    for raw in outputs:
        records = parse_text("juniper_junos", "show chassis hardware", raw.read_text(encoding="utf-8"))
        facts = normalize.device_facts("junos", FACTS, records)
        expected, chassis = _expected_serials(raw)
        found = {m.serial for m in facts.modules if m.serial}
        assert found == expected, raw.name
        names = [m.name for m in facts.modules]
        assert len(names) == len(set(names)), f"{raw.name}: slot names repeat"
        assert all(m.part_number or m.serial for m in facts.modules)
        assert chassis not in found


def test_names_follow_junos_with_parents():
    raw = CHASSIS_HARDWARE / "juniper_junos_show_chassis_hardware.raw"
    if not raw.is_file():
        pytest.skip(f"{raw} is absent")
    records = parse_text("juniper_junos", "show chassis hardware", raw.read_text(encoding="utf-8"))
    modules = {m.name: m for m in normalize.device_facts("junos", FACTS, records).modules}
    assert modules["PEM 0"].serial == "AJ00000"
    assert modules["PEM 0"].part_number == "740-028288"
    assert modules["PEM 0"].description == "AC Power Entry Module"
    assert modules["FPC 1 MIC 0"].serial == "CALW4921"
    assert modules["FPC 1 PIC 1 Xcvr 0"].serial == "A1KBPNC"
    assert modules["TFEB 0 QXM 0"].serial == "ABCB4000"
    assert "Routing Engine" not in modules  # BUILTIN: no part of its own


def test_builtin_and_chassis_copies_are_left_out():
    records = [
        {"chassis_serial_number": "XH1", "chassis_description": "JNP48Y8C-CHAS"},
        {"re_number": "0", "re_part": "BUILTIN", "re_serial_number": "BUILTIN", "re_description": "RE"},
        {"fpc_number": "0", "fpc_part": "650-083242", "fpc_serial_number": "XH1", "fpc_description": "x"},
        {"fan_number": "0", "fan_description": "fan-ctrl-0 0"},
    ]
    assert normalize.device_facts("junos", FACTS, records).modules == []


class RecordedJunos:
    """What NAPALM's junos driver returns for the calls ``read_device`` makes (get_facts' dict,
    ``cli`` answering with the device's text)."""

    def __init__(self, chassis_hardware: str) -> None:
        self.chassis_hardware = chassis_hardware

    def get_facts(self):
        return dict(FACTS)

    def get_lldp_neighbors_detail(self):
        return {}

    def cli(self, commands):
        return {c: self.chassis_hardware if c == "show chassis hardware" else "" for c in commands}


@pytest.mark.django_db
def test_garbage_output_keeps_the_modules_sync_knows():
    raw = CHASSIS_HARDWARE / "juniper_junos_show_chassis_hardware4.raw"
    if not raw.is_file():
        pytest.skip(f"{raw} is absent")
    now = dt.datetime(2026, 11, 28, 8, tzinfo=dt.UTC)
    good = read_device(RecordedJunos(raw.read_text(encoding="utf-8")), "junos")
    assert len(good.modules) >= 10
    result = sync_device(good, address="10.9.0.1", now=now, catalogue=Catalogue(), run_label="t")
    asset = result.asset
    before = sorted(asset.modules.filter(present=True).values_list("name", "serial"))
    assert len(before) == len(good.modules)

    for garbage in (
        "garbage\nmore garbage !!",  # the template cannot parse it
        "",  # no output at all
        "error: syntax error, expecting <command>: hardwre",  # Junos refused the command
        "Hardware inventory:\nItem             Version  Part number  Serial number     Description\n",
    ):
        bad = read_device(RecordedJunos(garbage), "junos")
        assert bad.modules is None, repr(garbage)
        assert bad.serial == FACTS["serial_number"]  # the device's facts still count
        sync_device(bad, address="10.9.0.1", now=now, catalogue=Catalogue(), run_label="t")
        after = sorted(asset.modules.filter(present=True).values_list("name", "serial"))
        assert after == before, repr(garbage)
