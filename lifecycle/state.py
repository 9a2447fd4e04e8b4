"""Stored lifecycle answers (``LifecycleState``): computed here, read by lists, filters, the
dashboard, the plan and the API.

Floor 3. ``refresh`` loads the facts of the assets as columns (``lifecycle.facts``), evaluates
them with the vectorised rules (``lifecycle.frame``) and writes the rows whose answers changed —
each row carries a fingerprint of its answers, so a refresh where nothing changed writes nothing.
On PostgreSQL the changed rows go through COPY into a temporary table and one
``INSERT … ON CONFLICT DO UPDATE``; elsewhere through ``bulk_create(update_conflicts=True)``.

Keeping them current (``lifecycle.signals``):
- a change to assets (an edit, discovery, an import) refreshes those assets right after its
  transaction commits (``schedule``): a few milliseconds per asset, in the same request;
- a change that can touch many assets (a policy, a notice, a release, a contract) records a
  ``RefreshRequest`` in its transaction and the refresh runs in the background (``request``):
  as an RQ job when ``REDIS_URL`` is set, else in a thread of this process after the response
  (``LIFECYCLE_REFRESH`` = ``rq`` / ``thread`` / ``inline``). Until it is done pages say that
  figures are being updated (``pending``). ``manage.py lifecycle_refresh`` and the scheduler
  (``schedules run-due``) take whatever is left;
- answers move with the calendar: ``manage.py lifecycle_refresh`` re-evaluates everything for
  today and belongs in a daily job.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterable
from contextlib import contextmanager

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, IntegerField, Max, When
from django.utils import timezone

from inventory.models import Asset
from lifecycle import facts
from lifecycle import frame as lframe
from lifecycle.choices import (
    CostSource,
    Coverage,
    ReplacementBasis,
    Risk,
    StartSource,
    SupportMilestone,
    SupportStatus,
)
from lifecycle.models import LifecycleState, RefreshRequest

log = logging.getLogger(__name__)

CHUNK = 20_000  # assets per round when refreshing a list of ids (bounded memory and query size)
WRITE_LOCK = 0x57455254_4C430001  # pg_advisory_xact_lock key of refresh writes ("WERTLC" 1)
INLINE_MAX = 500  # a catalogue change touching more assets than this refreshes in the background

# the stored columns besides asset, at and computed, in the order written
ANSWERS = [
    "age",
    "hardware_status",
    "software_status",
    "coverage",
    "support_ends",
    "replacement_due",
    "replacement_basis",
    "service_start",
    "start_source",
    "service_life_years",
    "out_of_support",
    "book_value",
    "replacement_cost",
    "cost_source",
    "risk",
]
COLUMNS = ["asset_id", "at", "computed", *ANSWERS, "fingerprint"]
DATES = ("support_ends", "replacement_due", "service_start")
MONEY = ("book_value", "replacement_cost")


def answers(ids: np.ndarray, frame: pd.DataFrame, result: pd.DataFrame) -> pd.DataFrame:
    """The stored columns (``ANSWERS``) of evaluated assets, with each row's fingerprint."""
    rows = pd.DataFrame(
        {
            "asset_id": ids,
            "age": result["age"].to_numpy(),
            "hardware_status": result["hardware"].to_numpy(),
            "software_status": result["software"].to_numpy(),
            "coverage": result["coverage"].to_numpy(),
            "support_ends": result["support_ends"].to_numpy().astype("datetime64[D]"),
            "replacement_due": result["replacement_due"].to_numpy().astype("datetime64[D]"),
            "replacement_basis": result["basis"].to_numpy(),
            "service_start": result["service_start"].to_numpy().astype("datetime64[D]"),
            "start_source": result["start_source"].to_numpy(),
            "service_life_years": frame["service_life_years"].to_numpy(dtype=np.int64),
            "out_of_support": frame["out_of_support"].to_numpy(dtype=object),
            "book_value": result["book_value_cents"].to_numpy(dtype=np.int64),  # cents, -1 unknown
            "replacement_cost": result["replacement_cost_cents"].to_numpy(dtype=np.int64),
            "cost_source": result["cost_source"].to_numpy(),
            "risk": result["risk"].to_numpy(),
        },
        copy=False,
    )
    hashed = pd.util.hash_pandas_object(rows[ANSWERS], index=False).to_numpy()
    rows["fingerprint"] = hashed.view(np.int64)
    return rows


