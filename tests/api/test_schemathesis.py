"""Schemathesis (property-based tests generated from /api/schema/) against a real server — gunicorn
on its own PostgreSQL database holding the demo inventory — as a read-only and as a write token,
with a fixed seed and bounded examples. Checks: no answer is a server error, every answer matches
the schema. Issue #14: 18 operations answered 500 before. Runs once, in the PostgreSQL suite."""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import free_port

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
SEED, EXAMPLES = 42, 10
# migrate, the demo inventory with its lifecycle answers, a viewer and an admin with a token each
SETUP = """
import io, json
from django.contrib.auth.models import Group, User
from django.core.management import call_command

def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()

run("migrate", "--noinput")
run("load_demo", "--user", "st-admin")
run("load_demo_lifecycle")
run("lifecycle_refresh")
User.objects.create_user("st-viewer").groups.add(Group.objects.get(name="viewer"))
User.objects.get(username="st-admin").groups.add(Group.objects.get(name="admin"))
print(json.dumps({"read": run("create_token", "st-viewer").strip(),
                  "write": run("create_token", "st-admin", "--write").strip()}))
"""
# A read-only token is refused every write before its body is looked at (403, or 404 for an object
# that is not there): the coverage phase's hundreds of invalid bodies per write would each meet the
# same refusal (75 % of that run's requests). Under that token the writes get the coverage phase's
# valid cases and every other phase (each answer still checked against the schema); the write
# token gets every phase in full.
READ_ONLY_CONFIG = """
[[operations]]
include-method = ["POST", "PUT", "PATCH", "DELETE"]
phases.coverage.generation.mode = "positive"
"""


def _manage(env, *args) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(os.environ["DATABASE_URL"])
    name = f"werterhalt_schemathesis_{os.getpid()}"
    admin = psycopg.connect(host=cfg["HOST"], port=cfg["PORT"] or 5432, user=cfg["USER"],
                            password=cfg["PASSWORD"] or None, dbname="postgres", autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}"')
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + name
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL", "DEBUG"}}
    env.update(SECRET_KEY="schemathesis-" + "s" * 40, DATABASE_URL=url, ALLOWED_HOSTS="127.0.0.1",
               API_RATE_USER="1000000/min", LIFECYCLE_REFRESH="inline")
    # the same commands as before, in one process: each process of its own starts Django anew
    keys = json.loads(_manage(env, "shell", "-c", SETUP).strip().splitlines()[-1])
    port = free_port()
    log = open(tmp_path_factory.mktemp("st") / "server.log", "wb")  # noqa: SIM115
    process = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "werterhalt.wsgi:application",
                                "--bind", f"127.0.0.1:{port}", "--workers", "2"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:  # readiness probe
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # noqa: S310
                break
        except (OSError, urllib.error.HTTPError):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start: {Path(log.name).read_text()[-2000:]}")
            time.sleep(0.2)
    yield port, keys, Path(log.name)
    process.terminate()
    process.wait(timeout=30)
    log.close()
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.mark.parametrize("token", ["read", "write"])
def test_no_operation_answers_500_or_off_schema(server, token, tmp_path):
    port, keys, log = server
    config = tmp_path / "schemathesis.toml"
    config.write_text(READ_ONLY_CONFIG if token == "read" else "")
    command = [str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(config),
               "run", f"http://127.0.0.1:{port}/api/schema/",
               "-H", f"Authorization: Token {keys[token]}",
               "--checks", "not_a_server_error,response_schema_conformance",
               "--max-examples", str(EXAMPLES), "--seed", str(SEED), "--workers", "2",
               # the write token must not delete itself halfway (its own tokens are fuzzed read-only)
               "--exclude-path-regex", "^/api/users/tokens/"]
    assert shutil.which(command[0]), "schemathesis is missing (pip install -e '.[dev]')"
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "NO_COLOR": "1"})
    report = done.stdout[-6000:]
    assert done.returncode == 0, report + "\n--- server log ---\n" + log.read_text()[-4000:]
    generated, passed = map(int, re.search(r"(\d+) generated, (\d+) passed", report).groups())
    assert generated == passed > 1000, report
