from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventory.choices import HardwareCategory
from inventory.forms import AssetListField
from inventory.models import Manufacturer, OrgUnit, Site
from inventory.scopes import EVERYTHING, Scope, restrict_choices
from lifecycle import budgets, planning
from lifecycle.choices import SupportStatus
from lifecycle.models import Contract, HardwareNotice, LifecyclePolicy, SoftwareRelease
from werterhalt.forms import DayField, IdsField, StyledModelForm


class HardwareNoticeForm(StyledModelForm):
    class Meta:
        model = HardwareNotice
        fields = [
            "hardware_models",
            "bulletin",
            "end_of_sale_announced",
            "end_of_sale",
            "end_of_sw_maintenance",
            "end_of_security_support",
            "last_date_of_support",
            "replacement_model",
            "source",
        ]
        widgets = {"hardware_models": forms.SelectMultiple(attrs={"size": 8})}


class SoftwareReleaseForm(StyledModelForm):
    class Meta:
        model = SoftwareRelease
        fields = [
            "platform",
            "cycle",
            "release_date",
            "end_of_maintenance",
            "maintenance_ended",
            "end_of_security_support",
            "security_ended",
            "end_of_life",
            "life_ended",
            "lts",
            "latest_version",
            "source",
        ]


class ContractForm(StyledModelForm):
    assets = AssetListField(label=_("Assets"), required=False)

    class Meta:
        model = Contract
        fields = [
            "provider",
            "number",
            "kind",
            "service_level",
            "start",
            "end",
            "yearly_cost",
            "notice_days",
            "assets",
            "comments",
        ]


class LifecyclePolicyForm(StyledModelForm):
    class Meta:
        model = LifecyclePolicy
        fields = [
            "category",
            "org_unit",
            "service_life_years",
            "depreciation_years",
            "out_of_support",
            "warn_months",
        ]


_OFF, _ON = ("", "0", "false", "off", "no"), ("1", "true", "on", "yes")
_SWITCH = dict.fromkeys(_OFF, False) | dict.fromkeys(_ON, True)


class _SwitchInput(forms.CheckboxInput):
    """A checkbox that hands the field what was sent (the API's ``false`` or ``0`` included)."""

    def __init__(self, attrs=None):
        super().__init__(attrs, check_test=lambda v: _SWITCH.get(str(v).lower(), False) if v else False)

    def value_from_datadict(self, data, files, name):
        return data.get(name, "")


class _SwitchField(forms.BooleanField):
    """On or off: a checkbox on the page; ``true``/``false``, ``1``/``0``, ``on``/``off``,
    ``yes``/``no`` in a URL. Anything else is refused (a checkbox field takes any text as on)."""

    widget = _SwitchInput
    default_error_messages = {"invalid": _("Enter true or false.")}

    def to_python(self, value):
        if isinstance(value, bool):
            return value
        text = str(value if value is not None else "").strip().lower()
        if text not in _SWITCH:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return _SWITCH[text]


class _BudgetLines(forms.Textarea):
    """The budget lines of a textarea, or of repeated ``org_budget`` query parameters (the API)."""

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            values = data.getlist(name)
            return "\n".join(values) if values else None
        return data.get(name)


class _BudgetLinesField(forms.CharField):
    """``lifecycle.budgets.OrgBudgets`` from lines ``org unit; year; CHF``: an error names the line."""

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        try:
            return budgets.parse(text)
        except budgets.BudgetError as e:
            raise forms.ValidationError(str(e), code="invalid") from None


