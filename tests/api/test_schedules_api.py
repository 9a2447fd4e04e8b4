"""/api/discovery/schedules/ (CRUD, validation naming the field, "run now"), /api/discovery/shards/
and /api/discovery/health/: answers, permissions, filters and query counts."""

import datetime as dt

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from collectors.choices import RunStatus, RunTrigger, ShardStatus
from collectors.models import DiscoveryRun, DiscoverySchedule, DiscoveryShard
from inventory.models import ObjectChange
from tests.api.conftest import make_user, results, session_client, token_client
from tests.ui.test_schedules import (  # noqa: F401 - fixtures and helpers shared with the UI tests
    redis_queue,
    rq_worker,
    running_shards,
    unreachable_queue,
)

pytestmark = pytest.mark.django_db

URL = "/api/discovery/schedules/"
NIGHTLY = {"name": "nightly", "cron": "30 2 * * 1-5", "asset_filter": "status=active"}


@pytest.fixture(autouse=True)
def no_redis(settings):
    settings.REDIS_URL = ""


def schedule(name="hourly", **fields) -> DiscoverySchedule:
    fields.setdefault("interval", None if fields.get("cron") else 60)
    return DiscoverySchedule.objects.create(name=name, **fields)


def test_create_read_update_delete(engineer):
    created = engineer.post(URL, {**NIGHTLY, "shard_size": 20}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    s = DiscoverySchedule.objects.get(name="nightly")
    assert body["id"] == s.pk and body["url"].endswith(f"{URL}{s.pk}/")
    assert (body["cron"], body["interval"], body["when"], body["shard_size"]) == (
        "30 2 * * 1-5",
        None,
        "30 2 * * 1-5",
        20,
    )
    assert body["source"] == "inventory database (status=active)"
    assert body["enabled"] is True and body["last_run"] is None and body["last_message"] == ""
    # the change log names the token that made it
    change = ObjectChange.objects.for_object(s).get()
    assert change.action == "create" and change.actor.startswith("token ")

    listed = results(engineer.get(URL))
    assert [row["name"] for row in listed] == ["nightly"]
    brief = results(engineer.get(URL, {"brief": 1}))[0]
    assert set(brief) == {"id", "url", "display", "name", "enabled"}

    patched = engineer.patch(
        f"{URL}{s.pk}/",
        {"enabled": False, "description": "weekdays", "next_run": "2030-01-01T00:00:00Z"},
        format="json",
    )
    assert patched.status_code == 200, patched.content
    s.refresh_from_db()
    assert s.enabled is False and s.description == "weekdays"
    assert s.next_run is None  # computed, never taken from the client

    assert engineer.delete(f"{URL}{s.pk}/").status_code == 204
    assert not DiscoverySchedule.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_created_schedule_answers_with_its_next_run(settings):
    settings.REDIS_URL = ""
    client = token_client(make_user("engineer"), write=True)
    before = timezone.now()
    response = client.post(URL, {"name": "hourly", "interval": 60}, format="json")
    assert response.status_code == 201, response.content
    next_run = dt.datetime.fromisoformat(response.json()["next_run"])
    assert before + dt.timedelta(minutes=59) < next_run < timezone.now() + dt.timedelta(minutes=61)
    assert DiscoverySchedule.objects.get().next_run == next_run


def test_computed_fields_are_read_only(engineer):
    now = timezone.now()
    run = DiscoveryRun.objects.create(started=now, source="x", status=RunStatus.COMPLETED)
    s = schedule()
    DiscoverySchedule.objects.filter(pk=s.pk).update(
        next_run=now, last_run=run, last_fired=now, last_message="skipped: still running"
    )
    body = engineer.get(f"{URL}{s.pk}/").json()
    assert body["last_run"]["id"] == run.pk and body["last_run"]["status"] == "completed"
    assert body["last_message"] == "skipped: still running"
    assert dt.datetime.fromisoformat(body["next_run"]) == now
    assert dt.datetime.fromisoformat(body["last_fired"]) == now
    engineer.patch(f"{URL}{s.pk}/", {"last_message": "", "last_fired": None, "last_run": None}, format="json")
    s.refresh_from_db()
    assert s.last_message == "skipped: still running" and s.last_run == run and s.last_fired == now


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"name": "x", "interval": 10, "cron": "0 * * * *"}, "cron", "not both"),
        ({"name": "x"}, "interval", "Give an interval or a cron expression."),
        ({"name": "x", "cron": "61 * * * *"}, "cron", "is not a valid cron expression"),
        ({"name": "x", "cron": "* * *"}, "cron", "has 3 fields"),
        ({"name": "x", "cron": "0 0 30 2 *"}, "cron", "never fires"),
        (
            {"name": "x", "interval": 10, "inventory_folder": "/srv/inv", "asset_filter": "status=active"},
            "asset_filter",
            "not both",
        ),
        (
            {"name": "x", "interval": 10, "asset_filter": "colour=red"},
            "asset_filter",
            "unknown filter colour",
        ),
        ({"name": "x", "interval": 10, "asset_filter": "status=flying"}, "asset_filter", "invalid filter"),
        ({"name": "x", "interval": 0}, "interval", "greater than or equal to 1"),
        ({"name": "hourly", "interval": 10}, "name", "already exists"),
    ],
)
def test_invalid_schedules_are_refused_naming_the_field(engineer, data, field, message):
    schedule("hourly")
    response = engineer.post(URL, data, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert DiscoverySchedule.objects.count() == 1


def test_partial_update_is_validated_as_a_whole(engineer):
    s = schedule("hourly")
    response = engineer.patch(f"{URL}{s.pk}/", {"cron": "0 * * * *"}, format="json")
    assert response.status_code == 400 and "cron" in response.json()
    ok = engineer.patch(f"{URL}{s.pk}/", {"cron": "0 * * * *", "interval": None}, format="json")
    assert ok.status_code == 200, ok.content
    s.refresh_from_db()
    assert (s.cron, s.interval) == ("0 * * * *", None)


def test_filters_and_ordering(viewer):
    schedule("hourly", asset_filter="status=active")
    schedule("weekdays", cron="30 2 * * 1-5", inventory_folder="/srv/inventory", enabled=False)
    assert [r["name"] for r in results(viewer.get(URL, {"ordering": "-name"}))] == ["weekdays", "hourly"]
    # computed fields are not offered for sorting (the database cannot sort by them): ignored
    assert [r["name"] for r in results(viewer.get(URL, {"ordering": "when"}))] == ["hourly", "weekdays"]
    assert [r["name"] for r in results(viewer.get(URL, {"enabled": "false"}))] == ["weekdays"]
    assert [r["name"] for r in results(viewer.get(URL, {"enabled": "true"}))] == ["hourly"]
    assert [r["name"] for r in results(viewer.get(URL, {"q": "srv"}))] == ["weekdays"]


def test_who_may_write_schedules(viewer, planner, engineer):
    s = schedule()
    assert viewer.post(URL, NIGHTLY, format="json").status_code == 403
    assert planner.post(URL, NIGHTLY, format="json").status_code == 403
    assert viewer.patch(f"{URL}{s.pk}/", {"enabled": False}, format="json").status_code == 403
    assert viewer.delete(f"{URL}{s.pk}/").status_code == 403
    read_only = token_client(engineer.user, write=False)
    assert read_only.post(URL, NIGHTLY, format="json").status_code == 403
    assert read_only.get(URL).status_code == 200
    assert DiscoverySchedule.objects.count() == 1 and DiscoverySchedule.objects.get().enabled


def test_run_now_without_redis_is_due_for_cron(engineer):
    s = schedule()
    before = timezone.now()
    response = engineer.post(f"{URL}{s.pk}/run/")
    assert response.status_code == 202, response.content
    assert response.json() == {"result": "due"}
    s.refresh_from_db()
    assert before <= s.run_requested <= timezone.now()


def test_run_now_needs_the_change_permission_and_a_write_token(viewer, planner, engineer):
    s = schedule()
    assert viewer.post(f"{URL}{s.pk}/run/").status_code == 403
    assert planner.post(f"{URL}{s.pk}/run/").status_code == 403
    assert token_client(engineer.user, write=False).post(f"{URL}{s.pk}/run/").status_code == 403
    # a user who may add schedules but not change them may not run them either
    from django.contrib.auth.models import Permission

    adder = make_user()
    adder.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_discoveryschedule", "view_discoveryschedule"])
    )
    assert token_client(adder, write=True).post(f"{URL}{s.pk}/run/").status_code == 403
    s.refresh_from_db()
    assert s.next_run is None
    assert engineer.post(f"{URL}{s.pk + 100}/run/").status_code == 404
    assert engineer.get(f"{URL}{s.pk}/run/").status_code == 405


