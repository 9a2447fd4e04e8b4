"""The lab devices' CLI outputs (collectors/lab/outputs.py).

Offline, ntc-templates must parse every device's outputs to the topology's data. Over SSH, FakeNOS
serves one device per hardware model (plus the garbage one) on 127.0.0.1 and NAPALM's own drivers
read them: what NAPALM returns is what discovery will record.
"""

from __future__ import annotations

import dataclasses
import json
import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import napalm
import pytest
from fakenos import FakeNOS
from netutils.interface import canonical_interface_name
from ntc_templates.parse import parse_output
from textfsm import TextFSMError

from collectors.lab.outputs import commands_for
from collectors.lab.topology import MODELS, PASSWORD, USERNAME, Device, build_topology

PLATFORM = {"ios": "cisco_ios", "nxos_ssh": "cisco_nxos", "eos": "arista_eos"}

# Exactly what each NAPALM driver sends (see napalm/{ios,nxos_ssh,eos}), plus the crawler's LLDP text.
COMMANDS = {
    "ios": {"show version", "show hosts", "show ip interface brief", "show lldp neighbors",
            "show lldp neighbors detail", "show inventory"},
    "nxos_ssh": {"show version", "show hosts", "show interface status", "show hostname",
                 "show inventory | json", "show inventory", "show lldp neighbors detail"},
    "eos": {"show version | json", "show hostname | json", "show interfaces | json",
            "show lldp neighbors  detail | json", "show lldp neighbors detail", "show inventory",
            "show version"},
}

DEVICES = build_topology()
READABLE = [d for d in DEVICES if d.broken != "garbage"]  # auth/silent devices print normal outputs


def first_of_each_model(devices: list[Device]) -> list[Device]:
    chosen: dict[str, Device] = {}
    for device in devices:
        chosen.setdefault(device.spec.key, device)
    return list(chosen.values())


ONE_PER_MODEL = first_of_each_model([d for d in DEVICES if not d.broken])
GARBAGE = next(d for d in DEVICES if d.broken == "garbage")


def ids(devices: list[Device]) -> list[str]:
    return [f"{d.name}-{d.spec.key}" for d in devices]


def parse(device: Device, command: str) -> list[dict]:
    return parse_output(platform=PLATFORM[device.driver], command=command, data=commands_for(device)[command])


def hex_digits(mac: str) -> str:
    return re.sub(r"[^0-9a-f]", "", mac.lower())


def first_line(text: str) -> str:
    return text.splitlines()[0]


# --- offline: the texts themselves --------------------------------------------------------------

def test_one_device_per_model_covers_every_model():
    assert sorted(d.spec.key for d in ONE_PER_MODEL) == sorted(MODELS)
    assert {d.broken for d in ONE_PER_MODEL} == {""}


@pytest.mark.parametrize("device", ONE_PER_MODEL, ids=ids(ONE_PER_MODEL))
def test_covers_exactly_the_commands_napalm_and_the_crawler_send(device):
    assert set(commands_for(device)) == COMMANDS[device.driver]
    assert all(text.strip() for text in commands_for(device).values())


def test_outputs_are_deterministic_and_per_device():
    same_model = [d for d in DEVICES if d.spec.key == "c9300"]
    assert len(same_model) >= 2
    assert commands_for(same_model[0]) == commands_for(same_model[0])
    assert commands_for(same_model[0])["show inventory"] != commands_for(same_model[1])["show inventory"]


@pytest.mark.parametrize("device", READABLE, ids=ids(READABLE))
def test_inventory_parses_to_chassis_then_modules(device):
    records = parse(device, "show inventory")
    chassis = records[0]
    assert (chassis["pid"], chassis["sn"]) == (device.spec.model, device.serial)
    assert chassis["descr"].strip() == device.spec.description
    if device.driver == "eos":
        # the template also yields port counts (no serial); power supplies and fans carry pid + sn
        assert [(r["pid"], r["sn"]) for r in records[1:] if r["sn"]] == [
            (m.part_number, m.serial) for m in device.modules]
    else:
        assert [(r["name"], r["descr"], r["pid"], r["sn"]) for r in records[1:]] == [
            (m.name, m.description, m.part_number, m.serial) for m in device.modules]