class PlanForm(forms.Form):
    """What the Planning page and the plan API take: as of, horizon, budget, what-if, filters."""

    at = DayField(
        label=_("Plan as of"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    horizon = forms.IntegerField(
        label=_("Horizon (years)"), min_value=1, max_value=50, initial=10, required=False
    )
    budget = forms.DecimalField(
        label=_("Yearly budget (CHF)"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("Leave empty for no budget-capped plan."),
    )
    extend_years = forms.IntegerField(
        label=_("What-if: service life longer by (years)"),
        min_value=0,
        max_value=20,
        initial=0,
        required=False,
    )
    org_unit = IdsField(
        label=_("Organisational unit"),
        queryset=OrgUnit.objects.all(),
        required=False,
        help_text=_("Includes the units below it."),
    )
    site = IdsField(label=_("Site"), queryset=Site.objects.all(), required=False)
    category = forms.MultipleChoiceField(
        label=_("Category"), choices=HardwareCategory.choices, required=False
    )
    manufacturer = IdsField(
        label=_("Manufacturer"), queryset=Manufacturer.objects.all(), required=False
    )
    group_by = forms.ChoiceField(
        label=_("Budget by"),
        required=False,
        initial="org_unit",
        choices=[("org_unit", _("Organisational unit")), ("site", _("Site")), ("category", _("Category"))],
    )
    period = forms.ChoiceField(
        label=_("Per"),
        required=False,
        initial="year",
        choices=[("year", _("Year")), ("quarter", _("Quarter"))],
    )
    hardware_status = forms.MultipleChoiceField(
        label=_("Hardware support"), choices=SupportStatus.choices, required=False
    )
    fill = forms.ChoiceField(
        label=_("Leftover budget"),
        required=False,
        initial=planning.FILL_GAPS,
        choices=[
            (planning.FILL_GAPS, _("Fill with the next items that fit")),
            (planning.FILL_STRICT, _("Strict priority order")),
        ],
        help_text=_("What a year does after the first replacement that does not fit its budget."),
    )
    include_spares = _SwitchField(
        label=_("Include spares and planned assets"),
        required=False,
        help_text=_("Price spares and planned assets into the backlog and the yearly budget."),
    )
    org_budget = _BudgetLinesField(
        label=_("Budgets per org unit"),
        required=False,
        max_length=20_000,
        widget=_BudgetLines(attrs={"rows": 3, "placeholder": _("Bildung; 2027; 250'000")}),
        help_text=_(
            "One line each: org unit; year; CHF (or org unit; CHF for every year). A unit's budget "
            "also pays for the units below it that have none. Instead of one yearly budget."
        ),
    )
    first_period = forms.ChoiceField(
        label=_("First period"),
        required=False,
        initial=planning.FIRST_PRORATED,
        choices=[
            (planning.FIRST_PRORATED, _("Share of the budget left this year")),
            (planning.FIRST_FULL, _("The whole yearly budget")),
        ],
        help_text=_("The first period runs from the plan's date to the end of its fiscal year."),
    )
    running_costs = forms.ChoiceField(
        label=_("Contracts' running costs"),
        required=False,
        initial="on",
        choices=[("on", _("In the forecast")), ("off", _("Left out"))],
        help_text=_("Yearly contract costs and their renewals, as lines of their own."),
    )

    def clean(self):
        data = super().clean()
        if data.get("budget") is not None and data.get("org_budget"):
            self.add_error("org_budget", _("Give either one yearly budget or budgets per org unit."))
        return data

    def __init__(self, *args, scope: Scope = EVERYTHING, **kwargs):
        """``scope``: the request's (``inventory.scopes``): the plan covers its assets, and its
        units and sites are the ones to choose from."""
        super().__init__(*args, **kwargs)
        self.scope = scope
        restrict_choices(self.fields, scope)

    def arguments(self) -> dict:
        """Keyword arguments of ``lifecycle.planning.build`` (call after ``is_valid()``)."""
        data = self.cleaned_data
        filters = planning.Filters(
            scope=self.scope,
            org_units=[u.pk for u in data["org_unit"]],
            sites=[s.pk for s in data["site"]],
            categories=list(data["category"]),
            manufacturers=[m.pk for m in data["manufacturer"]],
            statuses=list(data["hardware_status"]),
            horizon=data["horizon"] or 10,
        )
        return {
            "at": data["at"] or timezone.localdate(),
            "filters": filters,
            "budget": float(data["budget"]) if data["budget"] is not None else (data["org_budget"] or None),
            "extend_years": data["extend_years"] or 0,
            "by": data["group_by"] or "org_unit",
            "freq": data["period"] or "year",
            "fill": data["fill"] or planning.FILL_GAPS,
            "include_spares": data["include_spares"],
            "first_period": data["first_period"] or planning.FIRST_PRORATED,
            "running": data["running_costs"] != "off",
        }


class SummaryForm(forms.Form):
    """What the lifecycle summary API takes: as of, org units (with the units below), sites."""

    at = DayField(required=False)
    org_unit = IdsField(queryset=OrgUnit.objects.all(), required=False)
    site = IdsField(queryset=Site.objects.all(), required=False)

    def __init__(self, *args, scope: Scope = EVERYTHING, **kwargs):
        super().__init__(*args, **kwargs)
        restrict_choices(self.fields, scope)
