"""Snapshots of the strategic monitoring (``lifecycle.snapshots``, issue #16): known answers on
three dates for a Direktion with two offices, an empty Direktion and the city; the city row equal
to ``figures``' totals; idempotence; the backfill from a change log written by real edits; the
command's options and exit codes.

The inventory (default policy: service life 8 years, depreciation 5, out of support at the last
date of support, warning 12 months):

    unit      asset  model  in service   cost  status          software      contract   last seen
    Schulamt  a1     OLD    2020-04-01   1200  active          -             c1         never
    Sportamt  a2     OLD    2022-01-01   1100  active          -             -          2026-01-20
    Schulamt  a3     NEW    2024-01-01   5200  active          IOS-XE 17.9   -          2025-12-15
    Bildung   a4     BARE   2025-06-01   3000  maintenance     -             -          2028-06-29
    Sportamt  a5     NEW    -            5000  spare           -             -          -
    Schulamt  a6     OLD    2020-04-01   1200  decommissioned  -             -          -
    (none)    a7     NEW    2019-01-01   4800  active          -             -          never

OLD: list price 1000, end of sale 2024-01-01, last date of support 2026-06-30. NEW: list price
5000, last date of support 2033-12-31. BARE: no list price, no notice (replacement cost: what it
cost, 3000). IOS-XE 17.9: end of maintenance 2025-07-31, end of security support and of life
2026-07-31. c1: 2024-01-01 … 2026-12-31, 90 days' notice. Bildung holds Schulamt and Sportamt;
Bau has no assets.

Replacement cost (in use): a1 1000, a2 1000, a3 5000, a4 3000, a7 5000 = 15000. Replace-by date:
a1, a2 2026-06-30 (end of support), a3 2032-01-01 and a7 2027-01-01 (eight years of service), a4
2033-06-01 (no notice: service life).
"""

import datetime as dt
import io
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import Max
from django.utils import timezone

from inventory.models import Asset, ObjectChange
from lifecycle import facts, figures, jobs, rules, snapshots, state
from lifecycle.models import Contract, HardwareNotice, KpiSnapshot, SoftwareRelease
from tests.factories import AssetFactory, HardwareModelFactory, OrgUnitFactory, PlatformFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
D1, D2, D3 = dt.date(2026, 1, 31), dt.date(2026, 12, 31), dt.date(2028, 6, 30)
Z = Decimal("0.00")


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture
def city():
    bildung = OrgUnitFactory(name="Direktion Bildung")
    schul = OrgUnitFactory(name="Schulamt", parent=bildung)
    sport = OrgUnitFactory(name="Sportamt", parent=bildung)
    bau = OrgUnitFactory(name="Direktion Bau")
    old = HardwareModelFactory(model="OLD", list_price=Decimal("1000"))
    new = HardwareModelFactory(model="NEW", list_price=Decimal("5000"))
    bare = HardwareModelFactory(model="BARE", list_price=None)
    HardwareNotice.objects.create(
        end_of_sale=dt.date(2024, 1, 1), last_date_of_support=dt.date(2026, 6, 30)
    ).hardware_models.add(old)
    HardwareNotice.objects.create(last_date_of_support=dt.date(2033, 12, 31)).hardware_models.add(new)
    xe = PlatformFactory(name="Cisco IOS-XE", slug="cisco-ios-xe")
    SoftwareRelease.objects.create(
        platform=xe,
        cycle="17.9",
        end_of_maintenance=dt.date(2025, 7, 31),
        end_of_security_support=dt.date(2026, 7, 31),
        end_of_life=dt.date(2026, 7, 31),
    )

    def asset(name, model, unit, start, cost, **kw):
        return AssetFactory(
            name=name, hardware_model=model, org_unit=unit, in_service_date=start,
            purchase_date=start and start - dt.timedelta(days=31), purchase_cost=Decimal(cost), **kw,
        )

    a = {
        "a1": asset("a1", old, schul, dt.date(2020, 4, 1), 1200),
        "a2": asset("a2", old, sport, dt.date(2022, 1, 1), 1100, last_seen=utc(2026, 1, 20, 12)),
        "a3": asset("a3", new, schul, dt.date(2024, 1, 1), 5200, platform=xe, software_version="17.09.04a",
                    last_seen=utc(2025, 12, 15, 12)),
        "a4": asset("a4", bare, bildung, dt.date(2025, 6, 1), 3000, status="maintenance",
                    last_seen=utc(2028, 6, 29, 12)),
        "a5": asset("a5", new, sport, None, 5000, status="spare"),
        "a6": asset("a6", old, schul, dt.date(2020, 4, 1), 1200, status="decommissioned"),
        "a7": asset("a7", new, None, dt.date(2019, 1, 1), 4800),
    }
    contract = Contract.objects.create(
        provider="Netz AG", number="c1", start=dt.date(2024, 1, 1), end=dt.date(2026, 12, 31), notice_days=90
    )
    contract.assets.add(a["a1"])
    return {"bildung": bildung, "schul": schul, "sport": sport, "bau": bau, "assets": a}


