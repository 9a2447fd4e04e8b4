"""What each lab device prints: CLI command -> output text, shaped like the real NOS.

``commands_for(device)`` covers every command NAPALM's ``ios``, ``nxos_ssh`` and ``eos`` (over SSH)
drivers send for ``open``/``get_facts``/``get_lldp_neighbors_detail``/``cli(["show inventory"])``,
plus the plain-text ``show lldp neighbors detail`` the crawler parses with ntc-templates.
Session preparation (terminal length, enable, exit) is answered by FakeNOS's platform plugins.

The formats imitate Cisco IOS 15.2, IOS-XE 16/17, NX-OS 7/9 and Arista EOS 4.2x. Pure: no Django,
no I/O, no clock; the same device always gives the same text.
"""

from __future__ import annotations

import json
import re
import zlib

from .topology import Device, Link

# A fixed "now" for EOS's bootupTimestamp, so outputs stay deterministic (2024-06-01 UTC).
_CAPTURED_AT = 1717200000


def commands_for(device: Device) -> dict[str, str]:
    """Every device-specific command this device answers, with the exact text it prints."""
    builders = {"ios": _ios_commands, "nxos_ssh": _nxos_commands, "eos": _eos_commands}
    commands = builders[device.driver](device)
    if device.broken == "garbage":
        return {command: _garbage(device, command) for command in commands}
    return commands


# --- shared helpers -----------------------------------------------------------------------------

def _garbage(device: Device, command: str) -> str:
    pid = 4000 + zlib.crc32(f"{device.name} {command}".encode()) % 900
    return (f"% Internal error: parser process crashed (pid {pid})\n"
            "%%#@! 0x7f3a:0000 ^@^@ <<< >>> ~~ \\\\ ~~\n\n"
            f"  {command.replace(' ', '_')}: unexpected EOF $$$ %%# !!\n")


def _uptime_seconds(device: Device) -> int:
    """Between 40 days and two years, stable per device."""
    return 40 * 86400 + zlib.crc32(device.serial.encode()) % (700 * 86400)


def _uptime(device: Device) -> tuple[int, int, int, int, int, int]:
    """(years, weeks, days, hours, minutes, seconds)."""
    days, rest = divmod(_uptime_seconds(device), 86400)
    years, days = divmod(days, 365)
    weeks, days = divmod(days, 7)
    return years, weeks, days, rest // 3600, rest % 3600 // 60, rest % 60


def _dotted_mac(mac: str) -> str:
    digits = mac.replace(":", "").lower()
    return f"{digits[0:4]}.{digits[4:8]}.{digits[8:12]}"


def _natural(name: str) -> list:
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name)]


def _ports(device: Device) -> list[str]:
    """The front-panel ports: downlinks, uplinks and any other port carrying a link."""
    names = set(device.spec.downlinks) | set(device.spec.uplinks) | {lk.local_port for lk in device.links}
    return sorted(names, key=_natural)


def _links_by_port(device: Device) -> dict[str, Link]:
    return {lk.local_port: lk for lk in device.links}


_IOS_SHORT = (("TenGigabitEthernet", "Te"), ("GigabitEthernet", "Gi"), ("FastEthernet", "Fa"),
              ("TwentyFiveGigE", "Twe"), ("FortyGigabitEthernet", "Fo"), ("HundredGigE", "Hu"),
              ("Port-channel", "Po"))


def _ios_short(name: str) -> str:
    for long, short in _IOS_SHORT:
        if name.startswith(long):
            return short + name[len(long):]
    return name


def _nxos_short(name: str) -> str:
    return "Eth" + name[len("Ethernet"):] if name.startswith("Ethernet") else name


def _port_id(link: Link) -> str:
    """The LLDP port ID the neighbour sends: IOS/IOS-XE send the short name, NX-OS and EOS the long one."""
    ios = link.remote_description.startswith("Cisco IOS")
    return _ios_short(link.remote_port) if ios else link.remote_port


