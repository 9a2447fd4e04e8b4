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

One BMC may manage several systems (a multi-node chassis, a blade enclosure's manager):
``read_systems`` gives one ``DeviceFacts`` per member of ``/redfish/v1/Systems``, each with its
own chassis (its first ``Links.Chassis``), manager (``Links.ManagedBy``, named in
``details["bmc"]``), power supplies, drives and network adapters. ``fetch`` raises ``NotFound``
for an HTTP 404: a missing sub-resource (chassis, manager, power, storage, drive, adapter) is
skipped and named in ``details["missing"]``, the system is still recorded; a system that answers
404 is left out and named, with why, in the first system's ``details["systems_skipped"]``; a
404 of ``/redfish/v1/Systems`` itself fails the host. Sync keys assets on (manufacturer, serial),
so every system needs a serial that is its own:

- a system without a ``SerialNumber`` takes its chassis' serial only when no other system of the
  service names that chassis as its own (a multi-node chassis reports one serial for all its
  nodes: taken by each node, the nodes would be one asset); otherwise it is left out;
- a system without any serial is left out (sync would take it for any serial-less asset);
- systems that report the same serial (nodes that all repeat the chassis serial) are all left
  out: which asset is which node could not be told.

A system left out is one system, not the host; when no system is left, the host fails
(``UnparsableOutput``). The power supplies and network adapters of a chassis that several
systems name belong to the chassis, not to one of them: none of those systems gets them (their
NICs then come from the system's own ``EthernetInterfaces``). A blade's own chassis
(``ChassisType: Blade``) usually has no power of its own: the enclosure's supplies (reached by
``Links.ContainedBy`` / ``PoweredBy``) are not followed, for the same reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from collectors.normalize import DeviceFacts, ModuleFacts, UnparsableOutput, text, value_or_blank

Fetch = Callable[[str], dict]
ROOT = "/redfish/v1"
# details keys read_systems sets besides the facts (runner.py names assets and writes the host's
# message from them; sync does not store details)
SYSTEM_ID = "system"  # the system's Id ("1", "System.Embedded.1", "529QB9450R6")
SYSTEMS_LISTED = "systems"  # how many systems the service lists (the first system's and each one's)
MISSING = "missing"  # sub-resources that answered 404, skipped
SKIPPED = "systems_skipped"  # (first system only) the systems left out, each with why


class NotFound(UnparsableOutput):
    """The BMC answered HTTP 404 for ``path``: the resource is not there. ``fetch`` raises it;
    ``read_systems`` skips what is missing (see the module's doc)."""

    def __init__(self, path: str) -> None:
        super().__init__(f"{path}: not found (HTTP 404)")
        self.path = path


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
    missing: list[str] = field(default_factory=list)  # paths that answered 404, skipped


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


def _get(fetch: Fetch, path: str | None, missing: list[str]) -> dict:
    """The document at ``path``, or {} when there is none (no link, or HTTP 404: noted)."""
    if not path:
        return {}
    try:
        return fetch(path)
    except NotFound:
        missing.append(path)
        return {}


def _members(fetch: Fetch, collection: str | None, missing: list[str]) -> list[dict]:
    """The member documents of a collection; missing ones (and a missing collection) skipped."""
    found = [_get(fetch, m["@odata.id"], missing)
             for m in _get(fetch, collection, missing).get("Members", []) if "@odata.id" in m]
    return [document for document in found if document]


def _system_paths(fetch: Fetch) -> list[str]:
    """The members of ``/redfish/v1/Systems`` (a 404 of the collection is the host's failure)."""
    paths = [m["@odata.id"] for m in fetch(f"{ROOT}/Systems").get("Members", []) if "@odata.id" in m]
    if not paths:
        raise UnparsableOutput("the Redfish service lists no computer system")
    return paths


def read_server(
    fetch: Fetch, system_path: str | None = None, *, system: dict | None = None, chassis_parts: bool = True
) -> ServerDocuments:
    """The documents of one computer system (the first of the service unless ``system_path``, or
    ``system`` when it was read already). Missing sub-resources (404) are skipped and listed in
    ``missing``; a missing system raises ``NotFound``. Without ``chassis_parts`` the chassis'
    power supplies and network adapters are not read (a chassis several systems share)."""
    if system is None:
        system = fetch(system_path or _system_paths(fetch)[0])
    docs = ServerDocuments(system=system)
    missing = docs.missing
    docs.chassis = _get(fetch, _link(system, "Links", "Chassis"), missing)
    docs.manager = _get(fetch, _link(system, "Links", "ManagedBy"), missing)
    chassis = docs.chassis
    if chassis_parts:
        # power supplies: the PowerSubsystem (Redfish 2020.4 on), else the older Power resource
        subsystem = _link(chassis, "PowerSubsystem")
        if subsystem:
            supplies = _link(_get(fetch, subsystem, missing), "PowerSupplies")
            docs.power_supplies = _members(fetch, supplies, missing)
        elif _link(chassis, "Power"):
            docs.power_supplies = list(_get(fetch, _link(chassis, "Power"), missing).get("PowerSupplies", []))
    # drives: Storage (with Drives links), else SimpleStorage (devices inline)
    for storage in _members(fetch, _link(system, "Storage"), missing):
        drives = [_get(fetch, d["@odata.id"], missing) for d in storage.get("Drives", []) if "@odata.id" in d]
        docs.drives += [d for d in drives if d]
    if not docs.drives:
        for simple in _members(fetch, _link(system, "SimpleStorage"), missing):
            docs.drives += list(simple.get("Devices", []))
    if chassis_parts:
        docs.adapters = _members(fetch, _link(chassis, "NetworkAdapters"), missing)
    if not docs.adapters:
        docs.adapters = _members(fetch, _link(system, "EthernetInterfaces"), missing)
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
        # which system of the service, in which chassis, managed by which BMC (its Id and UUID:
        # what names it apart from the address discovery reached it by)
        SYSTEM_ID: _own_id(system),
        "chassis": _own_id(chassis),
        "bmc": _own_id(manager),
        "bmc_uuid": value_or_blank(manager.get("UUID")),
        MISSING: text("; ".join(docs.missing), 500),
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


def _own_id(document: dict) -> str:
    """A resource's ``Id``, else the last segment of its ``@odata.id``."""
    own = document.get("Id") or str(document.get("@odata.id") or "").rstrip("/").rpartition("/")[2]
    return value_or_blank(own)


def read_systems(fetch: Fetch) -> list[DeviceFacts]:
    """Every computer system the service lists, each as its own device (see the module's doc for
    what is skipped and which systems are left out). The first device's ``details`` name the
    systems left out (``SKIPPED``); ``UnparsableOutput`` when no system can be recorded."""
    paths = _system_paths(fetch)
    skipped: list[str] = []
    systems: list[tuple[str, dict]] = []
    for path in paths:
        try:
            systems.append((path, fetch(path)))
        except NotFound:
            skipped.append(f"{path}: not found (HTTP 404)")
    # a chassis several systems name as theirs is shared: its serial and its parts are no one's
    chassis_of = {path: _link(system, "Links", "Chassis") for path, system in systems}
    sharing = Counter(c for c in chassis_of.values() if c)
    read: list[tuple[str, DeviceFacts]] = []
    for path, system in systems:
        shared = sharing[chassis_of[path]] > 1
        docs = read_server(fetch, system=system, chassis_parts=not shared)
        facts = server_facts(docs)
        label = _own_id(system) or path
        if value_or_blank(system.get("SerialNumber")):
            read.append((label, facts))
        elif shared:
            skipped.append(
                f"{label}: no serial of its own, and its chassis {_own_id(docs.chassis) or chassis_of[path]} "
                f"is shared with {sharing[chassis_of[path]] - 1} other system(s)"
            )
        elif not facts.serial:
            skipped.append(f"{label}: no serial (neither the system nor its chassis reports one)")
        else:
            read.append((label, facts))  # its own chassis' serial
    by_serial = Counter((f.vendor.casefold(), f.serial) for _, f in read)
    devices = []
    for label, facts in read:
        if by_serial[(facts.vendor.casefold(), facts.serial)] > 1:
            skipped.append(f"{label}: serial {facts.serial} is reported by another system of this BMC too")
        else:
            devices.append(facts)
    if not devices:
        raise UnparsableOutput("no system could be recorded: " + "; ".join(skipped))
    for facts in devices:
        facts.details[SYSTEMS_LISTED] = str(len(paths))
    if skipped:
        devices[0].details[SKIPPED] = text("; ".join(skipped), 500)
    return devices
