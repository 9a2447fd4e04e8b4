"""A real NetBox for integration tests (issue #18): built, started and torn down from code.

NetBox 4.7 needs Python >= 3.12 and pins its own Django, so it lives in its own virtualenv
(`.netbox-venv/` at the project root by default), never in the project's. Each `NetBox` gets
its own PostgreSQL database, its own two Redis databases, its own configuration in a temp
dir and its own `netbox runserver` on a free loopback port; `stop()` removes all of it.

    venv = ensure_venv()                      # ~65 s the first time, then instant
    with NetBox(venv) as nb:
        nb.api("/api/dcim/sites/", "POST", {"name": "A", "slug": "a"})

Migrating an empty database takes ~5 minutes; when `../shared/netbox/` holds a migrated
dump of the same NetBox version it is restored first and migrate takes seconds.

Environment (all optional): NETBOX_VENV (venv path), NETBOX_PYTHON (a Python >= 3.12),
NETBOX_TEST_DUMP (a dump to restore; empty = none), NETBOX_TEST_PGHOST/PGPORT/PGUSER/PGPASSWORD
(default 127.0.0.1:5432 postgres), NETBOX_TEST_REDIS_HOST/REDIS_PORT (default 127.0.0.1:6379).

`python -m tests.netbox_harness` builds, starts, fills and reads a NetBox and prints timings.
This module holds no tests; nothing here runs unless a caller asks for it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import redis
import requests

NETBOX_VERSION = "4.7.3"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VENV = PROJECT_ROOT / ".netbox-venv"
SHARED_DUMP = PROJECT_ROOT.parent / "shared" / "netbox" / f"netbox-{NETBOX_VERSION}-migrated.dump"
# Written last by ensure_venv: a venv without it is a half-built one and is rebuilt.
_MARKER = ".werterhalt-netbox"

PG_HOST = os.environ.get("NETBOX_TEST_PGHOST", "127.0.0.1")
PG_PORT = int(os.environ.get("NETBOX_TEST_PGPORT", "5432"))
PG_USER = os.environ.get("NETBOX_TEST_PGUSER", "postgres")
PG_PASSWORD = os.environ.get("NETBOX_TEST_PGPASSWORD", "")
REDIS_HOST = os.environ.get("NETBOX_TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("NETBOX_TEST_REDIS_PORT", "6379"))

PIP_TIMEOUT = 900
MIGRATE_TIMEOUT = 900
START_TIMEOUT = 120
COMMAND_TIMEOUT = 300


class NetBoxUnavailable(RuntimeError):
    """A real NetBox cannot be had here; the message names what is missing."""


# --------------------------------------------------------------------------- venv


def find_python312() -> str:
    """A Python >= 3.12 interpreter: $NETBOX_PYTHON, python3.12/3.13 on PATH, or pyenv's."""
    candidates: list[str] = []
    if os.environ.get("NETBOX_PYTHON"):
        candidates.append(os.environ["NETBOX_PYTHON"])
    for name in ("python3.12", "python3.13"):
        found = shutil.which(name)
        if found:
            candidates.append(found)
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    for minor in ("3.12", "3.13"):
        candidates += sorted(
            (str(p) for p in pyenv_root.glob(f"versions/{minor}.*/bin/python{minor}")), reverse=True
        )
    for candidate in candidates:
        try:
            out = subprocess.run(
                [candidate, "-c", "import sys; print(sys.version_info >= (3, 12))"],
                capture_output=True, text=True, timeout=30,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0 and out.stdout.strip() == "True":
            return candidate
    raise NetBoxUnavailable(
        "no Python >= 3.12 for NetBox 4.7: none of $NETBOX_PYTHON, python3.12 or python3.13 on PATH, "
        f"or {pyenv_root}/versions/3.12.*/bin/python3.12 works (install one with pyenv)"
    )


def installed_version(venv: Path) -> str | None:
    """The netbox version installed in `venv`, or None when it is missing or half-built."""
    python = venv / "bin" / "python"
    if not (venv / _MARKER).is_file() or not python.exists() or not (venv / "bin" / "netbox").exists():
        return None
    out = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('netbox'))"],
        capture_output=True, text=True, timeout=60,
    )
    return out.stdout.strip() if out.returncode == 0 else None


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # waits while another session builds
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pip_failure(log_text: str) -> str:
    """The package pip could not get, when its log names one."""
    for pattern in (
        r"No matching distribution found for (\S+)",
        r"Could not find a version that satisfies the requirement (\S+)",
        r"Failed to build (\S+)",
        r"Failed building wheel for (\S+)",
    ):
        found = re.search(pattern, log_text)
        if found:
            return found.group(0)
    if "ResolutionImpossible" in log_text:
        return "pip's resolver found the requirements conflicting (ResolutionImpossible)"
    return "see the log"


