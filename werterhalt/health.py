"""Is this process able to serve? ``/healthz`` (no login, for load balancers and systemd) and
``/api/status/`` (signed in: versions, workers, the last discovery run) both ask here.

``checks()`` never raises: each check is "ok" or a short reason, without hosts, users or
messages of the services (an unauthenticated probe must not learn the setup)."""

from __future__ import annotations

import platform

import django
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return "unreachable"
    return "ok"


def _migrations() -> str:
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        return "unknown"
    return "ok" if not pending else f"{len(pending)} not applied"


def _redis() -> str | None:
    if not settings.REDIS_URL:
        return None
    try:
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    except Exception:  # noqa: BLE001 - any failure means: not usable
        return "unreachable"
    return "ok"


def checks() -> tuple[bool, dict[str, str]]:
    """(healthy, {check: "ok" or a short reason}): the process answers, the database answers,
    every migration is applied, and Redis answers when it is configured."""
    found = {"process": "ok", "database": _database()}
    found["migrations"] = _migrations() if found["database"] == "ok" else "unknown"
    redis_state = _redis()
    if redis_state is not None:
        found["redis"] = redis_state
    return all(v == "ok" for v in found.values()), found


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        own = version("werterhalt")
    except PackageNotFoundError:
        own = "unknown"
    database = connection.vendor
    try:
        if connection.vendor == "postgresql":
            connection.ensure_connection()
            database = f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}"
        elif connection.vendor == "sqlite":
            database = f"SQLite {connection.Database.sqlite_version}"
    except DatabaseError:
        pass
    return {
        "werterhalt": own,
        "django": django.get_version(),
        "python": platform.python_version(),
        "database": database,
    }
