"""Real serving (issue #14): `make serve` (gunicorn, DEBUG off, WhiteNoise) answers /healthz and a
static file; the commands of the systemd units in deploy/ run as written (the install path
/opt/werterhalt becomes this checkout); /healthz and /api/status/ say what they check."""

import configparser
import json
import os
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import free_port

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def _env(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE", "REDIS_URL", "HTTPS"}}
    env.update(SECRET_KEY="serve-test-" + "k" * 40, DATABASE_URL=f"sqlite:///{tmp_path}/serve.sqlite3",
               ALLOWED_HOSTS="127.0.0.1,localhost", **extra)
    return env


def _get(url: str) -> tuple[int, bytes, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 - our own server
            return answer.status, answer.read(), dict(answer.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def _until_healthy(server: subprocess.Popen, port: int, timeout: float = 120) -> tuple[int, bytes]:
    deadline = time.monotonic() + timeout
    while True:  # readiness probe: poll until the server answers
        try:
            status, body, _headers = _get(f"http://127.0.0.1:{port}/healthz")
            return status, body
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the server did not answer on port {port} (exit {server.poll()})")
            time.sleep(0.2)


def _serving(server, port):
    status, body = _until_healthy(server, port)
    assert status == 200, body
    health = json.loads(body)
    assert health == {"status": "ok", "checks": {"process": "ok", "database": "ok", "migrations": "ok"}}
    static_status, css, headers = _get(f"http://127.0.0.1:{port}/static/werterhalt/app.css")
    assert static_status == 200 and len(css) > 100 and "css" in headers.get("Content-Type", "")
    # DEBUG is off: an unknown page is the plain 404 (or the login), never Django's debug page
    status, page, _headers = _get(f"http://127.0.0.1:{port}/api/no-such-thing/")
    assert status in (401, 404) and b"DEBUG = True" not in page and b"Traceback" not in page


def test_make_serve_answers_healthz_and_static_files_with_debug_off(tmp_path):
    port = free_port()
    server = subprocess.Popen(["make", "serve", "HOST=127.0.0.1", f"PORT={port}", "WORKERS=2"], cwd=ROOT,
                              env=_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        _serving(server, port)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


def _unit(name: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(DEPLOY / name)
    return parser["Service"]


def _command(line: str) -> list[str]:
    return [part.replace("/opt/werterhalt", str(ROOT)) for part in shlex.split(line)]


def test_the_web_units_commands_serve(tmp_path):
    unit = _unit("werterhalt-web.service")
    assert unit["WorkingDirectory"] == "/opt/werterhalt" and unit["User"] == "werterhalt"
    env = _env(tmp_path)
    subprocess.run(_command(unit["ExecStartPre"]), cwd=ROOT, env=env, check=True, capture_output=True)
    command = _command(unit["ExecStart"])
    port = free_port()
    command[command.index("--bind") + 1] = f"127.0.0.1:{port}"
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        _serving(server, port)
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.parametrize("name", ["werterhalt-scheduler.service", "werterhalt-lifecycle.service"])
def test_the_timer_units_commands_run(tmp_path, migrated_sqlite, name):
    migrated_sqlite("serve.sqlite3")  # a migrated install (the web unit's test migrates one itself)
    env = _env(tmp_path)
    done = subprocess.run(_command(_unit(name)["ExecStart"]), cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_unit_reads_the_environment_file_and_drops_privileges():
    for path in sorted(DEPLOY.glob("*.service")):
        unit = _unit(path.name)
        assert unit["EnvironmentFile"] == "/etc/werterhalt/werterhalt.env", path.name
        assert (unit["User"], unit["NoNewPrivileges"], unit["ProtectSystem"]) == (
            "werterhalt", "yes", "strict"), path.name


def test_the_web_process_warns_at_start_when_discovery_may_reach_any_address(tmp_path, migrated_sqlite):
    """DISCOVERY_ALLOW unset on an install with hosts in its database (an asset with a management
    address): the web process says so when it starts (what gunicorn loads: werterhalt.wsgi);
    not on an install without such hosts, not once DISCOVERY_ALLOW is set."""
    migrated_sqlite("serve.sqlite3")  # a migrated install without hosts
    env = _env(tmp_path, DISCOVERY_ALLOW="")
    manage = [sys.executable, "manage.py"]

    def start(**extra) -> str:
        done = subprocess.run([sys.executable, "-c", "import werterhalt.wsgi"], cwd=ROOT,
                              env={**env, **extra}, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stderr

    assert "collectors.W001" not in start()  # nothing in the database to reach
    subprocess.run([*manage, "shell", "-c",
                    "from tests.factories import AssetFactory; AssetFactory(management_address='192.0.2.7')"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    warned = start()
    assert "collectors.W001: DISCOVERY_ALLOW is not set" in warned and "DISCOVERY_ALLOW=10.0.0.0/8" in warned
    assert "collectors.W001" not in start(DISCOVERY_ALLOW="192.0.2.0/24")
