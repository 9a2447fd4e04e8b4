from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.choices import AssetStatus
from inventory.models import Asset, HardwareModel, Manufacturer, Module, OrgUnit, Platform, Site, Tag


class AssetImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns by header name, comma or semicolon separated, UTF-8. "
            "All or nothing: a file with any bad row imports nothing."
        ),
    )
    dry_run = forms.BooleanField(label=_("Dry run (check only, write nothing)"), required=False)

    MAX_BYTES = 50 * 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(
                _("The file is not UTF-8 text (byte %(pos)s).") % {"pos": exc.start}
            ) from None


class StyledModelForm(forms.ModelForm):
    """Dates as date pickers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField):
                field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AssetForm(StyledModelForm):
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
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.all(), required=False)
    org_unit = forms.ModelChoiceField(
        label=_("Organisational unit"), queryset=OrgUnit.objects.all(), required=False
    )
    role = forms.CharField(label=_("Role"), required=False, max_length=50)
    platform = forms.ModelChoiceField(label=_("Platform"), queryset=Platform.objects.all(), required=False)
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
    class Meta:
        model = Module
        fields = ["asset", "name", "part_number", "serial", "description", "hardware_model", "present"]
