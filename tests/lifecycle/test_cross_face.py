"""One truth for every lifecycle figure (#13): every face that shows lifecycle figures over many
assets gives the same numbers for the same question.

A generated inventory (fixed seed, > 2,000 assets, written with bulk_create) has everything the
figures depend on: an org-unit tree, sites, hardware models with and without a list price,
policies with and without a default replacement cost (cost sources list price / policy /
purchase / unknown), hardware notices (some long past: overdue), software releases on several
platforms, contracts running / expiring / expired / future, modules, every asset status, assets
without any date and without an org unit, and assets placed on the edges of the dates asked
(replace-by and end of support on, just before and just after ``at``, and on the edges of the
12 / 24 / 36 month horizons).

On each of three dates the stored answers are refreshed for that date, and then these faces are
asked and must agree exactly (money to the centime):

- an oracle: the stored answers (``LifecycleState``) read row by row and counted in plain Python
  with ``rules.USAGE`` / ``rules.bucket`` / ``rules.add_months`` (independent of
  ``lifecycle.figures``);
- ``figures.totals`` over ``figures.answers`` (the frame twin) and ``figures.totals_stored`` (the
  SQL twin): entire dicts equal; and ``figures.totals`` over answers evaluated live for ``at``
  before the refresh (what any face shows for a date other than the stored one);
- the dashboard (``/`` with ``today`` = ``at``): ``figures``, ``costs``, ``leaving``, ``support``,
  ``software``, ``asset_count``;
- ``manage.py lifecycle_status --json`` (and the asset ids it lists per horizon) and its text;
- ``manage.py export_plan --format json`` and the plan API ``/api/lifecycle/plan/`` (totals,
  schedule, budget per year, value view);
- the XLSX workbook (Summary lines, Schedule rows, Budget totals);
- the asset list filters of the API (``replacement_year``, ``replacement_bucket=backlog``,
  ``hardware_status=unsupported&usage=in_use``, ``usage``).

Every disagreement is collected and reported together (face, date, figure, both values).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import re
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from inventory.models import (
    Asset,
    HardwareModel,
    Manufacturer,
    Module,
    OrgUnit,
    Platform,
    Site,
    Token,
)
from inventory.models.organisation import descendants
from lifecycle import assess, figures, rules, state
from lifecycle.choices import Coverage, Risk, SupportStatus, Usage
from lifecycle.models import Contract, HardwareNotice, LifecyclePolicy, LifecycleState, SoftwareRelease
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DATES = (dt.date(2026, 6, 15), dt.date(2027, 1, 1), dt.date(2030, 12, 31))
SEED = 13
ASSETS = 2_400  # random ones; the edge cases come on top
CENT = Decimal("0.01")
_REAL_LOCALDATE = timezone.localdate

XLSX_LINES = {  # Summary label -> figure
    "Evaluated on": "at",
    "Assets in use": "count",
    "Spares, not in the plan": "usage.spare.count",
    "Planned, not in the plan": "usage.planned.count",
    "Due within the horizon": "due",
    "Cost of those (CHF)": "due_cost",
    "Overdue (backlog)": "backlog",
    "Backlog cost (CHF)": "backlog_cost",
    "Assets in use without a cost": "cost_unknown",
    "Replacement value (CHF)": "replacement_value",
    "Book value (CHF)": "book_value",
    "Out of support": "out_of_support",
}
MONEY_KEYS = {
    "due_cost",
    "backlog_cost",
    "replacement_value",
    "book_value",
    "out_of_support_value",
}


# --- the generated inventory --------------------------------------------------------------------


def _day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def _price(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)).scaleb(-2)


def generate(seed: int = SEED, n: int = ASSETS) -> dict:
    """The inventory (see the module docstring); returns a few of its parts by name."""
    rng = random.Random(seed)

    # org units: two roots, a tree below the first
    def unit(name, parent=None):
        return OrgUnit.objects.create(
            name=name, slug=name.lower().replace(" ", "-"), code=str(rng.randint(1000, 9999)), parent=parent
        )

    city = unit("City")
    schools = unit("Schools", city)
    units = [
        city,
        schools,
        unit("Primary", schools),
        unit("Secondary", schools),
        it := unit("IT", city),
        unit("Network", it),
        unit("Social", city),
        police := unit("Police"),
    ]
    sites = [
        Site.objects.create(
            name=f"Site {i}", slug=f"site-{i}", org_unit=rng.choice([None, *units]) if i % 3 else None
        )
        for i in range(10)
    ]

    vendors = {
        slug: Manufacturer.objects.create(name=name, slug=slug)
        for slug, name in [
            ("cisco", "Cisco"),
            ("arista", "Arista"),
            ("paloalto", "Palo Alto"),
            ("hpe", "HPE"),
            ("ubiquiti", "Ubiquiti"),
        ]
    }

    # platforms and release cycles (dates around the three dates asked; *_ended without dates)
    def platform(slug, name, vendor):
        return Platform.objects.create(name=name, slug=slug, manufacturer=vendors[vendor])

    iosxe = platform("ios-xe", "IOS-XE", "cisco")
    eos = platform("eos", "EOS", "arista")
    panos = platform("pan-os", "PAN-OS", "paloalto")
    junos = platform("junos", "Junos", "hpe")  # no releases: software unknown
    d = dt.date
    for plat, cycle, kwargs in [
        (iosxe, "16.12", {"end_of_maintenance": d(2023, 7, 31), "end_of_security_support": d(2025, 7, 31)}),
        (iosxe, "17.3", {"end_of_life": d(2026, 12, 31)}),
        (
            iosxe,
            "17.9",
            {
                "end_of_maintenance": d(2025, 8, 1),
                "end_of_security_support": d(2027, 8, 1),
                "end_of_life": d(2027, 8, 1),
            },
        ),
        (iosxe, "17.12", {"end_of_maintenance": d(2026, 10, 1), "end_of_security_support": d(2028, 10, 1)}),
        (iosxe, "17.15", {}),
        (eos, "4.28", {"life_ended": True}),
        (eos, "4.30", {"end_of_life": d(2027, 3, 1)}),
        (eos, "4.32", {"end_of_maintenance": d(2027, 5, 1), "end_of_life": d(2031, 11, 1)}),
        (panos, "10.1", {"end_of_life": d(2025, 8, 31), "maintenance_ended": True}),
        (panos, "11.1", {"end_of_maintenance": d(2026, 6, 15), "end_of_life": d(2027, 5, 3)}),
        (panos, "11.2", {"security_ended": False, "end_of_life": d(2030, 12, 31)}),
    ]:
        SoftwareRelease.objects.create(platform=plat, cycle=cycle, **kwargs)
    versions = {
        iosxe.pk: ["17.09.04a", "17.12.3", "16.12.10", "17.3.8a", "17.15.1", "15.2(7)E", ""],
        eos.pk: ["4.30.2F", "4.3.1", "4.28.0M", "4.32.1F"],
        panos.pk: ["10.1.14-h2", "11.1.4-h7", "11.2.0", "9.1.0"],
        junos.pk: ["21.4R3"],
    }
    platform_of = {
        "cisco": [iosxe, None],
        "arista": [eos],
        "paloalto": [panos],
        "hpe": [junos, None],
        "ubiquiti": [None],
    }

    # hardware models: categories × vendors, about a third without a list price
    categories = ["switch", "switch", "router", "firewall", "wireless", "server", "storage", "other"]
    models = []
    for i in range(28):
        vendor = rng.choice(list(vendors))
        models.append(
            HardwareModel.objects.create(
                manufacturer=vendors[vendor],
                model=f"HW-{i:03d}",
                category=rng.choice(categories),
                list_price=None if rng.random() < 0.35 else _price(rng, 300, 40_000),
            )
        )
    module_models = [
        HardwareModel.objects.create(
            manufacturer=vendors["cisco"],
            model=f"MOD-{i}",
            category="module",
            list_price=None if i % 2 else _price(rng, 50, 3000),
        )
        for i in range(5)
    ]

    # notices: most models have one, a few two (the newest wins); milestones in order
    def notice(*hardware_models, **dates):
        item = HardwareNotice.objects.create(**dates)
        item.hardware_models.add(*hardware_models)
        return item

    for model in [*models, *module_models]:
        if rng.random() < 0.2:
            continue
        for _ in range(2 if rng.random() < 0.1 else 1):
            ldos = _day(rng, d(2022, 1, 1), d(2036, 12, 31)) if rng.random() < 0.85 else None
            anchor = ldos or _day(rng, d(2024, 1, 1), d(2032, 1, 1))
            dates = {"last_date_of_support": ldos}
            if rng.random() < 0.7:
                dates["end_of_sale"] = anchor - dt.timedelta(days=rng.randint(365, 5 * 365))
                dates["end_of_sale_announced"] = dates["end_of_sale"] - dt.timedelta(days=180)
            if rng.random() < 0.6:
                dates["end_of_sw_maintenance"] = anchor - dt.timedelta(days=rng.randint(0, 3 * 365))
            if rng.random() < 0.5:
                dates["end_of_security_support"] = anchor - dt.timedelta(days=rng.randint(0, 2 * 365))
            notice(model, **dates)

    # edge models: end of support on / around each date and on the horizons' last days
    edge_models = []
    for at in DATES:
        for k, ldos in enumerate(
            [
                at,
                at - dt.timedelta(days=1),
                at + dt.timedelta(days=1),
                rules.add_months(at, 12),
                rules.add_months(at, 12) + dt.timedelta(days=1),
                rules.add_months(at, 24),
                rules.add_months(at, 36),
                rules.add_months(at, 36) + dt.timedelta(days=1),
                dt.date(at.year, 12, 31),
                dt.date(at.year + 9, 12, 31),
                dt.date(at.year + 10, 1, 1),
            ]
        ):
            model = HardwareModel.objects.create(
                manufacturer=vendors["cisco"],
                model=f"EDGE-{at:%Y%m%d}-{k}",
                category="other",
                list_price=Decimal("1234.55") if k % 3 else None,
            )
            notice(model, last_date_of_support=ldos)
            edge_models.append(model)
    plain = HardwareModel.objects.create(  # no notice, no category policy: the default policy
        manufacturer=vendors["hpe"], model="PLAIN", category="other", list_price=Decimal("999.95")
    )

    # policies: with and without a default replacement cost, other milestones and warnings
    LifecyclePolicy.objects.create(category="", org_unit=None, service_life_years=8)
    LifecyclePolicy.objects.create(category="firewall", service_life_years=6, replacement_cost=8000)
    LifecyclePolicy.objects.create(
        category="wireless", service_life_years=5, depreciation_years=4, replacement_cost=Decimal("450.50")
    )
    LifecyclePolicy.objects.create(
        category="server", service_life_years=7, out_of_support="end_of_security_support"
    )
    LifecyclePolicy.objects.create(
        category="",
        org_unit=it,
        service_life_years=6,
        out_of_support="end_of_sw_maintenance",
        warn_months=6,
        replacement_cost=Decimal("2500"),
    )
    LifecyclePolicy.objects.create(category="switch", org_unit=schools, service_life_years=10, warn_months=24)
    LifecyclePolicy.objects.create(
        category="router",
        org_unit=police,
        service_life_years=9,
        depreciation_years=6,
        replacement_cost=Decimal("12000"),
    )
    LifecyclePolicy.objects.create(category="module", service_life_years=5, warn_months=3)

    # the assets
    statuses = ["active"] * 60 + ["maintenance"] * 10 + ["spare"] * 10 + ["planned"] * 8
    statuses += ["decommissioned"] * 12
    objs = []

    def add(**fields):
        model = fields.get("hardware_model")
        i = len(objs)
        fields.setdefault("name", f"as{i:05d}")
        fields.setdefault("serial", f"SN{i:06d}" if model else "")
        fields["manufacturer"] = model.manufacturer if model else None
        objs.append(Asset(**fields))

    for _ in range(n):
        pick = rng.random()
        model = None if pick < 0.05 else rng.choice(edge_models) if pick < 0.2 else rng.choice(models)
        vendor = model.manufacturer.slug if model else rng.choice(list(vendors))
        plat = rng.choice(platform_of[vendor]) if rng.random() < 0.8 else None
        shape = rng.random()
        purchase = in_service = first_seen = None
        if shape >= 0.08:  # 8 %: no dates at all
            if shape < 0.15:  # first seen only (some late in the evening UTC: the next day in Zurich)
                day = _day(rng, d(2014, 1, 1), d(2030, 6, 30))
                hour = rng.choice([3, 12, 22, 23])
                first_seen = dt.datetime(day.year, day.month, day.day, hour, 30, tzinfo=dt.UTC)
            else:
                day = _day(rng, d(2010, 1, 1), d(2031, 6, 30))
                if rng.random() < 0.02:
                    day = d(rng.choice([2012, 2016, 2020, 2024, 2028]), 2, 29)
                if shape < 0.35:
                    purchase = day
                elif shape < 0.5:
                    in_service = day
                else:
                    purchase, in_service = day, day + dt.timedelta(days=rng.randint(0, 120))
                if rng.random() < 0.3:
                    first_seen = dt.datetime(day.year, day.month, day.day, 8, tzinfo=dt.UTC)
        add(
            hardware_model=model,
            platform=plat,
            software_version=rng.choice(versions[plat.pk]) if plat else "",
            site=None if rng.random() < 0.1 else rng.choice(sites),
            org_unit=None if rng.random() < 0.15 else rng.choice(units),
            status=rng.choice(statuses),
            purchase_date=purchase,
            in_service_date=in_service,
            first_seen=first_seen,
            purchase_cost=None if rng.random() < 0.25 else _price(rng, 150, 30_000),
        )
    # replace-by on, a day before and a day after each date (service life 8 from the default
    # policy), every usage group; and a service start on 29 February
    for at in DATES:
        for offset in (-1, 0, 1):
            for status in ("active", "maintenance", "spare", "planned", "decommissioned", "active"):
                add(
                    hardware_model=plain,
                    status=status,
                    in_service_date=rules.add_years(at, -8) + dt.timedelta(days=offset),
                    purchase_cost=_price(rng, 100, 900),
                )
    for year in (2016, 2020, 2024):
        add(hardware_model=plain, in_service_date=d(year, 2, 29), purchase_date=d(year, 2, 1))
    Asset.objects.bulk_create(objs, batch_size=500)
    assets = list(Asset.objects.order_by("pk").values_list("pk", flat=True))

    # modules on about one asset in ten (some removed, some without a model)
    Module.objects.bulk_create(
        [
            Module(
                asset_id=pk,
                name=f"Slot {k}",
                serial=f"M{pk}-{k}",
                hardware_model=None if rng.random() < 0.3 else rng.choice(module_models),
                present=rng.random() < 0.85,
            )
            for pk in assets
            if rng.random() < 0.1
            for k in range(rng.randint(1, 3))
        ],
        batch_size=500,
    )

    # contracts around the dates: running, expiring (notice days), expired, future, one day long
    contracts = [
        Contract.objects.create(provider="Netcare", number=f"C-{i}", start=start, end=end, notice_days=days)
        for i, (start, end, days) in enumerate(
            [
                (d(2020, 1, 1), d(2026, 6, 30), 90),
                (d(2024, 1, 1), d(2026, 12, 31), 30),
                (d(2027, 1, 1), d(2031, 12, 31), 365),
                (d(2026, 6, 15), d(2026, 6, 15), 0),
                (d(2022, 7, 1), d(2027, 1, 1), 0),
                (d(2025, 1, 1), d(2030, 12, 31), 60),
                (d(2026, 6, 16), d(2035, 6, 30), 90),
                (d(2018, 1, 1), d(2023, 12, 31), 90),
                (d(2028, 1, 1), d(2033, 12, 31), 120),
                (d(2030, 1, 1), d(2031, 3, 31), 90),
            ]
        )
    ]
    through = Contract.assets.through
    links = set()
    for pk in assets:
        r = rng.random()
        if r < 0.45:
            links.add((rng.choice(contracts).pk, pk))
        if r < 0.1:
            links.add((rng.choice(contracts).pk, pk))
    through.objects.bulk_create([through(contract_id=c, asset_id=a) for c, a in sorted(links)])
    return {"units": units, "sites": sites, "assets": assets}


@pytest.fixture
def inventory():
    return generate()


# --- clients ----------------------------------------------------------------------------------------


def viewer_client(client):
    """The Django test client, logged in as a viewer (the dashboard)."""
    client.force_login(UserFactory(groups=["viewer"]))
    return client


def viewer_token() -> APIClient:
    """An API client with a viewer's read-only token (the plan API and the asset list)."""
    user = UserFactory(groups=["viewer"])
    user.save()
    _token, key = Token.issue(user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def today_is(monkeypatch, at: dt.date) -> None:
    """``timezone.localdate()`` (without a value) is ``at`` where the dashboard reads it."""

    def localdate(value=None, timezone=None):
        return at if value is None else _REAL_LOCALDATE(value, timezone)

    monkeypatch.setattr("werterhalt.views.timezone.localdate", localdate)


# --- the faces, each as one canonical dict ----------------------------------------------------------


def money(value) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, Decimal):
        value = Decimal(repr(float(value)))
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def canon(t: dict) -> dict:
    """A figures dict (``figures.empty``'s keys; money as Decimal or float, dates as date or text)
    as flat ``{figure: value}``, money to the centime. A face that leaves the figures of dates
    out (``summarize(dates=False)``: pages that show none) is compared on the rest."""
    out = {
        key: t[key]
        for key in ("assets", "count", "cost_unknown", "out_of_support", "out_of_support_share")
        + ("backlog", "due")
        if key in t
    }
    out["at"] = str(t["at"])
    for key in MONEY_KEYS:
        if key in t:
            out[key] = money(t[key])
    for group, row in t["usage"].items():
        out[f"usage.{group}.count"] = row["count"]
        out[f"usage.{group}.book_value"] = money(row["book_value"])
        out[f"usage.{group}.replacement_value"] = money(row["replacement_value"])
    for key in ("hardware", "software", "coverage", "risk", "cost_sources"):
        for value, count in t[key].items():
            out[f"{key}.{value}"] = count
    for row in t.get("leaving_support", ()):
        out[f"leaving.{row['months']}.until"] = str(row["until"])
        out[f"leaving.{row['months']}.count"] = row["count"]
    for row in t.get("buckets", ()):
        out[f"bucket.{row['bucket']}.count"] = row["count"]
        out[f"bucket.{row['bucket']}.cost"] = money(row["cost"])
    return out


