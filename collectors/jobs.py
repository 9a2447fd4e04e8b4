"""Scheduled and distributed discovery: firing schedules, shards on RQ workers, stale runs.

A schedule fires (RQ's scheduler, ``enqueue_at``; or cron: ``manage.py schedules run-due``):
``start_run`` takes its hosts, creates a DiscoveryRun and one DiscoveryShard per slice of hosts,
and enqueues one RQ job per shard (without Redis: runs them here, one after another). Any worker,
on any machine, takes a shard: ``execute_shard`` discovers its hosts (each saved in its own
transaction) while a heartbeat thread stamps the shard; the last shard to finish closes the run,
which aggregates its shards. A worker that dies (SIGKILL, power cut) stops beating: ``reap``
marks its shard lost and the run incomplete, keeping what was saved; the next run completes it.
Only one run of a schedule runs at a time (the schedule's row is locked while a run is started,
and a running run blocks the next).

A schedule whose action is a NetBox pull or push has no shards: ``start_run`` creates its run and
runs ``execute_netbox`` with it, here (without Redis) or as one RQ job.

Secrets never pass through Redis: a job carries ids; each worker reads the credentials (device
passwords, NetBox's URL and token) from its own DEVICE_SECRETS_FILE / environment.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from types import SimpleNamespace

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from collectors import hosts as host_sources
from collectors import schedules
from collectors.choices import HostOutcome, RunStatus, RunTrigger, ScheduleAction, ShardStatus
from collectors.models import DiscoveryHost, DiscoveryRun, DiscoverySchedule, DiscoveryShard

log = logging.getLogger(__name__)

ACTIVE = (ShardStatus.QUEUED, ShardStatus.RUNNING)


class QueueUnavailable(Exception):
    """Redis is configured but does not answer: nothing was queued."""


def _job_id(kind: str, *parts) -> str:
    """RQ job ids name the queue: two installations (or test runs) sharing one Redis database on
    different queues cannot overwrite each other's jobs."""
    return "-".join(["werterhalt", settings.DISCOVERY_QUEUE, kind, *map(str, parts)])[:200]


def redis_configured() -> bool:
    return bool(settings.REDIS_URL)


_connections: dict[str, object] = {}


def queue():
    """The discovery queue on REDIS_URL (read when called, so tests and tools can point it
    elsewhere); workers serve it with `manage.py rqworker <DISCOVERY_QUEUE> --with-scheduler`."""
    from redis import Redis
    from rq import Queue

    url = settings.REDIS_URL
    if url not in _connections:
        _connections[url] = Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30)
    return Queue(
        settings.DISCOVERY_QUEUE,
        connection=_connections[url],
        default_timeout=settings.DISCOVERY_SHARD_JOB_TIMEOUT,
    )


# --- planning the next firing --------------------------------------------------------------------


def plan(schedule: DiscoverySchedule, now: dt.datetime | None = None) -> DiscoverySchedule:
    """Compute the schedule's next run and, with Redis, put that firing in RQ's scheduled jobs
    (cancelling the one it had). Disabled: no next run. Written with ``update()`` (no signals).
    Redis being down is logged and leaves ``job_id`` empty: ``manage.py schedules plan`` repairs."""
    now = now or timezone.now()
    _cancel(schedule.job_id)
    schedule.job_id = ""
    schedule.next_run = schedules.first_fire(schedule, now) if schedule.enabled else None
    if schedule.next_run and redis_configured():
        try:
            job = queue().enqueue_at(
                schedule.next_run,
                fire,
                schedule.pk,
                schedule.next_run.isoformat(),
                job_id=_job_id("schedule", schedule.pk, int(schedule.next_run.timestamp())),
                description=f"discovery schedule {schedule.name}",
                result_ttl=86400,
                failure_ttl=7 * 86400,
            )
            schedule.job_id = job.id
        except Exception as exc:  # Redis down: the schedule keeps its next_run, the job is missing
            log.error("schedule %s: its next firing could not be put on RQ: %s", schedule.name, exc)
    DiscoverySchedule.objects.filter(pk=schedule.pk).update(
        next_run=schedule.next_run, job_id=schedule.job_id
    )
    return schedule