def ensure_venv(path: Path | str | None = None, version: str = NETBOX_VERSION) -> Path:
    """The virtualenv at `path` (default `.netbox-venv/`) with netbox==`version` in it.

    Built only when missing, half-built or of another version; a lock file beside it makes
    parallel sessions wait for one build instead of doing two. Returns the venv's path.
    """
    venv = Path(path) if path else Path(os.environ.get("NETBOX_VENV", DEFAULT_VENV))
    venv = venv.resolve()
    if installed_version(venv) == version:
        return venv
    with _file_lock(venv.with_name(venv.name + ".lock")):
        if installed_version(venv) == version:  # another session built it while we waited
            return venv
        python = find_python312()
        if venv.exists():
            shutil.rmtree(venv)
        made = subprocess.run([python, "-m", "venv", str(venv)], capture_output=True, text=True)
        if made.returncode != 0:
            raise NetBoxUnavailable(f"{python} -m venv {venv} failed: {made.stderr.strip()[-2000:]}")
        log_path = venv / "pip-install.log"
        with open(log_path, "w") as log:
            try:
                pip = subprocess.run(
                    [str(venv / "bin" / "python"), "-m", "pip", "install", "--no-input",
                     f"netbox=={version}"],
                    stdout=log, stderr=subprocess.STDOUT, timeout=PIP_TIMEOUT,
                )
                code = pip.returncode
            except subprocess.TimeoutExpired:
                code = None
        if code != 0:
            text = log_path.read_text(errors="replace")
            what = "timed out" if code is None else f"exited {code}"
            raise NetBoxUnavailable(
                f"pip install netbox=={version} into {venv} {what}: {_pip_failure(text)}\n"
                f"--- tail of {log_path} ---\n{_tail(text)}"
            )
        (venv / _MARKER).write_text(version + "\n")
        got = installed_version(venv)
        if got != version:
            raise NetBoxUnavailable(f"{venv} has netbox {got!r} after pip install, not {version}")
    return venv


# --------------------------------------------------------------------------- helpers


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


def _random_secret(length: int = 64) -> str:
    alphabet = string.ascii_letters + string.digits + "!@#$%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _scrub(text: str, *secrets_: str | None) -> str:
    """`text` without the given secrets and without anything shaped like a v2 token."""
    for secret in secrets_:
        if secret:
            text = text.replace(secret, "***")
    return re.sub(r"nbt_[A-Za-z0-9]+\.[A-Za-z0-9]+", "nbt_***", text)


def _pg_connect(dbname: str = "postgres") -> psycopg.Connection:
    try:
        return psycopg.connect(
            host=PG_HOST, port=PG_PORT, user=PG_USER, password=PG_PASSWORD or None,
            dbname=dbname, autocommit=True, connect_timeout=10,
        )
    except psycopg.OperationalError as error:
        raise NetBoxUnavailable(
            f"PostgreSQL at {PG_HOST}:{PG_PORT} (user {PG_USER}) unreachable: {error}"
        ) from error


def _redis(db: int) -> redis.Redis:
    return redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db, socket_timeout=10)


class NetBoxAPIError(RuntimeError):
    """A NetBox API call answered with an error status."""

    def __init__(self, method: str, path: str, response: requests.Response):
        self.status = response.status_code
        self.body = response.text[:2000]
        super().__init__(f"{method} {path} -> {self.status}: {self.body}")


# --------------------------------------------------------------------------- NetBox