def test_run_now_with_redis_out_of_reach_is_503(engineer, settings, monkeypatch):
    unreachable_queue(settings, monkeypatch)
    s = schedule()
    response = engineer.post(f"{URL}{s.pk}/run/")
    assert response.status_code == 503
    assert "did not answer" in response.json()["detail"]


@pytest.mark.redis
def test_run_now_with_redis_is_queued(engineer, redis_queue):  # noqa: F811 - the imported fixture
    s = schedule()
    response = engineer.post(f"{URL}{s.pk}/run/")
    assert response.status_code == 202 and response.json() == {"result": "queued"}
    [job] = redis_queue.get_jobs()
    assert job.func_name == "collectors.jobs.fire_now" and job.args == (s.pk, engineer.user.pk)


def test_schedule_list_costs_the_same_queries_for_2_or_20(viewer):
    viewer.get(URL)  # the first request of a token writes last_used; not measured

    def count(n):
        DiscoverySchedule.objects.all().delete()
        for i in range(n):
            run = DiscoveryRun.objects.create(started=timezone.now(), source="x")
            s = schedule(f"s{i}")
            DiscoverySchedule.objects.filter(pk=s.pk).update(last_run=run)
        with CaptureQueriesContext(connection) as queries:
            assert len(results(viewer.get(URL))) == n
        return len(queries)

    assert count(2) == count(20)


