"""The case table of tests/lifecycle/cases.py against every face: rules (one asset at a time),
frame (vectorised), the stored state after a refresh, the aggregates (both twins of
lifecycle.figures), the plan and the API. The same cost and source, replace-by date and basis,
service start, hardware status, usage and bucket for every case."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from django.utils import timezone

from inventory.models import Asset
from lifecycle import assess, facts, figures, planning, rules, state
from lifecycle import frame as lframe
from lifecycle.models import HardwareNotice, LifecyclePolicy, LifecycleState
from tests.api.conftest import make_user, token_client
from tests.factories import AssetFactory, HardwareModelFactory
from tests.lifecycle.cases import AT, CASES, POLICY_CATEGORY, POLICY_COST

pytestmark = pytest.mark.django_db
FIELDS = ("cost", "cost_source", "due", "basis", "start", "start_source", "hardware", "usage", "bucket")


@pytest.fixture
def assets():
    LifecyclePolicy.objects.create(category=POLICY_CATEGORY, replacement_cost=POLICY_COST)
    made = {}
    for case in CASES:
        model = None
        if case.with_model:
            model = HardwareModelFactory(category=case.category, list_price=case.list_price)
            if case.last_date_of_support:
                HardwareNotice.objects.create(
                    last_date_of_support=case.last_date_of_support
                ).hardware_models.add(model)
        first_seen = None
        if case.first_seen:
            first_seen = timezone.make_aware(dt.datetime.combine(case.first_seen, dt.time(12)))
        made[case.name] = AssetFactory(
            name=case.name,
            hardware_model=model,
            status=case.status,
            purchase_date=case.purchase,
            in_service_date=case.in_service,
            first_seen=first_seen,
            purchase_cost=case.purchase_cost,
            **({} if case.with_model else {"serial": ""}),  # a serial needs a manufacturer
        )
    return made


def expected(case) -> tuple:
    return tuple(getattr(case, f) for f in FIELDS)


def _day(value):
    return None if value is None or str(value) == "NaT" else dt.date.fromisoformat(str(value)[:10])


def _money(cents):
    return None if cents < 0 else Decimal(int(cents)).scaleb(-2)


def test_rules(assets):
    for case in CASES:
        ev, _item = assess.assess(assets[case.name], AT)
        got = (
            ev.replacement_cost,
            ev.cost_source,
            ev.replacement_due,
            ev.basis,
            ev.service_start,
            ev.start_source,
            ev.hardware,
            ev.usage,
            ev.bucket(AT),
        )
        assert got == expected(case), case.name


def test_frame(assets):
    ids, frame, contracts = facts.load(AT)
    result = lframe.evaluate_frame(frame, contracts, AT)
    by_id = {int(i): row for i, row in zip(ids, result.itertuples(index=False), strict=True)}
    for case in CASES:
        row = by_id[assets[case.name].pk]
        got = (
            _money(row.replacement_cost_cents),
            row.cost_source,
            _day(row.replacement_due),
            row.basis,
            _day(row.service_start),
            row.start_source,
            row.hardware,
            row.usage,
            row.bucket,
        )
        assert got == expected(case), case.name


def test_stored_state(assets):
    state.refresh(at=AT)
    for case in CASES:
        row = LifecycleState.objects.get(asset=assets[case.name])
        got = (
            row.replacement_cost,
            row.cost_source,
            row.replacement_due,
            row.replacement_basis,
            row.service_start,
            row.start_source,
            row.hardware_status,
            rules.usage(assets[case.name].status),
            rules.bucket(row.replacement_due, row.at, rules.usage(assets[case.name].status)),
        )
        assert got == expected(case), case.name


def test_the_twins_of_the_aggregates_and_their_figures(assets):
    state.refresh(at=AT)
    stored = figures.totals_stored(at=AT)
    framed = figures.totals(figures.answers(AT), AT)
    assert stored == framed
    in_use = [c for c in CASES if c.usage == rules.IN_USE]
    assert stored["assets"] == len(CASES) and stored["count"] == len(in_use)
    assert stored["replacement_value"] == sum(c.cost for c in in_use if c.cost is not None)
    assert stored["cost_unknown"] == sum(1 for c in in_use if c.cost is None)
    for group in (rules.SPARES, rules.PLANNED, rules.DECOMMISSIONED):
        members = [c for c in CASES if c.usage == group]
        assert stored["usage"][group]["count"] == len(members)
        assert stored["usage"][group]["replacement_value"] == sum(c.cost for c in members if c.cost)
    for row in stored["buckets"]:
        members = [c for c in in_use if c.bucket == row["bucket"]]
        assert (row["count"], row["cost"]) == (len(members), sum(c.cost or 0 for c in members)), row["bucket"]
    assert stored["backlog"] == sum(1 for c in in_use if c.bucket == rules.BACKLOG) == 2
    assert stored["hardware"][rules.UNSUPPORTED] == 1  # the spare one is not in use


def test_plan(assets):
    state.refresh(at=AT)
    sched = planning.schedule(AT)
    rows = {r.name: r for r in sched.itertuples(index=False)}
    planned = {c.name for c in CASES if c.bucket is not None}
    assert set(rows) == planned  # in use and with a date: spares, planned, decommissioned are not
    for case in CASES:
        if case.name not in rows:
            continue
        r = rows[case.name]
        cost = None if np.isnan(r.cost) else Decimal(str(r.cost)).quantize(Decimal("0.01"))
        got = (
            cost,
            r.cost_source,
            _day(r.replacement_due),
            r.replacement_basis,
            _day(r.service_start),
            r.start_source,
            r.hardware_status,
            r.usage,
            r.bucket,
        )
        assert got == expected(case), case.name


def test_api(assets):
    viewer = token_client(make_user("viewer"))
    state.refresh(at=AT)
    for case in CASES:
        body = viewer.get(f"/api/inventory/assets/{assets[case.name].pk}/").json()
        cost = None if body["replacement_cost"] is None else Decimal(body["replacement_cost"])
        got = (
            cost,
            body["cost_source"],
            body["replacement_due"] and dt.date.fromisoformat(body["replacement_due"]),
            body["replacement_basis"],
            body["service_start"] and dt.date.fromisoformat(body["service_start"]),
        )
        assert got == expected(case)[:5], case.name
    counted = Asset.objects.filter(figures.usage_q())
    assert (
        viewer.get("/api/inventory/assets/", {"usage": "in_use", "limit": 1}).json()["count"]
        == counted.count()
    )