def _inventory_text(rows: list[tuple[str, str, str, str, str]], sep: str) -> str:
    """Cisco ``show inventory`` from (name, descr, pid, vid, sn) rows; NX-OS separates with ",  "."""
    return "\n".join(f'NAME: "{name}"{sep}DESCR: "{descr}"\nPID: {pid:<18}{sep}VID: {vid:<4}{sep}SN: {sn}\n'
                     for name, descr, pid, vid, sn in rows)


def _inventory_rows(device: Device, chassis_name: str) -> list[tuple[str, str, str, str, str]]:
    rows = [(chassis_name, device.spec.description, device.spec.model, "V02", device.serial)]
    return rows + [(m.name, m.description, m.part_number, "V01", m.serial) for m in device.modules]


# --- Cisco IOS / IOS-XE -------------------------------------------------------------------------

_CRYPTO = """This product contains cryptographic features and is subject to United
States and local country laws governing import, export, transfer and
use. Delivery of Cisco cryptographic products does not imply
third-party authority to import, export, distribute or use encryption.
Importers, exporters, distributors and users are responsible for
compliance with U.S. and local country laws. By using this product you
agree to comply with applicable laws and regulations. If you are unable
to comply with U.S. and local laws, return this product immediately.

A summary of U.S. laws governing Cisco cryptographic products may be found at:
http://www.cisco.com/wwl/export/crypto/tool/stqrg.html

If you require further assistance please contact us by sending email to
export@cisco.com.
"""


def _ios_commands(device: Device) -> dict[str, str]:
    return {
        "show version": _ios_show_version(device),
        "show hosts": _ios_show_hosts(device),
        "show ip interface brief": _ios_ip_interface_brief(device),
        "show lldp neighbors": _ios_lldp_brief(device),
        "show lldp neighbors detail": _ios_lldp_detail(device),
        "show inventory": _inventory_text(_inventory_rows(device, _ios_chassis_name(device)), ", "),
    }


def _ios_uptime_text(device: Device) -> str:
    parts = zip(_uptime(device)[:5], ("year", "week", "day", "hour", "minute"), strict=True)
    return ", ".join(f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n)


def _is_catalyst9k(device: Device) -> bool:
    return device.spec.image.startswith("CAT9K")


def _ios_chassis_name(device: Device) -> str:
    if device.spec.os_family == "IOS":
        return "1"
    return "Switch 1" if _is_catalyst9k(device) else "Chassis"


def _xe_train(version: str) -> str:
    major, minor = (int(p) for p in version.split(".")[:2])
    trains = {16: ((3, "Denali"), (6, "Everest"), (9, "Fuji"), (99, "Gibraltar")),
              17: ((3, "Amsterdam"), (6, "Bengaluru"), (9, "Cupertino"), (99, "Dublin"))}
    return next(name for last, name in trains[major] if minor <= last)


def _ios_show_version(device: Device) -> str:
    return (_ios_classic_version if device.spec.os_family == "IOS" else _iosxe_version)(device)


def _ios_port_counts(device: Device) -> str:
    kinds = {"Gigabit Ethernet": "GigabitEthernet", "Ten Gigabit Ethernet": "TenGigabitEthernet"}
    counts = {label: sum(p.startswith(prefix) for p in _ports(device)) for label, prefix in kinds.items()}
    return "\n".join(f"{n} {label} interfaces" for label, n in counts.items() if n)


