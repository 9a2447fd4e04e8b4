"""Distributed discovery with real RQ workers (`manage.py rqworker`, separate processes) on a real
Redis and PostgreSQL, against the lab: shards shared by two workers, a worker killed with SIGKILL
in the middle of its shard, two runs over the same hosts at once, a schedule firing on time."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import yaml
from django.db import connection
from django.utils import timezone

from collectors import jobs
from collectors.choices import HostOutcome, HostReason, RunStatus, ShardStatus
from collectors.models import DiscoveryHost, DiscoveryRun, DiscoverySchedule
from inventory.models import Asset, Module

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def wait_for(condition, timeout: float, what: str, interval: float = 0.1):
    """Poll ``condition`` until it is true (returns its value) or fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def unit_command(queue: str) -> list[str]:
    """The ExecStart of deploy/werterhalt-worker@.service, run from this checkout with this
    interpreter on the test's queue: the workers here are started as production starts them."""
    import configparser
    import shlex

    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(ROOT / "deploy" / "werterhalt-worker@.service")
    command = shlex.split(unit["Service"]["ExecStart"])
    assert command[:4] == ["/opt/werterhalt/.venv/bin/python", "manage.py", "rqworker", "discovery"], command
    return [sys.executable, str(ROOT / "manage.py"), "rqworker", queue, *command[4:]]


class Workers:
    """Worker processes started with the systemd unit's command (``unit_command``: `manage.py
    rqworker QUEUE --with-scheduler`) sharing the test database."""

    def __init__(self, queue: str, env: dict, logs: Path) -> None:
        self.queue, self.env, self.procs, self.logs = queue, env, [], logs

    def start(self, count: int) -> list[subprocess.Popen]:
        from rq import Worker

        new = []
        for _ in range(count):
            log = open(self.logs / f"worker-{len(self.procs) + len(new)}.log", "wb")  # noqa: SIM115
            new.append(
                subprocess.Popen(  # noqa: S603 - our interpreter and manage.py
                    unit_command(self.queue),
                    cwd=ROOT,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            log.close()
        self.procs += new
        pids = {p.pid for p in self.procs if p.poll() is None}
        wait_for(
            lambda: pids <= {w.pid for w in Worker.all(queue=jobs.queue())},
            60,
            f"{count} RQ workers to register",
        )
        return new

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)  # warm shutdown: finish the job, then exit
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)
            assert p.poll() is not None


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


@pytest.fixture
def rq_env(settings, lab_inventory, transactional_db, tmp_path):
    """A queue of its own in Redis, short heartbeats, and the environment workers run with."""
    queue = f"test-discovery-{uuid.uuid4().hex[:8]}"
    settings.DISCOVERY_QUEUE = queue
    settings.DISCOVERY_HEARTBEAT = 0.5
    settings.DISCOVERY_STALE_AFTER = 5
    settings.DEVICE_SECRETS_FILE = str(lab_inventory.parent / "secrets.yaml")
    db = connection.settings_dict
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{host}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": url,
        "DISCOVERY_QUEUE": queue,
        "DISCOVERY_HEARTBEAT": "0.5",
        "DISCOVERY_TIMEOUT": "3",
        "DEVICE_SECRETS_FILE": settings.DEVICE_SECRETS_FILE,
        "DEVICE_USERNAME": "",
        "DEVICE_PASSWORD": "",
    }
    workers = Workers(queue, env, tmp_path)
    yield workers
    workers.stop()
    from rq import registry

    q = jobs.queue()
    ids = set(q.get_job_ids())
    for kind in ("StartedJobRegistry", "FinishedJobRegistry", "FailedJobRegistry", "ScheduledJobRegistry"):
        ids |= set(getattr(registry, kind)(queue=q).get_job_ids())
    keys = [f"rq:job:{i}" for i in ids] + [k.decode() for k in q.connection.keys(f"rq:*{queue}*")]
    if keys:
        q.connection.delete(*keys)


def _schedule(name, folder, shard_size, workers=None, **extra):
    return DiscoverySchedule.objects.create(
        name=name, interval=60, inventory_folder=str(folder), shard_size=shard_size, workers=workers, **extra
    )


