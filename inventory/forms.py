import codecs

from django import forms
from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from inventory.choices import AssetStatus
from inventory.models import Asset, HardwareModel, Manufacturer, Module, OrgUnit, Platform, Site, Tag
from werterhalt.forms import IdField, StyledModelForm


class AssetImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns by header name, comma or semicolon separated, UTF-8. "
            "All or nothing: a file with any bad row imports nothing."
        ),
    )
    dry_run = forms.BooleanField(label=_("Dry run (check only, write nothing)"), required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB.") % {"mb": f"{limit / 1024 / 1024:g}"})
        # Checked chunk by chunk and handed on as the file: the import reads it as a stream,
        # never the whole text in memory at once.
        decoder = codecs.getincrementaldecoder("utf-8")()
        offset = 0
        try:
            for chunk in upload.chunks():
                decoder.decode(chunk)
                offset += len(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                _("The file is not UTF-8 text (byte %(pos)s).") % {"pos": offset + exc.start}
            ) from None
        upload.seek(0)
        return upload


def _find_assets(names: list[str], queryset=None) -> tuple[list[Asset], list[str]]:
    """Assets of ``queryset`` (default: all) by name, serial or asset tag (case-insensitive), in
    one query; and the names that matched none or more than one asset."""
    wanted = {n.lower() for n in names}
    matches: dict[str, set[int]] = {n: set() for n in wanted}
    found_by_pk = {}
    candidates = (queryset if queryset is not None else Asset.objects.all()).annotate(
        lname=Lower("name"), lserial=Lower("serial"), ltag=Lower("asset_tag")
    ).filter(Q(lname__in=wanted) | Q(lserial__in=wanted) | Q(ltag__in=wanted))
    for asset in candidates:
        found_by_pk[asset.pk] = asset
        for key in {asset.lname, asset.lserial, asset.ltag} & wanted:
            matches[key].add(asset.pk)
    found, problems = [], []
    for name in names:
        pks = matches[name.lower()]
        if len(pks) == 1:
            found.append(found_by_pk[next(iter(pks))])
        else:
            problems.append(name)
    return found, problems


class AssetChoiceField(forms.CharField):
    """One asset by name, serial or asset tag — a text box, not a list of 100,000 options.
    ``queryset``: the assets it may name (``inventory.scopes.restrict_choices`` narrows it)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", _("Name, serial number or asset tag."))
        super().__init__(*args, **kwargs)
        self.queryset = Asset.objects.all()

    def prepare_value(self, value):
        if isinstance(value, int):
            return Asset.objects.filter(pk=value).values_list("name", flat=True).first() or value
        return value.name if isinstance(value, Asset) else value

    def clean(self, value):
        value = super().clean(value).strip()
        if not value:
            return None
        found, problems = _find_assets([value], self.queryset)
        if problems:
            raise forms.ValidationError(
                _("No single asset has the name, serial number or asset tag “%(v)s”.") % {"v": value}
            )
        return found[0]


class AssetListField(forms.CharField):
    """Several assets, one name, serial or asset tag per line (or comma separated)."""

    widget = forms.Textarea(attrs={"rows": 6})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", _("One name, serial number or asset tag per line."))
        super().__init__(*args, **kwargs)
        self.queryset = Asset.objects.all()  # the assets it may name (restrict_choices)

    def prepare_value(self, value):
        if isinstance(value, list | tuple) or hasattr(value, "all"):
            items = value.all() if hasattr(value, "all") else value
            pks = [getattr(i, "pk", i) for i in items]
            return "\n".join(Asset.objects.filter(pk__in=pks).order_by("name").values_list("name", flat=True))
        return value

    def clean(self, value):
        value = super().clean(value) or ""
        names = [n.strip() for n in value.replace(",", "\n").splitlines() if n.strip()]
        found, problems = _find_assets(list(dict.fromkeys(names)), self.queryset)
        if problems:
            raise forms.ValidationError(
                _("No single asset matches: %(names)s") % {"names": ", ".join(problems[:20])}
            )
        return found


class AssetForm(StyledModelForm):
    replaces = AssetChoiceField(label=_("Replaces"), required=False)

    class Meta:
        model = Asset
        fields = [
            "name",
            "status",
            "serial",
            "asset_tag",
            "manufacturer",
            "hardware_model",
            "platform",
            "software_version",
            "role",
            "site",
            "org_unit",
            "management_address",
            "purchase_date",
            "in_service_date",
            "purchase_cost",
            "warranty_end",
            "replaces",
            "needs_review",
            "review_reason",
            "tags",
            "comments",
        ]


class AssetBulkEditForm(forms.Form):
    """Every field optional: what is left blank stays as it is on each asset."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", "—")] + list(AssetStatus.choices)
    )
    site = IdField(label=_("Site"), queryset=Site.objects.all(), required=False)
    org_unit = IdField(
        label=_("Organisational unit"), queryset=OrgUnit.objects.all(), required=False
    )
    role = forms.CharField(label=_("Role"), required=False, max_length=50)
    platform = IdField(label=_("Platform"), queryset=Platform.objects.all(), required=False)
    purchase_date = forms.DateField(
        label=_("Purchase date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    in_service_date = forms.DateField(
        label=_("In service since"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    needs_review = forms.NullBooleanField(label=_("Needs review"), required=False)


class SiteForm(StyledModelForm):
    class Meta:
        model = Site
        fields = ["name", "slug", "address", "org_unit", "description"]


class OrgUnitForm(StyledModelForm):
    class Meta:
        model = OrgUnit
        fields = ["name", "slug", "code", "parent", "description"]


class ManufacturerForm(StyledModelForm):
    class Meta:
        model = Manufacturer
        fields = ["name", "slug", "aliases"]


class HardwareModelForm(StyledModelForm):
    class Meta:
        model = HardwareModel
        fields = ["manufacturer", "model", "name", "category", "list_price", "aliases", "comments"]


class PlatformForm(StyledModelForm):
    class Meta:
        model = Platform
        fields = ["name", "slug", "manufacturer", "napalm_driver"]


class TagForm(StyledModelForm):
    class Meta:
        model = Tag
        fields = ["name", "slug", "color"]


class ModuleForm(StyledModelForm):
    asset = AssetChoiceField(label=_("Asset"))

    class Meta:
        model = Module
        fields = ["asset", "name", "part_number", "serial", "description", "hardware_model", "present"]