def refresh(queryset=None, at: dt.date | None = None, ids: Iterable[int] | None = None) -> int:
    """Evaluate the assets of ``queryset`` (default: all) or of ``ids`` on ``at`` (default today)
    and store the answers that changed. Returns how many assets were evaluated."""
    at = at or timezone.localdate()
    if ids is None:
        return _refresh(queryset if queryset is not None else Asset.objects.all(), at)
    ids = sorted(set(ids))
    if not ids:
        return 0
    if len(ids) > Asset.objects.count() // 2:  # most of them: read everything, keep the ones asked for
        return _refresh(Asset.objects.all(), at, keep=np.array(ids, dtype=np.int64))
    done = 0
    for start in range(0, len(ids), CHUNK):
        done += _refresh(Asset.objects.filter(pk__in=ids[start : start + CHUNK]), at)
    return done


def _refresh(queryset, at: dt.date, keep: np.ndarray | None = None) -> int:
    ids, frame, contracts = facts.load(at, queryset)
    if keep is not None:
        mask = np.isin(ids, keep)
        if not mask.all():
            positions = np.flatnonzero(mask)
            remap = np.full(len(ids), -1, dtype=np.int64)
            remap[positions] = np.arange(len(positions))
            contracts = contracts[mask[contracts["asset"].to_numpy()]].assign(
                asset=lambda c: remap[c["asset"].to_numpy()]
            )
            ids, frame = ids[mask], frame[mask].reset_index(drop=True)
    if not len(ids):
        return 0
    rows = answers(ids, frame, lframe.evaluate_frame(frame, contracts, at))
    stored = facts.fetch(
        facts.of_assets(LifecycleState.objects.all(), queryset)
        .order_by()
        .values_list(
            "asset_id", "fingerprint", Case(When(at=at, then=1), default=0, output_field=IntegerField())
        ),
        ["asset", "fingerprint", "current"],
    )
    position = pd.Index(stored["asset"].to_numpy(dtype=np.int64)).get_indexer(ids)
    old_fingerprint = stored["fingerprint"].to_numpy(dtype=np.int64)
    old_current = stored["current"].to_numpy(dtype=np.int64) == 1
    found = position >= 0
    changed = ~found
    changed[found] = (
        old_fingerprint[position[found]] != rows["fingerprint"].to_numpy()[found]
    ) | ~old_current[position[found]]
    if changed.any():
        write(rows[changed], at, timezone.now())
    return len(ids)


def write(rows: pd.DataFrame, at: dt.date, computed: dt.datetime) -> None:
    """Upsert rows of ``answers`` (money in cents) as of ``at``."""
    if connection.vendor == "postgresql":
        _copy_upsert(rows, at, computed)
        return
    objs = [
        LifecycleState(
            asset_id=int(r.asset_id),
            at=at,
            computed=computed,
            age=None if np.isnan(r.age) else float(r.age),
            hardware_status=r.hardware_status,
            software_status=r.software_status,
            coverage=r.coverage,
            support_ends=_day(r.support_ends),
            replacement_due=_day(r.replacement_due),
            replacement_basis=r.replacement_basis,
            service_start=_day(r.service_start),
            start_source=r.start_source,
            service_life_years=int(r.service_life_years),
            out_of_support=r.out_of_support,
            book_value=_money(r.book_value),
            replacement_cost=_money(r.replacement_cost),
            cost_source=r.cost_source,
            risk=r.risk,
            fingerprint=int(r.fingerprint),
        )
        for r in rows.itertuples(index=False)
    ]
    existing = set(Asset.objects.filter(pk__in=[o.asset_id for o in objs]).values_list("pk", flat=True))
    with transaction.atomic():
        LifecycleState.objects.bulk_create(
            [o for o in objs if o.asset_id in existing],  # an asset deleted meanwhile has no row
            update_conflicts=True,
            unique_fields=["asset"],
            update_fields=[c for c in COLUMNS if c != "asset_id"],
            batch_size=500,
        )


def _day(value) -> dt.date | None:
    return None if pd.isna(value) else pd.Timestamp(value).date()


def _money(cents_value):
    from decimal import Decimal

    return None if cents_value < 0 else Decimal(int(cents_value)).scaleb(-2)


# --- PostgreSQL: binary COPY of fixed-width rows --------------------------------------------------
#
# Every stored answer is a number, a date or one of a few codes, so each row can travel in
# PostgreSQL's binary COPY format with a fixed width: codes as their position in a list that the
# INSERT turns back into text, dates as days since 2000-01-01, money as cents, NULL as a sentinel
# that the INSERT turns back into NULL. numpy then builds the whole COPY stream at once.