def oracle(at: dt.date, assets=None) -> dict:
    """The figures of ``assets`` (default: all) counted row by row from the stored answers with
    the scalar rules only."""
    rows = list(
        LifecycleState.objects.filter(
            asset__in=assets if assets is not None else Asset.objects.all()
        ).values_list(
            "asset__status",
            "at",
            "hardware_status",
            "software_status",
            "coverage",
            "risk",
            "support_ends",
            "replacement_due",
            "book_value",
            "replacement_cost",
            "cost_source",
        )
    )
    zero = Decimal("0.00")
    labels = [rules.BACKLOG, *(str(y) for y in range(at.year, at.year + figures.YEARS))]
    out = {"at": str(at), "assets": len(rows), "stored_at": sorted({r[1] for r in rows})}
    groups = {g.value: {"count": 0, "book_value": zero, "replacement_value": zero} for g in Usage}
    used = []
    for row in rows:
        group = rules.usage(row[0])
        groups[group]["count"] += 1
        groups[group]["book_value"] += row[8] or zero
        groups[group]["replacement_value"] += row[9] or zero
        if group == rules.IN_USE:
            used.append(row)
    for group, g in groups.items():
        out[f"usage.{group}.count"] = g["count"]
        out[f"usage.{group}.book_value"] = money(g["book_value"])
        out[f"usage.{group}.replacement_value"] = money(g["replacement_value"])
    out["count"] = len(used)
    out["book_value"] = out["usage.in_use.book_value"]
    out["replacement_value"] = out["usage.in_use.replacement_value"]
    for key, index, choices in (
        ("hardware", 2, SupportStatus),
        ("software", 3, SupportStatus),
        ("coverage", 4, Coverage),
        ("risk", 5, Risk),
    ):
        for c in choices:
            out[f"{key}.{c.value}"] = sum(1 for r in used if r[index] == c.value)
    for source in (rules.COST_LIST_PRICE, rules.COST_POLICY, rules.COST_PURCHASE, rules.COST_UNKNOWN):
        out[f"cost_sources.{source}"] = sum(1 for r in used if r[10] == source)
    out["cost_unknown"] = sum(1 for r in used if r[9] is None)
    out_rows = [r for r in used if rules.UNSUPPORTED in (r[2], r[3])]
    out["out_of_support"] = len(out_rows)
    out["out_of_support_value"] = money(sum((r[9] or zero for r in out_rows), zero))
    out["out_of_support_share"] = round(100 * len(out_rows) / len(used), 1) if used else 0.0
    for months in figures.HORIZONS:
        until = rules.add_months(at, months)
        out[f"leaving.{months}.until"] = str(until)
        out[f"leaving.{months}.count"] = sum(1 for r in used if r[6] is not None and at < r[6] <= until)
    buckets = {label: [0, zero] for label in labels}
    for r in used:
        label = rules.bucket(r[7], at, rules.IN_USE)
        if label in buckets:
            buckets[label][0] += 1
            buckets[label][1] += r[9] or zero
    for label, (count, cost) in buckets.items():
        out[f"bucket.{label}.count"] = count
        out[f"bucket.{label}.cost"] = money(cost)
    out["backlog"], out["backlog_cost"] = buckets[rules.BACKLOG][0], money(buckets[rules.BACKLOG][1])
    out["due"] = sum(b[0] for b in buckets.values())
    out["due_cost"] = money(sum((b[1] for b in buckets.values()), zero))
    return out


