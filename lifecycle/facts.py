"""The facts of many assets as columns, read straight from the database into the frames that
``lifecycle.frame.evaluate_frame`` reads — no model instances, no per-asset Python objects.

Floor 3. One query per table (assets; modules; contract links; the catalogue of notices,
releases, policies and org units once), then pandas: what differs per asset is looked up from
small tables of distinct keys (a policy per category and org unit, a release cycle per platform
and version, a module status per module model and policy). ``lifecycle.assess.collect`` builds the
same facts one asset at a time for ``lifecycle.rules.evaluate``; both are tested on one table of
cases (tests/lifecycle/cases.py).
"""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connections
from django.db.models import BigIntegerField, F, Func, IntegerField, QuerySet
from django.db.models.functions import TruncDate

from inventory.models import Asset, Module
from lifecycle import frame as lframe
from lifecycle import rules
from lifecycle.assess import Catalogue
from lifecycle.models import Contract


class EpochDays(Func):
    """Days since 1970-01-01 of a date expression, NULL staying NULL: dates travel as integers,
    which the database sends and numpy reads many times faster than date objects."""

    output_field = IntegerField()

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql})::date - DATE '1970-01-01')", params

    def as_sql(self, compiler, connection, **extra_context):  # SQLite
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(julianday({sql}) - 2440587.5 AS INTEGER)", params


class Cents(Func):
    """A money column in whole cents (an integer), NULL staying NULL."""

    output_field = BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"ROUND(({sql}) * 100)::bigint", params

    def as_sql(self, compiler, connection, **extra_context):  # SQLite
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(ROUND(({sql}) * 100) AS INTEGER)", params


def local_day(field: str) -> Func:
    """An aware timestamp column as the local calendar day (settings.TIME_ZONE), in days."""
    return EpochDays(TruncDate(field, tzinfo=ZoneInfo(settings.TIME_ZONE)))


ASSET_COLUMNS = {
    "pk": F("pk"),
    "status": F("status"),
    "in_service": EpochDays("in_service_date"),
    "purchase": EpochDays("purchase_date"),
    "first_seen": local_day("first_seen"),
    "cost_cents": Cents("purchase_cost"),
    "hardware_model_id": F("hardware_model_id"),
    "category": F("hardware_model__category"),
    "list_price_cents": Cents("hardware_model__list_price"),
    "platform_id": F("platform_id"),
    "software_version": F("software_version"),
    "org_unit_id": F("org_unit_id"),
}
POLICY_COLUMNS = ["service_life_years", "depreciation_years", "out_of_support", "warn_months"]
NAT = np.datetime64("NaT", "D")


def day_column(values) -> np.ndarray:
    """Days since 1970 (None allowed) as datetime64[D], NaT for None."""
    days = np.asarray(values, dtype=float)
    out = np.full(days.shape, NAT, dtype="datetime64[D]")
    known = ~np.isnan(days)
    out[known] = days[known].astype(np.int64).astype("datetime64[D]")
    return out


def cent_column(values) -> np.ndarray:
    """Whole cents (None allowed) as int64, -1 for None."""
    amounts = np.asarray(values, dtype=float)
    return np.where(np.isnan(amounts), -1, amounts).astype(np.int64)


def dates(values) -> np.ndarray:
    """Date objects (None allowed) as datetime64[D], NaT for None (small lists)."""
    return np.array(values, dtype="datetime64[D]") if len(values) else np.array([], dtype="datetime64[D]")


def _milestones(values: list[rules.Milestone]) -> tuple[np.ndarray, np.ndarray]:
    """Milestones (date / True / False / None) as a date column and a 'reached, no date' column."""
    return dates([v if isinstance(v, dt.date) else None for v in values]), np.array(
        [v is True for v in values], dtype=bool
    )


def load(at: dt.date, queryset: QuerySet | None = None, catalogue: Catalogue | None = None):
    """The assets of ``queryset`` (default: all) as ``(ids, frame, contracts)``: their primary keys
    in frame order, the facts frame and the contracts frame of ``lifecycle.frame``."""
    cat = catalogue or Catalogue()
    qs = queryset if queryset is not None else Asset.objects.all()
    raw = fetch(  # in any order: ``ids`` says which row is which asset
        qs.order_by().values_list(*ASSET_COLUMNS.values()),
        list(ASSET_COLUMNS),
        text=("status", "category", "software_version"),
    )
    return build(raw, at, qs, cat)


