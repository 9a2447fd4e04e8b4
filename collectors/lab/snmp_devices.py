"""The lab's SNMP devices: UPSes, printers, firewalls and a switch that only answer SNMP.

No Django, no I/O. ``build_snmp_devices()`` is deterministic like ``topology.build_topology``;
``recording(device)`` writes the device's walk in snmpsim's ``.snmprec`` format, with the OIDs
and value shapes these products really answer with (APC's PowerNet MIB, the Printer MIB and HP's
JetDirect, Fortinet's FORTINET-CORE/FORTIGATE MIBs, ENTITY-MIB on an Aruba CX switch); only names
and serial numbers are the lab's own.

Every device has its own loopback address on one UDP port, like real agents on port 161 of their
own address. One snmpsim responder serves them all (``collectors.lab.snmpagent``), and it picks
the walk by community alone (snmpsim 1.2's selection by transport endpoint is not reached with
pysnmp 7), so each lab device has a community of its own (``community``) and the lab's secrets
file names it per host — as a city would give its UPS cards and printers their own communities.

Broken devices: ``community`` is served under another community (to discovery it is a device
that never answers: what a wrong community looks like), ``bare`` answers only the system group
(a Linux box with net-snmp: no serial number anywhere), ``down`` is not served at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SNMP_PREFIX = "127.77.240.0/24"
DEFAULT_SNMP_PORT = 10161
COMMUNITY_PREFIX = "lab-ro-"  # the lab's own agents, bound to loopback

Broken = Literal["", "community", "bare", "down"]
Line = tuple[str, str, str]  # (OID, snmprec type, value)


@dataclass(frozen=True)
class SnmpDevice:
    name: str
    address: str
    port: int
    kind: str  # a key of KINDS
    serial: str
    index: int  # the device's number within its kind (names, serials, software versions)
    broken: Broken = ""

    @property
    def role(self) -> str:
        return "snmp"


def _system(d: SnmpDevice, descr: str, object_id: str) -> list[Line]:
    return [
        ("1.3.6.1.2.1.1.1.0", "4", descr),
        ("1.3.6.1.2.1.1.2.0", "6", object_id),
        ("1.3.6.1.2.1.1.3.0", "67", str(8_640_000 + 1_000 * d.index)),
        ("1.3.6.1.2.1.1.4.0", "4", "it-netz@example.org"),
        ("1.3.6.1.2.1.1.5.0", "4", d.name),
        ("1.3.6.1.2.1.1.6.0", "4", "Stadthaus, Technikraum"),
    ]


def _hex(text: str, prefix: bytes = b"") -> str:
    return (prefix + text.encode()).hex().upper()


def _apc_ups(d: SnmpDevice) -> list[Line]:
    models = [("Smart-UPS X 750", "SMX750I"), ("Smart-UPS 1500", "SMT1500RMI2U")]
    model, sku = models[d.index % len(models)]
    card = f"ZA18{d.index:08d}"
    aos = "v7.0.8" if d.index % 2 else "v6.9.6"
    descr = (
        f"APC Web/SNMP Management Card (MB:v4.1.0 PF:{aos} PN:apc_hw05_aos_{aos[1:].replace('.', '')}.bin "
        f"AF1:{aos} AN1:apc_hw05_sumx_{aos[1:].replace('.', '')}.bin MN:AP9631 HR:08 SN: {card} "
        "MD:04/10/2018) (Embedded PowerNet SNMP Agent SW v2.2 compatible)"
    )
    ident = "1.3.6.1.4.1.318.1.1.1.1"
    return [
        *_system(d, descr, "1.3.6.1.4.1.318.1.3.27"),
        (f"{ident}.1.1.0", "4", model),  # upsBasicIdentModel
        (f"{ident}.1.2.0", "4", d.name),  # upsBasicIdentName
        (f"{ident}.2.1.0", "4", "UPS 09.8 (ID20) "),  # upsAdvIdentFirmwareRevision
        (f"{ident}.2.2.0", "4", "05/14/2019"),  # upsAdvIdentDateOfManufacture
        (f"{ident}.2.3.0", "4", d.serial),  # upsAdvIdentSerialNumber
        (f"{ident}.2.5.0", "4", sku),  # upsAdvIdentSkuNumber
        ("1.3.6.1.4.1.318.1.4.2.4.1.4.1", "4", aos),  # the management card's firmware
        ("1.3.6.1.4.1.318.1.4.2.4.1.4.2", "4", aos),
    ]


def _hp_printer(d: SnmpDevice) -> list[Line]:
    models = ["HP LaserJet MFP M130nw", "HP LaserJet Pro M404dn"]
    model = models[d.index % len(models)]
    firmware = f"2020{10 + d.index % 3:02d}23"
    descr = f"HP ETHERNET MULTI-ENVIRONMENT,SN:{d.serial},FN:4Q817L{d.index},SVCID:31339,PID:{model}"
    hp = "1.3.6.1.4.1.11.2.3.9.4.2.1.1.3"
    return [
        *_system(d, descr, "1.3.6.1.4.1.11.2.3.9.1"),
        ("1.3.6.1.2.1.25.3.2.1.2.1", "6", "1.3.6.1.2.1.25.3.1.5"),  # hrDeviceType: printer
        ("1.3.6.1.2.1.25.3.2.1.3.1", "4", model),  # hrDeviceDescr
        ("1.3.6.1.2.1.43.5.1.1.16.1", "4", d.name),  # prtGeneralPrinterName
        ("1.3.6.1.2.1.43.5.1.1.17.1", "4", d.serial),  # prtGeneralSerialNumber
        (f"{hp}.3.0", "4x", _hex(d.serial, b"\x01\x15")),  # HP: serial, length-prefixed
        (f"{hp}.5.0", "4x", _hex(firmware, b"\x01\x15")),  # HP: firmware date code
    ]


def _fortigate(d: SnmpDevice) -> list[Line]:
    models = [("644", "FGT_60F"), ("1041", "FGT_100F")]
    object_id, model = models[d.index % len(models)]
    version = "v7.2.6,build1575,230926 (GA.F)" if d.index % 2 else "v7.0.12,build0523,230519 (GA.M)"
    entity = "1.3.6.1.2.1.47.1.1.1.1"
    return [
        *_system(d, "", f"1.3.6.1.4.1.12356.101.1.{object_id}"),
        (f"{entity}.2.1", "4", f"Fortinet {model}, HW Serial#: {d.serial}"),
        (f"{entity}.4.1", "2", "0"),
        (f"{entity}.5.1", "2", "3"),  # chassis
        (f"{entity}.7.1", "4", model),
        (f"{entity}.11.1", "4", d.serial),
        (f"{entity}.13.1", "4", model),
        ("1.3.6.1.4.1.12356.100.1.1.1.0", "4", d.serial),  # fnSysSerial
        ("1.3.6.1.4.1.12356.101.4.1.1.0", "4", version),  # fgSysVersion
    ]


def _aruba_cx(d: SnmpDevice) -> list[Line]:
    version = "PL.10.10.0002" if d.index % 2 else "PL.10.13.1010"
    entity = "1.3.6.1.2.1.47.1.1.1.1"
    # (index, description, contained in, class, name, model, serial)
    rows = [
        (1, "6300M 48-port 1GbE Class 4 PoE and 4-port SFP56 Switch", 0, 3, "Chassis", "JL661A", d.serial),
        (2, "Aruba X372 54VDC 1050W 110-240VAC Power-to-Port Power Supply", 1, 6, "PSU 1/1", "JL670A",
         f"CN0{d.serial[-7:]}P1"),
        (3, "Aruba X372 54VDC 1050W 110-240VAC Power-to-Port Power Supply", 1, 6, "PSU 1/2", "JL670A",
         f"CN0{d.serial[-7:]}P2"),
        (4, "Aruba X751 Fan Tray", 1, 7, "Fan tray 1/1", "JL669A", f"CN0{d.serial[-7:]}F1"),
    ]
    lines = [*_system(d, version, "1.3.6.1.4.1.47196.4.1.1.1.300")]
    for column, pick in ((2, 1), (4, 2), (5, 3), (7, 4), (10, None), (11, 6), (12, None), (13, 5)):
        for row in rows:
            value = version if column == 10 else "Aruba" if column == 12 else row[pick]
            lines.append((f"{entity}.{column}.{row[0]}", "2" if column in (4, 5) else "4", str(value)))
    return lines


def _net_snmp(d: SnmpDevice) -> list[Line]:
    descr = "Linux " + d.name + " 6.1.0-26-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.112-1 x86_64"
    return _system(d, descr, "1.3.6.1.4.1.8072.3.2.10")


# kind -> (what it is, how its walk reads, serial prefix)
KINDS = {
    "apc-ups": ("APC Smart-UPS", _apc_ups, "AS19"),
    "hp-printer": ("HP LaserJet", _hp_printer, "VNCR"),
    "fortigate": ("FortiGate", _fortigate, "FGT60FTK"),
    "aruba-cx": ("Aruba CX 6300M", _aruba_cx, "SG9"),
    "net-snmp": ("Linux (net-snmp)", _net_snmp, ""),
}


def _oid_key(oid: str) -> tuple[int, ...]:
    return tuple(int(part) for part in oid.split("."))


def recording(device: SnmpDevice) -> str:
    """The device's walk as snmpsim reads it: ``OID|type|value`` lines in OID order."""
    lines = KINDS[device.kind][1](device)
    ordered = sorted(lines, key=lambda line: _oid_key(line[0]))
    return "".join(f"{oid}|{kind}|{value}\n" for oid, kind, value in ordered)


