"""Discovery schedules, run pages with their shards, and the queue/worker health page, through
Django's test client: list, filter, add/edit with the model's validation shown on its field,
delete, enable/disable and "run now" (refused to viewers), and the health page without Redis,
with Redis out of reach and (marked ``redis``) against a real one on a queue of its own."""

import csv
import datetime as dt
import html
import io
import os
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from collectors import jobs
from collectors.choices import HostOutcome, RunStatus, RunTrigger, ShardStatus
from collectors.models import DiscoveryHost, DiscoveryRun, DiscoverySchedule, DiscoveryShard
from inventory.models import ObjectChange
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VALID = {
    "name": "nightly",
    "description": "all switches",
    "enabled": "on",
    "interval": "",
    "cron": "30 2 * * 1-5",
    "inventory_folder": "",
    "asset_filter": "status=active",
    "shard_size": "50",
    "workers": "",
}


@pytest.fixture(autouse=True)
def no_redis(settings):
    """Without Redis unless a test says otherwise (REDIS_URL may be set in the environment)."""
    settings.REDIS_URL = ""


def login(client, *groups):
    user = UserFactory(groups=list(groups))
    client.force_login(user)
    return user


def schedule(name="hourly", **fields) -> DiscoverySchedule:
    fields.setdefault("interval", None if fields.get("cron") else 60)
    return DiscoverySchedule.objects.create(name=name, **fields)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def form_row(body: str, field: str) -> str:
    """The HTML of the form row holding the input ``id_<field>``."""
    for row in body.split('<div class="form-row">')[1:]:
        if f'id="id_{field}"' in row:
            return row
    raise AssertionError(f"no form row for {field}")


def test_schedule_pages_need_a_login(client):
    s = schedule()
    for url in [
        reverse("collectors:discoveryschedule_list"),
        s.get_absolute_url(),
        reverse("collectors:health"),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_list_shows_state_timing_source_last_run_and_message(client):
    run = DiscoveryRun.objects.create(
        started=timezone.now(), source="x", status=RunStatus.INCOMPLETE, trigger=RunTrigger.SCHEDULE
    )
    hourly = schedule("hourly", asset_filter="site=stadthaus")
    DiscoverySchedule.objects.filter(pk=hourly.pk).update(
        last_run=run, last_message="not started: run 7 of this schedule is still running"
    )
    schedule("weekdays", cron="30 2 * * 1-5", inventory_folder="/srv/inventory", enabled=False)
    login(client, "viewer")
    response = client.get(reverse("collectors:discoveryschedule_list"))
    assert response.status_code == 200
    body = response.content.decode()
    rows = {row.record.name: row for row in response.context["table"].paginated_rows}
    assert set(rows) == {"hourly", "weekdays"}
    assert rows["hourly"].get_cell("when") == "every 60 min"
    assert rows["weekdays"].get_cell("when") == "30 2 * * 1-5"
    assert "badge-success" in rows["hourly"].get_cell("enabled")
    assert "Disabled" in rows["weekdays"].get_cell("enabled")
    assert "inventory folder /srv/inventory" in body
    assert "inventory database (site=stadthaus)" in body
    last = rows["hourly"].get_cell("last_run")
    assert run.get_absolute_url() in last and "badge-warning" in last and "Incomplete" in last
    assert "still running" in body
    assert response.context["add_url"] is None  # a viewer adds nothing
    export = client.get(reverse("collectors:discoveryschedule_list"), {"export": "csv"})
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][:3] == ["Name", "Enabled", "When"]
    assert sorted(r[:3] for r in rows[1:]) == [
        ["hourly", "True", "every 60 min"],
        ["weekdays", "False", "30 2 * * 1-5"],
    ]


@pytest.mark.parametrize(
    "query, expected",
    [("enabled=false", ["weekdays"]), ("enabled=true", ["hourly"]), ("q=srv", ["weekdays"]), ("", None)],
)
def test_list_filters(client, query, expected):
    schedule("hourly", asset_filter="site=stadthaus")
    schedule("weekdays", cron="30 2 * * 1-5", inventory_folder="/srv/inventory", enabled=False)
    login(client, "viewer")
    response = client.get(f"{reverse('collectors:discoveryschedule_list')}?{query}")
    names = sorted(row.record.name for row in response.context["table"].paginated_rows)
    assert names == (expected or ["hourly", "weekdays"])
    assert {"q", "enabled"} <= {f.name for f in response.context["filter_fields"]}


