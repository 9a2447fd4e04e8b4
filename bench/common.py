"""What every benchmark script needs: the project on sys.path and a fresh database."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# First, also when the project is already on the path further down (``python -m cProfile`` puts
# the current directory there): bench/lifecycle.py must not shadow the lifecycle app.
if sys.path[:1] != [str(ROOT)]:
    sys.path.insert(0, str(ROOT))


def prepare_database() -> str:
    """DROP and recreate the PostgreSQL database DATABASE_URL names, or point DATABASE_URL at a
    new temporary SQLite file. Returns what was prepared, for the report."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import dj_database_url
        import psycopg

        cfg = dj_database_url.parse(url)
        admin = psycopg.connect(host=cfg["HOST"], port=cfg["PORT"] or 5432, user=cfg["USER"],
                                password=cfg["PASSWORD"] or None, dbname="postgres", autocommit=True)
        admin.execute(f'DROP DATABASE IF EXISTS "{cfg["NAME"]}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
        admin.close()
        return f"PostgreSQL {cfg['NAME']}"
    path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    return f"SQLite {path}"


def django_ready() -> str:
    """A fresh database (``prepare_database``), Django set up as the bench scripts run it, and
    migrated. Returns what was prepared, for the report."""
    target = prepare_database()
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "werterhalt.settings")
    import django

    django.setup()
    from django.core.management import call_command

    print(f"database: {target}")
    call_command("migrate", verbosity=0)
    return target


def generated_inventory(assets: int) -> str:
    """A fresh database (``prepare_database``) with Django set up, migrated and filled by
    bench/ui.py's generator (fixed seed). Returns what was prepared, for the report."""
    import random
    import time

    target = django_ready()
    import ui

    started = time.perf_counter()
    ui.generate(assets, random.Random(7))
    print(f"generation: {time.perf_counter() - started:.1f} s")
    return target