def _cancel(job_id: str) -> None:
    if not job_id or not redis_configured():
        return
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        Job.fetch(job_id, connection=queue().connection).delete()
    except NoSuchJobError:
        pass
    except Exception as exc:
        log.warning("could not cancel RQ job %s: %s", job_id, exc)


def unplan(schedule: DiscoverySchedule) -> None:
    """Forget the schedule's pending firing (it is being deleted)."""
    _cancel(schedule.job_id)


def planned_job_ids() -> set[str]:
    """Ids of firings waiting in RQ's scheduled registry (or already queued)."""
    from redis.exceptions import RedisError
    from rq.registry import ScheduledJobRegistry

    q = queue()
    try:
        return set(ScheduledJobRegistry(queue=q).get_job_ids()) | set(q.get_job_ids())
    except RedisError as exc:
        raise QueueUnavailable(f"Redis did not answer: {exc}") from exc


def ensure_planned(now: dt.datetime | None = None) -> list[DiscoverySchedule]:
    """Re-plan enabled schedules whose firing is missing: no next run, a pending RQ job that is
    gone (Redis flushed, or down when the schedule was saved), or - without Redis - a next run
    that cron missed by more than the stale time. Returns the schedules it re-planned."""
    now = now or timezone.now()
    waiting = planned_job_ids() if redis_configured() else set()
    missed = now - dt.timedelta(seconds=settings.DISCOVERY_STALE_AFTER)
    replanned = []
    for s in DiscoverySchedule.objects.filter(enabled=True):
        if redis_configured():
            lost = s.job_id not in waiting
        else:
            lost = s.next_run is not None and s.next_run < missed
        if s.next_run is None or lost:
            replanned.append(plan(s, now))
    return replanned


def fire(schedule_id: int, planned: str | None = None) -> int | None:
    """RQ job: a schedule's time has come. Plans the next firing first (a failure below must not
    break the chain), then starts a run. Returns the run's id, or None when it did not start."""
    from rq import get_current_job

    now = timezone.now()
    schedule = DiscoverySchedule.objects.filter(pk=schedule_id).first()
    if schedule is None or not schedule.enabled:
        return None
    job = get_current_job()
    if job is not None and schedule.job_id and job.id != schedule.job_id:
        log.info("schedule %s: firing %s was replaced by %s; skipped", schedule.name, job.id, schedule.job_id)
        return None
    last = dt.datetime.fromisoformat(planned) if planned else now
    schedule.last_fired = last
    DiscoverySchedule.objects.filter(pk=schedule.pk).update(last_fired=last)
    plan(schedule, now)
    run = start_run(schedule, trigger=RunTrigger.SCHEDULE, now=now)
    return run.pk if run else None


def fire_now(schedule_id: int, user_id: int | None = None) -> int | None:
    """RQ job behind "Run now": a run outside the schedule's times (its next firing stays)."""
    from django.contrib.auth import get_user_model

    schedule = DiscoverySchedule.objects.filter(pk=schedule_id).first()
    if schedule is None:
        return None
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    run = start_run(schedule, trigger=RunTrigger.MANUAL, user=user)
    return run.pk if run else None


def run_now(schedule: DiscoverySchedule, user=None) -> str:
    """ "Run now" from the UI or the API, enabled or not, outside the schedule's times (its next
    firing stays): with Redis a job starts the run on a worker ("queued"); without, the request is
    recorded and the next ``schedules run-due`` (cron, every minute) runs it ("due"). Raises
    QueueUnavailable when Redis does not answer."""
    if redis_configured():
        from redis.exceptions import RedisError

        try:
            queue().enqueue(
                fire_now,
                schedule.pk,
                user.pk if user else None,
                job_id=_job_id("run-now", schedule.pk, int(timezone.now().timestamp() * 1000)),
                description=f"discovery schedule {schedule.name} (run now)",
                result_ttl=86400,
            )
        except RedisError as exc:
            raise QueueUnavailable(f"Redis did not answer: {exc}") from exc
        return "queued"
    DiscoverySchedule.objects.filter(pk=schedule.pk).update(
        run_requested=timezone.now(), run_requested_by=user if user and user.pk else None
    )
    return "due"


