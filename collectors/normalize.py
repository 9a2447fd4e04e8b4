"""Raw getter output -> DeviceFacts. Pure functions: no Django, no I/O.

Inputs are what NAPALM's getters return (``get_facts``, ``get_lldp_neighbors_detail``) and
the records ntc-templates parses out of ``show inventory`` / ``show lldp neighbors detail``.
Everything a device says is treated as untrusted text: trimmed, length-capped, and checked for
the few things sync cannot do without (a serial number and a model).
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from netutils.lib_mapper import NAPALM_LIB_MAPPER, NETMIKO_LIB_MAPPER_REVERSE, NTCTEMPLATES_LIB_MAPPER_REVERSE

from inventory.naming import model_key, vendor_key

# The NAPALM drivers discovery uses. Every other library's name for a device's OS (ntc-templates'
# platform, netmiko's and FakeNOS' device type) comes from netutils' ``lib_mapper`` through
# ``network_os``: one table, kept by netutils, instead of one per module.
SUPPORTED_DRIVERS = ("ios", "nxos_ssh", "eos", "junos")


def network_os(driver: str) -> str:
    """netutils' normalised name of a NAPALM driver's OS: ``ios`` -> ``cisco_ios``, ``nxos_ssh``
    -> ``cisco_nxos``, ``junos`` -> ``juniper_junos``; an unknown driver stays as it is."""
    return NAPALM_LIB_MAPPER.get(driver, driver)


def ntc_platform(driver: str) -> str:
    """ntc-templates' platform for a NAPALM driver (``ios`` -> ``cisco_ios``)."""
    name = network_os(driver)
    return NTCTEMPLATES_LIB_MAPPER_REVERSE.get(name, name)


def netmiko_platform(driver: str) -> str:
    """netmiko's device type for a NAPALM driver (also FakeNOS' platform names)."""
    name = network_os(driver)
    return NETMIKO_LIB_MAPPER_REVERSE.get(name, name)


# Platform slugs (inventory.Platform.slug) per driver; IOS splits into IOS and IOS-XE.
PLATFORM_NAMES = {
    "cisco-ios": ("Cisco IOS", "ios"),
    "cisco-ios-xe": ("Cisco IOS-XE", "ios"),
    "nxos": ("Cisco NX-OS", "nxos_ssh"),
    "eos": ("Arista EOS", "eos"),
    "junos": ("Juniper Junos", "junos"),
    # servers read through their BMC: the "software" is the system firmware (BIOS/UEFI)
    "redfish": ("Server firmware (Redfish)", ""),
}

_NO_VALUE = {"", "n/a", "na", "none", "unknown", "not available", "not specified", "-", "0"}
_VERSION_IN_TEXT = re.compile(r"\bVersion:?\s+([0-9][^\s,]*)", re.IGNORECASE)
_EOS_VERSION = re.compile(r"^(\d+\.\d+\.\d+[A-Za-z0-9.]*?)(?:-\d.*)?$")
_IOS_XE_HINT = re.compile(
    r"IOS[-_ ]?XE|IOSXE|IOSD|X86_64_LINUX|CAT9K|ISR4[0-9]00|ASR1000|CAT3K_CAA", re.IGNORECASE
)
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")  # tabs too; newlines become spaces


class UnparsableOutput(ValueError):
    """The device answered, but not with something we can read."""


@dataclass(frozen=True)
class ModuleFacts:
    name: str
    part_number: str = ""
    serial: str = ""
    description: str = ""


@dataclass(frozen=True)
class Neighbour:
    local_port: str
    name: str
    port: str = ""
    description: str = ""
    chassis_id: str = ""
    address: str = ""  # management address, when the crawler asked for it


