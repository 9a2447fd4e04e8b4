"""Write what discovery learnt into the inventory: idempotent, one transaction per device.

Rules (docs/architecture.md):
- Upsert keyed on (manufacturer, serial). A field is never overwritten with an empty value.
- Software version, hostname, platform, address and modules follow the device; every change goes
  through the ORM, so the change log records it under the discovery run's actor.
- ``last_seen`` moves on every successful contact and is not a change-log event.
- A module that is no longer reported is marked not present, never deleted.
- A new serial under the same hostname and management address is a hardware replacement: a
  new asset linked to the old one (``replaces``), the old one flagged for review.
- Nothing here runs for a device that was not reached: unreached assets are left untouched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils.text import slugify

from collectors.normalize import PLATFORM_NAMES, DeviceFacts, guess_category, model_keys
from inventory.changelog import record_changes, snapshot
from inventory.choices import AssetSource, AssetStatus, ChangeAction
from inventory.models import Asset, HardwareModel, Manufacturer, Module, Platform
from inventory.naming import model_key, vendor_key
from inventory.signals import assets_changed


class SyncConflict(Exception):
    """The device's facts contradict the inventory in a way a person must resolve."""


@dataclass
class SyncResult:
    asset: Asset
    created: bool = False
    updated: bool = False
    replaced: Asset | None = None
    changes: int = 0  # change-log rows written


