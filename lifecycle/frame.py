"""The lifecycle rules for a whole inventory at once (pandas / numpy). No Django.

``evaluate_frame`` gives, row by row, exactly what ``lifecycle.rules.evaluate`` gives for one
asset (tests compare both on one table of cases and on 10,000 generated assets). Input columns
(one row per asset; dates as datetime64, missing = NaT):

- ``in_service``, ``purchase``, ``first_seen``; ``cost_cents`` (what it cost; int, -1 = unknown),
  ``list_price_cents`` (its model's list price) and ``policy_cost_cents`` (its policy's default
  replacement cost), both -1 when unknown; ``status``: the asset's status (``rules.USAGE``)
- ``has_notice``; per hardware milestone ``hw_<field>`` (date) and ``hw_<field>_reached`` (bool:
  reached, date unknown) for the fields of ``rules.HardwareDates``
- ``has_release``; ``sw_<field>`` / ``sw_<field>_reached`` for the fields of ``rules.SoftwareDates``
- ``module_worst``: the worst roll-up status of the asset's modules, or "" (``rules.ROLL_UP``)
- policy per row: ``service_life_years``, ``depreciation_years``, ``warn_months``, ``out_of_support``

Contracts come as a second frame with ``asset`` (row position), ``start``, ``end``, ``notice_days``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import fields

import numpy as np
import pandas as pd

from lifecycle import periods, rules

HW_FIELDS = [f.name for f in fields(rules.HardwareDates)]
SW_FIELDS = [f.name for f in fields(rules.SoftwareDates)]
DAY = np.timedelta64(1, "D")


def _dates(values) -> np.ndarray:
    return np.array(
        [np.datetime64(v, "D") if isinstance(v, dt.date) else np.datetime64("NaT") for v in values],
        dtype="datetime64[D]",
    )


def to_frames(
    assets: Sequence[rules.AssetFacts], policies: Sequence[rules.Policy] | rules.Policy = rules.DEFAULT_POLICY
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The frames ``evaluate_frame`` reads, built from per-asset facts (tests and small callers;
    the planner builds them from database rows directly)."""
    if isinstance(policies, rules.Policy):
        policies = [policies] * len(assets)
    data: dict[str, object] = {
        "in_service": _dates(a.in_service for a in assets),
        "purchase": _dates(a.purchase for a in assets),
        "first_seen": _dates(a.first_seen for a in assets),
        "cost_cents": np.array(
            [-1 if a.cost is None else int(round(a.cost * 100)) for a in assets], dtype=np.int64
        ),
        "list_price_cents": np.array(
            [-1 if a.list_price is None else int(round(a.list_price * 100)) for a in assets], dtype=np.int64
        ),
        "policy_cost_cents": np.array(
            [-1 if a.policy_cost is None else int(round(a.policy_cost * 100)) for a in assets], dtype=np.int64
        ),
        "status": np.array([a.status for a in assets], dtype=object),
        "has_notice": np.array([a.notice is not None for a in assets]),
        "has_release": np.array([a.release is not None for a in assets]),
        "module_worst": np.array(
            [
                rules.worst(s for _n, s in a.module_statuses if s in rules.ROLL_UP)
                if any(s in rules.ROLL_UP for _n, s in a.module_statuses)
                else ""
                for a in assets
            ],
            dtype=object,
        ),
        "service_life_years": np.array([p.service_life_years for p in policies], dtype=np.int64),
        "depreciation_years": np.array([p.depreciation_years for p in policies], dtype=np.int64),
        "warn_months": np.array([p.warn_months for p in policies], dtype=np.int64),
        "out_of_support": np.array([p.out_of_support for p in policies], dtype=object),
    }
    for prefix, names, attr in (("hw", HW_FIELDS, "notice"), ("sw", SW_FIELDS, "release")):
        for name in names:
            values = [
                getattr(getattr(a, attr), name) if getattr(a, attr) is not None else None for a in assets
            ]
            data[f"{prefix}_{name}"] = _dates(values)
            data[f"{prefix}_{name}_reached"] = np.array([v is True for v in values])
    contracts = [(i, c.start, c.end, c.notice_days) for i, a in enumerate(assets) for c in a.contracts]
    cframe = pd.DataFrame(
        {
            "asset": np.array([c[0] for c in contracts], dtype=np.int64),
            "start": _dates(c[1] for c in contracts),
            "end": _dates(c[2] for c in contracts),
            "notice_days": np.array([c[3] for c in contracts], dtype=np.int64),
        }
    )
    return pd.DataFrame(data, copy=False), cframe