@pytest.mark.parametrize("device", READABLE, ids=ids(READABLE))
def test_lldp_text_parses_to_the_links(device):
    records = parse(device, "show lldp neighbors detail")
    assert len(records) == len(device.links)  # the broken ones have no links: nothing parsed
    parsed = {canonical_interface_name(r["local_interface"]): (
        r["neighbor_name"], r["mgmt_address"], canonical_interface_name(r["neighbor_interface"]),
        r["neighbor_description"]) for r in records}
    assert parsed == {lk.local_port: (lk.remote_name, lk.remote_address, lk.remote_port,
                                      first_line(lk.remote_description)) for lk in device.links}


@pytest.mark.parametrize("device", ONE_PER_MODEL, ids=ids(ONE_PER_MODEL))
def test_show_version_parses_with_ntc_templates_too(device):
    record = parse(device, "show version")[0]
    if device.driver == "ios":
        assert (record["hardware"], record["serial"]) == ([device.spec.model], [device.serial])
        assert (record["version"], record["hostname"]) == (device.spec.version, device.name)
    elif device.driver == "nxos_ssh":
        assert (record["serial"], record["os"], record["hostname"]) == (
            device.serial, device.spec.version, device.name)
    else:
        assert (record["model"], record["serial_number"], record["image"]) == (
            device.spec.model, device.serial, device.spec.version)


@pytest.mark.parametrize("device", ONE_PER_MODEL, ids=ids(ONE_PER_MODEL))
def test_garbage_variant_of_every_model_is_unparsable(device):
    broken = dataclasses.replace(device, broken="garbage")
    outputs = commands_for(broken)
    assert set(outputs) == set(commands_for(device))
    for command, text in outputs.items():
        assert text.startswith("% Internal error"), command
        assert device.serial not in text and device.spec.model not in text
        if command.endswith("| json"):
            with pytest.raises(json.JSONDecodeError):
                json.loads(text)
    try:
        records = parse(broken, "show inventory")
    except TextFSMError:  # arista_eos's template rejects unknown lines
        records = []
    assert not [r for r in records if r.get("sn") == device.serial]
    if device.driver == "ios":  # the IOS LLDP template rejects unknown lines
        with pytest.raises(TextFSMError):
            parse(broken, "show lldp neighbors detail")


# --- over SSH: NAPALM's drivers against FakeNOS -------------------------------------------------

SSH_DEVICES = [*ONE_PER_MODEL, GARBAGE]


def free_ports(n: int) -> list[int]:
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(n)]
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]


def fakenos_inventory(devices: list[Device], ports: list[int]) -> dict:
    prompts = ["{base_prompt}>", "{base_prompt}#"]
    return {"hosts": {d.name: {
        "username": USERNAME, "password": PASSWORD, "port": port, "platform": PLATFORM[d.driver],
        "nos": {"plugin": PLATFORM[d.driver], "configuration": {"commands": {
            command: {"output": text, "prompt": prompts} for command, text in commands_for(d).items()}}},
    } for d, port in zip(devices, ports, strict=True)}}


def napalm_session(device: Device, port: int) -> dict:
    """open / get_facts / get_lldp_neighbors_detail / cli / close; each step's result or exception."""
    optional_args = {"port": port, **({"transport": "ssh"} if device.driver == "eos" else {})}
    driver = napalm.get_network_driver(device.driver)(
        hostname="127.0.0.1", username=USERNAME, password=PASSWORD, timeout=20, optional_args=optional_args)
    started, result = time.monotonic(), {}
    driver.open()
    try:
        for step, call in (("facts", driver.get_facts), ("lldp", driver.get_lldp_neighbors_detail),
                           ("inventory", lambda: driver.cli(["show inventory"])["show inventory"])):
            try:
                result[step] = call()
            except Exception as exc:  # noqa: BLE001 - the garbage device is expected to break NAPALM
                result[step] = exc
    finally:
        driver.close()
    result["seconds"] = time.monotonic() - started
    return result


