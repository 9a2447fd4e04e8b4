"""A schedule saved anywhere (UI, API, admin, shell) is re-planned once its transaction commits;
a deleted one loses its pending firing."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save

BOOKKEEPING = frozenset(
    {"next_run", "job_id", "last_run", "last_fired", "last_message", "run_requested", "run_requested_by"}
)


def _saved(sender, instance, update_fields=None, raw=False, **kwargs):
    if raw or (update_fields and set(update_fields) <= BOOKKEEPING):
        return
    from collectors import jobs

    pk = instance.pk

    def replan():
        fresh = sender.objects.filter(pk=pk).first()
        if fresh is not None:
            jobs.plan(fresh)

    transaction.on_commit(replan)


def _deleted(sender, instance, **kwargs):
    from collectors import jobs

    job_id = instance.job_id
    transaction.on_commit(lambda: jobs._cancel(job_id))


def connect() -> None:
    from collectors.models import DiscoverySchedule

    post_save.connect(_saved, sender=DiscoverySchedule, dispatch_uid="werterhalt-schedule-plan")
    post_delete.connect(_deleted, sender=DiscoverySchedule, dispatch_uid="werterhalt-schedule-unplan")
