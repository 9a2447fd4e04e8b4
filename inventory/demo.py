"""A realistic sample inventory for the demo: a city's two departments with their offices,
sites, and about sixty network devices and servers of different vendors and ages.

Deterministic (a fixed seed) and idempotent: loading it twice changes nothing. It goes through
the ORM, so the change log shows it, attributed to "demo data".
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

from inventory.changelog import change_actor
from inventory.choices import ActorKind, AssetSource, AssetStatus, HardwareCategory
from inventory.models import Asset, HardwareModel, Manufacturer, OrgUnit, Platform, Site

ORG_UNITS = [
    # slug, name, code, parent slug
    ("bau", "Departement Bau und Umwelt", "4000", None),
    ("bau-tiefbau", "Tiefbauamt", "4100", "bau"),
    ("bau-hochbau", "Hochbauamt", "4200", "bau"),
    ("bau-stadtgruen", "Stadtgrün", "4300", "bau"),
    ("bildung", "Departement Bildung und Sport", "5000", None),
    ("bildung-schulamt", "Schulamt", "5100", "bildung"),
    ("bildung-sportamt", "Sportamt", "5200", "bildung"),
    ("bildung-musikschule", "Musikschule", "5300", "bildung"),
]

SITES = [
    # slug, name, address, org unit slug, name prefix
    ("stadthaus", "Stadthaus", "Marktgasse 1, 8400 Werthausen", "bau", "sth"),
    ("rz-nord", "Rechenzentrum Nord", "Industriestrasse 12, 8404 Werthausen", "bau", "rzn"),
    ("werkhof-sued", "Werkhof Süd", "Werkhofstrasse 5, 8406 Werthausen", "bau-tiefbau", "whs"),
    ("schulhaus-lindenhof", "Schulhaus Lindenhof", "Lindenweg 20, 8405 Werthausen",
     "bildung-schulamt", "slh"),
    ("sportzentrum-au", "Sportzentrum Au", "Auweg 3, 8408 Werthausen", "bildung-sportamt", "spa"),
    ("musikschule", "Musikschule am Graben", "Graben 7, 8400 Werthausen",
     "bildung-musikschule", "msg"),
]

MANUFACTURERS = [
    ("cisco", "Cisco", ["Cisco Systems, Inc.", "Cisco Systems"]),
    ("arista", "Arista", ["Arista Networks", "Arista Networks, Inc."]),
    ("juniper", "Juniper", ["Juniper Networks", "Juniper Networks, Inc."]),
    ("dell", "Dell", ["Dell Inc.", "Dell EMC", "Dell Technologies"]),
    ("hpe", "HPE", ["Hewlett Packard Enterprise", "HP", "Hewlett-Packard"]),
    ("fortinet", "Fortinet", ["Fortinet, Inc."]),
    ("palo-alto", "Palo Alto Networks", ["Palo Alto", "PAN"]),
    ("lenovo", "Lenovo", ["LENOVO", "Lenovo Group"]),
]

S, R, F, W, SV = (HardwareCategory.SWITCH, HardwareCategory.ROUTER, HardwareCategory.FIREWALL,
                  HardwareCategory.WIRELESS, HardwareCategory.SERVER)
MODELS = [
    # manufacturer, part number, display name, category, list price CHF, aliases
    ("cisco", "WS-C2960X-48FPD-L", "Catalyst 2960-X 48 PoE", S, 7480, ["C2960X-48FPD-L"]),
    ("cisco", "WS-C3850-48P", "Catalyst 3850 48 PoE+", S, 9850, []),
    ("cisco", "C9300-48P", "Catalyst 9300 48 PoE+", S, 11250, []),
    ("cisco", "C9200L-24P-4G", "Catalyst 9200L 24 PoE+", S, 3620, []),
    ("cisco", "N9K-C93180YC-EX", "Nexus 93180YC-EX", S, 21900, ["Nexus9000 C93180YC-EX"]),
    ("cisco", "ISR4331/K9", "ISR 4331", R, 4250, ["ISR4331"]),
    ("cisco", "C9120AXI-E", "Catalyst 9120AX access point", W, 1150, []),
    ("arista", "DCS-7050SX3-48YC8", "7050SX3-48YC8", S, 24800, []),
    ("arista", "DCS-7280SR-48C6", "7280SR-48C6", S, 44500, []),
    ("juniper", "EX3400-48P", "EX3400 48 PoE+", S, 8450, []),
    ("juniper", "SRX345", "SRX345 Services Gateway", F, 6150, []),
    ("fortinet", "FG-100F", "FortiGate 100F", F, 4480, ["FortiGate-100F"]),
    ("palo-alto", "PA-3220", "PA-3220", F, 37900, []),
    ("dell", "PowerEdge R640", "PowerEdge R640", SV, 9450, []),
    ("dell", "PowerEdge R750", "PowerEdge R750", SV, 13900, []),
    ("hpe", "ProLiant DL380 Gen10", "ProLiant DL380 Gen10", SV, 12100, ["DL380 Gen10"]),
    ("hpe", "ProLiant DL360 Gen9", "ProLiant DL360 Gen9", SV, 7950, ["DL360 Gen9"]),
    ("lenovo", "ThinkSystem SR650", "ThinkSystem SR650", SV, 10900, ["7X06"]),
]

PLATFORMS = [
    # slug, name, manufacturer, napalm driver
    ("cisco-ios", "Cisco IOS", "cisco", "ios"),
    ("cisco-ios-xe", "Cisco IOS-XE", "cisco", "ios"),
    ("nxos", "Cisco NX-OS", "cisco", "nxos_ssh"),
    ("eos", "Arista EOS", "arista", "eos"),
    ("junos", "Juniper Junos", "juniper", "junos"),
    ("fortios", "FortiOS", "fortinet", ""),
    ("pan-os", "PAN-OS", "palo-alto", ""),
    ("vmware-esxi", "VMware ESXi", None, ""),
]

# part number -> (platform slug, software versions seen, role, name stem)
_PROFILE = {
    "WS-C2960X-48FPD-L": ("cisco-ios", ["15.2(7)E4", "15.2(2)E9"], "access", "acc-sw"),
    "WS-C3850-48P": ("cisco-ios-xe", ["16.12.05b", "16.9.8"], "distribution", "dist-sw"),
    "C9300-48P": ("cisco-ios-xe", ["17.09.04a", "17.06.05"], "access", "acc-sw"),
    "C9200L-24P-4G": ("cisco-ios-xe", ["17.09.04a"], "access", "acc-sw"),
    "N9K-C93180YC-EX": ("nxos", ["9.3(10)", "7.0(3)I7(9)"], "datacenter", "dc-leaf"),
    "ISR4331/K9": ("cisco-ios-xe", ["17.03.08a", "16.09.08"], "wan", "wan-rt"),
    "C9120AXI-E": ("cisco-ios-xe", ["17.9.4"], "wireless", "ap"),
    "DCS-7050SX3-48YC8": ("eos", ["4.30.2F", "4.28.3M"], "core", "core-sw"),
    "DCS-7280SR-48C6": ("eos", ["4.30.2F"], "core", "core-sw"),
    "EX3400-48P": ("junos", ["21.4R3-S5", "20.2R3-S7"], "access", "acc-sw"),
    "SRX345": ("junos", ["22.4R2-S2", "21.4R3-S5"], "firewall", "fw"),
    "FG-100F": ("fortios", ["7.2.8", "7.0.15"], "firewall", "fw"),
    "PA-3220": ("pan-os", ["11.1.4-h7", "10.2.9"], "firewall", "fw"),
    "PowerEdge R640": ("vmware-esxi", ["7.0.3"], "hypervisor", "esx"),
    "PowerEdge R750": ("vmware-esxi", ["8.0.2"], "hypervisor", "esx"),
    "ProLiant DL380 Gen10": ("vmware-esxi", ["7.0.3"], "hypervisor", "esx"),
    "ProLiant DL360 Gen9": ("vmware-esxi", ["6.7.0"], "server", "srv"),
    "ThinkSystem SR650": ("vmware-esxi", ["8.0.2"], "hypervisor", "esx"),
}

# Which models each site gets, and how many.
_SITE_MIX = {
    "stadthaus": [("DCS-7050SX3-48YC8", 2), ("WS-C3850-48P", 2), ("C9300-48P", 7),
                  ("WS-C2960X-48FPD-L", 4), ("C9120AXI-E", 3), ("PA-3220", 2), ("ISR4331/K9", 1)],
    "rz-nord": [("DCS-7280SR-48C6", 2), ("N9K-C93180YC-EX", 4), ("PowerEdge R640", 4),
                ("PowerEdge R750", 4), ("ProLiant DL380 Gen10", 3), ("ProLiant DL360 Gen9", 2),
                ("ThinkSystem SR650", 2)],
    "werkhof-sued": [("EX3400-48P", 2), ("SRX345", 1), ("WS-C2960X-48FPD-L", 2)],
    "schulhaus-lindenhof": [("C9200L-24P-4G", 4), ("FG-100F", 1), ("C9120AXI-E", 2)],
    "sportzentrum-au": [("WS-C2960X-48FPD-L", 2), ("FG-100F", 1)],
    "musikschule": [("C9200L-24P-4G", 1), ("ISR4331/K9", 1)],
}

_SERIAL_PREFIX = {"cisco": "FOC", "arista": "JPE", "juniper": "NX", "fortinet": "FG10FT",
                  "palo-alto": "0131", "dell": "", "hpe": "CZJ", "lenovo": "J30"}
_ALNUM = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def _serial(rng: random.Random, manufacturer: str) -> str:
    prefix = _SERIAL_PREFIX[manufacturer]
    return prefix + "".join(rng.choice(_ALNUM) for _ in range(11 - len(prefix)))


def load(today: dt.date | None = None) -> dict[str, int]:
    """Create or update the sample inventory. Returns counts of what it holds."""
    today = today or dt.date(2026, 11, 1)
    rng = random.Random(20261124)  # noqa: S311 - sample data, not security
    with change_actor(ActorKind.SYSTEM, "demo data"), transaction.atomic():
        units: dict[str, OrgUnit] = {}
        for slug, name, code, parent in ORG_UNITS:
            units[slug], _ = OrgUnit.objects.update_or_create(
                slug=slug, defaults={"name": name, "code": code,
                                     "parent": units[parent] if parent else None})
        sites = {}
        for slug, name, address, unit, _prefix in SITES:
            sites[slug], _ = Site.objects.update_or_create(
                slug=slug, defaults={"name": name, "address": address, "org_unit": units[unit]})
        makers = {}
        for slug, name, aliases in MANUFACTURERS:
            makers[slug], _ = Manufacturer.objects.update_or_create(
                slug=slug, defaults={"name": name, "aliases": aliases})
        models = {}
        for maker, part, display, category, price, aliases in MODELS:
            models[part], _ = HardwareModel.objects.update_or_create(
                manufacturer=makers[maker], model=part,
                defaults={"name": display, "category": category,
                          "list_price": Decimal(price), "aliases": aliases})
        platforms = {}
        for slug, name, maker, driver in PLATFORMS:
            platforms[slug], _ = Platform.objects.update_or_create(
                slug=slug, defaults={"name": name, "napalm_driver": driver,
                                     "manufacturer": makers[maker] if maker else None})

        prefixes = {slug: prefix for slug, _n, _a, _u, prefix in SITES}
        site_units = {slug: unit for slug, _n, _a, unit, _p in SITES}
        count = 0
        for site_slug, mix in _SITE_MIX.items():
            numbers: dict[str, int] = {}
            for part, how_many in mix:
                maker = next(m for m, p, *_ in MODELS if p == part)
                platform, versions, role, stem = _PROFILE[part]
                for _ in range(how_many):
                    numbers[stem] = numbers.get(stem, 0) + 1
                    name = f"{prefixes[site_slug]}-{stem}{numbers[stem]:02d}"
                    age_days = rng.randint(200, 12 * 365)
                    purchased = today - dt.timedelta(days=age_days)
                    in_service = purchased + dt.timedelta(days=rng.randint(7, 60))
                    warranty_years = rng.choice([3, 5])
                    try:
                        warranty_end = purchased.replace(year=purchased.year + warranty_years)
                    except ValueError:  # 29 February
                        warranty_end = purchased.replace(year=purchased.year + warranty_years, day=28)
                    status = rng.choices(
                        [AssetStatus.ACTIVE, AssetStatus.SPARE, AssetStatus.MAINTENANCE],
                        weights=[90, 6, 4])[0]
                    if age_days > 11 * 365:
                        status = AssetStatus.DECOMMISSIONED
                    serial = _serial(rng, maker)
                    price = models[part].list_price
                    cost = (price * Decimal(rng.randint(62, 88)) / 100).quantize(Decimal("0.01"))
                    octet = 10 + count
                    Asset.objects.update_or_create(
                        manufacturer=makers[maker], serial=serial,
                        defaults={
                            "name": name, "hardware_model": models[part],
                            "platform": platforms[platform],
                            "software_version": rng.choice(versions), "role": role,
                            "site": sites[site_slug], "org_unit": units[site_units[site_slug]],
                            "status": status,
                            "management_address": f"10.20.{list(_SITE_MIX).index(site_slug)}.{octet}",
                            "purchase_date": purchased, "in_service_date": in_service,
                            "purchase_cost": cost, "warranty_end": warranty_end,
                            "asset_tag": f"WH-{20000 + count}", "source": AssetSource.MANUAL,
                        },
                    )
                    count += 1
        # One planned replacement that is ordered but not yet delivered.
        Asset.objects.update_or_create(
            name="sth-acc-sw-new01", serial="",
            defaults={"hardware_model": models["C9300-48P"], "site": sites["stadthaus"],
                      "org_unit": units["bau"], "status": AssetStatus.PLANNED,
                      "platform": platforms["cisco-ios-xe"], "role": "access",
                      "comments": "Ordered to replace sth-acc-sw01 (Catalyst 2960-X)."},
        )
    return {"org_units": len(units), "sites": len(sites), "models": len(models),
            "assets": Asset.objects.count()}
