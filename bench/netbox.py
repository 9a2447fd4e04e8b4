#!/usr/bin/env python
"""Benchmark: pull 10,000 devices from a real NetBox 4.7 (issue #18), against a bare pynetbox fetch.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/werterhalt_bench_netbox .venv/bin/python bench/netbox.py
    .venv/bin/python bench/netbox.py --devices 2000 --repeat 1             # SQLite in a temporary file
    .venv/bin/python bench/netbox.py --keep-netbox URL TOKEN              # a NetBox already running

Starts a NetBox 4.7.3 (``tests/netbox_harness.NetBox``, Redis databases 6 and 7, ~40 s from the
shared dump) unless --keep-netbox names one, and fills it through its REST API with bulk creates
(lists of 500 objects; a few tenants, sites, roles, manufacturers, device types and platforms,
--devices devices with serials, --primary-ips of them with an interface and a primary IPv4,
--items inventory items). A NetBox given with --keep-netbox that already holds at least --devices
devices is not filled again (its devices are what is measured). Then, --repeat rounds of:

  pynetbox          ``list(pynetbox.api(url, token).dcim.devices.all())``: the bare fetch of every
                    device the way a pynetbox script does it (full objects, pages of 1,000 after
                    the first of 50, one after the other) — the reference of the ratios;
  pynetbox threads  the same with ``threading=True`` (4 workers) and pages of 1,000;
  pynetbox fields   one after the other, pages of 1,000, only the fields the pull asks for
                    (``fields=``): NetBox's own part of the pull's device read;
  first pull        ``collectors.netbox.pull.pull`` into an empty Werterhalt inventory (read from
                    NetBox, then one transaction of writes; the run's message gives the read time);
  second pull       the same again, NetBox unchanged: must write no change-log row.

Prints every sample and the median, the ratios of the pulls to pynetbox, the CPU seconds of this
process and of NetBox's server (where the time goes), and PASS/FAIL against the target: **10,000
devices pulled in under 60 s** (first pull, median). Exits 1 when the target is missed or the
second pull wrote change-log rows. --profile FILE writes a cProfile of the last first pull
(``FILE.first``) and second pull (``FILE.second``) for ``python -m pstats``.

The database named by DATABASE_URL is DROPPED and recreated (PostgreSQL), else a temporary SQLite
file is used; between rounds the tables the pull writes are emptied.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, django_ready  # noqa: E402

TARGET_SECONDS = 60.0  # 10,000 devices, first pull (issue #18)
BATCH = 500  # objects per bulk POST while filling

TENANTS = [("Werk Nord", "werk-nord"), ("Werk Sued", "werk-sued"), ("Verwaltung", "verwaltung"),
           ("Logistik", "logistik"), ("Labor", "labor")]
ROLES = [("Access Switch", "access-switch"), ("Core Switch", "core-switch"),
         ("Firewall", "firewall"), ("Router", "router"), ("Server", "server"), ("WLAN AP", "wlan-ap")]
MAKERS = {  # manufacturer → (model, part number) of its device types
    "Cisco": [("Catalyst 9300-48P", "C9300-48P"), ("Catalyst 9200-24T", "C9200-24T"),
              ("ISR 4331", "ISR4331/K9"), ("Nexus 93180YC-EX", "N9K-C93180YC-EX")],
    "Arista": [("7050SX3-48YC8", "DCS-7050SX3-48YC8"), ("720XP-48ZC2", "CCS-720XP-48ZC2")],
    "Juniper": [("EX4300-48T", "EX4300-48T"), ("SRX345", "SRX345-SYS-JB")],
    "Fortinet": [("FortiGate 100F", "FG-100F"), ("FortiGate 60F", "FG-60F")],
    "HPE": [("ProLiant DL380 Gen10", "868703-B21"), ("Aruba 6300M", "JL762A")],
}
PLATFORMS = [("Cisco IOS", "ios"), ("Cisco NX-OS", "nxos"), ("Arista EOS", "eos"),
             ("Juniper Junos", "junos"), ("FortiOS", "fortios")]
STATUSES = ["active"] * 7 + ["planned", "offline", "inventory"]


# --------------------------------------------------------------------------- NetBox side


class Api:
    """Bulk calls to NetBox's REST API with one session per thread."""

    def __init__(self, url: str, token: str):
        import threading

        self.url, self.token = url.rstrip("/"), token
        self._local = threading.local()

    def session(self):
        import requests

        s = getattr(self._local, "s", None)
        if s is None:
            s = self._local.s = requests.Session()
            s.headers.update({"Authorization": f"Bearer {self.token}", "Accept": "application/json"})
        return s

    def call(self, method: str, path: str, body=None):
        r = self.session().request(method, self.url + path, json=body, timeout=600)
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path} -> {r.status_code}: {r.text[:500]}")
        return r.json() if r.content else None

    def count(self, path: str) -> int:
        return self.call("GET", path + "?limit=1&brief=1")["count"]

    def bulk(self, method: str, path: str, rows: list[dict], threads: int, key=None) -> list[dict]:
        """``rows`` in lists of BATCH, ``threads`` lists at once; the answers in order. With ``key``
        a list holds rows of one key only: NetBox counts a device type's devices in its row, and two
        bulk creates that update the same counters in another order deadlock."""
        groups: dict = {}
        for row in rows:
            groups.setdefault(key(row) if key else None, []).append(row)
        chunks = [group[i:i + BATCH] for group in groups.values() for i in range(0, len(group), BATCH)]
        with ThreadPoolExecutor(threads) as pool:
            return [row for answer in pool.map(lambda c: self.call(method, path, c), chunks)
                    for row in answer]


