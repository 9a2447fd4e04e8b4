#!/usr/bin/env python
"""Benchmark: generate N assets as CSV and import them (validation, assets, tags, change log).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/werterhalt_bench .venv/bin/python bench/import_assets.py
    .venv/bin/python bench/import_assets.py --rows 20000          # SQLite in a temporary file

The database named by DATABASE_URL is DROPPED and recreated (PostgreSQL) or a temporary SQLite
file is used. Prints rows/second for the first import, a re-import of the same file (nothing
changes), a dry run and a re-import where every row changes. Each import includes its change log
and the lifecycle refresh of the imported assets (``LifecycleState``, written in the import's
transaction).

Floors (issue #13, PostgreSQL, 100,000 rows): first import >= 10,000 rows/s, re-import with every
row changed >= 8,000 rows/s (earlier target, issue #2: >= 5,000 rows/s).

After the first import the script checks that every imported asset has its lifecycle state
(``LifecycleState``); a missing one fails the run (exit status 1, after all figures are printed).
"Python CPU" is the CPU time of this process (the rest of the time it waits for the database);
"after commit" is the part of an import's time spent after its transaction committed (on-commit
callbacks; shown when there is any: the import itself leaves none).

Diagnostics (not the import's figures; floors are not judged on them):
  --no-lifecycle  disconnects the lifecycle receivers of ``inventory.signals.assets_changed`` to
                  time the import alone.
  --raw-limit     after the runs, times the database's own part of the same writes without
                  Python: COPY of the same asset rows, tag links and change-log rows into empty
                  copies of their tables (same indexes, foreign keys checked), and the lock,
                  UPDATE and change-log COPY of "every row changed"; all rolled back.
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
import weakref
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import prepare_database  # noqa: E402

FIRST_FLOOR = 10_000  # rows/s, first import of 100,000 rows on PostgreSQL (issue #13)
CHANGED_FLOOR = 8_000  # rows/s, re-import where every row changes


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
    parser.add_argument("--no-lifecycle", action="store_true",
                        help="DIAGNOSTIC: time the import without the lifecycle refresh (floors "
                             "not judged)")
    parser.add_argument("--raw-limit", action="store_true",
                        help="DIAGNOSTIC: time the database's part of the same writes, no Python")
    args = parser.parse_args()

    target = prepare_database()
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "werterhalt.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from inventory import assets_csv, demo
    from inventory.models import Asset, ObjectChange
    from inventory.signals import assets_changed
    from lifecycle.models import LifecycleState

    if args.no_lifecycle:
        for uid, receiver in _receivers(assets_changed):
            if receiver.__module__.startswith("lifecycle."):
                assert assets_changed.disconnect(receiver, dispatch_uid=uid)
        print("DIAGNOSTIC: lifecycle refresh disconnected; not the import's figures")

    call_command("migrate", verbosity=0)
    demo.load()  # the catalogue, sites and org units the rows refer to
    Asset.objects.all().delete()
    ObjectChange.objects.all().delete()

    text = generate(args.rows)
    print(f"database: {target}")
    print(f"rows: {args.rows:,} ({len(text) / 1e6:.1f} MB of CSV)")

    # Time spent in on-commit callbacks (the lifecycle refresh runs there), to tell it apart.
    after_commit = [0.0]
    run_hooks = connection.run_and_clear_commit_hooks

    def timed_hooks() -> None:
        start = time.perf_counter()
        try:
            run_hooks()
        finally:
            after_commit[0] += time.perf_counter() - start

    connection.run_and_clear_commit_hooks = timed_hooks

    def timed(label: str, **kwargs) -> float:
        nonlocal text
        after_commit[0] = 0.0
        start, cpu = time.perf_counter(), time.process_time()
        summary = assets_csv.import_csv(text, actor_name="bench", **kwargs)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        hooks = f", after commit {after_commit[0]:.2f} s" if after_commit[0] >= 0.01 else ""
        print(f"{label:<28} {elapsed:7.2f} s  {args.rows / elapsed:9,.0f} rows/s  {summary}"
              f"  (Python CPU {cpu:.2f} s{hooks})")
        return args.rows / elapsed

    failures = []
    first = timed("first import")
    assert Asset.objects.count() == args.rows
    states = LifecycleState.objects.count()
    print(f"{'':<28} lifecycle state rows: {states:,}")
    if not args.no_lifecycle and states != args.rows:
        failures.append(f"{states:,} lifecycle state rows for {args.rows:,} imported assets")
    changes = ObjectChange.objects.count()
    print(f"{'':<28} change log rows: {changes:,}")
    timed("re-import (no change)")
    timed("dry run")
    assert ObjectChange.objects.count() == changes
    text = text.replace(",\n", ",changed by the bench\n")  # the comments cell of every row
    every = timed("re-import, every row changed")
    assert ObjectChange.objects.count() == changes + args.rows
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:,.0f} MB")
    if args.raw_limit:
        if connection.vendor == "postgresql":
            raw_limit(args.rows)
        else:
            print("--raw-limit: PostgreSQL only")
    if args.no_lifecycle:
        print("floors not judged: --no-lifecycle is a diagnostic run")
    else:
        if connection.vendor != "postgresql" or args.rows != 100_000:
            print("(the floors are set for PostgreSQL and 100,000 rows)")
        for label, rate, floor in (("first import", first, FIRST_FLOOR),
                                   ("every row changed", every, CHANGED_FLOOR)):
            print(f"floor {label} >= {floor:,} rows/s:", "met" if rate >= floor else "MISSED")
    for failure in failures:
        print("FAILED:", failure)
    if failures:
        sys.exit(1)


class _RolledBack(Exception):
    pass


def raw_limit(rows: int) -> None:
    """DIAGNOSTIC: the database's part of the bench's writes, without Python (see --raw-limit)."""
    from django.db import connection, transaction

    from inventory.models import Asset, ObjectChange

    tables = [Asset._meta.db_table, Asset.tags.through._meta.db_table, ObjectChange._meta.db_table]
    print("DIAGNOSTIC raw limit: the database alone, the same rows, rolled back")
    with connection.cursor() as django_cursor:
        cur = django_cursor.cursor

        def columns(table: str) -> str:
            cur.execute("SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute "
                        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped", [table])
            return cur.fetchone()[0]

        def dump(query: str) -> bytes:
            out = io.BytesIO()
            with cur.copy(f"COPY ({query}) TO STDOUT") as copy:
                for chunk in copy:
                    out.write(chunk)
            return out.getvalue()

        def load(table: str, cols: str, data: bytes) -> float:
            start = time.perf_counter()
            with cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for at in range(0, len(data), 1 << 20):
                    copy.write(data[at:at + (1 << 20)])
            return time.perf_counter() - start

        cols = {t: columns(t) for t in tables}
        asset, tags, log = tables
        data = {
            "assets": dump(f"SELECT {cols[asset]} FROM {asset} ORDER BY id"),  # noqa: S608
            "tags": dump(f"SELECT {cols[tags]} FROM {tags} ORDER BY id"),  # noqa: S608
            "created": dump(f"SELECT {cols[log]} FROM {log} WHERE action = 'create' "  # noqa: S608
                            f"AND object_id IN (SELECT id FROM {asset}) ORDER BY id LIMIT {rows}"),
            "updated": dump(f"SELECT {cols[log]} FROM {log} WHERE action = 'update' "  # noqa: S608
                            f"ORDER BY id DESC LIMIT {rows}"),
        }
        try:
            with transaction.atomic():
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # foreign keys checked per statement
                for table in tables:  # empty copies: same columns, indexes, checks, foreign keys
                    cur.execute(f"CREATE TABLE bench_{table} (LIKE {table} INCLUDING ALL)")
                    cur.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                                "WHERE conrelid = %s::regclass AND contype = 'f'", [table])
                    for name, definition in cur.fetchall():
                        cur.execute(f"ALTER TABLE bench_{table} ADD CONSTRAINT bench_{name} {definition}")
                took = [load(f"bench_{asset}", cols[asset], data["assets"]),
                        load(f"bench_{tags}", cols[tags], data["tags"]),
                        load(f"bench_{log}", cols[log], data["created"])]
                print(f"  first import: assets {took[0]:.2f} s, tag links {took[1]:.2f} s, "
                      f"change log {took[2]:.2f} s = {sum(took):.2f} s ({rows / sum(took):,.0f} rows/s)")

                start = time.perf_counter()
                cur.execute(f"SELECT {cols[asset]} FROM {asset} ORDER BY id FOR UPDATE")  # noqa: S608
                cur.fetchall()
                locked = time.perf_counter() - start
                start = time.perf_counter()
                cur.execute(f"UPDATE {asset} SET comments = comments || ' (raw)'")  # noqa: S608
                updated = time.perf_counter() - start
                logged = load(f"bench_{log}", cols[log], data["updated"])
                total = locked + updated + logged
                print(f"  every row changed: lock and read {locked:.2f} s, UPDATE {updated:.2f} s, "
                      f"change log {logged:.2f} s = {total:.2f} s ({rows / total:,.0f} rows/s)")
                raise _RolledBack
        except _RolledBack:
            pass


def _receivers(signal) -> list:
    """``(dispatch_uid or None, receiver)`` of the live receivers of ``signal``."""
    found = []
    for (key, _sender), ref, *_ in signal.receivers:
        receiver = ref() if isinstance(ref, weakref.ReferenceType) else ref
        if receiver is not None:
            found.append((key if isinstance(key, str) else None, receiver))
    return found


if __name__ == "__main__":
    main()
