"""The lab's network as plain data: devices, their hardware, software and LLDP links.

No Django, no I/O. ``build_topology()`` is deterministic: the same arguments give the same
devices, serials and addresses, so tests and the demo can name what they expect.

Shape: a campus with two NX-OS core switches, a WAN router on the core, Arista distribution
pairs, and access switches (IOS, IOS-XE, EOS, NX-OS) dual-homed to their distribution pair.
A few broken devices sit beside it (wrong password, no answer, garbage output, switched off) and one device
lives outside the lab prefix, reachable only by following LLDP beyond what is allowed.

Servers are apart from the network: ``build_bmcs()`` gives their BMCs (Redfish over HTTPS), three
healthy ones of three vendors, a blade enclosure's manager with two blades, one that expects
another password and one that is switched off. The devices that answer only SNMP are in
``collectors.lab.snmp_devices``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Literal

Driver = Literal["ios", "nxos_ssh", "eos"]
Broken = Literal["", "auth", "silent", "garbage", "down"]

LAB_PREFIX = "127.77.0.0/16"
OUTSIDE_PREFIX = "127.78.0.0/16"
DEFAULT_PORT = 10022
USERNAME = "lab"
PASSWORD = "lab-pass"  # noqa: S105 - the lab's own fake devices, bound to loopback
WRONG_PASSWORD = "not-the-lab-pass"  # noqa: S105


@dataclass(frozen=True)
class HardwareSpec:
    """One hardware model the lab can play."""

    key: str
    driver: Driver
    vendor: str  # as the device prints it
    model: str  # part number as the device prints it
    description: str
    os_family: str  # "IOS", "IOS-XE", "NX-OS", "EOS"
    version: str  # clean version, e.g. 15.2(7)E4
    image: str  # IOS image name / NX-OS image file; unused for EOS
    serial_prefix: str
    uplinks: tuple[str, ...]  # interface names used towards the layer above
    downlinks: tuple[str, ...]  # interface names used towards the layer below
    modules: tuple[tuple[str, str, str], ...]  # (slot name, part number, description)


MODELS: dict[str, HardwareSpec] = {
    spec.key: spec
    for spec in [
        HardwareSpec(
            "n9k",
            "nxos_ssh",
            "Cisco",
            "N9K-C93180YC-EX",
            "Nexus9000 C93180YC-EX chassis",
            "NX-OS",
            "9.3(8)",
            "bootflash:///nxos.9.3.8.bin",
            "FDO2",
            ("Ethernet1/49", "Ethernet1/50"),
            tuple(f"Ethernet1/{i}" for i in range(1, 49)),
            (
                ("Slot 1", "N9K-C93180YC-EX", "48x10/25G + 6x40/100G Ethernet Module"),
                ("Power Supply 1", "NXA-PAC-650W-PI", "Nexus NEBS AC 650W PSU  Port Side Intake"),
                ("Power Supply 2", "NXA-PAC-650W-PI", "Nexus NEBS AC 650W PSU  Port Side Intake"),
                ("Fan 1", "NXA-FAN-30CFM-F", "Nexus Fan Module"),
            ),
        ),
        HardwareSpec(
            "n3k",
            "nxos_ssh",
            "Cisco",
            "N3K-C3172PQ-10GE",
            "Nexus 3172 Chassis",
            "NX-OS",
            "7.0(3)I7(9)",
            "bootflash:///nxos.7.0.3.I7.9.bin",
            "FOC1",
            ("Ethernet1/49", "Ethernet1/50"),
            tuple(f"Ethernet1/{i}" for i in range(1, 48)),
            (
                ("Slot 1", "N3K-C3172PQ-10GE", "48x10GE + 6x40G Supervisor"),
                ("Power Supply 1", "N2200-PAC-400W", "Nexus 400W AC PSU"),
            ),
        ),
        HardwareSpec(
            "dcs7050",
            "eos",
            "Arista",
            "DCS-7050SX3-48YC8",
            "48x25GbE SFP & 8x100GbE QSFP Switch",
            "EOS",
            "4.28.3M",
            "",
            "JPE2",
            ("Ethernet49/1", "Ethernet50/1"),
            tuple(f"Ethernet{i}" for i in range(1, 49)),
            (
                ("PowerSupply1", "PWR-511-AC-RED", "Power supply"),
                ("PowerSupply2", "PWR-511-AC-RED", "Power supply"),
                ("Fan1", "FAN-7011H-RED", "Fan module"),
            ),
        ),
        HardwareSpec(
            "dcs7010",
            "eos",
            "Arista",
            "DCS-7010T-48",
            "48x1GbE & 4x10GbE SFP+ Switch",
            "EOS",
            "4.27.6M",
            "",
            "JPE1",
            ("Ethernet49", "Ethernet50"),
            tuple(f"Ethernet{i}" for i in range(1, 49)),
            (("PowerSupply1", "PWR-460AC-F", "Power supply"),),
        ),
        HardwareSpec(
            "c9300",
            "ios",
            "Cisco",
            "C9300-48P",
            "C9300-48P",
            "IOS-XE",
            "17.6.4",
            "CAT9K_IOSXE",
            "FOC2",
            ("TenGigabitEthernet1/1/1", "TenGigabitEthernet1/1/2"),
            tuple(f"GigabitEthernet1/0/{i}" for i in range(1, 49)),
            (
                ("Switch 1 - Power Supply A", "PWR-C1-715WAC-P", "Switch 1 - Power Supply A"),
                ("StackPort1/1", "STACK-T1-50CM", "StackPort1/1"),
                ("Te1/1/1", "SFP-10G-SR", "SFP-10GBase-SR"),
            ),
        ),
        HardwareSpec(
            "c9200",
            "ios",
            "Cisco",
            "C9200L-24P-4G",
            "C9200L-24P-4G",
            "IOS-XE",
            "17.3.5",
            "CAT9K_LITE_IOSXE",
            "JAE2",
            ("GigabitEthernet1/1/1", "GigabitEthernet1/1/2"),
            tuple(f"GigabitEthernet1/0/{i}" for i in range(1, 25)),
            (("Switch 1 - Power Supply A", "PWR-C5-125WAC", "Switch 1 - Power Supply A"),),
        ),
        HardwareSpec(
            "c2960x",
            "ios",
            "Cisco",
            "WS-C2960X-48FPD-L",
            "WS-C2960X-48FPD-L",
            "IOS",
            "15.2(7)E4",
            "C2960X-UNIVERSALK9-M",
            "FOC1",
            ("TenGigabitEthernet1/0/1", "TenGigabitEthernet1/0/2"),
            tuple(f"GigabitEthernet1/0/{i}" for i in range(1, 49)),
            (
                ("TenGigabitEthernet1/0/1", "SFP-10G-LR", "SFP-10GBase-LR"),
                ("TenGigabitEthernet1/0/2", "SFP-10G-LR", "SFP-10GBase-LR"),
            ),
        ),
        HardwareSpec(
            "c3560cx",
            "ios",
            "Cisco",
            "WS-C3560CX-12PC-S",
            "WS-C3560CX-12PC-S",
            "IOS",
            "15.2(7)E3",
            "C3560CX-UNIVERSALK9-M",
            "FOC2",
            ("GigabitEthernet0/15", "GigabitEthernet0/16"),
            tuple(f"GigabitEthernet0/{i}" for i in range(1, 13)),
            (("GigabitEthernet0/15", "GLC-LH-SMD", "1000BaseLX SFP"),),
        ),
        HardwareSpec(
            "isr4331",
            "ios",
            "Cisco",
            "ISR4331/K9",
            "Cisco ISR4331 Chassis",
            "IOS-XE",
            "16.9.8",
            "ISR4300-UNIVERSALK9",
            "FLM2",
            ("GigabitEthernet0/0/0", "GigabitEthernet0/0/1"),
            ("GigabitEthernet0/0/2",),
            (
                ("module 0", "ISR4331-3x1GE", "Front Panel 3 ports Gigabitethernet Module"),
                ("Power Supply Module 0", "PWR-4330-AC", "250W AC Power Supply for Cisco ISR 4330"),
                ("NIM subslot 0/1", "NIM-2T", "NIM-2T Serial Module"),
            ),
        ),
    ]
}


@dataclass(frozen=True)
class Module:
    name: str
    part_number: str
    description: str
    serial: str


@dataclass(frozen=True)
class Link:
    """One LLDP neighbour as this device sees it."""

    local_port: str
    remote_name: str
    remote_port: str
    remote_address: str
    remote_description: str  # the neighbour's LLDP system description
    remote_chassis_id: str


@dataclass
class Device:
    name: str
    role: str  # core / wan / distribution / access / outside / broken
    spec: HardwareSpec
    address: str
    port: int
    serial: str
    mac: str
    modules: list[Module] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    broken: Broken = ""

    @property
    def driver(self) -> Driver:
        return self.spec.driver

    @property
    def domain(self) -> str:
        return "lab.werterhalt.test"

    @property
    def fqdn(self) -> str:
        return f"{self.name}.{self.domain}"

    @property
    def system_description(self) -> str:
        """What this device announces in LLDP (used by neighbours' outputs and crawl)."""
        return system_description(self.spec)


def system_description(spec: HardwareSpec) -> str:
    if spec.os_family == "NX-OS":
        return (
            f"Cisco Nexus Operating System (NX-OS) Software {spec.version}\n"
            "TAC support: http://www.cisco.com/tac\nCopyright (c) 2002-2022, Cisco Systems, Inc."
        )
    if spec.os_family == "EOS":
        return f"Arista Networks EOS version {spec.version} running on an Arista Networks {spec.model}"
    if spec.os_family == "IOS-XE":
        return (
            f"Cisco IOS Software [IOS-XE], Catalyst L3 Switch Software ({spec.image}-M), "
            f"Version {spec.version}, RELEASE SOFTWARE (fc2)"
        )
    return (
        f"Cisco IOS Software, C2960X Software ({spec.image}), Version {spec.version}, RELEASE SOFTWARE (fc1)"
    )


def _serial(spec: HardwareSpec, n: int) -> str:
    # Cisco style: 3 letters + 4 digits (year/week) + 4 characters; others similar length.
    return f"{spec.serial_prefix}{2100 + n:04d}{n * 7919 % 46656:04X}"[:11]


def _module_serial(device_serial: str, i: int) -> str:
    return f"M{device_serial[-6:]}{i:02d}"


def _mac(n: int) -> str:
    return f"00:1b:54:{(n >> 16) & 0xFF:02x}:{(n >> 8) & 0xFF:02x}:{n & 0xFF:02x}"


ACCESS_ROTATION = ("c9300", "c2960x", "c9200", "c3560cx", "dcs7010", "c9300", "n3k", "c2960x")


def build_topology(
    access: int = 26,
    *,
    distribution_pairs: int = 2,
    broken: bool = True,
    outside: bool = True,
    port: int = DEFAULT_PORT,
    prefix: str = LAB_PREFIX,
    outside_prefix: str = OUTSIDE_PREFIX,
) -> list[Device]:
    """The lab: 2 core + 1 WAN + 2×pairs distribution + ``access`` access switches (+ extras).

    Defaults give 33 healthy devices of 9 models, 3 broken ones and one outside the prefix.
    """
    net = ipaddress.ip_network(prefix)
    hosts = net.hosts()
    devices: list[Device] = []
    counter = 0

    def add(name: str, role: str, key: str, address: str | None = None, brk: Broken = "") -> Device:
        nonlocal counter
        counter += 1
        spec = MODELS[key]
        serial = _serial(spec, counter)
        dev = Device(
            name=name,
            role=role,
            spec=spec,
            address=address or str(next(hosts)),
            port=port,
            serial=serial,
            mac=_mac(counter),
            broken=brk,
            modules=[
                Module(slot, pid, descr, _module_serial(serial, i))
                for i, (slot, pid, descr) in enumerate(spec.modules, start=1)
            ],
        )
        devices.append(dev)
        return dev

    core = [add(f"core-{i}", "core", "n9k") for i in (1, 2)]
    wan = add("wan-1", "wan", "isr4331")
    dist: list[tuple[Device, Device]] = []
    for p in range(1, distribution_pairs + 1):
        dist.append(
            (add(f"dist-{p}a", "distribution", "dcs7050"), add(f"dist-{p}b", "distribution", "dcs7050"))
        )
    acc = [
        add(f"access-{i:03d}", "access", ACCESS_ROTATION[(i - 1) % len(ACCESS_ROTATION)])
        for i in range(1, access + 1)
    ]

    ports_used: dict[str, int] = {}

    def next_down(dev: Device) -> str:
        i = ports_used.get(dev.name, 0)
        ports_used[dev.name] = i + 1
        downs = dev.spec.downlinks
        if i < len(downs):
            return downs[i]
        return f"{downs[0].rsplit('/', 1)[0]}/{100 + i}" if "/" in downs[0] else f"{downs[0]}{100 + i}"

    def link(a: Device, a_port: str, b: Device, b_port: str) -> None:
        a.links.append(Link(a_port, b.name, b_port, b.address, b.system_description, b.mac))
        b.links.append(Link(b_port, a.name, a_port, a.address, a.system_description, a.mac))

    # core pair: peer link, WAN router on both
    link(core[0], "Ethernet1/53", core[1], "Ethernet1/53")
    link(wan, wan.spec.uplinks[0], core[0], next_down(core[0]))
    link(wan, wan.spec.uplinks[1], core[1], next_down(core[1]))
    for a, b in dist:
        for d in (a, b):
            link(d, d.spec.uplinks[0], core[0], next_down(core[0]))
            link(d, d.spec.uplinks[1], core[1], next_down(core[1]))
    for i, sw in enumerate(acc):
        a, b = dist[i % len(dist)]
        link(sw, sw.spec.uplinks[0], a, next_down(a))
        link(sw, sw.spec.uplinks[1], b, next_down(b))

    if outside:
        # A partner's switch behind the WAN router: visible in LLDP, outside the allowed prefix.
        out_net = ipaddress.ip_network(outside_prefix)
        partner = add("partner-edge", "outside", "c9200", address=str(next(out_net.hosts())))
        link(wan, wan.spec.downlinks[0], partner, partner.spec.uplinks[0])
    if broken:
        add("broken-auth", "broken", "c2960x", brk="auth")
        add("broken-silent", "broken", "c9200", brk="silent")
        add("broken-garbage", "broken", "c2960x", brk="garbage")
        add("broken-down", "broken", "c9300", brk="down")  # in the inventory, nobody serves it
    return devices


def seed(devices: list[Device]) -> Device:
    """The device a crawl starts from (the first core switch)."""
    return next(d for d in devices if d.role == "core")


# --- servers: their BMCs (Redfish over HTTPS) --------------------------------------------------------

BMC_PREFIX = "127.77.250.0/24"
DEFAULT_BMC_PORT = 10443
BMC_USERNAME = "lab-bmc"
BMC_PASSWORD = "lab-bmc-pass"  # noqa: S105 - the lab's own fake BMCs, bound to loopback
BMC_WRONG_PASSWORD = "not-the-bmc-pass"  # noqa: S105
BmcBroken = Literal["", "auth", "down"]


@dataclass(frozen=True)
class Bmc:
    """One server's BMC: ``mockup`` names its folder under ``collectors/lab/redfish`` (an absolute
    path instead: a folder of its own, e.g. a test's altered copy)."""

    name: str
    address: str
    port: int
    mockup: str
    broken: BmcBroken = ""

    @property
    def role(self) -> str:
        return "bmc"


def build_bmcs(*, broken: bool = True, port: int = DEFAULT_BMC_PORT, prefix: str = BMC_PREFIX) -> list[Bmc]:
    """A Dell PowerEdge R740 (iDRAC 9), an HPE ProLiant DL380 Gen10 (iLO 5), a Lenovo
    ThinkSystem SR650 V2 (XClarity Controller) and a blade enclosure's manager that answers for
    two blade servers (one asset each; one blade's Storage is missing, HTTP 404: see the mockup's
    README); with ``broken`` also a BMC that expects another password and one that is listed but
    switched off."""
    hosts = ipaddress.ip_network(prefix).hosts()
    plan: list[tuple[str, str, BmcBroken]] = [
        ("srv-dell-r740", "dell-r740", ""),
        ("srv-hpe-dl380", "hpe-dl380-gen10", ""),
        ("srv-lenovo-sr650", "lenovo-sr650-v2", ""),
        ("srv-blade-encl", "contoso-bladed", ""),
    ]
    if broken:
        plan += [("srv-bmc-badpass", "dell-r740", "auth"), ("srv-bmc-off", "hpe-dl380-gen10", "down")]
    return [Bmc(name, str(next(hosts)), port, mockup, brk) for name, mockup, brk in plan]