def test_add_schedule_plans_it_and_records_who(client, django_capture_on_commit_callbacks):
    user = login(client, "engineer")
    add = client.get(reverse("collectors:discoveryschedule_add"))
    assert add.status_code == 200
    assert set(add.context["form"].fields) == {
        "name",
        "description",
        "enabled",
        "interval",
        "cron",
        "action",
        "inventory_folder",
        "asset_filter",
        "netbox_filter",
        "shard_size",
        "workers",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("collectors:discoveryschedule_add"), VALID)
    s = DiscoverySchedule.objects.get(name="nightly")
    assert response.status_code == 302 and response.url == s.get_absolute_url()
    assert (s.cron, s.asset_filter, s.enabled, s.interval) == ("30 2 * * 1-5", "status=active", True, None)
    assert s.next_run is not None and timezone.localtime(s.next_run).strftime("%H:%M") == "02:30"
    change = ObjectChange.objects.for_object(s).get()
    assert change.action == "create" and change.user == user
    page = client.get(s.get_absolute_url())
    assert page.status_code == 200
    assert page.context["changes"][0] == change
    assert timezone.localtime(s.next_run).strftime("%Y-%m-%d %H:%M") in page.content.decode()


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"interval": "10"}, "cron", "either an interval or a cron expression, not both"),
        ({"cron": ""}, "interval", "Give an interval or a cron expression."),
        ({"cron": "61 * * * *"}, "cron", "is not a valid cron expression"),
        ({"cron": "1 2 3"}, "cron", "has 3 fields"),
        ({"inventory_folder": "/srv/inventory"}, "asset_filter", "from a folder or from a filter, not both"),
        ({"asset_filter": "colour=red"}, "asset_filter", "unknown filter colour"),
        ({"asset_filter": "status=flying"}, "asset_filter", "invalid filter: status"),
        ({"shard_size": "0"}, "shard_size", "greater than or equal to 1"),
    ],
)
def test_add_form_shows_each_validation_error_on_its_field(client, changes, field, message):
    login(client, "engineer")
    response = client.post(reverse("collectors:discoveryschedule_add"), {**VALID, **changes})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field]), errors
    row = html.unescape(form_row(response.content.decode(), field))
    assert message in row and 'role="alert"' in row
    assert not DiscoverySchedule.objects.exists()


def test_edit_keeps_errors_on_the_field_and_saves_valid_changes(client):
    s = schedule("hourly", asset_filter="status=active")
    login(client, "engineer")
    url = reverse("collectors:discoveryschedule_edit", args=[s.pk])
    form = client.get(url).context["form"]
    assert form["interval"].value() == 60 and form["asset_filter"].value() == "status=active"
    data = {**VALID, "name": "hourly", "cron": "", "interval": "60", "asset_filter": "status=active"}
    bad = client.post(url, {**data, "cron": "0 * * * *"})
    assert bad.status_code == 200 and "not both" in " ".join(bad.context["form"].errors["cron"])
    s.refresh_from_db()
    assert s.cron == "" and s.interval == 60
    response = client.post(url, {**data, "interval": "15", "description": "every quarter hour"})
    assert response.status_code == 302
    s.refresh_from_db()
    assert s.interval == 15 and s.description == "every quarter hour"
    change = ObjectChange.objects.for_object(s).get(action="update")
    assert change.changed_fields()["interval"] == (60, 15)


def test_delete_asks_then_deletes(client):
    s = schedule()
    login(client, "engineer")
    url = reverse("collectors:discoveryschedule_delete", args=[s.pk])
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 302 and response.url == reverse("collectors:discoveryschedule_list")
    assert not DiscoverySchedule.objects.exists()