CODES = {
    "hardware_status": [c.value for c in SupportStatus],
    "software_status": [c.value for c in SupportStatus],
    "coverage": [c.value for c in Coverage],
    "replacement_basis": [c.value for c in ReplacementBasis],
    "start_source": [c.value for c in StartSource],
    "out_of_support": [c.value for c in SupportMilestone],
    "cost_source": [c.value for c in CostSource],
    "risk": [c.value for c in Risk],
}
NO_DATE = np.iinfo(np.int32).min
PG_EPOCH = np.datetime64("2000-01-01", "D")
# column -> (binary type in the temporary table, numpy big-endian type)
BINARY = {
    "asset_id": ("bigint", ">i8"),
    "age": ("double precision", ">f8"),
    **{c: ("smallint", ">i2") for c in CODES},
    **{c: ("integer", ">i4") for c in DATES},
    "service_life_years": ("smallint", ">i2"),
    **{c: ("bigint", ">i8") for c in MONEY},
    "fingerprint": ("bigint", ">i8"),
}
COPIED = ["asset_id", *ANSWERS, "fingerprint"]  # ``at`` and ``computed`` are the same for every row
HEADER = b"PGCOPY\n\xff\r\n\x00" + np.array([0, 0], dtype=">i4").tobytes()
TRAILER = np.array([-1], dtype=">i2").tobytes()


def _binary_values(rows: pd.DataFrame, column: str) -> np.ndarray:
    values = rows[column]
    if column in CODES:
        codes = pd.Categorical(values.to_numpy(dtype=object), categories=CODES[column]).codes
        if (codes < 0).any():
            unknown = sorted(set(values[codes < 0]))
            raise ValueError(f"{column}: {unknown} are not codes of {CODES[column]}")
        return codes.astype(np.int16)
    if column in DATES:
        day = values.to_numpy().astype("datetime64[D]")
        return np.where(np.isnat(day), NO_DATE, (day - PG_EPOCH).astype(np.int64)).astype(np.int32)
    return values.to_numpy()


def _copy_binary(rows: pd.DataFrame) -> bytes:
    """The rows as PostgreSQL binary COPY data, built with one numpy structured array."""
    layout = [("fields", ">i2")]
    for i, column in enumerate(COPIED):
        layout += [(f"len{i}", ">i4"), (column, BINARY[column][1])]
    table = np.empty(len(rows), dtype=np.dtype(layout))
    table["fields"] = len(COPIED)
    for i, column in enumerate(COPIED):
        table[f"len{i}"] = np.dtype(BINARY[column][1]).itemsize
        table[column] = _binary_values(rows, column)
    return HEADER + table.tobytes() + TRAILER


def _select(column: str, qn) -> str:
    """The SQL that turns a binary column of the temporary table back into the stored value."""
    source = f"n.{qn(column)}"
    if column in CODES:
        return f"(%s::text[])[{source} + 1]"
    if column in DATES:
        return f"DATE '2000-01-01' + NULLIF({source}, {NO_DATE})"
    if column in MONEY:
        return f"NULLIF({source}, -1)::numeric / 100"
    if column == "age":
        return f"NULLIF({source}, 'NaN'::double precision)"
    return source


def _copy_upsert(rows: pd.DataFrame, at: dt.date, computed: dt.datetime) -> None:
    qn = connection.ops.quote_name
    meta = LifecycleState._meta
    table = qn(meta.db_table)
    assets = qn(Asset._meta.db_table)
    temp = "werterhalt_lifecycle_state_new"
    definition = ", ".join(f"{qn(c)} {BINARY[c][0]}" for c in COPIED)
    targets, values, params = [], [], []
    for column in COLUMNS:
        targets.append(qn(meta.get_field(column).column))
        if column in ("at", "computed"):
            values.append("%s")
            params.append(at if column == "at" else computed)
        else:
            values.append(_select(column, qn))
            if column in CODES:
                params.append(CODES[column])
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in targets[1:])
    assigned = ", ".join(f"{c} = {v}" for c, v in zip(targets[1:], values[1:], strict=True))
    data = _copy_binary(rows)
    asset_id = qn("asset_id")
    with transaction.atomic(), connection.cursor() as cursor:
        # One refresh writes at a time (any process): two refreshes over the same assets would
        # otherwise lock their rows in the join's order and could deadlock. A write takes ~1 s
        # for 100,000 assets; the next one waits for it.
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
        cursor.execute(f"DROP TABLE IF EXISTS {temp}")
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} ({definition})")
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(
                f"COPY {temp} ({', '.join(qn(c) for c in COPIED)}) FROM STDIN WITH (FORMAT binary)"
            ) as copy,
        ):
            copy.write(data)
        # identifiers only, from the model and quoted; values through COPY and parameters.
        # Rows that exist are updated in place (~30 % faster than INSERT … ON CONFLICT for
        # 100,000); new rows are inserted — an asset deleted since its facts were read has no
        # row (the join leaves it out).
        cursor.execute(
            f"UPDATE {table} t SET {assigned} FROM {temp} n "  # noqa: S608
            f"WHERE t.{asset_id} = n.{asset_id}",
            params,  # asset_id, the first column, takes none
        )
        if cursor.rowcount < len(rows):
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(targets)}) SELECT {', '.join(values)} "  # noqa: S608
                f"FROM {temp} n JOIN {assets} a ON a.id = n.{asset_id} "
                f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.{asset_id} = n.{asset_id}) "
                f"ON CONFLICT ({asset_id}) DO UPDATE SET {updates}",
                params,
            )
        cursor.execute(f"DROP TABLE {temp}")