def leaving_ids(at: dt.date) -> dict[int, list[int]]:
    """Per horizon, the assets in use whose stored end of support is after ``at`` and within it."""
    result = {}
    for months in figures.HORIZONS:
        until = rules.add_months(at, months)
        result[months] = sorted(
            LifecycleState.objects.filter(
                asset__status__in=figures.STATUSES[rules.IN_USE], support_ends__gt=at, support_ends__lte=until
            ).values_list("asset_id", flat=True)
        )
    return result


_LABELS = {
    "Hardware": ("hardware", SupportStatus),
    "Software": ("software", SupportStatus),
    "Coverage": ("coverage", Coverage),
    "Risk": ("risk", Risk),
}


def parse_status_text(text: str) -> dict:
    """``lifecycle_status``'s text report as flat figures."""
    out: dict = {}
    lines = text.splitlines()
    head = re.match(r"Lifecycle on (\S+): (\d+) assets in use of (\d+) \((.*)\)$", lines[0])
    assert head, lines[0]
    out["at"], out["count"], out["assets"] = head[1], int(head[2]), int(head[3])
    for count, name in re.findall(r"(\d+) (\w+)", head[4]):
        group = {str(u.label).lower(): u.value for u in Usage}[name]
        out[f"usage.{group}.count"] = int(count)
    section = None
    for line in lines[1:]:
        if line.rstrip(":") in _LABELS and line.endswith(":"):
            section = _LABELS[line.rstrip(":")]
            for c in section[1]:
                out[f"{section[0]}.{c.value}"] = 0
            continue
        if not line.strip():
            section = None
            continue
        if section:
            count, label = line.strip().split("  ", 1)
            value = {str(c.label): c.value for c in section[1]}[label.strip()]
            out[f"{section[0]}.{value}"] = int(count)
            continue
        if m := re.match(r"  within (\d+) months: (\d+)", line):
            out[f"leaving.{m[1]}.count"] = int(m[2])
        elif m := re.match(r"  (backlog \(overdue\)|\d{4})\s+(\d+)\s+([\d,.-]+)$", line):
            label = rules.BACKLOG if m[1].startswith("backlog") else m[1]
            out[f"bucket.{label}.count"] = int(m[2])
            out[f"bucket.{label}.cost"] = money(Decimal(m[3].replace(",", "")))
        elif m := re.match(
            r"Book value CHF ([\d,.-]+); replacement value CHF ([\d,.-]+); (\d+) in use without a cost", line
        ):
            out["book_value"] = money(Decimal(m[1].replace(",", "")))
            out["replacement_value"] = money(Decimal(m[2].replace(",", "")))
            out["cost_unknown"] = int(m[3])
    return out