def row(**values) -> dict:
    """A snapshot's figures: zeros except ``values``."""
    base = {
        "assets_in_use": 0, "hw_out_count": 0, "hw_out_share": 0.0, "hw_out_value_share": 0.0,
        "sw_out_count": 0, "sw_out_share": 0.0, "sw_out_value_share": 0.0, "no_contract_count": 0,
        "no_contract_share": 0.0, "backlog_count": 0, "backlog_cost": Z, "due_1y_cost": Z,
        "due_3y_cost": Z, "due_5y_cost": Z, "book_value": Z, "replacement_value": Z,
        "average_age": None, "risk_low": 0, "risk_medium": 0, "risk_high": 0, "risk_critical": 0,
        "not_seen_30d": 0,
    }
    unknown = set(values) - set(base)
    assert not unknown, unknown
    return {**base, **{k: Decimal(v) if isinstance(base[k], Decimal) else v for k, v in values.items()}}


# --- known answers on three dates ------------------------------------------------------------------

# 31.01.2026: OLD's support ends within the warning months (medium), a3's software is security-only
# without a contract (high), a4's hardware is unknown (medium), a7 is 7.08 years old (medium).
# Ages (from the start of service) 5.83, 4.08, 2.08, 0.67, 7.08 (mean 3.948); book values (over
# five years from the purchase, a month before): a2 1100 × 304/1826 = 183.13, a3 5200 × 1035/1827
# = 2945.81, a4 3000 × 1551/1826 = 2548.19. a3 was last seen before 01.01.2026.
# Due within 1/3/5 years: a1, a2 (30.06.2026) and a7 (01.01.2027); a3 (2032) not within 5 years.
CITY_D1 = row(
    assets_in_use=5, no_contract_count=4, no_contract_share=80.0, due_1y_cost="7000.00",
    due_3y_cost="7000.00", due_5y_cost="7000.00", book_value="5677.13", replacement_value="15000.00",
    average_age=3.95, risk_medium=4, risk_high=1, not_seen_30d=1,
)
# 31.12.2026: OLD out of support (a1 high: its contract is expiring, a2 critical), a3's software
# out of support, no contract (critical), a7 eight years old (high). Backlog a1, a2. Due within 1
# and 3 years: a7 (01.01.2027); within 5 years (until 31.12.2031): still only a7, a3 is due a day
# later. Book values a3 5200 × 701/1827 = 1995.18, a4 3000 × 1217/1826 = 1999.45 (a2 written
# off on 01.12.2026). Ages 6.75, 5.00, 3.00, 1.58, 8.00. Not seen since 01.12.2026: a2, a3.
CITY_D2 = row(
    assets_in_use=5, hw_out_count=2, hw_out_share=40.0, hw_out_value_share=13.3, sw_out_count=1,
    sw_out_share=20.0, sw_out_value_share=33.3, no_contract_count=4, no_contract_share=80.0,
    backlog_count=2, backlog_cost="2000.00", due_1y_cost="5000.00", due_3y_cost="5000.00",
    due_5y_cost="5000.00", book_value="3994.63", replacement_value="15000.00", average_age=4.87,
    risk_medium=1, risk_high=2, risk_critical=2, not_seen_30d=2,
)
# 30.06.2028: a1's contract expired (critical; expired is not "without a contract"), a7 in the
# backlog too. Due within 5 years (until 30.06.2033): a3 (01.01.2032) and a4 (01.06.2033). Book
# values a3 5200 × 154/1827 = 438.31, a4 3000 × 670/1826 = 1100.77.
CITY_D3 = row(
    assets_in_use=5, hw_out_count=2, hw_out_share=40.0, hw_out_value_share=13.3, sw_out_count=1,
    sw_out_share=20.0, sw_out_value_share=33.3, no_contract_count=4, no_contract_share=80.0,
    backlog_count=3, backlog_cost="7000.00", due_5y_cost="8000.00", book_value="1539.08",
    replacement_value="15000.00", average_age=6.36, risk_medium=1, risk_high=1, risk_critical=3,
    not_seen_30d=2,
)