def set_enabled(schedule: DiscoverySchedule, enabled: bool) -> DiscoverySchedule:
    schedule.enabled = enabled
    schedule.save(update_fields=["enabled", "updated"])  # the post_save signal re-plans it
    return schedule


# --- runs and shards -----------------------------------------------------------------------------


class AlreadyRunning(Exception):
    pass


def start_run(
    schedule: DiscoverySchedule,
    *,
    trigger: str = RunTrigger.SCHEDULE,
    user=None,
    now: dt.datetime | None = None,
    inline: bool | None = None,
) -> DiscoveryRun | None:
    """Start a run of ``schedule`` unless one is still running (then None, and the schedule says
    why). Its hosts are cut into shards; each shard is an RQ job, or, ``inline`` (the default
    without Redis), run here one after another. A host list that cannot be read gives a failed
    run that says why. A NetBox pull or push is one job without shards (``execute_netbox``)."""
    now = now or timezone.now()
    inline = (not redis_configured()) if inline is None else inline
    reap(now)
    with transaction.atomic():
        s = DiscoverySchedule.objects.select_for_update().get(pk=schedule.pk)
        running = s.runs.filter(status=RunStatus.RUNNING).order_by("pk").first()
        if running is not None:
            message = (
                f"not started at {now:%Y-%m-%d %H:%M}: run {running.pk} of this schedule is still running"
            )
            DiscoverySchedule.objects.filter(pk=s.pk).update(last_message=message[:500])
            log.info("schedule %s: %s", s.name, message)
            return None
        spec = {
            "inventory_folder": s.inventory_folder,
            "asset_filter": s.asset_filter,
            "action": s.action,
            "netbox_filter": s.netbox_filter,
        }
        run = DiscoveryRun.objects.create(
            started=now,
            heartbeat=now,
            source=_source(s),
            action=s.action,
            workers=s.workers or settings.DISCOVERY_WORKERS,
            # what this machine allows; each worker checks every host against its own setting
            allowed_prefixes=_allow_setting(),
            schedule=s,
            trigger=trigger,
            user=user,
            hosts_spec=spec,
        )
        DiscoverySchedule.objects.filter(pk=s.pk).update(last_run=run, last_message="")
        if s.action in NETBOX_ACTIONS:
            shards = None
        else:
            try:
                host_sources.allowed_networks(settings.DISCOVERY_ALLOW)  # a typo stops the run here
                inventory = schedules.inventory_for(s, host_sources.load_credentials())
            except host_sources.InventoryError as e:
                run.status, run.finished, run.message = RunStatus.FAILED, now, f"host list: {e}"[:1000]
                run.save(update_fields=["status", "finished", "message"])
                return run
            parts = schedules.split(sorted(inventory.hosts), s.shard_size)
            run.shards_total = len(parts)
            run.save(update_fields=["shards_total"])
            shards = DiscoveryShard.objects.bulk_create(
                [DiscoveryShard(run=run, index=i, hosts=names, queued=now) for i, names in enumerate(parts)]
            )
    if shards is None:  # a NetBox pull or push: one job, no shards
        if inline:
            execute_netbox(run.pk)
        else:
            _enqueue_netbox(run)
        run.refresh_from_db()
        return run
    if not shards:
        return close_run(run.pk, now=now, note="no hosts to discover")
    if inline:
        for shard in shards:
            execute_shard(shard.pk)
    else:
        _enqueue(run, shards)
    run.refresh_from_db()
    return run


NETBOX_ACTIONS = (ScheduleAction.NETBOX_PULL, ScheduleAction.NETBOX_PUSH)


def _source(schedule: DiscoverySchedule) -> str:
    """A run's source: as ``manage.py netbox`` records it for a pull or push ("NetBox pull <url>",
    which the status command and the pages look for), else the schedule's host source."""
    if schedule.action not in NETBOX_ACTIONS:
        return schedule.source
    from collectors.netbox import connection

    return _netbox_source(schedule.action, connection.configured_url(), schedule.netbox_filter)


