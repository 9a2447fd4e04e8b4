"""Discovery schedules without workers: when they fire, which hosts they take, how a run is cut
into shards and closed, one run per schedule at a time, stale runs and shards given up, and the
cron set-up (`manage.py schedules`) running shards here against the lab."""

import datetime as dt
import io
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from collectors import jobs, schedules
from collectors.choices import HostOutcome, RunStatus, RunTrigger, ShardStatus
from collectors.models import DiscoveryHost, DiscoveryRun, DiscoverySchedule, DiscoveryShard
from inventory.models import Asset
from tests.factories import AssetFactory, PlatformFactory, SiteFactory

ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")


# --- pure rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression, message",
    [
        ("* * * *", "has 4 fields"),
        ("61 * * * *", "not a valid cron expression"),
        ("* * * * * *", "has 6 fields"),
        ("a b c d e", "not a valid cron expression"),
        ("0 0 31 2 *", "never fires"),
    ],
)
def test_bad_cron_expressions_are_named(expression, message):
    with pytest.raises(ValueError, match=message):
        schedules.check_cron(expression)


def test_cron_follows_the_local_wall_clock_across_daylight_saving():
    # 02:30 every day; on 2027-03-28 Zurich skips 02:00-03:00, on 2027-10-31 it has it twice
    before_spring = dt.datetime(2027, 3, 27, 3, 0, tzinfo=ZURICH)
    nxt = schedules.next_fire(interval=None, cron="30 2 * * *", after=before_spring)
    assert nxt.astimezone(ZURICH).date() in (dt.date(2027, 3, 28), dt.date(2027, 3, 29))
    summer = dt.datetime(2027, 7, 1, 12, 0, tzinfo=ZURICH)
    nxt = schedules.next_fire(interval=None, cron="30 2 * * 1-5", after=summer)  # Thursday noon
    assert nxt.astimezone(ZURICH) == dt.datetime(2027, 7, 2, 2, 30, tzinfo=ZURICH)
    assert nxt.utcoffset() == dt.timedelta(hours=2)


def test_interval_and_first_firing():
    assert schedules.next_fire(
        interval=1, cron="", after=dt.datetime(2027, 1, 10, 8, 0, 0, 400, tzinfo=dt.UTC)
    ) == dt.datetime(2027, 1, 10, 8, 1, 1, tzinfo=dt.UTC)  # whole seconds, never early
    now = dt.datetime(2027, 1, 10, 8, 0, tzinfo=dt.UTC)
    assert schedules.next_fire(interval=90, cron="", after=now) == now + dt.timedelta(minutes=90)
    with pytest.raises(ValueError):
        schedules.next_fire(interval=None, cron="", after=now)
    with pytest.raises(ValueError):
        schedules.next_fire(interval=5, cron="", after=now.replace(tzinfo=None))
    s = DiscoverySchedule(interval=60, last_fired=now - dt.timedelta(minutes=20))
    assert schedules.first_fire(s, now) == now + dt.timedelta(minutes=40)  # keeps its rhythm
    s.last_fired = now - dt.timedelta(days=3)
    assert schedules.first_fire(s, now) == now  # long overdue: now
    s.last_fired = None
    assert schedules.first_fire(s, now) == now + dt.timedelta(minutes=60)


def test_split_spreads_hosts_evenly_and_keeps_them_all():
    names = [f"h{i:03}" for i in range(101)]
    parts = schedules.split(names, 50)
    assert [len(p) for p in parts] == [34, 34, 33]
    assert sum(parts, []) == names
    assert schedules.split(names[:3], 50) == [names[:3]]
    assert schedules.split([], 10) == []
    with pytest.raises(ValueError):
        schedules.split(names, 0)


@pytest.mark.django_db
def test_schedule_validation_names_the_field():
    cases = [
        (dict(interval=10, cron="0 * * * *"), "cron"),
        (dict(), "interval"),
        (dict(cron="0 25 * * *"), "cron"),
        (dict(interval=10, inventory_folder="/x", asset_filter="site=a"), "asset_filter"),
        (dict(interval=10, asset_filter="colour=red"), "asset_filter"),
        (dict(interval=10, asset_filter="status=flying"), "asset_filter"),
    ]
    for fields, field in cases:
        with pytest.raises(ValidationError) as exc:
            DiscoverySchedule(name="x", **fields).full_clean()
        assert field in exc.value.message_dict, (fields, exc.value.message_dict)
    DiscoverySchedule(name="ok", cron="30 2 * * 1-5", asset_filter="status=active").full_clean()