@pytest.mark.parametrize(("at", "expected"), [(D1, CITY_D1), (D2, CITY_D2), (D3, CITY_D3)])
def test_city_on_three_dates(city, at, expected):
    assert snapshots.compute(at)[None] == expected


def test_units_count_their_subtree(city):
    found = snapshots.compute(D2)
    assert found[city["schul"].pk] == row(  # a1, a3
        assets_in_use=2, hw_out_count=1, hw_out_share=50.0, hw_out_value_share=16.7, sw_out_count=1,
        sw_out_share=50.0, sw_out_value_share=83.3, no_contract_count=1, no_contract_share=50.0,
        backlog_count=1, backlog_cost="1000.00", book_value="1995.18", replacement_value="6000.00",
        average_age=4.88, risk_high=1, risk_critical=1, not_seen_30d=1,
    )
    assert found[city["sport"].pk] == row(  # a2 (a5 is a spare)
        assets_in_use=1, hw_out_count=1, hw_out_share=100.0, hw_out_value_share=100.0,
        no_contract_count=1, no_contract_share=100.0, backlog_count=1, backlog_cost="1000.00",
        book_value="0.00", replacement_value="1000.00", average_age=5.0, risk_critical=1, not_seen_30d=1,
    )
    assert found[city["bildung"].pk] == row(  # a4 and both offices
        assets_in_use=4, hw_out_count=2, hw_out_share=50.0, hw_out_value_share=20.0, sw_out_count=1,
        sw_out_share=25.0, sw_out_value_share=50.0, no_contract_count=3, no_contract_share=75.0,
        backlog_count=2, backlog_cost="2000.00", book_value="3994.63", replacement_value="10000.00",
        average_age=4.08, risk_medium=1, risk_high=1, risk_critical=2, not_seen_30d=2,
    )
    assert found[city["bau"].pk] == row()  # no assets: a row of zeros, no average age
    assert set(found) == {None, city["bildung"].pk, city["schul"].pk, city["sport"].pk, city["bau"].pk}


def test_units_on_the_first_date(city):
    found = snapshots.compute(D1)
    assert found[city["bildung"].pk] == row(
        assets_in_use=4, no_contract_count=3, no_contract_share=75.0, due_1y_cost="2000.00",
        due_3y_cost="2000.00", due_5y_cost="2000.00", book_value="5677.13", replacement_value="10000.00",
        average_age=3.17, risk_medium=3, risk_high=1, not_seen_30d=1,  # ages 5.83 4.08 2.08 0.67: 3.165
    )


