"""The assets themselves: devices and servers, the modules inside them, and tags."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from inventory.choices import AssetSource, AssetStatus
from inventory.scopes import ScopedQuerySet

from .catalogue import HardwareModel, Manufacturer, Platform
from .organisation import OrgUnit, Site


class Tag(models.Model):
    name = models.CharField(
        _("name"), max_length=100, unique=True,
        # said positively (no comma anywhere), so that the API schema's pattern says the same
        validators=[RegexValidator(r"^[^,]*\Z", message=_("A tag name cannot contain a comma."))],
    )
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    color = models.CharField(_("colour"), max_length=7, default="#6c757d")

    objects = ScopedQuerySet.as_manager()  # shared by the whole city: every scope sees every tag

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("inventory:tag", args=[self.pk])


class AssetQuerySet(ScopedQuerySet):
    def for_lists(self) -> "AssetQuerySet":
        """Assets with what their lists, tables and pages show: the catalogue, place and unit, and
        the stored lifecycle answers (``lifecycle`` is that app's one-to-one on the asset: a name
        here, not an import)."""
        return self.select_related(
            "manufacturer", "hardware_model", "platform", "site", "org_unit", "lifecycle"
        )


class Asset(models.Model):
    """A device or server that the city owns."""

    # Indexes are chosen for the queries that run (see Meta.indexes and the migrations): every one
    # costs each import and update, so there is no index nothing asks for.
    name = models.CharField(_("name"), max_length=100, help_text=_("Hostname"))
    serial = models.CharField(_("serial number"), max_length=100, blank=True)
    asset_tag = models.CharField(_("asset tag"), max_length=100, blank=True)
    # Kept equal to hardware_model.manufacturer (see save()); here so that the database itself
    # can enforce "a serial is unique per manufacturer".
    manufacturer = models.ForeignKey(
        Manufacturer, verbose_name=_("manufacturer"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="assets",
    )
    hardware_model = models.ForeignKey(
        HardwareModel, verbose_name=_("hardware model"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="assets",
    )
    platform = models.ForeignKey(
        Platform, verbose_name=_("platform"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="assets",
    )
    software_version = models.CharField(
        _("software version"), max_length=200, blank=True, help_text=_("As the device reports it.")
    )
    role = models.CharField(_("role"), max_length=50, blank=True)
    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="assets",
    )
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("organisational unit"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="assets",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=AssetStatus.choices, default=AssetStatus.ACTIVE,
    )
    management_address = models.GenericIPAddressField(
        _("management address"), null=True, blank=True, unpack_ipv4=True, db_index=True
    )
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    in_service_date = models.DateField(_("in service since"), null=True, blank=True)
    purchase_cost = models.DecimalField(
        _("purchase cost (CHF)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    warranty_end = models.DateField(_("warranty end"), null=True, blank=True)
    first_seen = models.DateTimeField(_("first seen"), null=True, blank=True)
    last_seen = models.DateTimeField(_("last seen"), null=True, blank=True, db_index=True)
    source = models.CharField(
        _("source"), max_length=20, choices=AssetSource.choices, default=AssetSource.MANUAL
    )
    replaces = models.ForeignKey(
        "self", verbose_name=_("replaces"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="replaced_by", db_index=False,
        help_text=_("The asset this one took the place of (e.g. a chassis swapped under the same name)."),
    )
    needs_review = models.BooleanField(
        _("needs review"), default=False,
        help_text=_("Set by discovery when something needs a person's decision."),
    )
    review_reason = models.CharField(_("review reason"), max_length=250, blank=True)
    comments = models.TextField(_("comments"), blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="assets")

    objects = AssetQuerySet.as_manager()

    scope_anchors = ("org_unit",)  # what places it in a scope (inventory.scopes)

    @classmethod
    def scope_filter(cls, scope):
        return scope.q("org_unit")

    def scope_units(self, old=None) -> set:
        return {self.org_unit_id}

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        # the lists' default order, served from the index (also for deep pages)
        indexes = [
            models.Index(fields=["name", "id"], name="asset_name_id"),  # also serves name = …
            # few assets are flagged or replace another: index only those
            models.Index(fields=["id"], condition=models.Q(needs_review=True), name="asset_needs_review"),
            models.Index(fields=["replaces"], condition=models.Q(replaces__isnull=False),
                         name="asset_replaces"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["manufacturer", "serial"], condition=~models.Q(serial=""),
                name="asset_unique_serial_per_manufacturer",
                violation_error_message=_("This manufacturer already has an asset with this serial."),
            ),
            models.CheckConstraint(
                condition=models.Q(serial="") | models.Q(manufacturer__isnull=False),
                name="asset_serial_needs_manufacturer",
                violation_error_message=_("A serial number needs a manufacturer."),
            ),
            models.CheckConstraint(
                condition=models.Q(purchase_date__isnull=True)
                | models.Q(in_service_date__isnull=True)
                | models.Q(in_service_date__gte=models.F("purchase_date")),
                name="asset_in_service_not_before_purchase",
                violation_error_message=_("The in-service date cannot be before the purchase date."),
            ),
            models.CheckConstraint(
                condition=models.Q(purchase_cost__isnull=True) | models.Q(purchase_cost__gte=0),
                name="asset_purchase_cost_not_negative",
                violation_error_message=_("The purchase cost cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("inventory:asset", args=[self.pk])

    def get_status_color(self) -> str:
        return AssetStatus.color(self.status)

    def sync_manufacturer(self) -> None:
        """The manufacturer follows the hardware model; without a model it is set on its own."""
        if self.hardware_model_id:
            self.manufacturer_id = self.hardware_model.manufacturer_id

    def clean(self) -> None:
        super().clean()
        self.serial = self.serial.strip()
        self.sync_manufacturer()
        errors = {}
        if self.serial and not self.manufacturer_id:
            errors["serial"] = _("A serial number needs a manufacturer (or a hardware model).")
        if self.purchase_date and self.in_service_date and self.in_service_date < self.purchase_date:
            errors["in_service_date"] = _("The in-service date cannot be before the purchase date.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs) -> None:
        self.serial = self.serial.strip()
        # Forms give "" for an empty address; the database stores NULL. Keep the instance equal
        # to what is stored, so that the change log does not see a change that is not there.
        self.management_address = self.management_address or None
        self.sync_manufacturer()
        super().save(*args, **kwargs)


class Module(models.Model):
    """A part inside an asset: supervisor, line card, power supply, fan, transceiver."""

    asset = models.ForeignKey(
        Asset, verbose_name=_("asset"), on_delete=models.CASCADE, related_name="modules"
    )
    name = models.CharField(_("slot"), max_length=100)
    part_number = models.CharField(_("part number"), max_length=100, blank=True)
    serial = models.CharField(_("serial number"), max_length=100, blank=True, db_index=True)
    description = models.CharField(_("description"), max_length=250, blank=True)
    hardware_model = models.ForeignKey(
        HardwareModel, verbose_name=_("hardware model"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="modules",
    )
    present = models.BooleanField(
        _("present"), default=True, help_text=_("Removed parts stay on record, marked not present.")
    )

    objects = ScopedQuerySet.as_manager()

    scope_anchors = ("asset",)

    @classmethod
    def scope_filter(cls, scope):
        return scope.q("asset__org_unit")

    def scope_units(self, old=None) -> set:
        return {Asset._base_manager.filter(pk=self.asset_id).values_list("org_unit_id", flat=True).first()}

    class Meta:
        ordering = ["asset", "name", "pk"]
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        indexes = [models.Index(fields=["asset", "name"], name="module_asset_slot")]

    def __str__(self) -> str:
        return f"{self.asset} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("inventory:module", args=[self.pk])
