"""Serve the lab with FakeNOS on loopback, write its Nornir inventory, run it in the background.

Every device gets its own loopback address (127.77.x.y) on one port, like a real network where
every switch answers on port 22 of its own management address. FakeNOS checks port clashes
per port only, so ``LabNOS`` checks (address, port) instead.

Broken devices: ``auth`` expects another password, ``silent`` accepts TCP and never speaks,
``garbage`` answers every command with junk; hosts.yaml may also list a device nobody serves.

Devices that only answer SNMP (``snmp_devices.build_snmp_devices``: UPSes, printers, firewalls, a
switch) are served from their recordings by one snmpsim process (``collectors.lab.snmpagent``) on
UDP, each on its own address with a community of its own that the secrets file names per host.

Servers' BMCs (``topology.build_bmcs``) speak Redfish over HTTPS, each in a process of its own
(``collectors.lab.bmc``), with a certificate of the lab's own CA (``collectors.lab.tls``) that
the inventory names as ``ca_file``; their credentials are the secrets file's group ``bmc``.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml
from fakenos import FakeNOS
from fakenos.core.nos import Nos
from fakenos.plugins.nos import nos_plugins

from collectors.lab import snmp_devices, tls, topology
from collectors.lab.snmp_devices import SnmpDevice
from collectors.lab.topology import Bmc, Device
from collectors.normalize import netmiko_platform

# FakeNOS names its platforms as netmiko does (``normalize.netmiko_platform``)
FAKENOS_PLATFORM = {d: netmiko_platform(d) for d in ("ios", "nxos_ssh", "eos")}
PROMPTS = ["{base_prompt}>", "{base_prompt}#"]
PROJECT = Path(__file__).resolve().parents[2]
MOCKUPS = Path(__file__).resolve().parent / "redfish"
BMC_START_TIMEOUT = 30
BMC_STOP_TIMEOUT = 5


class LabError(Exception):
    pass


class LabNOS(FakeNOS):
    """FakeNOS whose hosts may share a port on different addresses."""

    def _allocate_port(self, port) -> None:  # (address, port) uniqueness is checked by Lab
        return None


class SilentServer:
    """Accepts TCP connections and never says a word: a device that hangs before the SSH banner."""

    def __init__(self, address: str, port: int) -> None:
        self.address, self.port = address, port
        self.sock: socket.socket | None = None
        self.clients: list[socket.socket] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True, name=f"silent-{address}")

    def start(self) -> None:
        self.sock = socket.create_server((self.address, self.port))
        self.sock.settimeout(0.5)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                client, _ = self.sock.accept()
                self.clients.append(client)
            except TimeoutError:
                continue
            except OSError:
                break

    def stop(self) -> None:
        self.stopping.set()
        if self.sock is None:
            return
        self.sock.close()
        for c in self.clients:
            with contextlib.suppress(OSError):
                c.close()
        if self.thread.is_alive():
            self.thread.join(timeout=5)


def _shared_nos() -> list[Nos]:
    """One NOS definition per platform, shared by all hosts (each host adds its own commands)."""
    result = []
    for platform in FAKENOS_PLATFORM.values():
        paths = nos_plugins[platform]
        yaml_paths = [
            p for p in (paths if isinstance(paths, list) else [paths]) if p.endswith((".yaml", ".yml"))
        ]
        nos = Nos(name=platform, filename=yaml_paths)
        nos.name = platform
        result.append(nos)
    return result


class Lab:
    """The lab's devices served in this process, its BMCs in child processes. ``start()`` binds
    every address before returning."""

    def __init__(
        self,
        devices: list[Device],
        *,
        answers: dict[str, dict[str, str]] | None = None,
        bmcs: Sequence[Bmc] = (),
        tls_dir: Path | None = None,
        snmp: Sequence[SnmpDevice] = (),
    ) -> None:
        """``answers`` replaces the generated outputs of the devices it names (e.g. recorded
        outputs of real devices). ``bmcs`` are served over HTTPS with a certificate written
        into ``tls_dir`` (see ``tls.ensure``); ``snmp`` devices by snmpsim from recordings written
        into a folder of their own (readable by snmpsim's user nobody, removed on stop)."""
        from collectors.lab.outputs import commands_for

        self.devices = devices
        self.bmcs = list(bmcs)
        self.tls_dir = tls_dir
        self.tls: tls.TlsFiles | None = None
        self.bmc_processes: dict[str, subprocess.Popen] = {}
        self.snmp = list(snmp)
        self.snmp_dir: Path | None = None
        self.snmp_agents = None
        self.commands: dict[str, dict[str, dict]] = {}
        hosts = {}
        seen = set()
        for d in [*devices, *self.bmcs, *self.snmp]:
            if (d.address, d.port) in seen:
                raise LabError(f"{d.name}: {d.address}:{d.port} is used twice")
            seen.add((d.address, d.port))
        if self.bmcs and tls_dir is None:
            raise LabError("the lab's BMCs need a folder for their TLS files (tls_dir)")
        for d in devices:
            if d.broken in ("silent", "down"):
                continue
            platform = FAKENOS_PLATFORM[d.driver]
            outputs = answers[d.name] if answers and d.name in answers else commands_for(d)
            commands = {cmd: {"output": out, "prompt": PROMPTS} for cmd, out in outputs.items()}
            hosts[d.name] = {
                "username": topology.USERNAME,
                "password": topology.WRONG_PASSWORD if d.broken == "auth" else topology.PASSWORD,
                "port": d.port,
                "platform": platform,
                "server": {
                    "plugin": "ParamikoSshServer",
                    "configuration": {"address": d.address, "timeout": 1},
                },
                "nos": {"plugin": platform, "configuration": {"commands": commands}},
            }
        self.fakenos = LabNOS(inventory={"hosts": hosts}, plugins=_shared_nos()) if hosts else None
        if self.fakenos:
            # FakeNOS deep-copies its inventory: keep hold of the dicts its servers read per session
            for name, host in self.fakenos.hosts.items():
                self.commands[name] = host.nos_inventory["configuration"]["commands"]
        self.silent = [SilentServer(d.address, d.port) for d in devices if d.broken == "silent"]

    @property
    def served_bmcs(self) -> list[Bmc]:
        return [b for b in self.bmcs if b.broken != "down"]

    def start(self) -> None:
        try:
            self._spawn_bmcs()
            self._start_snmp()
            if self.fakenos:
                self.fakenos.start()
                # FakeNOS calls listen() in its accept thread; do it now so that every device
                # accepts connections once start() returns (listen() twice is harmless)
                for host in self.fakenos.hosts.values():
                    host.server._socket.listen()
            for s in self.silent:
                s.start()
            self._wait_for_bmcs()
        except OSError as e:
            self.stop()
            raise LabError(f"cannot bind the lab's addresses: {e}") from e
        except LabError:
            self.stop()
            raise

    def _spawn_bmcs(self) -> None:
        """One process per BMC (sushy-static's handler reads its mockup from a module global).
        The password travels in the environment, never on the command line."""
        if not self.bmcs:
            return
        self.tls = tls.ensure(self.tls_dir, [b.address for b in self.bmcs])
        from collectors.lab.bmc import PASSWORD_VARIABLE

        for b in self.served_bmcs:
            password = topology.BMC_WRONG_PASSWORD if b.broken == "auth" else topology.BMC_PASSWORD
            args = [
                sys.executable,
                "-m",
                "collectors.lab.bmc",
                "--name",
                b.name,
                "--address",
                b.address,
                "--port",
                str(b.port),
                "--mockup",
                str(MOCKUPS / b.mockup),
                "--cert",
                str(self.tls.cert),
                "--key",
                str(self.tls.key),
                "--username",
                topology.BMC_USERNAME,
                "--parent",
                str(os.getpid()),
            ]
            self.bmc_processes[b.name] = subprocess.Popen(  # noqa: S603 - our interpreter, our module
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                cwd=PROJECT,
                env={**os.environ, PASSWORD_VARIABLE: password},
            )

    def _start_snmp(self) -> None:
        """Write the SNMP devices' recordings and start snmpsim on their endpoints; returns once
        every endpoint answers."""
        served = snmp_devices.served(self.snmp)
        if not served:
            return
        from collectors.lab.snmpagent import SnmpAgentError, SnmpAgents

        # snmpsim reads the recordings as nobody when started as root: a world-readable folder of
        # their own in the temp dir (a lab folder under /root or pytest's tmp is 0700)
        self.snmp_dir = data = Path(tempfile.mkdtemp(prefix="werterhalt-lab-snmp-"))
        data.chmod(0o755)
        for name, text in snmp_devices.data_files(served).items():
            (data / name).write_text(text, encoding="utf-8")
            (data / name).chmod(0o644)
        probe = next((d for d in served if not d.broken), served[0])
        try:
            self.snmp_agents = SnmpAgents(
                data, [(d.address, d.port) for d in served],
                probe_community=snmp_devices.served_community(probe),
            ).start()
        except SnmpAgentError as e:
            raise LabError(f"the lab's SNMP agents did not start: {e}") from e

    def _wait_for_bmcs(self, timeout: float = BMC_START_TIMEOUT) -> None:
        """Until every BMC process says it listens; LabError when one exits or takes too long."""
        deadline = time.monotonic() + timeout
        for name, proc in self.bmc_processes.items():
            line = b""
            while not line.startswith(b"ready"):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise LabError(f"BMC {name} did not start within {timeout:.0f} s")
                readable, _, _ = select.select([proc.stdout], [], [], remaining)
                if readable:
                    line = proc.stdout.readline()
                    if not line:  # end of file: the process exited
                        proc.wait(timeout=BMC_STOP_TIMEOUT)
                        raise LabError(f"BMC {name} exited with code {proc.returncode} before it listened")
            proc.stdout.close()

    def _stop_bmcs(self) -> None:
        """SIGTERM every BMC process, wait for each (SIGKILL after BMC_STOP_TIMEOUT), and check
        that every one is gone."""
        running = [p for p in self.bmc_processes.values() if p.poll() is None]
        for proc in running:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
        for proc in running:
            try:
                proc.wait(timeout=BMC_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=BMC_STOP_TIMEOUT)
        for proc in self.bmc_processes.values():
            if proc.stdout and not proc.stdout.closed:
                proc.stdout.close()
        alive = [name for name, p in self.bmc_processes.items() if p.poll() is None]
        if alive:
            raise LabError(f"BMC processes survived SIGKILL: {', '.join(alive)}")

    def stop(self) -> None:
        """Stop every server. FakeNOS joins each server's threads with a timeout of its own, one
        host after another (minutes for 200 busy devices): stop them side by side."""
        if self.fakenos:
            running = [h for h in self.fakenos.hosts.values() if h.running]
            if running:
                with ThreadPoolExecutor(max_workers=min(64, len(running))) as pool:
                    list(pool.map(lambda h: h.stop(), running))
        for s in self.silent:
            with contextlib.suppress(Exception):
                s.stop()
        if self.snmp_agents is not None:
            self.snmp_agents.stop()
        if self.snmp_dir is not None:
            shutil.rmtree(self.snmp_dir, ignore_errors=True)
        self._stop_bmcs()

    def __enter__(self) -> Lab:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def set_output(self, host: str, command: str, output: str) -> None:
        """Change what a device answers from its next SSH session on (tests: a removed module)."""
        self.commands[host][command] = {"output": output, "prompt": PROMPTS}

    def replace_device(self, device: Device) -> None:
        """Make ``device.name`` answer as ``device`` (e.g. a chassis swap: same name, new serial)."""
        from collectors.lab.outputs import commands_for

        commands = self.commands[device.name]
        commands.clear()
        commands.update(
            {cmd: {"output": out, "prompt": PROMPTS} for cmd, out in commands_for(device).items()}
        )


# --- the lab's Nornir inventory ------------------------------------------------------------------


def _host(device, platform: str, **data) -> dict:
    """A SimpleInventory host: the device's address, port and role, in the group of its role."""
    return {
        "hostname": device.address,
        "port": device.port,
        "platform": platform,
        "groups": [device.role],
        "data": {"role": device.role, **data},
    }


def write_inventory(
    devices: list[Device],
    folder: Path,
    *,
    include_outside: bool = False,
    bmcs: Sequence[Bmc] = (),
    ca_file: Path | None = None,
    snmp: Sequence[SnmpDevice] = (),
) -> Path:
    """hosts.yaml / groups.yaml / defaults.yaml (no credentials) + secrets.yaml (mode 600).

    BMCs are hosts of platform ``redfish`` in the group ``bmc``, read over HTTPS with TLS verified
    against ``ca_file`` (the lab CA); secrets.yaml gives the group ``bmc`` its own credentials."""
    if bmcs and ca_file is None:
        raise LabError("BMCs in the inventory need the lab CA's file (ca_file)")
    folder.mkdir(parents=True, exist_ok=True)
    hosts = {}
    for d in devices:
        if d.role == "outside" and not include_outside:
            continue
        hosts[d.name] = _host(d, d.driver, model=d.spec.model)
    for b in bmcs:
        ca = str(Path(ca_file).resolve())
        hosts[b.name] = _host(b, "redfish", scheme="https", verify_tls=True, ca_file=ca)
    for d in snmp:
        hosts[d.name] = _host(d, "snmp", kind=d.kind)
    groups = {role: {"data": {"role": role}} for role in sorted({h["groups"][0] for h in hosts.values()})}
    (folder / "hosts.yaml").write_text(yaml.safe_dump(hosts, sort_keys=False), encoding="utf-8")
    (folder / "groups.yaml").write_text(yaml.safe_dump(groups, sort_keys=True), encoding="utf-8")
    (folder / "defaults.yaml").write_text(yaml.safe_dump({"data": {"lab": True}}), encoding="utf-8")
    secrets = folder.parent / "secrets.yaml"
    fd = os.open(secrets, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    secrets_data: dict = {"default": {"username": topology.USERNAME, "password": topology.PASSWORD}}
    if bmcs:
        secrets_data["groups"] = {
            "bmc": {"username": topology.BMC_USERNAME, "password": topology.BMC_PASSWORD}
        }
    if snmp:  # each SNMP device its own community (see snmp_devices)
        secrets_data["hosts"] = {
            d.name: {"snmp": {"version": "2c", "community": snmp_devices.community(d)}} for d in snmp
        }
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        yaml.safe_dump(secrets_data, f)
    return folder


# --- running in the background -------------------------------------------------------------------


def state_file(lab_dir: Path) -> Path:
    return lab_dir / "lab.json"


def tls_dir(lab_dir: Path) -> Path:
    """Where the lab keeps its CA (``ca.pem``) and the BMCs' certificate and keys."""
    return lab_dir / "bmc-tls"


def serve(
    lab_dir: Path,
    access: int,
    broken: bool = True,
    port: int = topology.DEFAULT_PORT,
    bmcs: bool = True,
    bmc_port: int = topology.DEFAULT_BMC_PORT,
    snmp: bool = True,
    snmp_port: int = snmp_devices.DEFAULT_SNMP_PORT,
) -> None:
    """Foreground: serve until SIGTERM/SIGINT, then stop every server and remove the state file."""
    lab_dir.mkdir(parents=True, exist_ok=True)
    devices = topology.build_topology(access=access, broken=broken, port=port)
    servers = topology.build_bmcs(broken=broken, port=bmc_port) if bmcs else []
    agents = snmp_devices.build_snmp_devices(broken=broken, port=snmp_port) if snmp else []
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    lab = Lab(devices, bmcs=servers, tls_dir=tls_dir(lab_dir), snmp=agents)
    lab.start()
    try:
        write_inventory(devices, lab_dir / "inventory", bmcs=servers, ca_file=lab.tls.ca if lab.tls else None,
                        snmp=agents)
        served = [d for d in devices if d.broken != "down"]
        bmc_endpoints = [[b.address, b.port] for b in lab.served_bmcs]
        state = {
            "pid": os.getpid(),
            "pgid": os.getpgrp(),
            "devices": len(served),
            "bmcs": len(bmc_endpoints),
            "started": time.time(),
            "endpoints": [[d.address, d.port] for d in served] + bmc_endpoints,
            "bmc_endpoints": bmc_endpoints,
            "bmc_pids": {name: proc.pid for name, proc in lab.bmc_processes.items()},
            "bmc_ca": str(lab.tls.ca) if lab.tls else "",
            # UDP: not in "endpoints" (those are checked by a TCP connect)
            "snmp_endpoints": [[d.address, d.port] for d in snmp_devices.served(agents)],
            "snmp_pid": lab.snmp_agents.process.pid if lab.snmp_agents else 0,
        }
        tmp = state_file(lab_dir).with_suffix(".tmp")
        tmp.write_text(json.dumps(state), encoding="utf-8")
        tmp.replace(state_file(lab_dir))
        stop.wait()
    finally:
        lab.stop()
        with contextlib.suppress(FileNotFoundError):
            state_file(lab_dir).unlink()


def read_state(lab_dir: Path) -> dict | None:
    try:
        state = json.loads(state_file(lab_dir).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return state if _alive(state.get("pid", 0)) else None


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (exited, not yet reaped) is not alive
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z"):
            return False
    return True


def snmp_running(state: dict) -> bool:
    """Whether the lab's snmpsim process (UDP: no connection to try) is alive."""
    return _alive(int(state.get("snmp_pid") or 0))


def listening(endpoints) -> int:
    """How many of ``endpoints`` accept a TCP connection right now."""
    count = 0
    for address, port in endpoints:
        with contextlib.suppress(OSError), socket.create_connection((address, port), timeout=0.5):
            count += 1
    return count


def _wait(condition, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def start_background(
    lab_dir: Path,
    access: int,
    broken: bool = True,
    port: int = topology.DEFAULT_PORT,
    timeout: float = 120,
    bmcs: bool = True,
    bmc_port: int = topology.DEFAULT_BMC_PORT,
    snmp: bool = True,
    snmp_port: int = snmp_devices.DEFAULT_SNMP_PORT,
) -> dict:
    """Start ``manage.py lab serve`` detached; return its state once every device and BMC listens."""
    state = read_state(lab_dir)
    if state:
        return state
    lab_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        state_file(lab_dir).unlink()
    manage = Path(__file__).resolve().parents[2] / "manage.py"
    args = [
        sys.executable,
        str(manage),
        "lab",
        "serve",
        "--dir",
        str(lab_dir),
        "--access",
        str(access),
        "--port",
        str(port),
        "--bmc-port",
        str(bmc_port),
        "--snmp-port",
        str(snmp_port),
    ]
    if not broken:
        args.append("--no-broken")
    if not bmcs:
        args.append("--no-bmcs")
    if not snmp:
        args.append("--no-snmp")
    log = open(lab_dir / "lab.log", "ab")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py, no user input
        args, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, cwd=manage.parent
    )
    log.close()
    if not _wait(lambda: read_state(lab_dir) is not None or proc.poll() is not None, timeout):
        proc.kill()
        raise LabError(f"the lab did not come up within {timeout:.0f} s (see {lab_dir / 'lab.log'})")
    state = read_state(lab_dir)
    if state is None:
        raise LabError(f"the lab exited with code {proc.poll()} (see {lab_dir / 'lab.log'})")
    if listening(state["endpoints"]) != len(state["endpoints"]):
        raise LabError("the lab started, but not every device and BMC accepts connections")
    return state


def stop_background(lab_dir: Path, timeout: float = 20) -> tuple[bool, str]:
    """SIGTERM, wait for the process to exit and its ports to close; SIGKILL if it will not.
    Returns (was running, how it ended)."""
    try:
        state = json.loads(state_file(lab_dir).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return False, "not running"
    pid = int(state.get("pid", 0))
    if not _alive(pid):
        state_file(lab_dir).unlink(missing_ok=True)
        return False, "not running (stale state removed)"
    os.kill(pid, signal.SIGTERM)
    how = "stopped"
    if not _wait(lambda: not _alive(pid), timeout):
        os.kill(pid, signal.SIGKILL)
        how = "killed after it ignored SIGTERM"
        if not _wait(lambda: not _alive(pid), 10):
            raise LabError(f"lab process {pid} survived SIGKILL")
        if state.get("pgid") == pid:  # the lab led its own process group: its BMCs go with it
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
    # a killed lab leaves its snmpsim process (a session of its own) behind: end it here
    snmp_pid = int(state.get("snmp_pid") or 0)
    if snmp_pid and _alive(snmp_pid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(snmp_pid, signal.SIGKILL)
        if not _wait(lambda: not _alive(snmp_pid), 10):
            raise LabError(f"the lab's snmpsim process {snmp_pid} survived SIGKILL")
    # a lab that stopped cleanly stopped its BMCs; a killed one leaves them to notice it is gone
    bmc_pids = [int(p) for p in state.get("bmc_pids", {}).values()]
    if not _wait(lambda: not any(_alive(p) for p in bmc_pids), 10):
        left = [p for p in bmc_pids if _alive(p)]
        raise LabError(f"the lab process is gone but its BMC processes {left} still run")
    state_file(lab_dir).unlink(missing_ok=True)
    endpoints = state.get("endpoints", [])
    if not _wait(lambda: listening(endpoints) == 0, 10):
        raise LabError("the lab process is gone but some of its ports still accept connections")
    return True, how