# --- runs and shards -------------------------------------------------------------------------------


def sharded_run() -> tuple[DiscoveryRun, list[DiscoveryShard]]:
    now = timezone.now()
    s = schedule("campus")
    run = DiscoveryRun.objects.create(
        started=now,
        source="x",
        schedule=s,
        trigger=RunTrigger.MANUAL,
        shards_total=3,
        status=RunStatus.INCOMPLETE,
    )
    shards = [
        DiscoveryShard.objects.create(
            run=run, index=i, hosts=[f"h{i}a", f"h{i}b"], status=status, queued=now, worker=f"w{i}"
        )
        for i, status in enumerate([ShardStatus.DONE, ShardStatus.LOST, ShardStatus.DONE])
    ]
    return run, shards


def test_runs_show_schedule_trigger_and_link_their_shards(viewer):
    run, shards = sharded_run()
    single = DiscoveryRun.objects.create(started=timezone.now(), source="lab")
    body = viewer.get(f"/api/discovery/runs/{run.pk}/").json()
    assert body["schedule"]["name"] == "campus" and body["trigger"] == "manual"
    assert body["status"] == "incomplete" and body["shards_total"] == 3
    assert body["shards"].endswith(f"/api/discovery/shards/?run_id={run.pk}")
    linked = results(viewer.get(body["shards"]))
    assert [(s["index"], s["status"], s["hosts"]) for s in linked] == [
        (0, "done", ["h0a", "h0b"]),
        (1, "lost", ["h1a", "h1b"]),
        (2, "done", ["h2a", "h2b"]),
    ]
    assert linked[0]["run"]["id"] == run.pk
    assert viewer.get(f"/api/discovery/runs/{single.pk}/").json()["shards"] is None
    assert [r["id"] for r in results(viewer.get("/api/discovery/runs/", {"trigger": "manual"}))] == [run.pk]
    by_schedule = results(viewer.get("/api/discovery/runs/", {"schedule_id": run.schedule_id}))
    assert [r["id"] for r in by_schedule] == [run.pk]