def _netbox_source(action: str, url: str, netbox_filter: str = "") -> str:
    from collectors.netbox import connection

    what = "pull" if action == ScheduleAction.NETBOX_PULL else "push"
    return connection.run_source(what, url, netbox_filter if action == ScheduleAction.NETBOX_PULL else "")


def _enqueue_netbox(run: DiscoveryRun) -> None:
    try:
        queue().enqueue(
            execute_netbox,
            run.pk,
            job_id=_job_id("netbox", run.pk),
            job_timeout=settings.DISCOVERY_SHARD_JOB_TIMEOUT,
            description=f"discovery run {run.pk} ({run.source})"[:200],
            result_ttl=86400,
            failure_ttl=7 * 86400,
        )
    except Exception as exc:
        message = f"the NetBox job could not be queued on RQ: {type(exc).__name__}: {exc}"[:400]
        log.error("run %s: %s", run.pk, message)
        _fail_run(run.pk, message)


def _fail_run(run_id: int, message: str) -> None:
    DiscoveryRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED, finished=timezone.now(), message=message[:1000]
    )


def execute_netbox(run_id: int) -> dict:
    """RQ job (or inline): a scheduled NetBox pull or push with its run. The worker reads NetBox's
    URL and token from its own secrets; not configured, unreachable or refused: the run fails
    with the message. A run that is not running any more (a job delivered twice, a run given up
    as stale) is left alone."""
    from collectors import runner
    from collectors.netbox import connection
    from collectors.netbox.client import NetBoxError
    from collectors.netbox.pull import pull
    from collectors.netbox.push import push
    from lifecycle import state as lifecycle_state

    run = DiscoveryRun.objects.select_related("schedule", "user").filter(pk=run_id).first()
    if run is None or run.status != RunStatus.RUNNING:
        return {"run": run_id, "skipped": True}
    spec = _spec(run)
    if spec["action"] not in NETBOX_ACTIONS:
        _fail_run(run.pk, f"run {run.pk} is not a NetBox pull or push ({spec['action']})")
        return {"run": run_id, "skipped": True}
    DiscoveryRun.objects.filter(pk=run.pk).update(heartbeat=timezone.now())
    try:
        with runner.Heartbeat(DiscoveryRun, run.pk), lifecycle_state.deferred():
            client = connection.client()
            source = _netbox_source(spec["action"], client.url, spec["netbox_filter"])
            if run.source != source:  # (this worker's NetBox URL)
                run.source = source
                run.save(update_fields=["source"])
            kwargs = {"user": run.user, "trigger": run.trigger, "schedule": run.schedule, "run": run}
            if spec["action"] == ScheduleAction.NETBOX_PULL:
                filters = connection.parse_filters(spec["netbox_filter"].split())
                pull(client, filters=filters, now=run.started, **kwargs)
            else:
                push(client, **kwargs)
    except (connection.NotConfigured, host_sources.InventoryError, NetBoxError, ValueError) as e:
        _fail_run(run.pk, str(e))
    except Exception as e:  # logged in full; the run says what
        log.exception("NetBox run %s failed", run.pk)
        _fail_run(run.pk, f"{type(e).__name__}: {e}")
    run.refresh_from_db()
    return {"run": run.pk, "status": run.status, "hosts": run.hosts_tried}


def _enqueue(run: DiscoveryRun, shards: list[DiscoveryShard]) -> None:
    try:
        q = queue()
        with q.connection.pipeline() as pipe:
            jobs = [
                q.prepare_data(
                    execute_shard,
                    args=(shard.pk,),
                    job_id=_job_id("shard", shard.pk),
                    timeout=settings.DISCOVERY_SHARD_JOB_TIMEOUT,
                    description=f"discovery run {run.pk} shard {shard.index + 1}/{len(shards)}",
                    result_ttl=86400,
                    failure_ttl=7 * 86400,
                )
                for shard in shards
            ]
            q.enqueue_many(jobs, pipeline=pipe)
            pipe.execute()
    except Exception as exc:
        message = f"the shards could not be queued on RQ: {type(exc).__name__}: {exc}"[:400]
        log.error("run %s: %s", run.pk, message)
        DiscoveryShard.objects.filter(run=run, status=ShardStatus.QUEUED).update(
            status=ShardStatus.FAILED, finished=timezone.now(), message=message
        )
        close_run(run.pk, note=message)
        return
    for shard in shards:
        DiscoveryShard.objects.filter(pk=shard.pk).update(job_id=_job_id("shard", shard.pk))


