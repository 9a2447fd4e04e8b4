"""Figures for the dashboard and the site / org-unit pages, from the stored lifecycle answers
(``LifecycleState``) in a few aggregate queries — fast on 100,000 assets.

Floor 3: views call these; they hold no date rules of their own beyond bucketing stored dates.
Decommissioned assets are not counted: they are no longer part of the running infrastructure.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce, ExtractYear

from inventory.choices import AssetStatus
from inventory.models import Asset
from lifecycle import rules
from lifecycle.choices import SupportStatus

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=14, decimal_places=2))
OUT_OF_SUPPORT = (rules.UNSUPPORTED,)


def in_use(queryset=None):
    qs = queryset if queryset is not None else Asset.objects.all()
    return qs.exclude(status=AssetStatus.DECOMMISSIONED)


def out_of_support(prefix: str = "") -> Q:
    """Past end of support: hardware or software unsupported. ``prefix`` reaches the asset from
    another model (``assets__``)."""
    return Q(**{f"{prefix}lifecycle__hardware_status__in": OUT_OF_SUPPORT}) | Q(
        **{f"{prefix}lifecycle__software_status__in": OUT_OF_SUPPORT}
    )


def with_figures(queryset):
    """Sites or org units annotated with their assets in use, book value and how many are out of
    support (one query for the whole list)."""
    used = ~Q(assets__status=AssetStatus.DECOMMISSIONED)
    return queryset.annotate(
        asset_count=Count("assets", filter=used),
        book_value=Sum("assets__lifecycle__book_value", filter=used),
        out_of_support=Count("assets", filter=used & out_of_support("assets__")),
    )


def replacement_cost():
    """What replacing an asset costs: its model's list price, else what it cost."""
    return Coalesce("hardware_model__list_price", "purchase_cost", ZERO)


def support_counts(queryset=None, field: str = "hardware_status") -> list[dict]:
    """Assets per support status, in the order of SupportStatus, with label and colour; assets
    without stored answers yet count as unknown."""
    rows = dict(in_use(queryset).values_list(f"lifecycle__{field}").annotate(n=Count("pk")).order_by())
    rows[rules.UNKNOWN] = rows.get(rules.UNKNOWN, 0) + rows.pop(None, 0)
    total = sum(rows.values()) or 1
    return [
        {
            "value": s.value,
            "label": s.label,
            "color": SupportStatus.color(s.value),
            "count": rows.get(s.value, 0),
            "percent": round(100 * rows.get(s.value, 0) / total, 1),
        }
        for s in SupportStatus
    ]


def leaving_support(at: dt.date, months=(12, 24, 36), queryset=None) -> list[dict]:
    """How many assets lose hardware support after ``at`` and within each horizon."""
    qs = in_use(queryset)
    horizons = {m: rules.add_months(at, m) for m in months}
    counts = qs.aggregate(
        **{
            f"m{m}": Count("pk", filter=Q(lifecycle__support_ends__gt=at, lifecycle__support_ends__lte=end))
            for m, end in horizons.items()
        }
    )
    return [{"months": m, "until": horizons[m], "count": counts[f"m{m}"]} for m in months]


def replacement_cost_by_year(at: dt.date, years: int = 10, queryset=None) -> list[dict]:
    """Replacement cost per year of the replace-by date for ``years`` years from ``at``'s year.
    Overdue replacements (due before ``at``) are their own first bucket, the backlog."""
    qs = in_use(queryset).filter(lifecycle__replacement_due__isnull=False)
    backlog = qs.filter(lifecycle__replacement_due__lt=at).aggregate(
        cost=Sum(replacement_cost()), n=Count("pk")
    )
    last = dt.date(at.year + years - 1, 12, 31)
    per_year = {
        row["year"]: row
        for row in qs.filter(lifecycle__replacement_due__gte=at, lifecycle__replacement_due__lte=last)
        .annotate(year=ExtractYear("lifecycle__replacement_due"))
        .values("year")
        .annotate(cost=Sum(replacement_cost()), n=Count("pk"))
        .order_by()
    }
    result = [
        {"label": "backlog", "year": None, "cost": backlog["cost"] or Decimal(0), "count": backlog["n"]}
    ]
    for year in range(at.year, at.year + years):
        row = per_year.get(year, {})
        result.append(
            {
                "label": str(year),
                "year": year,
                "cost": row.get("cost") or Decimal(0),
                "count": row.get("n", 0),
            }
        )
    return result


def figures(queryset) -> dict:
    """Count, book value, replacement value and the share out of support of a set of assets."""
    qs = in_use(queryset)
    out = out_of_support()
    agg = qs.aggregate(
        count=Count("pk"),
        book_value=Sum("lifecycle__book_value"),
        replacement_value=Sum(replacement_cost()),
        out_count=Count("pk", filter=out),
        out_value=Sum("lifecycle__book_value", filter=out),
    )
    count = agg["count"]
    return {
        "count": count,
        "book_value": agg["book_value"] or Decimal(0),
        "replacement_value": agg["replacement_value"] or Decimal(0),
        "out_of_support": agg["out_count"],
        "out_of_support_share": round(100 * agg["out_count"] / count, 1) if count else 0.0,
    }


def figures_by(field: str, queryset=None) -> dict:
    """``figures`` grouped by ``field`` (``site_id``, ``org_unit_id``): {id: {...}} in one query."""
    out = out_of_support()
    rows = (
        in_use(queryset)
        .values(field)
        .annotate(
            count=Count("pk"), book_value=Sum("lifecycle__book_value"), out_count=Count("pk", filter=out)
        )
        .order_by()
    )
    return {
        r[field]: {
            "count": r["count"],
            "book_value": r["book_value"] or Decimal(0),
            "out_of_support": r["out_count"],
            "out_of_support_share": round(100 * r["out_count"] / r["count"], 1) if r["count"] else 0.0,
        }
        for r in rows
    }


def as_of() -> dt.date | None:
    """The oldest date the stored answers were computed on (None when none are stored)."""
    from lifecycle.models import LifecycleState

    return LifecycleState.objects.order_by("at").values_list("at", flat=True).first()
