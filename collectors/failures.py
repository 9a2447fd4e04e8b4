"""Which asset a failed discovery host belongs to, and an asset's recent discovery failures.

A host that failed was never synced, so its ``DiscoveryHost.asset`` is usually empty. It belongs
to the asset whose management address equals the host's address; when no asset has that address,
to the asset whose name equals the host's name (case-insensitive) — if exactly one asset has that
name. ``owner`` is that rule; ``owners`` applies it to a page of hosts and ``failures_of`` to one
asset, each with one query for the assets (not one per host).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence

from django.db.models import Q
from django.db.models.functions import Lower

from collectors.choices import HostOutcome
from collectors.models import DiscoveryHost
from inventory.models import Asset

RECENT = 10  # failures shown on an asset's page


def normal_address(text: str) -> str | None:
    """``text`` as the inventory stores a management address (IPv4-mapped IPv6 unpacked), or
    None if it is not an IP address (a DNS name, empty)."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    return str(getattr(address, "ipv4_mapped", None) or address)


def owner(
    address: str, name: str, by_address: Mapping[str, int], by_name: Mapping[str, Sequence[int]]
) -> int | None:
    """The asset (pk) a failed host belongs to: by address, else by a name only one asset has.

    ``by_address``: normalised management address -> asset; ``by_name``: lower-cased name ->
    assets with that name. No Django here: the rule is tested with plain dicts."""
    normal = normal_address(address or "")
    if normal is not None and normal in by_address:
        return by_address[normal]
    named = by_name.get((name or "").lower(), ())
    return named[0] if len(named) == 1 else None


def _indexes(addresses: Iterable[str], names: Iterable[str]) -> tuple[dict[str, int], dict[str, list[int]]]:
    """The assets with one of these management addresses or (lower-cased) names: one query."""
    ips = sorted({a for a in map(normal_address, addresses) if a})
    lowered = sorted({n.lower() for n in names if n})
    if not ips and not lowered:
        return {}, {}
    rows = (
        Asset.objects.annotate(lower_name=Lower("name"))
        .filter(Q(management_address__in=ips) | Q(lower_name__in=lowered))
        .values_list("pk", "management_address", "lower_name")
    )
    by_address: dict[str, int] = {}
    by_name: dict[str, list[int]] = {}
    for pk, address, lower_name in rows:
        if address:
            by_address[str(address)] = pk
        by_name.setdefault(lower_name, []).append(pk)
    return by_address, by_name


def owners(hosts: Iterable[DiscoveryHost]) -> dict[int, Asset]:
    """Host pk -> the asset each failed host without an asset belongs to (``owner``), for a page
    of hosts: one query for the candidates' assets, one for those found."""
    failed = [h for h in hosts if h.outcome == HostOutcome.FAILED and not h.asset_id]
    if not failed:
        return {}
    by_address, by_name = _indexes((h.address for h in failed), (h.name for h in failed))
    pks = {h.pk: owner(h.address, h.name, by_address, by_name) for h in failed}
    assets = Asset.objects.in_bulk({pk for pk in pks.values() if pk})
    return {host: assets[pk] for host, pk in pks.items() if pk in assets}


def failures_of(asset: Asset, limit: int = RECENT) -> list[DiscoveryHost]:
    """The asset's most recent failed discoveries, newest first, with their runs: hosts recorded
    with this asset, and failed hosts that belong to it by ``owner``.

    One query for the candidate hosts (its address or its name); a second one only when a
    candidate matched by name, to learn whether its address is another asset's or its name is
    shared."""
    match = Q(asset=asset)
    address = normal_address(str(asset.management_address or ""))
    if address:
        match |= Q(address=address)
    match |= Q(name__iexact=asset.name, asset__isnull=True)
    candidates = list(
        DiscoveryHost.objects.filter(match, outcome=HostOutcome.FAILED)
        .select_related("run")
        .order_by("-run__started", "-run_id")[: limit * 2]  # a few may belong to another asset
    )
    unsure = [
        h for h in candidates if not h.asset_id and (not address or normal_address(h.address) != address)
    ]
    if unsure:
        by_address, by_name = _indexes((h.address for h in unsure), (h.name for h in unsure))
        wrong = {h.pk for h in unsure if owner(h.address, h.name, by_address, by_name) != asset.pk}
        candidates = [h for h in candidates if h.pk not in wrong]
    return [h for h in candidates if not h.asset_id or h.asset_id == asset.pk][:limit]