def read_xlsx(path) -> dict:
    """The workbook's Summary lines (by their labels in column A), the Schedule's row count and
    the Budget sheet's Total per bucket."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    out: dict = {}
    seen = set()
    for row in book["Summary"].iter_rows(values_only=True):
        if not row or row[0] not in XLSX_LINES or row[0] in seen:
            continue
        seen.add(row[0])
        key = XLSX_LINES[row[0]]
        value = row[1]
        if key == "at":
            out[key] = str(value.date() if isinstance(value, dt.datetime) else value)
        elif key in MONEY_KEYS:
            out[key] = money(value if value is not None else 0)
        else:
            out[key] = int(value) if value is not None else None
    for label in XLSX_LINES:
        if label not in seen:
            out[XLSX_LINES[label]] = f"label {label!r} not found"
    # data_only: the totals rows' formulas (=SUBTOTAL) as their cached values; each table ends
    # at its "Total" row (the Budget's contract running costs come below it)
    schedule = list(book["Schedule"].iter_rows(values_only=True))
    out["schedule_rows"] = len([r for r in schedule[1:] if isinstance(r[0], int | float) and r[1] != "Total"])
    budget = list(book["Budget"].iter_rows(values_only=True))
    header = list(budget[0])
    total = header.index("Total")
    for row in budget[1:]:
        if row[0] == "Total":
            break
        if row[0] is not None:
            out[f"bucket.{row[0]}.cost"] = money(row[total] or 0)
    book.close()
    return out


def command(*args: str) -> str:
    """What a management command prints (its messages on stderr are left out)."""
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def api_count(api: APIClient, **params) -> int | str:
    response = api.get("/api/inventory/assets/", {**params, "limit": 1})
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.content[:200]!r}"
    return response.json()["count"]


# --- comparing --------------------------------------------------------------------------------------


class Problems(list):
    def compare(self, at: dt.date, face: str, got: dict, expected: dict, keys=None) -> None:
        """Every figure of ``got`` (or ``keys``) against ``expected``."""
        for key in keys if keys is not None else got:
            if key not in expected:
                self.append(f"{at} {face}: {key} = {got.get(key)!r}, a figure the reference does not have")
            elif key not in got:
                self.append(f"{at} {face}: {key} missing (reference: {expected[key]!r})")
            elif got[key] != expected[key]:
                self.append(f"{at} {face}: {key} = {got[key]!r}, reference {expected[key]!r}")

    def check(self, at: dt.date, face: str, ok: bool, detail: str) -> None:
        if not ok:
            self.append(f"{at} {face}: {detail}")


def test_every_face_gives_the_same_figures(inventory, client, monkeypatch, tmp_path):
    assert Asset.objects.count() > 2_000
    statuses = set(Asset.objects.values_list("status", flat=True))
    assert statuses == {"active", "maintenance", "spare", "planned", "decommissioned"}
    assert Asset.objects.filter(org_unit__isnull=True).exists()
    assert Asset.objects.filter(
        purchase_date__isnull=True, in_service_date__isnull=True, first_seen__isnull=True
    ).exists()
    dashboard = viewer_client(client)
    api = viewer_token()
    problems = Problems()

    for at in DATES:
        # what a face shows for a date whose answers are not stored: evaluated live
        assert not figures.stored_for(at)
        live = figures.totals(figures.answers(at), at)

        assert state.refresh(at=at) == Asset.objects.count()
        assert figures.stored_for(at), f"{at}: after refresh(at=...) not every asset has answers for it"
        reference = oracle(at)
        problems.check(at, "refresh", reference.pop("stored_at") == [at], "stored answers of another day")
        cover = canon(live)  # every choice and source occurs somewhere (the inventory is not trivial)
        assert cover["cost_sources.list_price"] and cover["cost_sources.policy"]
        assert cover["cost_sources.purchase"] and cover["cost_sources.unknown"]
        assert cover["hardware.unsupported"] and cover["backlog"] and cover["usage.spare.count"]

        # the two twins of lifecycle.figures, and the live evaluation
        frame_twin = figures.totals(figures.answers(at), at)
        sql_twin = figures.totals_stored(None, at)
        problems.compare(at, "figures.totals (frame)", canon(frame_twin), reference)
        problems.compare(at, "figures.totals_stored (SQL)", canon(sql_twin), reference)
        problems.compare(at, "figures.totals over live answers", canon(live), reference)
        problems.check(at, "totals_stored vs totals", sql_twin == frame_twin, "the dicts differ")
        problems.check(at, "live vs stored totals", live == frame_twin, "the dicts differ")

        # per asset: the stored answers are those of rules.evaluate (one asset at a time)
        stored = {
            row[0]: row[1:]
            for row in LifecycleState.objects.values_list(
                "asset_id",
                "hardware_status",
                "software_status",
                "coverage",
                "risk",
                "replacement_due",
                "support_ends",
                "book_value",
                "replacement_cost",
                "cost_source",
            )
        }
        differ = []
        for item in assess.collect(at=at):
            ev = rules.evaluate(item.facts, at, item.policy)
            mine = (
                ev.hardware,
                ev.software,
                ev.coverage,
                ev.risk,
                ev.replacement_due,
                ev.support_ends,
                ev.book_value,
                ev.replacement_cost,
                ev.cost_source,
            )
            if mine != stored[item.asset_id]:
                differ.append((item.asset_id, mine, stored[item.asset_id]))
        problems.check(
            at,
            "stored answers vs rules.evaluate",
            not differ,
            f"{len(differ)} assets differ, e.g. {differ[:3]}",
        )

        # the dashboard, on a day that is ``at``
        today_is(monkeypatch, at)
        cache.clear()
        response = dashboard.get("/")
        assert response.status_code == 200
        context = response.context
        problems.compare(at, "dashboard figures", canon(context["figures"]), reference)
        problems.check(at, "dashboard figures", context["figures"] == sql_twin, "not totals_stored's dict")
        shown = {
            "assets": context["asset_count"],
            **{f"bucket.{r['bucket']}.count": r["count"] for r in context["costs"]},
            **{f"bucket.{r['bucket']}.cost": money(r["cost"]) for r in context["costs"]},
            **{f"leaving.{r['months']}.count": r["count"] for r in context["leaving"]},
            **{f"leaving.{r['months']}.until": str(r["until"]) for r in context["leaving"]},
            **{f"hardware.{r['value']}": r["count"] for r in context["support"]},
            **{f"software.{r['value']}": r["count"] for r in context["software"]},
        }
        problems.compare(at, "dashboard costs/leaving/support/software", shown, reference)

        # the summary API (the dashboard's figures for any set of assets and day)
        response = api.get("/api/lifecycle/summary/", {"at": at.isoformat()})
        assert response.status_code == 200, response.content[:500]
        problems.compare(at, "summary API", canon(response.json()), reference)

        # manage.py lifecycle_status --json, and its text
        status_json = json.loads(command("lifecycle_status", "--at", at.isoformat(), "--json"))
        problems.compare(at, "lifecycle_status --json", canon(status_json), reference)
        expected_ids = leaving_ids(at)
        for row in status_json["leaving_support"]:
            problems.check(
                at,
                f"lifecycle_status --json leaving {row['months']} months",
                row["assets"] == expected_ids[row["months"]] and len(row["assets"]) == row["count"],
                f"{len(row['assets'])} ids listed, count {row['count']}, stored answers "
                f"{len(expected_ids[row['months']])}",
            )
        text = command("lifecycle_status", "--at", at.isoformat())
        problems.compare(at, "lifecycle_status (text)", parse_status_text(text), reference)

        # the plan: export_plan --format json and the plan API
        exported = json.loads(command("export_plan", "--format", "json", "--out", "-", "--at", str(at)))
        response = api.get("/api/lifecycle/plan/", {"at": at.isoformat()})
        assert response.status_code == 200, response.content[:500]
        served = response.json()
        for face, plan in (("export_plan --format json", exported), ("plan API", served)):
            problems.compare(at, f"{face} totals", canon(plan["totals"]), reference)
            problems.check(
                at,
                f"{face} schedule",
                len(plan["schedule"]) == reference["due"],
                f"{len(plan['schedule'])} rows, {reference['due']} due",
            )
            schedule_cost = money(sum(r["cost"] or 0 for r in plan["schedule"]))
            problems.check(
                at,
                f"{face} schedule cost",
                schedule_cost == reference["due_cost"],
                f"{schedule_cost} in the rows, due_cost {reference['due_cost']}",
            )
            budget = {f"bucket.{b}.cost": money(sum(row.values())) for b, row in plan["budget"].items()}
            problems.compare(at, f"{face} budget per year", budget, reference)
            value = {
                "count": sum(r["assets"] for r in plan["value"]),
                "book_value": money(sum(r["book_value"] for r in plan["value"])),
                "replacement_value": money(sum(r["replacement_value"] for r in plan["value"])),
                "out_of_support": sum(r["out_of_support"] for r in plan["value"]),
            }
            problems.compare(at, f"{face} value view (sums)", value, reference)
        problems.check(
            at, "export_plan json vs plan API", exported["totals"] == served["totals"], "totals differ"
        )

        # the workbook
        path = tmp_path / f"plan-{at}.xlsx"
        command("export_plan", "--format", "xlsx", "--out", str(path), "--at", str(at))
        sheet = read_xlsx(path)
        rows = sheet.pop("schedule_rows")
        problems.compare(at, "XLSX", sheet, reference)
        problems.check(at, "XLSX Schedule", rows == reference["due"], f"{rows} rows, {reference['due']} due")

        # the asset list's filters (API)
        filtered = {
            f"bucket.{y}.count": api_count(api, replacement_year=y)
            for y in range(at.year, at.year + figures.YEARS)
        }
        filtered["backlog"] = api_count(api, replacement_bucket="backlog")
        filtered["hardware.unsupported"] = api_count(api, hardware_status="unsupported", usage="in_use")
        filtered["software.unsupported"] = api_count(api, software_status="unsupported", usage="in_use")
        for group in Usage:
            filtered[f"usage.{group.value}.count"] = api_count(api, usage=group.value)
        problems.compare(at, "asset list filters (API)", filtered, reference)

    assert not problems, f"{len(problems)} disagreements:\n" + "\n".join(problems)


def _row(rows, pk):
    """The record with primary key ``pk`` among a list page's table rows."""
    return next(r for r in rows if r.pk == pk)


