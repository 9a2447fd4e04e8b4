"""Lifecycle of assets in the database: facts from rows, answers from ``lifecycle.rules``.

Floor 3: reads the inventory and the lifecycle catalogue with a fixed number of queries, turns
each asset into ``rules.AssetFacts`` with its policy, and evaluates them — one at a time
(``rules.evaluate``) or all at once (``lifecycle.frame``); both give the same answers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, fields

from django.utils import timezone

from inventory.models import Asset, Module, OrgUnit
from lifecycle import rules
from lifecycle.models import Contract, HardwareNotice, LifecyclePolicy, SoftwareRelease


def _notice_dates(n: HardwareNotice) -> rules.HardwareDates:
    return rules.HardwareDates(
        n.end_of_sale_announced,
        n.end_of_sale,
        n.end_of_sw_maintenance,
        n.end_of_security_support,
        n.last_date_of_support,
    )


def _release_dates(r: SoftwareRelease) -> rules.SoftwareDates:
    return rules.SoftwareDates(
        r.end_of_maintenance or r.maintenance_ended,
        r.end_of_security_support or r.security_ended,
        r.end_of_life or r.life_ended,
    )


class Catalogue:
    """Everything the rules need besides the assets, loaded once (5 queries)."""

    def __init__(self) -> None:
        self.notices: dict[int, rules.HardwareDates] = {}
        # the newest notice of a model wins
        through = HardwareNotice.hardware_models.through.objects.select_related("hardwarenotice").order_by(
            "hardwarenotice__updated", "hardwarenotice_id"
        )
        for link in through:
            self.notices[link.hardwaremodel_id] = _notice_dates(link.hardwarenotice)
        self.releases: dict[int, dict[str, rules.SoftwareDates]] = defaultdict(dict)
        self.latest: dict[int, dict[str, str]] = defaultdict(dict)  # platform -> cycle -> latest
        for r in SoftwareRelease.objects.all():
            self.releases[r.platform_id][r.cycle] = _release_dates(r)
            self.latest[r.platform_id][r.cycle] = r.latest_version
        # each platform's cycles in rules.match_cycle's preference order
        self.cycles = {p: rules.by_support(cycles) for p, cycles in self.releases.items()}
        self.policies = {(p.category, p.org_unit_id): p for p in LifecyclePolicy.objects.all()}
        self.parents = dict(OrgUnit.objects.values_list("pk", "parent_id"))

    def policy(self, category: str, org_unit_id: int | None) -> rules.Policy:
        """Most specific first: category + org unit (or its parents), category, org unit (or its
        parents), every category; else ``rules.DEFAULT_POLICY``."""
        p = self.policy_row(category, org_unit_id)
        if p is None:
            return rules.DEFAULT_POLICY
        return rules.Policy(p.service_life_years, p.depreciation_years, p.out_of_support, p.warn_months)

    def policy_row(self, category: str, org_unit_id: int | None) -> LifecyclePolicy | None:
        """The LifecyclePolicy that applies (see ``policy``), or None."""
        chain, seen = [], set()
        unit = org_unit_id
        while unit is not None and unit not in seen:
            chain.append(unit)
            seen.add(unit)
            unit = self.parents.get(unit)
        for key in [*((category, u) for u in chain), (category, None), *(("", u) for u in chain), ("", None)]:
            p = self.policies.get(key)
            if p is not None:
                return p
        return None

    def release(self, platform_id: int | None, version: str) -> tuple[str | None, rules.SoftwareDates | None]:
        cycles = self.releases.get(platform_id) or {}
        cycle = rules.match_cycle(version, self.cycles.get(platform_id, ()), self.latest.get(platform_id))
        return cycle, cycles.get(cycle) if cycle else None


@dataclass
class AssetLifecycle:
    asset_id: int
    facts: rules.AssetFacts
    policy: rules.Policy
    cycle: str | None


def collect(queryset=None, at: dt.date | None = None) -> list[AssetLifecycle]:
    """Facts and policy of every asset of ``queryset`` (default: all), in a fixed number of queries."""
    cat = Catalogue()
    qs = (
        (queryset if queryset is not None else Asset.objects.all())
        .select_related("hardware_model")
        .only(
            "pk",
            "in_service_date",
            "purchase_date",
            "first_seen",
            "purchase_cost",
            "hardware_model_id",
            "hardware_model__category",
            "hardware_model__list_price",
            "status",
            "platform_id",
            "software_version",
            "org_unit_id",
        )
    )
    assets = list(qs)
    ids = [a.pk for a in assets]
    contracts: dict[int, list[rules.ContractDates]] = defaultdict(list)
    through = Contract.assets.through.objects.filter(asset_id__in=ids).select_related("contract")
    for link in through:
        c = link.contract
        contracts[link.asset_id].append(rules.ContractDates(c.start, c.end, c.notice_days))
    modules: dict[int, list[tuple[str, int]]] = defaultdict(list)  # asset -> (name, hardware model)
    at = at or timezone.localdate()
    for m in Module.objects.filter(asset_id__in=ids, present=True, hardware_model__isnull=False).only(
        "asset_id", "name", "hardware_model_id"
    ):
        modules[m.asset_id].append((m.name, m.hardware_model_id))
    result = []
    for a in assets:
        category = a.hardware_model.category if a.hardware_model_id else ""
        policy = cat.policy(category, a.org_unit_id)
        policy_row = cat.policy_row(category, a.org_unit_id)
        cycle, release = cat.release(a.platform_id, a.software_version)
        facts = rules.AssetFacts(
            in_service=a.in_service_date,
            purchase=a.purchase_date,
            first_seen=timezone.localdate(a.first_seen) if a.first_seen else None,
            cost=a.purchase_cost,
            list_price=a.hardware_model.list_price if a.hardware_model_id else None,
            policy_cost=policy_row.replacement_cost if policy_row is not None else None,
            status=a.status,
            notice=cat.notices.get(a.hardware_model_id),
            release=release,
            contracts=tuple(contracts.get(a.pk, ())),
            # a module's support is judged by its chassis's policy (milestone, warning months)
            module_statuses=tuple(
                (name, rules.hardware_status(cat.notices.get(hm), at, policy))
                for name, hm in modules.get(a.pk, ())
            ),
        )
        result.append(AssetLifecycle(a.pk, facts, policy, cycle))
    return result


def assess(asset: Asset, at: dt.date | None = None) -> tuple[rules.Evaluation, AssetLifecycle]:
    """One asset's lifecycle on ``at`` (default today)."""
    at = at or timezone.localdate()
    (item,) = collect(Asset.objects.filter(pk=asset.pk), at)
    return rules.evaluate(item.facts, at, item.policy), item


