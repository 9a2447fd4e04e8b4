"""What discovery did and when it runs.

One DiscoveryRun per run, one DiscoveryHost per device it tried; a distributed run is split into
DiscoveryShards, one RQ job each. A DiscoverySchedule says which hosts to discover how often.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from collectors.choices import (
    HostOutcome,
    HostReason,
    NetBoxKind,
    NetBoxOrgUnits,
    RunStatus,
    RunTrigger,
    ScheduleAction,
    ShardStatus,
)
from inventory.scopes import ScopedQuerySet


class DiscoverySchedule(models.Model):
    """Which hosts to discover, and when: every N minutes or on a cron expression."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.CharField(_("description"), max_length=250, blank=True)
    inventory_folder = models.CharField(
        _("inventory folder"),
        max_length=500,
        blank=True,
        help_text=_(
            "A Nornir SimpleInventory folder (hosts.yaml, groups.yaml, defaults.yaml) under "
            "DISCOVERY_INVENTORY_ROOT, at the same path on every worker. Empty: the hosts come "
            "from the inventory database."
        ),
    )
    asset_filter = models.CharField(
        _("asset filter"),
        max_length=1000,
        blank=True,
        help_text=_(
            "Without a folder: which assets to discover, as the asset list's filter "
            "(e.g. site=stadthaus&platform=ios, copied from the list's address). Empty: every asset "
            "with a management address and a platform that discovery can talk to."
        ),
    )
    interval = models.PositiveIntegerField(
        _("interval (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60 * 24 * 366)],
        help_text=_("Run every N minutes. Either an interval or a cron expression."),
    )
    cron = models.CharField(
        _("cron expression"),
        max_length=100,
        blank=True,
        help_text=_("Minute hour day month weekday, in the server's time zone, e.g. 30 2 * * 1-5."),
    )
    action = models.CharField(
        _("action"),
        max_length=20,
        choices=ScheduleAction.choices,
        default=ScheduleAction.DISCOVER,
        help_text=_(
            "Discover devices, or pull from / push to NetBox (manage.py netbox). Discovery from "
            "NetBox takes its seeds from NetBox, filtered by the NetBox filter."
        ),
    )
    netbox_filter = models.CharField(
        _("NetBox filter"),
        max_length=500,
        blank=True,
        help_text=_(
            "Which NetBox devices, e.g. site=zentrale role=core-switch (discovery from NetBox and pull)."
        ),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    shard_size = models.PositiveIntegerField(
        _("hosts per shard"),
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(10000)],
        help_text=_("A run is split into shards of this many hosts; each worker takes one at a time."),
    )
    workers = models.PositiveIntegerField(
        _("sessions per shard"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
        help_text=_("Parallel device sessions within one shard (default: DISCOVERY_WORKERS)."),
    )
    next_run = models.DateTimeField(_("next run"), null=True, blank=True, editable=False)
    last_run = models.ForeignKey(
        "DiscoveryRun",
        verbose_name=_("last run"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    last_fired = models.DateTimeField(_("last fired"), null=True, blank=True, editable=False)
    last_message = models.CharField(
        _("last message"),
        max_length=500,
        blank=True,
        editable=False,
        help_text=_("Why the last firing did not start a run (e.g. the previous one still ran)."),
    )
    job_id = models.CharField(_("RQ job"), max_length=100, blank=True, editable=False)
    run_requested = models.DateTimeField(
        _("run requested"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("“Run now” without Redis: the next `schedules run-due` (cron) starts it."),
    )
    run_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("run requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    @classmethod
    def scope_filter(cls, scope):
        return models.Q(pk__in=[])  # discovery's machinery runs for the whole city

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("discovery schedule")
        verbose_name_plural = _("discovery schedules")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(interval__isnull=False) & models.Q(cron=""))
                | (models.Q(interval__isnull=True) & ~models.Q(cron="")),
                name="discoveryschedule_interval_or_cron",
                violation_error_message=_("Give either an interval or a cron expression, not both."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("collectors:discoveryschedule", args=[self.pk])

    @property
    def when(self) -> str:
        if self.cron:
            return self.cron
        return _("every %(n)s min") % {"n": self.interval} if self.interval else ""

    @property
    def source(self) -> str:
        """Where the hosts come from, in the active language (pages, the API's display text)."""
        if self.action == ScheduleAction.NETBOX_PULL:
            return gettext("NetBox pull") + (f" ({self.netbox_filter})" if self.netbox_filter else "")
        if self.action == ScheduleAction.NETBOX_PUSH:
            return gettext("NetBox push")
        if self.action == ScheduleAction.DISCOVER_NETBOX:
            return gettext("devices in NetBox") + (f" ({self.netbox_filter})" if self.netbox_filter else "")
        if self.inventory_folder:
            return gettext("inventory folder %(folder)s") % {"folder": self.inventory_folder}
        if self.asset_filter:
            return gettext("inventory database (%(filter)s)") % {"filter": self.asset_filter}
        return gettext("inventory database")

    def clean(self) -> None:
        from collectors import schedules

        errors = {}
        if self.cron and self.interval:
            errors["cron"] = _("Give either an interval or a cron expression, not both.")
        elif not self.cron and not self.interval:
            errors["interval"] = _("Give an interval or a cron expression.")
        if self.cron:
            try:
                schedules.check_cron(self.cron)
            except ValueError as e:
                errors["cron"] = str(e)
        if self.inventory_folder:
            try:
                schedules.check_inventory_folder(self.inventory_folder)
            except ValueError as e:
                errors["inventory_folder"] = str(e)
        if self.inventory_folder and self.asset_filter:
            errors["asset_filter"] = _("A schedule takes its hosts from a folder or from a filter, not both.")
        if self.asset_filter:
            try:
                schedules.check_asset_filter(self.asset_filter)
            except ValueError as e:
                errors["asset_filter"] = str(e)
        if self.action != ScheduleAction.DISCOVER and (self.inventory_folder or self.asset_filter):
            errors["action"] = _(
                "Folder and asset filter are for discovery from the inventory; NetBox uses the NetBox filter."
            )
        if self.netbox_filter:
            from collectors.netbox import connection

            try:
                connection.parse_filters(self.netbox_filter.split())
            except ValueError as e:
                errors["netbox_filter"] = str(e)
        if errors:
            raise ValidationError(errors)


# a run's figures that count hosts: for a scope, counted over its hosts in the scope
_SCOPED_COUNTS = {
    "hosts_tried": models.Q(),
    "hosts_succeeded": models.Q(hosts__outcome=HostOutcome.SUCCESS),
    "hosts_failed": models.Q(hosts__outcome=HostOutcome.FAILED),
    "assets_created": models.Q(hosts__created=True),
    "assets_updated": models.Q(hosts__updated=True),
}


class _ScopedRunIterable(models.query.ModelIterable):
    """Runs whose host figures are their scope's (the ``in_scope_*`` annotations)."""

    def __iter__(self):
        for run in super().__iter__():
            for name in _SCOPED_COUNTS:
                setattr(run, name, getattr(run, f"in_scope_{name}"))
            yield run


class DiscoveryRunQuerySet(ScopedQuerySet):
    def restrict(self, scope):
        """The scope's runs, each with its figures counted over the scope's hosts only: a
        Direktion sees how discovery went for its devices, and nothing of the others'."""
        queryset = super().restrict(scope)
        if scope.everything:
            return queryset
        in_scope = scope.q("hosts__asset__org_unit")
        queryset = queryset.annotate(**{
            f"in_scope_{name}": models.Count("hosts", filter=in_scope & condition)
            for name, condition in _SCOPED_COUNTS.items()
        })
        queryset._iterable_class = _ScopedRunIterable
        return queryset


class DiscoveryRun(models.Model):
    started = models.DateTimeField(_("started"), db_index=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    source = models.CharField(
        _("source"),
        max_length=250,
        help_text=_("Where the host list came from (inventory folder or database)."),
    )
    action = models.CharField(
        _("action"), max_length=20, choices=ScheduleAction.choices, default=ScheduleAction.DISCOVER,
        help_text=_("What the run did: discovery, or a NetBox pull or push."),
    )
    workers = models.PositiveIntegerField(_("workers"), default=1)
    crawl = models.BooleanField(_("LLDP crawl"), default=False)
    allowed_prefixes = models.JSONField(_("allowed prefixes"), default=list, blank=True)
    hosts_tried = models.PositiveIntegerField(_("hosts tried"), default=0)
    hosts_succeeded = models.PositiveIntegerField(_("hosts succeeded"), default=0)
    hosts_failed = models.PositiveIntegerField(_("hosts failed"), default=0)
    assets_created = models.PositiveIntegerField(_("assets created"), default=0)
    assets_updated = models.PositiveIntegerField(_("assets updated"), default=0)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    message = models.TextField(_("message"), blank=True, help_text=_("Why a run failed as a whole."))
    schedule = models.ForeignKey(
        DiscoverySchedule,
        verbose_name=_("schedule"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="runs",
    )
    trigger = models.CharField(
        _("trigger"), max_length=20, choices=RunTrigger.choices, default=RunTrigger.COMMAND
    )
    hosts_spec = models.JSONField(
        _("host source"),
        default=dict,
        blank=True,
        help_text=_(
            "A distributed run's inventory folder or asset filter, as its schedule said when it fired."
        ),
    )
    shards_total = models.PositiveIntegerField(
        _("shards"), default=0, help_text=_("0: run in one process, not split over workers.")
    )
    heartbeat = models.DateTimeField(
        _("heartbeat"),
        null=True,
        blank=True,
        help_text=_("Last sign of life of the process running it; a run that stops beating is stale."),
    )

    objects = DiscoveryRunQuerySet.as_manager()

    @classmethod
    def scope_filter(cls, scope):
        """The runs that touched an asset of the scope (``restrict`` also counts their hosts in
        the scope only)."""
        return models.Q(pk__in=DiscoveryHost.objects.filter(scope.q("asset__org_unit")).values("run_id"))

    class Meta:
        ordering = ["-started", "-pk"]
        verbose_name = _("discovery run")
        verbose_name_plural = _("discovery runs")

    def __str__(self) -> str:
        return gettext("Discovery run %(n)s") % {"n": self.pk}

    def get_absolute_url(self) -> str:
        return reverse("collectors:discoveryrun", args=[self.pk])

    def get_status_color(self) -> str:
        return RunStatus.color(self.status)

    @property
    def duration(self):
        return self.finished - self.started if self.finished else None


class DiscoveryShard(models.Model):
    """A share of a distributed run's hosts, discovered by one RQ job on some worker."""

    run = models.ForeignKey(
        DiscoveryRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="shards"
    )
    index = models.PositiveIntegerField(_("shard"))
    hosts = models.JSONField(_("hosts"), default=list, help_text=_("Names of the hosts in this shard."))
    status = models.CharField(
        _("status"), max_length=20, choices=ShardStatus.choices, default=ShardStatus.QUEUED
    )
    job_id = models.CharField(_("RQ job"), max_length=100, blank=True)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    queued = models.DateTimeField(_("queued"))
    started = models.DateTimeField(_("started"), null=True, blank=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    heartbeat = models.DateTimeField(_("heartbeat"), null=True, blank=True)
    hosts_done = models.PositiveIntegerField(_("hosts done"), default=0)
    message = models.CharField(_("message"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()

    @classmethod
    def scope_filter(cls, scope):
        return models.Q(pk__in=[])  # discovery's machinery runs for the whole city

    class Meta:
        ordering = ["run", "index"]
        verbose_name = _("discovery shard")
        verbose_name_plural = _("discovery shards")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "index"], name="discoveryshard_unique_index",
                violation_error_message=_("This run already has a shard with this number."),
            ),
        ]
        indexes = [models.Index(fields=["status", "heartbeat"], name="discoveryshard_status_beat")]

    def __str__(self) -> str:
        return gettext("%(run)s shard %(n)s/%(total)s") % {
            "run": self.run, "n": self.index + 1, "total": self.run.shards_total
        }

    def get_status_color(self) -> str:
        return ShardStatus.color(self.status)


class DiscoveryHost(models.Model):
    """The outcome of one device in one run."""

    run = models.ForeignKey(
        DiscoveryRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="hosts"
    )
    name = models.CharField(_("host"), max_length=100)
    address = models.CharField(_("address"), max_length=255, blank=True)
    driver = models.CharField(_("driver"), max_length=30, blank=True)
    depth = models.PositiveSmallIntegerField(
        _("crawl depth"), default=0, help_text=_("0 for a seed host, n for a host found n LLDP hops away.")
    )
    found_via = models.CharField(_("found via"), max_length=100, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=HostOutcome.choices)
    reason = models.CharField(_("reason"), max_length=30, choices=HostReason.choices, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    asset = models.ForeignKey(
        "inventory.Asset",
        verbose_name=_("asset"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="discoveries",
    )
    changes = models.PositiveIntegerField(_("changes"), default=0, help_text=_("Change-log rows written."))
    seconds = models.FloatField(_("seconds"), default=0)
    created = models.BooleanField(_("asset created"), default=False)
    updated = models.BooleanField(_("asset updated"), default=False)
    shard = models.ForeignKey(
        DiscoveryShard,
        verbose_name=_("shard"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="results",
    )

    objects = ScopedQuerySet.as_manager()

    @classmethod
    def scope_filter(cls, scope):
        return scope.q("asset__org_unit")

    class Meta:
        ordering = ["run", "name", "pk"]
        verbose_name = _("discovered host")
        verbose_name_plural = _("discovered hosts")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "name"], name="discoveryhost_unique_name_per_run",
                violation_error_message=_("This run already has a host with this name."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_outcome_display()})"

    def get_absolute_url(self) -> str:
        return reverse("collectors:discoveryrun", args=[self.run_id])

    def get_outcome_color(self) -> str:
        return HostOutcome.color(self.outcome)


class HostKey(models.Model):
    """An SSH server's host key as discovery first saw it (trust on first use). Afterwards
    credentials go only to a host that presents this key; a host presenting another one fails
    with "host key changed" before any credential is sent, and its new key waits here
    (``offered_*``) until an engineer accepts it."""

    address = models.CharField(_("address"), max_length=255, help_text=_("As discovery connects to it."))
    port = models.PositiveIntegerField(_("port"), default=22)
    key_type = models.CharField(_("key type"), max_length=50)
    key = models.TextField(_("key"), help_text=_("Base64, as in known_hosts."))
    fingerprint = models.CharField(_("fingerprint"), max_length=100)
    first_seen = models.DateTimeField(_("first seen"), default=timezone.now)
    offered_key_type = models.CharField(_("offered key type"), max_length=50, blank=True)
    offered_key = models.TextField(_("offered key"), blank=True)
    offered_fingerprint = models.CharField(
        _("offered fingerprint"), max_length=100, blank=True,
        help_text=_("A different key the host presented; accept it if the device was replaced or re-keyed."),
    )
    offered_at = models.DateTimeField(_("offered at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    @classmethod
    def scope_filter(cls, scope):
        """The keys of the scope's assets' management addresses."""
        from inventory.models import Asset

        addresses = (Asset.objects.filter(scope.q("org_unit")).exclude(management_address=None)
                     .values_list("management_address", flat=True))
        return models.Q(address__in=[str(a) for a in addresses])  # text here, inet in PostgreSQL

    class Meta:
        ordering = ["address", "port"]
        verbose_name = _("SSH host key")
        verbose_name_plural = _("SSH host keys")
        constraints = [
            models.UniqueConstraint(
                fields=["address", "port"], name="hostkey_unique_address_port",
                violation_error_message=_("A host key for this address and port is stored already."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.address}:{self.port} {self.fingerprint}"


class NetBoxSettings(models.Model):
    """How NetBox's objects map onto the inventory (one row; the URL and token live in the
    secrets file like device passwords, never here)."""

    org_units_from = models.CharField(
        _("organisational units from"),
        max_length=20,
        choices=NetBoxOrgUnits.choices,
        default=NetBoxOrgUnits.TENANT,
        help_text=_("Which NetBox objects become organisational units: tenants, regions or site groups."),
    )
    org_unit_parent = models.ForeignKey(
        "inventory.OrgUnit",
        verbose_name=_("under unit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Units made from NetBox go under this unit (empty: top level)."),
    )
    decommission_deleted = models.BooleanField(
        _("decommission deleted devices"),
        default=True,
        help_text=_("A device deleted in NetBox is decommissioned here by a full pull (never deleted)."),
    )
    push_device_types = models.BooleanField(
        _("push EoX dates to device types"), default=True,
        help_text=_("Push writes end-of-sale and end-of-support dates into custom fields on device types."),
    )
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("NetBox settings")
        verbose_name_plural = _("NetBox settings")

    def __str__(self) -> str:
        return gettext("NetBox settings")

    @classmethod
    def load(cls) -> "NetBoxSettings":
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    def save(self, *args, **kwargs) -> None:
        self.pk = 1  # one row
        super().save(*args, **kwargs)


class NetBoxLink(models.Model):
    """Which NetBox object an inventory object came from: pull is keyed on NetBox's id."""

    kind = models.CharField(_("kind"), max_length=20, choices=NetBoxKind.choices)
    netbox_id = models.PositiveBigIntegerField(_("NetBox id"))
    object_id = models.BigIntegerField(_("object id"))
    name = models.CharField(_("name in NetBox"), max_length=200, blank=True)
    seen = models.DateTimeField(_("last pulled"), null=True, blank=True)
    gone = models.DateTimeField(
        _("deleted in NetBox"), null=True, blank=True, help_text=_("When a pull found it gone.")
    )

    class Meta:
        ordering = ["kind", "netbox_id"]
        verbose_name = _("NetBox link")
        verbose_name_plural = _("NetBox links")
        constraints = [
            models.UniqueConstraint(fields=["kind", "netbox_id"], name="netboxlink_unique_netbox_id"),
        ]
        indexes = [models.Index(fields=["kind", "object_id"], name="netboxlink_object")]

    def __str__(self) -> str:
        return f"{self.kind} {self.netbox_id} → {self.object_id}"