def _worker_name() -> str:
    from rq import get_current_job

    job = get_current_job()
    if job is not None and job.worker_name:
        return job.worker_name[:200]
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def execute_shard(shard_id: int) -> dict:
    """RQ job (or inline): discover one shard's hosts. A shard that is not queued any more (done,
    or given up as lost) is left alone, so a job delivered twice does nothing twice."""
    from collectors import runner
    from lifecycle import state as lifecycle_state

    now = timezone.now()
    with transaction.atomic():
        shard = (
            DiscoveryShard.objects.select_for_update(of=("self",))
            .select_related("run", "run__user")
            .filter(pk=shard_id)
            .first()
        )
        if shard is None or shard.status != ShardStatus.QUEUED or shard.run.status != RunStatus.RUNNING:
            return {"shard": shard_id, "skipped": True}
        shard.status, shard.started, shard.heartbeat, shard.worker = (
            ShardStatus.RUNNING,
            now,
            now,
            _worker_name(),
        )
        shard.save(update_fields=["status", "started", "heartbeat", "worker"])
    status, message, tried = ShardStatus.DONE, "", 0
    try:
        with runner.Heartbeat(DiscoveryShard, shard.pk), lifecycle_state.deferred():
            credentials = host_sources.load_credentials()
            inventory = schedules.inventory_for(SimpleNamespace(**_spec(shard.run)), credentials)
            report = runner.discover_shard(shard, inventory, credentials=credentials)
            tried = len(report.hosts)
    except host_sources.InventoryError as e:
        status, message = ShardStatus.FAILED, f"host list on worker {shard.worker}: {e}"
    except Exception as e:  # logged in full; the shard says what and the others go on
        log.exception("shard %s of run %s failed", shard.index, shard.run_id)
        status, message = ShardStatus.FAILED, f"{type(e).__name__}: {e}"
    finish_shard(shard.pk, status, message[:500])
    return {"shard": shard_id, "hosts": tried, "status": status}


def _allow_setting() -> list[str]:
    allow = settings.DISCOVERY_ALLOW
    return [allow] if isinstance(allow, str) else [str(p) for p in allow]


def _spec(run: DiscoveryRun) -> dict:
    spec = run.hosts_spec or {}
    return {
        "inventory_folder": spec.get("inventory_folder", ""),
        "asset_filter": spec.get("asset_filter", ""),
        "action": spec.get("action", ScheduleAction.DISCOVER),
        "netbox_filter": spec.get("netbox_filter", ""),
    }


def finish_shard(shard_id: int, status: str, message: str = "", now: dt.datetime | None = None) -> bool:
    """Close a shard (done, failed or lost) unless it is closed already; the last one closes its
    run. The run's row is locked so that two shards finishing together cannot both miss being
    last. Returns whether this call closed the shard."""
    now = now or timezone.now()
    shard = DiscoveryShard.objects.filter(pk=shard_id).only("run_id").first()
    if shard is None:
        return False
    with transaction.atomic():
        DiscoveryRun.objects.select_for_update().filter(pk=shard.run_id).first()
        closed = DiscoveryShard.objects.filter(pk=shard_id, status__in=ACTIVE).update(
            status=status, finished=now, message=message[:500]
        )
        if closed and not DiscoveryShard.objects.filter(run_id=shard.run_id, status__in=ACTIVE).exists():
            close_run(shard.run_id, now=now)
    return bool(closed)


