"""What assets are: manufacturers, hardware models and software platforms."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from inventory.choices import HardwareCategory
from inventory.naming import build_index, model_key, vendor_key
from inventory.scopes import ScopedQuerySet


def _clean_aliases(value) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(_("Aliases must be a list of strings."))
    out: list[str] = []
    for alias in (v.strip() for v in value):
        if alias and alias not in out:
            out.append(alias)
    return out


class ManufacturerQuerySet(ScopedQuerySet):
    def index(self) -> dict[str, int]:
        """Vendor key -> manufacturer id, over names, slugs and aliases."""
        index, _clashes = build_index(
            ((m.pk, [m.name, m.slug, *m.aliases]) for m in self.only("pk", "name", "slug", "aliases")),
            key=vendor_key,
        )
        return index

    def resolve(self, text: str | None) -> "Manufacturer | None":
        """The manufacturer that ``text`` names (name, slug or alias), or None."""
        pk = self.index().get(vendor_key(text))
        return self.get(pk=pk) if pk else None


class Manufacturer(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    aliases = models.JSONField(
        _("aliases"), default=list, blank=True,
        help_text=_("Other spellings that mean this manufacturer, e.g. “Cisco Systems, Inc.”."),
    )

    objects = ManufacturerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("manufacturer")
        verbose_name_plural = _("manufacturers")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("inventory:manufacturer", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        self.aliases = _clean_aliases(self.aliases)
        mine = {vendor_key(s) for s in [self.name, self.slug, *self.aliases]} - {""}
        for other in Manufacturer.objects.exclude(pk=self.pk).only("name", "slug", "aliases"):
            taken = mine & {vendor_key(s) for s in [other.name, other.slug, *other.aliases]}
            if taken:
                raise ValidationError(
                    {"aliases": _("“%(spelling)s” already names %(other)s.")
                     % {"spelling": sorted(taken)[0], "other": other.name}}
                )


class HardwareModelQuerySet(ScopedQuerySet):
    def index(self) -> dict[tuple[int, str], int]:
        """(manufacturer id, model key) -> hardware model id, over part numbers, names and aliases."""
        entries = (
            ((hm.manufacturer_id, k), hm.pk)
            for hm in self.only("pk", "manufacturer_id", "model", "name", "aliases")
            for k in {model_key(s) for s in [hm.model, hm.name, *hm.aliases]} - {""}
        )
        owners: dict[tuple[int, str], set[int]] = {}
        for key, pk in entries:
            owners.setdefault(key, set()).add(pk)
        return {key: next(iter(pks)) for key, pks in owners.items() if len(pks) == 1}

    def resolve(self, manufacturer: "Manufacturer", text: str | None) -> "HardwareModel | None":
        """The model of ``manufacturer`` that ``text`` names (part number, name or alias)."""
        pk = self.filter(manufacturer=manufacturer).index().get((manufacturer.pk, model_key(text)))
        return self.get(pk=pk) if pk else None


class HardwareModel(models.Model):
    manufacturer = models.ForeignKey(
        Manufacturer, verbose_name=_("manufacturer"), on_delete=models.PROTECT,
        related_name="hardware_models",
    )
    model = models.CharField(
        _("part number"), max_length=100, help_text=_("The vendor's part number, e.g. WS-C2960X-48FPD-L.")
    )
    name = models.CharField(_("display name"), max_length=100, blank=True)
    category = models.CharField(
        _("category"), max_length=20, choices=HardwareCategory.choices, default=HardwareCategory.OTHER
    )
    list_price = models.DecimalField(
        _("list price (CHF)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    aliases = models.JSONField(
        _("aliases"), default=list, blank=True,
        help_text=_("Model strings that devices report for this model."),
    )
    discovered = models.BooleanField(
        _("discovered"), default=False,
        help_text=_("Created by discovery from a model string nobody had entered yet: review it."),
    )
    comments = models.TextField(_("comments"), blank=True)

    objects = HardwareModelQuerySet.as_manager()

    class Meta:
        ordering = ["manufacturer__name", "model"]
        verbose_name = _("hardware model")
        verbose_name_plural = _("hardware models")
        constraints = [
            models.UniqueConstraint(
                fields=["manufacturer", "model"], name="hardwaremodel_unique_part",
                violation_error_message=_(
                    "This manufacturer already has a hardware model with this part number."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(list_price__isnull=True) | models.Q(list_price__gte=0),
                name="hardwaremodel_list_price_not_negative",
                violation_error_message=_("The list price cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.model

    def get_absolute_url(self) -> str:
        return reverse("inventory:hardwaremodel", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        self.aliases = _clean_aliases(self.aliases)


class Platform(models.Model):
    """The software a device runs, as NAPALM knows it (IOS-XE, NX-OS, EOS, Junos…)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    manufacturer = models.ForeignKey(
        Manufacturer, verbose_name=_("manufacturer"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="platforms",
    )
    napalm_driver = models.CharField(
        _("NAPALM driver"), max_length=50, blank=True,
        help_text=_("e.g. ios, nxos_ssh, eos, junos"),
    )

    objects = ScopedQuerySet.as_manager()  # shared: every scope sees every platform

    class Meta:
        ordering = ["name"]
        verbose_name = _("platform")
        verbose_name_plural = _("platforms")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("inventory:platform", args=[self.pk])
