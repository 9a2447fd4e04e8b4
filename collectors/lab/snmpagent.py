"""Real SNMP agents for the lab and tests: one snmpsim command responder, many endpoints.

``SnmpAgents(data_dir, endpoints, v3_users=...)`` starts ONE ``snmpsim-command-responder``
process of this venv that serves every ``.snmprec`` under ``data_dir`` on every UDP endpoint
(each lab device has its own loopback address 127.77.x.y, like a real device on port 161 of its
own address). snmpsim's rules pick the recording:

- SNMP v2c: the community is the recording's path relative to ``data_dir`` without its suffix
  (``ios_2960x`` for ``DIR/ios_2960x.snmprec``, ``ios_2960x/ios_2960x`` for
  ``DIR/ios_2960x/ios_2960x.snmprec``); any other community gets no answer at all;
- SNMPv3: every configured user reaches every recording; the context name selects it (the same
  string as the community when it is at most 32 characters, else its MD5 in hex). An unknown
  context gets no answer.

The command (``SnmpAgents.command()``), as root::

    .venv/bin/python -c "<preload>" .venv/bin/snmpsim-command-responder \\
        --data-dir=DIR --agent-udpv4-endpoint=127.77.0.1:PORT [...] \\
        --process-user=nobody --process-group=nogroup --cache-dir=TMP/cache \\
        --logging-method=stderr --log-level=LEVEL --args-from-file=TMP/v3-users

Why the preload: as root snmpsim drops privileges to nobody while it builds its indexes and
for good once it serves, and this venv's interpreter lives under ``/root/.pyenv`` (``/root`` is
mode 0700), so nobody cannot read the standard library; snmpsim's lazy imports (``dbm.dumb``,
``encodings.latin_1`` ...) then fail with "no dbm clone found" or "unknown encoding". The
``-c`` preamble imports them as root and then runs the venv's ``snmpsim-command-responder``
script unchanged (``runpy``); when run as another user there is nothing to drop.

Secrets: the v3 users and keys go to an ``--args-from-file`` file (mode 0600, read by snmpsim
before it drops privileges), not onto the command line ``ps`` shows. snmpsim logs the keys at
level ``info``; the log (stdout and stderr of the process, a file in the agents' temp dir, mode
0600) is therefore ``error`` by default, and its tail in a startup error is scrubbed.

``start()`` returns once every endpoint answers a GET of sysObjectID (polled through pysnmp,
bounded by ``start_timeout``); ``stop()`` terminates the process and reaps it (SIGKILL after
``stop_timeout``); the temp dir goes with it. Also a context manager.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PRELOAD = (
    "import dbm, dbm.dumb, encodings.latin_1, encodings.ascii, encodings.utf_8, "
    "encodings.hex_codec, encodings.idna, runpy, sys; "
    "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"
)
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"


class SnmpAgentError(Exception):
    pass


@dataclass(frozen=True, repr=False)
class V3User:
    """An SNMPv3 user of the agents (authPriv)."""

    name: str
    auth_key: str
    priv_key: str
    auth_protocol: str = "SHA"
    priv_protocol: str = "AES"

    def __repr__(self) -> str:
        protocols = f"auth_protocol={self.auth_protocol!r}, priv_protocol={self.priv_protocol!r}"
        return f"V3User({self.name!r}, {protocols})"


def context_name(community: str) -> str:
    """The SNMPv3 context name that selects the recording a v2c community selects."""
    return community if len(community) <= 32 else hashlib.md5(community.encode()).hexdigest()  # noqa: S324


def communities(data_dir: Path) -> list[str]:
    """The communities snmpsim gives the recordings under ``data_dir``."""
    return sorted(p.relative_to(data_dir).with_suffix("").as_posix() for p in data_dir.rglob("*.snmprec"))


class SnmpAgents:
    def __init__(
        self,
        data_dir: Path,
        endpoints: Sequence[tuple[str, int]],
        *,
        v3_users: Sequence[V3User] = (),
        probe_community: str | None = None,
        start_timeout: float = 60.0,
        stop_timeout: float = 5.0,
        log_level: str = "error",
        max_var_binds: int = 64,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.endpoints = [(str(a), int(p)) for a, p in endpoints]
        self.v3_users = list(v3_users)
        self.start_timeout, self.stop_timeout = start_timeout, stop_timeout
        self.log_level, self.max_var_binds = log_level, max_var_binds
        if not self.endpoints:
            raise ValueError("SnmpAgents needs at least one endpoint")
        if not self.data_dir.is_dir():
            raise SnmpAgentError(f"{self.data_dir} is not a directory")
        found = communities(self.data_dir)
        if not found:
            raise SnmpAgentError(f"no .snmprec under {self.data_dir}")
        self.communities = found
        self.probe_community = probe_community or found[0]
        self.process: subprocess.Popen | None = None
        self.tmp: Path | None = None
        self.log_path: Path | None = None

    # -- set-up ----------------------------------------------------------------------------

    @staticmethod
    def responder() -> Path:
        return Path(sys.executable).parent / "snmpsim-command-responder"

    def _secrets(self) -> list[str]:
        return [s for u in self.v3_users for s in (u.auth_key, u.priv_key) if s]

    def _prepare(self) -> tuple[Path, Path]:
        self.tmp = Path(tempfile.mkdtemp(prefix="snmpagents-"))
        cache = self.tmp / "cache"
        cache.mkdir()
        args_file = self.tmp / "v3-users"
        lines = []
        for user in self.v3_users:
            lines += [
                f"--v3-user={user.name}",
                f"--v3-auth-key={user.auth_key}",
                f"--v3-auth-proto={user.auth_protocol}",
                f"--v3-priv-key={user.priv_key}",
                f"--v3-priv-proto={user.priv_protocol}",
            ]
        if any(" " in line or "\t" in line or "\n" in line for line in lines):
            raise ValueError("snmpsim reads its args file split on whitespace: no blanks in v3 users or keys")
        fd = os.open(args_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write("\n".join(lines) + "\n")
        if os.geteuid() == 0:
            import grp
            import pwd

            nobody, nogroup = pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid
            os.chmod(self.tmp, 0o755)  # noqa: S103 - mkdtemp makes it 0700; nobody must reach cache/
            os.chown(cache, nobody, nogroup)
            self._check_readable_by_nobody()
        return cache, args_file

    def _check_readable_by_nobody(self) -> None:
        """The data dir must be readable by others (snmpsim reads it as nobody)."""
        for path in [self.data_dir, *self.data_dir.parents]:
            mode = path.stat().st_mode
            if not mode & 0o001:
                raise SnmpAgentError(
                    f"{path} is not searchable by others: snmpsim (user nobody) cannot read it"
                )
        for path in self.data_dir.rglob("*"):
            mode = path.stat().st_mode
            need = 0o005 if path.is_dir() else 0o004
            if mode & need != need:
                raise SnmpAgentError(
                    f"{path} is not readable by others: snmpsim (user nobody) cannot read it"
                )

    def command(self, cache: Path, args_file: Path) -> list[str]:
        cmd = [sys.executable, "-c", PRELOAD, str(self.responder())]
        cmd += [f"--data-dir={self.data_dir}"]
        cmd += [f"--agent-udpv4-endpoint={a}:{p}" for a, p in self.endpoints]
        if os.geteuid() == 0:
            cmd += ["--process-user=nobody", "--process-group=nogroup"]
        cmd += [
            f"--cache-dir={cache}",
            "--logging-method=stderr",
            f"--log-level={self.log_level}",
            f"--max-var-binds={self.max_var_binds}",
        ]
        if self.v3_users:
            cmd.append(f"--args-from-file={args_file}")
        return cmd

    # -- life cycle ------------------------------------------------------------------------

    def start(self) -> SnmpAgents:
        if self.process is not None:
            raise SnmpAgentError("already started")
        cache, args_file = self._prepare()
        self.log_path = self.tmp / "snmpsim.log"
        fd = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            self.process = subprocess.Popen(  # noqa: S603
                self.command(cache, args_file),
                stdin=subprocess.DEVNULL,
                stdout=fd,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            os.close(fd)
        try:
            self._wait_until_answering()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_answering(self) -> None:
        from collectors.snmp import client

        deadline = time.monotonic() + self.start_timeout
        waiting = list(self.endpoints)
        while waiting:
            if self.process.poll() is not None:
                raise SnmpAgentError(
                    f"snmpsim exited with {self.process.returncode} while starting:\n{self.log_tail()}"
                )
            if time.monotonic() > deadline:
                raise SnmpAgentError(
                    f"snmpsim did not answer on {waiting[0][0]}:{waiting[0][1]} within "
                    f"{self.start_timeout:.0f} s:\n{self.log_tail()}"
                )
            address, port = waiting[0]
            target = client.Target(address, port, community=self.probe_community, timeout=0.3, retries=0)
            try:
                if SYS_OBJECT_ID in client.read(target, [SYS_OBJECT_ID]):
                    waiting.pop(0)
                    continue
            except client.SnmpTimeout:
                continue
            raise SnmpAgentError(
                f"snmpsim answers on {address}:{port} but {self.probe_community!r} has no sysObjectID"
            )

    def log_tail(self, lines: int = 30) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no log)"
        text = "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        for secret in sorted(self._secrets(), key=len, reverse=True):
            text = text.replace(secret, "***")
        return text

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(self.stop_timeout)
        elif process is not None:
            process.wait()
        if self.tmp is not None:
            with contextlib.suppress(OSError):
                shutil.rmtree(self.tmp)
            self.tmp = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def __enter__(self) -> SnmpAgents:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