class NetBox:
    """One running NetBox with its own database, Redis databases, configuration and server.

    `with NetBox() as nb:` (or `nb = NetBox(); nb.start(); ...; nb.stop()`). After start:
    `nb.url` (http://127.0.0.1:PORT), `nb.token` (a v2 write token of superuser `nb.username`,
    password `nb.password`), `nb.api(path, method, json)`, `nb.timings` (seconds per phase).

    venv: a venv from ensure_venv() (default: ensure_venv() is called).
    redis_dbs: the two Redis database numbers (tasks, caching) this instance owns; they are
        flushed at start and at stop, so give numbers nothing else uses (the project's CI
        uses 14 and 15).
    dump: a `pg_dump -Fc` of a migrated database of the same NetBox version; default the shared
        one when it exists and the venv holds NetBox 4.7.3; False = always migrate from scratch.
        A dump that does not restore is dropped and the database migrated from scratch.
    """

    def __init__(
        self,
        venv: Path | str | None = None,
        *,
        redis_dbs: tuple[int, int] = (12, 13),
        dump: Path | str | bool | None = None,
        start_timeout: float = START_TIMEOUT,
    ):
        self.venv = Path(venv) if venv else None
        self.redis_dbs = tuple(redis_dbs)
        if len(self.redis_dbs) != 2 or self.redis_dbs[0] == self.redis_dbs[1]:
            raise ValueError(f"redis_dbs needs two different database numbers, not {redis_dbs!r}")
        self._dump_choice = dump
        self.start_timeout = start_timeout
        self.database = f"werterhalt_netbox_{uuid.uuid4().hex[:12]}"
        self.username = "werterhalt"
        self.password = secrets.token_urlsafe(24)
        self.url = ""
        self.token = ""
        self.port = 0
        self.restored = False
        self.timings: dict[str, float] = {}
        self.root: Path | None = None
        self.log_path: Path | None = None
        self._process: subprocess.Popen | None = None
        self._log_handle = None
        self._db_created = False
        self._session: requests.Session | None = None

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> NetBox:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> NetBox:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        began = time.monotonic()
        if self.venv is None:
            self.venv = ensure_venv()
            self.timings["venv"] = time.monotonic() - began
        version = installed_version(self.venv)
        if version is None:
            raise NetBoxUnavailable(f"{self.venv} holds no NetBox: build it with ensure_venv()")
        self.root = Path(tempfile.mkdtemp(prefix="werterhalt-netbox-"))
        self.log_path = self.root / "netbox.log"
        self._flush_redis()
        self._write_configuration()

        phase = time.monotonic()
        with _pg_connect() as conn:
            conn.execute(f'CREATE DATABASE "{self.database}"')
        self._db_created = True
        self.timings["create_db"] = time.monotonic() - phase

        dump = self._dump_path(version)
        if dump is not None:
            phase = time.monotonic()
            self.restored = self._restore(dump)
            self.timings["restore"] = time.monotonic() - phase

        phase = time.monotonic()
        self._manage(["migrate", "--no-input"], timeout=MIGRATE_TIMEOUT, what="netbox migrate")
        self.timings["migrate"] = time.monotonic() - phase

        phase = time.monotonic()
        self.token = self._create_superuser_and_token()
        self.timings["superuser_token"] = time.monotonic() - phase

        phase = time.monotonic()
        self._serve()
        self.timings["start"] = time.monotonic() - phase
        self.timings["total"] = time.monotonic() - began

    def stop(self) -> None:
        """Stop the server, drop the database, flush the Redis databases; safe to call twice."""
        problems: list[str] = []
        if self._session is not None:
            self._session.close()
            self._session = None
        self._kill_server(graceful=True)
        if self._db_created:
            try:
                with _pg_connect() as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
                self._db_created = False
            except Exception as error:  # noqa: BLE001 - report every cleanup problem, do the rest
                problems.append(f"drop database {self.database}: {error}")
        try:
            self._flush_redis()
        except Exception as error:  # noqa: BLE001
            problems.append(f"flush redis dbs {self.redis_dbs}: {error}")
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None
        if problems:
            raise RuntimeError("NetBox cleanup incomplete: " + "; ".join(problems))

    # ------------------------------------------------------------------ API

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            self._session = requests.Session()
            self._session.headers.update({
                "Authorization": f"Bearer {self.token}",
                "Accept": "application/json",
            })
        return self._session

    def request(self, path: str, method: str = "GET", json: Any = None, **kwargs: Any) -> requests.Response:
        """The raw response of one API call; `path` is relative to the server (`/api/...`)."""
        if not self.url:
            raise RuntimeError("NetBox is not started")
        url = path if path.startswith("http") else self.url + "/" + path.lstrip("/")
        kwargs.setdefault("timeout", 30)
        return self.session.request(method.upper(), url, json=json, **kwargs)

    def api(self, path: str, method: str = "GET", json: Any = None, **kwargs: Any) -> Any:
        """One API call's decoded JSON (None for 204); NetBoxAPIError on an error status."""
        response = self.request(path, method, json, **kwargs)
        if response.status_code >= 400:
            raise NetBoxAPIError(method.upper(), path, response)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    # what wipe() empties, dependents first
    WIPE = (
        "/api/ipam/ip-addresses/", "/api/dcim/inventory-items/", "/api/dcim/modules/",
        "/api/dcim/module-bays/", "/api/dcim/interfaces/", "/api/dcim/devices/",
        "/api/dcim/module-types/", "/api/dcim/device-types/", "/api/dcim/platforms/",
        "/api/dcim/device-roles/", "/api/dcim/sites/", "/api/dcim/regions/", "/api/dcim/site-groups/",
        "/api/tenancy/tenants/", "/api/dcim/manufacturers/", "/api/extras/custom-fields/",
    )

    def wipe(self) -> None:
        """Delete every object a test made through the API (users and tokens stay), so that the
        next test starts from an empty NetBox without a new server. Regions and site groups are
        trees: deleted leaves first."""
        for path in self.WIPE:
            for _ in range(20):
                listed = self.api(f"{path}?limit=1000&fields=id")
                ids = [{"id": row["id"]} for row in listed["results"]]
                if not ids:
                    break
                if path.endswith(("/regions/", "/site-groups/")):
                    rows = self.api(f"{path}?limit=1000&fields=id,parent")["results"]
                    parents = {(r.get("parent") or {}).get("id") for r in rows}
                    ids = [{"id": r["id"]} for r in rows if r["id"] not in parents]
                self.api(path, "DELETE", ids)

    # ------------------------------------------------------------------ steps

    def _dump_path(self, version: str) -> Path | None:
        choice = self._dump_choice
        if choice is False:
            return None
        if choice is None or choice is True:
            env = os.environ.get("NETBOX_TEST_DUMP")
            if env is not None:  # NETBOX_TEST_DUMP= (empty) turns the shared dump off
                return Path(env) if env else None
            return SHARED_DUMP if version == NETBOX_VERSION and SHARED_DUMP.is_file() else None
        return Path(choice)

    def _restore(self, dump: Path) -> bool:
        env = dict(os.environ, PGPASSWORD=PG_PASSWORD) if PG_PASSWORD else None
        out = subprocess.run(
            ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
             "-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER, "-d", self.database, str(dump)],
            capture_output=True, text=True, timeout=600, env=env,
        )
        if out.returncode == 0:
            return True
        # A dump that does not fit (another pg_dump, a damaged file): start from an empty database.
        print(f"netbox_harness: pg_restore of {dump} failed, migrating from scratch: "
              f"{_tail(out.stderr, 5)}", file=sys.stderr)
        with _pg_connect() as conn:
            conn.execute(f'DROP DATABASE "{self.database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.database}"')
        return False

    def _flush_redis(self) -> None:
        for db in self.redis_dbs:
            try:
                _redis(db).flushdb()
            except redis.RedisError as error:
                raise NetBoxUnavailable(f"Redis at {REDIS_HOST}:{REDIS_PORT} db {db}: {error}") from error

    def _write_configuration(self) -> None:
        assert self.root is not None
        conf = self.root / "conf"
        conf.mkdir()
        (conf / "__init__.py").write_text("")
        redis_conf = {
            name: {"HOST": REDIS_HOST, "PORT": REDIS_PORT, "USERNAME": "", "PASSWORD": "",
                   "DATABASE": db, "SSL": False}
            for name, db in zip(("tasks", "caching"), self.redis_dbs, strict=True)
        }
        database = {
            "ENGINE": "django.db.backends.postgresql", "NAME": self.database, "USER": PG_USER,
            "PASSWORD": PG_PASSWORD, "HOST": PG_HOST, "PORT": str(PG_PORT), "CONN_MAX_AGE": 300,
        }
        text = (
            "# Written by tests/netbox_harness.py for one test NetBox; removed with it.\n"
            f"ALLOWED_HOSTS = ['127.0.0.1', 'localhost']\n"
            f"DATABASES = {{'default': {database!r}}}\n"
            f"REDIS = {redis_conf!r}\n"
            f"SECRET_KEY = {_random_secret()!r}\n"
            f"API_TOKEN_PEPPERS = {{1: {_random_secret()!r}}}\n"
            "CENSUS_REPORTING_ENABLED = False\n"
            "RELEASE_CHECK_URL = None\n"
            "TIME_ZONE = 'UTC'\n"
        )
        path = conf / "configuration.py"
        path.write_text(text)
        path.chmod(0o600)

    def _env(self) -> dict[str, str]:
        assert self.root is not None and self.venv is not None
        env = {k: v for k, v in os.environ.items()
               if k not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH", "PYTHONHOME", "NETBOX_CONFIGURATION")}
        env.update(
            NETBOX_ROOT=str(self.root),
            VIRTUAL_ENV=str(self.venv),
            PATH=f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
            PYTHONUNBUFFERED="1",
        )
        return env

    def _manage(self, args: list[str], *, timeout: float, what: str,
                env: dict[str, str] | None = None) -> str:
        assert self.venv is not None
        try:
            out = subprocess.run(
                [str(self.venv / "bin" / "netbox"), *args], capture_output=True, text=True,
                timeout=timeout, env=env or self._env(), cwd=self.root, stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as error:
            text = error.stdout or ""
            text = text.decode(errors="replace") if isinstance(text, bytes) else text
            raise NetBoxUnavailable(
                f"{what} took over {timeout:.0f} s\n{_scrub(_tail(text), self.password)}"
            ) from None
        if out.returncode != 0:
            raise NetBoxUnavailable(
                f"{what} exited {out.returncode}\n"
                + _scrub(_tail(out.stdout + "\n" + out.stderr), self.password, self.token)
            )
        return out.stdout

    def _create_superuser_and_token(self) -> str:
        code = (
            "import os\n"
            "from users.models import Token, User\n"
            "u = User.objects.create_superuser(os.environ['WH_NB_USER'], 'tests@example.invalid', "
            "os.environ['WH_NB_PASSWORD'])\n"
            "t = Token(user=u, write_enabled=True, description='werterhalt tests')\n"
            "t.full_clean()\n"
            "t.save()\n"
            "print('WERTERHALT_TOKEN', 'nbt_' + t.key + '.' + t.token)\n"
        )
        env = dict(self._env(), WH_NB_USER=self.username, WH_NB_PASSWORD=self.password)
        out = self._manage(["nbshell", "-c", code], timeout=COMMAND_TIMEOUT,
                           what="creating the superuser and token in netbox nbshell", env=env)
        for line in out.splitlines():
            if line.startswith("WERTERHALT_TOKEN "):
                return line.split(" ", 1)[1].strip()
        raise NetBoxUnavailable("netbox nbshell printed no token\n" + _scrub(_tail(out), self.password))

    def _serve(self) -> None:
        assert self.log_path is not None
        for attempt in range(3):
            self.port = free_port()
            self.url = f"http://127.0.0.1:{self.port}"
            self._log_handle = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
            self._process = subprocess.Popen(
                [str(self.venv / "bin" / "netbox"), "runserver", f"127.0.0.1:{self.port}",
                 "--noreload", "--insecure"],
                stdout=self._log_handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=self._env(), cwd=self.root, start_new_session=True,  # own process group
            )
            try:
                self._wait_ready()
                return
            except NetBoxUnavailable:
                log = self.log_path.read_text(errors="replace")
                if attempt < 2 and "already in use" in log:  # lost the port to someone else: retry
                    self._kill_server()
                    continue
                raise

    def _kill_server(self, graceful: bool = False) -> None:
        """End the server's process group (SIGTERM first when ``graceful``, SIGKILL if it stays)."""
        if self._process is not None:
            if graceful:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._process.pid, signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._process.wait(timeout=15)
            if self._process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait(timeout=15)
            self._process = None
        if self._log_handle is not None:
            self._log_handle.close()
            self._log_handle = None

    def _wait_ready(self) -> None:
        assert self._process is not None and self.log_path is not None
        deadline = time.monotonic() + self.start_timeout
        last = "no answer yet"
        delay = 0.1
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                last = f"the server exited with {self._process.returncode}"
                break
            try:
                response = requests.get(
                    f"{self.url}/api/status/", timeout=5,
                    headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
                )
                if response.status_code == 200:
                    return
                last = f"/api/status/ answered {response.status_code}"
            except requests.RequestException as error:
                last = type(error).__name__
            time.sleep(delay)  # back-off between polls, not a fixed wait for the server
            delay = min(delay * 1.5, 1.0)
        else:
            last = f"not ready within {self.start_timeout:g} s ({last})"
        log = self.log_path.read_text(errors="replace")
        raise NetBoxUnavailable(
            f"netbox runserver on {self.url}: {last}\n--- tail of the server's log ---\n"
            + _scrub(_tail(log), self.token, self.password)
        )


# --------------------------------------------------------------------------- smoke run


def _smoke(argv: list[str]) -> int:
    """Build, start, fill and read back a NetBox; print the time of each phase."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tests.netbox_harness", description=_smoke.__doc__)
    parser.add_argument("--no-dump", action="store_true", help="migrate from scratch (~5 min)")
    parser.add_argument("--venv", default=None, help=f"default {DEFAULT_VENV}")
    parser.add_argument("--redis-dbs", default="12,13", help="two Redis database numbers (default 12,13)")
    args = parser.parse_args(argv)

    began = time.monotonic()
    venv = ensure_venv(args.venv)
    venv_seconds = time.monotonic() - began
    print(f"venv            {venv_seconds:7.1f} s  {venv} (netbox {installed_version(venv)})")
    redis_dbs = tuple(int(n) for n in args.redis_dbs.split(","))
    nb = NetBox(venv, redis_dbs=redis_dbs, dump=False if args.no_dump else None)
    with nb:
        for phase in ("create_db", "restore", "migrate", "superuser_token", "start"):
            if phase in nb.timings:
                print(f"{phase:<15} {nb.timings[phase]:7.1f} s")
        print(f"running         {nb.url} (restored from dump: {nb.restored})")

        phase = time.monotonic()
        status = nb.api("/api/status/")
        maker = nb.api("/api/dcim/manufacturers/", "POST", {"name": "Acme", "slug": "acme"})
        dtype = nb.api("/api/dcim/device-types/", "POST",
                       {"manufacturer": maker["id"], "model": "Switch 48", "slug": "switch-48"})
        site = nb.api("/api/dcim/sites/", "POST", {"name": "Werk Nord", "slug": "werk-nord"})
        role = nb.api("/api/dcim/device-roles/", "POST",
                      {"name": "Access", "slug": "access", "color": "2196f3"})
        made = nb.api("/api/dcim/devices/", "POST", [
            {"name": f"sw-{n}", "device_type": dtype["id"], "site": site["id"], "role": role["id"],
             "serial": f"SN-{n:04d}", "status": "active"}
            for n in range(1, 4)
        ])
        fill_seconds = time.monotonic() - phase
        listed = nb.api(f"/api/dcim/devices/?site_id={site['id']}&ordering=name")
        names = [(d["name"], d["serial"], d["device_type"]["model"]) for d in listed["results"]]
        assert listed["count"] == 3 and len(made) == 3, listed
        print(f"api             {fill_seconds:7.1f} s  NetBox {status['netbox-version']}, "
              f"Django {status['django-version']}: created and read back {names}")
        stopping = time.monotonic()
    print(f"stop            {time.monotonic() - stopping:7.1f} s")
    print(f"total           {time.monotonic() - began:7.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(_smoke(sys.argv[1:]))
