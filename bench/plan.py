#!/usr/bin/env python
"""Benchmark: replacement planning and its exports over a generated inventory (issue #6).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/werterhalt_bench_plan .venv/bin/python bench/plan.py
    .venv/bin/python bench/plan.py --assets 5000          # SQLite in a temporary file

Drops and recreates the database (PostgreSQL) or uses a temporary SQLite file, generates the
inventory of bench/ui.py (100,000 assets by default), stores the lifecycle answers, then times
what `manage.py export_plan` does: the plan (schedule + forecast per year × org unit + a plan
capped at a yearly budget + the value view) and each export, with the peak memory of the process.
The workbook is the whole one of docs/workbook.md: totals rows, the org-unit tree and the
Scenarios sheet (budget -20 %/+20 %, service life +1/+2 years: four more capped plans, two more
schedules), in English, or in ``--language``; the scenarios alone are timed too.
Targets: CSV under 3 s, XLSX under 10 s, each including the plan.
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import generated_inventory  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--language", default="en", help="the workbook's language (en, de)")
    args = parser.parse_args()

    generated_inventory(args.assets)
    from django.utils import timezone

    from lifecycle import exports, planning, scenarios, state

    t = time.perf_counter()
    state.refresh()
    print(f"lifecycle.state.refresh(): {time.perf_counter() - t:.1f} s")
    print(f"peak memory before planning: {peak_mb():.0f} MB")

    at = timezone.localdate()
    budget = 2_000_000.0
    results: dict[str, list[float]] = {}
    parts: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    tmp = Path(tempfile.mkdtemp())
    for _ in range(args.rounds):
        for fmt in ("csv", "json", "xlsx"):
            c0 = time.process_time()  # CPU seconds too: on a shared machine the wall clock wanders
            t0 = time.perf_counter()
            frame = planning.assets_frame(at)
            t1 = time.perf_counter()
            sched = planning.schedule(at, frame=frame)
            fc = planning.forecast(sched, at, by="org_unit")
            capped = planning.capped_plan(sched, at, budget)
            value = planning.value_view(frame)
            plan = planning.Plan(
                at=at,
                filters=planning.Filters(),
                budget=budget,
                extend_years=0,
                frame=frame,
                schedule=sched,
                forecast=fc,
                capped=capped,
                value=value,
            )
            t2 = time.perf_counter()
            if fmt == "xlsx":
                exports.write_xlsx(plan, str(tmp / "plan.xlsx"), language=args.language)
                size = (tmp / "plan.xlsx").stat().st_size
            else:
                buffer = io.StringIO()
                (exports.write_csv if fmt == "csv" else exports.write_json)(plan, buffer)
                size = len(buffer.getvalue().encode())
            t3 = time.perf_counter()
            cpu.setdefault(fmt, []).append(time.process_time() - c0)
            if fmt == "xlsx":  # what the Scenarios sheet computes, again, outside the timed export
                scenarios.table(plan, scenarios.run(plan))
                parts.setdefault("  of which scenarios (write xlsx computes them)", []).append(
                    time.perf_counter() - t3
                )
            results.setdefault(fmt, []).append(t3 - t0)
            parts.setdefault("load (assets_frame)", []).append(t1 - t0)
            parts.setdefault("schedule + forecast + capped + value", []).append(t2 - t1)
            parts.setdefault(f"write {fmt}", []).append(t3 - t2)
            parts.setdefault(f"{fmt} bytes", []).append(size)
    print(
        f"\nplan over {len(frame):,} assets in use, {len(sched):,} due within 10 years, "
        f"capped plan at CHF {budget:,.0f} a year; median of {args.rounds} rounds"
    )
    for name, values in parts.items():
        values = sorted(values)
        median = values[len(values) // 2]
        print(
            f"  {name:<40} {median / 1e6:8.2f} MB"
            if name.endswith("bytes")
            else f"  {name:<40} {median:8.2f} s"
        )
    targets = {"csv": 3.0, "json": None, "xlsx": 10.0}
    for fmt, values in results.items():
        median = sorted(values)[len(values) // 2]
        verdict = "" if targets[fmt] is None else (" -> met" if median < targets[fmt] else " -> MISSED")
        limit = f" (target < {targets[fmt]:.0f} s)" if targets[fmt] else ""
        used = sorted(cpu[fmt])[len(cpu[fmt]) // 2]
        print(f"{fmt}: plan + export {median:.2f} s{limit}{verdict}; CPU {used:.2f} s")
    print(f"peak memory of the process: {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
