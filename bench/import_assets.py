#!/usr/bin/env python
"""Benchmark: generate N assets as CSV and import them (validation, assets, tags, change log).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/werterhalt_bench .venv/bin/python bench/import_assets.py
    .venv/bin/python bench/import_assets.py --rows 20000          # SQLite in a temporary file

The database named by DATABASE_URL is DROPPED and recreated (PostgreSQL) or a temporary SQLite
file is used. Prints rows/second for the first import, a re-import of the same file (nothing
changes) and a dry run. Target (issue #2): >= 5,000 rows/s on PostgreSQL, change log included.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import prepare_database  # noqa: E402


def generate(rows: int, seed: int = 7) -> str:
    from inventory import demo

    rng = random.Random(seed)
    models = [(maker, part) for maker, part, *_ in demo.MODELS]
    makers = {slug: name for slug, name, _ in demo.MANUFACTURERS}
    sites = [slug for slug, *_ in demo.SITES]
    units = [slug for slug, *_ in demo.ORG_UNITS]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "serial", "asset_tag", "manufacturer", "model", "site", "org_unit",
                     "status", "management_address", "purchase_date", "in_service_date",
                     "purchase_cost", "warranty_end", "tags", "comments"])
    for i in range(rows):
        maker, part = models[i % len(models)]
        year = 2012 + i % 13
        writer.writerow([
            f"bench-{i:06d}", f"BS{i:09d}", f"WH-{i:06d}", makers[maker], part,
            sites[i % len(sites)], units[i % len(units)],
            rng.choice(["active", "active", "active", "spare", "maintenance"]),
            f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}",
            f"{year}-0{1 + i % 9}-1{i % 9}", f"{year}-0{1 + i % 9}-2{i % 9}",
            f"{1000 + i % 9000}.50", f"{year + 5}-0{1 + i % 9}-1{i % 9}",
            rng.choice(["", "core", "access, poe", "critical"]), "",
        ])
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()

    target = prepare_database()
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "werterhalt.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from inventory import assets_csv, demo
    from inventory.models import Asset, ObjectChange

    call_command("migrate", verbosity=0)
    demo.load()  # the catalogue, sites and org units the rows refer to
    Asset.objects.all().delete()
    ObjectChange.objects.all().delete()

    text = generate(args.rows)
    print(f"database: {target}")
    print(f"rows: {args.rows:,} ({len(text) / 1e6:.1f} MB of CSV)")

    def timed(label: str, **kwargs) -> None:
        nonlocal text
        start = time.perf_counter()
        summary = assets_csv.import_csv(text, actor_name="bench", **kwargs)
        elapsed = time.perf_counter() - start
        print(f"{label:<26} {elapsed:7.2f} s  {args.rows / elapsed:9,.0f} rows/s  {summary}")

    timed("first import")
    assert Asset.objects.count() == args.rows
    changes = ObjectChange.objects.count()
    print(f"{'':<26} change log rows: {changes:,}")
    timed("re-import (no change)")
    timed("dry run")
    assert ObjectChange.objects.count() == changes
    text = text.replace(",\n", ",changed by the bench\n")  # the comments cell of every row
    timed("re-import, every row changed")
    assert ObjectChange.objects.count() == changes + args.rows
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
