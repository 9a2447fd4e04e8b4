"""Push each linked device's lifecycle answers into NetBox's custom fields (``manage.py netbox push``).

- Werterhalt's custom fields (``FIELDS``, all named ``werterhalt_…``, group "Werterhalt", not
  editable in NetBox's UI) are created when missing; one of that name with another type stops the
  push before anything is written.
- Values come from the stored lifecycle answers (``LifecycleState``, the one home of every figure:
  the same the pages, exports and API show); the contract end from ``lifecycle.rules.contract_end``.
  Machine values: status codes as the API gives them, dates ISO, money with two decimals.
- Only devices whose values differ are written, with a bulk PATCH that names only Werterhalt's
  fields: NetBox merges a partial ``custom_fields``, so every other field stays as it is.
- Device types (when NetBoxSettings.push_device_types): end of sale and last date of support of
  the model's hardware notice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from collectors.choices import HostOutcome, HostReason, NetBoxKind, RunStatus, RunTrigger, ScheduleAction
from collectors.models import DiscoveryHost, DiscoveryRun, NetBoxLink, NetBoxSettings
from collectors.netbox.client import NetBoxClient, NetBoxError
from collectors.netbox.connection import run_source
from inventory.models import Asset
from lifecycle import rules
from lifecycle import state as lifecycle_state
from lifecycle.models import Contract, HardwareNotice, LifecycleState

log = logging.getLogger(__name__)

GROUP = "Werterhalt"
DEVICE = "dcim.device"
DEVICE_TYPE = "dcim.devicetype"

# name: (type, object type, label, description)
FIELDS = {
    "werterhalt_hw_status": (
        "text",
        DEVICE,
        "Hardware support",
        "Werterhalt: supported, supported_no_end, end_of_sale, maintenance_ending, "
        "security_only, unsupported, unknown",
    ),
    "werterhalt_sw_status": ("text", DEVICE, "Software support", "Werterhalt: as hardware support"),
    "werterhalt_replace_by": ("date", DEVICE, "Replace by", "Werterhalt: the replace-by date"),
    "werterhalt_replace_reason": (
        "text",
        DEVICE,
        "Replace-by reason",
        "Werterhalt: support (end of support), service_life, none",
    ),
    "werterhalt_book_value": ("decimal", DEVICE, "Book value (CHF)", "Werterhalt: today's book value"),
    "werterhalt_risk": ("text", DEVICE, "Risk", "Werterhalt: low, medium, high, critical"),
    "werterhalt_contract_end": ("date", DEVICE, "Contract end", "Werterhalt: end of the contract in force"),
    "werterhalt_end_of_sale": ("date", DEVICE_TYPE, "End of sale", "Werterhalt: vendor's end of sale"),
    "werterhalt_end_of_support": (
        "date",
        DEVICE_TYPE,
        "End of support",
        "Werterhalt: vendor's last date of support",
    ),
}
CHUNK = 200  # devices per bulk PATCH

DEVICE_FIELDS = [n for n, spec in FIELDS.items() if spec[1] == DEVICE]
TYPE_FIELDS = [n for n, spec in FIELDS.items() if spec[1] == DEVICE_TYPE]


def push(
    client: NetBoxClient,
    *,
    user=None,
    trigger: str = RunTrigger.COMMAND,
    schedule=None,
    run: DiscoveryRun | None = None,
    now: dt.datetime | None = None,
) -> DiscoveryRun:
    """One push, recorded as a run (returned) with one host row per linked device."""
    now = now or timezone.now()
    options = NetBoxSettings.load()
    if run is None:
        run = DiscoveryRun.objects.create(
            started=now,
            heartbeat=now,
            source=run_source("push", client.url),
            action=ScheduleAction.NETBOX_PUSH,
            workers=client.workers,
            user=user,
            trigger=trigger,
            schedule=schedule,
        )
    hosts: list[DiscoveryHost] = []
    try:
        version = client.status()["netbox-version"]
        ensure_fields(client, with_types=options.push_device_types)
        written, unchanged = _devices(client, run, hosts, timezone.localdate(now))
        types = _device_types(client) if options.push_device_types else 0
    except NetBoxError as e:
        DiscoveryHost.objects.bulk_create(hosts, batch_size=2000)  # what was done before the error
        written = sum(1 for h in hosts if h.updated)
        run.status, run.finished = RunStatus.FAILED, timezone.now()
        run.message = (f"{e} ({written} devices written before)" if written else str(e))[:1000]
        run.hosts_tried = len(hosts)
        run.hosts_failed = sum(1 for h in hosts if h.outcome == HostOutcome.FAILED)
        run.hosts_succeeded = run.hosts_tried - run.hosts_failed
        run.assets_updated = written
        run.save()
        return run
    DiscoveryHost.objects.bulk_create(hosts, batch_size=2000)
    run.hosts_tried = len(hosts)
    run.hosts_succeeded = len(hosts)
    run.assets_updated = written
    run.status, run.finished = RunStatus.COMPLETED, timezone.now()
    run.message = (
        f"NetBox {version}: {written} devices written, {unchanged} unchanged, {types} device types written"
    )
    run.save()
    return run


def ensure_fields(client: NetBoxClient, with_types: bool = True) -> list[str]:
    """Create Werterhalt's custom fields NetBox lacks (returns their names); a field of the same
    name with another type is a NetBoxError naming it (nothing created)."""
    wanted = {n: s for n, s in FIELDS.items() if with_types or s[1] == DEVICE}
    existing = {
        f["name"]: f
        for f in client.list(
            "/api/extras/custom-fields/",
            params={"name": list(wanted)},
            fields=("id", "name", "type", "object_types"),
        )
    }
    for name, (kind, _obj, _, _) in wanted.items():
        have = existing.get(name)
        if have is not None and (have.get("type") or {}).get("value", have.get("type")) != kind:
            raise NetBoxError(
                "refused", f"NetBox's custom field {name} is not of type {kind}: rename or remove it"
            )
    created = []
    for name, (kind, obj, label, description) in wanted.items():
        have = existing.get(name)
        if have is None:
            client.create(
                "/api/extras/custom-fields/",
                {
                    "name": name,
                    "label": label,
                    "type": kind,
                    "object_types": [obj],
                    "group_name": GROUP,
                    "description": description,
                    "ui_editable": "no",
                    "required": False,
                },
            )
            created.append(name)
        elif obj not in (have.get("object_types") or []):
            client.request(
                "PATCH",
                f"/api/extras/custom-fields/{have['id']}/",
                json={"object_types": [*have["object_types"], obj]},
            )
    return created


def device_values(asset_ids: list[int], at: dt.date) -> dict[int, dict]:
    """Each asset's custom-field values as NetBox stores them (stored answers; missing ones are
    computed first)."""
    states = {s.asset_id: s for s in LifecycleState.objects.filter(asset_id__in=asset_ids)}
    missing = [pk for pk in asset_ids if pk not in states]
    if missing:
        lifecycle_state.refresh(ids=missing)
        states.update({s.asset_id: s for s in LifecycleState.objects.filter(asset_id__in=missing)})
    contracts: dict[int, list[rules.ContractDates]] = defaultdict(list)
    for asset_id, start, end, notice in Contract.assets.through.objects.filter(
        asset_id__in=asset_ids
    ).values_list("asset_id", "contract__start", "contract__end", "contract__notice_days"):
        contracts[asset_id].append(rules.ContractDates(start, end, notice))
    values = {}
    for pk in asset_ids:
        s = states.get(pk)
        end = rules.contract_end(contracts.get(pk, ()), at)
        values[pk] = {
            "werterhalt_hw_status": s.hardware_status if s else None,
            "werterhalt_sw_status": s.software_status if s else None,
            "werterhalt_replace_by": _iso(s.replacement_due) if s else None,
            "werterhalt_replace_reason": s.replacement_basis if s else None,
            "werterhalt_book_value": _money(s.book_value) if s else None,
            "werterhalt_risk": s.risk if s else None,
            "werterhalt_contract_end": _iso(end),
        }
    return values


def _devices(client: NetBoxClient, run: DiscoveryRun, hosts: list, at: dt.date) -> tuple[int, int]:
    links = {
        link.netbox_id: link for link in NetBoxLink.objects.filter(kind=NetBoxKind.DEVICE, gone__isnull=True)
    }
    if not links:
        return 0, 0
    values = device_values(sorted({link.object_id for link in links.values()}), at)
    names = dict(
        Asset.objects.filter(pk__in=[link.object_id for link in links.values()]).values_list("pk", "name")
    )
    current = {
        d["id"]: d.get("custom_fields") or {}
        for d in client.list(
            "/api/dcim/devices/",
            params={"id": list(links)} if len(links) <= 200 else None,
            fields=("id", "custom_fields"),
        )
    }
    pending: list[tuple[dict, DiscoveryHost]] = []  # (patch, its host row)
    unchanged = 0
    for netbox_id, link in links.items():
        if netbox_id not in current:
            continue  # deleted since the last pull: the next pull decommissions it
        want = values.get(link.object_id)
        if want is None:
            continue
        have = current[netbox_id]
        diff = {k: v for k, v in want.items() if not _same(have.get(k), v)}
        host = DiscoveryHost(
            run=run,
            name=(names.get(link.object_id) or link.name)[:100],
            driver="netbox",
            found_via=f"NetBox device {netbox_id}",
            outcome=HostOutcome.SUCCESS,
            asset_id=link.object_id,
        )
        if diff:
            host.message = "written: " + ", ".join(sorted(diff))
            pending.append(({"id": netbox_id, "custom_fields": diff}, host))
        else:
            host.message = "unchanged"
            unchanged += 1
            hosts.append(host)
    written = 0
    for start in range(0, len(pending), CHUNK):
        chunk = pending[start : start + CHUNK]
        try:
            client.update_many("/api/dcim/devices/", [patch for patch, _ in chunk], chunk=CHUNK)
        except NetBoxError as e:  # this chunk and the ones after it are not written
            for _, host in pending[start:]:
                host.outcome, host.reason, host.message = HostOutcome.FAILED, HostReason.ERROR, str(e)[:500]
                hosts.append(host)
            raise
        for _, host in chunk:
            host.updated, host.changes = True, 1
            hosts.append(host)
        written += len(chunk)
    return written, unchanged


def _device_types(client: NetBoxClient) -> int:
    links = {
        link.netbox_id: link.object_id for link in NetBoxLink.objects.filter(kind=NetBoxKind.DEVICE_TYPE)
    }
    if not links:
        return 0
    dates: dict[int, dict] = {}
    for notice in (
        HardwareNotice.objects.filter(hardware_models__in=set(links.values()))
        .prefetch_related("hardware_models")
        .order_by("pk")
    ):
        for hm in notice.hardware_models.all():
            dates[hm.pk] = {
                "werterhalt_end_of_sale": _iso(notice.end_of_sale),
                "werterhalt_end_of_support": _iso(notice.last_date_of_support),
            }
    empty = dict.fromkeys(TYPE_FIELDS)
    current = {
        t["id"]: t.get("custom_fields") or {}
        for t in client.list("/api/dcim/device-types/", fields=("id", "custom_fields"))
    }
    patches = []
    for netbox_id, model_id in links.items():
        if netbox_id not in current:
            continue
        want = dates.get(model_id, empty)
        diff = {k: v for k, v in want.items() if not _same(current[netbox_id].get(k), v)}
        if diff:
            patches.append({"id": netbox_id, "custom_fields": diff})
    client.update_many("/api/dcim/device-types/", patches)
    return len(patches)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _money(value) -> str | None:
    return None if value is None else f"{Decimal(value):.2f}"


def _same(have, want) -> bool:
    """NetBox's stored value equals ours (decimals compared as numbers, "" as None)."""
    if have in (None, "") or want in (None, ""):
        return have in (None, "") and want in (None, "")
    try:
        return Decimal(str(have)) == Decimal(str(want))
    except (InvalidOperation, ValueError):
        return str(have) == str(want)
