"""`manage.py lab start|status|stop` and `manage.py discover`, run as real subprocesses."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from collectors.lab import snmp_devices, topology
from tests.collectors.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
PORT = free_port()  # not the defaults: a developer's demo lab may be running
BMC_PORT = free_port()
SNMP_PORT = free_port()  # a free TCP port: UDP's of the same number is free on these addresses too
LAB_PORTS = ("--port", str(PORT), "--bmc-port", str(BMC_PORT), "--snmp-port", str(SNMP_PORT))


def manage(*args, env=None, timeout=180):
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


@pytest.fixture
def sqlite_db(migrated_sqlite):
    """A migrated SQLite file (a copy of the session's migrated one): the subprocess cannot see
    the test database."""
    return {
        "DATABASE_URL": f"sqlite:///{migrated_sqlite('cmd.sqlite3')}",
        "SECRET_KEY": "tests-only",
        "DISCOVERY_TIMEOUT": "3",
        "DEVICE_USERNAME": "",
        "DEVICE_PASSWORD": "",
    }


@pytest.fixture
def background_lab(tmp_path):
    lab_dir = tmp_path / "lab"
    started = manage("lab", "start", "--dir", str(lab_dir), "--access", "3", *LAB_PORTS)
    assert started.returncode == 0, started.stderr
    yield lab_dir, started
    stopped = manage("lab", "stop", "--dir", str(lab_dir))
    assert stopped.returncode == 0, stopped.stderr


def test_lab_start_status_stop(tmp_path):
    from collectors.lab.server import _alive, listening

    lab_dir = tmp_path / "lab"
    assert manage("lab", "status", "--dir", str(lab_dir)).returncode == 3

    started = manage("lab", "start", "--dir", str(lab_dir), "--access", "3", *LAB_PORTS)
    assert started.returncode == 0, started.stderr
    state = json.loads((lab_dir / "lab.json").read_text())
    devices = topology.build_topology(access=3, port=PORT)
    served = [d for d in devices if d.broken != "down"]
    bmcs = [b for b in topology.build_bmcs(port=BMC_PORT) if b.broken != "down"]
    assert state["devices"] == len(served) and state["bmcs"] == len(bmcs) == 5
    assert sorted(state["bmc_endpoints"]) == sorted([b.address, b.port] for b in bmcs)
    assert len(state["endpoints"]) == len(served) + len(bmcs)  # stop and status check the BMCs too
    assert all(address.startswith("127.") for address, _port in state["endpoints"])  # loopback only
    assert f"5 server BMCs on 127.77.250.0/24 port {BMC_PORT}" in started.stdout
    snmp = snmp_devices.served(snmp_devices.build_snmp_devices(port=SNMP_PORT))
    assert sorted(state["snmp_endpoints"]) == sorted([d.address, d.port] for d in snmp)
    assert f"{len(snmp)} SNMP devices (UPS, printers, firewalls) on 127.77.240.0/24 UDP port {SNMP_PORT}" in (
        started.stdout)
    snmp_pid = state["snmp_pid"]
    assert _alive(snmp_pid) and "lab-ro-" not in Path(f"/proc/{snmp_pid}/cmdline").read_text()
    assert str(lab_dir / "bmc-tls" / "ca.pem") in started.stdout
    hosts = (lab_dir / "inventory" / "hosts.yaml").read_text()
    assert "core-1" in hosts and "partner-edge" not in hosts and topology.PASSWORD not in hosts
    assert "srv-dell-r740" in hosts and "srv-bmc-off" in hosts and topology.BMC_PASSWORD not in hosts
    assert oct((lab_dir / "secrets.yaml").stat().st_mode & 0o777) == "0o600"
    assert oct((lab_dir / "bmc-tls" / "ca-key.pem").stat().st_mode & 0o777) == "0o600"
    bmc_pids = list(state["bmc_pids"].values())
    assert len(bmc_pids) == 5
    for pid in bmc_pids:  # the BMCs' password is not on their command lines
        assert topology.BMC_PASSWORD not in Path(f"/proc/{pid}/cmdline").read_text()
    # starting again is harmless: the running lab is reported
    again = manage("lab", "start", "--dir", str(lab_dir), "--access", "3", *LAB_PORTS)
    assert again.returncode == 0 and f"pid {state['pid']}" in again.stdout

    status = manage("lab", "status", "--dir", str(lab_dir))
    assert status.returncode == 0 and f"{len(served)} of {len(served)} devices" in status.stdout
    assert "5 of 5 BMCs" in status.stdout and f"the SNMP agent of {len(snmp)} devices runs" in status.stdout

    stopped = manage("lab", "stop", "--dir", str(lab_dir))
    assert stopped.returncode == 0, stopped.stderr
    assert "stopped" in stopped.stdout or "killed" in stopped.stdout
    # the process is gone (at most a zombie waiting for init to reap it) and nothing listens
    assert not _alive(state["pid"]) and not any(_alive(pid) for pid in [*bmc_pids, snmp_pid])
    assert listening(state["endpoints"]) == 0
    assert manage("lab", "status", "--dir", str(lab_dir)).returncode == 3
    assert manage("lab", "stop", "--dir", str(lab_dir)).stdout.strip() == "Lab not running."


def test_discover_command_exit_codes_and_summary(background_lab, sqlite_db):
    lab_dir, _ = background_lab
    env = {**sqlite_db, "DEVICE_SECRETS_FILE": str(lab_dir / "secrets.yaml")}
    result = manage("discover", "--inventory", str(lab_dir / "inventory"), "--workers", "8", env=env)

    assert result.returncode == 1, result.stderr  # the broken devices failed, the rest was saved
    lines = result.stdout.splitlines()
    ok = [ln for ln in lines if ln.startswith("ok ")]
    failed = [ln for ln in lines if ln.startswith("FAILED ")]
    healthy = [d for d in topology.build_topology(access=3) if not d.broken and d.role != "outside"]
    healthy += [b for b in topology.build_bmcs() if not b.broken]  # the servers, over Redfish
    snmp = snmp_devices.build_snmp_devices()
    healthy += [d for d in snmp if not d.broken]  # UPSes, printers, firewalls over SNMP
    assert len(ok) == len(healthy), "\n".join(failed)
    assert {ln.split()[1] for ln in ok} >= {"srv-dell-r740", "srv-hpe-dl380", "srv-lenovo-sr650"}
    broken = {
        "broken-auth",
        "broken-silent",
        "broken-garbage",
        "broken-down",
        "srv-bmc-badpass",
        "srv-bmc-off",
        "ups-wrong-community",
        "linux-no-serial",
        "printer-switched-off",
    }
    assert {ln.split()[1] for ln in failed} == broken
    assert any("auth:" in ln for ln in failed) and any("unreachable:" in ln for ln in failed)
    assert f"{len(healthy)} succeeded, {len(broken)} failed" in result.stdout
    for secret in (topology.PASSWORD, topology.BMC_PASSWORD, *map(snmp_devices.community, snmp)):
        assert secret not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "Task was destroyed" not in result.stderr

    # only the healthy ones: exit 0
    inv = lab_dir / "healthy"
    inv.mkdir()
    import yaml

    hosts = yaml.safe_load((lab_dir / "inventory" / "hosts.yaml").read_text())
    (inv / "hosts.yaml").write_text(yaml.safe_dump({k: v for k, v in hosts.items() if k not in broken}))
    (inv / "groups.yaml").write_text((lab_dir / "inventory" / "groups.yaml").read_text())
    result = manage("discover", "--inventory", str(inv), env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        result.stdout.count(" unchanged (") == len(healthy) and "0 assets created, 0 updated" in result.stdout
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--inventory", "/nonexistent/folder"],
        ["--workers", "0", "--inventory", "x"],
        ["--allow", "10.0.0.0/8"],
        ["--crawl", "--allow", "10.0.0.300/8"],
        ["--crawl"],
        ["--bogus"],
    ],
)
def test_discover_bad_usage_exits_2(args, sqlite_db, tmp_path):
    env = {**sqlite_db, "DISCOVERY_ALLOW": ""}
    result = manage("discover", *args, env=env)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.strip()


def test_discover_bad_secrets_file_never_shows_its_content(sqlite_db, tmp_path):
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text("default: {username: a, password: 'hunter2-secret\n")
    (tmp_path / "inv").mkdir()
    (tmp_path / "inv" / "hosts.yaml").write_text("r1: {hostname: 127.0.0.1, platform: ios}\n")
    result = manage(
        "discover", "--inventory", str(tmp_path / "inv"), "--secrets", str(secrets), env=sqlite_db
    )
    assert result.returncode == 2
    assert "not valid YAML" in result.stderr and "hunter2" not in result.stderr + result.stdout
