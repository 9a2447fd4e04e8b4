import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` / ``redis`` need those services; without the URL they skip."""
    db_url = os.environ.get("DATABASE_URL", "")
    for item in items:
        if "postgres" in item.keywords and not db_url.startswith(("postgres://", "postgresql://")):
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://..."))
        if "redis" in item.keywords and not os.environ.get("REDIS_URL"):
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL=redis://..."))


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent (the shared fixtures live beside the checkout)")
    return SHARED


@pytest.fixture
def catalogue(db):
    """Cisco (with an alias), its C9300-48P and the site Stadthaus."""
    from tests.factories import HardwareModelFactory, ManufacturerFactory, SiteFactory

    cisco = ManufacturerFactory(name="Cisco", slug="cisco", aliases=["Cisco Systems, Inc."])
    HardwareModelFactory(manufacturer=cisco, model="C9300-48P")
    SiteFactory(name="Stadthaus", slug="stadthaus")
    return cisco


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the default language: a request in German leaves German active in the
    thread (LocaleMiddleware), and words made from codes (lifecycle.labels) follow it."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory) -> Path:
    """One SQLite file migrated by a real ``manage.py migrate`` (a fresh install), made once per
    session: subprocess tests that need a migrated database copy it (``migrated_sqlite``) rather
    than each migrating a database of their own (several seconds each)."""
    import sqlite3
    import subprocess
    import sys

    path = tmp_path_factory.mktemp("sqlite-template") / "migrated.sqlite3"
    env = {k: v for k, v in os.environ.items()
           if k not in {"DEBUG", "DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(SECRET_KEY="sqlite-template-" + "t" * 40, DATABASE_URL=f"sqlite:///{path}")
    done = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
                          cwd=Path(__file__).resolve().parent.parent, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    # the settings put SQLite in WAL mode: fold the log into the file, so one file is the database
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


@pytest.fixture
def migrated_sqlite(migrated_sqlite_template, tmp_path):
    """``migrated_sqlite(name)``: a copy of the migrated template at ``tmp_path / name``, for a
    subprocess (which cannot see the test database); returns its path."""
    import shutil

    def copy(name: str = "migrated.sqlite3") -> Path:
        target = tmp_path / name
        shutil.copyfile(migrated_sqlite_template, target)
        return target

    return copy


@pytest.fixture(scope="session")
def netbox_server():
    """One real NetBox 4.7 for the whole session (tests/netbox_harness.py), PostgreSQL suite only:
    NetBox needs PostgreSQL, and one start (~40 s) per CI run is enough. Its Redis databases:
    NETBOX_TEST_REDIS_DBS (default 10,11)."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("a real NetBox runs with the PostgreSQL suite: set DATABASE_URL=postgres://...")
    import psycopg

    from tests.netbox_harness import NetBox

    dbs = tuple(int(n) for n in os.environ.get("NETBOX_TEST_REDIS_DBS", "10,11").split(","))
    with NetBox(redis_dbs=dbs) as nb:
        yield nb
    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres") as c:
        left = {r[0] for r in c.execute("SELECT datname FROM pg_database")}
    assert nb.database not in left, f"NetBox's database {nb.database} was left behind"


@pytest.fixture
def netbox(netbox_server):
    """The session's NetBox, emptied after the test (objects made through the API)."""
    try:
        yield netbox_server
    finally:
        netbox_server.wipe()