def close_run(run_id: int, *, now: dt.datetime | None = None, note: str = "") -> DiscoveryRun:
    """A distributed run's totals from its hosts; its status from its shards: any lost or failed
    shard → incomplete (what was saved stays), else completed or partial (some hosts failed)."""
    now = now or timezone.now()
    run = DiscoveryRun.objects.get(pk=run_id)
    if run.status != RunStatus.RUNNING:
        return run
    totals = DiscoveryHost.objects.filter(run_id=run_id).aggregate(
        tried=Count("pk"),
        failed=Count("pk", filter=~Q(outcome=HostOutcome.SUCCESS)),
        created=Count("pk", filter=Q(created=True)),
        updated=Count("pk", filter=Q(updated=True)),
    )
    run.hosts_tried, run.hosts_failed = totals["tried"], totals["failed"]
    run.hosts_succeeded = run.hosts_tried - run.hosts_failed
    run.assets_created, run.assets_updated = totals["created"], totals["updated"]
    broken = list(run.shards.filter(status__in=[ShardStatus.LOST, ShardStatus.FAILED]).order_by("index"))
    planned = sum(len(s.hosts) for s in run.shards.all())
    if broken:
        run.status = RunStatus.INCOMPLETE
        lines = [f"shard {s.index + 1}/{run.shards_total} {s.status}: {s.message}" for s in broken]
        lines.append(
            f"{run.hosts_tried} of {planned} hosts tried; what was saved is kept, "
            "the next run discovers the rest"
        )
        run.message = "\n".join(lines)[:4000]
    else:
        run.status = RunStatus.PARTIAL if run.hosts_failed else RunStatus.COMPLETED
        run.message = note
    if note and broken:
        run.message = f"{note}\n{run.message}"
    run.finished = now
    run.save()
    return run


def reap(now: dt.datetime | None = None) -> dict[str, int]:
    """Give up on what stopped beating: running shards whose worker has not stamped them for
    DISCOVERY_STALE_AFTER seconds (killed, machine gone) → lost; shards no worker took within
    DISCOVERY_QUEUED_TIMEOUT → lost; runs in one process (command line, cron) that stopped
    beating → incomplete. Their runs are closed with what was saved. Returns the counts."""
    now = now or timezone.now()
    stale = now - dt.timedelta(seconds=settings.DISCOVERY_STALE_AFTER)
    counts = {"shards": 0, "runs": 0}
    for shard in DiscoveryShard.objects.filter(status=ShardStatus.RUNNING, heartbeat__lt=stale):
        message = (
            f"worker {shard.worker or '?'} stopped answering after {shard.hosts_done} of {len(shard.hosts)} "
            f"hosts (last sign of life {timezone.localtime(shard.heartbeat):%Y-%m-%d %H:%M:%S})"
        )
        counts["shards"] += finish_shard(shard.pk, ShardStatus.LOST, message, now)
    queued_stale = now - dt.timedelta(seconds=settings.DISCOVERY_QUEUED_TIMEOUT)
    for shard in DiscoveryShard.objects.filter(status=ShardStatus.QUEUED, queued__lt=queued_stale):
        message = (
            f"no worker took it within {settings.DISCOVERY_QUEUED_TIMEOUT / 3600:g} h (are workers running?)"
        )
        counts["shards"] += finish_shard(shard.pk, ShardStatus.LOST, message, now)
    single = DiscoveryRun.objects.filter(status=RunStatus.RUNNING, shards_total=0).filter(
        Q(heartbeat__lt=stale) | Q(heartbeat__isnull=True, started__lt=stale)
    )
    # (a distributed run still being planned has shards already; those are reaped above)
    for run in single.filter(shards__isnull=True):
        beat = run.heartbeat or run.started
        hosts = DiscoveryHost.objects.filter(run=run).aggregate(
            tried=Count("pk"), ok=Count("pk", filter=Q(outcome=HostOutcome.SUCCESS))
        )
        updated = DiscoveryRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.INCOMPLETE,
            finished=now,
            hosts_tried=hosts["tried"],
            hosts_failed=hosts["tried"] - hosts["ok"],
            hosts_succeeded=hosts["ok"],
            message=(
                f"the process running it stopped (killed?): last sign of life "
                f"{timezone.localtime(beat):%Y-%m-%d %H:%M:%S}; {hosts['tried']} hosts recorded and saved, "
                "the next run discovers the rest"
            ),
        )
        counts["runs"] += updated
    # distributed runs whose shards are all closed but that were not closed (a crash in between)
    for run in DiscoveryRun.objects.filter(status=RunStatus.RUNNING, shards_total__gt=0).exclude(
        shards__status__in=ACTIVE
    ):
        close_run(run.pk, now=now)
        counts["runs"] += 1
    return counts


