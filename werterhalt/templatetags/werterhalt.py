"""Template helpers: field rows of an object, money, badges for coloured choices."""

import datetime as dt
from decimal import Decimal

from django import template
from django.db import models
from django.utils import timezone
from django.utils.html import format_html

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


@register.filter(name="svg")
def svg_number(value):
    """A number for an SVG attribute, CSS length or data attribute: a dot, no grouping, in every
    language (``werterhalt.charts.svg``)."""
    return charts.svg(value)


@register.simple_tag
def badge(label, color):
    return format_html('<span class="badge badge-{}">{}</span>', color or "secondary", label)


@register.simple_tag
def field_rows(obj, exclude=""):
    """(label, value, url) for each concrete field of ``obj``, foreign keys linked."""
    skip = SKIP | {n.strip() for n in exclude.split(",") if n.strip()}
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
        elif field.choices:
            value = getattr(obj, f"get_{field.name}_display")()
        else:
            value = getattr(obj, field.name)
        if isinstance(value, bool):
            value = "✓" if value else "✗"
        elif isinstance(value, dt.datetime):
            value = timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
        elif isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = money(value)
        rows.append((field.verbose_name, value, url))
    return rows