@pytest.fixture(scope="module")
def napalm_results():
    ports = free_ports(len(SSH_DEVICES))
    net = FakeNOS(inventory=fakenos_inventory(SSH_DEVICES, ports))
    net.start()
    try:
        # FakeNOS calls listen() in its accept thread; listening here too closes the start-up race
        for host in net.hosts.values():
            host.server._socket.listen()
        with ThreadPoolExecutor(max_workers=len(SSH_DEVICES)) as pool:
            results = list(pool.map(napalm_session, SSH_DEVICES, ports))
        yield {d.name: r for d, r in zip(SSH_DEVICES, results, strict=True)}
    finally:
        with ThreadPoolExecutor(max_workers=len(SSH_DEVICES)) as pool:  # each server waits ~1 s to stop
            list(pool.map(net.stop, list(net.hosts)))
        net.stop()
        assert not [host.name for host in net.hosts.values() if host.running]


@pytest.mark.parametrize("device", ONE_PER_MODEL, ids=ids(ONE_PER_MODEL))
def test_napalm_get_facts(napalm_results, device):
    facts = napalm_results[device.name]["facts"]
    assert isinstance(facts, dict), facts
    assert facts["vendor"] == device.spec.vendor
    assert facts["serial_number"] == device.serial
    assert (facts["hostname"], facts["fqdn"]) == (device.name, device.fqdn)
    # NX-OS: NAPALM takes the model from show version's "cisco Nexus9000 C93180YC-EX chassis" line
    expected_model = device.spec.description if device.driver == "nxos_ssh" else device.spec.model
    assert facts["model"] == expected_model
    assert device.spec.version in facts["os_version"]
    assert facts["uptime"] > 0
    ports = {lk.local_port for lk in device.links}
    assert ports and ports <= set(facts["interface_list"])


def test_napalm_ios_xe_os_version_is_the_ios_software_line(napalm_results):
    c9300 = next(d for d in ONE_PER_MODEL if d.spec.key == "c9300")
    assert napalm_results[c9300.name]["facts"]["os_version"] == (
        "Catalyst L3 Switch Software (CAT9K_IOSXE), Version 17.6.4, RELEASE SOFTWARE (fc2)")


@pytest.mark.parametrize("device", ONE_PER_MODEL, ids=ids(ONE_PER_MODEL))
def test_napalm_lldp_neighbors_detail(napalm_results, device):
    lldp = napalm_results[device.name]["lldp"]
    assert isinstance(lldp, dict), lldp
    assert set(lldp) == {lk.local_port for lk in device.links}
    for lk in device.links:
        [neighbour] = lldp[lk.local_port]
        assert neighbour["remote_system_name"] == lk.remote_name
        # IOS neighbours send the short port name (Te1/1/1), NX-OS and EOS the long one
        assert canonical_interface_name(neighbour["remote_port"]) == lk.remote_port
        assert first_line(lk.remote_description) in neighbour["remote_system_description"]
        assert hex_digits(neighbour["remote_chassis_id"]) == hex_digits(lk.remote_chassis_id)


@pytest.mark.parametrize("device", ONE_PER_MODEL, ids=ids(ONE_PER_MODEL))
def test_napalm_cli_show_inventory(napalm_results, device):
    text = napalm_results[device.name]["inventory"]
    assert isinstance(text, str), text
    assert text.strip() == commands_for(device)["show inventory"].strip()
    records = parse_output(platform=PLATFORM[device.driver], command="show inventory", data=text)
    assert (records[0]["pid"], records[0]["sn"]) == (device.spec.model, device.serial)


def test_napalm_finds_nothing_on_the_garbage_device(napalm_results):
    facts = napalm_results[GARBAGE.name]["facts"]
    assert isinstance(facts, Exception) or facts["serial_number"] in ("", "Unknown")
    assert GARBAGE.serial not in str(napalm_results[GARBAGE.name]["inventory"])