@pytest.mark.parametrize("at", [D1, D2, D3])
@pytest.mark.parametrize("stored", [False, True])
def test_city_row_is_what_figures_say(city, at, stored):
    if stored:
        state.refresh(at=at)  # the stored answers are those of the day: figures answers in SQL
    summary = figures.summarize(at)
    totals = figures.totals(figures.answers(at), at)
    got = snapshots.compute(at)[None]
    for report in (summary, totals):
        assert got["assets_in_use"] == report["count"]
        assert got["book_value"] == report["book_value"]
        assert got["replacement_value"] == report["replacement_value"]
        assert got["backlog_count"] == report["backlog"]
        assert got["backlog_cost"] == report["backlog_cost"]
        assert got["hw_out_count"] == report["hardware"][rules.UNSUPPORTED]
        assert got["sw_out_count"] == report["software"][rules.UNSUPPORTED]
        assert got["no_contract_count"] == report["coverage"][rules.NONE]
        assert [got[f"risk_{r}"] for r in snapshots.RISKS] == [report["risk"][r] for r in snapshots.RISKS]
    tree = figures.by_unit_tree()
    units = snapshots.compute(at)
    if stored:  # by_unit_tree reads the stored answers
        for unit, figs in tree.items():
            assert units[unit]["assets_in_use"] == figs["count"]
            assert units[unit]["book_value"] == figs["book_value"]


def test_a_queryset_limits_the_assets(city):
    schul_only = Asset.objects.filter(org_unit=city["schul"])
    found = snapshots.compute(D2, schul_only)
    assert found[None]["assets_in_use"] == 2
    assert found[city["bildung"].pk]["assets_in_use"] == 2
    assert found[city["sport"].pk]["assets_in_use"] == 0


# --- writing: idempotent per day --------------------------------------------------------------------


def _rows(at):
    return {
        r.org_unit_id: (r.backfilled, {k: getattr(r, k) for k in snapshots.KPIS})
        for r in KpiSnapshot.objects.filter(at=at)
    }


def test_take_writes_one_row_per_unit_and_the_city_and_replaces_them(city):
    assert snapshots.take(D2) == 5
    first = _rows(D2)
    assert first[None] == (False, CITY_D2)
    assert first[city["bau"].pk] == (False, row())
    assert snapshots.take(D2) == 5
    assert KpiSnapshot.objects.count() == 5
    assert _rows(D2) == first
    assert snapshots.take(D1) == 5
    assert KpiSnapshot.objects.count() == 10
    assert _rows(D1)[None] == (False, CITY_D1)


def test_a_rebuilt_snapshot_never_replaces_one_taken_on_the_day(city):
    snapshots.take(D2)
    taken = _rows(D2)
    assert snapshots.take(D2, backfilled=True, figures_of={None: row(assets_in_use=99)}) == 0
    assert _rows(D2) == taken
    # the other way round: a snapshot taken on the day replaces a rebuilt one
    assert snapshots.take(D1, backfilled=True, figures_of={None: row(assets_in_use=99)}) == 1
    assert snapshots.take(D1) == 5
    assert _rows(D1)[None] == (False, CITY_D1)


# --- the backfill ----------------------------------------------------------------------------------


class Log:
    """Edits through the models, each step's change-log rows then dated as if made at ``when``."""

    def __init__(self):
        self.mark = ObjectChange.objects.aggregate(m=Max("pk"))["m"] or 0

    def step(self, when: dt.datetime, edit) -> None:
        edit()
        rows = ObjectChange.objects.filter(pk__gt=self.mark)
        assert rows.exists()
        self.mark = rows.aggregate(m=Max("pk"))["m"]
        rows.update(time=when)


