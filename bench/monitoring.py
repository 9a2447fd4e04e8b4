#!/usr/bin/env python
"""Benchmark: the Monitoring page (and its API list and steering report) over 5 years of monthly
snapshots for 50 org units and the city.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/werterhalt_bench_mon .venv/bin/python bench/monitoring.py
    .venv/bin/python bench/monitoring.py --rounds 30       # SQLite in a temporary file

The database DATABASE_URL names is DROPPED and recreated (SQLite in a temporary file without
it). Writes 5 Direktionen with 9 offices each (50 org units) and, for each of them and the city,
one snapshot a month for ``--years`` years (default 5: 3,060 rows, with ``bulk_create``; the
values follow a drift with noise, fixed seed), and the general targets of migration 0011. Then
requests, in process with django.test.Client as a signed-in viewer: 3 warm-up requests each, then
``--rounds`` rounds, interleaved: the page of a Direktion over 24 and 60 months, the city's,
an office's, the snapshots API (100 rows) and — fewer rounds, it builds the replacement plan —
the steering report. Prints p50 / p95 / max in ms, the queries of one request and the load
average. Target (issue #16): the Monitoring page p95 < 250 ms on PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import django_ready  # noqa: E402

TARGET_MS = 250
DIREKTIONEN = ["Bildung", "Finanzen", "Sicherheit", "Soziales", "Tiefbau"]
OFFICES = 9


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def generate(years: int, rng: random.Random) -> dict:
    from django.utils import timezone

    from inventory.models import OrgUnit
    from lifecycle import rules
    from lifecycle.models import KpiSnapshot

    tops = OrgUnit.objects.bulk_create(
        [OrgUnit(name=d, slug=d.lower(), code=f"{40 + i}00") for i, d in enumerate(DIREKTIONEN)])
    offices = OrgUnit.objects.bulk_create(
        [OrgUnit(name=f"{t.name} Amt {k}", slug=f"{t.slug}-{k}", parent=t, code=f"{t.code[:2]}{k:02d}")
         for t in tops for k in range(1, OFFICES + 1)])
    units = [None, *tops, *offices]
    last = dt.date.today().replace(day=1)
    months = [rules.add_months(last, -k) for k in range(12 * years - 1, -1, -1)]
    now = timezone.now()
    rows = []
    for unit in units:
        size = 4000 if unit is None else 600 if unit in tops else 60
        share = rng.uniform(2, 15)
        for i, at in enumerate(months):
            share = min(100.0, max(0.0, share + rng.uniform(-0.6, 0.5)))
            assets = size + i + rng.randrange(-5, 6)
            value = Decimal(assets * 4200 + rng.randrange(0, 100_000)).quantize(Decimal("0.01"))
            rows.append(KpiSnapshot(
                at=at, org_unit=unit, computed=now, backfilled=i < 12, assets_in_use=assets,
                hw_out_count=round(assets * share / 100), hw_out_share=round(share, 2),
                hw_out_value_share=round(share * 0.8, 2), sw_out_count=round(assets * share / 200),
                sw_out_share=round(share / 2, 2), sw_out_value_share=round(share / 2.5, 2),
                no_contract_count=round(assets * 0.12), no_contract_share=12.0,
                backlog_count=round(assets * share / 100), backlog_cost=value * Decimal(share / 100),
                due_1y_cost=value / 8, due_3y_cost=value / 3, due_5y_cost=value / 2,
                book_value=value / 3, replacement_value=value, average_age=round(4 + i / 60, 2),
                risk_low=assets // 2, risk_medium=assets // 4, risk_high=assets // 8,
                risk_critical=assets // 40,
                not_seen_30d=None if i < 12 else rng.randrange(0, 10),
            ))
    KpiSnapshot.objects.bulk_create(rows, batch_size=1000)
    return {"tops": tops, "offices": offices, "rows": len(rows), "months": len(months)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--report-rounds", type=int, default=5)
    args = parser.parse_args()

    django_ready()
    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from inventory.models import Token

    started = time.perf_counter()
    data = generate(args.years, random.Random(7))
    print(f"generation: {data['rows']:,} snapshots ({data['months']} months × 51) in "
          f"{time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")

    from werterhalt.runtime import tune_gc

    tune_gc()  # as werterhalt/wsgi.py does when a server process starts
    user = User.objects.create_user("viewer")
    user.groups.add(Group.objects.get(name="viewer"))
    ui = Client(SERVER_NAME="localhost")
    ui.force_login(user)
    _token, key = Token.issue(user, description="bench")
    api = Client(SERVER_NAME="localhost", HTTP_AUTHORIZATION=f"Token {key}")
    top, office = data["tops"][0], data["offices"][0]
    pages = [
        ("Monitoring, Direktion 24 m", ui, f"/monitoring/?unit={top.pk}"),
        ("Monitoring, Direktion 60 m", ui, f"/monitoring/?unit={top.pk}&months=60"),
        ("Monitoring, city 24 m", ui, "/monitoring/"),
        ("Monitoring, city 60 m", ui, "/monitoring/?months=60"),
        ("Monitoring, office 24 m", ui, f"/monitoring/?unit={office.pk}"),
        ("API 100 snapshots", api, "/api/lifecycle/snapshots/?limit=100"),
    ]
    report = ("steering report XLSX", ui, f"/monitoring/report.xlsx?unit={top.pk}")

    def get(client, url: str) -> float:
        start = time.perf_counter()
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200 and body, f"{url}: {response.status_code}"
        return elapsed

    queries = {}
    for label, client, url in [*pages, report]:
        for _ in range(3):
            get(client, url)
        with CaptureQueriesContext(connection) as captured:
            get(client, url)
        queries[label] = len(captured)
    times: dict[str, list[float]] = {label: [] for label, *_ in [*pages, report]}
    for r in range(args.rounds):
        for label, client, url in pages:
            times[label].append(get(client, url))
        if r < args.report_rounds:
            times[report[0]].append(get(report[1], report[2]))

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())  # others on the machine widen p95
    print(f"\n{args.rounds} rounds ({args.report_rounds} of the report); load average after them {load}")
    print(f"{'URL':<30} {'n':>3} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'queries':>7}")
    for label, values in times.items():
        print(f"{label:<30} {len(values):3d} {percentile(values, 50):7.1f} {percentile(values, 95):7.1f} "
              f"{max(values):7.1f} {queries[label]:7d}")
    print()
    for label, *_ in pages:
        if label.startswith("Monitoring"):
            p95 = percentile(times[label], 95)
            print(f"{label}: p95 {p95:.0f} ms -> {'met' if p95 < TARGET_MS else 'MISSED'} (< {TARGET_MS} ms)")


if __name__ == "__main__":
    main()
