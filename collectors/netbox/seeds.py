"""NetBox's devices as discovery's hosts (``discover --from-netbox``, schedules "Discovery from NetBox").

A device becomes a Nornir host named as in NetBox (a name twice: ``name#<netbox id>``; no name:
"NetBox device <id>"), reached at its primary IP (IPv4 first) with the driver of its platform: the
inventory's platform of the same slug when it has a NAPALM driver (set by a person or learnt by
discovery), else the one ``mapping.driver`` knows for the slug. Port and credentials are the ones
``hosts.host_for`` gives every host of that driver. A device without a primary IP, without a
platform or with a platform discovery cannot read is skipped, with the reason. The run's host rows
say "found via NetBox device <id>", as a pull's do.

Only NetBox is asked here (NetBoxError propagates: nothing is written); whether discovery may
connect to an address is decided by the runner, as for every other host (DISCOVERY_ALLOW).
"""

from __future__ import annotations

from nornir.core.inventory import Inventory

from collectors import hosts as host_sources
from collectors.netbox import mapping
from collectors.netbox.client import NetBoxClient
from collectors.netbox.connection import describe

# what a seed needs of a device; nested objects come brief (platform: id, name, slug; IP: address)
DEVICE_FIELDS = ("id", "name", "platform", "primary_ip4", "primary_ip6")

NO_ADDRESS = "no primary IP in NetBox"
NO_PLATFORM = "no platform in NetBox"


def source(url: str, filters: dict[str, list[str]] | None = None) -> str:
    """A run's source: "NetBox <url>", with the filter when there is one."""
    text = f"NetBox {url}"
    return f"{text} ({describe(filters)})" if filters else text


def inventory_drivers(slugs) -> dict[str, str]:
    """The NAPALM driver the inventory's platforms of these slugs have (those that have one)."""
    from inventory.models import Platform

    rows = Platform.objects.filter(slug__in=list(slugs)).exclude(napalm_driver="")
    return dict(rows.values_list("slug", "napalm_driver"))


def from_netbox(
    client: NetBoxClient,
    credentials: host_sources.Credentials,
    filters: dict[str, list[str]] | None = None,
) -> tuple[Inventory, dict[str, str]]:
    """The hosts of NetBox's devices (``filters`` are NetBox's own device filters), and the
    devices skipped (name → why). Raises NetBoxError when NetBox cannot be read."""
    devices = client.list("/api/dcim/devices/", params=filters or None, fields=DEVICE_FIELDS)
    slugs = {mapping.value(d.get("platform"), "slug") for d in devices} - {None, ""}
    known = inventory_drivers(slugs) if slugs else {}
    hosts: dict = {}
    skipped: dict[str, str] = {}
    for d in devices:  # in NetBox's id order: the first of two equal names keeps it
        name = (d.get("name") or "").strip() or f"NetBox device {d['id']}"
        if name in hosts or name in skipped:
            name = f"{name}#{d['id']}"
        slug = mapping.value(d.get("platform"), "slug") or ""
        address = mapping.address(d)
        if not address:
            skipped[name] = NO_ADDRESS
            continue
        if not slug:
            skipped[name] = NO_PLATFORM
            continue
        driver = mapping.driver(slug, known.get(slug, ""))
        if not driver:
            skipped[name] = (
                f"platform {slug}: discovery cannot read it (give the inventory's platform {slug} "
                "a NAPALM driver, or use snmp or redfish)"
            )
            continue
        host = host_sources.host_for(name, address, driver, credentials)
        host.data["found_via"] = f"NetBox device {d['id']}"  # the run's host row, as a pull's
        hosts[name] = host
    return host_sources.from_hosts(list(hosts.values())), skipped
