#!/usr/bin/env python
"""Benchmark: discovery of 50 / 100 / 200 lab devices, Werterhalt vs bare Nornir + NAPALM.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/werterhalt_bench .venv/bin/python bench/discovery.py
    .venv/bin/python bench/discovery.py --sizes 50 --workers 1 24     # SQLite in a temporary file

Starts the lab in its own process (``manage.py lab serve``, 200+ healthy devices on 127.77.x.y),
then for each size and worker count runs, on the same hosts:
  bare   Nornir ThreadedRunner + nornir-napalm: get_facts, get_lldp_neighbors_detail and
         cli("show inventory") per host, results kept in memory, nothing else;
  first  Werterhalt's discovery into an empty inventory (normalise + sync + change log);
  again  Werterhalt's discovery once more (everything known: the daily case).
Prints devices/second and the ratio to bare (median of --repeat interleaved rounds; 1 round at 1
worker). CPU seconds of this process and of the lab show where the time goes. Targets (issue #3,
2-core machine): 200 devices in under 30 s; Werterhalt within 1.2x of bare. The database named
by DATABASE_URL is DROPPED and recreated (PostgreSQL), else a temporary SQLite file is used.

With REDIS_URL and a PostgreSQL DATABASE_URL it then runs distributed discovery (issue #7): a
schedule over the 200 devices, cut into shards (--shard-size), taken by 1 and then 2 `manage.py
rqworker` processes (--sessions parallel SSH sessions each), first into an empty inventory and
again; --only-rq skips the comparison with bare Nornir.

SNMP (issue #17; --snmp N, --only-snmp for this part alone): N simulated SNMP devices (UPSes,
printers, FortiGates, Aruba CX switches in turn: ``collectors.lab.snmp_devices.bench_devices``)
served by one snmpsim process on their own loopback addresses, discovered by Werterhalt (Nornir
task ``platform: snmp``, identification, sync) into an empty inventory and again, compared with a
bare pysnmp read of the same OIDs (the GET of the system group, the rule's scalars and bulk walks
of its subtrees: what ``identify.plan`` asks for; pysnmp's hlapi, no MIB lookups, 50 repetitions),
the same number of devices in flight on one event loop, results kept in memory. Targets: N = 200
in under 30 s; within 1.2x of bare.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import prepare_database  # noqa: E402


def reset_inventory() -> None:
    from collectors.models import DiscoveryRun
    from inventory.models import Asset, HardwareModel, Manufacturer, Module, ObjectChange, Platform

    for model in (Module, Asset, HardwareModel, Platform, Manufacturer, DiscoveryRun, ObjectChange):
        model.objects.all().delete()


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time (user + system) of this process, or of the lab's process."""
    if pid is None:
        import resource

        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(lab_pid: int, fn, *args):
    """(wall seconds, hosts that succeeded, our CPU seconds, the lab's CPU seconds) of fn(*args)."""
    mine, lab = cpu_seconds(), cpu_seconds(lab_pid)
    elapsed, ok = fn(*args)
    return elapsed, ok, cpu_seconds() - mine, cpu_seconds(lab_pid) - lab


