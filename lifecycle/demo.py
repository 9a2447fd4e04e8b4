"""A SAMPLE lifecycle catalogue for the demo: notices, release cycles, contracts and policies.

The dates are illustrative, not vendors' data: every notice and release made here is marked
``sample=True`` and the asset page says so. Real data comes in through ``import_lifecycle``.
Idempotent: loading twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from inventory.changelog import change_actor
from inventory.choices import ActorKind, AssetStatus
from inventory.models import Asset, HardwareModel, Platform
from lifecycle.models import Contract, HardwareNotice, LifecyclePolicy, SoftwareRelease

D = dt.date

# part number -> end of sale, end of sw maintenance, end of security support, last date of support
NOTICES = {
    "WS-C2960X-48FPD-L": (D(2022, 10, 30), D(2023, 10, 30), D(2025, 10, 30), D(2027, 10, 31)),
    "WS-C3850-48P": (D(2021, 10, 30), D(2022, 10, 30), D(2024, 10, 30), D(2026, 10, 31)),
    "WS-C3560CX-12PC-S": (D(2024, 4, 30), D(2025, 4, 30), D(2027, 4, 30), D(2029, 4, 30)),
    "C9300-48P": (None, None, None, None),
    "C9200L-24P-4G": (None, None, None, None),
    "ISR4331/K9": (D(2023, 11, 7), D(2024, 11, 6), D(2026, 11, 6), D(2028, 11, 30)),
    "N9K-C93180YC-EX": (D(2023, 7, 31), D(2024, 7, 30), D(2026, 7, 30), D(2028, 7, 31)),
    "N3K-C3172PQ-10GE": (D(2020, 10, 31), D(2021, 10, 31), D(2023, 10, 31), D(2025, 10, 31)),
    "DCS-7050SX3-48YC8": (None, None, None, D(2031, 12, 31)),
    "DCS-7010T-48": (D(2022, 6, 30), D(2024, 6, 30), D(2026, 6, 30), D(2027, 6, 30)),
    "EX3400-48P": (D(2023, 12, 31), D(2024, 12, 31), D(2026, 12, 31), D(2028, 12, 31)),
    "FG-100F": (None, None, None, D(2030, 6, 30)),
    "PowerEdge R640": (D(2022, 5, 31), None, None, D(2027, 5, 31)),
    "ProLiant DL360 Gen9": (D(2019, 7, 31), None, None, D(2025, 7, 31)),
}

# platform slug -> (cycle, release date, end of maintenance, end of security support / end of life)
RELEASES = {
    "cisco-ios": [
        ("15.2(7)E", D(2019, 3, 1), D(2025, 10, 30), D(2027, 10, 31)),
        ("15.2(2)E", D(2014, 6, 1), D(2019, 6, 1), D(2021, 6, 1)),
    ],
    "cisco-ios-xe": [
        ("16.9", D(2018, 7, 1), D(2021, 7, 31), D(2023, 7, 31)),
        ("16.12", D(2019, 7, 1), D(2022, 12, 31), D(2024, 12, 31)),
        ("17.3", D(2020, 8, 1), D(2023, 8, 1), D(2025, 8, 1)),
        ("17.6", D(2021, 7, 30), D(2024, 7, 30), D(2027, 7, 30)),
        ("17.9", D(2022, 7, 29), D(2025, 7, 29), D(2028, 7, 29)),
    ],
    "nxos": [
        ("9.3", D(2019, 7, 1), D(2025, 1, 31), D(2027, 1, 31)),
        ("7.0(3)I7", D(2017, 8, 1), D(2021, 2, 28), D(2023, 2, 28)),
    ],
    "eos": [
        ("4.27", D(2021, 9, 15), D(2024, 3, 15), D(2025, 3, 15)),
        ("4.28", D(2022, 4, 15), D(2025, 4, 15), D(2026, 10, 15)),
        ("4.32", D(2024, 8, 1), D(2027, 2, 1), D(2028, 2, 1)),
    ],
}

POLICIES = [  # category, service life, depreciation, default replacement cost (CHF; sample figures)
    ("", 8, 5, 3000),
    ("switch", 8, 5, 4500),
    ("router", 8, 5, 9000),
    ("firewall", 6, 4, 12000),
    ("wireless", 6, 4, 900),
    ("server", 5, 4, 15000),
]


def load() -> dict[str, int]:
    """Load or refresh the sample catalogue. Returns counts of what exists afterwards."""
    with transaction.atomic(), change_actor(ActorKind.SYSTEM, "lifecycle demo data"):
        models = {}
        for hm in HardwareModel.objects.filter(model__in=NOTICES):
            models.setdefault(hm.model, []).append(hm)
        for part, (eos, eosm, esec, ldos) in NOTICES.items():
            if part not in models:
                continue
            values = {
                "end_of_sale": eos,
                "end_of_sw_maintenance": eosm,
                "end_of_security_support": esec,
                "last_date_of_support": ldos,
                "source": "sample data (demo)",
                "sample": True,
            }
            notice, _ = HardwareNotice.objects.update_or_create(
                bulletin=f"SAMPLE-{part}"[:100], defaults=values
            )
            notice.hardware_models.add(*models[part])
        for slug, cycles in RELEASES.items():
            platform = Platform.objects.filter(slug=slug).first()
            if platform is None:
                continue
            for cycle, released, eom, end in cycles:
                SoftwareRelease.objects.update_or_create(
                    platform=platform,
                    cycle=cycle,
                    defaults={
                        "release_date": released,
                        "end_of_maintenance": eom,
                        "end_of_security_support": end,
                        "end_of_life": end,
                        "source": "sample data (demo)",
                        "sample": True,
                    },
                )
        for category, life, depreciation, cost in POLICIES:
            LifecyclePolicy.objects.update_or_create(
                category=category,
                org_unit=None,
                defaults={"service_life_years": life, "depreciation_years": depreciation,
                          "replacement_cost": Decimal(cost)},
            )
        active = Asset.objects.exclude(status=AssetStatus.DECOMMISSIONED).order_by("name", "pk")
        contracts = [
            (
                "Netcloud AG",
                "SC-2024-0117",
                "support",
                "8x5xNBD",
                D(2024, 1, 1),
                D(2026, 12, 31),
                Decimal("18400.00"),
                active.filter(manufacturer__slug="cisco"),
            ),
            (
                "Arista Networks",
                "A-CARE-5521",
                "support",
                "24x7x4",
                D(2023, 7, 1),
                D(2028, 6, 30),
                Decimal("9600.00"),
                active.filter(manufacturer__slug="arista"),
            ),
            (
                "Dell Technologies",
                "PS-77812",
                "warranty",
                "ProSupport NBD",
                D(2021, 3, 1),
                D(2026, 2, 28),
                Decimal("0.00"),
                active.filter(manufacturer__slug="dell"),
            ),
        ]
        for provider, number, kind, level, start, end, cost, assets in contracts:
            contract, _ = Contract.objects.update_or_create(
                provider=provider,
                number=number,
                defaults={
                    "kind": kind,
                    "service_level": level,
                    "start": start,
                    "end": end,
                    "yearly_cost": cost,
                    "notice_days": 90,
                    "comments": "sample data (demo)",
                },
            )
            contract.assets.add(*assets)
    return {
        "hardware notices": HardwareNotice.objects.filter(sample=True).count(),
        "software releases": SoftwareRelease.objects.filter(sample=True).count(),
        "contracts": Contract.objects.count(),
        "policies": LifecyclePolicy.objects.count(),
    }