def build(raw, at: dt.date, queryset: QuerySet, catalogue: Catalogue):
    """``load`` after its query: ``raw`` holds the ``ASSET_COLUMNS`` of some assets (read from the
    database, or rebuilt from the change log by ``lifecycle.snapshots``); ``queryset`` gives
    their modules and contract links."""
    cat, qs = catalogue, queryset
    ids = raw["pk"].to_numpy(dtype=np.int64)
    data: dict[str, object] = {
        "in_service": day_column(raw["in_service"]),
        "purchase": day_column(raw["purchase"]),
        "first_seen": day_column(raw["first_seen"]),
        "cost_cents": cent_column(raw["cost_cents"]),
        "list_price_cents": cent_column(raw["list_price_cents"]),
        "status": raw["status"].to_numpy(dtype=object),
    }

    # the policy of each (category, org unit): a few distinct keys
    policy_codes, policy_keys = _factorize(raw["category"].to_numpy(), raw["org_unit_id"].to_numpy())
    table = []
    for key in policy_keys:
        row = cat.policy_row(*key)
        policy = cat.policy(*key)
        cost = row.replacement_cost if row is not None and row.replacement_cost is not None else None
        table.append((*(getattr(policy, c) for c in POLICY_COLUMNS), -1 if cost is None else int(cost * 100)))
    for i, column in enumerate(POLICY_COLUMNS):
        values = np.array([t[i] for t in table], dtype=object if column == "out_of_support" else np.int64)
        data[column] = values[policy_codes] if len(values) else values
    costs = np.array([t[-1] for t in table], dtype=np.int64)
    data["policy_cost_cents"] = costs[policy_codes] if len(costs) else costs

    # hardware notices by model (the newest notice of a model wins, as in Catalogue)
    model_codes, model_keys = _factorize(raw["hardware_model_id"].to_numpy())
    notices = [cat.notices.get(key[0]) for key in model_keys]
    known = np.array([n is not None for n in notices], dtype=bool)
    data["has_notice"] = known[model_codes] if len(known) else known
    for name in lframe.HW_FIELDS:
        day, flag = _milestones([getattr(n, name) if n is not None else None for n in notices])
        data[f"hw_{name}"], data[f"hw_{name}_reached"] = (
            (day[model_codes], flag[model_codes]) if len(day) else (day, flag)
        )

    # software release cycles by (platform, version): a few distinct pairs
    release_codes, release_keys = _factorize(
        raw["platform_id"].to_numpy(), raw["software_version"].to_numpy()
    )
    releases = [cat.release(platform, version)[1] for platform, version in release_keys]
    known = np.array([r is not None for r in releases], dtype=bool)
    data["has_release"] = known[release_codes] if len(known) else known
    for name in lframe.SW_FIELDS:
        day, flag = _milestones([getattr(r, name) if r is not None else None for r in releases])
        data[f"sw_{name}"], data[f"sw_{name}_reached"] = (
            (day[release_codes], flag[release_codes]) if len(day) else (day, flag)
        )

    # pandas holds dates in seconds at the coarsest: hand them over so, or it converts each column
    for name, values in data.items():
        if isinstance(values, np.ndarray) and values.dtype.kind == "M":
            data[name] = values.astype("datetime64[s]")
    frame = pd.DataFrame(data, copy=False)  # fresh arrays: no copy, no consolidation (~25 ms)
    policies = [rules.Policy(*t[: len(POLICY_COLUMNS)]) for t in table]
    frame["module_worst"] = _module_worst(qs, ids, policy_codes, policies, cat, at)
    return ids, frame, _contracts(qs, ids)