def _ios_classic_version(device: Device) -> str:
    spec, serial = device.spec, device.serial
    platform = spec.image.split("-")[0]  # C2960X-UNIVERSALK9-M -> C2960X
    train = re.sub(r"^(\d+)\.(\d+)\((\d+)\)(\w*)$", r"\1\2-\3.\4", spec.version)  # 15.2(7)E4 -> 152-7.E4
    return f"""\
Cisco IOS Software, {platform} Software ({spec.image}), Version {spec.version}, RELEASE SOFTWARE (fc1)
Technical Support: http://www.cisco.com/techsupport
Copyright (c) 1986-2021 by Cisco Systems, Inc.
Compiled Tue 06-Jul-21 10:48 by mcpre

ROM: Bootstrap program is {platform} boot loader
BOOTLDR: {platform} Boot Loader ({platform}-HBOOT-M) Version 15.2(3r)E1, RELEASE SOFTWARE (fc1)

{device.name} uptime is {_ios_uptime_text(device)}
System returned to ROM by power-on
System image file is "flash:{spec.image.lower()}z.{train}.bin"
Last reload reason: power-on



{_CRYPTO}
cisco {spec.model} (APM86XXX) processor (revision B0) with 524288K bytes of memory.
Processor board ID {serial}
Last reset from power-on
1 Virtual Ethernet interface
{_ios_port_counts(device)}
The password-recovery mechanism is enabled.

512K bytes of flash-simulated non-volatile configuration memory.
Base ethernet MAC Address       : {device.mac.upper()}
Motherboard assembly number     : 73-15476-05
Motherboard serial number       : {serial[:3]}{serial[7:]}{serial[3:7]}
Model revision number           : B0
Motherboard revision number     : A0
Model number                    : {spec.model}
System serial number            : {serial}
Top Assembly Part Number        : 800-41430-03
Top Assembly Revision Number    : C0
Version ID                      : V03
Hardware Board Revision Number  : 0x12


Switch Ports Model                     SW Version            SW Image
------ ----- -----                     ----------            ----------
*    1 {len(_ports(device)):<5} {spec.model:<25} {spec.version:<21} {spec.image}


Configuration register is 0xF
"""


def _iosxe_version(device: Device) -> str:
    spec, serial = device.spec, device.serial
    xe = ".".join(f"{int(p):02d}" for p in spec.version.split("."))  # 17.6.4 -> 17.06.04
    if _is_catalyst9k(device):
        software, image, cpu = f"Catalyst L3 Switch Software ({spec.image})", "flash:packages.conf", "X86"
        tail = f"""
Switch Ports Model              SW Version        SW Image              Mode
------ ----- -----              ----------        ----------            ----
*    1 {len(_ports(device)):<5} {spec.model:<18} {xe:<17} {spec.image:<21} INSTALL


Configuration register is 0x102
"""
    else:
        software, cpu = "ISR Software (X86_64_LINUX_IOSD-UNIVERSALK9-M)", "1RU"
        image, tail = f"bootflash:{spec.image.lower()}.{xe}.SPA.bin", "\nConfiguration register is 0x2102\n"
    return f"""\
Cisco IOS XE Software, Version {xe}
Cisco IOS Software [{_xe_train(spec.version)}], {software}, Version {spec.version}, RELEASE SOFTWARE (fc2)
Technical Support: http://www.cisco.com/techsupport
Copyright (c) 1986-2022 by Cisco Systems, Inc.
Compiled Thu 14-Jul-22 09:43 by mcpre


Cisco IOS-XE software, Copyright (c) 2005-2022 by cisco Systems, Inc.
All rights reserved.  Certain components of Cisco IOS-XE software are
licensed under the GNU General Public License ("GPL") Version 2.0.  The
software code licensed under GPL Version 2.0 is free software that comes
with ABSOLUTELY NO WARRANTY.  You can redistribute and/or modify such
GPL code under the terms of GPL Version 2.0.


ROM: IOS-XE ROMMON
BOOTLDR: System Bootstrap, Version {spec.version.rsplit('.', 1)[0]}.1r, RELEASE SOFTWARE (P)

{device.name} uptime is {_ios_uptime_text(device)}
Uptime for this control processor is {_ios_uptime_text(device)}
System returned to ROM by Reload Command
System image file is "{image}"
Last reload reason: Reload Command



{_CRYPTO}

Smart Licensing Status: Registration Not Applicable/Not Applicable

cisco {spec.model} ({cpu}) processor with 1338934K/6147K bytes of memory.
Processor board ID {serial}
1 Virtual Ethernet interface
{_ios_port_counts(device)}
2048K bytes of non-volatile configuration memory.
8388608K bytes of physical memory.
11264000K bytes of Flash at flash:.

Base Ethernet MAC Address          : {device.mac}
Motherboard Assembly Number        : 73-18271-03
Motherboard Serial Number          : {serial[:3]}{serial[7:]}{serial[3:7]}
Model Revision Number              : A0
Motherboard Revision Number        : A0
Model Number                       : {spec.model}
System Serial Number               : {serial}
{tail}"""