def fill(api: Api, devices: int, primary_ips: int, items: int, threads: int) -> dict[str, int]:
    """The catalogue, places and ``devices`` devices, created through NetBox's bulk API."""
    made: dict[str, int] = {}

    def create(path: str, rows: list[dict], key=None) -> list[dict]:
        answer = api.bulk("POST", path, rows, threads, key)
        made[path.split("/")[-2]] = len(answer)
        return answer

    tenants = create("/api/tenancy/tenants/", [{"name": n, "slug": s} for n, s in TENANTS])
    sites = create("/api/dcim/sites/", [
        {"name": f"Standort {i:02d}", "slug": f"standort-{i:02d}", "tenant": tenants[i % len(tenants)]["id"],
         "physical_address": f"Industriestrasse {i}\n8{i:03d} Ort"} for i in range(1, 21)])
    roles = create("/api/dcim/device-roles/", [{"name": n, "slug": s, "color": "2196f3"} for n, s in ROLES])
    makers = create("/api/dcim/manufacturers/", [{"name": n, "slug": n.lower()} for n in MAKERS])
    types = create("/api/dcim/device-types/", [
        {"manufacturer": m["id"], "model": model, "part_number": part,
         "slug": re.sub(r"[^a-z0-9]+", "-", model.lower()).strip("-")}
        for m, name in zip(makers, MAKERS, strict=True) for model, part in MAKERS[name]])
    platforms = create("/api/dcim/platforms/", [{"name": n, "slug": s} for n, s in PLATFORMS])
    rows = []
    for i in range(devices):
        row = {"name": f"nb-{i:05d}", "serial": f"NB{i:08d}", "status": STATUSES[i % len(STATUSES)],
               "site": sites[i % len(sites)]["id"], "role": roles[i % len(roles)]["id"],
               "device_type": types[i % len(types)]["id"], "platform": platforms[i % len(platforms)]["id"]}
        if i % 2:
            row["tenant"] = tenants[i % len(tenants)]["id"]
        if i % 3 == 0:
            row["asset_tag"] = f"WH-NB-{i:05d}"
        rows.append(row)
    created = create("/api/dcim/devices/", rows, key=lambda row: row["device_type"])
    with_ip = created[:primary_ips]
    if with_ip:
        faces = create("/api/dcim/interfaces/", [
            {"device": d["id"], "name": "mgmt0", "type": "1000base-t", "mgmt_only": True} for d in with_ip])
        ips = create("/api/ipam/ip-addresses/", [
            {"address": f"10.{n // 250 >> 8 & 255}.{n // 250 & 255}.{n % 250 + 1}/24", "status": "active",
             "assigned_object_type": "dcim.interface", "assigned_object_id": f["id"]}
            for n, f in enumerate(faces)])
        api.bulk("PATCH", "/api/dcim/devices/", [
            {"id": d["id"], "primary_ip4": ip["id"]} for d, ip in zip(with_ip, ips, strict=True)], threads)
    if items:
        step = max(1, len(created) // items)
        create("/api/dcim/inventory-items/", [
            {"device": created[(n * step) % len(created)]["id"], "name": f"PSU {n % 2 + 1}",
             "part_id": "PWR-C1-715WAC", "serial": f"PSU{n:07d}", "manufacturer": makers[0]["id"]}
            for n in range(items)])
    return made


def cpu_seconds(pid: int | None = None) -> float | None:
    """CPU time (user + system) of this process, or of process ``pid`` (None if unknown)."""
    if pid is None:
        import resource

        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_pid(url: str) -> int | None:
    """The pid of the ``netbox runserver`` serving ``url`` (to read its CPU time), if found here."""
    port = url.rstrip("/").rsplit(":", 1)[-1]
    out = subprocess.run(["pgrep", "-f", f"runserver 127.0.0.1:{port}"],  # noqa: S603, S607
                         capture_output=True, text=True, check=False)
    pids = out.stdout.split()
    return int(pids[0]) if pids else None


# --------------------------------------------------------------------------- the measured work


class Sample:
    def __init__(self, seconds: float, ours: float, netbox: float | None, **extra):
        self.seconds, self.ours, self.netbox, self.extra = seconds, ours, netbox, extra

    def cpu(self) -> str:
        nb = f"{self.netbox:.1f} s" if self.netbox is not None else "n/a"
        return f"CPU: ours {self.ours:.1f} s, NetBox {nb}"


def measured(pid: int | None, fn, **extra) -> Sample:
    mine, theirs = cpu_seconds(), cpu_seconds(pid) if pid else None
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    after = cpu_seconds(pid) if pid else None
    sample = Sample(seconds, cpu_seconds() - mine,
                    after - theirs if after is not None and theirs is not None else None, **extra)
    sample.result = result
    return sample


def pynetbox_fetch(url: str, token: str, how: str) -> int:
    import pynetbox

    if how == "threads":
        return len(list(pynetbox.api(url, token=token, threading=True).dcim.devices.all(limit=1000)))
    nb = pynetbox.api(url, token=token)
    if how == "fields":
        from collectors.netbox.pull import DEVICE_FIELDS

        return len(list(nb.dcim.devices.filter(fields=",".join(DEVICE_FIELDS), limit=1000)))
    return len(list(nb.dcim.devices.all()))


def empty_inventory() -> None:
    """Empty what a pull writes (the state right after migrate, for the tables it touches)."""
    from django.db import connection

    from collectors.models import DiscoveryHost, DiscoveryRun, NetBoxLink
    from inventory.models import (
        Asset,
        HardwareModel,
        Manufacturer,
        Module,
        ObjectChange,
        OrgUnit,
        Platform,
        Site,
    )

    models = (Module, Asset, NetBoxLink, DiscoveryHost, DiscoveryRun, ObjectChange, HardwareModel,
              Platform, Manufacturer, Site, OrgUnit)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("TRUNCATE " + ", ".join(m._meta.db_table for m in models) + " CASCADE")
    else:
        for model in models:
            model.objects.all().delete()


def run_pull(url: str, token: str, workers: int, profile: str | None):
    from collectors.netbox.client import NetBoxClient
    from collectors.netbox.pull import pull
    from inventory.models import ObjectChange

    client = NetBoxClient(url, token, page_size=1000, workers=workers)
    before = ObjectChange.objects.count()
    if profile:
        import cProfile

        prof = cProfile.Profile()
        run = prof.runcall(pull, client)
        prof.dump_stats(profile)
    else:
        run = pull(client)
    return run, ObjectChange.objects.count() - before


def read_seconds(run) -> float | None:
    found = re.search(r"read in ([0-9.]+) s", run.message or "")
    return float(found.group(1)) if found else None


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--primary-ips", type=int, default=500,
                        help="devices given a primary IPv4 (default 500)")
    parser.add_argument("--items", type=int, default=300, help="inventory items (default 300)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4, help="the pull's parallel page reads (default 4)")
    parser.add_argument("--fill-threads", type=int, default=2, help="bulk POSTs at once while filling")
    parser.add_argument("--keep-netbox", nargs=2, metavar=("URL", "TOKEN"),
                        help="use this running NetBox (filled when it has fewer than --devices devices)")
    parser.add_argument("--profile", metavar="FILE", help="cProfile of the last pulls to FILE.first/.second")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from tests.netbox_harness import NetBox

    target = django_ready()
    began = time.perf_counter()
    if args.keep_netbox:
        netbox = None
        url, token = args.keep_netbox
        print(f"NetBox: {url} (kept)")
    else:
        netbox = NetBox(redis_dbs=(6, 7)).start()
        url, token = netbox.url, netbox.token
        print(f"NetBox: started in {netbox.timings.get('total', 0):.1f} s at {url} "
              f"(restored from dump: {netbox.restored})")
    try:
        code = measure(args, url, token, target, began)
    finally:
        if netbox is not None:
            netbox.stop()
    sys.exit(code)


def measure(args, url: str, token: str, target: str, began: float) -> int:
    from inventory.models import Asset

    api = Api(url, token)
    version = api.call("GET", "/api/status/")["netbox-version"]
    pid = server_pid(url)
    have = api.count("/api/dcim/devices/")
    if have < args.devices:
        if have:
            raise SystemExit(f"NetBox at {url} has {have:,} devices, fewer than --devices {args.devices:,}: "
                             "give an empty or a filled one")
        start = time.perf_counter()
        made = fill(api, args.devices, args.primary_ips, args.items, args.fill_threads)
        took = time.perf_counter() - start
        print(f"fill: {took:.1f} s through the bulk API ({args.devices / took:,.0f} devices/s): "
              + ", ".join(f"{n:,} {what}" for what, n in made.items()))
    devices = api.count("/api/dcim/devices/")
    items, ips = api.count("/api/dcim/inventory-items/"), api.count("/api/ipam/ip-addresses/")
    print(f"NetBox {version}: {devices:,} devices, {items:,} inventory items, {ips:,} IP addresses; "
          f"server pid {pid or 'not found'}")
    print(f"Werterhalt database: {target}; the pull reads with {args.workers} workers, pages of 1,000")

    labels = ("pynetbox", "pynetbox threads", "pynetbox fields", "first pull", "second pull")
    samples: dict[str, list[Sample]] = {label: [] for label in labels}
    failures = []
    for round_ in range(1, args.repeat + 1):
        last = round_ == args.repeat
        for label, how in (("pynetbox", ""), ("pynetbox threads", "threads"), ("pynetbox fields", "fields")):
            s = measured(pid, lambda h=how: pynetbox_fetch(url, token, h))
            if s.result != devices:
                failures.append(f"{label} fetched {s.result:,} devices of {devices:,}")
            samples[label].append(s)
            print(f"round {round_}  {label:<17} {s.seconds:7.2f} s  {s.result:,} devices  ({s.cpu()})")
        empty_inventory()
        for label, suffix in (("first pull", "first"), ("second pull", "second")):
            profile = f"{args.profile}.{suffix}" if args.profile and last else None
            s = measured(pid, lambda p=profile: run_pull(url, token, args.workers, p))
            run, changes = s.result
            s.extra.update(read=read_seconds(run), changes=changes, run=run)
            samples[label].append(s)
            read = s.extra["read"]
            split = f"read {read:.2f} s + write {s.seconds - read:.2f} s" if read is not None else run.message
            print(f"round {round_}  {label:<17} {s.seconds:7.2f} s  ({split}; {run.status}, "
                  f"{run.hosts_succeeded:,} devices, {run.assets_created:,} assets created, "
                  f"{run.assets_updated:,} updated, {changes:,} change-log rows; {s.cpu()})")
            if run.status != "completed" or run.hosts_succeeded != devices:
                failures.append(f"{label} round {round_}: {run.status}, {run.hosts_succeeded:,} of "
                                f"{devices:,} devices: {run.message}")
            if label == "second pull" and changes:
                failures.append(f"second pull round {round_} wrote {changes:,} change-log rows (expected 0)")
        assets = Asset.objects.count()
        if assets != devices:
            failures.append(f"round {round_}: {assets:,} assets for {devices:,} devices")

    print()
    print(f"median of {args.repeat} round(s), {devices:,} devices:")
    med = {label: statistics.median(s.seconds for s in got) for label, got in samples.items()}
    ref = med["pynetbox"]
    for label, got in samples.items():
        every = ", ".join(f"{s.seconds:.2f}" for s in got)
        extra = ""
        if "pull" in label:
            reads = [s.extra["read"] for s in got if s.extra["read"] is not None]
            if reads:
                writes = [s.seconds - s.extra["read"] for s in got if s.extra["read"] is not None]
                extra = f"  read {statistics.median(reads):.2f} s, write {statistics.median(writes):.2f} s"
        print(f"  {label:<17} {med[label]:7.2f} s  ({devices / med[label]:,.0f} devices/s; "
              f"{med[label] / ref:.2f}x pynetbox, {med[label] / med['pynetbox threads']:.2f}x threaded)"
              f"{extra}  [all: {every}]")
    print(f"ratio first pull / pynetbox:  {med['first pull'] / ref:.2f}")
    print(f"ratio second pull / pynetbox: {med['second pull'] / ref:.2f}")
    print(f"second pull change-log rows: {[s.extra['changes'] for s in samples['second pull']]}")
    print(f"whole bench: {time.perf_counter() - began:.0f} s")
    if devices != 10_000:
        print(f"(the target is set for 10,000 devices; this run had {devices:,})")
    ok = med["first pull"] < TARGET_SECONDS and med["second pull"] < TARGET_SECONDS
    print(f"{'PASS' if ok else 'FAIL'}: first pull {med['first pull']:.1f} s, second pull "
          f"{med['second pull']:.1f} s (target < {TARGET_SECONDS:.0f} s)")
    if not ok:
        failures.append("target missed")
    for failure in failures:
        print("FAILED:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    main()
