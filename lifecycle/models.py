"""Lifecycle data: vendors' end-of-life notices, software release cycles, contracts, policies.

A milestone date left empty means "not announced"; the software milestones also carry a
``*_reached`` flag for sources that say "already over" without a date (endoflife.date's
``true``). The rules that read these live in ``lifecycle.rules`` (pure functions).
"""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from inventory.choices import HardwareCategory
from inventory.models import Asset, HardwareModel, OrgUnit, Platform
from inventory.scopes import ScopedQuerySet
from lifecycle.choices import (
    ContractKind,
    CostSource,
    Coverage,
    Kpi,
    ReplacementBasis,
    Risk,
    StartSource,
    SupportMilestone,
    SupportStatus,
    TargetDirection,
)
from lifecycle.querysets import ContractQuerySet


class HardwareNotice(models.Model):
    """A vendor's end-of-sale / end-of-support bulletin; one notice may cover several models."""

    hardware_models = models.ManyToManyField(
        HardwareModel, verbose_name=_("hardware models"), related_name="notices"
    )
    end_of_sale_announced = models.DateField(_("end of sale announced"), null=True, blank=True)
    end_of_sale = models.DateField(_("end of sale"), null=True, blank=True)
    end_of_sw_maintenance = models.DateField(_("end of software maintenance"), null=True, blank=True)
    end_of_security_support = models.DateField(_("end of security support"), null=True, blank=True)
    last_date_of_support = models.DateField(_("last date of support"), null=True, blank=True)
    replacement_model = models.ForeignKey(
        HardwareModel,
        verbose_name=_("replacement model"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaces_notices",
    )
    bulletin = models.CharField(
        _("bulletin"), max_length=100, blank=True, help_text=_("The vendor's bulletin number, e.g. EOL11111.")
    )
    source = models.CharField(_("source"), max_length=500, blank=True, help_text=_("URL or text"))
    sample = models.BooleanField(
        _("sample data"), default=False, help_text=_("Loaded by the demo: not real vendor data.")
    )
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()  # shared: vendors' data, the same for every scope

    class Meta:
        ordering = ["last_date_of_support", "pk"]
        verbose_name = _("hardware notice")
        verbose_name_plural = _("hardware notices")

    def __str__(self) -> str:
        return self.bulletin or gettext("Notice %(n)s") % {"n": self.pk}

    def get_absolute_url(self) -> str:
        return reverse("lifecycle:hardwarenotice", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        order = [
            ("end_of_sale_announced", self.end_of_sale_announced),
            ("end_of_sale", self.end_of_sale),
            ("last_date_of_support", self.last_date_of_support),
        ]
        known = [(f, d) for f, d in order if d]
        for (f1, d1), (f2, d2) in zip(known, known[1:], strict=False):
            if d2 < d1:
                raise ValidationError(
                    {f2: _("Cannot be before %(other)s.") % {"other": self._meta.get_field(f1).verbose_name}}
                )


class SoftwareRelease(models.Model):
    """One release cycle of a platform (IOS-XE 17.9, EOS 4.30, PAN-OS 11.1, …)."""

    platform = models.ForeignKey(
        Platform, verbose_name=_("platform"), on_delete=models.CASCADE, related_name="releases"
    )
    cycle = models.CharField(_("cycle"), max_length=50, help_text=_("e.g. 17.9, 4.30, 11.1, 7.0(3)I7"))
    release_date = models.DateField(_("release date"), null=True, blank=True)
    end_of_maintenance = models.DateField(_("end of maintenance"), null=True, blank=True)
    maintenance_ended = models.BooleanField(_("maintenance over (no date)"), default=False)
    end_of_security_support = models.DateField(_("end of security support"), null=True, blank=True)
    security_ended = models.BooleanField(_("security support over (no date)"), default=False)
    end_of_life = models.DateField(_("end of life"), null=True, blank=True)
    life_ended = models.BooleanField(_("end of life reached (no date)"), default=False)
    lts = models.BooleanField(_("long-term support"), default=False)
    latest_version = models.CharField(_("latest version"), max_length=50, blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True)
    sample = models.BooleanField(_("sample data"), default=False)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()  # shared: vendors' data, the same for every scope

    class Meta:
        ordering = ["platform", "-release_date", "cycle"]
        verbose_name = _("software release")
        verbose_name_plural = _("software releases")
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "cycle"], name="softwarerelease_unique_cycle",
                violation_error_message=_("This platform already has this release cycle."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform} {self.cycle}"

    def get_absolute_url(self) -> str:
        return reverse("lifecycle:softwarerelease", args=[self.pk])


class Contract(models.Model):
    objects = ContractQuerySet.as_manager()

    provider = models.CharField(_("provider"), max_length=100)
    number = models.CharField(_("contract number"), max_length=100)
    kind = models.CharField(
        _("kind"), max_length=20, choices=ContractKind.choices, default=ContractKind.SUPPORT
    )
    service_level = models.CharField(
        _("service level"), max_length=100, blank=True, help_text=_("e.g. 8x5xNBD, 24x7x4")
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    yearly_cost = models.DecimalField(
        _("yearly cost (CHF)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    notice_days = models.PositiveIntegerField(_("notice period (days)"), default=90)
    assets = models.ManyToManyField(Asset, verbose_name=_("assets"), blank=True, related_name="contracts")
    comments = models.TextField(_("comments"), blank=True)

    scope_anchors = ("assets",)

    @classmethod
    def scope_filter(cls, scope):
        """Contracts that cover an asset of the scope; changed only by a scope that holds every
        asset they cover (``scope_units``)."""
        return models.Q(pk__in=cls.assets.through.objects.filter(scope.q("asset__org_unit"))
                        .values("contract_id"))

    @classmethod
    def scope_history_filter(cls, scope):
        """Whose change log shows a contract's changes (they list its assets by name): a scope
        that holds every asset it covers."""
        outside = cls.assets.through.objects.filter(~scope.q("asset__org_unit")).values("contract_id")
        return cls.scope_filter(scope) & ~models.Q(pk__in=outside)

    def scope_units(self, old=None) -> set:
        if self.pk is None:
            return set()
        return set(Asset._base_manager.filter(contracts=self).values_list("org_unit_id", flat=True))

    class Meta:
        ordering = ["end", "provider", "number"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "number"], name="contract_unique_number",
                violation_error_message=_("This provider already has a contract with this number."),
            ),
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")),
                name="contract_end_after_start",
                violation_error_message=_("A contract cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=models.Q(yearly_cost__isnull=True) | models.Q(yearly_cost__gte=0),
                name="contract_cost_not_negative",
                violation_error_message=_("The yearly cost cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("lifecycle:contract", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("A contract cannot end before it starts.")})


class LifecyclePolicy(models.Model):
    """Service life and depreciation per hardware category (and optionally per org unit).

    The most specific policy wins: category + org unit, category, org unit, the default (no
    category, no org unit); without any, ``lifecycle.rules.DEFAULT_POLICY``."""

    category = models.CharField(
        _("hardware category"),
        max_length=20,
        choices=HardwareCategory.choices,
        blank=True,
        help_text=_("Empty: every category."),
    )
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("organisational unit"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="lifecycle_policies",
    )
    service_life_years = models.PositiveSmallIntegerField(
        _("service life (years)"), default=8, validators=[MinValueValidator(1)]
    )
    depreciation_years = models.PositiveSmallIntegerField(
        _("depreciation (years)"), default=5, validators=[MinValueValidator(1)]
    )
    out_of_support = models.CharField(
        _("out of support at"),
        max_length=30,
        choices=SupportMilestone.choices,
        default=SupportMilestone.LAST_DATE_OF_SUPPORT,
    )
    warn_months = models.PositiveSmallIntegerField(
        _("warn (months)"), default=12, help_text=_("How long before the milestone support counts as ending.")
    )

    replacement_cost = models.DecimalField(
        _("default replacement cost (CHF)"), max_digits=12, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("What replacing one asset costs when its hardware model has no list price."),
    )

    objects = ScopedQuerySet.as_manager()

    scope_anchors = ("org_unit",)

    @classmethod
    def scope_filter(cls, scope):
        """The policies that apply to the scope's assets: general ones, the scope's units' and
        those of the units above them (read-only for the scope: ``scope_units``)."""
        parents = dict(OrgUnit.objects.values_list("pk", "parent_id"))
        above = set()
        for unit in scope.units:
            node = parents.get(unit)
            while node is not None and node not in above and node not in scope.units:
                above.add(node)
                node = parents.get(node)
        return models.Q(org_unit__isnull=True) | models.Q(org_unit__in=sorted(scope.units | above))

    def scope_units(self, old=None) -> set:
        return {self.org_unit_id}

    class Meta:
        ordering = ["category", "org_unit"]
        verbose_name = _("lifecycle policy")
        verbose_name_plural = _("lifecycle policies")
        # downloads of plans (CSV, XLSX, JSON): planners and admins (inventory.roles)
        permissions = [("export_plan", _("Can download replacement plans"))]
        constraints = [
            # one policy per scope; two partial constraints because NULL org units are distinct
            # in a plain unique constraint (and SQLite cannot say NULLS NOT DISTINCT)
            models.UniqueConstraint(
                fields=["category", "org_unit"],
                condition=models.Q(org_unit__isnull=False),
                name="lifecyclepolicy_unique_scope",
                violation_error_message=_(
                    "There is already a policy for this hardware category and organisational unit."
                ),
            ),
            models.UniqueConstraint(
                fields=["category"],
                condition=models.Q(org_unit__isnull=True),
                name="lifecyclepolicy_unique_category",
                violation_error_message=_("There is already a policy for this hardware category."),
            ),
            models.CheckConstraint(
                condition=models.Q(service_life_years__gte=1), name="policy_life_positive",
                violation_error_message=_("The service life must be at least one year."),
            ),
            models.CheckConstraint(
                condition=models.Q(depreciation_years__gte=1), name="policy_depr_positive",
                violation_error_message=_("The depreciation period must be at least one year."),
            ),
        ]

    def __str__(self) -> str:
        scope = [str(self.get_category_display()) if self.category else gettext("every category")]
        if self.org_unit_id:
            scope.append(str(self.org_unit))
        return " / ".join(scope)

    def get_absolute_url(self) -> str:
        return reverse("lifecycle:lifecyclepolicy", args=[self.pk])


class LifecycleState(models.Model):
    """Each asset's lifecycle answers as of one day, stored so that lists, filters, the dashboard
    and the API can filter, sort and count a whole inventory in SQL.

    Derived data: written only by ``lifecycle.state.refresh`` (after every change that affects an
    asset, and daily by ``manage.py lifecycle_refresh``), never edited, not change-logged. Each
    row holds everything the faces show (replace-by date with its basis and the service start
    and life it came from, replacement cost with its source), so pages, filters, the API and the
    plan read rows and never recompute differently. The asset page computes its own answers live
    with ``lifecycle.assess`` (the same rules).
    """

    asset = models.OneToOneField(
        Asset, verbose_name=_("asset"), on_delete=models.CASCADE, primary_key=True, related_name="lifecycle"
    )
    at = models.DateField(_("as of"))
    computed = models.DateTimeField(
        _("computed"), null=True, help_text=_("When this row was last written.")
    )
    age = models.FloatField(_("age (years)"), null=True, blank=True)
    hardware_status = models.CharField(
        _("hardware support"), max_length=20, choices=SupportStatus.choices
    )
    software_status = models.CharField(
        _("software support"), max_length=20, choices=SupportStatus.choices
    )
    coverage = models.CharField(_("contract"), max_length=20, choices=Coverage.choices)
    support_ends = models.DateField(
        _("support ends"), null=True, blank=True,
        help_text=_("The hardware milestone the asset's policy counts as out of support."),
    )
    replacement_due = models.DateField(_("replace by"), null=True, blank=True)
    replacement_basis = models.CharField(
        _("replace-by basis"), max_length=20, choices=ReplacementBasis.choices, default=ReplacementBasis.NONE
    )
    service_start = models.DateField(_("service start"), null=True, blank=True)
    start_source = models.CharField(
        _("service start from"), max_length=20, choices=StartSource.choices, blank=True, default=""
    )
    service_life_years = models.PositiveSmallIntegerField(_("service life (years)"), default=8)
    out_of_support = models.CharField(
        _("out of support at"),
        max_length=30,
        choices=SupportMilestone.choices,
        default=SupportMilestone.LAST_DATE_OF_SUPPORT,
    )
    book_value = models.DecimalField(
        _("book value (CHF)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    replacement_cost = models.DecimalField(
        _("replacement cost (CHF)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    cost_source = models.CharField(
        _("replacement cost from"), max_length=20, choices=CostSource.choices, default=CostSource.UNKNOWN
    )
    risk = models.CharField(_("risk"), max_length=10, choices=Risk.choices)
    fingerprint = models.BigIntegerField(
        _("fingerprint"),
        default=0,
        help_text=_("A hash of the answers: a refresh rewrites changed rows only."),
    )

    objects = ScopedQuerySet.as_manager()

    @classmethod
    def scope_filter(cls, scope):
        return scope.q("asset__org_unit")

    class Meta:
        verbose_name = _("lifecycle state")
        verbose_name_plural = _("lifecycle states")
        # Few indexes, on purpose: every one is rewritten for every changed row of a refresh (a
        # daily refresh changes most rows: age and book value move). Sorting by replace-by date
        # and filtering by support status use these; the dashboard's aggregates scan the table.
        indexes = [
            models.Index(fields=["replacement_due", "asset"], name="lifecycle_due_asset"),
            models.Index(fields=["hardware_status"], name="lifecycle_hw_status"),
            models.Index(fields=["software_status"], name="lifecycle_sw_status"),
        ]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.asset_id} @ {self.at}"

    def get_hardware_status_color(self) -> str:
        return SupportStatus.color(self.hardware_status)

    def get_software_status_color(self) -> str:
        return SupportStatus.color(self.software_status)

    def get_coverage_color(self) -> str:
        return Coverage.color(self.coverage)

    def get_risk_color(self) -> str:
        return Risk.color(self.risk)


class RefreshRequest(models.Model):
    """Stored answers that wait for a refresh in the background (``lifecycle.state``): written in
    the transaction of the change that asked for it (a policy, notice, release or contract), taken
    and deleted by the refresh. While any exists, pages say that figures are being updated."""

    requested = models.DateTimeField(_("requested"), auto_now_add=True)
    everything = models.BooleanField(_("every asset"), default=False)
    asset_ids = models.JSONField(_("assets"), default=list, blank=True)
    reason = models.CharField(_("reason"), max_length=100, blank=True)

    objects = ScopedQuerySet.as_manager()

    @classmethod
    def scope_filter(cls, scope):
        return models.Q(pk__in=[])  # the whole city's bookkeeping

    class Meta:
        ordering = ["pk"]
        verbose_name = _("lifecycle refresh request")
        verbose_name_plural = _("lifecycle refresh requests")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.reason or 'refresh'} @ {self.requested:%Y-%m-%d %H:%M}"


class KpiSnapshot(models.Model):
    """The strategic monitoring's figures for one org unit (its whole subtree) or, without a
    unit, for the whole city, on one day. Written only by ``lifecycle.snapshots`` (``manage.py
    snapshot``, monthly from the scheduler, ``--backfill`` from the change log); one row per day
    and unit, a second snapshot of the same day replaces the first. Money in CHF, shares in
    percent (0–100) of the assets in use (counts) or of their replacement value (value shares).
    A figure the source could not give (a backfilled month without discovery history) is NULL."""

    at = models.DateField(_("date"), db_index=True)
    org_unit = models.ForeignKey(
        "inventory.OrgUnit", verbose_name=_("organisational unit"), on_delete=models.CASCADE,
        null=True, blank=True, related_name="snapshots",
        help_text=_("Empty: the whole city."),
    )
    backfilled = models.BooleanField(
        _("backfilled"), default=False,
        help_text=_("Rebuilt afterwards from the change log, not taken on the day."),
    )
    computed = models.DateTimeField(_("computed"))
    assets_in_use = models.PositiveIntegerField(_("assets in use"), default=0)
    hw_out_count = models.PositiveIntegerField(_("out of hardware support"), default=0)
    hw_out_share = models.FloatField(_("out of hardware support (%)"), default=0)
    hw_out_value_share = models.FloatField(_("out of hardware support, value (%)"), default=0)
    sw_out_count = models.PositiveIntegerField(_("out of software support"), default=0)
    sw_out_share = models.FloatField(_("out of software support (%)"), default=0)
    sw_out_value_share = models.FloatField(_("out of software support, value (%)"), default=0)
    no_contract_count = models.PositiveIntegerField(_("without a contract"), default=0)
    no_contract_share = models.FloatField(_("without a contract (%)"), default=0)
    backlog_count = models.PositiveIntegerField(_("backlog"), default=0)
    backlog_cost = models.DecimalField(_("backlog (CHF)"), max_digits=16, decimal_places=2, default=0)
    due_1y_cost = models.DecimalField(
        _("due within 1 year (CHF)"), max_digits=16, decimal_places=2, default=0)
    due_3y_cost = models.DecimalField(
        _("due within 3 years (CHF)"), max_digits=16, decimal_places=2, default=0)
    due_5y_cost = models.DecimalField(
        _("due within 5 years (CHF)"), max_digits=16, decimal_places=2, default=0)
    book_value = models.DecimalField(_("book value (CHF)"), max_digits=16, decimal_places=2, default=0)
    replacement_value = models.DecimalField(
        _("replacement value (CHF)"), max_digits=16, decimal_places=2, default=0
    )
    average_age = models.FloatField(_("average age (years)"), null=True, blank=True)
    risk_low = models.PositiveIntegerField(_("low risk"), default=0)
    risk_medium = models.PositiveIntegerField(_("medium risk"), default=0)
    risk_high = models.PositiveIntegerField(_("high risk"), default=0)
    risk_critical = models.PositiveIntegerField(_("critical risk"), default=0)
    not_seen_30d = models.PositiveIntegerField(_("not seen for 30 days"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    @classmethod
    def scope_filter(cls, scope):
        return scope.q("org_unit")  # the city's rows hold every unit: not for a scope

    class Meta:
        ordering = ["-at", "org_unit__name"]
        verbose_name = _("KPI snapshot")
        verbose_name_plural = _("KPI snapshots")
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["at", "org_unit"], name="kpisnapshot_unique_unit_day",
                violation_error_message=_("There is already a snapshot of this unit on this day."),
            ),
            models.UniqueConstraint(
                fields=["at"], condition=models.Q(org_unit__isnull=True), name="kpisnapshot_unique_city_day",
                violation_error_message=_("There is already a snapshot of the city on this day."),
            ),
        ]
        indexes = [models.Index(fields=["org_unit", "at"], name="kpisnapshot_unit_at")]

    def __str__(self) -> str:
        return f"{self.org_unit or _('City')} @ {self.at}"


class KpiTarget(models.Model):
    """A target for one monitoring figure (e.g. at most 5 % out of hardware support), for one org
    unit or, without a unit, for every unit and the city. A unit's own target wins over the
    general one. Green: the target is met; amber: missed by no more than ``tolerance``; red:
    missed by more (``lifecycle.monitoring``)."""

    kpi = models.CharField(_("figure"), max_length=30, choices=Kpi.choices)
    org_unit = models.ForeignKey(
        "inventory.OrgUnit", verbose_name=_("organisational unit"), on_delete=models.CASCADE,
        null=True, blank=True, related_name="kpi_targets",
        help_text=_("Empty: every unit and the whole city."),
    )
    direction = models.CharField(
        _("direction"), max_length=10, choices=TargetDirection.choices, default=TargetDirection.AT_MOST
    )
    value = models.DecimalField(_("target"), max_digits=16, decimal_places=2)
    tolerance = models.DecimalField(
        _("tolerance"), max_digits=16, decimal_places=2, default=0,
        validators=[MinValueValidator(0)],
        help_text=_("How far a figure may miss the target and still show amber rather than red."),
    )

    objects = ScopedQuerySet.as_manager()

    scope_anchors = ("org_unit",)

    @classmethod
    def scope_filter(cls, scope):
        return models.Q(org_unit__isnull=True) | scope.q("org_unit")

    def scope_units(self, old=None) -> set:
        return {self.org_unit_id}

    class Meta:
        ordering = ["kpi", "org_unit__name"]
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "org_unit"], name="kpitarget_unique_unit",
                violation_error_message=_("This unit already has a target for this figure."),
            ),
            models.UniqueConstraint(
                fields=["kpi"], condition=models.Q(org_unit__isnull=True), name="kpitarget_unique_general",
                violation_error_message=_("There is already a general target for this figure."),
            ),
        ]

    def __str__(self) -> str:
        sign = "≤" if self.direction == TargetDirection.AT_MOST else "≥"
        return f"{self.get_kpi_display()} {sign} {self.value}"