def test_disable_and_enable(client, django_capture_on_commit_callbacks):
    s = schedule("hourly", asset_filter="site=stadthaus")
    login(client, "engineer")
    page = client.get(s.get_absolute_url()).content.decode()
    assert 'id="toggle-enabled">Disable' in page and 'id="run-now"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("collectors:discoveryschedule_disable", args=[s.pk]), follow=True)
    s.refresh_from_db()
    assert s.enabled is False and s.next_run is None
    assert messages_of(response) == ["Disabled schedule “hourly”: it does not fire until enabled."]
    body = response.content.decode()
    assert 'id="schedule-state">Disabled' in body and 'id="toggle-enabled">Enable' in body
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("collectors:discoveryschedule_enable", args=[s.pk]), follow=True)
    s.refresh_from_db()
    assert s.enabled is True
    assert abs(s.next_run - (timezone.now() + dt.timedelta(minutes=60))) < dt.timedelta(seconds=30)
    assert 'id="schedule-state">Enabled' in response.content.decode()
    changes = ObjectChange.objects.for_object(s).filter(action="update").order_by("pk")
    assert [c.changed_fields()["enabled"] for c in changes] == [(True, False), (False, True)]


def test_run_now_without_redis_asks_cron_to_run_it(client):
    s = schedule("hourly", asset_filter="site=stadthaus")
    later = timezone.now() + dt.timedelta(hours=1)
    DiscoverySchedule.objects.filter(pk=s.pk).update(next_run=later)
    user = login(client, "engineer")
    before = timezone.now()
    response = client.post(reverse("collectors:discoveryschedule_run", args=[s.pk]), follow=True)
    s.refresh_from_db()
    assert before <= s.run_requested <= timezone.now()
    assert s.run_requested_by == user
    assert s.next_run == later  # its times stay
    assert any("within a minute" in m and "schedules run-due" in m for m in messages_of(response))
    assert not DiscoveryRun.objects.exists()  # cron starts it, not the page


def test_run_now_of_a_disabled_schedule_is_requested_too(client):
    s = schedule("hourly", asset_filter="site=stadthaus", enabled=False)
    login(client, "engineer")
    response = client.post(reverse("collectors:discoveryschedule_run", args=[s.pk]), follow=True)
    [message] = list(response.context["messages"])
    assert message.level_tag == "success" and "requested" in str(message)
    s.refresh_from_db()
    assert s.run_requested is not None and s.next_run is None and not s.enabled


def test_run_now_with_redis_out_of_reach_says_so(client, settings, monkeypatch):
    unreachable_queue(settings, monkeypatch)
    s = schedule()
    login(client, "engineer")
    response = client.post(reverse("collectors:discoveryschedule_run", args=[s.pk]), follow=True)
    [message] = list(response.context["messages"])
    assert message.level_tag == "error" and "Redis did not answer" in str(message)


def test_viewer_sees_no_buttons_and_is_refused(client):
    s = schedule()
    login(client, "viewer")
    page = client.get(s.get_absolute_url())
    body = page.content.decode()
    assert page.status_code == 200 and page.context["can_change"] is False
    assert 'id="run-now"' not in body and 'id="toggle-enabled"' not in body
    for name in ("discoveryschedule_run", "discoveryschedule_disable", "discoveryschedule_enable"):
        assert client.post(reverse(f"collectors:{name}", args=[s.pk])).status_code == 403, name
    assert client.get(reverse("collectors:discoveryschedule_add")).status_code == 403
    assert client.post(reverse("collectors:discoveryschedule_delete", args=[s.pk])).status_code == 403
    s.refresh_from_db()
    assert s.enabled is True and s.next_run is None  # nothing changed, nothing made due


def test_buttons_take_post_only(client):
    s = schedule()
    login(client, "engineer")
    assert client.get(reverse("collectors:discoveryschedule_run", args=[s.pk])).status_code == 405
    assert client.get(reverse("collectors:discoveryschedule_disable", args=[s.pk])).status_code == 405
    s.refresh_from_db()
    assert s.enabled is True and s.next_run is None