def version() -> tuple:
    """Changes whenever the stored answers or the set of assets change (two indexed queries), for
    caches of figures computed from them — shared by every process, whatever the cache backend."""
    latest = LifecycleState.objects.aggregate(latest=Max("computed"))["latest"]
    return (latest.isoformat() if latest else "", Asset.objects.count())


def as_of() -> dt.date | None:
    """The oldest day the stored answers were computed for (None when none are stored)."""
    return LifecycleState.objects.order_by("at").values_list("at", flat=True).first()


# --- keeping the stored answers current -----------------------------------------------------------

ALL = "all"
_local = threading.local()


def _pending() -> dict:
    if not hasattr(_local, "pending"):
        _local.pending = {"ids": set(), "all": False, "deferred": 0}
    return _local.pending


def _flush() -> None:
    pending = _pending()
    ids, everything = pending["ids"], pending["all"]
    pending.update(ids=set(), all=False)
    if everything:
        refresh()
    elif ids:
        refresh(ids=ids)


def schedule(asset_ids: Iterable[int] | str) -> None:
    """Refresh these assets (or ``ALL``) once the current transaction commits, in this thread."""
    pending = _pending()
    if asset_ids == ALL:
        pending["all"] = True
    else:
        pending["ids"].update(i for i in asset_ids if i is not None)
    if not pending["deferred"]:
        # one callback per call: the first to run takes everything pending, the rest find nothing;
        # ids left by a transaction that rolled back are refreshed with the next one (harmless)
        transaction.on_commit(_flush)


@contextmanager
def deferred():
    """Collect every refresh asked for inside the block and run it once at its end."""
    pending = _pending()
    pending["deferred"] += 1
    try:
        yield
    finally:
        pending["deferred"] -= 1
        if not pending["deferred"]:
            _flush()


def request(asset_ids: Iterable[int] | str, reason: str = "") -> None:
    """Refresh these assets (or ``ALL``) soon, in the background when they are many: a few
    (``INLINE_MAX``) refresh after commit as ``schedule`` does; more are recorded as a
    ``RefreshRequest`` in the current transaction and dispatched after it commits."""
    if asset_ids != ALL:
        asset_ids = sorted({i for i in asset_ids if i is not None})
        if len(asset_ids) <= INLINE_MAX:
            if asset_ids:
                schedule(asset_ids)
            return
    RefreshRequest.objects.create(
        everything=asset_ids == ALL, asset_ids=[] if asset_ids == ALL else asset_ids, reason=reason[:100]
    )
    transaction.on_commit(dispatch)


def pending() -> bool:
    """Are figures being updated (a refresh request not yet done)?"""
    return RefreshRequest.objects.exists()


def mode() -> str:
    """How background refreshes run: ``rq`` (REDIS_URL set), ``thread`` or ``inline``."""
    configured = getattr(settings, "LIFECYCLE_REFRESH", "") or ""
    if configured:
        return configured
    return "rq" if getattr(settings, "REDIS_URL", "") else "thread"


def dispatch() -> None:
    """Start the refresh of the pending requests in the background (see ``mode``)."""
    how = mode()
    if how == "rq":
        try:
            import django_rq

            django_rq.get_queue(getattr(settings, "LIFECYCLE_QUEUE", "default")).enqueue(
                "lifecycle.state.run_pending", job_timeout=3600
            )
            return
        except Exception as exc:  # Redis down: do it here rather than not at all
            log.warning("lifecycle refresh: no queue (%s); refreshing in this process", exc)
            how = "thread"
    if how == "thread":
        threading.Thread(target=_run_in_thread, name="lifecycle-refresh", daemon=False).start()
    else:
        run_pending()


def _run_in_thread() -> None:
    try:
        run_pending()
    except Exception:
        log.exception("lifecycle refresh failed; the requests stay for the next run")
    finally:
        connection.close()  # this thread's own connection


_running = threading.Lock()


def run_pending(at: dt.date | None = None) -> int:
    """Take every pending refresh request, refresh what they ask for, delete them; again while new
    ones arrived meanwhile. One at a time per process. Returns the assets evaluated."""
    done = 0
    with _running:
        while True:
            requests = list(RefreshRequest.objects.order_by("pk")[:1000])
            if not requests:
                return done
            if any(r.everything for r in requests):
                done += refresh(at=at)
            else:
                done += refresh(ids={i for r in requests for i in r.asset_ids}, at=at)
            RefreshRequest.objects.filter(pk__in=[r.pk for r in requests]).delete()
