"""Servers through their BMC (Redfish): which documents to read, and what they mean.

No network here. ``read_server`` walks the Redfish resource tree through a ``fetch(path) ->
dict`` it is given (the Nornir task gives it the DMTF ``redfish`` client; tests give it mockup
files), and ``server_facts`` turns the documents into ``DeviceFacts``: manufacturer, model,
serial, BIOS version as the software version, and as details the SKU, part number, BMC model
and firmware, CPU and memory summary; power supplies, drives and network adapters become
modules with their serials. Empty bays (no model, part number or serial, or
``Status.State == "Absent"``) are left out. Module names are unique per server (sync keys
modules on them): parts that share a name get their member id appended (iLO names every power
supply "HpeServerPowerSupply" and drives by size and kind). The host name is the system's
``HostName`` or nothing (then sync names the asset by its address): the system's ``Id`` ("1",
"System.Embedded.1") names no server.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from collectors.normalize import DeviceFacts, ModuleFacts, text, value_or_blank

Fetch = Callable[[str], dict]
ROOT = "/redfish/v1"


class ForeignLink(ValueError):
    """A link in a BMC's answer that does not name a resource of that BMC's Redfish service."""


def local_path(link) -> str:
    """``link`` (an ``@odata.id`` from the BMC's answers) as a path of this BMC's Redfish service,
    without its fragment — or ``ForeignLink``: only paths under ``/redfish/v1/`` are fetched; no
    scheme or host (it must start with the root), no ``//``, ``@``, ``..``, backslash, query,
    percent-escape or control characters (``:`` is allowed: Dell names drives
    ``Disk.Bay.0:Enclosure…``). A BMC's answer cannot make the collector fetch another host."""
    if not isinstance(link, str):
        raise ForeignLink(f"{link!r} is not a path")
    path = link.split("#", 1)[0]
    if (
        path.rstrip("/") != ROOT and not path.startswith(ROOT + "/")
        or any(bad in path for bad in ("//", "@", "\\", "?", "%"))
        or ".." in path.split("/")
        or any(ord(c) < 0x21 or ord(c) == 0x7F for c in path)
    ):
        raise ForeignLink(f"{link[:120]!r} is not a path under {ROOT}/ of this BMC")
    return path


@dataclass
class ServerDocuments:
    system: dict
    chassis: dict = field(default_factory=dict)
    manager: dict = field(default_factory=dict)
    power_supplies: list[dict] = field(default_factory=list)
    drives: list[dict] = field(default_factory=list)
    adapters: list[dict] = field(default_factory=list)  # NetworkAdapters (with serials) or interfaces


def _link(document: dict, *keys: str) -> str | None:
    node = document
    for key in keys:
        if isinstance(node, list):
            node = node[0] if node else None
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    if isinstance(node, list):
        node = node[0] if node else None
    return node.get("@odata.id") if isinstance(node, dict) else None


def _members(fetch: Fetch, collection: str | None) -> list[dict]:
    if not collection:
        return []
    return [fetch(m["@odata.id"]) for m in fetch(collection).get("Members", []) if "@odata.id" in m]


def read_server(fetch: Fetch, system_path: str | None = None) -> ServerDocuments:
    """The documents of one computer system (the first of the service unless ``system_path``)."""
    if system_path is None:
        systems = fetch(f"{ROOT}/Systems").get("Members", [])
        if not systems:
            raise ValueError("the Redfish service lists no computer system")
        system_path = systems[0]["@odata.id"]
    system = fetch(system_path)
    docs = ServerDocuments(system=system)
    chassis_path = _link(system, "Links", "Chassis")
    if chassis_path:
        docs.chassis = fetch(chassis_path)
    manager_path = _link(system, "Links", "ManagedBy")
    if manager_path:
        docs.manager = fetch(manager_path)
    chassis = docs.chassis
    # power supplies: the PowerSubsystem (Redfish 2020.4 on), else the older Power resource
    subsystem = _link(chassis, "PowerSubsystem")
    if subsystem:
        docs.power_supplies = _members(fetch, _link(fetch(subsystem), "PowerSupplies"))
    elif _link(chassis, "Power"):
        docs.power_supplies = list(fetch(_link(chassis, "Power")).get("PowerSupplies", []))
    # drives: Storage (with Drives links), else SimpleStorage (devices inline)
    for storage in _members(fetch, _link(system, "Storage")):
        docs.drives += [fetch(d["@odata.id"]) for d in storage.get("Drives", []) if "@odata.id" in d]
    if not docs.drives:
        for simple in _members(fetch, _link(system, "SimpleStorage")):
            docs.drives += list(simple.get("Devices", []))
    docs.adapters = _members(fetch, _link(chassis, "NetworkAdapters"))
    if not docs.adapters:
        docs.adapters = _members(fetch, _link(system, "EthernetInterfaces"))
    return docs


def _absent(item: dict) -> bool:
    state = (item.get("Status") or {}).get("State")
    empty = not any(value_or_blank(item.get(k)) for k in ("Model", "PartNumber", "SerialNumber"))
    return state == "Absent" or empty


def _size(capacity) -> str:
    if not isinstance(capacity, int | float) or capacity <= 0:
        return ""
    for unit, factor in (("TB", 10**12), ("GB", 10**9)):
        if capacity >= factor:
            return f"{capacity / factor:g} {unit}"
    return f"{capacity} B"


def _member_id(item: dict) -> str:
    return text(item.get("MemberId") or item.get("Id"))


def _unique_names(parts: list[tuple[ModuleFacts, str, bool]]) -> list[ModuleFacts]:
    """The present modules of ``(module, member id, present)``, named apart: a name several parts
    share gets the member id appended, or the part's position when that does not tell them apart.
    Empty bays count, so that a slot keeps its name while its twin is pulled."""
    counts = Counter(m.name for m, _, _ in parts)
    named = [
        (replace(m, name=text(f"{m.name} {ident}")) if counts[m.name] > 1 and ident else m, present)
        for m, ident, present in parts
    ]
    counts = Counter(m.name for m, _ in named)
    return [
        replace(m, name=text(f"{m.name} #{position}")) if counts[m.name] > 1 else m
        for position, (m, present) in enumerate(named, start=1)
        if present
    ]


def server_facts(docs: ServerDocuments) -> DeviceFacts:
    system, chassis, manager = docs.system, docs.chassis, docs.manager
    serial = value_or_blank(system.get("SerialNumber")) or value_or_blank(chassis.get("SerialNumber"))
    parts: list[tuple[ModuleFacts, str, bool]] = []  # (module, member id, present)
    for psu in docs.power_supplies:
        maker, model = value_or_blank(psu.get("Manufacturer")), value_or_blank(psu.get("Model"))
        firmware = value_or_blank(psu.get("FirmwareVersion"))
        psu_module = ModuleFacts(
            name=text(psu.get("Name") or psu.get("MemberId") or "Power supply"),
            part_number=value_or_blank(psu.get("PartNumber")) or model,
            serial=value_or_blank(psu.get("SerialNumber")),
            description=text(
                " ".join(filter(None, [maker, model, f"firmware {firmware}" if firmware else ""])), 250
            ),
        )
        parts.append((psu_module, _member_id(psu), not _absent(psu)))
    for drive in docs.drives:
        about = [value_or_blank(drive.get(k)) for k in ("Manufacturer", "Model")]
        drive_module = ModuleFacts(
            name=text(drive.get("Name") or drive.get("Id") or "Drive"),
            part_number=value_or_blank(drive.get("PartNumber")) or value_or_blank(drive.get("Model")),
            serial=value_or_blank(drive.get("SerialNumber")),
            description=text(" ".join(filter(None, [*about, _size(drive.get("CapacityBytes"))])), 250),
        )
        parts.append((drive_module, _member_id(drive), not _absent(drive)))
    seen_macs = set()
    for adapter in docs.adapters:
        mac = value_or_blank(adapter.get("MACAddress") or adapter.get("PermanentMACAddress"))
        if "VLAN" in str(adapter.get("Id", "")).upper() or (mac and mac in seen_macs):
            continue  # a VLAN on an interface already listed
        seen_macs.add(mac)
        nic = ModuleFacts(
            name=text(f"NIC {adapter.get('Id') or adapter.get('Name') or len(seen_macs)}"),
            part_number=value_or_blank(adapter.get("PartNumber")) or value_or_blank(adapter.get("Model")),
            serial=value_or_blank(adapter.get("SerialNumber")),
            description=text(" ".join(filter(None, [value_or_blank(adapter.get("Name")), mac])), 250),
        )
        parts.append((nic, _member_id(adapter), True))
    cpu = system.get("ProcessorSummary") or {}
    memory = (system.get("MemorySummary") or {}).get("TotalSystemMemoryGiB")
    details = {
        "sku": value_or_blank(system.get("SKU") or chassis.get("SKU")),
        "part_number": value_or_blank(system.get("PartNumber") or chassis.get("PartNumber")),
        "bmc_model": value_or_blank(manager.get("Model")),
        "bmc_firmware": value_or_blank(manager.get("FirmwareVersion")),
        "cpu": text(
            " × ".join(filter(None, [str(cpu.get("Count") or ""), value_or_blank(cpu.get("Model"))])), 200
        ),
        "cpu_threads": str(cpu.get("LogicalProcessorCount") or ""),
        "memory_gib": f"{memory:g}" if isinstance(memory, int | float) else "",
        "uuid": value_or_blank(system.get("UUID")),
    }
    return DeviceFacts(
        hostname=value_or_blank(system.get("HostName")),
        vendor=value_or_blank(system.get("Manufacturer")) or value_or_blank(chassis.get("Manufacturer")),
        model=value_or_blank(system.get("Model")) or value_or_blank(chassis.get("Model")),
        serial=serial,
        driver="redfish",
        platform="redfish",
        os_version=value_or_blank(system.get("BiosVersion")),
        os_version_raw=text(system.get("BiosVersion"), 200),
        model_name=value_or_blank(chassis.get("Model")),
        modules=_unique_names(parts),
        details={k: v for k, v in details.items() if v},
    )


def read_systems(fetch: Fetch) -> list[DeviceFacts]:
    """Every computer system the service manages, each as its own device."""
    return [server_facts(read_server(fetch))]