@dataclass
class DeviceFacts:
    hostname: str
    vendor: str
    model: str  # the part number when known (chassis PID), else what get_facts said
    serial: str
    driver: str
    platform: str  # inventory.Platform slug
    os_version: str  # clean, e.g. 15.0(2)SE4
    os_version_raw: str = ""
    model_name: str = ""  # what get_facts said the model is (may be a description on NX-OS)
    fqdn: str = ""
    uptime_seconds: float | None = None
    modules: list[ModuleFacts] | None = None  # None: inventory not read, leave modules alone
    neighbours: list[Neighbour] = field(default_factory=list)
    # what a server's BMC adds (SKU, BMC firmware, CPU and memory summary…); not stored yet
    details: dict[str, str] = field(default_factory=dict)


def text(value, limit: int = 100) -> str:
    """A device string made safe to store: no control characters, single-line, capped."""
    if value is None:
        return ""
    s = _CONTROL.sub("", str(value)).replace("\n", " ").strip()
    return s[:limit].strip()


def value_or_blank(value, limit: int = 100) -> str:
    """Like ``text`` but placeholders such as "N/A" or "Unknown" count as no value."""
    s = text(value, limit)
    return "" if s.casefold() in _NO_VALUE else s


def clean_os_version(raw: str, driver: str = "") -> str:
    """The release out of what a device prints, e.g. ``15.0(2)SE4`` out of
    ``C2960 Software (C2960-LANBASEK9-M), Version 15.0(2)SE4, RELEASE SOFTWARE (fc1)``,
    ``4.28.3M`` out of EOS's ``4.28.3M-28117394.4283M``; NX-OS / Junos strings stay as they are."""
    raw = text(raw, 250)
    if not raw:
        return ""
    m = _VERSION_IN_TEXT.search(raw)
    version = m.group(1) if m else raw.split()[0]
    if driver == "eos":
        e = _EOS_VERSION.match(version)
        if e:
            version = e.group(1)
    return version.rstrip(".,;")[:50]


def platform_slug(driver: str, os_version_raw: str = "", os_version: str = "") -> str:
    if driver == "ios":
        if _IOS_XE_HINT.search(os_version_raw or ""):
            return "cisco-ios-xe"
        major = re.match(r"(\d+)\.", os_version or "")
        return "cisco-ios-xe" if major and int(major.group(1)) >= 16 else "cisco-ios"
    slugs = {"cisco_nxos": "nxos", "arista_eos": "eos", "juniper_junos": "junos"}
    return slugs.get(network_os(driver), driver)


def driver_from_description(description: str) -> str | None:
    """The NAPALM driver for a device that announces this LLDP system description, if any."""
    d = (description or "").casefold()
    if "nx-os" in d or "nexus operating system" in d:
        return "nxos_ssh"
    if "arista" in d and "eos" in d:
        return "eos"
    if "ios xr" in d or "ios-xr" in d:
        return None  # IOS-XR needs NAPALM's iosxr driver, which discovery does not use
    if "cisco ios" in d or "ios-xe" in d or "ios xe" in d:
        return "ios"
    if "junos" in d or "juniper" in d:
        return "junos"
    return None


def guess_category(model: str, driver: str = "") -> str:
    """inventory.HardwareCategory value for a model nobody has catalogued yet."""
    if driver == "redfish":
        return "server"
    m = model.upper()
    if re.match(r"(ISR|ASR|C8[0-9]{3}|CISCO[0-9]{4}|MX|SRX)", m):
        return "router"
    if re.match(r"(ASA|FPR|FG-|PA-)", m):
        return "firewall"
    if re.match(r"(AIR-|C91[0-9]{2}AX|AP)", m):
        return "wireless"
    return "switch"


# --- show inventory -----------------------------------------------------------------------------


def _module_name(record: Mapping[str, str]) -> str:
    name = value_or_blank(record.get("name"))
    if name:
        return name.strip('"')
    # Arista's template has no NAME: slot number + what kind of part it is.
    port = value_or_blank(record.get("port"), 20)
    pid = value_or_blank(record.get("pid")).upper()
    kind = "PowerSupply" if pid.startswith("PWR") else "Fan" if pid.startswith("FAN") else "Port"
    return f"{kind}{port}" if port else ""