def test_shards_filter_by_run_and_status_and_are_read_only(viewer, admin):
    run, shards = sharded_run()
    other = DiscoveryRun.objects.create(started=timezone.now(), source="y", shards_total=1)
    DiscoveryShard.objects.create(
        run=other, index=0, hosts=["z"], status=ShardStatus.LOST, queued=timezone.now()
    )
    lost = results(viewer.get("/api/discovery/shards/", {"run_id": run.pk, "status": "lost"}))
    assert [s["id"] for s in lost] == [shards[1].pk]
    assert len(results(viewer.get("/api/discovery/shards/", {"status": "lost"}))) == 2
    detail = viewer.get(f"/api/discovery/shards/{shards[1].pk}/").json()
    assert detail["worker"] == "w1" and detail["display"] == f"Discovery run {run.pk} shard 2/3"
    assert admin.post("/api/discovery/shards/", {}, format="json").status_code == 405
    assert (
        admin.patch(f"/api/discovery/shards/{shards[0].pk}/", {"status": "lost"}, format="json").status_code
        == 405
    )


def test_shard_list_costs_the_same_queries_for_few_or_many(viewer):
    viewer.get("/api/discovery/shards/")  # the first request of a token writes last_used

    def count(n):
        DiscoveryRun.objects.all().delete()
        for _ in range(n):
            run = DiscoveryRun.objects.create(started=timezone.now(), source="x", shards_total=2)
            for i in range(2):
                DiscoveryShard.objects.create(run=run, index=i, hosts=["a"], queued=timezone.now())
        with CaptureQueriesContext(connection) as queries:
            assert len(results(viewer.get("/api/discovery/shards/"))) == 2 * n
        return len(queries)

    assert count(1) == count(10)


# --- health ------------------------------------------------------------------------------------------


def test_health_without_redis(viewer, anonymous):
    running_shards(stale=1, fresh=2)
    assert anonymous.get("/api/discovery/health/").status_code in {401, 403}
    body = viewer.get("/api/discovery/health/").json()
    assert body["redis"] is False and body["error"] == "" and body["workers"] == []
    assert body["counts"] == {} and body["scheduler"] is False and body["unplanned"] == []
    assert (body["runs_running"], body["shards_running"], body["shards_queued"], body["shards_stale"]) == (
        1,
        3,
        1,
        1,
    )


def test_health_needs_the_view_permission(db):
    nobody = token_client(make_user())
    assert nobody.get("/api/discovery/health/").status_code == 403
    assert session_client(make_user("planner")).get("/api/discovery/health/").status_code == 200


def test_health_with_redis_out_of_reach(viewer, settings, monkeypatch):
    unreachable_queue(settings, monkeypatch)
    body = viewer.get("/api/discovery/health/").json()
    assert body["redis"] is True and "Connection refused" in body["error"]
    assert body["queue_name"] == settings.DISCOVERY_QUEUE and body["workers"] == []


@pytest.mark.redis
def test_health_with_redis(viewer, redis_queue, rq_worker):  # noqa: F811 - the imported fixtures
    s = schedule("hourly")
    body = viewer.get("/api/discovery/health/").json()
    assert body["redis"] is True and body["error"] == "" and body["queue_name"] == redis_queue.name
    assert body["counts"] == {"queued": 0, "started": 0, "scheduled": 0, "failed": 0}
    [worker] = body["workers"]
    assert worker["name"] == rq_worker.name and worker["hostname"] == rq_worker.hostname
    assert worker["pid"] == rq_worker.pid and worker["queues"] == redis_queue.name
    beat = dt.datetime.fromisoformat(worker["last_heartbeat"])
    assert beat.tzinfo is not None and abs(beat - timezone.now()) < dt.timedelta(minutes=1)
    [unplanned] = body["unplanned"]
    assert set(unplanned) == {"id", "url", "display", "name", "enabled"}
    assert unplanned["id"] == s.pk and unplanned["url"].endswith(f"{URL}{s.pk}/")


def test_schema_describes_the_new_endpoints(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/discovery/schedules/"])
    assert set(paths["/api/discovery/shards/"]) == {"get"}
    run = paths["/api/discovery/schedules/{id}/run/"]["post"]
    assert "requestBody" not in run and "202" in run["responses"]
    health = paths["/api/discovery/health/"]["get"]["responses"]["200"]["content"]["application/json"]
    assert health["schema"] == {"$ref": "#/components/schemas/Health"}
    request = schema["components"]["schemas"]["DiscoveryScheduleRequest"]["properties"]
    assert not {"next_run", "last_run", "last_fired", "last_message"} & set(request)