def test_org_unit_and_site_faces(inventory, client, monkeypatch):
    """The same questions for one org unit with units below it (Schools: Primary, Secondary) and
    for one site: their pages, the org-unit and site lists, the parent unit's "Units below" row,
    the summary API, the plan API, ``export_plan --org-unit`` and the asset list's filters. An org
    unit means the unit and every unit below it (the filters, the plan, the summary API, the
    unit's own page)."""
    at = DATES[1]
    state.refresh(at=at)
    units = {u.name: u for u in inventory["units"]}
    schools, city = units["Schools"], units["City"]
    assert schools.children.exists()
    site = max(inventory["sites"], key=lambda s: s.assets.filter(figures.usage_q()).count())
    subtree = Asset.objects.filter(org_unit__in=descendants([schools.pk]))
    at_site = Asset.objects.filter(site=site)
    assert subtree.filter(org_unit=schools).exists() and subtree.exclude(org_unit=schools).exists()
    ui = viewer_client(client)
    api = viewer_token()
    today_is(monkeypatch, at)
    cache.clear()
    problems = Problems()
    headline = ("count", "book_value", "out_of_support", "out_of_support_share")

    for name, assets, params, page in (
        ("org unit Schools (and below)", subtree, {"org_unit": schools.pk}, schools.get_absolute_url()),
        (f"site {site.name}", at_site, {"site": site.pk}, site.get_absolute_url()),
    ):
        reference = oracle(at, assets)
        reference.pop("stored_at")
        summary = api.get("/api/lifecycle/summary/", {"at": at.isoformat(), **params})
        assert summary.status_code == 200, summary.content[:300]
        problems.compare(at, f"{name}: summary API", canon(summary.json()), reference)
        plan = api.get("/api/lifecycle/plan/", {"at": at.isoformat(), **params})
        assert plan.status_code == 200, plan.content[:300]
        problems.compare(at, f"{name}: plan API totals", canon(plan.json()["totals"]), reference)
        response = ui.get(page)
        assert response.status_code == 200
        problems.compare(at, f"{name}: its page", canon(response.context["figures"]), reference)
        where = {"org_unit_id" if "org_unit" in params else "site_id": next(iter(params.values()))}
        filtered = {
            "count": api_count(api, **where, usage="in_use"),
            "backlog": api_count(api, **where, replacement_bucket="backlog"),
            **{
                f"bucket.{y}.count": api_count(api, **where, replacement_year=y)
                for y in range(at.year, at.year + figures.YEARS)
            },
        }
        problems.compare(at, f"{name}: asset list filters (API)", filtered, reference)

        # the lists: one row per unit / site (lifecycle.figures.annotate)
        listing = ui.get(reverse("inventory:orgunit_list" if "org_unit" in params else "inventory:site_list"))
        record = _row(listing.context["table"].data, schools.pk if "org_unit" in params else site.pk)
        row = {
            "count": record.asset_count,
            "book_value": money(record.book_value or 0),
            "out_of_support": record.out_of_support,
        }
        problems.compare(at, f"{name}: its row in the list", row, reference)

        if "org_unit" in params:
            plan = json.loads(
                command(
                    "export_plan", "--format", "json", "--out", "-", "--at", str(at), "--org-unit", "schools"
                )
            )
            problems.compare(at, f"{name}: export_plan --org-unit", canon(plan["totals"]), reference)
            # the parent's page lists the units below it with their figures (lifecycle.figures.by)
            children = dict(ui.get(city.get_absolute_url()).context["children"])
            shown = children[schools] or {}
            row = {k: money(shown.get(k) or 0) if k == "book_value" else shown.get(k, 0) for k in headline}
            problems.compare(at, f"{name}: its row under 'Units below' on City's page", row, reference)

    if any("its row" in p for p in problems):
        direct = oracle(at, Asset.objects.filter(org_unit=schools))
        problems.append(
            "(the assets directly in Schools, without the units below: "
            + ", ".join(f"{k} {direct[k]}" for k in headline)
            + ")"
        )
    assert not problems, f"{len(problems)} disagreements:\n" + "\n".join(problems)


