"""What discovery did: one DiscoveryRun per run, one DiscoveryHost per device it tried."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from collectors.choices import HostOutcome, HostReason, RunStatus


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

    class Meta:
        ordering = ["-started", "-pk"]
        verbose_name = _("discovery run")
        verbose_name_plural = _("discovery runs")

    def __str__(self) -> str:
        return f"Discovery run {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("collectors:discoveryrun", args=[self.pk])

    def get_status_color(self) -> str:
        return RunStatus.color(self.status)

    @property
    def duration(self):
        return self.finished - self.started if self.finished else None


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

    class Meta:
        ordering = ["run", "name", "pk"]
        verbose_name = _("discovered host")
        verbose_name_plural = _("discovered hosts")
        constraints = [
            models.UniqueConstraint(fields=["run", "name"], name="discoveryhost_unique_name_per_run"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_outcome_display()})"

    def get_absolute_url(self) -> str:
        return reverse("collectors:discoveryrun", args=[self.run_id])

    def get_outcome_color(self) -> str:
        return HostOutcome.color(self.outcome)