def _ios_show_hosts(device: Device) -> str:
    return f"""Default domain is {device.domain}
Name/address lookup uses domain service
Name servers are 127.77.255.53

Codes: UN - unknown, EX - expired, OK - OK, ?? - revalidate
       temp - temporary, perm - permanent
       NA - Not Applicable None - Not defined

Host                      Port  Flags      Age Type   Address(es)
"""


def _ios_ip_interface_brief(device: Device) -> str:
    linked = _links_by_port(device)
    mgmt = "Vlan100" if device.spec.os_family == "IOS" or _is_catalyst9k(device) else "GigabitEthernet0"
    rows = [("Vlan1", "unassigned", "NVRAM", "administratively down", "down")] if mgmt == "Vlan100" else []
    rows.append((mgmt, device.address, "NVRAM", "up", "up"))
    for port in _ports(device):
        state = "up" if port in linked else "down"
        rows.append((port, "unassigned", "unset", state, state))
    lines = ["Interface              IP-Address      OK? Method Status                Protocol"]
    lines += [f"{name:<22} {ip:<15} YES {method:<6} {status:<21} {proto}"
              for name, ip, method, status, proto in rows]
    return "\n".join(lines) + "\n"


def _ios_lldp_brief(device: Device) -> str:
    lines = ["Capability codes:",
             "    (R) Router, (B) Bridge, (T) Telephone, (C) DOCSIS Cable Device",
             "    (W) WLAN Access Point, (P) Repeater, (S) Station, (O) Other", "",
             "Device ID           Local Intf     Hold-time  Capability      Port ID"]
    lines += [f"{lk.remote_name[:20]:<20}{_ios_short(lk.local_port):<15}{'120':<11}{'B,R':<16}{_port_id(lk)}"
              for lk in device.links]
    return "\n".join(lines) + f"\n\nTotal entries displayed: {len(device.links)}\n"


def _ios_lldp_detail(device: Device) -> str:
    blocks = [f"""------------------------------------------------
Local Intf: {_ios_short(lk.local_port)}
Chassis id: {_dotted_mac(lk.remote_chassis_id)}
Port id: {_port_id(lk)}
Port Description: {lk.remote_port}
System Name: {lk.remote_name}

System Description:
{lk.remote_description}

Time remaining: {90 + i % 30} seconds
System Capabilities: B,R
Enabled Capabilities: B,R
Management Addresses:
    IP: {lk.remote_address}
Auto Negotiation - not supported
Physical media capabilities - not advertised
Media Attachment Unit type - not advertised
Vlan ID: - not advertised
""" for i, lk in enumerate(device.links)]
    return "\n".join(blocks) + f"\n\nTotal entries displayed: {len(device.links)}\n"


# --- Cisco NX-OS --------------------------------------------------------------------------------

def _nxos_commands(device: Device) -> dict[str, str]:
    rows = _inventory_rows(device, "Chassis")
    inventory_json = {"TABLE_inv": {"ROW_inv": [
        {"name": name, "desc": descr, "productid": pid, "vendorid": vid, "serialnum": sn}
        for name, descr, pid, vid, sn in rows]}}
    return {
        "show version": _nxos_show_version(device),
        "show hosts": _nxos_show_hosts(device),
        "show interface status": _nxos_interface_status(device),
        "show hostname": f"{device.name} \n",
        "show inventory | json": json.dumps(inventory_json, indent=2) + "\n",
        "show inventory": _inventory_text(rows, ",  "),
        "show lldp neighbors detail": _nxos_lldp_detail(device),
    }