# --- an empty inventory -----------------------------------------------------------------------------


def test_lifecycle_status_of_an_empty_inventory():
    out = io.StringIO()
    call_command("lifecycle_status", "--at", "2027-01-01", stdout=out)
    text = out.getvalue()
    assert text.startswith(
        "Lifecycle on 2027-01-01: 0 assets in use of 0 (0 spares, 0 planned, 0 decommissioned)"
    )
    assert "within 12 months: 0" in text and "within 36 months: 0" in text
    assert "Book value CHF 0.00; replacement value CHF 0.00; 0 in use without a cost" in text

    out = io.StringIO()
    call_command("lifecycle_status", "--at", "2027-01-01", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data == figures.jsonable(figures.empty(dt.date(2027, 1, 1))) | {
        "leaving_support": [
            {**row, "assets": []}
            for row in figures.jsonable(figures.empty(dt.date(2027, 1, 1)))["leaving_support"]
        ]
    }
    assert data["count"] == data["assets"] == data["due"] == data["backlog"] == 0
    assert {b["count"] for b in data["buckets"]} == {0} and len(data["buckets"]) == 1 + figures.YEARS


def test_export_plan_of_an_empty_inventory(tmp_path):
    err = io.StringIO()
    out = io.StringIO()
    call_command("export_plan", "--format", "csv", "--out", "-", "--at", "2027-01-01", stdout=out, stderr=err)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("asset_id,name,serial,")  # the header only

    path = tmp_path / "p.csv"
    call_command("export_plan", "--format", "csv", "--out", str(path), "--at", "2027-01-01", stderr=err)
    assert path.read_text(encoding="utf-8").splitlines() == lines

    out = io.StringIO()
    call_command(
        "export_plan", "--format", "json", "--out", "-", "--at", "2027-01-01", stdout=out, stderr=err
    )
    data = json.loads(out.getvalue())
    assert data["schedule"] == [] and data["value"] == [] and data["capped_plan"] is None
    totals = data["totals"]
    assert totals["count"] == totals["assets"] == totals["due"] == totals["backlog"] == 0
    assert totals["due_cost"] == totals["book_value"] == totals["replacement_value"] == 0
    assert {b["count"] for b in totals["buckets"]} == {0}
    assert set(data["budget"]) == set(figures.bucket_labels(dt.date(2027, 1, 1)))

    path = tmp_path / "p.xlsx"
    call_command("export_plan", "--format", "xlsx", "--out", str(path), "--at", "2027-01-01", stderr=err)
    sheet = read_xlsx(path)
    assert sheet.pop("schedule_rows") == 0
    assert sheet["at"] == "2027-01-01"
    for label, key in XLSX_LINES.items():
        if key != "at":
            assert sheet[key] == 0, label
    assert "0 due within 10 years" in err.getvalue()