def test_schedule_page_lists_its_runs(client):
    s = schedule()
    other = schedule("other")
    now = timezone.now()
    mine = [
        DiscoveryRun.objects.create(
            started=now - dt.timedelta(hours=h),
            finished=now - dt.timedelta(hours=h) + dt.timedelta(minutes=3, seconds=5),
            source="x",
            schedule=s,
            trigger=RunTrigger.MANUAL if h == 1 else RunTrigger.SCHEDULE,
            status=RunStatus.COMPLETED,
            hosts_tried=9,
            hosts_succeeded=8,
            hosts_failed=1,
            shards_total=3,
        )
        for h in (1, 2)
    ]
    DiscoveryRun.objects.create(started=now, source="x", schedule=other)
    login(client, "viewer")
    page = client.get(s.get_absolute_url())
    rows = list(page.context["run_table"].paginated_rows)
    assert [r.record.pk for r in rows] == [mine[0].pk, mine[1].pk]  # newest first, only its own
    assert rows[0].get_cell("duration") == "3 min 05 s"
    assert "Run now" in rows[0].get_cell("trigger") and rows[0].get_cell("shards_total") == 3
    assert {c.name for c in page.context["run_table"].columns} >= {
        "started",
        "trigger",
        "status",
        "hosts_tried",
        "hosts_succeeded",
        "hosts_failed",
        "assets_created",
        "assets_updated",
        "duration",
        "shards_total",
    }


def make_incomplete_run() -> DiscoveryRun:
    """A schedule's run of three shards, one of which a dead worker left: closed by jobs."""
    s = schedule("campus")
    now = timezone.now()
    run = DiscoveryRun.objects.create(
        started=now - dt.timedelta(minutes=10),
        source=s.source,
        schedule=s,
        trigger=RunTrigger.SCHEDULE,
        shards_total=3,
    )
    beat = now - dt.timedelta(minutes=5)
    for index, (status, worker) in enumerate(
        [(ShardStatus.DONE, "w1"), (ShardStatus.LOST, "w2"), (ShardStatus.DONE, "w3")]
    ):
        shard = DiscoveryShard.objects.create(
            run=run,
            index=index,
            hosts=[f"sw-{index}-{n}" for n in range(3)],
            status=status,
            worker=worker,
            queued=beat,
            started=beat,
            finished=now,
            heartbeat=beat,
            hosts_done=3 if status == ShardStatus.DONE else 1,
            message="worker w2 stopped answering after 1 of 3 hosts" if status == ShardStatus.LOST else "",
        )
        for n in range(shard.hosts_done):
            DiscoveryHost.objects.create(
                run=run, shard=shard, name=f"sw-{index}-{n}", outcome=HostOutcome.SUCCESS
            )
    return jobs.close_run(run.pk, now=now)


