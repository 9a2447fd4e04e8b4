from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.base import BaseCommand, CommandError, no_translations
from django.db import transaction
from django.utils import timezone

from collectors import jobs, schedules
from collectors.choices import RunStatus, RunTrigger, ScheduleAction
from collectors.models import DiscoverySchedule
from lifecycle import state as lifecycle_state
from werterhalt import options as argtypes

FIELD = DiscoverySchedule._meta.get_field
# the option that sets each field, to name it when the schedule's own checks refuse a value
OPTIONS = {
    "name": "NAME",
    "interval": "--interval",
    "cron": "--cron",
    "inventory_folder": "--inventory",
    "asset_filter": "--filter",
    "shard_size": "--shard-size",
    "action": "--action",
    "netbox_filter": "--netbox-filter",
    NON_FIELD_ERRORS: "schedule",
}


class Command(argtypes.UsageErrorMixin, BaseCommand):
    help = (
        "Discovery schedules. With Redis (REDIS_URL), RQ's scheduler fires them on the workers "
        "(`manage.py rqworker discovery --with-scheduler`); without Redis, run `schedules run-due` "
        "from cron every minute. Actions: list; add NAME (--interval MIN | --cron EXPR) "
        "[--action ACTION] [--inventory DIR | --filter QUERY | --netbox-filter FILTERS]; run NAME (now); "
        "run-due (cron); plan (put missing firings back on RQ); reap (close runs whose worker died). "
        "A schedule discovers devices (hosts from a folder, the inventory or NetBox) or pulls from / "
        "pushes to NetBox."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list", "add", "run", "run-due", "plan", "reap"])
        parser.add_argument("name", nargs="?", help="schedule name (add, run)")
        interval = argtypes.field_bounds(FIELD("interval"))
        parser.add_argument(
            "--interval",
            type=argtypes.bounded_int(*interval, unit="minutes"),
            metavar="MIN",
            help=f"add: every MIN minutes ({interval[0]} to {interval[1]})",
        )
        parser.add_argument("--cron", metavar="EXPR", help='add: cron expression, e.g. "30 2 * * *"')
        parser.add_argument("--inventory", metavar="DIR", help="add: Nornir inventory folder")
        parser.add_argument(
            "--filter",
            metavar="QUERY",
            default="",
            help="add: asset filter, e.g. site=stadthaus&platform=ios",
        )
        parser.add_argument(
            "--action",
            dest="schedule_action",  # ("action" is this command's own: list, add, ...)
            choices=ScheduleAction.values,
            default=None,
            help="add: what the schedule does (default discover; with --replace: as it was)",
        )
        parser.add_argument(
            "--netbox-filter",
            metavar="FILTERS",
            default=None,
            help='add: which NetBox devices (discover-netbox, netbox-pull), e.g. "site=zentrale role=core"',
        )
        shard = argtypes.field_bounds(FIELD("shard_size"))
        parser.add_argument(
            "--shard-size",
            type=argtypes.bounded_int(*shard, unit="hosts"),
            default=None,
            metavar="N",
            help=f"add: hosts per shard ({shard[0]} to {shard[1]}; default DISCOVERY_SHARD_SIZE)",
        )
        parser.add_argument("--disabled", action="store_true", help="add: create it disabled")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="add: update the schedule of that name if it exists (scripts, the demo)",
        )
        parser.add_argument(
            "--inline",
            action="store_true",
            help="run, run-due: discover here, not on RQ workers (the default without Redis)",
        )

    @no_translations  # English output whatever language a caller had active (cron logs, scripts)
    def handle(self, *args, action, name, **options):
        getattr(self, "do_" + action.replace("-", "_"))(name, **options)

    def do_list(self, name, **options):
        for s in DiscoverySchedule.objects.select_related("last_run"):
            last = s.last_run
            last_text = f"run {last.pk} {last.status}" if last else "never run"
            next_text = timezone.localtime(s.next_run).strftime("%Y-%m-%d %H:%M") if s.next_run else "-"
            self.stdout.write(
                f"{s.name:<24} {'on ' if s.enabled else 'off'} {s.action:<15} {s.when!s:<18} "
                f"next {next_text:<16} {last_text:<22} {s.source}"
            )

    def do_add(
        self,
        name,
        *,
        interval,
        cron,
        inventory,
        filter,
        schedule_action,
        netbox_filter,
        shard_size,
        disabled,
        replace,
        **options,
    ):
        if not name:
            raise CommandError("add needs a NAME", returncode=2)
        from django.conf import settings

        schedule = (DiscoverySchedule.objects.filter(name=name).first() if replace else None) or (
            DiscoverySchedule(name=name)
        )
        schedule.interval = interval
        schedule.cron = cron or ""
        schedule.inventory_folder = inventory or ""
        schedule.asset_filter = filter
        if schedule_action is not None or schedule.pk is None:
            schedule.action = schedule_action or ScheduleAction.DISCOVER
        if netbox_filter is not None or schedule.pk is None:
            schedule.netbox_filter = " ".join((netbox_filter or "").split())
        schedule.enabled = not disabled
        schedule.shard_size = shard_size or settings.DISCOVERY_SHARD_SIZE
        try:
            schedule.full_clean()
            if schedule.cron:  # valid, and yet it may match no day at all (31 February)
                try:
                    schedules.next_fire(interval=None, cron=schedule.cron, after=timezone.now())
                except ValueError:
                    raise ValidationError({"cron": f"{schedule.cron!r} never fires"}) from None
        except ValidationError as e:
            problems = "; ".join(f"{OPTIONS.get(k, k)}: {' '.join(v)}" for k, v in e.message_dict.items())
            raise CommandError(f"schedule {name!r} not saved: {problems}", returncode=2) from None
        with transaction.atomic():  # planning its next run (post_save) belongs to saving it
            schedule.save()
        schedule.refresh_from_db()
        nxt = timezone.localtime(schedule.next_run).strftime("%Y-%m-%d %H:%M") if schedule.next_run else "-"
        self.stdout.write(
            f"Schedule {schedule.name} saved: {schedule.when}, next run {nxt}, {schedule.action}: "
            f"{schedule.source}"
        )

    def _get(self, name) -> DiscoverySchedule:
        if not name:
            raise CommandError("give the schedule's NAME", returncode=2)
        try:
            return DiscoverySchedule.objects.get(name=name)
        except DiscoverySchedule.DoesNotExist:
            raise CommandError(f"no schedule named {name!r}", returncode=2) from None

    def do_run(self, name, *, inline, **options):
        schedule = self._get(name)
        run = jobs.start_run(schedule, trigger=RunTrigger.MANUAL, inline=True if inline else None)
        if run is None:
            schedule.refresh_from_db()
            raise CommandError(schedule.last_message, returncode=1)
        self._report(run)

    def do_run_due(self, name, *, inline, **options):
        runs = jobs.run_due(inline=True if inline else None)
        for run in runs:
            if run is not None:
                self._report(run)
        if not runs:
            self.stdout.write("No schedule is due.")
        # cron is also the scheduler of lifecycle refreshes left waiting (a web process that ended
        # before its refresh thread finished); nothing waits: one EXISTS query
        if lifecycle_state.pending():
            count = lifecycle_state.run_pending()
            self.stdout.write(f"Lifecycle answers of {count} assets refreshed (they waited for it).")

    def _report(self, run):
        if run.status == RunStatus.RUNNING:
            self.stdout.write(
                f"Run {run.pk} ({run.source}): {run.shards_total} shards queued for the workers"
            )
            return
        self.stdout.write(
            f"Run {run.pk} ({run.source}): {run.get_status_display()}; {run.hosts_tried} hosts tried, "
            f"{run.hosts_succeeded} succeeded, {run.hosts_failed} failed; "
            f"{run.assets_created} assets created, {run.assets_updated} updated"
        )
        if run.message:
            self.stdout.write(run.message)

    def do_plan(self, name, **options):
        replanned = jobs.ensure_planned()
        for s in replanned:
            nxt = timezone.localtime(s.next_run).strftime("%Y-%m-%d %H:%M") if s.next_run else "-"
            self.stdout.write(f"{s.name}: next run {nxt}{' (on RQ)' if s.job_id else ''}")
        self.stdout.write(f"{len(replanned)} schedules re-planned.")

    def do_reap(self, name, **options):
        counts = jobs.reap()
        self.stdout.write(f"{counts['shards']} shards given up, {counts['runs']} runs closed.")