def _done(run_pk):
    """The run once closed; a job that failed in a worker fails the test at once, with its error."""
    from rq.job import Job
    from rq.registry import FailedJobRegistry

    q = jobs.queue()
    failed = FailedJobRegistry(queue=q).get_job_ids()
    if failed:
        job = Job.fetch(failed[0], connection=q.connection)
        pytest.fail(f"RQ job {job.id} failed: {(job.latest_result().exc_string or '')[-1500:]}")
    run = DiscoveryRun.objects.get(pk=run_pk)
    return run if run.status != RunStatus.RUNNING else None


def test_two_workers_share_a_run_in_shards(rq_env, lab_inventory, lab_devices):
    rq_env.start(2)
    schedule = _schedule("lab", lab_inventory, shard_size=5)
    run = jobs.start_run(schedule)
    assert run.status == RunStatus.RUNNING and run.shards_total >= 7
    run = wait_for(lambda: _done(run.pk), 180, "the run to close")
    shards = list(run.shards.all())
    assert all(s.status == ShardStatus.DONE for s in shards), [(s.index, s.status, s.message) for s in shards]
    assert len({s.worker for s in shards}) == 2  # both workers took shards
    listed = [d for d in lab_devices if d.role != "outside"]
    healthy = [d for d in listed if not d.broken]
    assert run.status == RunStatus.PARTIAL
    assert (run.hosts_tried, run.hosts_succeeded) == (len(listed), len(healthy))
    assert run.assets_created == len(healthy) == Asset.objects.count()
    reasons = dict(
        DiscoveryHost.objects.filter(run=run)
        .exclude(outcome=HostOutcome.SUCCESS)
        .values_list("name", "reason")
    )
    assert reasons["broken-auth"] == HostReason.AUTH
    assert reasons["broken-down"] == HostReason.UNREACHABLE


def test_a_worker_killed_mid_shard_leaves_whole_assets_and_an_incomplete_run(
    rq_env, lab_inventory, lab_devices
):
    from rq import Worker

    rq_env.start(2)
    # one session per shard: each shard takes its hosts one after another, long enough to be killed in
    schedule = _schedule("lab", lab_inventory, shard_size=19, workers=1)
    run = jobs.start_run(schedule)
    assert run.shards_total == 2
    victim = wait_for(
        lambda: run.shards.filter(status=ShardStatus.RUNNING, hosts_done__gte=2).first(),
        120,
        "a shard under way",
    )
    pid = next(w.pid for w in Worker.all(queue=jobs.queue()) if w.name == victim.worker)
    for child in _children(pid):  # the work horse that runs the job, then the worker: a machine dying
        os.kill(child, signal.SIGKILL)
    os.kill(pid, signal.SIGKILL)
    proc = next(p for p in rq_env.procs if p.pid == pid)
    assert proc.wait(timeout=10) == -signal.SIGKILL
    other = run.shards.exclude(pk=victim.pk).get()
    wait_for(lambda: run.shards.get(pk=other.pk).status == ShardStatus.DONE, 120, "the other shard")
    victim.refresh_from_db()
    assert victim.status == ShardStatus.RUNNING and victim.hosts_done < len(victim.hosts)

    # nobody beats for the killed shard any more: once stale it is given up
    later = victim.heartbeat + dt.timedelta(seconds=6)
    assert jobs.reap(max(later, timezone.now()))["shards"] == 1
    run.refresh_from_db()
    victim.refresh_from_db()
    assert victim.status == ShardStatus.LOST and f"worker {victim.worker} stopped answering" in victim.message
    assert run.status == RunStatus.INCOMPLETE
    saved = DiscoveryHost.objects.filter(run=run, outcome=HostOutcome.SUCCESS).count()
    assert run.hosts_succeeded == saved and run.hosts_tried < sum(len(s.hosts) for s in run.shards.all())
    by_name = {d.name: d for d in lab_devices}
    for asset in Asset.objects.all():  # no half-written asset (modules are checked below)
        assert asset.serial and asset.hardware_model_id and asset.platform_id and asset.software_version
        assert asset.name in by_name and not by_name[asset.name].broken
    counts_after_kill = {a.name: a.modules.count() for a in Asset.objects.all()}

    # the next run, on the worker that is left, completes it; one session at a time was there to
    # have a shard to kill halfway, this run may talk to its shard's hosts side by side
    DiscoverySchedule.objects.filter(pk=schedule.pk).update(workers=None)
    again = jobs.start_run(schedule)
    again = wait_for(lambda: _done(again.pk), 180, "the next run to close")
    healthy = [d for d in lab_devices if d.role != "outside" and not d.broken]
    assert again.status == RunStatus.PARTIAL and again.hosts_succeeded == len(healthy)
    assert Asset.objects.count() == len(healthy)
    for name, count in counts_after_kill.items():  # the assets saved before the kill were whole
        assert Asset.objects.get(name=name).modules.count() == count