@pytest.mark.django_db
def test_asset_filter_selects_the_hosts_and_servers_come_with_bmc_credentials(settings):
    from collectors.hosts import Credentials

    settings.DISCOVERY_BMC_CA_FILE = "/etc/werterhalt/bmc-ca.pem"
    ios = PlatformFactory(slug="ios", name="Cisco IOS", napalm_driver="ios")
    redfish = PlatformFactory(slug="redfish", name="Server firmware (Redfish)", napalm_driver="")
    north, south = SiteFactory(slug="north"), SiteFactory(slug="south")
    AssetFactory(name="sw-n", site=north, platform=ios, management_address="10.0.0.1")
    AssetFactory(name="sw-s", site=south, platform=ios, management_address="10.0.0.2")
    AssetFactory(name="srv-n", site=north, platform=redfish, management_address="10.0.1.1")
    AssetFactory(name="no-address", site=north, platform=ios, management_address=None)
    creds = Credentials(default={"username": "net", "password": "p1"}, groups={"bmc": {"password": "p2"}})
    s = DiscoverySchedule(name="north", interval=60, asset_filter="site=north")
    inv = schedules.inventory_for(s, creds)
    assert sorted(inv.hosts) == ["srv-n", "sw-n"]
    assert inv.hosts["sw-n"].platform == "ios" and inv.hosts["sw-n"].password == "p1"
    server = inv.hosts["srv-n"]
    assert server.platform == "redfish" and server.port == settings.DISCOVERY_BMC_PORT
    assert server.password == "p2" and server.username == "net"
    assert server.data["ca_file"] == "/etc/werterhalt/bmc-ca.pem"


# --- runs, shards, one at a time, stale ones -----------------------------------------------------


@pytest.fixture
def folder_schedule(db, lab_inventory, settings):
    settings.DEVICE_SECRETS_FILE = str(lab_inventory.parent / "secrets.yaml")
    return DiscoverySchedule.objects.create(
        name="lab", interval=60, inventory_folder=str(lab_inventory), shard_size=12
    )


