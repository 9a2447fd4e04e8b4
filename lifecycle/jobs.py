"""The monthly snapshot as an RQ job (docs/snapshots.md, "When it runs").

Floor 4: the job calls ``lifecycle.snapshots.take``; RQ's scheduler (a worker started with
``--with-scheduler``) fires it. RQ has no repeating jobs of its own, so the job plans its next
firing itself, as discovery schedules do (``collectors.jobs.plan``): ``plan()`` puts the next
firing — the last day of the month at ``FIRE_AT`` local time — on ``settings.LIFECYCLE_QUEUE``
with ``enqueue_at``, under a job id per month, so planning twice never queues the month twice.
Without Redis, a systemd timer (deploy/werterhalt-snapshot.timer) or cron runs ``manage.py
snapshot`` at the same time instead.

The snapshot of a month is that of its last day, taken on that day: the same days the backfill
rebuilds, with the last sightings (``not_seen_30d``) of that day.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone

from lifecycle import snapshots

log = logging.getLogger(__name__)

FIRE_AT = dt.time(23, 30)  # local: after the day's lifecycle refresh (02:30), before the day ends


def next_firing(now: dt.datetime | None = None) -> dt.datetime:
    """The next last day of a month at ``FIRE_AT`` (local time, aware) after ``now``."""
    now = timezone.localtime(now or timezone.now())
    day = snapshots.month_ends(now.date(), now.date() + dt.timedelta(days=31))[0]
    when = timezone.make_aware(dt.datetime.combine(day, FIRE_AT))
    if when <= now:  # already past this month's: next month's
        day = snapshots.month_ends(day + dt.timedelta(days=1), day + dt.timedelta(days=40))[0]
        when = timezone.make_aware(dt.datetime.combine(day, FIRE_AT))
    return when


def job_id(when: dt.datetime) -> str:
    return f"werterhalt-{settings.LIFECYCLE_QUEUE}-snapshot-{timezone.localtime(when):%Y-%m}"


def queue():
    import django_rq

    return django_rq.get_queue(settings.LIFECYCLE_QUEUE)


def plan(now: dt.datetime | None = None):
    """Put the next monthly snapshot on RQ's scheduled jobs (once per month; returns the job).
    Needs REDIS_URL; a worker with ``--with-scheduler`` on LIFECYCLE_QUEUE fires it."""
    when = next_firing(now)
    return queue().enqueue_at(
        when,
        take_monthly,
        timezone.localtime(when).date().isoformat(),
        job_id=job_id(when),
        description=f"monthly KPI snapshot of {timezone.localtime(when).date()}",
        result_ttl=31 * 86400,
        failure_ttl=62 * 86400,
    )


def take_monthly(day: str | None = None) -> int:
    """The RQ job: the snapshot of ``day`` (ISO; default today), then the next month planned.
    Returns the rows written. A job that runs late (a worker was down) still takes its own day."""
    at = dt.date.fromisoformat(day) if day else timezone.localdate()
    try:
        return snapshots.take(at)
    finally:
        try:
            plan(timezone.make_aware(dt.datetime.combine(at, FIRE_AT)))
        except Exception as exc:  # Redis gone: cron/systemd or `manage.py snapshot` still work
            log.error("monthly snapshot: the next firing could not be planned: %s", exc)