def test_run_page_shows_schedule_trigger_shards_and_the_incomplete_message(client):
    run = make_incomplete_run()
    assert run.status == RunStatus.INCOMPLETE and "\n" in run.message
    login(client, "viewer")
    page = client.get(run.get_absolute_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert re.search(r'id="run-status"><span class="badge badge-warning">Incomplete</span>', body)
    assert f'<a href="{run.schedule.get_absolute_url()}">campus</a>' in body
    assert 'id="run-trigger">Schedule<' in body
    message = re.search(r'id="run-message">.*?<div style="white-space:pre-wrap">(.*?)</div>', body, re.S)
    assert html.unescape(message.group(1)) == run.message  # every line, as written
    shards = list(page.context["shard_table"].paginated_rows)
    assert [r.get_cell("index") for r in shards] == [1, 2, 3]
    lost = shards[1]
    assert "Lost" in lost.get_cell("status") and "badge-danger" in lost.get_cell("status")
    assert (
        lost.get_cell("worker") == "w2" and lost.get_cell("hosts") == 3 and lost.get_cell("hosts_done") == 1
    )
    assert "stopped answering" in lost.get_cell("message")
    assert 'id="run-shard-table"' in body
    hosts = sorted(r.record.name for r in page.context["host_table"].paginated_rows)
    assert hosts == ["sw-0-0", "sw-0-1", "sw-0-2", "sw-1-0", "sw-2-0", "sw-2-1", "sw-2-2"]


def test_run_page_without_shards_has_no_shard_table(client):
    run = DiscoveryRun.objects.create(started=timezone.now(), source="lab", status=RunStatus.COMPLETED)
    DiscoveryHost.objects.create(run=run, name="sw-1", outcome=HostOutcome.SUCCESS)
    login(client, "viewer")
    page = client.get(run.get_absolute_url())
    assert page.context["shard_table"] is None
    body = page.content.decode()
    assert 'id="run-shards"' not in body and 'id="run-hosts"' in body and "sw-1" in body
    assert 'id="run-trigger">Command line<' in body


def test_run_list_filters_by_schedule_and_trigger(client):
    s = schedule()
    mine = DiscoveryRun.objects.create(started=timezone.now(), source="x", schedule=s, trigger="manual")
    DiscoveryRun.objects.create(started=timezone.now(), source="x")
    login(client, "viewer")
    url = reverse("collectors:discoveryrun_list")
    for query in (f"schedule_id={s.pk}", "trigger=manual"):
        rows = client.get(f"{url}?{query}").context["table"].paginated_rows
        assert [r.record.pk for r in rows] == [mine.pk], query


# --- health ---------------------------------------------------------------------------------------


def running_shards(stale: int = 1, fresh: int = 1) -> DiscoveryRun:
    now = timezone.now()
    run = DiscoveryRun.objects.create(started=now, source="x", shards_total=stale + fresh + 1)
    long_ago = now - dt.timedelta(hours=1)
    for i in range(stale + fresh):
        DiscoveryShard.objects.create(
            run=run,
            index=i,
            hosts=["a"],
            status=ShardStatus.RUNNING,
            queued=long_ago,
            started=long_ago,
            heartbeat=long_ago if i < stale else now,
        )
    DiscoveryShard.objects.create(run=run, index=stale + fresh, hosts=["b"], queued=now)
    return run


def test_health_without_redis_explains_cron_and_counts_shards(client):
    running_shards(stale=2, fresh=1)
    login(client, "viewer")
    response = client.get(reverse("collectors:health"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "manage.py schedules run-due" in body and "every minute" in body
    assert 'id="worker-table"' not in body and 'id="redis-ok"' not in body
    assert re.search(r'id="runs-running"><a [^>]*>1</a>', body)
    assert 'id="shards-running">3<' in body and 'id="shards-queued">1<' in body
    assert 'id="shards-stale">2<' in body
    assert "2 running shards have not shown a sign of life" in body


def test_health_without_stale_shards_warns_of_nothing(client):
    running_shards(stale=0, fresh=1)
    login(client, "viewer")
    body = client.get(reverse("collectors:health")).content.decode()
    assert 'id="shards-stale">0<' in body and 'id="stale-warning"' not in body


def test_health_menu_entries(client):
    login(client, "viewer")
    body = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("collectors:health")}">Queue and workers<' in body
    assert f'href="{reverse("collectors:discoveryschedule_list")}">Discovery schedules<' in body


def unreachable_queue(settings, monkeypatch) -> None:
    """Redis configured, but nothing listens there."""
    import django_rq.settings

    name = f"test-ui-unreachable-{uuid.uuid4().hex[:8]}"
    config = {"URL": "redis://127.0.0.1:1/0", "DEFAULT_TIMEOUT": 60}
    settings.REDIS_URL = config["URL"]
    settings.DISCOVERY_QUEUE = name
    settings.RQ_QUEUES = {**settings.RQ_QUEUES, name: config}
    monkeypatch.setitem(django_rq.settings.QUEUES, name, config)


def test_health_with_redis_out_of_reach_shows_the_error(client, settings, monkeypatch):
    unreachable_queue(settings, monkeypatch)
    running_shards(stale=1, fresh=0)
    login(client, "viewer")
    body = client.get(reverse("collectors:health")).content.decode()
    assert 'id="redis-error"' in body and "Connection refused" in body
    assert 'id="worker-table"' not in body and "schedules run-due" not in body
    assert 'id="shards-stale">1<' in body  # the database's figures still show


# --- with a real Redis (REDIS_URL), each test on a queue of its own -------------------------------


@pytest.fixture
def redis_queue(settings, monkeypatch):
    """A discovery queue named for this test on $REDIS_URL; every key it made is removed after."""
    import django_rq.settings
    from rq.registry import (
        FailedJobRegistry,
        FinishedJobRegistry,
        ScheduledJobRegistry,
        StartedJobRegistry,
    )

    name = f"test-ui-{uuid.uuid4().hex[:12]}"
    config = {"URL": os.environ["REDIS_URL"], "DEFAULT_TIMEOUT": 60}
    settings.REDIS_URL = config["URL"]
    settings.DISCOVERY_QUEUE = name
    settings.RQ_QUEUES = {**settings.RQ_QUEUES, name: config}
    monkeypatch.setitem(django_rq.settings.QUEUES, name, config)
    queue = jobs.queue()
    yield queue
    conn = queue.connection
    job_ids = set(queue.get_job_ids())
    for registry in (ScheduledJobRegistry, StartedJobRegistry, FailedJobRegistry, FinishedJobRegistry):
        job_ids |= set(registry(queue=queue).get_job_ids())
    for job_id in job_ids:
        conn.delete(f"rq:job:{job_id}", f"rq:results:{job_id}")
    conn.srem("rq:queues", queue.key)
    for key in list(conn.scan_iter(f"*{name}*")):
        conn.delete(key)


@pytest.fixture
def rq_worker(redis_queue):
    """A worker registered on the queue as a running one is (birth and heartbeat), without a
    process: what the health page reads is what RQ keeps in Redis."""
    from rq import Worker

    worker = Worker([redis_queue], connection=redis_queue.connection, name=f"{redis_queue.name}-w1")
    worker.register_birth()
    worker.heartbeat()
    yield worker
    worker.register_death()
    redis_queue.connection.delete(worker.key)


@pytest.mark.redis
def test_health_with_redis_shows_workers_scheduler_and_unplanned(client, redis_queue, rq_worker):
    from rq.registry import ScheduledJobRegistry
    from rq.scheduler import RQScheduler

    s = schedule("hourly", asset_filter="site=stadthaus")  # saved, but never put on RQ
    login(client, "viewer")
    body = client.get(reverse("collectors:health")).content.decode()
    assert 'id="redis-ok"' in body and redis_queue.name in body
    assert f'<td class="name">{rq_worker.name}</td>' in body and rq_worker.hostname in body
    assert 'id="no-scheduler"' in body  # no worker runs RQ's scheduler: schedules will not fire
    assert 'id="health-unplanned"' in body and s.get_absolute_url() in body
    assert 'id="plan-again"' not in body  # a viewer may not plan
    assert client.post(reverse("collectors:health_plan")).status_code == 403
    client.logout()

    login(client, "engineer")
    response = client.post(reverse("collectors:health_plan"), follow=True)
    s.refresh_from_db()
    assert s.job_id and s.job_id in ScheduledJobRegistry(queue=redis_queue).get_job_ids()
    assert any(m.startswith("Planned again: hourly") for m in messages_of(response))
    redis_queue.connection.set(RQScheduler.get_locking_key(redis_queue.name), "test", ex=60)
    body = client.get(reverse("collectors:health")).content.decode()
    assert 'id="health-unplanned"' not in body and 'id="no-scheduler"' not in body
    assert re.search(r'id="scheduler"><span class="badge badge-success">running', body)
    assert re.search(r"Firings planned</th><td>1<", body)


@pytest.mark.redis
def test_run_now_with_redis_queues_a_job(client, redis_queue):
    s = schedule("hourly", asset_filter="site=stadthaus")
    login(client, "engineer")
    response = client.post(reverse("collectors:discoveryschedule_run", args=[s.pk]), follow=True)
    assert any("queued" in m and "worker" in m for m in messages_of(response))
    [job] = redis_queue.get_jobs()
    assert job.func_name == "collectors.jobs.fire_now" and job.args[0] == s.pk
    s.refresh_from_db()
    assert s.next_run is None  # with workers the schedule is not made due: the job starts the run