def _nxos_show_version(device: Device) -> str:
    spec = device.spec
    years, weeks, days, hours, minutes, seconds = _uptime(device)
    days += years * 365 + weeks * 7
    supervisor = next((m.description for m in device.modules if "Supervisor" in m.description), "")
    hardware = f'cisco {spec.description}' + (f' ("{supervisor}")' if supervisor else "")
    return f"""Cisco Nexus Operating System (NX-OS) Software
TAC support: http://www.cisco.com/tac
Copyright (C) 2002-2022, Cisco and/or its affiliates.
All rights reserved.
The copyrights to certain works contained in this software are
owned by other third parties and used and distributed under their own
licenses, such as open source.  This software is provided "as is," and unless
otherwise stated, there is no warranty, express or implied, including but not
limited to warranties of merchantability and fitness for a particular purpose.

Software
  BIOS: version 07.69
  NXOS: version {spec.version}
  BIOS compile time:  04/08/2021
  NXOS image file is: {spec.image}
  NXOS compile time:  8/30/2021 12:00:00 [08/30/2021 20:58:43]


Hardware
  {hardware}
  Intel(R) Xeon(R) CPU  @ 1.80GHz with 24569716 kB of memory.
  Processor Board ID {device.serial}

  Device name: {device.name}
  bootflash:   53298520 kB
Kernel uptime is {days} day(s), {hours} hour(s), {minutes} minute(s), {seconds} second(s)

Last reset
  Reason: Reset Requested by CLI command reload
  System version: {spec.version}
  Service:

plugin
  Core Plugin, Ethernet Plugin

Active Package(s):

"""


def _nxos_show_hosts(device: Device) -> str:
    return f"""DNS lookup enabled
Default domain for vrf:default is {device.domain}
Name/address lookup uses domain service
Name servers are 127.77.255.53

Host                      Address
"""


def _nxos_interface_status(device: Device) -> str:
    linked = _links_by_port(device)
    rule = "-" * 80
    header = f"\n{rule}\nPort          Name               Status    Vlan      Duplex  Speed   Type\n{rule}"
    lines = [header, "mgmt0         --                 connected routed    full    1000    --", header]
    for port in _ports(device):
        link = linked.get(port)
        row = ((link.remote_name[:18], "connected", "trunk", "full", "10G", "10Gbase-SR") if link
               else ("--", "notconnec", "1", "auto", "auto", "--"))
        lines.append("{:<13} {:<18} {:<9} {:<9} {:<7} {:<7} {}".format(_nxos_short(port), *row))
    lines.append("Vlan1         --                 connected routed    auto    auto    --")
    return "\n".join(lines) + "\n"


def _nxos_lldp_detail(device: Device) -> str:
    head = """Capability codes:
  (R) Router, (B) Bridge, (T) Telephone, (C) DOCSIS Cable Device
  (W) WLAN Access Point, (P) Repeater, (S) Station, (O) Other
Device ID            Local Intf      Hold-time  Capability  Port ID
"""
    blocks = [f"""Chassis id: {_dotted_mac(lk.remote_chassis_id)}
Port id: {_port_id(lk)}
Local Port id: {_nxos_short(lk.local_port)}
Port Description: {lk.remote_port}
System Name: {lk.remote_name}
System Description: {lk.remote_description}
Time remaining: {90 + i % 30} seconds
System Capabilities: B, R
Enabled Capabilities: B, R
Management Address: {lk.remote_address}
Management Address IPV6: not advertised
Vlan ID: 1
""" for i, lk in enumerate(device.links)]
    return head + "\n" + "\n".join(blocks) + f"\n\nTotal entries displayed: {len(device.links)}\n"


# --- Arista EOS ---------------------------------------------------------------------------------

def _eos_commands(device: Device) -> dict[str, str]:
    return {
        "show version | json": _json(_eos_version(device)),
        "show version": _eos_show_version_text(device),  # else FakeNOS's own, for another switch
        "show hostname | json": _json({"hostname": device.name, "fqdn": device.fqdn}),
        "show interfaces | json": _json(_eos_interfaces(device)),
        # NAPALM joins an empty interface filter: "show lldp neighbors {''} detail" + " | json"
        "show lldp neighbors  detail | json": _json(_eos_lldp_json(device)),
        "show lldp neighbors detail": _eos_lldp_text(device),
        "show inventory": _eos_inventory(device),
    }