def _device(
    name: str, kind: str, n: int, index: int, port: int, base: str, broken: Broken = ""
) -> SnmpDevice:
    prefix = KINDS[kind][2]
    serial = f"{prefix}{index:07d}"[:20] if prefix else ""
    return SnmpDevice(name, f"{base}.{n}", port, kind, serial, index, broken)


def build_snmp_devices(
    *, broken: bool = True, port: int = DEFAULT_SNMP_PORT, prefix: str = SNMP_PREFIX
) -> list[SnmpDevice]:
    """Two UPSes, two printers, two firewalls and a switch; with ``broken`` a device behind
    another community, one without a serial number and one that is switched off."""
    base = prefix.split("/")[0].rsplit(".", 1)[0]
    plan = [
        ("ups-stadthaus-1", "apc-ups"),
        ("ups-stadthaus-2", "apc-ups"),
        ("printer-stadthaus-1", "hp-printer"),
        ("printer-schulamt-1", "hp-printer"),
        ("fw-stadthaus-1", "fortigate"),
        ("fw-stadthaus-2", "fortigate"),
        ("sw-cx-werkhof-1", "aruba-cx"),
    ]
    devices = [_device(name, kind, n, n, port, base) for n, (name, kind) in enumerate(plan, start=1)]
    if broken:
        n = len(devices)
        devices += [
            _device("ups-wrong-community", "apc-ups", n + 1, n + 1, port, base, "community"),
            _device("linux-no-serial", "net-snmp", n + 2, n + 2, port, base, "bare"),
            _device("printer-switched-off", "hp-printer", n + 3, n + 3, port, base, "down"),
        ]
    return devices