@dataclass
class Milestone:
    field: str
    label: str
    date: dt.date | None
    passed: bool
    is_out_of_support: bool  # the milestone the policy counts as the end of support


def notice_of(asset: Asset) -> HardwareNotice | None:
    """The notice that applies to the asset's hardware model: the newest (as ``Catalogue``)."""
    if not asset.hardware_model_id:
        return None
    return (
        HardwareNotice.objects.filter(hardware_models=asset.hardware_model_id)
        .select_related("replacement_model")
        .order_by("-updated", "-pk")
        .first()
    )


def milestones(notice: HardwareNotice | None, policy: rules.Policy, at: dt.date) -> list[Milestone]:
    """A notice's milestones in order, which have passed on ``at``, and which one ends support."""
    if notice is None:
        return []
    result = []
    for name in (f.name for f in fields(rules.HardwareDates)):
        value = getattr(notice, name)
        result.append(
            Milestone(
                name,
                notice._meta.get_field(name).verbose_name,
                value,
                rules.reached(value, at),
                name == policy.out_of_support,
            )
        )
    return result


def versions_in_cycle(release: SoftwareRelease) -> list[str]:
    """The software versions running on the release's platform that belong to its cycle (one
    query for the platform's cycles, one for its few distinct versions; matched as ``Catalogue``)."""
    releases = list(SoftwareRelease.objects.filter(platform_id=release.platform_id))
    cycles = rules.by_support({r.cycle: _release_dates(r) for r in releases})
    latest = {r.cycle: r.latest_version for r in releases}
    running = set(
        Asset.objects.filter(platform=release.platform_id).values_list("software_version", flat=True)
    )
    return sorted(v for v in running if rules.match_cycle(v, cycles, latest) == release.cycle)