def _json(data: dict) -> str:
    return json.dumps(data, indent=4) + "\n"


def _eos_show_version_text(device: Device) -> str:
    v, mac = _eos_version(device), _dotted_mac(device.mac)
    weeks, days = divmod(_uptime_seconds(device) // 86400, 7)
    hours, minutes = _uptime(device)[3:5]
    return f"""Arista {v["modelName"]}
Hardware version: {v["hardwareRevision"]}
Serial number: {v["serialNumber"]}
Hardware MAC address: {mac}
System MAC address: {mac}

Software image version: {v["version"]}
Architecture: {v["architecture"]}
Internal build version: {v["internalVersion"]}
Internal build ID: {v["internalBuildId"]}
Image format version: {v["imageFormatVersion"]}
Image optimization: {v["imageOptimization"]}

Uptime: {weeks} weeks, {days} days, {hours} hours and {minutes} minutes
Total memory: {v["memTotal"]} kB
Free memory: {v["memFree"]} kB

"""


def _eos_version(device: Device) -> dict:
    version = device.spec.version
    build = zlib.crc32(version.encode()) % 90000000 + 10000000
    uptime = _uptime_seconds(device)
    return {
        "mfgName": "Arista", "modelName": device.spec.model, "hardwareRevision": "11.00",
        "serialNumber": device.serial, "systemMacAddress": device.mac, "hwMacAddress": device.mac,
        "configMacAddress": "00:00:00:00:00:00", "version": version, "architecture": "x86_64",
        "internalVersion": f"{version}-{build}.{version.replace('.', '')}",
        "internalBuildId": "0b8f6c8e-61c2-4b8a-9c1e-3f2a1f0d5e7a", "imageFormatVersion": "3.0",
        "imageOptimization": "Strata-4GB", "bootupTimestamp": float(_CAPTURED_AT - uptime),
        "uptime": float(uptime), "memTotal": 8099732, "memFree": 5763276, "isIntlVersion": False,
    }


def _eos_interface(name: str, link: Link | None, mac: str) -> dict:
    up = link is not None or name.startswith("Management")
    return {
        "name": name, "forwardingModel": "routed" if name.startswith("Management") else "bridged",
        "lineProtocolStatus": "up" if up else "down", "interfaceStatus": "connected" if up else "notconnect",
        "hardware": "ethernet", "interfaceAddress": [], "physicalAddress": mac, "burnedInAddress": mac,
        "description": f"to {link.remote_name} {link.remote_port}" if link else "",
        "bandwidth": 10000000000 if up else 0, "mtu": 9214, "l3MtuConfigured": False, "l2Mru": 0,
        "lastStatusChangeTimestamp": float(_CAPTURED_AT - 86400), "duplex": "duplexFull",
        "autoNegotiate": "off", "loopbackMode": "loopbackNone",
    }


def _eos_interfaces(device: Device) -> dict:
    linked = _links_by_port(device)
    names = ["Management1", *_ports(device)]
    return {"interfaces": {name: _eos_interface(name, linked.get(name), device.mac) for name in names}}


def _eos_lldp_json(device: Device) -> dict:
    neighbours: dict[str, dict] = {}
    for lk in device.links:
        port_id = _port_id(lk)
        neighbours.setdefault(lk.local_port, {"lldpNeighborInfo": []})["lldpNeighborInfo"].append({
            "chassisIdType": "macAddress", "chassisId": _dotted_mac(lk.remote_chassis_id),
            "systemName": lk.remote_name, "systemDescription": lk.remote_description,
            "systemCapabilities": {"bridge": True, "router": True},
            "lastChangeTime": float(_CAPTURED_AT - 86400), "lastContactTime": float(_CAPTURED_AT - 12),
            "neighborDiscoveryTime": float(_CAPTURED_AT - 86400), "ttl": 120,
            "managementAddresses": [{"addressType": "ipv4", "address": lk.remote_address, "oidString": "",
                                     "interfaceNumType": "ifIndex", "interfaceNum": 1000001}],
            "neighborInterfaceInfo": {"interfaceIdType": "interfaceName", "interfaceId": f'"{port_id}"',
                                      "interfaceId_v2": port_id, "interfaceDescription": lk.remote_port,
                                      "portVlanId": 1, "maxFrameSize": 9236},
        })
    return {"tablesLastChangeTime": float(_CAPTURED_AT - 86400), "tablesAgeOuts": 0, "tablesInserts": 2,
            "tablesDeletes": 0, "tablesDrops": 0, "lldpNeighbors": neighbours}


def _eos_lldp_text(device: Device) -> str:
    return "".join(f"""Interface {lk.local_port} detected 1 LLDP neighbors:

  Neighbor {_dotted_mac(lk.remote_chassis_id)}/"{_port_id(lk)}", age {5 + i % 25} seconds
  Discovered 1 day, 0:00:{i % 60:02d} ago; Last changed 1 day, 0:00:{i % 60:02d} ago
  - Chassis ID type: MAC address (4)
    Chassis ID     : {_dotted_mac(lk.remote_chassis_id)}
  - Port ID type: Interface name (5)
    Port ID        : "{_port_id(lk)}"
  - Time To Live: 120 seconds
  - Port Description: "{lk.remote_port}"
  - System Name: "{lk.remote_name}"
  - System Description: "{lk.remote_description}"
  - System Capabilities : Bridge, Router
    Enabled Capabilities: Bridge, Router
  - Management Address Subtype: IPv4 (1)
    Management Address        : {lk.remote_address}
    Interface Number Subtype  : ifIndex (2)
    Interface Number          : 1000001
    OID String                :
  - IEEE802.1 Port VLAN ID: 1
  - IEEE802.1/IEEE802.3 Link Aggregation
    Link Aggregation Status: Capable, Disabled (1)
    Port ID                : 0
  - IEEE802.3 Maximum Frame Size: 9236 bytes

""" for i, lk in enumerate(device.links))


def _eos_inventory(device: Device) -> str:
    spec = device.spec
    slot = {m.name: re.sub(r"\D", "", m.name) or "1" for m in device.modules}
    psus = [m for m in device.modules if m.name.startswith("PowerSupply")]
    fans = [m for m in device.modules if m.name.startswith("Fan")]
    optics = [m for m in device.modules if m not in psus and m not in fans]
    lines = ["System information",
             "  Model                    Description",
             "  ------------------------ ----------------------------------------------------",
             f"  {spec.model:<24} {spec.description}", "",
             "  HW Version  Serial Number  Mfg Date   Epoch",
             "  ----------- -------------- ---------- -----",
             f"  11.00       {device.serial:<14} 2021-03-15 01.00", "",
             f"System has {len(psus)} power supply slots",
             "  Slot Model            Serial Number",
             "  ---- ---------------- ----------------"]
    lines += [f"  {slot[m.name]:<4} {m.part_number:<16} {m.serial}" for m in psus]
    lines += ["", f"System has {len(fans)} fan modules",
              "  Module  Number of Fans  Model            Serial Number",
              "  ------- --------------- ---------------- ----------------"]
    lines += [f"  {slot[m.name]:<7} 1               {m.part_number:<16} {m.serial}" for m in fans]
    ports = _ports(device)
    fitted = {slot[m.name]: m for m in optics}  # anything else is a transceiver in its port's slot
    cages = list(dict.fromkeys([*(re.search(r"\d+", u).group() for u in spec.uplinks), *fitted]))
    lines += ["", f"System has {len(ports) + 1} ports",
              "  Type             Count", "  ---------------- ----",
              "  Management       1", f"  Switched         {len(ports)}", "",
              f"System has {len(cages)} transceiver slots",
              "  Port Manufacturer     Model            Serial Number    Rev",
              "  ---- ---------------- ---------------- ---------------- ----"]
    for number in cages:
        optic = fitted.get(number)
        lines.append(f"  {number:<4} Arista Networks  {optic.part_number:<16} {optic.serial:<16} 0002"
                     if optic else f"  {number:<4} Not Present")
    return "\n".join(lines) + "\n"
