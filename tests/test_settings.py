"""Settings come from the environment; the services named there are really used."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def _settings_in_subprocess(env: dict[str, str], expr: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "TIME_ZONE",
                          "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE"}}
    code = f"import werterhalt.settings as s; print({expr})"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=60)


def test_secret_key_is_required_without_debug():
    result = _settings_in_subprocess({}, "s.SECRET_KEY")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_defaults_embedded_sqlite_and_zurich_time():
    result = _settings_in_subprocess({"SECRET_KEY": "x"}, "s.DATABASES['default']['NAME'], s.TIME_ZONE")
    assert result.returncode == 0, result.stderr
    assert str(ROOT / "werterhalt.sqlite3") in result.stdout
    assert "Europe/Zurich" in result.stdout


def test_environment_overrides():
    result = _settings_in_subprocess(
        {"DEBUG": "1", "DATABASE_URL": "postgres://u@db.example:5433/inv", "TIME_ZONE": "UTC",
         "ALLOWED_HOSTS": "inv.example, 10.0.0.5"},
        "s.DEBUG, s.DATABASES['default']['ENGINE'], s.DATABASES['default']['PORT'], s.TIME_ZONE, "
        "s.ALLOWED_HOSTS",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "True" in out and "postgresql" in out and "5433" in out and " UTC " in out
    assert "['inv.example', '10.0.0.5']" in out


@pytest.mark.postgres
@pytest.mark.django_db
def test_ci_really_runs_on_postgresql():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("select version()")
        assert cursor.fetchone()[0].startswith("PostgreSQL")


@pytest.mark.redis
def test_cache_uses_redis_when_redis_url_is_set():
    import redis

    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    key = f"settings-test-{uuid.uuid4()}"
    cache.set(key, {"answer": 42}, timeout=30)
    assert cache.get(key) == {"answer": 42}
    # The value is really in that Redis server, not in a local fallback.
    raw = redis.Redis.from_url(os.environ["REDIS_URL"])
    assert any(key in k.decode() for k in raw.scan_iter(match=f"*{key}*"))
    cache.delete(key)
    assert cache.get(key) is None


def test_static_files_are_served_by_the_app_without_debug(client, settings):
    """No CDN and no separate web server: the app serves its CSS, script and htmx itself."""
    settings.DEBUG = False
    files = ("/static/werterhalt/app.css", "/static/werterhalt/app.js", "/static/vendor/htmx-2.0.11.min.js")
    for path in files:
        response = client.get(path)
        assert response.status_code == 200, path
        assert int(response["Content-Length"]) > 100
    assert client.get("/static/nothing-here.css").status_code in (302, 404)


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "HTTPS", "BEHIND_PROXY",
                          "HSTS_SECONDS", "DISCOVERY_ALLOW", "DJANGO_SETTINGS_MODULE",
                          "DJANGO_ALLOW_ASYNC_UNSAFE"}}  # set by the browser tests in this process
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_over_https_prints_no_warning():
    """issue #14: HTTPS=1 with a 50-character key and the discovery prefixes set → no warning."""
    env = {"HTTPS": "1", "SECRET_KEY": "k" * 20 + uuid.uuid4().hex[:30], "DISCOVERY_ALLOW": "10.0.0.0/8"}
    result = _manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    values = _settings_in_subprocess(env, "(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
                                          "s.SESSION_COOKIE_SECURE, hasattr(s, 'SECURE_PROXY_SSL_HEADER'))")
    assert values.stdout.strip() == "(True, 31536000, True, False)"


def test_check_deploy_over_https_on_a_fresh_install_prints_no_warning(migrated_sqlite):
    """issue #14, literally: ``HTTPS=1 manage.py check --deploy`` with a 50-character key — no
    other setting — prints no warning on a fresh (migrated, empty) install; DISCOVERY_ALLOW unset
    is warned about once the database holds hosts discovery would connect to. The fresh install
    is a copy of the session's database made by ``manage.py migrate`` on an empty file."""
    env = {"HTTPS": "1", "SECRET_KEY": "k" * 20 + uuid.uuid4().hex[:30],
           "DATABASE_URL": f"sqlite:///{migrated_sqlite('fresh.sqlite3')}"}
    result = _manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    made = _manage(env, "shell", "-c", "from tests.factories import AssetFactory; "
                                       "AssetFactory(management_address='192.0.2.8')")
    assert made.returncode == 0, made.stderr
    result = _manage(env, "check", "--deploy")
    assert "collectors.W001" in result.stdout + result.stderr


def test_behind_a_proxy_the_forwarded_protocol_is_trusted_only_when_asked():
    env = {"SECRET_KEY": "x" * 50, "HTTPS": "1", "BEHIND_PROXY": "1"}
    result = _settings_in_subprocess(env, "s.SECURE_PROXY_SSL_HEADER")
    assert result.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')"
    plain = _settings_in_subprocess({"SECRET_KEY": "x" * 50},
                                    "(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS)")
    assert plain.stdout.strip() == "(False, 0)"


def test_without_https_check_deploy_names_what_is_missing():
    result = _manage({"SECRET_KEY": "k" * 50, "DISCOVERY_ALLOW": "10.0.0.0/8"}, "check", "--deploy")
    assert "security.W008" in result.stdout + result.stderr  # no redirect to HTTPS
