"""Lifecycle figures over many assets: the one definition of which assets count, the planning
buckets, shares and totals. The dashboard, the site / org-unit / model pages, ``manage.py
lifecycle_status``, the plan and its exports, the API and the list filters all call this module.

Floor 3. The rules it applies are ``lifecycle.rules``' (``USAGE``: figures count the assets in
use; spares and planned assets are their own groups, in no budget year; ``bucket``: backlog
before ``at``, then years). There are two twins, tested to agree on every case
(tests/lifecycle/test_cases.py, tests/lifecycle/test_cross_face.py):

- ``totals(frame, at)`` over a frame of per-asset answers (``answers``): the plan, exports and
  ``lifecycle_status``, and any date other than the stored one;
- ``totals_stored(queryset, at)`` in a few SQL aggregates over the stored answers
  (``LifecycleState``): pages on 100,000 assets in milliseconds.

``summarize(at, queryset)`` picks the SQL twin when the stored answers are those of ``at``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
from django.db.models import Case, Count, DecimalField, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear

from inventory.models import Asset
from lifecycle import facts, periods, rules, state
from lifecycle import frame as lframe
from lifecycle.choices import Coverage, Risk, SupportStatus

YEARS = 10  # budget years shown, counting the year of ``at``
HORIZONS = (12, 24, 36)  # months: assets leaving hardware support within
OUT_OF_SUPPORT = (rules.UNSUPPORTED,)  # hardware or software in these: "out of support"
GROUPS = (rules.IN_USE, rules.SPARES, rules.PLANNED, rules.DECOMMISSIONED)
STATUSES = {group: tuple(s for s, g in rules.USAGE.items() if g == group) for group in GROUPS}
CENT = Decimal("0.01")
_ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=14, decimal_places=2))


# --- which assets count ----------------------------------------------------------------------------


def usage_q(group: str = rules.IN_USE, prefix: str = "") -> Q:
    """The assets of a usage group (``rules.USAGE``); ``prefix`` reaches them from another model."""
    return Q(**{f"{prefix}status__in": STATUSES[group]})


def in_use(queryset=None):
    """The assets that lifecycle figures and plans count."""
    return (queryset if queryset is not None else Asset.objects.all()).filter(usage_q())


def out_of_support_q(prefix: str = "") -> Q:
    """Past end of support: hardware or software unsupported (stored answers)."""
    return Q(**{f"{prefix}lifecycle__hardware_status__in": OUT_OF_SUPPORT}) | Q(
        **{f"{prefix}lifecycle__software_status__in": OUT_OF_SUPPORT}
    )


def bucket_q(bucket: str, prefix: str = "") -> Q:
    """Assets whose planning bucket (``rules.bucket``, on the day their answers were stored) is
    ``backlog`` or a fiscal year (``2027``, ``2026/27``, or its number)."""
    due = f"{prefix}lifecycle__replacement_due"
    if bucket == rules.BACKLOG:
        return usage_q(prefix=prefix) & Q(**{f"{due}__lt": F(f"{prefix}lifecycle__at")})
    first, last = periods.bounds(periods.year_of(bucket))
    return (
        usage_q(prefix=prefix)
        & Q(**{f"{due}__gte": F(f"{prefix}lifecycle__at")})
        & Q(**{f"{due}__gte": first, f"{due}__lte": last})
    )


def bucket_labels(at: dt.date, years: int = YEARS, freq: str = "year") -> list[str]:
    """Every bucket of a plan on ``at``: the backlog, then each fiscal year (or quarter) of
    ``years`` (``lifecycle.periods``)."""
    return [rules.BACKLOG, *periods.labels(at, years, freq)]


# --- per-asset answers as a frame ------------------------------------------------------------------

ANSWER_COLUMNS = state.ANSWERS  # what the stored rows hold, in order
TEXT_ANSWERS = ("status", *(c for c in state.ANSWERS if c in state.CODES))


def answers(at: dt.date, queryset=None) -> pd.DataFrame:
    """One row per asset of ``queryset`` (default: all, every status) with its answers on ``at``:
    the stored ones when every asset has them for ``at``, else evaluated now with the same
    vectorised rules (nothing written). Columns: ``asset_id``, ``status``, ``usage``, the stored
    answers (dates as datetime64, money in CHF as float and in whole cents as ``*_cents``, -1
    unknown; ``cost`` is the replacement cost) and ``bucket`` (by year)."""
    qs = queryset if queryset is not None else Asset.objects.all()
    stale = qs.filter(Q(lifecycle__isnull=True) | ~Q(lifecycle__at=at)).exists()
    if stale:
        frame = _live(at, qs)
    else:
        columns = {"asset_id": F("pk"), "status": F("status")}
        for name in ANSWER_COLUMNS:
            field = f"lifecycle__{name}"
            if name in state.DATES:
                columns[name] = facts.EpochDays(field)
            elif name in state.MONEY:
                columns[f"{name}_cents"] = facts.Cents(field)
            else:
                columns[name] = F(field)
        frame = facts.fetch(qs.order_by().values_list(*columns.values()), list(columns), text=TEXT_ANSWERS)
        for name in state.DATES:
            frame[name] = facts.day_column(frame[name].to_numpy())
        for name in state.MONEY:
            frame[f"{name}_cents"] = np.nan_to_num(
                frame[f"{name}_cents"].to_numpy(dtype=float), nan=-1
            ).astype(np.int64)
        frame = frame.rename(columns={"replacement_cost_cents": "cost_cents"})
        frame["age"] = frame["age"].astype(float)
        frame["service_life_years"] = frame["service_life_years"].astype(np.int64)
    frame["asset_id"] = frame["asset_id"].astype(np.int64)
    frame = frame.sort_values("asset_id", kind="stable").reset_index(drop=True)
    frame["usage"] = lframe.usage(frame["status"].to_numpy())
    for column in ("support_ends", "replacement_due", "service_start"):
        frame[column] = frame[column].to_numpy().astype("datetime64[D]").astype("datetime64[ns]")
    frame["bucket"] = lframe.bucket(frame["replacement_due"].to_numpy(), at, frame["usage"].to_numpy())
    frame["book_value"] = np.where(frame["book_value_cents"] < 0, np.nan, frame["book_value_cents"] / 100)
    frame["cost"] = np.where(frame["cost_cents"] < 0, np.nan, frame["cost_cents"] / 100)
    return frame


def _live(at: dt.date, queryset) -> pd.DataFrame:
    ids, frame, contracts = facts.load(at, queryset)
    result = lframe.evaluate_frame(frame, contracts, at)
    rows = state.answers(ids, frame, result).drop(columns=["fingerprint"])
    rows.insert(1, "status", frame["status"].to_numpy())
    return rows.rename(columns={"book_value": "book_value_cents", "replacement_cost": "cost_cents"})


# --- totals: over a frame -----------------------------------------------------------------------------


def _money(cents) -> Decimal:
    return (Decimal(int(cents)) / 100).quantize(CENT)


def _counts(values: pd.Series, choices) -> dict[str, int]:
    found = values.value_counts()
    return {c.value: int(found.get(c.value, 0)) for c in choices}


def totals(frame: pd.DataFrame, at: dt.date, years: int = YEARS) -> dict:
    """Every figure over the assets of an ``answers`` frame on ``at`` (see ``empty`` for the keys)."""
    result = empty(at, years)
    result["assets"] = len(frame)
    cost = frame["cost_cents"].to_numpy(dtype=np.int64)
    book = frame["book_value_cents"].to_numpy(dtype=np.int64)
    group = frame["usage"].to_numpy(dtype=object)
    for name in GROUPS:
        mask = group == name
        result["usage"][name] = {
            "count": int(mask.sum()),
            "book_value": _money(book[mask & (book >= 0)].sum()),
            "replacement_value": _money(cost[mask & (cost >= 0)].sum()),
        }
    used = frame[group == rules.IN_USE]
    u_cost = used["cost_cents"].to_numpy(dtype=np.int64)
    result["count"] = len(used)
    result["book_value"] = result["usage"][rules.IN_USE]["book_value"]
    result["replacement_value"] = result["usage"][rules.IN_USE]["replacement_value"]
    result["cost_unknown"] = int((u_cost < 0).sum())
    result["cost_sources"] = {s: int((used["cost_source"] == s).sum()) for s in _COST_SOURCES}
    result["hardware"] = _counts(used["hardware_status"], SupportStatus)
    result["software"] = _counts(used["software_status"], SupportStatus)
    result["coverage"] = _counts(used["coverage"], Coverage)
    result["risk"] = _counts(used["risk"], Risk)
    out = (
        used["hardware_status"].isin(OUT_OF_SUPPORT) | used["software_status"].isin(OUT_OF_SUPPORT)
    ).to_numpy()
    result["out_of_support"] = int(out.sum())
    result["out_of_support_value"] = _money(u_cost[out & (u_cost >= 0)].sum())
    result["out_of_support_share"] = _share(result["out_of_support"], result["count"])
    for row in result["leaving_support"]:
        row["count"] = int(_leaving(used, at, row["until"]).sum())
    buckets = used["bucket"].to_numpy(dtype=object)
    for row in result["buckets"]:
        mask = buckets == row["bucket"]
        row["count"] = int(mask.sum())
        row["cost"] = _money(u_cost[mask & (u_cost >= 0)].sum())
    _close(result)
    return result


def _leaving(frame: pd.DataFrame, at: dt.date, until: dt.date) -> np.ndarray:
    """Which rows lose hardware support after ``at`` and by ``until`` (their support end)."""
    ends = frame["support_ends"].to_numpy().astype("datetime64[D]")
    return ~np.isnat(ends) & (ends > np.datetime64(at, "D")) & (ends <= np.datetime64(until, "D"))


def leaving_assets(frame: pd.DataFrame, at: dt.date) -> dict[int, list[int]]:
    """Per horizon (months), the ids of the assets in use of an ``answers`` frame that lose
    hardware support within it — the assets ``totals`` counts in ``leaving_support``."""
    used = frame[frame["usage"] == rules.IN_USE]
    return {
        m: sorted(used.loc[_leaving(used, at, rules.add_months(at, m)), "asset_id"].tolist())
        for m in HORIZONS
    }


_COST_SOURCES = (rules.COST_LIST_PRICE, rules.COST_POLICY, rules.COST_PURCHASE, rules.COST_UNKNOWN)


def empty(at: dt.date, years: int = YEARS) -> dict:
    """The figures of no assets: the shape every face reads."""
    zero = Decimal("0.00")
    return {
        "at": at,
        "years": years,
        "assets": 0,  # every asset of the set, whatever its status
        "usage": {g: {"count": 0, "book_value": zero, "replacement_value": zero} for g in GROUPS},
        "count": 0,  # the assets in use: everything below counts these
        "book_value": zero,
        "replacement_value": zero,
        "cost_unknown": 0,
        "cost_sources": dict.fromkeys(_COST_SOURCES, 0),
        "hardware": {c.value: 0 for c in SupportStatus},
        "software": {c.value: 0 for c in SupportStatus},
        "coverage": {c.value: 0 for c in Coverage},
        "risk": {c.value: 0 for c in Risk},
        "out_of_support": 0,
        "out_of_support_value": zero,
        "out_of_support_share": 0.0,
        "leaving_support": [{"months": m, "until": rules.add_months(at, m), "count": 0} for m in HORIZONS],
        "buckets": [
            {"bucket": b, "year": None if b == rules.BACKLOG else periods.year_of(b), "count": 0,
             "cost": zero}
            for b in bucket_labels(at, years)
        ],
        "backlog": 0,
        "backlog_cost": zero,
        "due": 0,
        "due_cost": zero,
    }


def _close(result: dict) -> None:
    """The sums of the buckets: backlog, and everything due within the years shown."""
    backlog = result["buckets"][0]
    result["backlog"], result["backlog_cost"] = backlog["count"], backlog["cost"]
    result["due"] = sum(b["count"] for b in result["buckets"])
    result["due_cost"] = sum((b["cost"] for b in result["buckets"]), Decimal("0.00"))


def _share(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


# --- totals: in SQL over the stored answers ---------------------------------------------------------


def _sum(field: str, condition: Q | None = None):
    return Coalesce(Sum(field, filter=condition), _ZERO)


DIMENSIONS = {  # key of the figures -> stored column
    "hardware": "hardware_status",
    "software": "software_status",
    "coverage": "coverage",
    "risk": "risk",
    "cost_sources": "cost_source",
}


def totals_stored(
    queryset=None,
    at: dt.date | None = None,
    years: int = YEARS,
    dates: bool = True,
    per: str | None = None,
    check: bool = False,
) -> dict | None:
    """``totals`` in SQL over the stored answers of ``queryset``'s assets, which must be those of
    ``at``: one grouped query for the counts, groups, values and shares, and (``dates``) two for
    the leaving-support horizons and the budget years. Without ``dates`` those figures are left
    out (pages that show neither). ``check``: the grouped query also tells whether every asset's
    answers are those of ``at``, and None is returned when not (``summarize``). ``per`` (e.g.
    ``org_unit_id``): the same query also gives ``by(per)``'s figures, as ``result["per"]``."""
    qs = queryset if queryset is not None else Asset.objects.all()
    result = empty(at, years)
    fields = {f"lifecycle__{c}": key for key, c in DIMENSIONS.items()}
    extra = (["lifecycle__at"] if check else []) + ([per] if per else [])
    rows = list(
        qs.values("status", *fields, *extra)
        .annotate(n=Count("pk"), book=_sum("lifecycle__book_value"), cost=_sum("lifecycle__replacement_cost"))
        .order_by()
    )
    if check and any(row["lifecycle__at"] != at for row in rows):
        return None  # some answers are another day's, or missing
    zero = Decimal("0.00")
    direct: dict = {}  # per ``per`` value: ``by``'s figures of the assets in use
    for row in rows:
        group = rules.usage(row["status"])
        out = (
            row["lifecycle__hardware_status"] in OUT_OF_SUPPORT
            or row["lifecycle__software_status"] in OUT_OF_SUPPORT
        )
        if per and group == rules.IN_USE:
            unit = direct.setdefault(row[per], {"count": 0, "book_value": zero, "out_of_support": 0})
            unit["count"] += row["n"]
            unit["book_value"] += row["book"]
            unit["out_of_support"] += row["n"] if out else 0
        usage = result["usage"][group]
        usage["count"] += row["n"]
        usage["book_value"] += row["book"]
        usage["replacement_value"] += row["cost"]
        result["assets"] += row["n"]
        if group != rules.IN_USE:
            continue
        for field, key in fields.items():
            value = row[field] if row[field] is not None else rules.UNKNOWN  # no row stored yet
            if value in result[key]:
                result[key][value] += row["n"]
        if out:
            result["out_of_support"] += row["n"]
            result["out_of_support_value"] += row["cost"]
    if per:
        for unit in direct.values():
            unit["out_of_support_share"] = _share(unit["out_of_support"], unit["count"])
        result["per"] = direct
    for usage in result["usage"].values():
        usage["book_value"] = (usage["book_value"] or zero).quantize(CENT)
        usage["replacement_value"] = (usage["replacement_value"] or zero).quantize(CENT)
    used = in_use(qs)
    result["count"] = result["usage"][rules.IN_USE]["count"]
    result["book_value"] = result["usage"][rules.IN_USE]["book_value"]
    result["replacement_value"] = result["usage"][rules.IN_USE]["replacement_value"]
    result["cost_unknown"] = result["cost_sources"][rules.COST_UNKNOWN]
    result["out_of_support_value"] = Decimal(result["out_of_support_value"]).quantize(CENT)
    result["out_of_support_share"] = _share(result["out_of_support"], result["count"])
    if not dates:  # the figures of dates are left out, not zero: nobody can read a wrong one
        for key in ("leaving_support", "buckets", "backlog", "backlog_cost", "due", "due_cost"):
            del result[key]
        return result
    end = rules.add_months
    agg = used.aggregate(
        backlog=Count("pk", filter=Q(lifecycle__replacement_due__lt=at)),
        backlog_cost=_sum("lifecycle__replacement_cost", Q(lifecycle__replacement_due__lt=at)),
        **{
            f"m{m}": Count(
                "pk", filter=Q(lifecycle__support_ends__gt=at, lifecycle__support_ends__lte=end(at, m))
            )
            for m in HORIZONS
        },
    )
    for row in result["leaving_support"]:
        row["count"] = agg[f"m{row['months']}"]
    last = periods.horizon_end(at, years)
    per_year: dict[int, list] = {}  # fiscal year -> [count, cost], from calendar months
    first_month = periods.start_month()
    for row in (
        used.filter(lifecycle__replacement_due__gte=at, lifecycle__replacement_due__lte=last)
        .annotate(
            year=ExtractYear("lifecycle__replacement_due"), month=ExtractMonth("lifecycle__replacement_due")
        )
        .values("year", "month")
        .annotate(n=Count("pk"), cost=_sum("lifecycle__replacement_cost"))
        .order_by()
    ):
        year = row["year"] if row["month"] >= first_month else row["year"] - 1
        sums = per_year.setdefault(year, [0, Decimal("0")])
        sums[0] += row["n"]
        sums[1] += row["cost"]
    for row in result["buckets"]:
        if row["year"] is None:
            row["count"], row["cost"] = agg["backlog"], agg["backlog_cost"].quantize(CENT)
        elif row["year"] in per_year:
            row["count"] = per_year[row["year"]][0]
            row["cost"] = per_year[row["year"]][1].quantize(CENT)
    _close(result)
    return result