def chassis_from_inventory(
    records: Iterable[Mapping[str, str]], serial: str = ""
) -> Mapping[str, str] | None:
    """The record of the chassis itself: the one with the device's serial, else the first."""
    records = list(records)
    if serial:
        for r in records:
            if value_or_blank(r.get("sn")) == serial:
                return r
    for r in records:
        name = value_or_blank(r.get("name")).casefold()
        if "chassis" in name or name in {"1", "switch 1", "system"} or not (r.get("port") or name):
            return r
    return records[0] if records else None


def modules_from_inventory(
    records: Iterable[Mapping[str, str]], chassis: Mapping[str, str] | None
) -> list[ModuleFacts]:
    """Parts other than the chassis; parts with neither part number nor serial are left out, and
    so is the chassis listed again as a module (fixed Nexus switches print "Slot 1" with the
    chassis's own part number and serial)."""
    modules: list[ModuleFacts] = []
    seen: dict[str, int] = {}
    chassis_part = None
    if chassis is not None:
        chassis_part = (value_or_blank(chassis.get("pid")).rstrip("="), value_or_blank(chassis.get("sn")))
    for r in records:
        if chassis is not None and r is chassis:
            continue
        pid = value_or_blank(r.get("pid")).rstrip("=")
        sn = value_or_blank(r.get("sn"))
        if not pid and not sn or (sn and (pid, sn) == chassis_part):
            continue
        name = _module_name(r) or pid or sn
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            name = f"{name} ({seen[name]})"
        modules.append(
            ModuleFacts(
                name=name[:100],
                part_number=pid,
                serial=sn,
                description=value_or_blank(r.get("descr"), 250).strip('"'),
            )
        )
    return modules


# --- Junos: show chassis hardware ---------------------------------------------------------------

# ntc-templates' juniper_junos_show_chassis_hardware gives one record per line, its fields named
# by the kind of part (``ps_part``, ``xcvr_serial_number``...); parents' fields (FPC, CPU, MIC, PIC)
# are filled down into their children's records. kind -> (label, the kinds whose numbers name it)
JUNOS_PARTS = {
    "mid": ("Midplane", ()),
    "fpm": ("FPM", ()),
    "ps": ("PEM", ()),
    "re": ("Routing Engine", ()),
    "cb": ("CB", ()),
    "tfeb": ("TFEB", ()),
    "qxm": ("QXM", ("tfeb",)),
    "afeb": ("AFEB", ()),
    "fpc": ("FPC", ()),
    "cpu": ("CPU", ("fpc",)),
    "mic": ("MIC", ("fpc",)),
    "pic": ("PIC", ("fpc",)),
    "xcvr": ("Xcvr", ("fpc", "pic")),
    "fan": ("Fan", ()),
}
_JUNOS_NO_VALUE = {"builtin"}  # a part built into its parent: no part number or serial of its own


def _junos_value(record: Mapping[str, str], key: str, limit: int = 100) -> str:
    v = value_or_blank(record.get(key), limit)
    return "" if v.casefold() in _JUNOS_NO_VALUE else v


def is_chassis_hardware(records: Iterable[Mapping[str, str]]) -> bool:
    """Records of Junos' ``show chassis hardware`` (they carry the chassis's own fields)."""
    return any("chassis_serial_number" in r for r in records)