def median_of(samples: list[tuple]) -> tuple:
    """The sample with the median wall time."""
    return sorted(samples, key=lambda s: s[0])[len(samples) // 2]


def bare_nornir(inventory, workers: int) -> tuple[float, int]:
    from nornir.core import Nornir
    from nornir.plugins.runners import ThreadedRunner
    from nornir_napalm.plugins.tasks import napalm_cli, napalm_get

    def task(t):
        t.run(task=napalm_get, getters=["facts", "lldp_neighbors_detail"])
        t.run(task=napalm_cli, commands=["show inventory"])
        t.host.close_connection("napalm")

    nr = Nornir(inventory=inventory, runner=ThreadedRunner(num_workers=workers))
    start = time.perf_counter()
    result = nr.run(task=task)
    elapsed = time.perf_counter() - start
    return elapsed, sum(1 for r in result.values() if not r.failed)


def werterhalt(inventory, workers: int, creds) -> tuple[float, int]:
    from collectors.runner import discover

    start = time.perf_counter()
    report = discover(inventory, source="bench", workers=workers, credentials=creds)
    elapsed = time.perf_counter() - start
    return elapsed, report.run.hosts_succeeded


def bare_snmp(devices, workers: int) -> tuple[float, int]:
    """pysnmp alone: per device the GET of the system group, then the rule's scalars and walks
    (``identify.plan``), ``workers`` devices at a time on one event loop; nothing else."""
    import asyncio

    from pysnmp.hlapi.v3arch.asyncio import (
        CommunityData,
        ContextData,
        ObjectIdentity,
        ObjectType,
        SnmpEngine,
        UdpTransportTarget,
        bulk_walk_cmd,
        get_cmd,
    )

    from collectors.lab import snmp_devices
    from collectors.snmp import identify

    async def one(engine, device, gate):
        async with gate:
            auth = CommunityData(snmp_devices.community(device))
            target = await UdpTransportTarget.create((device.address, device.port), timeout=2, retries=1)
            values = {}

            async def get(oids):
                if not oids:
                    return
                err, status, _, binds = await get_cmd(
                    engine, auth, target, ContextData(), *(ObjectType(ObjectIdentity(o)) for o in oids),
                    lookupMib=False)
                if err or status:
                    raise RuntimeError(f"{device.name}: {err or status}")
                for name, value in binds:
                    values[str(name)] = value.prettyPrint()

            await get(identify.SYSTEM)
            sys_object_id = "1.3.6.1.2.1.1.2.0"
            plan = identify.plan({k: v if k == sys_object_id else v.encode() for k, v in values.items()})
            await get(plan.get)
            for subtree in plan.walk:
                async for err, status, _, binds in bulk_walk_cmd(
                    engine, auth, target, ContextData(), 0, 50, ObjectType(ObjectIdentity(subtree)),
                    lexicographicMode=False, lookupMib=False,
                ):
                    if err or status:
                        raise RuntimeError(f"{device.name}: {err or status}")
                    for name, value in binds:
                        values[str(name)] = value.prettyPrint()
            return len(values)

    async def everything():
        engine = SnmpEngine()
        gate = asyncio.Semaphore(workers)
        results = await asyncio.gather(*(one(engine, d, gate) for d in devices), return_exceptions=True)
        engine.close_dispatcher()
        return sum(1 for r in results if isinstance(r, int))

    start = time.perf_counter()
    ok = asyncio.run(everything())
    return time.perf_counter() - start, ok


def snmp_runs(size: int, workers: int, repeat: int) -> None:
    """``size`` simulated SNMP devices: bare pysnmp, Werterhalt into an empty inventory, again."""
    from collectors import hosts as host_sources
    from collectors.lab import snmp_devices
    from collectors.lab.server import Lab

    devices = snmp_devices.bench_devices(size, port=10161 + os.getpid() % 1000)
    creds = host_sources.Credentials(
        hosts={d.name: {"snmp": {"version": "2c", "community": snmp_devices.community(d)}} for d in devices})

    def inv():
        return host_sources.from_hosts([
            host_sources.make_host(d.name, d.address, "snmp", creds, port=d.port) for d in devices])

    t = time.perf_counter()
    with Lab([], snmp=devices) as lab:
        pid = lab.snmp_agents.process.pid
        print(f"SNMP: {size} devices served by snmpsim (pid {pid}), up in {time.perf_counter() - t:.1f} s",
              flush=True)
        print(f"{'devices':>7} {'workers':>7} {'bare s':>8} {'first s':>8} {'ratio':>6} {'again s':>8} "
              f"{'ratio':>6}   CPU s client/agent: bare, first, again")
        samples = []
        for _ in range(repeat):
            reset_inventory()
            bare = measured(pid, bare_snmp, devices, workers)
            first = measured(pid, werterhalt, inv(), workers, creds)
            again = measured(pid, werterhalt, inv(), workers, creds)
            assert bare[1] == size and first[1] == again[1] == size, (bare[1], first[1], again[1], size)
            samples.append((bare, first, again))
        bare_s, _, bare_c, bare_l = median_of([s[0] for s in samples])
        first_s, _, first_c, first_l = median_of([s[1] for s in samples])
        again_s, _, again_c, again_l = median_of([s[2] for s in samples])
        print(
            f"{size:>7} {workers:>7} {bare_s:>8.1f} {first_s:>8.1f} {first_s / bare_s:>6.2f} {again_s:>8.1f} "
            f"{again_s / bare_s:>6.2f}   {bare_c:.0f}/{bare_l:.0f}, {first_c:.0f}/{first_l:.0f}, "
            f"{again_c:.0f}/{again_l:.0f}",
            flush=True,
        )


def rq_runs(lab_dir: Path, size: int, worker_counts: list[int], sessions: int, shard_size: int) -> None:
    """A schedule over ``size`` lab devices run by 1, then 2, ... RQ worker processes."""
    import subprocess
    import uuid

    import yaml
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from rq import Worker

    from collectors import jobs
    from collectors.models import DiscoveryRun, DiscoverySchedule

    queue = f"bench-discovery-{uuid.uuid4().hex[:6]}"
    settings.DISCOVERY_QUEUE = queue
    hosts = yaml.safe_load((lab_dir / "inventory" / "hosts.yaml").read_text())
    folder = lab_dir / f"inventory-{size}"
    folder.mkdir(exist_ok=True)
    for name in ("groups.yaml", "defaults.yaml"):
        (folder / name).write_text((lab_dir / "inventory" / name).read_text())
    (folder / "hosts.yaml").write_text(yaml.safe_dump({n: hosts[n] for n in list(hosts)[:size]}))
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}",
        "DISCOVERY_QUEUE": queue,
        "DEVICE_SECRETS_FILE": str(lab_dir / "secrets.yaml"),
        "LOG_LEVEL": "WARNING",
    }
    settings.DEVICE_SECRETS_FILE = env["DEVICE_SECRETS_FILE"]
    root = Path(__file__).resolve().parent.parent
    print(f"\nDistributed: {size} devices, shards of {shard_size}, {sessions} SSH sessions per worker")
    print(f"{'workers':>7} {'first s':>8} {'dev/s':>7} {'again s':>8} {'dev/s':>7}   shards per worker")
    for count in worker_counts:
        reset_inventory()
        DiscoverySchedule.objects.all().delete()
        schedule = DiscoverySchedule.objects.create(
            name=f"bench-{count}",
            interval=60 * 24,
            inventory_folder=str(folder),
            shard_size=shard_size,
            workers=sessions,
            enabled=False,
        )
        procs = [
            subprocess.Popen(  # noqa: S603 - our interpreter and manage.py
                [sys.executable, str(root / "manage.py"), "rqworker", queue],
                cwd=root,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(count)
        ]
        try:
            pids = {p.pid for p in procs}
            deadline = time.monotonic() + 60
            while not pids <= {w.pid for w in Worker.all(queue=jobs.queue())}:
                if time.monotonic() > deadline:
                    raise SystemExit("the RQ workers did not register within 60 s")
                time.sleep(0.2)
            figures = []
            for _ in ("first", "again"):
                start = time.perf_counter()
                run = jobs.start_run(schedule, inline=False)
                while DiscoveryRun.objects.filter(pk=run.pk, status="running").exists():
                    time.sleep(0.2)
                elapsed = time.perf_counter() - start
                run.refresh_from_db()
                assert run.hosts_succeeded == size, (run.status, run.hosts_succeeded, run.message)
                per_worker = sorted(
                    run.shards.values("worker").annotate(n=Count("pk")).values_list("n", flat=True)
                )
                figures.append((elapsed, per_worker))
            print(
                f"{count:>7} {figures[0][0]:>8.1f} {size / figures[0][0]:>7.1f} {figures[1][0]:>8.1f} "
                f"{size / figures[1][0]:>7.1f}   {figures[0][1]}",
                flush=True,
            )
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(timeout=60)
    q = jobs.queue()
    keys = q.connection.keys(f"rq:*{queue}*")
    if keys:
        q.connection.delete(*keys)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--repeat", type=int, default=3, help="rounds per size (median reported)")
    parser.add_argument(
        "--rq-workers",
        type=int,
        nargs="+",
        default=[1, 2],
        help="distributed part: numbers of RQ worker processes to compare",
    )
    parser.add_argument("--rq-size", type=int, default=200, help="distributed part: devices")
    parser.add_argument("--sessions", type=int, default=16, help="distributed part: SSH sessions per worker")
    parser.add_argument("--shard-size", type=int, default=25, help="distributed part: hosts per shard")
    parser.add_argument("--only-rq", action="store_true", help="skip the comparison with bare Nornir")
    parser.add_argument("--snmp", type=int, default=200, help="SNMP part: simulated devices (0: none)")
    parser.add_argument("--snmp-workers", type=int, default=32, help="SNMP part: devices in flight")
    parser.add_argument("--only-snmp", action="store_true", help="the SNMP part alone")
    parser.add_argument(
        "--single-worker-max",
        type=int,
        default=50,
        help="run 1 worker only up to this many devices (200 devices take ~8 min at 1)",
    )
    args = parser.parse_args()

    label = prepare_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "werterhalt.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    # the lab's inventory folders live in the temporary directory (schedules may read folders
    # only below DISCOVERY_INVENTORY_ROOT; the workers inherit it)
    os.environ.setdefault("DISCOVERY_INVENTORY_ROOT", tempfile.gettempdir())
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from collectors import hosts as host_sources
    from collectors.lab import server
    from collectors.runner import _register_napalm

    _register_napalm()
    if args.snmp:
        snmp_runs(args.snmp, args.snmp_workers, args.repeat)
    if args.only_snmp:
        return
    lab_dir = Path(tempfile.mkdtemp(prefix="werterhalt-bench-lab-"))
    biggest = max([*args.sizes, args.rq_size])
    print(f"Database: {label}; starting a lab of {biggest}+ devices in {lab_dir} ...", flush=True)
    t = time.perf_counter()
    state = server.start_background(lab_dir, access=biggest, broken=False)
    print(
        f"Lab up in {time.perf_counter() - t:.1f} s: {state['devices']} devices, pid {state['pid']}",
        flush=True,
    )
    try:
        creds = host_sources.load_credentials(lab_dir / "secrets.yaml", env={})
        full = host_sources.from_folder(lab_dir / "inventory", creds)
        names = list(full.hosts)
        print(
            f"{'devices':>7} {'workers':>7} {'bare s':>8} {'bare dev/s':>10} {'first s':>8} {'dev/s':>7} "
            f"{'ratio':>6} {'again s':>8} {'dev/s':>7} {'ratio':>6}   CPU s client/lab: bare, first, again"
        )
        for size in [] if args.only_rq else args.sizes:
            for workers in args.workers:
                if workers == 1 and size > args.single_worker_max:
                    continue
                subset = names[:size]

                def inv(subset=subset):
                    return host_sources.from_hosts([full.hosts[n] for n in subset])

                pid = state["pid"]
                rounds = 1 if workers == 1 else args.repeat
                samples = []
                for _ in range(rounds):  # the lab's speed wanders: medians of interleaved rounds
                    reset_inventory()
                    bare = measured(pid, bare_nornir, inv(), workers)
                    first = measured(pid, werterhalt, inv(), workers, creds)
                    again = measured(pid, werterhalt, inv(), workers, creds)
                    assert bare[1] == first[1] == again[1] == size, (bare[1], first[1], again[1], size)
                    samples.append((bare, first, again))
                bare_s, _, bare_c, bare_l = median_of([s[0] for s in samples])
                first_s, _, first_c, first_l = median_of([s[1] for s in samples])
                again_s, _, again_c, again_l = median_of([s[2] for s in samples])
                print(
                    f"{size:>7} {workers:>7} {bare_s:>8.1f} {size / bare_s:>10.1f} {first_s:>8.1f} "
                    f"{size / first_s:>7.1f} {first_s / bare_s:>6.2f} {again_s:>8.1f} {size / again_s:>7.1f} "
                    f"{again_s / bare_s:>6.2f}   {bare_c:.0f}/{bare_l:.0f}, {first_c:.0f}/{first_l:.0f}, "
                    f"{again_c:.0f}/{again_l:.0f}",
                    flush=True,
                )
        if os.environ.get("REDIS_URL") and label.startswith("PostgreSQL"):
            rq_runs(lab_dir, args.rq_size, args.rq_workers, args.sessions, args.shard_size)
        else:
            print("Distributed part skipped: it needs REDIS_URL and a PostgreSQL DATABASE_URL.")
    finally:
        was, how = server.stop_background(lab_dir)
        print(f"Lab {how}.")


if __name__ == "__main__":
    main()