def stored_for(at: dt.date, queryset=None) -> bool:
    """Do all assets of ``queryset`` have stored answers for ``at``?"""
    qs = queryset if queryset is not None else Asset.objects.all()
    return not qs.filter(Q(lifecycle__isnull=True) | ~Q(lifecycle__at=at)).exists()


def summarize(
    at: dt.date, queryset=None, years: int = YEARS, dates: bool = True, per: str | None = None
) -> dict:
    """The figures of ``queryset``'s assets on ``at``: in SQL when the stored answers are those of
    ``at`` (the grouped query tells), else over answers evaluated now. ``dates=False``: without
    the leaving-support horizons and budget years where SQL answers (a page that shows neither).
    ``per``: also ``by(per)``'s figures as ``result["per"]`` (from the same query when stored)."""
    result = totals_stored(queryset, at, years, dates=dates, per=per, check=True)
    if result is not None:
        return result
    result = totals(answers(at, queryset), at, years)
    if per:
        result["per"] = by(per, queryset)  # as the pages show it: the stored answers
    return result


def by(field: str, queryset=None) -> dict:
    """Per ``field`` value (``site_id``, ``org_unit_id``): assets in use, book value and how many
    are out of support, from the stored answers (one query)."""
    rows = (
        in_use(queryset)
        .values(field)
        .annotate(
            count=Count("pk"),
            book_value=_sum("lifecycle__book_value"),
            out=Count("pk", filter=out_of_support_q()),
        )
        .order_by()
    )
    return {
        r[field]: {
            "count": r["count"],
            "book_value": r["book_value"],
            "out_of_support": r["out"],
            "out_of_support_share": _share(r["out"], r["count"]),
        }
        for r in rows
    }


