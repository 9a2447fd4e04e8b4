#!/usr/bin/env python
"""Benchmark: lifecycle status, replacement date and book value for N assets.

    .venv/bin/python bench/lifecycle.py [--assets 100000] [--loop-sample 10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/werterhalt_bench \
        .venv/bin/python bench/lifecycle.py --refresh

Generates assets (dates, costs, notices, releases, contracts, modules, per-asset policies) with a
fixed seed, builds the frames once, then times ``lifecycle.frame.evaluate_frame`` (vectorised)
over all of them and ``lifecycle.rules.evaluate`` (per asset) over a sample, extrapolated.
Target (issue #4): under 1 s vectorised for 100,000 assets; prints the speedup over the loop.
No database: the rules are pure.

``--refresh`` times ``lifecycle.state.refresh`` in a database instead (the one DATABASE_URL names
is DROPPED and recreated; SQLite in a temporary file without it): an inventory of N assets made
by bench/ui.py's generator, then a first refresh (every row written), one where nothing changed
(nothing written), and one after a policy change (every row's service life moves). Targets
(issue #13, PostgreSQL): 100,000 assets in < 3 s (aim 1 s), nothing changed < 1 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
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
    parser.add_argument("--loop-sample", type=int, default=10_000)
    parser.add_argument("--at", type=dt.date.fromisoformat, default=dt.date(2026, 11, 24))
    parser.add_argument("--refresh", action="store_true", help="time the stored refresh in a database")
    args = parser.parse_args()
    if args.refresh:
        refresh_bench(args.assets)
        return

    from lifecycle import frame as lframe
    from lifecycle import rules
    from tests.lifecycle.test_rules import _random_asset

    rng = random.Random(7)
    t = time.perf_counter()
    pairs = [_random_asset(rng) for _ in range(args.assets)]
    built = time.perf_counter() - t
    t = time.perf_counter()
    frame, contracts = lframe.to_frames([a for a, _ in pairs], [p for _, p in pairs])
    framed = time.perf_counter() - t
    print(f"{args.assets:,} assets generated in {built:.1f} s, frames built in {framed:.1f} s "
          f"({len(contracts):,} contracts)")

    runs = []
    for _ in range(3):
        t = time.perf_counter()
        result = lframe.evaluate_frame(frame, contracts, args.at)
        runs.append(time.perf_counter() - t)
    vector = sorted(runs)[1]
    sample = pairs[: args.loop_sample]
    t = time.perf_counter()
    for asset, policy in sample:
        rules.evaluate(asset, args.at, policy)
    loop = (time.perf_counter() - t) / len(sample) * args.assets
    counts = result["hardware"].value_counts().to_dict()
    print(f"vectorised: {vector:.3f} s for {args.assets:,} assets (median of 3: "
          f"{', '.join(f'{r:.3f}' for r in runs)}) = {args.assets / vector:,.0f} assets/s")
    print(f"per-asset loop: {loop:.2f} s for {args.assets:,} (from {len(sample):,} timed) -> speedup "
          f"{loop / vector:.1f}x")
    print(f"hardware status counts: {counts}")
    print("target < 1 s:", "met" if vector < 1 else "MISSED")


def refresh_bench(n: int) -> None:
    from common import generated_inventory

    generated_inventory(n)
    from lifecycle import state
    from lifecycle.models import LifecyclePolicy, LifecycleState

    LifecycleState.objects.all().delete()  # the first refresh writes every row

    def timed(label: str) -> float:
        before = LifecycleState.objects.order_by().values_list("computed", flat=True).distinct().count()
        start = time.perf_counter()
        count = state.refresh()
        elapsed = time.perf_counter() - start
        after = LifecycleState.objects.order_by().values_list("computed", flat=True).distinct().count()
        print(f"{label:<34} {elapsed:6.2f} s  {count / elapsed:9,.0f} assets/s  "
              f"(write batches {before} -> {after})")
        return elapsed

    first = timed("first refresh (every row new)")
    again = timed("again, nothing changed")
    LifecyclePolicy.objects.filter(org_unit__isnull=True, category="").delete()
    policy = LifecyclePolicy(service_life_years=6)
    LifecyclePolicy.objects.bulk_create([policy])  # no signal: the refresh below is timed by hand
    changed = timed("after a policy change")
    assert LifecycleState.objects.count() == n
    print(f"target first < 3 s: {'met' if first < 3 else 'MISSED'} (aim 1 s); "
          f"nothing changed < 1 s: {'met' if again < 1 else 'MISSED'}; policy change {changed:.2f} s")


if __name__ == "__main__":
    main()