def bench_devices(
    count: int, *, port: int = DEFAULT_SNMP_PORT, first: str = "127.77.200.1"
) -> list[SnmpDevice]:
    """``count`` healthy devices of every kind in turn (the benchmark), from ``first`` on."""
    import ipaddress

    start = ipaddress.ip_address(first)
    kinds = ["apc-ups", "hp-printer", "fortigate", "aruba-cx"]
    devices = []
    for i in range(count):
        kind = kinds[i % len(kinds)]
        address = str(start + i)
        devices.append(SnmpDevice(f"snmp-{i + 1:03d}", address, port, kind,
                                  f"{KINDS[kind][2]}B{i:06d}", 100 + i))
    return devices


def community(device: SnmpDevice) -> str:
    """The community the lab's secrets file gives the device (what discovery sends)."""
    return f"{COMMUNITY_PREFIX}{device.name}"


def served_community(device: SnmpDevice) -> str:
    """The community the device answers to: its own, or another one when it is broken so."""
    return community(device) + ("-other" if device.broken == "community" else "")


def data_files(devices: list[SnmpDevice]) -> dict[str, str]:
    """File name -> content of the responder's data folder for ``devices``."""
    return {f"{served_community(d)}.snmprec": recording(d) for d in devices if d.broken != "down"}


def served(devices: list[SnmpDevice]) -> list[SnmpDevice]:
    return [d for d in devices if d.broken != "down"]