def modules_from_chassis_hardware(
    records: Iterable[Mapping[str, str]], chassis_serial: str = ""
) -> list[ModuleFacts]:
    """The parts of a Junos device, each once (filled-down parents appear in every child's record),
    named as Junos prints them with their parents (``FPC 0 PIC 0 Xcvr 4``). Parts built into their
    parent (``BUILTIN``) and parts with neither part number nor serial are left out, and so is the
    chassis listed again (a QFX's FPC 0 carries the chassis's serial)."""
    modules: list[ModuleFacts] = []
    seen: set[tuple[str, str, str]] = set()
    for r in records:
        for kind, (label, parents) in JUNOS_PARTS.items():
            part = _junos_value(r, f"{kind}_part")
            serial = _junos_value(r, f"{kind}_serial_number")
            if not part and not serial or (serial and serial == chassis_serial):
                continue
            path = [
                f"{JUNOS_PARTS[p][0]} {text(r.get(f'{p}_number'), 10)}".strip()
                for p in parents
                if text(r.get(f"{p}_number"), 10) or value_or_blank(r.get(f"{p}_part"))
            ]
            name = " ".join([*path, f"{label} {text(r.get(f'{kind}_number'), 10)}".strip()])
            if (name, part, serial) in seen:  # a parent filled down into its child's record
                continue
            seen.add((name, part, serial))
            taken = {m.name for m in modules}
            if name in taken:  # two parts Junos numbers alike (PEM 0 and Power Supply 0)
                name = next(f"{name} ({n})" for n in range(2, len(modules) + 3)
                            if f"{name} ({n})" not in taken)
            modules.append(
                ModuleFacts(
                    name=name[:100],
                    part_number=part,
                    serial=serial,
                    description=value_or_blank(r.get(f"{kind}_description"), 250),
                )
            )
    return modules


# --- LLDP ---------------------------------------------------------------------------------------


def neighbours_from_lldp(
    detail: Mapping[str, list[Mapping]] | None, addresses: Iterable[Mapping[str, str]] = ()
) -> list[Neighbour]:
    """NAPALM's get_lldp_neighbors_detail, plus management addresses from the text parse
    (ntc-templates ``show lldp neighbors detail``: NEIGHBOR_NAME / LOCAL_INTERFACE / MGMT_ADDRESS)."""
    addresses = list(addresses)
    # (port, name, chassis id, address) per neighbour the text parse saw, usable address or not
    seen = [
        (
            _port_key(r.get("local_interface", "")),
            text(r.get("neighbor_name")).casefold(),
            text(r.get("chassis_id")).casefold(),
            usable_address(r.get("mgmt_address", "")),
        )
        for r in addresses
    ]
    per_port: dict[str, int] = {}
    for local_port, entries in (detail or {}).items():
        per_port[_port_key(local_port)] = per_port.get(_port_key(local_port), 0) + len(entries or [])

    def address_of(port: str, name: str, chassis: str) -> str:
        """The neighbour's own record: same port and name (or chassis id), else the one record of
        that name anywhere, else the only record on a port with a single neighbour."""

        def same(r):
            return bool((name and r[1] == name) or (chassis and r[2] == chassis))

        mine = [r for r in seen if r[0] == port and same(r)]
        if not mine:
            named = [r for r in seen if same(r)]
            mine = named if len({r[3] for r in named}) == 1 else []
        if not mine and per_port.get(port) == 1:
            mine = [r for r in seen if r[0] == port]
            mine = mine if len(mine) == 1 else []
        return mine[0][3] if mine else ""

    result = []
    for local_port, entries in (detail or {}).items():
        for e in entries or []:
            name = text(e.get("remote_system_name")) or text(e.get("remote_chassis_id"))
            address = address_of(
                _port_key(local_port),
                text(e.get("remote_system_name")).casefold(),
                text(e.get("remote_chassis_id")).casefold(),
            )
            result.append(
                Neighbour(
                    local_port=text(local_port),
                    name=name,
                    port=text(e.get("remote_port")),
                    description=text(e.get("remote_system_description"), 500),
                    chassis_id=text(e.get("remote_chassis_id")),
                    address=address,
                )
            )
    if not result:
        # NAPALM gave nothing (napalm 5.2's nxos_ssh lacks its LLDP template): the text parse
        # carries the same neighbours.
        for rec in addresses:
            name = text(rec.get("neighbor_name")) or text(rec.get("chassis_id"))
            if not name:
                continue
            result.append(
                Neighbour(
                    local_port=text(rec.get("local_interface")),
                    name=name,
                    port=text(rec.get("neighbor_interface")),
                    description=text(rec.get("neighbor_description"), 500),
                    chassis_id=text(rec.get("chassis_id")),
                    address=usable_address(rec.get("mgmt_address", "")),
                )
            )
    return result