class Catalogue:
    """Manufacturer / hardware model / platform lookups for one run, loaded once."""

    def __init__(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Forget everything (after a rollback that may have undone rows created through it)."""
        self.manufacturers = Manufacturer.objects.index()
        self.models = HardwareModel.objects.index()
        self.platforms = {p.slug: p for p in Platform.objects.all()}

    def manufacturer(self, vendor: str) -> Manufacturer:
        key = vendor_key(vendor)
        pk = self.manufacturers.get(key)
        if pk:
            return Manufacturer(pk=pk)
        slug = slugify(vendor)[:100] or "vendor"
        mfr, _ = Manufacturer.objects.get_or_create(slug=slug, defaults={"name": vendor[:100]})
        self.manufacturers[key] = mfr.pk
        return mfr

    def hardware_model(self, manufacturer_id: int, facts: DeviceFacts) -> HardwareModel:
        for k in model_keys(facts):
            pk = self.models.get((manufacturer_id, k))
            if pk:
                return HardwareModel(pk=pk, manufacturer_id=manufacturer_id)
        aliases = (
            [facts.model_name]
            if facts.model_name and model_key(facts.model_name) != model_key(facts.model)
            else []
        )
        hm, created = HardwareModel.objects.get_or_create(
            manufacturer_id=manufacturer_id,
            model=facts.model[:100],
            defaults={
                "name": (facts.model_name or facts.model)[:100],
                "aliases": aliases,
                # what the device said of itself (SNMP's recognition rules), else a guess by model
                "category": facts.details.get("category") or guess_category(facts.model, facts.driver),
                "discovered": True,
            },
        )
        for k in {model_key(hm.model), *(model_key(a) for a in aliases)}:
            self.models[(manufacturer_id, k)] = hm.pk
        return hm

    def platform(self, slug: str, driver: str, name: str = "") -> Platform:
        if slug not in self.platforms:
            name, napalm_driver = PLATFORM_NAMES.get(slug, (name or slug, driver))
            self.platforms[slug], _ = Platform.objects.get_or_create(
                slug=slug, defaults={"name": name, "napalm_driver": napalm_driver}
            )
        return self.platforms[slug]


def _set(asset: Asset, field: str, value, changed: list[str]) -> None:
    """Set a field if the device gave a value and it differs: never blank a field."""
    if value in (None, ""):
        return
    if getattr(asset, field) != value:
        setattr(asset, field, value)
        changed.append(field)


def _find_predecessor(facts: DeviceFacts, address: str, manufacturer_id: int) -> Asset | None:
    """An asset in the same place (hostname + management address) with another or no serial."""
    if not address:
        return None
    return (
        Asset.objects.filter(name__iexact=facts.hostname, management_address=address)
        .exclude(status=AssetStatus.DECOMMISSIONED)
        .exclude(serial=facts.serial)
        .filter(replaced_by__isnull=True)
        .order_by("-last_seen", "-pk")
        .first()
    )


@transaction.atomic
def sync_device(
    facts: DeviceFacts, *, address: str, now: dt.datetime, catalogue: Catalogue, run_label: str = "discovery"
) -> SyncResult:
    """Upsert one device and its modules. Raises SyncConflict (nothing written) on a contradiction."""
    mfr = catalogue.manufacturer(facts.vendor)
    hm = catalogue.hardware_model(mfr.pk, facts)
    platform = catalogue.platform(facts.platform, facts.driver, facts.details.get("platform_name", ""))
    hostname = facts.hostname
    asset = Asset.objects.select_for_update().filter(manufacturer_id=mfr.pk, serial=facts.serial).first()
    result = SyncResult(asset=asset)
    if asset is None:
        previous = _find_predecessor(facts, address, mfr.pk)
        if previous is not None and not previous.serial:
            asset = previous  # the same box, entered by hand without a serial: adopt it
        else:
            asset = Asset(
                name=hostname or address,
                status=AssetStatus.ACTIVE,
                source=AssetSource.DISCOVERY,
                first_seen=now,
            )
            if previous is not None:
                asset.replaces = previous
                asset.site_id, asset.org_unit_id, asset.role = (
                    previous.site_id,
                    previous.org_unit_id,
                    previous.role,
                )
            result.created = True
            result.replaced = previous
        result.asset = asset
    changed: list[str] = []
    _set(asset, "serial", facts.serial, changed)
    if asset.hardware_model_id != hm.pk:
        asset.hardware_model = hm  # the catalogue's instance knows its manufacturer: no query on save
        changed.append("hardware_model")
    _set(asset, "manufacturer_id", mfr.pk, changed)
    _set(asset, "platform_id", platform.pk, changed)
    _set(asset, "software_version", facts.os_version[:50], changed)
    _set(asset, "name", hostname[:100], changed)
    _set(asset, "management_address", address or None, changed)
    if asset.first_seen is None:
        _set(asset, "first_seen", now, changed)
    if asset.status == AssetStatus.DECOMMISSIONED and not asset.needs_review:
        asset.needs_review = True
        asset.review_reason = f"Decommissioned, but answered {run_label}"[:250]
        changed += ["needs_review", "review_reason"]
    asset.last_seen = now  # not in the change log (excluded from its snapshots)
    if result.created:
        asset.save()
        result.changes += 1
    elif changed:
        asset.save(update_fields=[*dict.fromkeys(changed), "last_seen"])
        result.updated = True
        result.changes += 1
    else:
        Asset.objects.filter(pk=asset.pk).update(last_seen=now)
    if result.replaced is not None:
        old = result.replaced
        old.needs_review = True
        old.review_reason = f"Replaced by serial {facts.serial} (seen by {run_label})"[:250]
        old.save(update_fields=["needs_review", "review_reason"])
        result.changes += 1
    if facts.modules is not None:
        module_changes = _sync_modules(asset, facts, known=not result.created)
        if module_changes:  # modules are written in bulk, past the model signals
            assets_changed.send(sender=Asset, asset_ids=[asset.pk])
        result.changes += module_changes
        result.updated = result.updated or (module_changes > 0 and not result.created)
    return result


def _sync_modules(asset: Asset, facts: DeviceFacts, known: bool = True) -> int:
    """Upsert modules by slot name; slots no longer reported are marked not present.
    Returns the number of change-log rows written. New modules go in one INSERT."""
    existing = {m.name: m for m in asset.modules.all()} if known else {}
    seen = set()
    touched = 0
    new: list[Module] = []
    for mf in facts.modules or []:
        seen.add(mf.name)
        module = existing.get(mf.name)
        if module is None:
            new.append(
                Module(
                    asset=asset,
                    name=mf.name,
                    part_number=mf.part_number[:100],
                    serial=mf.serial[:100],
                    description=mf.description[:250],
                    present=True,
                )
            )
            continue
        changed: list[str] = []
        _set(module, "part_number", mf.part_number[:100], changed)
        _set(module, "serial", mf.serial[:100], changed)
        _set(module, "description", mf.description[:250], changed)
        if not module.present:
            module.present = True
            changed.append("present")
        if changed:
            module.save(update_fields=changed)
            touched += 1
    for name, module in existing.items():
        if name not in seen and module.present:
            module.present = False
            module.save(update_fields=["present"])
            touched += 1
    if new:
        Module.objects.bulk_create(new)
        touched += record_changes([(ChangeAction.CREATE, m, None, snapshot(m)) for m in new])
    return touched
