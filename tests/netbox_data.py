"""A city's estate in a real NetBox, made through NetBox's own REST API (bulk calls), for the sync
tests: what the pull must find is kept in ``Estate`` as NetBox was told it, never as we parse it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Estate:
    devices: list[dict]  # as NetBox answered the bulk create
    by_name: dict[str, dict]
    serials: dict[str, str]  # device name → serial as sent ("" for none)
    addresses: dict[str, str]  # device name → primary IPv4 without its length
    items: dict[str, list[dict]]  # device name → inventory items sent
    modules: dict[str, list[dict]]  # device name → modules sent (bay name, part, serial)
    tenants: dict[str, int] = field(default_factory=dict)
    regions: dict[str, int] = field(default_factory=dict)
    sites: dict[str, dict] = field(default_factory=dict)
    twins: tuple[str, str] = ("", "")  # two devices sharing one serial
    without_serial: str = ""
    role_of: dict[str, str] = field(default_factory=dict)


def fill(api, devices: int = 50) -> Estate:
    """``devices`` switches and UPSes (≥ 50) in three sites of two regions and two tenants; one
    without serial, two sharing a serial; inventory items on five, modules on two."""
    tenants = {
        name: api("/api/tenancy/tenants/", "POST", {"name": name, "slug": slug})["id"]
        for name, slug in (("Direktion Bildung", "bildung"), ("Direktion Finanzen", "finanzen"))
    }
    stadt = api("/api/dcim/regions/", "POST", {"name": "Stadt", "slug": "stadt"})["id"]
    regions = {"Stadt": stadt}
    for name, slug in (("Nord", "nord"), ("Süd", "sued")):
        regions[name] = api("/api/dcim/regions/", "POST", {"name": name, "slug": slug, "parent": stadt})["id"]
    sites = {}
    for name, slug, region, tenant in (
        ("Stadthaus", "stadthaus", "Nord", "Direktion Finanzen"),
        ("Schulhaus Au", "schulhaus-au", "Süd", "Direktion Bildung"),
        ("Rechenzentrum", "rz", "Nord", "Direktion Finanzen"),
    ):
        sites[name] = api(
            "/api/dcim/sites/",
            "POST",
            {
                "name": name,
                "slug": slug,
                "region": regions[region],
                "tenant": tenants[tenant],
                "physical_address": f"{name}strasse 1\n3000 Bern",
            },
        )
    cisco = api("/api/dcim/manufacturers/", "POST", {"name": "Cisco", "slug": "cisco"})["id"]
    juniper = api("/api/dcim/manufacturers/", "POST", {"name": "Juniper Networks", "slug": "juniper"})["id"]
    apc = api("/api/dcim/manufacturers/", "POST", {"name": "APC", "slug": "apc"})["id"]
    types = {
        "c9300": api(
            "/api/dcim/device-types/",
            "POST",
            {
                "manufacturer": cisco,
                "model": "Catalyst 9300 48-port PoE+",
                "slug": "c9300-48p",
                "part_number": "C9300-48P",
            },
        )["id"],
        "ex4300": api(
            "/api/dcim/device-types/",
            "POST",
            {"manufacturer": juniper, "model": "EX4300-48T", "slug": "ex4300-48t"},
        )["id"],
        "ups": api(
            "/api/dcim/device-types/",
            "POST",
            {
                "manufacturer": apc,
                "model": "Smart-UPS 1500",
                "slug": "smt1500",
                "part_number": "SMT1500RMI2U",
            },
        )["id"],
    }
    platforms = {
        "ios": api("/api/dcim/platforms/", "POST", {"name": "Cisco IOS-XE", "slug": "cisco-ios-xe"})["id"],
        "junos": api("/api/dcim/platforms/", "POST", {"name": "Junos", "slug": "junos"})["id"],
    }
    roles = {
        slug: api("/api/dcim/device-roles/", "POST", {"name": name, "slug": slug, "color": "2196f3"})["id"]
        for name, slug in (("Access switch", "access-switch"), ("Core switch", "core-switch"), ("UPS", "ups"))
    }
    site_list = list(sites.values())
    body, serials, role_of = [], {}, {}
    for n in range(devices):
        if n % 10 == 9:
            kind, role, platform, prefix = "ups", "ups", None, "ups"
        elif n % 5 == 0:
            kind, role, platform, prefix = "ex4300", "core-switch", "junos", "ex"
        else:
            kind, role, platform, prefix = "c9300", "access-switch", "ios", "sw"
        name = f"{prefix}-{n:03d}"
        serial = f"{'FOC' if kind == 'c9300' else 'JN' if kind == 'ex4300' else 'AS'}{2400 + n:05d}X"
        row = {
            "name": name,
            "device_type": types[kind],
            "role": roles[role],
            "site": site_list[n % 3]["id"],
            "serial": serial,
            "status": "active",
            "tenant": tenants["Direktion Bildung" if n % 3 == 1 else "Direktion Finanzen"],
        }
        if platform:
            row["platform"] = platforms[platform]
        if n == 7:
            row["status"] = "planned"
        if n == 3:
            row["asset_tag"] = "INV-0003"
        body.append(row)
        serials[name] = serial
        role_of[name] = role
    # one without serial, two sharing one (same type: the same manufacturer)
    body[9]["serial"] = ""
    serials[body[9]["name"]] = ""
    body[2]["serial"] = body[1]["serial"]
    serials[body[2]["name"]] = body[1]["serial"]
    made = api("/api/dcim/devices/", "POST", body)
    by_name = {d["name"]: d for d in made}
    # a management interface and a primary IPv4 on every device
    interfaces = api(
        "/api/dcim/interfaces/",
        "POST",
        [{"device": d["id"], "name": "mgmt0", "type": "1000base-t", "mgmt_only": True} for d in made],
    )
    addresses = {d["name"]: f"10.20.{n // 200}.{n % 200 + 10}" for n, d in enumerate(made)}
    ips = api(
        "/api/ipam/ip-addresses/",
        "POST",
        [
            {
                "address": f"{addresses[d['name']]}/24",
                "assigned_object_type": "dcim.interface",
                "assigned_object_id": i["id"],
                "status": "active",
            }
            for d, i in zip(made, interfaces, strict=True)
        ],
    )
    api(
        "/api/dcim/devices/",
        "PATCH",
        [{"id": d["id"], "primary_ip4": ip["id"]} for d, ip in zip(made, ips, strict=True)],
    )
    # inventory items on five switches
    items: dict[str, list[dict]] = {}
    item_body = []
    for d in made[3:8]:
        rows = [
            {
                "name": f"PSU {k}",
                "part_id": "PWR-C1-715WAC",
                "serial": f"LIT{d['id']:04d}{k}",
                "description": "715W AC power supply",
            }
            for k in (1, 2)
        ]
        items[d["name"]] = rows
        item_body += [{"device": d["id"], "manufacturer": cisco, **r} for r in rows]
    api("/api/dcim/inventory-items/", "POST", item_body)
    # modules in bays on two Juniper switches
    mtype = api(
        "/api/dcim/module-types/",
        "POST",
        {"manufacturer": juniper, "model": "EX-UM-4X4SFP", "part_number": "EX-UM-4X4SFP"},
    )["id"]
    modules: dict[str, list[dict]] = {}
    for d in (made[0], made[5]):
        bay = api("/api/dcim/module-bays/", "POST", {"device": d["id"], "name": "FPC 0 PIC 2"})
        serial = f"MOD{d['id']:05d}"
        api(
            "/api/dcim/modules/",
            "POST",
            {
                "device": d["id"],
                "module_bay": bay["id"],
                "module_type": mtype,
                "serial": serial,
                "status": "active",
            },
        )
        modules[d["name"]] = [{"name": "FPC 0 PIC 2", "part_number": "EX-UM-4X4SFP", "serial": serial}]
    return Estate(
        devices=made,
        by_name=by_name,
        serials=serials,
        addresses=addresses,
        items=items,
        modules=modules,
        tenants=tenants,
        regions=regions,
        sites=sites,
        twins=(body[1]["name"], body[2]["name"]),
        without_serial=body[9]["name"],
        role_of=role_of,
    )