def by_unit_tree(queryset=None, direct: dict | None = None) -> dict:
    """``by`` for org units, each counting its whole subtree (the unit and every unit below it), as
    every other face counts an org unit: the direct figures of one grouped query (or ``direct``,
    ``summarize(per="org_unit_id")``'s), rolled up the tree in Python (a city has tens to hundreds
    of units)."""
    from inventory.models import OrgUnit

    direct = by("org_unit_id", queryset) if direct is None else direct
    parents = dict(OrgUnit.objects.values_list("pk", "parent_id"))
    rolled: dict[int, dict] = {}
    for unit, row in direct.items():
        node, seen = unit, set()
        while node is not None and node not in seen:
            seen.add(node)
            total = rolled.setdefault(node, {"count": 0, "book_value": Decimal("0.00"), "out_of_support": 0})
            total["count"] += row["count"]
            total["book_value"] += row["book_value"]
            total["out_of_support"] += row["out_of_support"]
            node = parents.get(node)
    for total in rolled.values():
        total["out_of_support_share"] = _share(total["out_of_support"], total["count"])
    return rolled


def annotate_units(queryset, assets=None):
    """Org units annotated like ``annotate``, each with the figures of its whole subtree
    (``by_unit_tree``) over ``assets`` (default: all), as values the list can sort by."""
    rolled = by_unit_tree(assets)

    def case(key, field):
        whens = [When(pk=pk, then=Value(row[key])) for pk, row in rolled.items()]
        return Case(*whens, default=Value(0), output_field=field) if whens else Value(0, output_field=field)

    return queryset.annotate(
        asset_count=case("count", IntegerField()),
        book_value=case("book_value", DecimalField(max_digits=16, decimal_places=2)),
        out_of_support=case("out_of_support", IntegerField()),
    )


def annotate(queryset, scope=None):
    """Sites annotated with their assets in use, book value and how many are out of support (one
    query for a whole list; the rules of ``by``), counting the assets in ``scope`` (an
    ``inventory.scopes.Scope``; default: all). Org units: ``annotate_units``."""
    used = usage_q(prefix="assets__")
    if scope is not None and not scope.everything:
        used &= scope.q("assets__org_unit")
    return queryset.annotate(
        asset_count=Count("assets", filter=used),
        book_value=Sum("assets__lifecycle__book_value", filter=used),
        out_of_support=Count("assets", filter=used & out_of_support_q("assets__")),
    )


def jsonable(value):
    """Figures as JSON values: money as a number with two decimals, dates as ISO text."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return float(value.quantize(CENT))
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def shares(counts: dict[str, int], choices, total: int) -> list[dict]:
    """Rows for bars: each choice with its label, colour, count and share of ``total`` (%)."""
    return [
        {
            "value": c.value,
            "label": c.label,
            "color": choices.color(c.value),
            "count": counts.get(c.value, 0),
            "percent": _share(counts.get(c.value, 0), total),
        }
        for c in choices
    ]