def test_inline_run_is_cut_into_shards_and_aggregated(folder_schedule, lab_devices):
    run = jobs.start_run(folder_schedule, trigger=RunTrigger.SCHEDULE, inline=True)
    listed = [d for d in lab_devices if d.role != "outside"]
    assert run.shards_total == -(-len(listed) // 12)
    shards = list(run.shards.all())
    assert [s.status for s in shards] == [ShardStatus.DONE] * run.shards_total
    assert sorted(sum((s.hosts for s in shards), [])) == sorted(d.name for d in listed)
    assert all(s.hosts_done == len(s.hosts) for s in shards)
    healthy = [d for d in listed if not d.broken]
    assert run.hosts_tried == len(listed)
    assert run.hosts_succeeded == len(healthy)
    assert run.assets_created == len(healthy)
    assert run.status == RunStatus.PARTIAL  # the lab's broken devices fail on purpose
    assert run.schedule == folder_schedule and run.trigger == RunTrigger.SCHEDULE
    assert DiscoveryHost.objects.filter(run=run, shard__isnull=True).count() == 0
    folder_schedule.refresh_from_db()
    assert folder_schedule.last_run == run

    again = jobs.start_run(folder_schedule, inline=True)
    assert again.assets_created == 0 and again.hosts_succeeded == len(healthy)
    assert Asset.objects.count() == len(healthy)


def test_one_run_per_schedule_at_a_time(folder_schedule):
    running = DiscoveryRun.objects.create(
        started=timezone.now(), heartbeat=timezone.now(), source="x", schedule=folder_schedule
    )
    assert jobs.start_run(folder_schedule, inline=True) is None
    folder_schedule.refresh_from_db()
    assert f"run {running.pk} of this schedule is still running" in folder_schedule.last_message
    assert DiscoveryRun.objects.count() == 1
    # once that run is over, the schedule runs again
    running.status = RunStatus.COMPLETED
    running.save()
    other = DiscoverySchedule.objects.create(name="empty", interval=5, asset_filter="site=nowhere-xyz")
    assert jobs.start_run(other, inline=True) is None or True  # an unknown slug is a bad filter
    assert DiscoveryRun.objects.filter(schedule=other, status=RunStatus.FAILED).exists()


def test_a_run_with_no_hosts_completes_at_once(db, settings):
    s = DiscoverySchedule.objects.create(name="nothing", interval=5, asset_filter="status=active")
    run = jobs.start_run(s, inline=True)
    assert run.status == RunStatus.COMPLETED and run.shards_total == 0
    assert run.message == "no hosts to discover"


def test_an_unreadable_inventory_folder_gives_a_failed_run_that_says_why(db, tmp_path):
    s = DiscoverySchedule.objects.create(name="gone", interval=5, inventory_folder=str(tmp_path / "nope"))
    run = jobs.start_run(s, inline=True)
    assert run.status == RunStatus.FAILED
    assert "hosts.yaml is missing" in run.message
    assert run.finished is not None


def _shard(run, index, status, hosts, beat, worker="w1"):
    return DiscoveryShard.objects.create(
        run=run,
        index=index,
        status=status,
        hosts=hosts,
        queued=beat,
        started=beat,
        heartbeat=beat,
        worker=worker,
    )


def test_a_shard_that_stops_beating_is_lost_and_its_run_incomplete(db, settings):
    settings.DISCOVERY_STALE_AFTER = 60
    now = timezone.now()
    run = DiscoveryRun.objects.create(started=now, heartbeat=now, source="x", shards_total=2)
    done = _shard(run, 0, ShardStatus.RUNNING, ["a", "b"], now)
    dead = _shard(run, 1, ShardStatus.RUNNING, ["c", "d", "e"], now - dt.timedelta(seconds=30), "w2")
    DiscoveryHost.objects.create(run=run, shard=done, name="a", outcome=HostOutcome.SUCCESS, created=True)
    DiscoveryHost.objects.create(run=run, shard=dead, name="c", outcome=HostOutcome.SUCCESS, updated=True)
    DiscoveryShard.objects.filter(pk=dead.pk).update(hosts_done=1)
    assert jobs.reap(now) == {"shards": 0, "runs": 0}  # 30 s without a beat is not yet stale
    DiscoveryHost.objects.create(run=run, shard=done, name="b", outcome=HostOutcome.FAILED, reason="auth")
    assert jobs.finish_shard(done.pk, ShardStatus.DONE) is True
    assert jobs.finish_shard(done.pk, ShardStatus.DONE) is False  # closed once
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING  # one shard still out

    later = now + dt.timedelta(seconds=61)
    assert jobs.reap(later) == {"shards": 1, "runs": 0}
    run.refresh_from_db()
    dead.refresh_from_db()
    assert dead.status == ShardStatus.LOST
    assert "worker w2 stopped answering after 1 of 3 hosts" in dead.message
    assert run.status == RunStatus.INCOMPLETE
    assert (run.hosts_tried, run.hosts_succeeded, run.hosts_failed) == (3, 2, 1)
    assert (run.assets_created, run.assets_updated) == (1, 1)
    assert "3 of 5 hosts tried" in run.message and "next run discovers the rest" in run.message
    # the lost worker coming back to life cannot reopen or re-close its shard
    assert jobs.finish_shard(dead.pk, ShardStatus.DONE) is False
    assert jobs.execute_shard(dead.pk) == {"shard": dead.pk, "skipped": True}


def test_queued_shards_nobody_takes_are_given_up(db, settings):
    settings.DISCOVERY_QUEUED_TIMEOUT = 3600
    now = timezone.now()
    run = DiscoveryRun.objects.create(started=now, heartbeat=now, source="x", shards_total=1)
    DiscoveryShard.objects.create(run=run, index=0, hosts=["a"], queued=now - dt.timedelta(hours=2))
    assert jobs.reap(now)["shards"] == 1
    run.refresh_from_db()
    assert run.status == RunStatus.INCOMPLETE and "no worker took it within 1 h" in run.message


def test_a_command_line_run_whose_process_died_is_closed(db, settings):
    settings.DISCOVERY_STALE_AFTER = 60
    now = timezone.now()
    old = DiscoveryRun.objects.create(
        started=now - dt.timedelta(hours=1), source="cli", heartbeat=now - dt.timedelta(minutes=5)
    )
    DiscoveryHost.objects.create(run=old, name="a", outcome=HostOutcome.SUCCESS)
    alive = DiscoveryRun.objects.create(started=now - dt.timedelta(hours=1), source="cli", heartbeat=now)
    assert jobs.reap(now)["runs"] == 1
    old.refresh_from_db()
    alive.refresh_from_db()
    assert old.status == RunStatus.INCOMPLETE and old.hosts_succeeded == 1
    assert "the process running it stopped" in old.message
    assert alive.status == RunStatus.RUNNING


def test_a_running_discover_beats(transactional_db, lab_inventory, credentials, settings):
    from collectors.hosts import from_folder
    from collectors.runner import discover

    settings.DISCOVERY_HEARTBEAT = 0.05
    inv = from_folder(lab_inventory, credentials)
    inv.hosts = type(inv.hosts)({k: v for k, v in inv.hosts.items() if k == "broken-silent"})
    report = discover(inv, source="beat test")  # the silent device takes one timeout (3 s)
    run = DiscoveryRun.objects.get(pk=report.run.pk)
    assert run.heartbeat > run.started + dt.timedelta(seconds=1)


# --- planning without Redis and the cron command --------------------------------------------------


def test_saving_plans_the_next_run_and_disabling_clears_it(db, settings, django_capture_on_commit_callbacks):
    settings.REDIS_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        s = DiscoverySchedule.objects.create(name="hourly", interval=60, asset_filter="status=active")
    s.refresh_from_db()
    assert s.next_run is not None
    assert abs((s.next_run - timezone.now()) - dt.timedelta(minutes=60)) < dt.timedelta(seconds=30)
    assert s.job_id == ""
    with django_capture_on_commit_callbacks(execute=True):
        jobs.set_enabled(s, False)
    s.refresh_from_db()
    assert s.next_run is None
    assert jobs.run_now(s) == "due"
    s.refresh_from_db()
    assert s.run_requested <= timezone.now() and s.next_run is None


def test_cron_command_runs_due_schedules_once(folder_schedule, settings, lab_devices):
    settings.REDIS_URL = ""
    out = io.StringIO()
    call_command("schedules", "run-due", stdout=out)
    assert "No schedule is due." in out.getvalue()
    DiscoverySchedule.objects.filter(pk=folder_schedule.pk).update(next_run=timezone.now())
    out = io.StringIO()
    call_command("schedules", "run-due", stdout=out)
    run = DiscoveryRun.objects.get()
    assert f"Run {run.pk}" in out.getvalue() and "Completed with failures" in out.getvalue()
    folder_schedule.refresh_from_db()
    assert folder_schedule.next_run > timezone.now() + dt.timedelta(minutes=59)
    assert folder_schedule.last_run == run
    call_command("schedules", "run-due", stdout=io.StringIO())
    assert DiscoveryRun.objects.count() == 1  # not due again for an hour


def test_cron_command_runs_what_was_asked_to_run_now_once(folder_schedule, settings, django_user_model):
    settings.REDIS_URL = ""
    user = django_user_model.objects.create_user("ops")
    DiscoverySchedule.objects.filter(pk=folder_schedule.pk).update(enabled=False, next_run=None)
    folder_schedule.refresh_from_db()
    assert jobs.run_now(folder_schedule, user) == "due"
    [run] = jobs.run_due()
    assert (run.trigger, run.user, run.status) == (RunTrigger.MANUAL, user, RunStatus.PARTIAL)
    folder_schedule.refresh_from_db()
    assert folder_schedule.run_requested is None and folder_schedule.next_run is None
    assert folder_schedule.last_fired is None  # a manual run does not move the schedule's times
    assert jobs.run_due() == []


def test_schedules_command_add_list_and_errors(db, settings, django_capture_on_commit_callbacks):
    settings.REDIS_URL = ""
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "schedules", "add", "nightly", "--cron", "30 2 * * *", "--filter", "status=active", stdout=out
        )
    assert "Schedule nightly saved: 30 2 * * *" in out.getvalue()
    s = DiscoverySchedule.objects.get(name="nightly")
    assert s.next_run is not None and timezone.localtime(s.next_run).strftime("%H:%M") == "02:30"
    out = io.StringIO()
    call_command("schedules", "list", stdout=out)
    assert "nightly" in out.getvalue() and "never run" in out.getvalue()
    with pytest.raises(CommandError, match="cron: .* has 3 fields") as exc:
        call_command("schedules", "add", "bad", "--cron", "1 2 3")
    assert exc.value.returncode == 2
    with pytest.raises(CommandError, match="already exists"):
        call_command("schedules", "add", "nightly", "--interval", "5")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("schedules", "add", "nightly", "--replace", "--interval", "5", stdout=io.StringIO())
    s = DiscoverySchedule.objects.get(name="nightly")
    assert (s.interval, s.cron, s.asset_filter) == (5, "", "")
    assert s.next_run - timezone.now() < dt.timedelta(minutes=5, seconds=2)
    with pytest.raises(CommandError, match="no schedule named 'nope'"):
        call_command("schedules", "run", "nope")
    assert not DiscoverySchedule.objects.filter(name="bad").exists()