def test_backfill_rebuilds_each_month_from_the_change_log(city):
    ObjectChange.objects.update(time=utc(2026, 11, 1))  # the fixture's records: made "today"
    schul, sport = city["schul"], city["sport"]
    new = city["assets"]["a3"].hardware_model
    made = {}
    log = Log()

    def create():
        for name, unit in (("b1", schul), ("b2", sport), ("b3", sport)):
            made[name] = AssetFactory(name=name, hardware_model=new, org_unit=unit,
                                      in_service_date=dt.date(2025, 1, 1))

    def move():
        made["b2"].org_unit = schul
        made["b2"].save()

    def decommission():
        made["b3"].status = "decommissioned"
        made["b3"].save()

    def late():  # 30.04.2026 22:30 UTC is 01.05.2026 00:30 in Zurich: a May asset
        made["b4"] = AssetFactory(name="b4", hardware_model=new, org_unit=sport, in_service_date=None)

    log.step(utc(2026, 1, 10, 9), create)
    log.step(utc(2026, 2, 20, 9), move)
    log.step(utc(2026, 3, 5, 9), decommission)
    log.step(utc(2026, 4, 30, 22, 30), late)
    # the fixture's assets a1…a7 were created "today" (01.11.2026): not there before
    assert snapshots.log_start() == dt.date(2026, 1, 10)

    written = snapshots.backfill(dt.date(2025, 11, 1), today=dt.date(2026, 5, 15))
    # November and December 2025 end before the log's first record; May is not complete
    assert written == [dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 3, 31), dt.date(2026, 4, 30)]
    in_use = {
        at: {unit: values["assets_in_use"] for unit, (_b, values) in _rows(at).items()} for at in written
    }
    b, sc, sp, bau = city["bildung"].pk, schul.pk, sport.pk, city["bau"].pk
    assert in_use[dt.date(2026, 1, 31)] == {None: 3, b: 3, sc: 1, sp: 2, bau: 0}
    assert in_use[dt.date(2026, 2, 28)] == {None: 3, b: 3, sc: 2, sp: 1, bau: 0}  # b2 moved
    assert in_use[dt.date(2026, 3, 31)] == {None: 2, b: 2, sc: 2, sp: 0, bau: 0}  # b3 decommissioned
    assert in_use[dt.date(2026, 4, 30)] == {None: 2, b: 2, sc: 2, sp: 0, bau: 0}  # b4 is May's
    for at in written:
        assert all(backfilled for backfilled, _v in _rows(at).values())
        assert all(values["not_seen_30d"] is None for _b, values in _rows(at).values())
    # NEW (5000) is supported; the replacement value follows the assets in use
    assert _rows(dt.date(2026, 3, 31))[None][1]["replacement_value"] == Decimal("10000.00")
    # again: the same rows, no duplicates
    count = KpiSnapshot.objects.count()
    again = snapshots.backfill(dt.date(2026, 1, 1), today=dt.date(2026, 5, 15))
    assert again == written
    assert KpiSnapshot.objects.count() == count == 4 * 5


def test_backfill_keeps_a_snapshot_taken_on_the_day(city):
    ObjectChange.objects.update(time=utc(2026, 1, 5))
    snapshots.take(dt.date(2026, 2, 28))
    taken = _rows(dt.date(2026, 2, 28))
    written = snapshots.backfill(dt.date(2026, 1, 1), until=dt.date(2026, 3, 31), today=dt.date(2026, 11, 1))
    assert written == [dt.date(2026, 1, 31), dt.date(2026, 3, 31)]
    assert _rows(dt.date(2026, 2, 28)) == taken


def test_an_asset_from_before_the_log_keeps_its_fields_before_its_first_record(city):
    a1 = city["assets"]["a1"]
    ObjectChange.objects.update(time=utc(2026, 1, 5))
    ObjectChange.objects.filter(object_id=a1.pk, action="create", object_repr=str(a1)).delete()
    log = Log()

    def move():
        a1.org_unit = city["sport"]
        a1.save()

    log.step(utc(2026, 2, 10, 9), move)
    snapshots.backfill(dt.date(2026, 1, 1), until=dt.date(2026, 2, 28), today=dt.date(2026, 11, 1))
    jan, feb = _rows(dt.date(2026, 1, 31)), _rows(dt.date(2026, 2, 28))
    assert jan[city["schul"].pk][1]["assets_in_use"] == 2  # a1 (before its move), a3
    assert feb[city["schul"].pk][1]["assets_in_use"] == 1
    assert feb[city["sport"].pk][1]["assets_in_use"] == 2


