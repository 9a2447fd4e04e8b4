"""Real device outputs (../shared/peer-fixtures) served over SSH by FakeNOS, discovered end to end.

NAPALM's own get_facts cases (ios, nxos_ssh) must end up in the inventory as their
expected_result.json says; ntc-templates' show inventory samples must end up as modules as their
.yml says; NAPALM's eos case (EOS 4.15, refused by NAPALM's driver) must be recorded as an
unsupported platform version without stopping the run.
"""

import dataclasses
import json
from pathlib import Path

import pytest
import yaml

from collectors import hosts as host_sources
from collectors.choices import HostOutcome, HostReason
from collectors.lab import topology
from collectors.lab.server import Lab
from collectors.models import DiscoveryHost
from collectors.runner import discover
from inventory.models import Asset, HardwareModel, Manufacturer
from tests.collectors.conftest import free_port
from tests.conftest import SHARED

NAPALM = SHARED / "peer-fixtures" / "napalm"
NTC = SHARED / "peer-fixtures" / "ntc-templates"

# The release in each case's expected os_version, read off expected_result.json by hand.
CLEAN_VERSIONS = {
    ("ios", "normal"): "15.0(2)SE4",
    ("ios", "empty_show_hosts"): "15.0(2)SE4",
    ("ios", "old-2950"): "12.1(22)EA13",
    ("nxos_ssh", "7009_6_2_14"): "6.2(14)",
    ("nxos_ssh", "N93180"): "7.0(3)I7(2)",
    ("nxos_ssh", "does_not_support_json"): "7.0(3)I7(2)",
    ("nxos_ssh", "issue2151"): "10.3(5)",
    ("nxos_ssh", "missing_domain"): "7.3(1)D1(1)",
    ("nxos_ssh", "newer_version"): "7.0(3)I4(7)",
    ("nxos_ssh", "normal"): "7.3(1)D1(1)",
}
NOT_SERVED = "% Invalid input detected at '^' marker."
SPEC_FOR = {"ios": "c2960x", "nxos_ssh": "n9k", "eos": "dcs7050"}
NTC_DRIVER = {
    "cisco_ios": ("ios", "c9300"),
    "cisco_nxos": ("nxos_ssh", "n9k"),
    "arista_eos": ("eos", "dcs7050"),
}


def _command(filename: str) -> str:
    """NAPALM's mocked-data file name -> the command it answers (``show_inventory___json`` ->
    ``show inventory | json``)."""
    stem = Path(filename).stem
    command = stem.replace("___", " | ").replace("_", " ")
    return f"{command} | json" if filename.endswith(".json") else command


def _napalm_cases() -> list[tuple[str, str]]:
    if not NAPALM.is_dir():
        return []
    return [
        (driver, case.name)
        for driver in ("ios", "nxos_ssh", "eos")
        for case in sorted((NAPALM / driver / "mocked_data" / "test_get_facts").iterdir())
    ]


def _ntc_cases() -> list[Path]:
    if not NTC.is_dir():
        return []
    return sorted(p for platform in NTC_DRIVER for p in (NTC / platform / "show_inventory").glob("*.raw"))


def _answers(driver: str, case_dir: Path) -> dict[str, str]:
    answers = {
        "show inventory": NOT_SERVED,
        "show lldp neighbors": "",
        "show lldp neighbors detail": "",
        "show lldp neighbors  detail | json": '{"lldpNeighbors": {}}',
    }
    for f in case_dir.iterdir():
        if f.name != "expected_result.json":
            answers[_command(f.name)] = f.read_text(encoding="utf-8")
    return answers


@pytest.fixture(scope="module")
def peer_lab():
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent (the shared fixtures live beside the checkout)")
    port = free_port()
    devices, answers, expected = [], {}, {}
    for i, (driver, case) in enumerate(_napalm_cases(), start=1):
        name = f"{driver}-{case}".replace("_", "-").lower()
        case_dir = NAPALM / driver / "mocked_data" / "test_get_facts" / case
        spec = topology.MODELS[SPEC_FOR[driver]]
        devices.append(
            topology.Device(
                name=name, role="peer", spec=spec, address=f"127.77.201.{i}", port=port, serial="", mac=""
            )
        )
        answers[name] = _answers(driver, case_dir)
        expected[name] = (driver, case, json.loads((case_dir / "expected_result.json").read_text()))
    ntc = {}
    base = topology.build_topology(access=8, broken=False, outside=False, port=port)
    for i, raw in enumerate(_ntc_cases(), start=1):
        driver, key = NTC_DRIVER[raw.parent.parent.name]
        records = yaml.safe_load(raw.with_suffix(".yml").read_text())["parsed_sample"]
        template = next(d for d in base if d.spec.key == key)
        name = f"ntc-{raw.stem}".replace("_", "-")
        device = dataclasses.replace(
            template, name=name, address=f"127.77.202.{i}", serial=records[0]["sn"], links=[]
        )
        from collectors.lab.outputs import commands_for

        outputs = commands_for(device)
        outputs["show inventory"] = raw.read_text(encoding="utf-8")
        devices.append(device)
        answers[name] = outputs
        ntc[name] = (device, records)
    with Lab(devices, answers=answers) as lab:
        yield lab, devices, expected, ntc


