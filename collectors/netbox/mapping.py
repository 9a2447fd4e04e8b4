"""How NetBox's values become the inventory's (pure: no Django, floor 1)."""

from __future__ import annotations

import ipaddress
import re

from netutils.lib_mapper import NAPALM_LIB_MAPPER_REVERSE

from collectors.normalize import PLATFORM_NAMES, SUPPORTED_DRIVERS, guess_category

# NetBox's device status → the asset's (inventory.choices.AssetStatus values)
STATUS = {
    "active": "active",
    "planned": "planned",
    "staged": "planned",
    "inventory": "spare",
    "offline": "maintenance",
    "failed": "maintenance",
    "decommissioning": "decommissioned",
}

# words in a NetBox role's slug or name → hardware category (inventory.choices.HardwareCategory)
_ROLE_WORDS = (
    ("firewall", "firewall"),
    ("fw", "firewall"),
    ("router", "router"),
    ("wan", "router"),
    ("switch", "switch"),
    ("access", "switch"),
    ("core", "switch"),
    ("distribution", "switch"),
    ("wlan", "wireless"),
    ("wireless", "wireless"),
    ("ap", "wireless"),
    ("server", "server"),
    ("storage", "storage"),
    ("nas", "storage"),
    ("ups", "ups"),
    ("usv", "ups"),
    ("printer", "printer"),
)

# what the devices of these pseudo-drivers are read with (collectors.hosts)
OTHER_DRIVERS = ("snmp", "redfish")


def value(obj, key: str = "value"):
    """NetBox's choice fields answer ``{"value": …, "label": …}``; nested objects their brief form."""
    if isinstance(obj, dict):
        return obj.get(key)
    return obj


def status(device: dict) -> str:
    return STATUS.get(value(device.get("status")) or "active", "active")


def address(device: dict) -> str | None:
    """The primary IP (IPv4 first) without its prefix length."""
    for key in ("primary_ip4", "primary_ip6", "primary_ip"):
        ip = device.get(key)
        text = ip.get("address") if isinstance(ip, dict) else None
        if text:
            try:
                return str(ipaddress.ip_interface(text).ip)
            except ValueError:
                continue
    return None


def category(role: dict | None, model: str) -> str:
    """A new model's category: from the device role's words, else guessed from the model name."""
    if role:
        words = set(re.split(r"[^a-z0-9]+", f"{role.get('slug', '')} {role.get('name', '')}".lower()))
        for word, cat in _ROLE_WORDS:
            if word in words:
                return cat
    return guess_category(model)


def driver(platform_slug: str, napalm_driver: str = "") -> str:
    """The driver discovery reads a device of this platform with, or "" when it cannot.
    ``napalm_driver`` is the inventory platform's own (set by a person or by discovery)."""
    if napalm_driver in (*SUPPORTED_DRIVERS, *OTHER_DRIVERS):
        return napalm_driver
    slug = (platform_slug or "").lower()
    if slug in (*SUPPORTED_DRIVERS, *OTHER_DRIVERS):
        return slug
    if slug in PLATFORM_NAMES:
        return PLATFORM_NAMES[slug][1]
    mapped = NAPALM_LIB_MAPPER_REVERSE.get(slug.replace("-", "_"))
    if mapped == "nxos":
        mapped = "nxos_ssh"
    return mapped if mapped in SUPPORTED_DRIVERS else ""


def module_rows(modules: list[dict], items: list[dict]) -> list[dict]:
    """A device's NetBox modules and inventory items as inventory modules (``name`` is the slot:
    the module bay's name, or the item's; a name twice gets `` (2)``)."""
    rows = []
    for m in modules:
        mtype = m.get("module_type") or {}
        bay = m.get("module_bay") or {}
        rows.append(
            {
                "name": (bay.get("name") or f"module {m.get('id')}").strip(),
                "part_number": (mtype.get("part_number") or mtype.get("model") or "").strip(),
                "serial": (m.get("serial") or "").strip(),
                "description": (mtype.get("model") or mtype.get("display") or "").strip(),
            }
        )
    for item in items:
        maker = value(item.get("manufacturer"), "name") or ""
        rows.append(
            {
                "name": (item.get("name") or f"item {item.get('id')}").strip(),
                "part_number": (item.get("part_id") or "").strip(),
                "serial": (item.get("serial") or "").strip(),
                "description": (item.get("description") or maker).strip(),
            }
        )
    seen: dict[str, int] = {}
    for row in rows:
        name = row["name"][:100]
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            name = f"{name[:94]} ({seen[name]})"
        row["name"] = name
    return rows