def run_due(now: dt.datetime | None = None, inline: bool | None = None) -> list[DiscoveryRun | None]:
    """Cron set-up (no Redis): start every schedule someone asked to run now (enabled or not;
    its times stay as they are), then every enabled schedule whose time has come, re-planned
    first; one after another, here."""
    now = now or timezone.now()
    started = []
    requested = DiscoverySchedule.objects.filter(run_requested__isnull=False).select_related(
        "run_requested_by"
    )
    for s in requested:
        # taken once: a second cron process overlapping this one finds nothing left to take
        if DiscoverySchedule.objects.filter(pk=s.pk, run_requested=s.run_requested).update(
            run_requested=None, run_requested_by=None
        ):
            user = s.run_requested_by
            started.append(start_run(s, trigger=RunTrigger.MANUAL, user=user, now=now, inline=inline))
    for s in schedules.due(DiscoverySchedule.objects.filter(enabled=True), now):
        fired_for = s.next_run
        DiscoverySchedule.objects.filter(pk=s.pk).update(last_fired=fired_for)
        s.last_fired = fired_for
        plan(s, now)
        started.append(start_run(s, trigger=RunTrigger.SCHEDULE, now=now, inline=inline))
    return started


# --- health --------------------------------------------------------------------------------------


def health(now: dt.datetime | None = None) -> dict:
    """What the queue/worker page shows: Redis reachable, queue counts, workers and their jobs,
    whether a scheduler runs, shards running and stale. Never raises for Redis trouble."""
    now = now or timezone.now()
    stale = now - dt.timedelta(seconds=settings.DISCOVERY_STALE_AFTER)
    info: dict = {
        "redis": redis_configured(),
        "queue_name": settings.DISCOVERY_QUEUE,
        "error": "",
        "workers": [],
        "counts": {},
        "scheduler": False,
        "shards_running": DiscoveryShard.objects.filter(status=ShardStatus.RUNNING).count(),
        "shards_queued": DiscoveryShard.objects.filter(status=ShardStatus.QUEUED).count(),
        "shards_stale": DiscoveryShard.objects.filter(
            status=ShardStatus.RUNNING, heartbeat__lt=stale
        ).count(),
        "runs_running": DiscoveryRun.objects.filter(status=RunStatus.RUNNING).count(),
        "unplanned": [],
    }
    if not redis_configured():
        return info
    try:
        from rq import Worker
        from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry
        from rq.scheduler import RQScheduler

        q = queue()
        conn = q.connection
        conn.ping()
        info["counts"] = {
            "queued": q.count,
            "started": StartedJobRegistry(queue=q).count,
            "scheduled": ScheduledJobRegistry(queue=q).count,
            "failed": FailedJobRegistry(queue=q).count,
        }
        info["scheduler"] = bool(conn.exists(RQScheduler.get_locking_key(q.name)))
        for w in sorted(Worker.all(queue=q), key=lambda w: w.name):
            info["workers"].append(
                {
                    "name": w.name,
                    "hostname": w.hostname or "",
                    "pid": w.pid,
                    "state": w.get_state(),
                    "job": w.get_current_job_id() or "",
                    "last_heartbeat": w.last_heartbeat,
                    "successful": w.successful_job_count,
                    "failed": w.failed_job_count,
                    "queues": ", ".join(w.queue_names()),
                }
            )
        waiting = planned_job_ids()
        info["unplanned"] = [
            s
            for s in DiscoverySchedule.objects.filter(enabled=True)
            if not s.job_id or s.job_id not in waiting
        ]
    except Exception as exc:  # Redis down or refusing: the page says so
        info["error"] = f"{type(exc).__name__}: {exc}"
    return info
