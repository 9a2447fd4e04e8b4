"""The strategic monitoring's snapshots (``KpiSnapshot``): the KPIs of every org unit (its whole
subtree) and of the whole city on one day, taken monthly, and rebuilt for past months from the
change log (docs/snapshots.md).

Floor 3. Every KPI is a figure over the per-asset answers of ``lifecycle.figures.answers`` (the
stored ones when they are those of the day, else evaluated with the same vectorised rules) with
``figures``' definitions: the assets *in use* (``rules.USAGE``), out of support
(``figures.OUT_OF_SUPPORT``), the backlog (``rules.BACKLOG``, the bucket before the day), money
in whole cents with unknown costs left out, shares as ``figures`` rounds them. One pass of numpy
over the assets gives the figures per org unit; the org-unit tree (a city has tens to hundreds
of units) rolls them up, as ``figures.by_unit_tree`` does.

- ``compute(at, queryset)``: the figures, nothing written;
- ``take(at)``: writes the rows of ``at`` in one transaction; a second run of the same day
  replaces them (same values, no duplicates); every org unit gets a row, zeros when it has no
  assets, so that trends have no holes;
- ``backfill(since, until)``: the last day of each past month, with the assets and their fields
  as the change log says they were on that day, evaluated with today's lifecycle data (notices,
  releases, policies, contracts, modules, the hardware models' category and list price, the
  org-unit tree). Months before the change log's first record are not rebuilt; a snapshot taken
  on the day is never replaced by a rebuilt one.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F, Min
from django.db.models.fields.json import KT
from django.utils import timezone

from inventory.choices import ChangeAction
from inventory.models import Asset, HardwareModel, ObjectChange, OrgUnit
from lifecycle import facts, figures, rules
from lifecycle import frame as lframe
from lifecycle.assess import Catalogue
from lifecycle.models import KpiSnapshot

log = logging.getLogger(__name__)

DUE_YEARS = (1, 3, 5)  # "due within N years": at <= replacement_due <= rules.add_months(at, 12 N)
NOT_SEEN_DAYS = 30  # "not seen for 30 days": last seen (local day) before at - 30 days
WRITE_LOCK = 0x57455254_534E0001  # pg_advisory_xact_lock key of snapshot writes ("WERTSN" 1)
RISKS = (rules.LOW, rules.MEDIUM, rules.HIGH, rules.CRITICAL)

# the figures summed per asset, in this order (counts, or whole cents for *_cents)
_SUMS = [
    "assets_in_use",
    "hw_out_count",
    "sw_out_count",
    "no_contract_count",
    "backlog_count",
    "value_cents",
    "hw_out_cents",
    "sw_out_cents",
    "backlog_cents",
    *(f"due_{n}y_cents" for n in DUE_YEARS),
    "book_cents",
    "age_known",
    "age_hundredths",
    *(f"risk_{r}" for r in RISKS),
    "not_seen",
]
KPIS = [  # the figures of a KpiSnapshot row, as compute() returns them
    "assets_in_use",
    "hw_out_count",
    "hw_out_share",
    "hw_out_value_share",
    "sw_out_count",
    "sw_out_share",
    "sw_out_value_share",
    "no_contract_count",
    "no_contract_share",
    "backlog_count",
    "backlog_cost",
    *(f"due_{n}y_cost" for n in DUE_YEARS),
    "book_value",
    "replacement_value",
    "average_age",
    *(f"risk_{r}" for r in RISKS),
    "not_seen_30d",
]


# --- the figures ---------------------------------------------------------------------------------


def compute(at: dt.date, queryset=None) -> dict[int | None, dict]:
    """The KPIs on ``at`` of the assets of ``queryset`` (default: all): ``{org unit id: {field:
    value}}`` for every org unit (its whole subtree; zeros without assets) and ``None`` for the
    whole city (every asset, also those without an org unit). Nothing is written."""
    qs = queryset if queryset is not None else Asset.objects.all()
    frame = figures.answers(at, qs)
    extra = facts.fetch(
        qs.order_by().values_list("pk", "org_unit_id", facts.local_day("last_seen")),
        ["asset_id", "org_unit_id", "last_seen"],
    )
    position = pd.Index(extra["asset_id"].to_numpy(dtype=np.int64)).get_indexer(
        frame["asset_id"].to_numpy(dtype=np.int64)
    )
    units = extra["org_unit_id"].to_numpy(dtype=float)[position]
    seen = facts.day_column(extra["last_seen"].to_numpy(dtype=float)[position])
    return kpis(frame, units, at, seen)


def kpis(frame: pd.DataFrame, units: np.ndarray, at: dt.date, seen: np.ndarray | None) -> dict:
    """The KPIs of a frame of per-asset answers (``figures.answers``' columns) whose org units are
    ``units`` (float, NaN: none) and last sightings ``seen`` (datetime64[D], NaT: never; None: not
    known, ``not_seen_30d`` is NULL): per org unit with its subtree, and the city (``None``)."""
    used = (frame["usage"].to_numpy(dtype=object) == rules.IN_USE)
    n = len(frame)
    day = np.datetime64(at, "D")
    cost = frame["cost_cents"].to_numpy(dtype=np.int64)
    cost = np.where(cost >= 0, cost, 0)  # unknown costs count nowhere, as in figures.totals
    book = frame["book_value_cents"].to_numpy(dtype=np.int64)
    book = np.where(book >= 0, book, 0)
    hw_out = np.isin(frame["hardware_status"].to_numpy(dtype=object), figures.OUT_OF_SUPPORT)
    sw_out = np.isin(frame["software_status"].to_numpy(dtype=object), figures.OUT_OF_SUPPORT)
    backlog = frame["bucket"].to_numpy(dtype=object) == rules.BACKLOG
    due = frame["replacement_due"].to_numpy().astype("datetime64[D]")
    known_due = ~np.isnat(due)
    age = frame["age"].to_numpy(dtype=float)
    known_age = ~np.isnan(age)
    risk = frame["risk"].to_numpy(dtype=object)
    columns = {
        "assets_in_use": np.ones(n, dtype=np.int64),
        "hw_out_count": hw_out,
        "sw_out_count": sw_out,
        "no_contract_count": frame["coverage"].to_numpy(dtype=object) == rules.NONE,
        "backlog_count": backlog,
        "value_cents": cost,
        "hw_out_cents": np.where(hw_out, cost, 0),
        "sw_out_cents": np.where(sw_out, cost, 0),
        "backlog_cents": np.where(backlog, cost, 0),
        "book_cents": book,
        "age_known": known_age,
        "age_hundredths": np.where(known_age, np.round(np.nan_to_num(age) * 100), 0),
        "not_seen": np.zeros(n, dtype=bool) if seen is None else (
            ~np.isnat(seen) & (seen < day - np.timedelta64(NOT_SEEN_DAYS, "D"))
        ),
    }
    for years in DUE_YEARS:
        until = np.datetime64(rules.add_months(at, 12 * years), "D")
        within = known_due & (due >= day) & (due <= until)
        columns[f"due_{years}y_cents"] = np.where(within, cost, 0)
    for level in RISKS:
        columns[f"risk_{level}"] = risk == level
    values = np.column_stack([np.asarray(columns[c]).astype(np.int64) for c in _SUMS]) if n else (
        np.zeros((0, len(_SUMS)), dtype=np.int64)
    )
    values = values[used]
    unit_of = np.asarray(units, dtype=float)[used]

    parents = dict(OrgUnit.objects.values_list("pk", "parent_id"))
    ids = list(parents)
    index = {pk: i for i, pk in enumerate(ids)}
    direct = np.zeros((len(ids), len(_SUMS)), dtype=np.int64)
    has_unit = ~np.isnan(unit_of)
    if has_unit.any():  # the sums per unit of the assets, then into the tree's order
        uniques, inverse = np.unique(unit_of[has_unit], return_inverse=True)
        sums = np.zeros((len(uniques), len(_SUMS)), dtype=np.int64)
        np.add.at(sums, inverse.ravel(), values[has_unit])
        codes = np.array([index.get(int(u), -1) for u in uniques], dtype=np.int64)
        keep = codes >= 0  # a unit no longer in the tree (backfill): in the city only
        np.add.at(direct, codes[keep], sums[keep])
    # every unit adds its own assets to itself and each unit above it
    pairs = [(index[pk], index[a]) for pk in ids for a in _ancestors(pk, parents) if a in index]
    rolled = np.zeros_like(direct)
    if pairs:
        below, above = np.array(pairs, dtype=np.int64).T
        np.add.at(rolled, above, direct[below])
    result = {pk: _row(rolled[index[pk]], seen is not None) for pk in ids}
    result[None] = _row(values.sum(axis=0), seen is not None)
    return result


def _ancestors(unit: int, parents: dict[int, int | None]) -> list[int]:
    """The unit and every unit above it (a cycle stops the walk)."""
    found, node = [], unit
    while node is not None and node not in found:
        found.append(node)
        node = parents.get(node)
    return found


def _row(sums: np.ndarray, seen: bool) -> dict:
    s = {name: int(v) for name, v in zip(_SUMS, sums, strict=True)}
    count, value = s["assets_in_use"], s["value_cents"]
    share = figures._share
    row = {
        "assets_in_use": count,
        "hw_out_count": s["hw_out_count"],
        "hw_out_share": share(s["hw_out_count"], count),
        "hw_out_value_share": share(s["hw_out_cents"], value),
        "sw_out_count": s["sw_out_count"],
        "sw_out_share": share(s["sw_out_count"], count),
        "sw_out_value_share": share(s["sw_out_cents"], value),
        "no_contract_count": s["no_contract_count"],
        "no_contract_share": share(s["no_contract_count"], count),
        "backlog_count": s["backlog_count"],
        "backlog_cost": figures._money(s["backlog_cents"]),
        **{f"due_{n}y_cost": figures._money(s[f"due_{n}y_cents"]) for n in DUE_YEARS},
        "book_value": figures._money(s["book_cents"]),
        "replacement_value": figures._money(value),
        "average_age": _mean_age(s["age_hundredths"], s["age_known"]),
        **{f"risk_{r}": s[f"risk_{r}"] for r in RISKS},
        "not_seen_30d": s["not_seen"] if seen else None,
    }
    return row


def _mean_age(hundredths: int, known: int) -> float | None:
    """The mean of ``known`` ages summing to ``hundredths`` hundredths of a year, in years to the
    hundredth (half up: the same on every machine); None when no age is known."""
    if not known:
        return None
    return float((Decimal(hundredths) / known / 100).quantize(figures.CENT, rounding=ROUND_HALF_UP))


# --- writing ----------------------------------------------------------------------------------------


def take(at: dt.date, *, backfilled: bool = False, figures_of: dict | None = None) -> int:
    """Write the snapshot of ``at`` (``compute(at)``, or ``figures_of``) in one transaction: one
    row per org unit and one for the city, replacing any rows of that day. A rebuilt snapshot
    (``backfilled``) never replaces one taken on the day: then nothing is written and 0 returned.
    Returns the number of rows written."""
    kpis_ = compute(at) if figures_of is None else figures_of
    now = timezone.now()
    rows = [
        KpiSnapshot(at=at, org_unit_id=unit, backfilled=backfilled, computed=now, **values)
        for unit, values in kpis_.items()
    ]
    with transaction.atomic():
        if connection.vendor == "postgresql":  # two snapshots of one day at once: one after the other
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
        existing = KpiSnapshot.objects.filter(at=at)
        if backfilled and existing.filter(backfilled=False).exists():
            return 0
        existing.delete()
        KpiSnapshot.objects.bulk_create(rows)
    return len(rows)


# --- rebuilding past months from the change log ---------------------------------------------------


def month_ends(since: dt.date, until: dt.date) -> list[dt.date]:
    """The last day of each month from ``since``'s month while it is not after ``until``."""
    found, day = [], _month_end(since)
    while day <= until:
        found.append(day)
        day = _month_end(rules.add_months(day.replace(day=1), 1))
    return found


def _month_end(day: dt.date) -> dt.date:
    return rules.add_months(day.replace(day=1), 1) - dt.timedelta(days=1)


def last_complete_month(today: dt.date | None = None) -> dt.date:
    """The last day of the month before ``today``'s (default: today)."""
    return (today or timezone.localdate()).replace(day=1) - dt.timedelta(days=1)


def log_start() -> dt.date | None:
    """The local day of the change log's first record (None: the log is empty)."""
    first = ObjectChange.objects.aggregate(first=Min("time"))["first"]
    return timezone.localdate(first) if first is not None else None


def backfill(since: dt.date, until: dt.date | None = None, today: dt.date | None = None) -> list[dt.date]:
    """Rebuild the snapshots of the last day of each month from ``since``'s month to the last
    complete month before ``today`` (or to ``until`` when earlier), from the change log (see the
    module's docstring for what is taken as known today). Months ending before the log's first
    record are not rebuilt, nor those with a snapshot taken on the day. Returns the days written."""
    last = last_complete_month(today)
    if until is not None:
        last = min(last, until)
    start = log_start()
    days = [d for d in month_ends(since, last) if start is not None and d >= start]
    if not days:
        return []
    kept = set(KpiSnapshot.objects.filter(at__in=days, backfilled=False).values_list("at", flat=True))
    days = [d for d in days if d not in kept]
    if not days:
        return []
    history = History.load()
    cat = Catalogue()
    written = []
    for day in days:
        raw = history.on(day)
        ids, frame, contracts = _facts(raw, day, cat)
        result = lframe.evaluate_frame(frame, contracts, day) if len(ids) else _empty_result()
        answers = pd.DataFrame(
            {
                "usage": result["usage"].to_numpy(dtype=object),
                "hardware_status": result["hardware"].to_numpy(dtype=object),
                "software_status": result["software"].to_numpy(dtype=object),
                "coverage": result["coverage"].to_numpy(dtype=object),
                "replacement_due": result["replacement_due"].to_numpy().astype("datetime64[D]"),
                "cost_cents": result["replacement_cost_cents"].to_numpy(dtype=np.int64),
                "book_value_cents": result["book_value_cents"].to_numpy(dtype=np.int64),
                "age": result["age"].to_numpy(dtype=float),
                "risk": result["risk"].to_numpy(dtype=object),
                "bucket": result["bucket"].to_numpy(dtype=object),
            }
        )
        units = raw["org_unit_id"].to_numpy(dtype=float)
        if take(day, backfilled=True, figures_of=kpis(answers, units, day, None)):
            written.append(day)
    return written


def _empty_result() -> pd.DataFrame:
    names = ["usage", "hardware", "software", "coverage", "risk", "bucket", "replacement_due",
             "replacement_cost_cents", "book_value_cents", "age"]
    return pd.DataFrame({n: [] for n in names})


# the asset fields the rules read, as the change log holds them (attnames)
_LOGGED = ["status", "org_unit_id", "hardware_model_id", "platform_id", "software_version",
           "purchase_date", "in_service_date", "purchase_cost", "first_seen"]


class History:
    """Every asset's versions from the change log: from which local day on it held which fields
    (or was deleted). An asset whose first record is not its creation existed before the log
    with the fields its first record had before; an asset without any record has had its fields
    of today since before the log."""

    def __init__(self, versions: pd.DataFrame):
        self.versions = versions  # asset, day (epoch days), order, deleted, _LOGGED columns

    @classmethod
    def load(cls) -> History:
        """The versions of every asset (one query for the log, one for the assets without
        records)."""
        ct = ContentType.objects.get_for_model(Asset)
        columns = {"asset": F("object_id"), "day": facts.local_day("time"), "order": F("pk"),
                   "action": F("action")}
        for name in _LOGGED:
            columns[f"post_{name}"] = KT(f"postchange_data__{name}")
            columns[f"pre_{name}"] = KT(f"prechange_data__{name}")
        text = tuple(c for c in columns if c != "asset" and c != "day" and c != "order")
        log_ = facts.fetch(
            ObjectChange.objects.filter(content_type=ct).order_by().values_list(*columns.values()),
            list(columns),
            text=text,
        )
        log_ = log_.sort_values(["asset", "day", "order"], kind="stable").reset_index(drop=True)
        after = pd.DataFrame(
            {
                "asset": log_["asset"].to_numpy(dtype=np.int64),
                "day": log_["day"].to_numpy(dtype=np.int64),
                "order": log_["order"].to_numpy(dtype=np.int64),
                "deleted": (log_["action"] == ChangeAction.DELETE).to_numpy(),
                **{name: log_[f"post_{name}"].to_numpy(dtype=object) for name in _LOGGED},
            }
        )
        # before the first record of an asset that was not created in it: its fields before
        first = log_.drop_duplicates("asset", keep="first")
        first = first[first["action"] != ChangeAction.CREATE]
        before = pd.DataFrame(
            {
                "asset": first["asset"].to_numpy(dtype=np.int64),
                "day": np.full(len(first), np.iinfo(np.int64).min, dtype=np.int64),
                "order": np.zeros(len(first), dtype=np.int64),
                "deleted": np.zeros(len(first), dtype=bool),
                **{name: first[f"pre_{name}"].to_numpy(dtype=object) for name in _LOGGED},
            }
        )
        # assets without any record: as they are today, since before the log
        logged = set(log_["asset"].astype(np.int64).tolist())
        current = Asset.objects.order_by().values_list("pk", *_LOGGED)
        unlogged = [row for row in current if row[0] not in logged]
        today = pd.DataFrame(
            {
                "asset": np.array([r[0] for r in unlogged], dtype=np.int64),
                "day": np.full(len(unlogged), np.iinfo(np.int64).min, dtype=np.int64),
                "order": np.zeros(len(unlogged), dtype=np.int64),
                "deleted": np.zeros(len(unlogged), dtype=bool),
                **{
                    name: np.array([_logged_text(r[i + 1]) for r in unlogged], dtype=object)
                    for i, name in enumerate(_LOGGED)
                },
            }
        )
        versions = pd.concat([before, after, today], ignore_index=True)
        return cls(versions.sort_values(["asset", "day", "order"], kind="stable").reset_index(drop=True))

    def on(self, day: dt.date) -> pd.DataFrame:
        """The assets that existed at the end of ``day`` with their fields, as ``facts.load``'s
        query reads them (``facts.ASSET_COLUMNS``; category and list price of today's models)."""
        v = self.versions
        v = v[v["day"].to_numpy() <= _days(day)].drop_duplicates("asset", keep="last")
        v = v[~v["deleted"].to_numpy(dtype=bool)]
        models = pd.DataFrame.from_records(
            list(HardwareModel.objects.values_list("pk", "category", facts.Cents("list_price"))),
            columns=["pk", "category", "list_price_cents"],
        )
        model = _number(v["hardware_model_id"])
        where = pd.Index(models["pk"].to_numpy(dtype=np.int64)).get_indexer(np.nan_to_num(model, nan=-1))
        found = where >= 0
        category = np.full(len(v), "", dtype=object)
        price = np.full(len(v), np.nan)
        category[found] = models["category"].to_numpy(dtype=object)[where[found]]
        price[found] = pd.to_numeric(models["list_price_cents"]).to_numpy(dtype=float)[where[found]]
        return pd.DataFrame(
            {
                "pk": v["asset"].to_numpy(dtype=np.int64),
                "status": _text(v["status"]),
                "in_service": _epoch(v["in_service_date"]),
                "purchase": _epoch(v["purchase_date"]),
                "first_seen": _local_epoch(v["first_seen"]),
                "cost_cents": np.round(_number(v["purchase_cost"]) * 100),
                "hardware_model_id": np.where(found, model, np.nan),
                "category": category,
                "list_price_cents": price,
                "platform_id": _number(v["platform_id"]),
                "software_version": _text(v["software_version"]),
                "org_unit_id": _number(v["org_unit_id"]),
            }
        )


def _logged_text(value):
    """A field of today as the change log's JSON holds it, read back as text."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _days(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days


def _text(values: pd.Series) -> np.ndarray:
    return np.array(["" if v is None or v != v else str(v) for v in values], dtype=object)


def _number(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(pd.Series(values, dtype=object).replace("", None), errors="coerce").to_numpy(
        dtype=float
    )


def _epoch(values: pd.Series) -> np.ndarray:
    """ISO dates (text, None) as days since 1970 (float, NaN for none)."""
    parsed = pd.to_datetime(pd.Series(values, dtype=object), format="%Y-%m-%d", errors="coerce")
    return _to_days(parsed)


def _local_epoch(values: pd.Series) -> np.ndarray:
    """ISO timestamps as the local day (settings.TIME_ZONE) in days since 1970."""
    parsed = pd.to_datetime(pd.Series(values, dtype=object), utc=True, errors="coerce", format="ISO8601")
    local = parsed.dt.tz_convert(timezone.get_default_timezone_name()).dt.tz_localize(None)
    return _to_days(local)


def _to_days(parsed: pd.Series) -> np.ndarray:
    days = parsed.to_numpy().astype("datetime64[D]")
    out = days.astype(np.int64).astype(float)
    out[np.isnat(days)] = np.nan
    return out


def _facts(raw: pd.DataFrame, at: dt.date, cat: Catalogue):
    """``facts.load`` after its query, over assets whose ``facts.ASSET_COLUMNS`` are ``raw`` (rebuilt
    from the change log): ``(ids, frame, contracts)``. Modules and contract links are today's (no
    filter: the links of the ids in the frame are kept)."""
    return facts.build(raw, at, Asset.objects.all(), cat)