@pytest.mark.parametrize("logged", [True, False])
def test_rebuilt_facts_of_today_are_those_facts_load_reads(city, logged):
    """From the change log's records, or (``logged`` False: no record of any asset) from the
    assets as they are: the facts ``facts.load`` reads."""
    ObjectChange.objects.update(time=utc(2026, 1, 5))
    if not logged:
        ObjectChange.objects.filter(content_type__model="asset").delete()
        assert snapshots.History.load().versions["asset"].nunique() == 7  # a1…a7, as they are
    today = timezone.localdate()
    raw = snapshots.History.load().on(today)
    ids, frame, contracts = snapshots._facts(raw, D2, snapshots.Catalogue())
    ids_l, frame_l, contracts_l = facts.load(D2)
    order, order_l = np.argsort(ids), np.argsort(ids_l)
    assert ids[order].tolist() == ids_l[order_l].tolist()
    a = frame.iloc[order].reset_index(drop=True)
    b = frame_l.iloc[order_l].reset_index(drop=True)
    assert list(a.columns) == list(b.columns)
    for column in a.columns:
        assert a[column].astype(str).tolist() == b[column].astype(str).tolist(), column
    assert len(contracts) == len(contracts_l) == 1


def test_backfill_with_an_empty_log_writes_nothing(db):
    ObjectChange.objects.all().delete()
    assert snapshots.backfill(dt.date(2025, 1, 1), today=dt.date(2026, 5, 15)) == []
    assert KpiSnapshot.objects.count() == 0


def test_month_helpers():
    assert snapshots.month_ends(dt.date(2024, 1, 15), dt.date(2024, 3, 30)) == [
        dt.date(2024, 1, 31), dt.date(2024, 2, 29)
    ]
    assert snapshots.month_ends(dt.date(2024, 12, 1), dt.date(2025, 1, 31)) == [
        dt.date(2024, 12, 31), dt.date(2025, 1, 31)
    ]
    assert snapshots.last_complete_month(dt.date(2026, 3, 1)) == dt.date(2026, 2, 28)
    assert snapshots.last_complete_month(dt.date(2026, 1, 31)) == dt.date(2025, 12, 31)


# --- the command ---------------------------------------------------------------------------------


def test_command_takes_a_snapshot(city):
    out = io.StringIO()
    call_command("snapshot", "--at", "2026-12-31", stdout=out)
    assert out.getvalue() == "Snapshot of 2026-12-31: the city and 4 org units (5 rows).\n"
    assert _rows(D2)[None] == (False, CITY_D2)
    call_command("snapshot", "--at", "2026-12-31", stdout=io.StringIO())
    assert KpiSnapshot.objects.count() == 5


def test_command_backfills(city):
    ObjectChange.objects.update(time=utc(2026, 1, 10))
    snapshots.take(dt.date(2026, 2, 28))
    out = io.StringIO()
    call_command("snapshot", "--backfill", "2025-12", stdout=out)
    last = snapshots.last_complete_month()
    months = snapshots.month_ends(dt.date(2026, 1, 1), last)
    lines = out.getvalue().splitlines()
    assert lines[0] == "2025-12-31: before the change log's first record (2026-01-10), not rebuilt."
    assert "2026-02-28: a snapshot taken on the day is kept." in lines
    rebuilt = [d for d in months if d != dt.date(2026, 2, 28)]
    assert lines[-1] == f"Rebuilt {len(rebuilt)} months, the city and 4 org units each."
    rows = KpiSnapshot.objects.filter(backfilled=True, org_unit=None).values_list("at", flat=True)
    assert sorted(rows) == rebuilt


def _bounds():
    today = timezone.localdate()
    late = rules.add_months(today, 12) + dt.timedelta(days=1)
    tomorrow = today + dt.timedelta(days=1)
    return [
        (["--at", "notadate"], "--at: 'notadate' is not a date (YYYY-MM-DD)"),
        (["--at", "2026-02-30"], "--at: '2026-02-30' is not a date (YYYY-MM-DD)"),
        (["--at", "1999-12-31"], "--at: 1999-12-31 is before 2000-01-01"),
        (["--at", str(late)], f"--at: {late} is more than a year from today"),
        (["--backfill", "2026-13"], "--backfill: '2026-13' is not a date (YYYY-MM-DD) or month (YYYY-MM)"),
        (["--backfill", "soon"], "--backfill: 'soon' is not a date (YYYY-MM-DD) or month (YYYY-MM)"),
        (["--backfill", "1999-12"], "--backfill: 1999-12-01 is before 2000-01-01"),
        (["--backfill", str(tomorrow)], f"--backfill: {tomorrow} is after today"),
        (["--at", "2026-01-31", "--backfill", "2025-01"], "--backfill: not allowed with argument --at"),
    ]


