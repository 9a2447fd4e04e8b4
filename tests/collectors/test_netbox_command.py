"""``manage.py netbox pull|push|status``, NetBox schedules and the NetBox admin pages (issue #18).

What needs no NetBox (not configured, unreachable, bad usage, schedules that fail, the admin
page's error) runs everywhere; the real NetBox 4.7 (fixture ``netbox``) runs with the PostgreSQL
suite."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from collectors import jobs
from collectors.choices import HostOutcome, NetBoxKind, RunStatus, RunTrigger, ScheduleAction
from collectors.models import DiscoveryHost, DiscoveryRun, DiscoverySchedule, NetBoxLink, NetBoxSettings
from inventory.models import Asset, HardwareModel, Manufacturer, OrgUnit, Site
from tests.helpers import run_command, unreachable_url

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent
TOKEN = "nbt_k3yid.s3cr3t-that-must-never-show-0123456789"


@pytest.fixture(autouse=True)
def _no_netbox_in_the_environment(monkeypatch, settings):
    """NETBOX_URL / NETBOX_TOKEN would override the secrets file; no test plans on RQ."""
    monkeypatch.delenv("NETBOX_URL", raising=False)
    monkeypatch.delenv("NETBOX_TOKEN", raising=False)
    settings.DEVICE_SECRETS_FILE = ""
    settings.REDIS_URL = ""


def _secrets(tmp_path, settings, url: str, token: str = TOKEN) -> Path:
    path = tmp_path / "secrets.yaml"
    path.write_text(f"netbox:\n  url: {url}\n  token: {token}\n", encoding="utf-8")
    os.chmod(path, 0o600)
    settings.DEVICE_SECRETS_FILE = str(path)
    return path



def _netbox(*args: str) -> tuple[int, str, str]:
    return run_command("netbox", *args)


def _written() -> tuple[int, ...]:
    return (
        Asset.objects.count(),
        Site.objects.count(),
        OrgUnit.objects.count(),
        Manufacturer.objects.count(),
        HardwareModel.objects.count(),
        NetBoxLink.objects.count(),
    )


def _schedule(action: str, netbox_filter: str = "") -> DiscoverySchedule:
    schedule = DiscoverySchedule(name=f"nb-{action}", interval=60, action=action, netbox_filter=netbox_filter)
    schedule.full_clean()
    schedule.save()
    return schedule


# --- without NetBox --------------------------------------------------------------------------------


@pytest.mark.parametrize("sub", ["pull", "push", "status"])
def test_not_configured_exits_2_and_says_what_is_missing(sub):
    code, out, err = _netbox(sub)
    assert code == 2
    assert "NetBox is not configured: no url and token" in err
    assert "NETBOX_URL" in err and "DEVICE_SECRETS_FILE" in err
    assert not DiscoveryRun.objects.exists()  # nothing was started


def test_a_url_without_a_token_is_named(tmp_path, settings):
    path = tmp_path / "s.yaml"
    path.write_text("netbox:\n  url: https://netbox.example\n", encoding="utf-8")
    os.chmod(path, 0o600)
    code, _, err = _netbox("pull", "--secrets", str(path))
    assert (code, "no token" in err, "no url" in err) == (2, True, False)


def test_an_unreachable_netbox_fails_the_run_names_the_url_and_writes_nothing(tmp_path, settings):
    url = unreachable_url()
    _secrets(tmp_path, settings, url)
    before = _written()

    code, out, err = _netbox("pull")

    assert code == 2
    assert url in err and "unreachable" in err
    assert "\n" not in err  # one line
    assert TOKEN not in out + err
    assert _written() == before == (0, 0, 0, 0, 0, 0)
    run = DiscoveryRun.objects.get()
    assert run.status == RunStatus.FAILED and url in run.message
    assert run.source == f"NetBox pull {url}"
    assert not DiscoveryHost.objects.exists()

    code, out, err = _netbox("push")
    assert code == 2 and url in err and TOKEN not in out + err
    assert DiscoveryRun.objects.filter(status=RunStatus.FAILED).count() == 2

    code, out, err = _netbox("status")
    assert code == 2
    assert f"NetBox:   {url} (token: set)" in out
    assert "answers:  no:" in out and "unreachable" in out
    assert "last pull: run" in out and "Failed" in out
    assert TOKEN not in out + err


@pytest.mark.parametrize(
    ("filters", "named"),
    [
        (["bogus"], "filter 'bogus': expected key=value"),
        (["site=zentrale", "colour=red"], "filter 'colour=red': unknown key 'colour'"),
        (["site="], "filter 'site=': expected key=value"),
    ],
)
def test_a_bad_filter_is_bad_usage_naming_it(filters, named, tmp_path, settings):
    _secrets(tmp_path, settings, unreachable_url())
    code, _, err = _netbox("pull", "--filter", *filters)
    assert code == 2
    assert err.startswith("--filter: ") and named in err
    assert not DiscoveryRun.objects.exists()  # refused before NetBox was asked


def test_an_unknown_option_or_subcommand_is_bad_usage():
    assert _netbox("push", "--filter", "site=x")[0] == 2  # push takes no filter
    assert _netbox("sync")[0] == 2
    assert _netbox()[0] == 2
    code, _, err = _netbox("pull", "--secrets", "/nonexistent/secrets.yaml")
    assert code == 2 and "no such file" in err


def test_manage_py_prints_one_line_on_stderr_and_exits_2(migrated_sqlite, tmp_path):
    """For real: the exit status and stderr of ``manage.py netbox pull`` against nobody."""
    db = migrated_sqlite()
    url = unreachable_url()
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG", "REDIS_URL"}}
    env.update(
        SECRET_KEY="test-subprocess-key",
        DATABASE_URL=f"sqlite:///{db}",
        DEVICE_SECRETS_FILE="",
        NETBOX_URL=url,
        NETBOX_TOKEN=TOKEN,
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "netbox", "pull"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and url in lines[0] and "unreachable" in lines[0]
    assert "Traceback" not in done.stderr and TOKEN not in done.stdout + done.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT status FROM collectors_discoveryrun").fetchall() == [("failed",)]
        assert conn.execute("SELECT COUNT(*) FROM inventory_asset").fetchone() == (0,)
    conn.close()


# --- schedules without NetBox ----------------------------------------------------------------------


def test_a_netbox_schedule_that_cannot_reach_netbox_gives_a_failed_run(tmp_path, settings):
    url = unreachable_url()
    _secrets(tmp_path, settings, url)
    schedule = _schedule(ScheduleAction.NETBOX_PULL, "site=zentrale")

    run = jobs.start_run(schedule, trigger=RunTrigger.MANUAL, inline=True)

    assert run.status == RunStatus.FAILED and url in run.message and TOKEN not in run.message
    assert run.shards_total == 0 and not run.shards.exists()
    assert run.hosts_spec["action"] == "netbox-pull" and run.hosts_spec["netbox_filter"] == "site=zentrale"
    assert jobs._spec(run) == {
        "inventory_folder": "",
        "asset_filter": "",
        "action": "netbox-pull",
        "netbox_filter": "site=zentrale",
    }
    assert run.source == f"NetBox pull {url} (site=zentrale)"
    assert _written() == (0, 0, 0, 0, 0, 0)
    schedule.refresh_from_db()
    assert schedule.last_run == run


def test_a_netbox_schedule_without_netbox_configured_fails_saying_so(settings):
    run = jobs.start_run(_schedule(ScheduleAction.NETBOX_PUSH), inline=True)
    assert run.status == RunStatus.FAILED
    assert run.message.startswith("NetBox is not configured: no url and token")
    assert run.finished is not None


def test_a_netbox_schedule_runs_once_at_a_time(tmp_path, settings):
    _secrets(tmp_path, settings, unreachable_url())
    schedule = _schedule(ScheduleAction.NETBOX_PULL)
    running = DiscoveryRun.objects.create(
        started=jobs.timezone.now(), heartbeat=jobs.timezone.now(), source="NetBox pull x", schedule=schedule
    )

    assert jobs.start_run(schedule, inline=True) is None

    schedule.refresh_from_db()
    assert f"run {running.pk} of this schedule is still running" in schedule.last_message
    assert DiscoveryRun.objects.count() == 1


@pytest.mark.redis
def test_with_redis_a_netbox_schedule_is_one_job_on_the_queue(tmp_path, settings):
    from rq import SimpleWorker

    settings.REDIS_URL = os.environ["REDIS_URL"]
    settings.DISCOVERY_QUEUE = f"test-netbox-{uuid.uuid4().hex[:8]}"
    url = unreachable_url()
    _secrets(tmp_path, settings, url)
    schedule = _schedule(ScheduleAction.NETBOX_PUSH)
    q = jobs.queue()
    try:
        run = jobs.start_run(schedule, inline=False)
        assert run.status == RunStatus.RUNNING  # waiting for a worker
        assert q.get_job_ids() == [f"werterhalt-{settings.DISCOVERY_QUEUE}-netbox-{run.pk}"]
        assert jobs.start_run(schedule, inline=False) is None  # the queued run blocks the next
        SimpleWorker([q], connection=q.connection).work(burst=True)
        run.refresh_from_db()
        assert run.status == RunStatus.FAILED and url in run.message
        # the job delivered again leaves the finished run alone
        assert jobs.execute_netbox(run.pk) == {"run": run.pk, "skipped": True}
    finally:
        q.empty()
        q.delete(delete_jobs=True)


def test_schedules_command_takes_the_action_and_the_netbox_filter(
    settings, django_capture_on_commit_callbacks
):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "schedules",
            "add",
            "nb",
            "--interval",
            "60",
            "--action",
            "netbox-pull",
            "--netbox-filter",
            "site=zentrale  role=core",
            stdout=out,
        )
    s = DiscoverySchedule.objects.get(name="nb")
    assert (s.action, s.netbox_filter) == ("netbox-pull", "site=zentrale role=core")
    assert "netbox-pull: NetBox pull (site=zentrale role=core)" in out.getvalue()
    # --replace without --action keeps the action
    with django_capture_on_commit_callbacks(execute=True):
        call_command("schedules", "add", "nb", "--replace", "--interval", "30", stdout=io.StringIO())
    s.refresh_from_db()
    assert (s.interval, s.action, s.netbox_filter) == (30, "netbox-pull", "site=zentrale role=core")
    listing = io.StringIO()
    call_command("schedules", "list", stdout=listing)
    assert listing.getvalue().split()[:3] == ["nb", "on", "netbox-pull"]

    with pytest.raises(CommandError, match="--netbox-filter: filter 'colour=red': unknown key") as e:
        call_command(
            "schedules",
            "add",
            "x",
            "--interval",
            "5",
            "--action",
            "netbox-pull",
            "--netbox-filter",
            "colour=red",
        )
    assert e.value.returncode == 2
    with pytest.raises(CommandError, match="--action: Folder and asset filter are for discovery") as e:
        call_command(
            "schedules", "add", "x", "--interval", "5", "--action", "netbox-push", "--filter", "status=active"
        )
    assert e.value.returncode == 2
    with pytest.raises(CommandError, match="invalid choice: 'netbox-sync'") as e:
        call_command("schedules", "add", "x", "--interval", "5", "--action", "netbox-sync")
    assert e.value.returncode == 2
    assert not DiscoverySchedule.objects.filter(name="x").exists()


def test_the_schedule_form_and_api_take_action_and_netbox_filter(admin_client):
    from collectors.forms import DiscoveryScheduleForm

    form = DiscoveryScheduleForm(
        data={"name": "f", "interval": 60, "action": "netbox-pull", "netbox_filter": "nope", "shard_size": 50}
    )
    assert not form.is_valid()
    assert "expected key=value" in " ".join(form.errors["netbox_filter"])
    assert set(form.errors) == {"netbox_filter"}

    # a post without the action (an older page, a script) keeps the schedule's action
    kept = _schedule(ScheduleAction.NETBOX_PUSH)
    form = DiscoveryScheduleForm(data={"name": kept.name, "interval": 30, "shard_size": 50}, instance=kept)
    assert form.is_valid(), form.errors
    assert form.save().action == ScheduleAction.NETBOX_PUSH
    assert DiscoverySchedule.objects.get(pk=kept.pk).interval == 30

    url = reverse("discovery-api:discoveryschedule-list")
    bad = admin_client.post(
        url,
        {"name": "a", "interval": 60, "action": "netbox-pull", "netbox_filter": "colour=red"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "unknown key 'colour'" in bad.json()["netbox_filter"][0]
    wrong = admin_client.post(
        url, {"name": "a", "interval": 60, "action": "sync"}, content_type="application/json"
    )
    assert wrong.status_code == 400 and list(wrong.json()) == ["action"]
    good = admin_client.post(
        url,
        {"name": "a", "interval": 60, "action": "netbox-pull", "netbox_filter": "site=zentrale"},
        content_type="application/json",
    )
    assert good.status_code == 201, good.content
    body = good.json()
    assert (body["action"], body["netbox_filter"], body["source"]) == (
        "netbox-pull",
        "site=zentrale",
        "NetBox pull (site=zentrale)",
    )


# --- the admin pages -------------------------------------------------------------------------------


def test_the_netbox_settings_admin_shows_url_and_token_state_and_the_error(admin_client, tmp_path, settings):
    url = unreachable_url()
    _secrets(tmp_path, settings, url)
    changelist = reverse("admin:collectors_netboxsettings_changelist")
    add = reverse("admin:collectors_netboxsettings_add")

    assert admin_client.get(changelist)["Location"] == add  # none yet: make it
    page = admin_client.get(add).content.decode()
    assert url in page and TOKEN not in page
    assert "unreachable (connection refused)" in page
    assert 'name="_addanother"' not in page and 'name="_save"' in page  # one row: no "save and add another"

    saved = admin_client.post(
        add, {"org_units_from": "region", "org_unit_parent": "", "decommission_deleted": "on"}
    )
    assert saved.status_code == 302
    options = NetBoxSettings.load()
    assert (options.pk, options.org_units_from, options.push_device_types) == (1, "region", False)
    change = reverse("admin:collectors_netboxsettings_change", args=[1])
    assert admin_client.get(changelist)["Location"] == change  # the one row
    assert admin_client.get(add).status_code == 403  # no second
    page = admin_client.get(change).content.decode()
    assert f'<div class="readonly">{url}</div>' in page
    assert '<div class="readonly">set</div>' in page and TOKEN not in page
    assert 'class="deletelink"' not in page  # no delete button
    assert admin_client.post(reverse("admin:collectors_netboxsettings_delete", args=[1])).status_code == 403
    assert NetBoxSettings.objects.count() == 1


def test_the_netbox_settings_admin_without_netbox_says_not_set(admin_client):
    page = admin_client.get(reverse("admin:collectors_netboxsettings_add")).content.decode()
    assert '<div class="readonly">not configured</div>' in page
    assert '<div class="readonly">not set</div>' in page
    assert "NetBox is not configured: no url and token" in page


def test_netbox_links_are_listed_read_only(admin_client):
    NetBoxLink.objects.create(kind=NetBoxKind.DEVICE, netbox_id=41, object_id=7, name="sw-zentrale-1")
    NetBoxLink.objects.create(kind=NetBoxKind.SITE, netbox_id=3, object_id=2, name="Zentrale")
    changelist = reverse("admin:collectors_netboxlink_changelist")
    devices = admin_client.get(changelist, {"kind__exact": "device"}).content.decode()
    assert "sw-zentrale-1" in devices and "Zentrale</td>" not in devices
    assert admin_client.get(reverse("admin:collectors_netboxlink_add")).status_code == 403
    link = NetBoxLink.objects.get(netbox_id=41)
    view = admin_client.post(reverse("admin:collectors_netboxlink_change", args=[link.pk]), {"name": "x"})
    assert view.status_code == 403
    link.refresh_from_db()
    assert link.name == "sw-zentrale-1"


# --- with a real NetBox (PostgreSQL suite) ---------------------------------------------------------


def _two_devices(api) -> dict[str, dict]:
    site = api("/api/dcim/sites/", "POST", {"name": "Zentrale", "slug": "zentrale"})
    cisco = api("/api/dcim/manufacturers/", "POST", {"name": "Cisco", "slug": "cisco"})
    model = api(
        "/api/dcim/device-types/",
        "POST",
        {
            "manufacturer": cisco["id"],
            "model": "Catalyst 9300 48-port",
            "slug": "c9300-48p",
            "part_number": "C9300-48P",
        },
    )
    role = api(
        "/api/dcim/device-roles/", "POST", {"name": "Core switch", "slug": "core-switch", "color": "aa1409"}
    )
    made = api(
        "/api/dcim/devices/",
        "POST",
        [
            {
                "name": name,
                "serial": serial,
                "site": site["id"],
                "device_type": model["id"],
                "role": role["id"],
            }
            for name, serial in (("sw-a", "FOC0001A"), ("sw-b", "FOC0001B"))
        ],
    )
    return {d["name"]: d for d in made}


def test_a_wrong_token_exits_2_and_writes_nothing(netbox, tmp_path, settings):
    _two_devices(netbox.api)
    _secrets(tmp_path, settings, netbox.url, "nbt_wrongkey.wrongsecret0000000000000000")

    code, out, err = _netbox("pull")

    assert code == 2
    assert "refused the API token" in err and netbox.url in err
    assert "wrongsecret" not in out + err
    assert _written() == (0, 0, 0, 0, 0, 0)
    assert DiscoveryRun.objects.get().status == RunStatus.FAILED
    code, out, err = _netbox("status")
    assert code == 2 and "refused the API token" in out + err


def test_status_pull_and_push_against_netbox(netbox, tmp_path, settings):
    devices = _two_devices(netbox.api)
    _secrets(tmp_path, settings, netbox.url, netbox.token)

    code, out, err = _netbox("status")
    assert code == 0, err
    assert f"NetBox:   {netbox.url} (token: set)" in out
    assert "answers:  yes, NetBox 4.7." in out
    assert "last pull: never" in out
    assert netbox.token not in out + err

    code, out, err = _netbox("pull")
    assert code == 0, err
    run = DiscoveryRun.objects.order_by("pk").last()
    assert (
        f"Run {run.pk} ({run.get_absolute_url()}): Completed; 2 devices read, 2 created, 0 updated, "
        "0 unchanged, 0 conflicts/failed, 0 decommissioned" in out
    )
    assert run.get_absolute_url().endswith(f"/{run.pk}/")
    assert "FAILED" not in out
    assert set(Asset.objects.values_list("name", "serial")) == {("sw-a", "FOC0001A"), ("sw-b", "FOC0001B")}
    assert netbox.token not in out + err

    # a device deleted in NetBox is decommissioned by the next full pull; the other is unchanged
    netbox.api("/api/dcim/devices/", "DELETE", [{"id": devices["sw-b"]["id"]}])
    code, out, err = _netbox("pull")
    assert code == 0, err
    assert "1 devices read, 0 created, 0 updated, 1 unchanged, 0 conflicts/failed, 1 decommissioned" in out

    # a third device with sw-a's serial is a conflict: one line naming it, exit 1
    netbox.api(
        "/api/dcim/devices/",
        "POST",
        {
            "name": "sw-c",
            "serial": "FOC0001A",
            "site": devices["sw-a"]["site"]["id"],
            "device_type": devices["sw-a"]["device_type"]["id"],
            "role": devices["sw-a"]["role"]["id"],
        },
    )
    code, out, err = _netbox("pull", "--filter", "site=zentrale")
    assert code == 1
    failed = [line for line in out.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 1 and "sw-c" in failed[0] and "FOC0001A" in failed[0]
    assert "2 devices read, 0 created, 0 updated, 1 unchanged, 1 conflicts/failed, 0 decommissioned" in out
    assert "1 of 2 devices conflicted or failed" in err

    code, out, err = _netbox("push")
    assert code == 0, err
    assert "1 linked devices read, 0 created, 1 updated, 0 unchanged, 0 failed" in out
    pushed = netbox.api(f"/api/dcim/devices/{devices['sw-a']['id']}/")["custom_fields"]
    assert pushed["werterhalt_hw_status"]  # the lifecycle answer arrived

    code, out, err = _netbox("status")
    assert code == 0, err
    assert "1 sites, 1 manufacturers, 1 device types, 0 platforms, 1 devices" in out
    assert "gone:     1 devices deleted in NetBox" in out
    assert "last pull: run" in out and "Completed with failures" in out
    assert "last push: run" in out and "1 updated" in out
    assert netbox.token not in out + err


def test_a_netbox_pull_schedule_runs_with_its_filter(netbox, tmp_path, settings):
    _two_devices(netbox.api)
    other = netbox.api("/api/dcim/sites/", "POST", {"name": "Aussen", "slug": "aussen"})
    sw = netbox.api("/api/dcim/devices/?name=sw-a")["results"][0]
    netbox.api(
        "/api/dcim/devices/",
        "POST",
        {
            "name": "sw-x",
            "serial": "FOC0009X",
            "site": other["id"],
            "device_type": sw["device_type"]["id"],
            "role": sw["role"]["id"],
        },
    )
    _secrets(tmp_path, settings, netbox.url, netbox.token)
    schedule = _schedule(ScheduleAction.NETBOX_PULL, "site=zentrale")

    run = jobs.start_run(schedule, trigger=RunTrigger.MANUAL, inline=True)

    assert run.status == RunStatus.COMPLETED, run.message
    assert run.source == f"NetBox pull {netbox.url} (site=zentrale)"
    assert (run.schedule, run.trigger, run.shards_total) == (schedule, RunTrigger.MANUAL, 0)
    hosts = DiscoveryHost.objects.filter(run=run)
    assert set(hosts.values_list("name", "outcome")) == {
        ("sw-a", HostOutcome.SUCCESS),
        ("sw-b", HostOutcome.SUCCESS),
    }
    assert run.hosts_tried == 2 and run.assets_created == 2
    assert set(Asset.objects.values_list("name", flat=True)) == {"sw-a", "sw-b"}  # not sw-x
    # the lifecycle answers of the pulled assets are current
    from lifecycle.models import LifecycleState

    assert LifecycleState.objects.filter(asset__name__in=["sw-a", "sw-b"]).count() == 2
