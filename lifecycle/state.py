"""Stored lifecycle answers (``LifecycleState``): computed here, read by lists, filters, the
dashboard and the API.

Floor 3. ``refresh`` evaluates assets with the vectorised rules (``lifecycle.frame``) and upserts
their rows. ``lifecycle.signals`` calls ``schedule`` whenever something an answer depends on
changes (an asset, its modules or contracts, a notice, a release, a policy); the refresh runs once
per transaction, after it commits. ``deferred()`` batches a long run of changes (discovery, imports)
into one refresh at its end. Answers move with the calendar as well: ``manage.py
lifecycle_refresh`` re-evaluates everything for today and belongs in a daily job.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from contextlib import contextmanager
from decimal import Decimal

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import timezone

from inventory.models import Asset
from lifecycle import assess
from lifecycle import frame as lframe
from lifecycle.models import LifecycleState

BATCH = 5000
FIELDS = [
    "at", "computed", "age", "hardware_status", "software_status", "coverage", "support_ends",
    "replacement_due", "replacement_reason", "book_value", "risk",
]


def _day(value) -> dt.date | None:
    return None if pd.isna(value) else pd.Timestamp(value).date()


def refresh(queryset=None, at: dt.date | None = None) -> int:
    """Evaluate the assets of ``queryset`` (default: all) on ``at`` (default today) and store the
    answers. Returns how many assets were evaluated."""
    at = at or timezone.localdate()
    now = timezone.now()
    base = queryset if queryset is not None else Asset.objects.all()
    ids = list(base.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        items = assess.collect(Asset.objects.filter(pk__in=chunk), at)
        if not items:
            continue
        frame, contracts = lframe.to_frames([i.facts for i in items], [i.policy for i in items])
        result = lframe.evaluate_frame(frame, contracts, at)
        rows = []
        for item, row in zip(items, result.itertuples(index=False), strict=True):
            cents = int(row.book_value_cents)
            rows.append(
                LifecycleState(
                    asset_id=item.asset_id,
                    at=at,
                    computed=now,
                    age=None if np.isnan(row.age) else float(row.age),
                    hardware_status=row.hardware,
                    software_status=row.software,
                    coverage=row.coverage,
                    support_ends=_day(row.support_ends),
                    replacement_due=_day(row.replacement_due),
                    replacement_reason=row.replacement_reason[:200],
                    book_value=None if cents < 0 else Decimal(cents) / 100,
                    risk=row.risk,
                )
            )
        with transaction.atomic():
            LifecycleState.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["asset"], update_fields=FIELDS, batch_size=1000
            )
    return len(ids)


def version() -> tuple:
    """Changes whenever the stored answers or the set of assets change (two indexed queries), for
    caches of figures computed from them — shared by every process, whatever the cache backend."""
    from django.db.models import Max

    latest = LifecycleState.objects.aggregate(latest=Max("computed"))["latest"]
    return (latest.isoformat() if latest else "", Asset.objects.count())


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
        refresh(Asset.objects.filter(pk__in=ids))


def schedule(asset_ids: Iterable[int] | str) -> None:
    """Refresh these assets (or ``ALL``) once the current transaction commits."""
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
