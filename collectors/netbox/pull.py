"""Pull NetBox's inventory into Werterhalt (``manage.py netbox pull``, schedules, the admin page).

Everything is read from NetBox first; a NetBox that is unreachable or refuses the token fails the
run before anything is written. Then one transaction writes, under the change-log actor
"netbox pull run N":

- org units (tenants, regions or site groups: NetBoxSettings.org_units_from), sites,
  manufacturers, device types → hardware models, platforms: linked by NetBox id
  (``NetBoxLink``), adopted by slug/name when the inventory already has them, else created;
- devices → assets (source ``netbox``): keyed on the NetBox id, else adopted by (manufacturer,
  serial) when the inventory already knows the serial (e.g. from discovery). A field is set from
  NetBox when NetBox has a value (never blanked); what Werterhalt owns (purchase, cost,
  lifecycle, comments, software version) is never touched;
- modules and inventory items → modules (slot = module bay or item name), as discovery does:
  new ones created, changed ones updated, ones NetBox no longer has marked not present;
- a device whose serial another NetBox device already holds (or an asset linked to another device)
  is a conflict: not written, both named in the run, the asset flagged for review;
- on a full pull (no filter), an asset whose NetBox device is gone is decommissioned, never
  deleted.

Each device gets a run record (``DiscoveryHost``) with its outcome; a second pull of an unchanged
NetBox writes no change-log row.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from collectors.choices import (
    HostOutcome,
    HostReason,
    NetBoxKind,
    NetBoxOrgUnits,
    RunStatus,
    RunTrigger,
    ScheduleAction,
)
from collectors.models import DiscoveryHost, DiscoveryRun, NetBoxLink, NetBoxSettings
from collectors.netbox import mapping
from collectors.netbox.client import NetBoxClient, NetBoxError
from collectors.netbox.connection import describe, run_source
from inventory import changelog
from inventory.choices import ActorKind, AssetSource, AssetStatus, ChangeAction
from inventory.models import Asset, HardwareModel, Manufacturer, Module, OrgUnit, Platform, Site
from inventory.naming import model_key, vendor_key
from inventory.signals import assets_changed

log = logging.getLogger(__name__)

DEVICE_FIELDS = (
    "id",
    "name",
    "serial",
    "asset_tag",
    "status",
    "site",
    "tenant",
    "role",
    "device_type",
    "platform",
    "primary_ip4",
    "primary_ip6",
)
SITE_FIELDS = ("id", "name", "slug", "region", "group", "tenant", "physical_address", "description")
UNIT_FIELDS = ("id", "name", "slug", "parent", "description")
DEVICE_TYPE_FIELDS = ("id", "manufacturer", "model", "part_number", "slug")
PLATFORM_FIELDS = ("id", "name", "slug")
MODULE_FIELDS = ("id", "device", "module_bay", "module_type", "serial")
ITEM_FIELDS = ("id", "device", "name", "part_id", "serial", "description", "manufacturer")

# the asset fields a pull writes (everything else is Werterhalt's)
PULLED = (
    "name",
    "serial",
    "asset_tag",
    "status",
    "site_id",
    "org_unit_id",
    "role",
    "hardware_model_id",
    "manufacturer_id",
    "platform_id",
    "management_address",
)

_UNIT_PATHS = {
    NetBoxOrgUnits.TENANT: ("/api/tenancy/tenants/", NetBoxKind.TENANT),
    NetBoxOrgUnits.REGION: ("/api/dcim/regions/", NetBoxKind.REGION),
    NetBoxOrgUnits.SITE_GROUP: ("/api/dcim/site-groups/", NetBoxKind.SITE_GROUP),
}


@dataclass
class Snapshot:
    """What was read from NetBox for one pull."""

    version: str
    units: list[dict]
    sites: list[dict]
    manufacturers: list[dict]
    device_types: list[dict]
    platforms: list[dict]
    devices: list[dict]
    modules: dict[int, list[dict]] = field(default_factory=dict)
    items: dict[int, list[dict]] = field(default_factory=dict)
    seconds: float = 0.0


def read(client: NetBoxClient, org_units_from: str, filters: dict[str, list[str]] | None = None) -> Snapshot:
    """Everything a pull needs, read from NetBox (raises NetBoxError before anything is written)."""
    began = time.monotonic()
    version = client.status()["netbox-version"]
    unit_path = _UNIT_PATHS[org_units_from][0]
    units = client.list(unit_path, fields=UNIT_FIELDS)
    sites = client.list("/api/dcim/sites/", fields=SITE_FIELDS)
    manufacturers = client.list("/api/dcim/manufacturers/", fields=("id", "name", "slug"))
    device_types = client.list("/api/dcim/device-types/", fields=DEVICE_TYPE_FIELDS)
    platforms = client.list("/api/dcim/platforms/", fields=PLATFORM_FIELDS)
    devices = client.list("/api/dcim/devices/", params=filters or None, fields=DEVICE_FIELDS)
    wanted = {d["id"] for d in devices}
    modules: dict[int, list[dict]] = defaultdict(list)
    items: dict[int, list[dict]] = defaultdict(list)
    for m in client.list("/api/dcim/modules/", fields=MODULE_FIELDS):
        device_id = mapping.value(m.get("device"), "id")
        if device_id in wanted:
            modules[device_id].append(m)
    for item in client.list("/api/dcim/inventory-items/", fields=ITEM_FIELDS):
        device_id = mapping.value(item.get("device"), "id")
        if device_id in wanted:
            items[device_id].append(item)
    return Snapshot(
        version,
        units,
        sites,
        manufacturers,
        device_types,
        platforms,
        devices,
        dict(modules),
        dict(items),
        time.monotonic() - began,
    )


# --- the run ---------------------------------------------------------------------------------------


def pull(
    client: NetBoxClient,
    *,
    filters: dict[str, list[str]] | None = None,
    user=None,
    trigger: str = RunTrigger.COMMAND,
    schedule=None,
    run: DiscoveryRun | None = None,
    now: dt.datetime | None = None,
) -> DiscoveryRun:
    """One pull, recorded as a run (returned). A NetBox error fails the run with its message and
    writes nothing else; the caller tells the user (run.status, run.message)."""
    now = now or timezone.now()
    options = NetBoxSettings.load()
    if run is None:
        run = DiscoveryRun.objects.create(
            started=now,
            heartbeat=now,
            source=run_source("pull", client.url, describe(filters or {})),
            action=ScheduleAction.NETBOX_PULL,
            workers=client.workers,
            user=user,
            trigger=trigger,
            schedule=schedule,
        )
    try:
        snap = read(client, options.org_units_from, filters)
    except NetBoxError as e:
        return _fail(run, str(e))
    try:
        with (
            changelog.change_actor(ActorKind.IMPORT, f"netbox pull run {run.pk}", user=user),
            transaction.atomic(),
        ):
            _Writer(snap, options, run, now, full=not filters).write()
    except Exception as e:  # the transaction is rolled back: nothing of this pull stays
        log.exception("netbox pull run %s failed", run.pk)
        return _fail(run, f"{type(e).__name__}: {e}"[:1000])
    return run


def _fail(run: DiscoveryRun, message: str) -> DiscoveryRun:
    run.status, run.finished, run.message = RunStatus.FAILED, timezone.now(), message[:1000]
    run.save(update_fields=["status", "finished", "message"])
    return run


class _Writer:
    def __init__(
        self, snap: Snapshot, options: NetBoxSettings, run: DiscoveryRun, now: dt.datetime, full: bool
    ):
        self.snap, self.options, self.run, self.now, self.full = snap, options, run, now, full
        self.links: dict[str, dict[int, NetBoxLink]] = defaultdict(dict)
        for link in NetBoxLink.objects.all():
            self.links[link.kind][link.netbox_id] = link
        self.new_links: list[NetBoxLink] = []
        self.renamed_links: list[NetBoxLink] = []
        self.hosts: list[DiscoveryHost] = []

    # -- helpers --------------------------------------------------------------------------------

    def _linked(self, kind: str, netbox_id: int | None) -> int | None:
        link = self.links[kind].get(netbox_id) if netbox_id else None
        return link.object_id if link else None

    def _link(self, kind: str, netbox_id: int, object_id: int, name: str) -> None:
        link = self.links[kind].get(netbox_id)
        if link is None:
            link = NetBoxLink(
                kind=kind, netbox_id=netbox_id, object_id=object_id, name=name[:200], seen=self.now
            )
            self.links[kind][netbox_id] = link
            self.new_links.append(link)
        elif link.object_id != object_id or link.name != name[:200] or link.gone:
            link.object_id, link.name, link.gone = object_id, name[:200], None
            self.renamed_links.append(link)

    def write(self) -> None:
        units = self._units()
        sites = self._sites(units)
        manufacturers = self._manufacturers()
        models = self._models(manufacturers)
        platforms = self._platforms()
        self._devices(units, sites, models, platforms)
        NetBoxLink.objects.bulk_create(self.new_links, batch_size=2000)
        NetBoxLink.objects.bulk_update(self.renamed_links, ["object_id", "name", "gone"], batch_size=2000)
        NetBoxLink.objects.filter(kind=NetBoxKind.DEVICE, gone__isnull=True).update(seen=self.now)
        DiscoveryHost.objects.bulk_create(self.hosts, batch_size=2000)
        failed = sum(1 for h in self.hosts if h.outcome == HostOutcome.FAILED)
        run = self.run
        run.hosts_tried = len(self.hosts)
        run.hosts_failed = failed
        run.hosts_succeeded = len(self.hosts) - failed
        run.assets_created = sum(1 for h in self.hosts if h.created)
        run.assets_updated = sum(1 for h in self.hosts if h.updated)
        run.status = RunStatus.PARTIAL if failed else RunStatus.COMPLETED
        run.finished = timezone.now()
        run.message = (
            f"NetBox {self.snap.version}: {len(self.snap.devices)} devices read in {self.snap.seconds:.1f} s"
        )[:1000]
        run.save()

    # -- the catalogue and the places ----------------------------------------------------------------

    def _units(self) -> dict[int, int]:
        """NetBox id of a tenant/region/site group → org unit id (parents first)."""
        kind = _UNIT_PATHS[self.options.org_units_from][1]
        rows = {u["id"]: u for u in self.snap.units}
        done: dict[int, int] = {}
        existing = {u.slug: u for u in OrgUnit.objects.all()}

        def ensure(nb_id: int, depth: int = 0) -> int | None:
            if nb_id in done:
                return done[nb_id]
            row = rows.get(nb_id)
            if row is None or depth > 50:
                return None
            parent_nb = mapping.value(row.get("parent"), "id")
            parent = ensure(parent_nb, depth + 1) if parent_nb else self.options.org_unit_parent_id
            pk = self._linked(kind, nb_id)
            unit = OrgUnit.objects.filter(pk=pk).first() if pk else None
            if unit is None:
                unit = (
                    existing.get(row["slug"])
                    or OrgUnit.objects.filter(parent_id=parent, name=row["name"]).first()
                )
            if unit is None:
                slug = row["slug"] if row["slug"] not in existing else f"netbox-{kind}-{nb_id}"
                unit = OrgUnit(
                    name=row["name"][:100],
                    slug=slug[:100],
                    parent_id=parent,
                    description=(row.get("description") or "")[:200],
                )
                unit.save()
                existing[unit.slug] = unit
            else:
                changed = []
                if unit.name != row["name"][:100]:
                    unit.name = row["name"][:100]
                    changed.append("name")
                if unit.parent_id != parent and parent != unit.pk:
                    unit.parent_id = parent
                    changed.append("parent")
                if changed:
                    unit.save(update_fields=changed)
            self._link(kind, nb_id, unit.pk, row["name"])
            done[nb_id] = unit.pk
            return unit.pk

        for nb_id in rows:
            ensure(nb_id)
        return done

    def _sites(self, units: dict[int, int]) -> dict[int, tuple[int, int | None]]:
        """NetBox site id → (site id, the org unit of its region/group/tenant or None)."""
        by_slug = {s.slug: s for s in Site.objects.all()}
        by_name = {s.name: s for s in by_slug.values()}
        unit_key = {
            NetBoxOrgUnits.REGION: "region",
            NetBoxOrgUnits.SITE_GROUP: "group",
            NetBoxOrgUnits.TENANT: "tenant",
        }[self.options.org_units_from]
        result = {}
        for row in self.snap.sites:
            pk = self._linked(NetBoxKind.SITE, row["id"])
            site = Site.objects.filter(pk=pk).first() if pk else None
            site = site or by_slug.get(row["slug"]) or by_name.get(row["name"])
            address = (row.get("physical_address") or "").replace("\r", "").replace("\n", ", ")[:200]
            if site is None:
                slug = row["slug"] if row["slug"] not in by_slug else f"netbox-site-{row['id']}"
                site = Site(
                    name=row["name"][:100],
                    slug=slug[:100],
                    address=address,
                    description=(row.get("description") or "")[:200],
                )
                site.save()
                by_slug[site.slug], by_name[site.name] = site, site
            else:
                changed = []
                for attr, val in (("name", row["name"][:100]), ("address", address)):
                    if val and getattr(site, attr) != val:
                        setattr(site, attr, val)
                        changed.append(attr)
                if changed:
                    site.save(update_fields=changed)
            self._link(NetBoxKind.SITE, row["id"], site.pk, row["name"])
            unit_nb = mapping.value(row.get(unit_key), "id")
            result[row["id"]] = (site.pk, units.get(unit_nb) if unit_nb else None)
        return result

    def _manufacturers(self) -> dict[int, int]:
        index = Manufacturer.objects.index()
        result = {}
        for row in self.snap.manufacturers:
            pk = self._linked(NetBoxKind.MANUFACTURER, row["id"]) or index.get(vendor_key(row["name"]))
            if pk is None or not Manufacturer.objects.filter(pk=pk).exists():
                slug = slugify(row["slug"] or row["name"])[:100] or f"netbox-{row['id']}"
                mfr, _ = Manufacturer.objects.get_or_create(slug=slug, defaults={"name": row["name"][:100]})
                pk = mfr.pk
                index[vendor_key(row["name"])] = pk
            self._link(NetBoxKind.MANUFACTURER, row["id"], pk, row["name"])
            result[row["id"]] = pk
        return result

    def _models(self, manufacturers: dict[int, int]) -> dict[int, HardwareModel]:
        index = HardwareModel.objects.index()
        roles = {}  # a new model's category from the role of its first device
        for d in self.snap.devices:
            roles.setdefault(mapping.value(d.get("device_type"), "id"), d.get("role"))
        result = {}
        for row in self.snap.device_types:
            mfr = manufacturers.get(mapping.value(row.get("manufacturer"), "id"))
            if mfr is None:
                continue
            model, part = (row.get("model") or "").strip(), (row.get("part_number") or "").strip()
            pk = self._linked(NetBoxKind.DEVICE_TYPE, row["id"])
            if pk is None:
                for key in (model_key(part), model_key(model)):
                    if key and (mfr, key) in index:
                        pk = index[(mfr, key)]
                        break
            hm = HardwareModel.objects.filter(pk=pk).first() if pk else None
            if hm is None:
                hm, _ = HardwareModel.objects.get_or_create(
                    manufacturer_id=mfr,
                    model=(part or model)[:100],
                    defaults={
                        "name": model[:100],
                        "aliases": [model] if part and model_key(part) != model_key(model) else [],
                        "category": mapping.category(roles.get(row["id"]), model),
                    },
                )
                for key in {model_key(hm.model), *(model_key(a) for a in hm.aliases)}:
                    index[(mfr, key)] = hm.pk
            self._link(NetBoxKind.DEVICE_TYPE, row["id"], hm.pk, model)
            result[row["id"]] = hm
        return result

    def _platforms(self) -> dict[int, int]:
        by_slug = {p.slug: p for p in Platform.objects.all()}
        by_name = {p.name: p for p in by_slug.values()}
        result = {}
        for row in self.snap.platforms:
            pk = self._linked(NetBoxKind.PLATFORM, row["id"])
            platform = Platform.objects.filter(pk=pk).first() if pk else None
            platform = platform or by_slug.get(row["slug"]) or by_name.get(row["name"])
            if platform is None:
                slug = row["slug"] if row["slug"] not in by_slug else f"netbox-{row['id']}"
                platform = Platform(
                    name=row["name"][:100], slug=slug[:100], napalm_driver=mapping.driver(row["slug"])
                )
                platform.save()
                by_slug[platform.slug], by_name[platform.name] = platform, platform
            self._link(NetBoxKind.PLATFORM, row["id"], platform.pk, row["name"])
            result[row["id"]] = platform.pk
        return result

    # -- devices -------------------------------------------------------------------------------------

    def _devices(self, units, sites, models, platforms) -> None:
        now = self.now
        links = self.links[NetBoxKind.DEVICE]
        fetched = {d["id"] for d in self.snap.devices}
        wanted_targets: dict[int, dict] = {}
        for d in self.snap.devices:
            wanted_targets[d["id"]] = self._target(d, units, sites, models, platforms)
        # the assets already linked, and the ones with a serial a NetBox device names
        serial_keys = {(t["manufacturer_id"], t["serial"]) for t in wanted_targets.values() if t["serial"]}
        linked = NetBoxLink.objects.filter(kind=NetBoxKind.DEVICE).values("object_id")
        assets: dict[int, Asset] = {a.pk: a for a in Asset.objects.filter(pk__in=linked)}
        by_serial: dict[tuple, Asset] = {
            (a.manufacturer_id, a.serial): a for a in assets.values() if a.serial
        }
        serials = sorted({s for _, s in serial_keys} - {s for _, s in by_serial})
        for start in range(0, len(serials), 5000):  # (SQLite's limit of query parameters)
            for a in Asset.objects.filter(serial__in=serials[start : start + 5000]):
                assets.setdefault(a.pk, a)
                by_serial[(a.manufacturer_id, a.serial)] = a
        device_of_asset = {
            link.object_id: n for n, link in links.items() if n in fetched or link.gone is None
        }

        creates: list[tuple[dict, Asset]] = []
        updates: list[tuple[Asset, Asset, list[str]]] = []  # (as it was, as it is, fields changed)
        flagged: dict[int, tuple[Asset, str]] = {}
        claimed: dict[tuple, int] = {}  # (manufacturer, serial) → NetBox id that holds it in this pull
        module_work: list[tuple[dict, Asset, bool]] = []
        for d in self.snap.devices:
            target = wanted_targets[d["id"]]
            key = (target["manufacturer_id"], target["serial"]) if target["serial"] else None
            host = DiscoveryHost(
                run=self.run,
                name=(d.get("name") or f"device {d['id']}")[:100],
                address=target["management_address"] or "",
                driver="netbox",
                found_via=f"NetBox device {d['id']}",
                outcome=HostOutcome.SUCCESS,
            )
            self.hosts.append(host)
            asset = assets.get(self._linked(NetBoxKind.DEVICE, d["id"]))
            if key and key in claimed and claimed[key] != d["id"]:
                self._conflict(host, d, claimed[key], target, by_serial.get(key), flagged)
                continue
            if asset is None and key and key in by_serial:
                other = by_serial[key]
                other_device = device_of_asset.get(other.pk)
                if other_device is not None and other_device != d["id"] and other_device in fetched:
                    self._conflict(host, d, other_device, target, other, flagged)
                    continue
                asset = other  # known already (discovery, import): adopt it
            if asset is None:
                asset = Asset(
                    source=AssetSource.NETBOX,
                    first_seen=now,
                    **{k: v for k, v in target.items() if v not in (None, "")},
                )
                asset.status = target["status"]
                creates.append((d, asset))
                host.created, host.changes = True, 1
                host.message = "created"
            else:
                old = copy.copy(asset)
                changed = self._apply(asset, target)
                if changed:
                    updates.append((old, asset, changed))
                    host.updated, host.changes = True, 1
                    host.message = "updated: " + ", ".join(sorted(changed))
                else:
                    host.message = "unchanged"
            host.asset = asset
            if key:
                claimed[key], by_serial[key] = d["id"], asset
            module_work.append((d, asset, host.created))

        self._save_assets(creates, updates)
        for d, asset, _created in module_work:
            self._link(NetBoxKind.DEVICE, d["id"], asset.pk, d.get("name") or "")
        for host in self.hosts:
            if host.asset is not None:
                host.asset_id = host.asset.pk
        module_changes = self._modules(module_work)
        gone = self._gone(fetched) if self.full and self.options.decommission_deleted else []
        self._flag(flagged)
        touched = {a.pk for _, a in creates} | {a.pk for _, a, _ in updates} | set(module_changes) | set(gone)
        for host in self.hosts:
            if host.asset_id in module_changes:
                host.changes += module_changes[host.asset_id]
                if not host.created and host.message == "unchanged":
                    host.updated = True
                    host.message = "modules updated"
        if touched:
            assets_changed.send(sender=Asset, within=True, asset_ids=sorted(touched))

    def _target(self, d: dict, units, sites, models, platforms) -> dict:
        hm = models.get(mapping.value(d.get("device_type"), "id"))
        site_pk, site_unit = sites.get(mapping.value(d.get("site"), "id"), (None, None))
        if self.options.org_units_from == NetBoxOrgUnits.TENANT:
            unit = units.get(mapping.value(d.get("tenant"), "id")) or site_unit
        else:
            unit = site_unit
        return {
            "name": ((d.get("name") or "").strip() or f"NetBox device {d['id']}")[:100],
            "serial": (d.get("serial") or "").strip()[:100],
            "asset_tag": (d.get("asset_tag") or "").strip()[:100],
            "status": mapping.status(d),
            "site_id": site_pk,
            "org_unit_id": unit,
            "role": (mapping.value(d.get("role"), "name") or "")[:50],
            "hardware_model_id": hm.pk if hm else None,
            "manufacturer_id": hm.manufacturer_id if hm else None,
            "platform_id": platforms.get(mapping.value(d.get("platform"), "id")),
            "management_address": mapping.address(d),
        }

    @staticmethod
    def _apply(asset: Asset, target: dict) -> list[str]:
        """Set what NetBox has a value for; returns the fields that changed."""
        changed = []
        for attr in PULLED:
            new = target[attr]
            if new in (None, ""):
                continue
            if attr == "serial" and asset.serial and asset.serial != new:
                continue  # a serial is the asset's identity: a different one is another box
            if getattr(asset, attr) != new:
                changed.append(attr)
                setattr(asset, attr, new)
        return changed

    def _conflict(self, host, d, other_device, target, other_asset, flagged) -> None:
        host.outcome, host.reason = HostOutcome.FAILED, HostReason.CONFLICT
        host.message = (
            f"serial {target['serial']} is also on NetBox device {other_device}: not pulled; "
            "resolve in NetBox"
        )[:500]
        if other_asset is not None:  # (perhaps made by this pull: flagged once it is saved)
            flagged[id(other_asset)] = (
                other_asset,
                f"NetBox devices {other_device} and {d['id']} ({d.get('name') or ''}) "
                f"share serial {target['serial']}",
            )
            host.asset = other_asset

    def _save_assets(self, creates, updates) -> None:
        if creates:
            new = [a for _, a in creates]
            Asset.objects.bulk_create(new, batch_size=1000)
            if any(a.pk is None for a in new):  # a database that does not return keys
                raise RuntimeError("the database did not return the new assets' keys")
            afters = changelog.snapshots(new, [{"tags": []}] * len(new))
            changelog.record_changes(
                (ChangeAction.CREATE, a, None, after) for a, after in zip(new, afters, strict=True)
            )
        if updates:
            olds = [old for old, _, _ in updates]
            assets = [a for _, a, _ in updates]
            tags: dict[int, list[str]] = defaultdict(list)
            for asset_id, name in Asset.tags.through.objects.filter(
                asset_id__in=[a.pk for a in assets]
            ).values_list("asset_id", "tag__name"):
                tags[asset_id].append(name)
            m2m = [{"tags": sorted(tags.get(a.pk, []))} for a in assets]
            befores = changelog.snapshots(olds, m2m)
            afters = changelog.snapshots(assets, m2m)
            fields = sorted({f for _, _, changed in updates for f in changed})
            Asset.objects.bulk_update(assets, fields, batch_size=1000)
            changelog.record_changes(
                (ChangeAction.UPDATE, a, b, after)
                for a, b, after in zip(assets, befores, afters, strict=True)
            )

    def _modules(self, work: list[tuple[dict, Asset, bool]]) -> dict[int, int]:
        """Upsert each device's modules; returns {asset id: change-log rows} of the assets touched."""
        wanted = {
            a.pk: mapping.module_rows(self.snap.modules.get(d["id"], []), self.snap.items.get(d["id"], []))
            for d, a, _ in work
        }
        known = [a.pk for d, a, created in work if not created]
        existing: dict[int, dict[str, Module]] = defaultdict(dict)
        if known:
            for m in Module.objects.filter(asset_id__in=known):
                existing[m.asset_id][m.name] = m
        new: list[Module] = []
        touched: dict[int, int] = defaultdict(int)
        for asset_id, rows in wanted.items():
            have = existing.get(asset_id, {})
            seen = set()
            for row in rows:
                seen.add(row["name"])
                module = have.get(row["name"])
                if module is None:
                    new.append(
                        Module(
                            asset_id=asset_id,
                            present=True,
                            **{
                                "name": row["name"],
                                "part_number": row["part_number"][:100],
                                "serial": row["serial"][:100],
                                "description": row["description"][:250],
                            },
                        )
                    )
                    touched[asset_id] += 1
                    continue
                changed = []
                for attr, limit in (("part_number", 100), ("serial", 100), ("description", 250)):
                    val = row[attr][:limit]
                    if val and getattr(module, attr) != val:
                        setattr(module, attr, val)
                        changed.append(attr)
                if not module.present:
                    module.present = True
                    changed.append("present")
                if changed:
                    module.save(update_fields=changed)  # signals log it
                    touched[asset_id] += 1
            for name, module in have.items():
                if name not in seen and module.present:
                    module.present = False
                    module.save(update_fields=["present"])
                    touched[asset_id] += 1
        if new:
            Module.objects.bulk_create(new, batch_size=2000)
            changelog.record_changes((ChangeAction.CREATE, m, None, changelog.snapshot(m)) for m in new)
        return dict(touched)

    def _gone(self, fetched: set[int]) -> list[int]:
        """Assets whose NetBox device is gone: decommissioned (never deleted), one host row each."""
        gone_links = [
            link
            for n, link in self.links[NetBoxKind.DEVICE].items()
            if n not in fetched and link.gone is None and link.pk
        ]
        if not gone_links:
            return []
        assets = {a.pk: a for a in Asset.objects.filter(pk__in=[link.object_id for link in gone_links])}
        changed = []
        for link in gone_links:
            link.gone = self.now
            asset = assets.get(link.object_id)
            host = DiscoveryHost(
                run=self.run,
                name=(link.name or f"device {link.netbox_id}")[:100],
                driver="netbox",
                found_via=f"NetBox device {link.netbox_id}",
                outcome=HostOutcome.SUCCESS,
                asset=asset,
            )
            if asset is not None and asset.status != AssetStatus.DECOMMISSIONED:
                asset.status = AssetStatus.DECOMMISSIONED
                asset.save(update_fields=["status"])  # signals log it
                changed.append(asset.pk)
                host.updated, host.changes = True, 1
                host.message = "deleted in NetBox: decommissioned"
            else:
                host.message = "deleted in NetBox"
            self.hosts.append(host)
        NetBoxLink.objects.bulk_update(gone_links, ["gone"])
        return changed

    def _flag(self, flagged: dict[int, tuple[Asset, str]]) -> None:
        reasons = {asset.pk: reason[:250] for asset, reason in flagged.values()}
        for asset in Asset.objects.filter(pk__in=list(reasons)):
            if not asset.needs_review or asset.review_reason != reasons[asset.pk]:
                asset.needs_review, asset.review_reason = True, reasons[asset.pk]
                asset.save(update_fields=["needs_review", "review_reason"])