def _key(value):
    """A factorized value as a dictionary key: NaN (NULL) as None, a whole float as int."""
    if isinstance(value, float):
        return None if value != value else int(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _factorize(*columns) -> tuple[np.ndarray, list[tuple]]:
    """Codes (one per row) and the distinct key tuples of one or more columns (NULL is a value)."""
    if not len(columns[0]):
        return np.array([], dtype=np.int64), []
    combined = np.zeros(len(columns[0]), dtype=np.int64)
    parts = []
    for column in columns:
        codes, uniques = pd.factorize(np.asarray(column), use_na_sentinel=False)
        combined = combined * (len(uniques) + 1) + codes
        parts.append((codes, [_key(u) for u in uniques]))
    _values, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    keys = [tuple(uniques[c[i]] for c, uniques in parts) for i in first.tolist()]
    return inverse.astype(np.int64).ravel(), keys


def of_assets(related, assets):
    """Rows of a model with an ``asset`` key that belong to ``assets`` (no filter for all)."""
    if assets.model is Asset and not assets.query.where:
        return related
    return related.filter(asset__in=assets.values("pk"))


def _csv_cell(alias: str, text: bool) -> str:
    """SQL for one CSV cell of a column: empty for NULL, text quoted with its quotes doubled."""
    if text:
        return f"""COALESCE('"' || replace({alias}::text, '"', '""') || '"', '')"""
    return f"COALESCE({alias}::text, '')"


def fetch(queryset, names: list[str], text: tuple[str, ...] = ()) -> pd.DataFrame:
    """The rows of a ``values_list`` query set as a frame with columns ``names``: integers (float
    where NULL occurs) and the ``text`` columns as str ("" for NULL) — without Django's per-value
    converters. On PostgreSQL the server joins the rows into one CSV text (``string_agg``: one
    value to send instead of a message per row) that pandas' C parser reads; elsewhere the rows
    come through the cursor."""
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    connection = connections[queryset.db]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            aliases = [f"c{i}" for i in range(len(names))]
            cells = ", ".join(_csv_cell(a, n in text) for a, n in zip(aliases, names, strict=True))
            cursor.execute(
                f"SELECT string_agg(concat_ws(',', {cells}), E'\\n') "  # noqa: S608 - our SQL and aliases
                f"FROM ({sql}) AS q({', '.join(aliases)})",
                params,
            )
            data = cursor.fetchone()[0]
            if not data:
                frame = pd.DataFrame({n: [] for n in names})
            else:
                frame = pd.read_csv(
                    io.StringIO(data), header=None, names=names, dtype=dict.fromkeys(text, object)
                )
        else:
            cursor.execute(sql, params)
            frame = pd.DataFrame.from_records(cursor.fetchall(), columns=names, coerce_float=True)
    for name in text:
        frame[name] = frame[name].fillna("").astype(object)
    for name in names:
        if name not in text and frame[name].dtype == object:  # None in an integer column
            frame[name] = pd.to_numeric(frame[name]).astype(float)
    return frame


def _module_worst(qs, ids, policy_codes, policies, cat: Catalogue, at: dt.date) -> np.ndarray:
    """Per asset, the worst roll-up status of its present modules (judged by the chassis's
    policy), or ""; as ``rules.evaluate`` rolls module statuses up."""
    worst = np.full(len(ids), "", dtype=object)
    links = fetch(
        of_assets(Module.objects.filter(present=True, hardware_model__isnull=False), qs)
        .order_by()
        .values_list("asset_id", "hardware_model_id"),
        ["asset", "model"],
    )
    if not len(links):
        return worst
    models = links["model"].to_numpy(dtype=np.int64)
    position = pd.Index(ids).get_indexer(links["asset"].to_numpy(dtype=np.int64))
    keep = position >= 0
    position, models = position[keep], models[keep]
    codes, keys = _factorize(models, policy_codes[position])
    severity_of = np.array(
        [
            rules.SEVERITY[s]
            if (s := rules.hardware_status(cat.notices.get(m), at, policies[p])) in rules.ROLL_UP
            else -1
            for m, p in keys
        ],
        dtype=np.int64,
    )
    severity = np.full(len(ids), -1, dtype=np.int64)
    np.maximum.at(severity, position, severity_of[codes])
    by_severity = {rules.SEVERITY[s]: s for s in rules.ROLL_UP}
    for level, status in by_severity.items():
        worst[severity == level] = status
    return worst


def _contracts(qs, ids: np.ndarray) -> pd.DataFrame:
    through = of_assets(Contract.assets.through.objects.all(), qs).order_by()
    links = fetch(
        through.values_list(
            "asset_id", EpochDays("contract__start"), EpochDays("contract__end"), "contract__notice_days"
        ),
        ["asset", "start", "end", "notice_days"],
    )
    position = pd.Index(ids).get_indexer(links["asset"].to_numpy(dtype=np.int64))
    keep = position >= 0
    return pd.DataFrame(
        {
            "asset": position[keep].astype(np.int64),
            "start": day_column(links["start"].to_numpy())[keep],
            "end": day_column(links["end"].to_numpy())[keep],
            "notice_days": links["notice_days"].to_numpy(dtype=np.int64)[keep],
        }
    )
