#!/usr/bin/env python
"""Benchmark: lifecycle status, replacement date and book value for N assets.

    .venv/bin/python bench/lifecycle.py [--assets 100000] [--loop-sample 10000]

Generates assets (dates, costs, notices, releases, contracts, modules, per-asset policies) with a
fixed seed, builds the frames once, then times ``lifecycle.frame.evaluate_frame`` (vectorised)
over all of them and ``lifecycle.rules.evaluate`` (per asset) over a sample, extrapolated.
Target (issue #4): under 1 s vectorised for 100,000 assets; prints the speedup over the loop.
No database: the rules are pure.
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
    args = parser.parse_args()

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


if __name__ == "__main__":
    main()