@pytest.fixture
def creds():
    return host_sources.Credentials(default={"username": topology.USERNAME, "password": topology.PASSWORD})


def _discover(devices, creds, names):
    hosts = [
        host_sources.make_host(d.name, d.address, d.driver, creds, port=d.port)
        for d in devices
        if d.name in names
    ]
    return discover(host_sources.from_hosts(hosts), source="peer fixtures", credentials=creds)


@pytest.mark.django_db
@pytest.mark.parametrize(("driver", "case"), [c for c in _napalm_cases() if c[0] != "eos"] or [("-", "-")])
def test_napalm_get_facts_cases_land_as_expected(peer_lab, creds, driver, case):
    lab, devices, expected, _ = peer_lab
    name = next(n for n, (d, c, _) in expected.items() if (d, c) == (driver, case))
    facts = expected[name][2]
    report = _discover(devices, creds, {name})

    host = DiscoveryHost.objects.get(run=report.run, name=name)
    assert host.outcome == HostOutcome.SUCCESS, host.message
    asset = Asset.objects.select_related("hardware_model", "manufacturer", "platform").get(pk=host.asset_id)
    assert asset.serial == facts["serial_number"]
    assert asset.name == facts["hostname"]
    assert asset.manufacturer == Manufacturer.objects.resolve(facts["vendor"])
    assert asset.manufacturer.name == facts["vendor"]
    assert facts["model"] in (asset.hardware_model.name, asset.hardware_model.model)
    assert HardwareModel.objects.resolve(asset.manufacturer, facts["model"]) == asset.hardware_model
    version = CLEAN_VERSIONS[(driver, case)]
    assert version in facts["os_version"]
    assert asset.software_version == version
    assert asset.platform.slug == ("nxos" if driver == "nxos_ssh" else "cisco-ios")


@pytest.mark.django_db
def test_napalm_eos_4_15_is_an_unsupported_platform_version(peer_lab, creds):
    lab, devices, expected, _ = peer_lab
    eos = [n for n, (d, _c, _f) in expected.items() if d == "eos"]
    assert eos, "the eos get_facts case is missing from the shared fixtures"
    others = [n for n, (d, c, _f) in expected.items() if (d, c) == ("ios", "normal")]
    report = _discover(devices, creds, set(eos) | set(others))

    for name in eos:
        host = DiscoveryHost.objects.get(run=report.run, name=name)
        assert host.outcome == HostOutcome.FAILED
        assert host.reason == HostReason.UNSUPPORTED
        assert "4.15" in host.message
    # the run went on: the other host was saved
    assert DiscoveryHost.objects.get(run=report.run, name=others[0]).outcome == HostOutcome.SUCCESS
    assert report.run.hosts_succeeded == len(others)


@pytest.mark.django_db
def test_ntc_templates_show_inventory_samples_become_modules(peer_lab, creds):
    lab, devices, _, ntc = peer_lab
    assert ntc, "no show inventory samples found"
    # some samples share a chassis serial (the same box captured twice): one batch per sample of it
    batches: list[dict] = []
    for name, (device, records) in ntc.items():
        batch = next((b for b in batches if device.serial not in {d.serial for d, _ in b.values()}), None)
        if batch is None:
            batches.append(batch := {})
        batch[name] = (device, records)

    placeholders = {"", "n/a", "none", "unknown", "-", "0"}
    for batch in batches:
        report = _discover(devices, creds, set(batch))
        assert report.run.hosts_failed == 0, [(h.name, h.message) for h in report.failed]
        for name, (_device, records) in batch.items():
            asset = Asset.objects.get(serial=records[0]["sn"])
            assert asset.name == name
            expected = set()
            for r in records[1:]:  # the first record is the chassis: that is the asset itself
                pid = r.get("pid", "").strip().rstrip("=")
                sn = r.get("sn", "").strip()
                pid = "" if pid.casefold() in placeholders else pid
                sn = "" if sn.casefold() in placeholders else sn
                # the chassis listed again as "Slot 1" is the chassis, not a module
                if (pid or sn) and (pid, sn) != (records[0]["pid"], records[0]["sn"]):
                    expected.add((pid, sn))
            got = set(asset.modules.filter(present=True).values_list("part_number", "serial"))
            assert got == expected, name
