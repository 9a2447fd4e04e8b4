import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from collectors import failures
from collectors.choices import RunStatus, RunTrigger
from collectors.models import DiscoveryHost, DiscoveryRun, DiscoverySchedule, DiscoveryShard
from werterhalt.tables import BadgeColumn, BaseTable, MomentColumn
from werterhalt.templatetags.werterhalt import moment


def format_duration(delta) -> str:
    """A run's duration as people read it: 12 s, 3 min 05 s, 2 h 04 min."""
    if delta is None:
        return "—"
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class EnabledColumn(tables.BooleanColumn):
    """Enabled or disabled as a badge with its word, not a tick alone."""

    def render(self, value, record, bound_column):
        if value:
            return format_html('<span class="badge badge-success">{}</span>', _("Enabled"))
        return format_html('<span class="badge badge-secondary">{}</span>', _("Disabled"))

    def value(self, value, record, bound_column):
        return bool(value)


class LastRunColumn(tables.Column):
    """The schedule's last run: a link to it, when it started and its status badge."""

    def render(self, value):
        return format_html(
            '<a href="{}">{}</a> <span class="badge badge-{}">{}</span>',
            value.get_absolute_url(),
            moment(value.started),
            RunStatus.color(value.status),
            value.get_status_display(),
        )

    def value(self, value):
        return f"{value.pk} {value.status}" if value else ""


class DiscoveryScheduleTable(BaseTable):
    name = tables.Column(linkify=True)
    enabled = EnabledColumn()
    when = tables.Column(verbose_name=_("When"), order_by=("cron", "interval"))
    source = tables.Column(verbose_name=_("Hosts from"), order_by=("inventory_folder", "asset_filter"))
    next_run = MomentColumn(default="—")
    last_run = LastRunColumn(order_by=("last_run__started",))

    class Meta:
        model = DiscoverySchedule
        fields = ("name", "enabled", "when", "source", "next_run", "last_run", "last_message", "description")
        default_columns = ("name", "enabled", "when", "source", "next_run", "last_run", "last_message")
        exclude = ("pk",)  # no bulk actions on schedules
        attrs = {"class": "table", "id": "object-list"}
        fixed_columns = ()
        empty_text = _("No discovery schedules yet.")


class DiscoveryRunTable(tables.Table):
    id = tables.Column(linkify=True, verbose_name=_("Run"))
    started = MomentColumn(default="—")
    finished = MomentColumn(default="—")
    status = BadgeColumn(color="get_status_color")
    schedule = tables.Column(linkify=True)
    trigger = BadgeColumn(choices=RunTrigger)
    duration = tables.Column(verbose_name=_("Duration"), orderable=False, empty_values=())
    shards_total = tables.Column(attrs={"td": {"class": "num"}})

    class Meta:
        model = DiscoveryRun
        fields = (
            "id",
            "started",
            "finished",
            "status",
            "schedule",
            "trigger",
            "source",
            "workers",
            "crawl",
            "hosts_tried",
            "hosts_succeeded",
            "hosts_failed",
            "assets_created",
            "assets_updated",
            "duration",
            "shards_total",
        )
        attrs = {"class": "table", "id": "object-list"}
        fixed_columns = ()
        empty_text = _("No discovery runs yet.")

    def render_duration(self, record):
        return format_duration(record.duration)

    def value_duration(self, record):
        return record.duration.total_seconds() if record.duration else ""


class ScheduleRunTable(DiscoveryRunTable):
    """A schedule's run history (its page): the schedule itself goes without saying."""

    class Meta(DiscoveryRunTable.Meta):
        exclude = ("schedule", "source", "workers", "crawl", "finished")
        attrs = {"class": "table", "id": "schedule-runs"}
        empty_text = _("This schedule has not run yet.")


class DiscoveryShardTable(BaseTable):
    index = tables.Column(verbose_name=_("Shard"))
    status = BadgeColumn(color="get_status_color")
    hosts = tables.Column(
        verbose_name=_("Hosts"), orderable=False, empty_values=(), attrs={"td": {"class": "num"}}
    )
    hosts_done = tables.Column(attrs={"td": {"class": "num"}})
    started = MomentColumn(default="—")
    finished = MomentColumn(default="—")
    heartbeat = MomentColumn(default="—")

    class Meta:
        model = DiscoveryShard
        fields = (
            "index",
            "status",
            "worker",
            "hosts",
            "hosts_done",
            "started",
            "finished",
            "heartbeat",
            "message",
        )
        exclude = ("pk",)
        attrs = {"class": "table", "id": "run-shard-table"}
        fixed_columns = ()
        empty_text = _("No shards.")

    def render_index(self, value):
        return value + 1

    def render_hosts(self, value):
        return len(value)

    def value_hosts(self, value):
        return len(value)


class DiscoveryHostTable(tables.Table):
    """Hosts of runs. A failed host is shown with the asset it belongs to (``collectors.failures``:
    by management address, else by name), looked up once for the page before it is rendered."""

    run = tables.Column(linkify=True)
    outcome = BadgeColumn(color="get_outcome_color")
    asset = tables.Column(empty_values=(), order_by=("asset__name",))
    seconds = tables.Column(attrs={"td": {"class": "num"}})

    def before_render(self, request):
        rows = self.page.object_list if getattr(self, "page", None) else self.data
        self.owners = failures.owners(getattr(row, "record", row) for row in rows)  # BoundRow or record

    def asset_of(self, record):
        return record.asset or getattr(self, "owners", {}).get(record.pk)

    def render_asset(self, record):
        asset = self.asset_of(record)
        if asset is None:
            return "—"
        return format_html('<a href="{}" class="host-asset">{}</a>', asset.get_absolute_url(), asset)

    def value_asset(self, record):
        return str(record.asset or "")

    class Meta:
        model = DiscoveryHost
        fields = (
            "name",
            "run",
            "address",
            "driver",
            "depth",
            "found_via",
            "outcome",
            "reason",
            "message",
            "asset",
            "changes",
            "seconds",
        )
        attrs = {"class": "table", "id": "object-list"}
        fixed_columns = ()
        empty_text = _("No hosts.")