def test_two_runs_over_the_same_hosts_at_once_create_no_duplicates(rq_env, lab_inventory, lab_devices):
    rq_env.start(2)
    first = _schedule("a", lab_inventory, shard_size=100)
    second = _schedule("b", lab_inventory, shard_size=100)
    runs = [jobs.start_run(first), jobs.start_run(second)]
    runs = [wait_for(lambda r=r: _done(r.pk), 180, f"run {r.pk}") for r in runs]
    starts = [r.shards.get().started for r in runs]
    ends = [r.shards.get().finished for r in runs]
    assert max(starts) < min(ends)  # the two runs overlapped
    assert runs[0].shards.get().worker != runs[1].shards.get().worker
    healthy = [d for d in lab_devices if d.role != "outside" and not d.broken]
    for run in runs:
        conflicts = DiscoveryHost.objects.filter(run=run, reason=HostReason.CONFLICT)
        assert not conflicts.exists(), list(conflicts.values_list("name", "message"))
        assert run.hosts_succeeded == len(healthy)
    assert Asset.objects.count() == len(healthy)
    assert sorted(Asset.objects.values_list("name", flat=True)) == sorted(d.name for d in healthy)
    assert sum(r.assets_created for r in runs) == len(healthy)  # each device created once, by one run
    names = list(Module.objects.values_list("asset_id", "name"))
    assert len(names) == len(set(names))


def test_a_schedule_fires_on_time_and_plans_the_next(rq_env, lab_inventory, lab_devices, tmp_path):
    from rq.registry import ScheduledJobRegistry

    # a small inventory of two healthy devices
    hosts = yaml.safe_load((lab_inventory / "hosts.yaml").read_text())
    healthy = [n for n in sorted(hosts) if hosts[n]["groups"][0] not in ("broken", "outside")]
    two = {name: hosts[name] for name in healthy[:2]}
    folder = tmp_path / "two"
    folder.mkdir()
    for name in ("groups.yaml", "defaults.yaml"):
        (folder / name).write_text((lab_inventory / name).read_text())
    (folder / "hosts.yaml").write_text(yaml.safe_dump(two))

    rq_env.start(1)
    schedule = DiscoverySchedule.objects.create(
        name="every-minute", interval=1, inventory_folder=str(folder), enabled=False
    )
    # enable it as if it had last fired 57 s ago: its next firing is 3 s from now
    DiscoverySchedule.objects.filter(pk=schedule.pk).update(
        enabled=True, last_fired=timezone.now() - dt.timedelta(seconds=57)
    )
    schedule.refresh_from_db()
    jobs.plan(schedule)
    due = schedule.next_run
    assert schedule.job_id in ScheduledJobRegistry(queue=jobs.queue()).get_job_ids()
    run = wait_for(lambda: DiscoveryRun.objects.filter(schedule=schedule).first(), 60, "the schedule to fire")
    assert due <= run.started < due + dt.timedelta(seconds=10)
    run = wait_for(lambda: _done(run.pk), 60, "the run to close")
    assert run.status == RunStatus.COMPLETED and run.hosts_succeeded == 2
    schedule.refresh_from_db()
    assert schedule.last_run == run and schedule.last_fired == due
    assert schedule.next_run == due + dt.timedelta(minutes=1)
    assert schedule.job_id in ScheduledJobRegistry(queue=jobs.queue()).get_job_ids()