def test_bad_options_are_usage_errors_naming_the_option(city):
    for args, fragment in _bounds():
        with pytest.raises(CommandError) as caught:
            call_command("snapshot", *args, stdout=io.StringIO())
        assert caught.value.returncode == 2, args
        assert fragment in str(caught.value), (args, str(caught.value))
    assert KpiSnapshot.objects.count() == 0


def test_plan_needs_redis_url_or_says_so(settings):
    """--plan puts the next monthly snapshot on RQ; without REDIS_URL it is bad usage (exit 2) and
    nothing is written."""
    settings.REDIS_URL = ""
    with pytest.raises(CommandError) as caught:
        call_command("snapshot", "--plan", stdout=io.StringIO())
    assert caught.value.returncode == 2 and "--plan needs REDIS_URL" in str(caught.value)
    assert KpiSnapshot.objects.count() == 0


def test_bounds_themselves_are_taken(city):
    today = timezone.localdate()
    call_command("snapshot", "--at", "2000-01-01", stdout=io.StringIO())
    call_command("snapshot", "--at", str(rules.add_months(today, 12)), stdout=io.StringIO())
    assert KpiSnapshot.objects.filter(org_unit=None).count() == 2
    call_command("snapshot", "--backfill", str(today), stdout=io.StringIO())  # nothing complete yet
    assert KpiSnapshot.objects.filter(backfilled=True).count() == 0


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--at", "1999-12-31"], "error: argument --at: 1999-12-31 is before 2000-01-01"),
        (["--backfill", "May"], "error: argument --backfill: 'May' is not a date"),
    ],
)
def test_manage_py_exits_2(args, fragment):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_CURRENT_TEST",)}
    done = subprocess.run(
        [sys.executable, "manage.py", "snapshot", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120, check=False,
    )
    assert done.returncode == 2
    assert fragment in done.stderr
    assert "Traceback" not in done.stderr


# --- the monthly job -------------------------------------------------------------------------------


def local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


@pytest.mark.parametrize(
    ("now", "fires"),
    [
        (local(2026, 2, 10, 12), local(2026, 2, 28, 23, 30)),
        (local(2026, 2, 28, 23, 29), local(2026, 2, 28, 23, 30)),
        (local(2026, 2, 28, 23, 30), local(2026, 3, 31, 23, 30)),  # this month's is due: the next
        (local(2028, 1, 31, 23, 45), local(2028, 2, 29, 23, 30)),
        (local(2026, 12, 31, 23, 59), local(2027, 1, 31, 23, 30)),
    ],
)
def test_the_job_fires_on_the_last_day_of_each_month(now, fires):
    assert jobs.next_firing(now) == fires


def test_the_job_takes_its_own_day_and_plans_the_next(city, monkeypatch):
    planned = []
    monkeypatch.setattr(jobs, "plan", lambda now=None: planned.append(now))
    assert jobs.take_monthly("2026-12-31") == 5
    assert _rows(D2)[None] == (False, CITY_D2)
    assert planned == [local(2026, 12, 31, 23, 30)]  # from which the next is January's


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (a Redis to queue on)")
def test_planning_twice_queues_the_month_once():
    from rq.job import Job

    now = local(2026, 2, 10, 12)
    first, again = jobs.plan(now), jobs.plan(now)
    try:
        assert first.id == again.id == f"werterhalt-{settings.LIFECYCLE_QUEUE}-snapshot-2026-02"
        registry = jobs.queue().scheduled_job_registry
        assert first.id in registry.get_job_ids()
        assert Job.fetch(first.id, connection=jobs.queue().connection).args == ("2026-02-28",)
        assert registry.get_scheduled_time(first.id) == local(2026, 2, 28, 23, 30).astimezone(dt.UTC)
    finally:
        jobs.queue().scheduled_job_registry.remove(first.id, delete_job=True)