def _port_key(port: str) -> str:
    """Interface names compared without case, blanks or abbreviation (Gi1/0/1 == GigabitEthernet1/0/1,
    Twe1/0/1 == TwentyFiveGigE1/0/1 but not TwoGigabitEthernet1/0/1)."""
    from netutils.interface import canonical_interface_name

    p = re.sub(r"\s+", "", port or "")
    with contextlib.suppress(Exception):  # an unknown form is compared as written
        p = canonical_interface_name(p)
    return p.casefold()


def usable_address(value: str) -> str:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return ""


def in_prefixes(address: str, prefixes: Iterable[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(p, strict=False) for p in prefixes)


def parse_prefixes(values: Iterable[str]) -> list[str]:
    """Validated CIDR prefixes; raises ValueError naming the bad one."""
    result = []
    for v in values:
        try:
            result.append(str(ipaddress.ip_network(v.strip(), strict=False)))
        except ValueError:
            raise ValueError(f"{v!r} is not an IP prefix (e.g. 10.20.0.0/16)") from None
    return result


# --- the whole device ---------------------------------------------------------------------------


def device_facts(
    driver: str,
    facts: Mapping,
    inventory: list[Mapping[str, str]] | None = None,
    lldp: Mapping[str, list[Mapping]] | None = None,
    lldp_addresses: Iterable[Mapping[str, str]] = (),
) -> DeviceFacts:
    """Everything discovery learnt about one device, or UnparsableOutput saying what was missing."""
    if not isinstance(facts, Mapping):
        raise UnparsableOutput("get_facts returned no facts")
    serial = value_or_blank(facts.get("serial_number"))
    model_name = value_or_blank(facts.get("model"))
    hostname = value_or_blank(facts.get("hostname"))
    vendor = value_or_blank(facts.get("vendor"))
    raw_version = text(facts.get("os_version"), 250)
    junos = bool(inventory) and is_chassis_hardware(inventory)
    chassis = None if junos or not inventory else chassis_from_inventory(inventory, serial)
    chassis_pid = value_or_blank(chassis.get("pid")).rstrip("=") if chassis else ""
    if not serial and chassis:
        serial = value_or_blank(chassis.get("sn"))
    missing = [
        what
        for what, v in (("serial number", serial), ("model", model_name or chassis_pid), ("vendor", vendor))
        if not v
    ]
    if missing:
        raise UnparsableOutput(f"show version: no {', no '.join(missing)} found")
    if not re.fullmatch(r"[\w./:+-]{3,}", serial):
        raise UnparsableOutput(f"show version: {serial!r} does not look like a serial number")
    version = clean_os_version(raw_version, driver)
    uptime = facts.get("uptime")
    return DeviceFacts(
        hostname=hostname,
        vendor=vendor,
        model=chassis_pid or model_name,
        model_name=model_name or chassis_pid,
        serial=serial,
        driver=driver,
        platform=platform_slug(driver, raw_version, version),
        os_version=version,
        os_version_raw=raw_version,
        fqdn=value_or_blank(facts.get("fqdn"), 250),
        uptime_seconds=float(uptime) if isinstance(uptime, int | float) and uptime >= 0 else None,
        modules=(
            None if inventory is None
            else modules_from_chassis_hardware(inventory, _junos_chassis_serial(inventory) or serial)
            if junos else modules_from_inventory(inventory, chassis)
        ),
        neighbours=neighbours_from_lldp(lldp, lldp_addresses),
    )


def _junos_chassis_serial(records: Iterable[Mapping[str, str]]) -> str:
    return next((value_or_blank(r.get("chassis_serial_number")) for r in records
                 if value_or_blank(r.get("chassis_serial_number"))), "")


def model_keys(facts: DeviceFacts) -> list[str]:
    """Keys to look the hardware model up by, best first."""
    keys = [model_key(facts.model), model_key(facts.model_name)]
    return [k for i, k in enumerate(keys) if k and k not in keys[:i]]


def vendor_lookup(vendor: str) -> str:
    return vendor_key(vendor)