def _add_years(days: np.ndarray, years: np.ndarray) -> np.ndarray:
    """datetime64[D] + whole years, 29 Feb -> 28 Feb in common years (as ``rules.add_years``);
    plain numpy calendar arithmetic (month and day offsets), no per-element Python."""
    days = np.asarray(days, dtype="datetime64[D]")
    valid = ~np.isnat(days)
    out = np.full(days.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    if not valid.any():
        return out
    d = days[valid]
    months = d.astype("datetime64[M]")
    day = (d - months).astype(np.int64)  # 0-based day of the month
    month_index = months.astype(np.int64)  # months since 1970-01
    month = month_index % 12  # 0 = January
    year = month_index // 12 + 1970 + np.asarray(years)[valid].astype(np.int64)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    day = np.where((month == 1) & (day == 28) & ~leap, 27, day)
    out[valid] = ((year - 1970) * 12 + month).astype("datetime64[M]").astype("datetime64[D]") + day
    return out


def _reached(frame: pd.DataFrame, column: str, at: np.datetime64) -> np.ndarray:
    dates = frame[column].to_numpy().astype("datetime64[D]")
    return frame[f"{column}_reached"].to_numpy(dtype=bool) | (~np.isnat(dates) & (dates <= at))


START_SOURCES = np.array(
    [rules.START_IN_SERVICE, rules.START_PURCHASE, rules.START_FIRST_SEEN, ""], dtype=object
)


def service_start(
    in_service: np.ndarray, purchase: np.ndarray, first_seen: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``rules.service_start`` for arrays: the start dates and their source codes (``START_SOURCES``
    positions: 0 in service, 1 purchase, 2 first seen, 3 none)."""
    start = np.where(~np.isnat(in_service), in_service, np.where(~np.isnat(purchase), purchase, first_seen))
    code = np.where(
        ~np.isnat(in_service), 0, np.where(~np.isnat(purchase), 1, np.where(~np.isnat(first_seen), 2, 3))
    )
    return start.astype("datetime64[D]"), code


def replacement_due(
    start: np.ndarray, oos_date: np.ndarray, life_years: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``rules.replacement_due`` for arrays: the replace-by dates (NaT: none) and their basis codes."""
    end_of_life = _add_years(start, life_years)
    has_oos = ~np.isnat(oos_date)
    use_oos = has_oos & (np.isnat(end_of_life) | (oos_date <= end_of_life))
    due = np.where(use_oos, oos_date, end_of_life).astype("datetime64[D]")
    basis = np.where(
        use_oos,
        rules.BASIS_SUPPORT,
        np.where(~np.isnat(end_of_life), rules.BASIS_SERVICE_LIFE, rules.BASIS_NONE),
    ).astype(object)
    return due, basis


def replacement_cost(
    list_cents: np.ndarray, policy_cents: np.ndarray, cost_cents: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``rules.replacement_cost`` for arrays of cents (-1: unknown): the cost and its source."""
    cost = np.where(list_cents >= 0, list_cents, np.where(policy_cents >= 0, policy_cents, cost_cents))
    source = np.select(
        [list_cents >= 0, policy_cents >= 0, cost_cents >= 0],
        [rules.COST_LIST_PRICE, rules.COST_POLICY, rules.COST_PURCHASE],
        default=rules.COST_UNKNOWN,
    ).astype(object)
    return cost.astype(np.int64), source


def usage(status: np.ndarray) -> np.ndarray:
    """``rules.usage`` for an array of asset statuses."""
    return pd.Series(status, dtype=object).map(rules.USAGE).fillna(rules.IN_USE).to_numpy(dtype=object)


def bucket(due: np.ndarray, at: dt.date, group: np.ndarray | None = None, freq: str = "year") -> np.ndarray:
    """``rules.bucket`` for arrays: ``backlog``, the fiscal year or quarter of ``due``
    (``periods``), or None (no date, or not in use when ``group`` is given)."""
    due = np.asarray(due).astype("datetime64[D]")
    out = np.full(due.shape, None, dtype=object)
    has = ~np.isnat(due)
    if group is not None:
        has &= np.asarray(group, dtype=object) == rules.IN_USE
    if not has.any():
        return out
    labels = periods.label_array(due[has], freq)
    labels[due[has] < np.datetime64(at, "D")] = rules.BACKLOG
    out[has] = labels
    return out


def _pick(frame: pd.DataFrame, choice: np.ndarray, suffix: str = "") -> np.ndarray:
    """Per row, the hardware milestone column the row's policy names."""
    first = frame[f"hw_{HW_FIELDS[0]}{suffix}"].to_numpy()
    out = np.empty_like(first)
    out[:] = first
    for name in HW_FIELDS:
        mask = choice == name
        if mask.any():
            out[mask] = frame[f"hw_{name}{suffix}"].to_numpy()[mask]
    return out


def evaluate_frame(frame: pd.DataFrame, contracts: pd.DataFrame, at: dt.date) -> pd.DataFrame:
    """age, hardware, software, coverage, support_ends (the policy's out-of-support milestone, when
    dated), replacement_due, basis, service_start, start_source, book_value_cents, risk,
    replacement_cost_cents and cost_source (-1 / ``unknown`` when unknown), usage and bucket (on
    ``at``, by year) — each column what ``rules.evaluate`` gives for the row."""
    n = len(frame)
    at64 = np.datetime64(at, "D")
    warn = frame["warn_months"].to_numpy()
    horizon = np.empty(n, dtype="datetime64[D]")
    for months in np.unique(warn):
        horizon[warn == months] = np.datetime64(rules.add_months(at, int(months)), "D")

    # hardware
    oos_field = frame["out_of_support"].to_numpy()
    oos_date = _pick(frame, oos_field).astype("datetime64[D]")
    oos_flag = _pick(frame, oos_field, "_reached").astype(bool)
    oos_reached = oos_flag | (~np.isnat(oos_date) & (oos_date <= at64))
    has_oos_date = ~np.isnat(oos_date)
    eosm = _reached(frame, "hw_end_of_sw_maintenance", at64) & (oos_field != "end_of_sw_maintenance")
    hardware = np.select(
        [
            ~frame["has_notice"].to_numpy(dtype=bool),
            oos_reached,
            eosm,
            has_oos_date & (oos_date <= horizon),
            _reached(frame, "hw_end_of_sale", at64),
            has_oos_date,
        ],
        [
            rules.UNKNOWN,
            rules.UNSUPPORTED,
            rules.SECURITY_ONLY,
            rules.MAINTENANCE_ENDING,
            rules.END_OF_SALE,
            rules.SUPPORTED,
        ],
        default=rules.SUPPORTED_NO_END,
    ).astype(object)
    module_worst = frame["module_worst"].to_numpy()
    severity = np.vectorize(rules.SEVERITY.__getitem__, otypes=[np.int64])
    rolled = module_worst != ""
    if rolled.any():
        worse = rolled.copy()
        worse[rolled] = severity(module_worst[rolled]) > severity(hardware[rolled])
        hardware[worse] = module_worst[worse]

    # software
    sec_date = frame["sw_end_of_security_support"].to_numpy().astype("datetime64[D]")
    sec_flag = frame["sw_end_of_security_support_reached"].to_numpy(dtype=bool)
    sec_known = ~np.isnat(sec_date) | sec_flag
    eol_date = frame["sw_end_of_life"].to_numpy().astype("datetime64[D]")
    end_date = np.where(sec_known, sec_date, eol_date)
    end_flag = np.where(sec_known, sec_flag, frame["sw_end_of_life_reached"].to_numpy(dtype=bool))
    end_reached = end_flag | (~np.isnat(end_date) & (end_date <= at64))
    software = np.select(
        [
            ~frame["has_release"].to_numpy(dtype=bool),
            end_reached | _reached(frame, "sw_end_of_life", at64),
            _reached(frame, "sw_end_of_maintenance", at64),
            ~np.isnat(end_date) & (end_date <= horizon),
            ~np.isnat(end_date),
        ],
        [rules.UNKNOWN, rules.UNSUPPORTED, rules.SECURITY_ONLY, rules.MAINTENANCE_ENDING, rules.SUPPORTED],
        default=rules.SUPPORTED_NO_END,
    ).astype(object)

    # contracts: the best state of each asset's contracts
    rank = np.zeros(n, dtype=np.int64)
    if len(contracts):
        start = contracts["start"].to_numpy().astype("datetime64[D]")
        end = contracts["end"].to_numpy().astype("datetime64[D]")
        running = (start <= at64) & (at64 <= end)
        left = (end - at64) / DAY
        state = np.where(
            running, np.where(left <= contracts["notice_days"].to_numpy(), 2, 3), np.where(end < at64, 1, 0)
        )
        np.maximum.at(rank, contracts["asset"].to_numpy(), state)
    coverage = np.array([rules.NONE, rules.EXPIRED, rules.EXPIRING, rules.COVERED], dtype=object)[rank]

    # start of life, age, replacement, book value
    in_service, purchase, first_seen = (
        frame[c].to_numpy().astype("datetime64[D]") for c in ("in_service", "purchase", "first_seen")
    )
    start, start_code = service_start(in_service, purchase, first_seen)
    has_start = ~np.isnat(start)
    days = np.where(has_start, (at64 - np.where(has_start, start, at64)) / DAY, 0).astype(np.int64)
    hundredths = (days * 400 + 730) // 1461  # exactly as rules.age_years
    age_r = np.where(has_start, hundredths / 100, -1.0)
    life = frame["service_life_years"].to_numpy().astype(np.int64)
    due, basis = replacement_due(start, oos_date, life)

    bv_start = np.where(~np.isnat(purchase), purchase, start)
    cost = frame["cost_cents"].to_numpy().astype(np.int64)
    span = (_add_years(bv_start, frame["depreciation_years"].to_numpy()) - bv_start) / DAY
    span = np.nan_to_num(span, nan=1).astype(np.int64)
    used_raw = np.where(~np.isnat(bv_start), (at64 - np.where(~np.isnat(bv_start), bv_start, at64)) / DAY, 0)
    used = np.minimum(used_raw.astype(np.int64), span)
    numerator = cost * (span - np.maximum(used, 0))
    q, r = np.divmod(numerator, span)
    value = np.where(used_raw <= 0, cost, q + (2 * r >= span))
    value = np.where((cost < 0) | np.isnat(bv_start), -1, value)

    # risk
    unsupported = (hardware == rules.UNSUPPORTED) | (software == rules.UNSUPPORTED)
    no_contract = (coverage == rules.NONE) | (coverage == rules.EXPIRED)
    over_life = has_start & (age_r >= life)
    security = (hardware == rules.SECURITY_ONLY) | (software == rules.SECURITY_ONLY)
    ending = (hardware == rules.MAINTENANCE_ENDING) | (software == rules.MAINTENANCE_ENDING)
    near_life = has_start & (age_r >= life - 1)
    risk = np.select(
        [
            unsupported & no_contract,
            unsupported | over_life | (security & no_contract),
            ending
            | security
            | (coverage == rules.EXPIRING)
            | (coverage == rules.EXPIRED)
            | (hardware == rules.UNKNOWN)
            | near_life,
        ],
        [rules.CRITICAL, rules.HIGH, rules.MEDIUM],
        default=rules.LOW,
    ).astype(object)

    replacement, cost_source = replacement_cost(
        frame["list_price_cents"].to_numpy().astype(np.int64),
        frame["policy_cost_cents"].to_numpy().astype(np.int64),
        cost,
    )
    group = usage(frame["status"].to_numpy())
    return pd.DataFrame(
        {
            "age": np.where(has_start, hundredths / 100, np.nan),
            "hardware": hardware,
            "software": software,
            "coverage": coverage,
            "support_ends": oos_date,
            "replacement_due": due,
            "basis": basis,
            "service_start": start,
            "start_source": START_SOURCES[start_code],
            "book_value_cents": value.astype(np.int64),
            "risk": risk,
            "replacement_cost_cents": replacement,
            "cost_source": cost_source,
            "usage": group,
            "bucket": bucket(due, at, group),
        },
        index=frame.index,
        copy=False,
    )
