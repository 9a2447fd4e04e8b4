"""Template helpers: field rows of an object, money, dates and percentages for people, badges for
coloured choices."""

import datetime as dt
from decimal import Decimal

from django import forms, template
from django.db import models
from django.template.base import render_value_in_context
from django.template.context import Context
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import get_language

from werterhalt import charts

register = template.Library()

SKIP = {"id", "aliases"}


@register.filter
def money(value):
    """CHF amounts as Swiss planners write them: 12’345.50."""
    if value in (None, ""):
        return "—"
    return f"{Decimal(value):,.2f}".replace(",", "\u2019")


@register.filter
def whole(value):
    """A whole CHF amount with Swiss grouping (an axis tick): 100’000."""
    if value in (None, ""):
        return "—"
    return f"{round(Decimal(str(value))):,}".replace(",", "\u2019")


def _german() -> bool:
    return (get_language() or "").split("-")[0] == "de"


@register.filter
def day(value):
    """A date for people: 17.05.2026 in German, 2026-05-17 in English; "" for none (so
    ``|default:"—"`` works). A datetime is taken on its local day."""
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return value.strftime("%d.%m.%Y" if _german() else "%Y-%m-%d")


@register.filter
def moment(value):
    """A point in time for people, in the local time zone, to the minute: 17.05.2026 14:03 in
    German, 2026-05-17 14:03 in English; "" for none."""
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%d.%m.%Y %H:%M" if _german() else "%Y-%m-%d %H:%M")


@register.filter
def percent(value):
    """A share 0–100 for people, one decimal: German 20,8 %, English 20.8 % (STYLE §7); — for
    none."""
    if value in (None, ""):
        return "—"
    text = f"{float(value):.1f} %"
    return text.replace(".", ",") if _german() else text


@register.filter(name="svg")
def svg_number(value):
    """A number for an SVG attribute, CSS length or data attribute: a dot, no grouping, in every
    language (``werterhalt.charts.svg``)."""
    return charts.svg(value)


@register.simple_tag
def badge(label, color):
    return format_html('<span class="badge badge-{}">{}</span>', color or "secondary", label)


@register.simple_tag(takes_context=True)
def field_rows(context, obj, exclude=""):
    """(label, value, url) for each concrete field of ``obj``, foreign keys linked; an org unit
    or asset outside the viewer's scope is not named (``inventory.scopes.shows``)."""
    from inventory import scopes

    skip = SKIP | {n.strip() for n in exclude.split(",") if n.strip()}
    request = context.get("request")
    scope = scopes.scope_of(request) if request is not None else scopes.EVERYTHING
    rows = []
    for field in obj._meta.concrete_fields:
        if field.name in skip or field.primary_key:
            continue
        url = None
        if isinstance(field, models.ForeignKey):
            value = getattr(obj, field.name)
            url = (
                value.get_absolute_url() if value is not None and hasattr(value, "get_absolute_url") else None
            )
            if not scopes.shows(scope, value):
                value, url = scopes.hidden_text(), None
        elif field.choices:
            value = getattr(obj, f"get_{field.name}_display")()
        else:
            value = getattr(obj, field.name)
        if isinstance(value, bool):
            value = "✓" if value else "✗"
        elif isinstance(value, dt.datetime):
            value = moment(value)
        elif isinstance(value, dt.date):
            value = day(value)
        elif isinstance(value, Decimal):
            value = money(value)
        rows.append((field.verbose_name, value, url))
    return rows


SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _text(value) -> str:
    """``{{ value|stringformat:'s' }}``: the value as text, escaped unless it is safe already."""
    text = "%s" % (str(value) if isinstance(value, tuple) else value)  # noqa: UP031 - stringformat's own
    return text if isinstance(value, SafeData) else escape(text)


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{_text(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


@register.filter
def field_html(bound_field):
    """``{{ field }}``, written here for a plain ``<select>`` (a filter form's site, model or unit
    list): the same HTML as Django's select.html and select_option.html, without rendering two
    template includes per option (a list of 150 hardware models took 15 ms). Any other widget,
    and a select with templates of its own, is ``str(bound_field)``."""
    widget = bound_field.field.widget
    if (
        not isinstance(widget, forms.Select)
        or widget.template_name != SELECT_TEMPLATE
        or widget.option_template_name != OPTION_TEMPLATE
    ):
        return str(bound_field)
    # BoundField.as_widget
    if bound_field.field.localize:
        widget.is_localized = True
    attrs = bound_field.build_widget_attrs({}, widget)
    if bound_field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", bound_field.auto_id)
    context = widget.get_context(bound_field.html_name, bound_field.value(), attrs)["widget"]
    escaping = Context(autoescape=True)
    out = [f'<select name="{render_value_in_context(context["name"], escaping)}"{_attrs(context["attrs"])}>']
    for group_name, group_choices, _index in context["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{render_value_in_context(group_name, escaping)}">')
        for option in group_choices:
            if option["template_name"] != OPTION_TEMPLATE:
                return str(bound_field)
            out.append(
                f'\n  <option value="{_text(option["value"])}"{_attrs(option["attrs"])}>'
                f'{render_value_in_context(option["label"], escaping)}</option>\n'
            )
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")  # the form renderer strips the template's last newline
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped as the templates do
