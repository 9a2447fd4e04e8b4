#!/usr/bin/env python
"""Benchmark: the monthly KPI snapshot (``lifecycle.snapshots.take``) of N assets.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/werterhalt_bench_snap \
        .venv/bin/python bench/snapshot.py [--assets 100000] [--rounds 5]

The database DATABASE_URL names is DROPPED and recreated (SQLite in a temporary file without
it) and filled by bench/ui.py's generator (fixed seed), the lifecycle answers stored for today
(``lifecycle.state.refresh``, as the daily refresh leaves them). Then timed: ``take(today)``
over ``--rounds`` rounds (each replaces the rows of the one before: the figures from the stored
answers, one query for org units and last sightings, the rows written in one transaction); once
``compute`` on another day (the answers evaluated live); once ``backfill`` of one month (the
generator writes no change log: every asset counts as older than the log). Target (issue #16):
a snapshot of 100,000 assets in < 2 s, writing included.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402,F401 - puts the project on sys.path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    common.generated_inventory(args.assets)
    from django.utils import timezone

    from inventory.models import ObjectChange, OrgUnit
    from lifecycle import snapshots, state
    from lifecycle.models import KpiSnapshot

    today = timezone.localdate()
    started = time.perf_counter()
    state.refresh(at=today)
    print(f"lifecycle refresh (stored answers for {today}): {time.perf_counter() - started:.1f} s")
    print(f"org units: {OrgUnit.objects.count()}, load average: {_load()}")

    runs = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        rows = snapshots.take(today)
        runs.append(time.perf_counter() - started)
    assert KpiSnapshot.objects.filter(at=today).count() == rows
    city = KpiSnapshot.objects.get(at=today, org_unit=None)
    median = statistics.median(runs)
    print(f"take({today}): {rows} rows, median {median:.3f} s of {args.rounds} "
          f"({', '.join(f'{r:.3f}' for r in runs)}); city: {city.assets_in_use:,} in use, "
          f"{city.hw_out_share} % out of hardware support, CHF {city.replacement_value:,} replacement value")

    other = today.replace(day=1) - dt.timedelta(days=1)
    started = time.perf_counter()
    snapshots.compute(other)
    print(f"compute({other}), answers evaluated live: {time.perf_counter() - started:.3f} s")

    if not ObjectChange.objects.exists():  # backfill needs a log that starts before the month
        print("backfill: the generator wrote no change log, not timed")
    else:
        ObjectChange.objects.filter(time__gt=timezone.now() - dt.timedelta(days=400)).update(
            time=timezone.now() - dt.timedelta(days=400)
        )
        started = time.perf_counter()
        written = snapshots.backfill(other, today=today)
        print(f"backfill of {', '.join(map(str, written))}: {time.perf_counter() - started:.3f} s")
    print(f"load average after: {_load()}")
    print("target take < 2 s:", "met" if median < 2 else "MISSED")


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return str(os.getloadavg()[:3])


if __name__ == "__main__":
    main()
