"""Stored lifecycle answers (lifecycle.state): equal to the live rules, and kept current by the
changes they depend on (after commit), by bulk writers and by `manage.py lifecycle_refresh`."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from inventory import assets_csv
from inventory.models import Asset
from lifecycle import assess, rules, state
from lifecycle.models import Contract, HardwareNotice, LifecyclePolicy, LifecycleState
from tests.factories import AssetFactory, HardwareModelFactory, ModuleFactory

pytestmark = pytest.mark.django_db
AT = dt.date(2026, 6, 15)


@pytest.fixture
def assets():
    switch = HardwareModelFactory(model="C9300-48P", category="switch")
    old = HardwareModelFactory(model="WS-C2960X-48FPD-L", category="switch")
    psu = HardwareModelFactory(model="PWR-C1-715WAC", category="module")
    HardwareNotice.objects.create(last_date_of_support=dt.date(2031, 1, 31)).hardware_models.add(switch)
    HardwareNotice.objects.create(
        end_of_sale=dt.date(2022, 10, 30), last_date_of_support=dt.date(2026, 3, 31)
    ).hardware_models.add(old, psu)
    new = AssetFactory(name="new", hardware_model=switch, purchase_date=dt.date(2024, 1, 10),
                       in_service_date=None, purchase_cost="12000.00")
    with_old_psu = AssetFactory(name="old-psu", hardware_model=switch, in_service_date=dt.date(2019, 5, 2),
                                purchase_date=None)
    ModuleFactory(asset=with_old_psu, name="PS 1", hardware_model=psu)
    gone = AssetFactory(name="gone", hardware_model=old, purchase_date=dt.date(2016, 2, 29),
                        in_service_date=None, purchase_cost="4000.00")
    bare = AssetFactory(name="bare", hardware_model=None, serial="", purchase_date=None, in_service_date=None)
    return {a.name: a for a in (new, with_old_psu, gone, bare)}


def test_stored_answers_equal_the_rules(assets):
    assert state.refresh(at=AT) == 4
    for name, asset in assets.items():
        expected, _item = assess.assess(asset, AT)
        row = LifecycleState.objects.get(asset=asset)
        assert row.at == AT
        assert (row.hardware_status, row.software_status, row.coverage, row.risk) == (
            expected.hardware, expected.software, expected.coverage, expected.risk), name
        assert row.replacement_due == expected.replacement_due, name
        assert (row.replacement_basis, row.service_start, row.start_source) == (
            expected.basis, expected.service_start, expected.start_source), name
        assert (row.replacement_cost, row.cost_source) == (
            expected.replacement_cost, expected.cost_source), name
        assert row.book_value == expected.book_value, name
        assert row.age == expected.age, name
    assert LifecycleState.objects.get(asset=assets["gone"]).hardware_status == rules.UNSUPPORTED
    # the module past support drags its chassis down
    assert LifecycleState.objects.get(asset=assets["old-psu"]).hardware_status == rules.UNSUPPORTED
    assert LifecycleState.objects.get(asset=assets["gone"]).support_ends == dt.date(2026, 3, 31)
    assert LifecycleState.objects.get(asset=assets["bare"]).support_ends is None


def test_refresh_again_updates_in_place(assets):
    state.refresh(at=AT)
    state.refresh(at=dt.date(2031, 2, 1))
    assert LifecycleState.objects.count() == 4
    assert LifecycleState.objects.get(asset=assets["new"]).hardware_status == rules.UNSUPPORTED


def test_one_write_updates_stored_rows_and_inserts_missing_ones(assets):
    state.refresh(at=AT)
    LifecycleState.objects.filter(asset=assets["bare"]).delete()
    later = dt.date(2031, 2, 1)
    assert state.refresh(at=later) == 4
    assert LifecycleState.objects.count() == 4
    for name, asset in assets.items():
        expected, _item = assess.assess(asset, later)
        row = LifecycleState.objects.get(asset=asset)
        assert (row.at, row.hardware_status, row.replacement_due, row.age) == (
            later, expected.hardware, expected.replacement_due, expected.age), name


@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_write_one_after_the_other():
    """Two refreshes of the same assets at once (two processes, here two threads with their own
    connections): the second write waits for the first (no deadlock, no duplicate row) and the
    stored rows are those of whichever wrote last."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("the write lock is PostgreSQL's (SQLite writes one transaction at a time)")
    model = HardwareModelFactory(model="C9300-48P", category="switch")
    for i in range(40):
        AssetFactory(name=f"sw{i:03d}", hardware_model=model, purchase_date=dt.date(2019, 1, 1),
                     in_service_date=dt.date(2019, 2, 1))
    days = [dt.date(2026, 1, 1), dt.date(2030, 1, 1)]
    errors = []

    def refresh(day):
        try:
            state.refresh(at=day)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    with connection.cursor() as cursor:  # hold the write lock until both threads wait for it
        cursor.execute("BEGIN")
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [state.WRITE_LOCK])
        threads = [threading.Thread(target=refresh, args=(day,)) for day in days]
        for thread in threads:
            thread.start()
        waiting = 0
        for _ in range(3000):  # poll until both wait (each poll also waits for a thread to end)
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            waiting = cursor.fetchone()[0]
            if waiting == 2 or errors:
                break
            threads[0].join(0.01)
        cursor.execute("COMMIT")
    for thread in threads:
        thread.join()
    assert not errors
    assert waiting == 2
    assert LifecycleState.objects.count() == 40
    assert set(LifecycleState.objects.values_list("at", flat=True)) in ({days[0]}, {days[1]})


def test_saving_an_asset_refreshes_it_after_commit(assets, django_capture_on_commit_callbacks):
    asset = assets["bare"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        asset.hardware_model = assets["gone"].hardware_model
        asset.save()
    # nothing before the commit
    assert not LifecycleState.objects.filter(asset=asset).exists()
    for callback in callbacks:
        callback()
    assert LifecycleState.objects.get(asset=asset).hardware_status == rules.UNSUPPORTED
    assert LifecycleState.objects.get(asset=asset).at == timezone.localdate()


def test_contract_policy_and_notice_changes_refresh_the_assets_concerned(
    assets, django_capture_on_commit_callbacks
):
    state.refresh()
    new = assets["new"]
    assert LifecycleState.objects.get(asset=new).coverage == rules.NONE
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        contract = Contract.objects.create(provider="Integrator AG", number="SC-1", start=today,
                                           end=today + dt.timedelta(days=400))
        contract.assets.add(new)
    assert LifecycleState.objects.get(asset=new).coverage == rules.COVERED

    before = LifecycleState.objects.get(asset=new).replacement_due
    with django_capture_on_commit_callbacks(execute=True):
        LifecyclePolicy.objects.create(category="switch", service_life_years=1, depreciation_years=1)
    after = LifecycleState.objects.get(asset=new)
    assert after.replacement_due < before and after.book_value is not None

    with django_capture_on_commit_callbacks(execute=True):
        HardwareNotice.objects.get(last_date_of_support=dt.date(2026, 3, 31)).delete()
    assert LifecycleState.objects.get(asset=assets["gone"]).hardware_status == rules.UNKNOWN


def test_bulk_import_stores_the_answers_of_what_it_wrote_in_its_own_transaction(
    assets, django_capture_on_commit_callbacks
):
    """The import's assets get their answers inside the import's transaction (committed with
    them: nobody sees them without); nothing is left for after commit."""
    state.refresh()
    gone = assets["gone"]
    text = ("name,manufacturer,model,serial,purchase_date\n"
            f"imp-1,{gone.hardware_model.manufacturer.name},{gone.hardware_model.model},IMP1,2015-01-01\n"
            f"{gone.name},{gone.hardware_model.manufacturer.name},{gone.hardware_model.model},"
            f"{gone.serial},2010-01-01\n")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assets_csv.import_csv(text, actor_name="test")
    row = LifecycleState.objects.get(asset__name="imp-1")
    assert row.hardware_status == rules.UNSUPPORTED
    assert row.service_start == dt.date(2015, 1, 1)
    assert LifecycleState.objects.get(asset=gone).service_start == dt.date(2010, 1, 1)
    assert callbacks == []


@pytest.mark.django_db(transaction=True)
def test_a_failed_import_leaves_no_answers(assets, monkeypatch):
    from inventory import changelog

    gone = assets["gone"]
    text = ("name,manufacturer,model,serial\n"
            f"imp-2,{gone.hardware_model.manufacturer.name},{gone.hardware_model.model},IMP2\n")
    before = LifecycleState.objects.count()

    def broken(self):
        raise RuntimeError("change log broke")

    monkeypatch.setattr(changelog.ChangeRows, "write", broken)
    with pytest.raises(RuntimeError, match="change log broke"):
        assets_csv.import_csv(text, actor_name="test")
    assert not Asset.objects.filter(name="imp-2").exists()
    assert LifecycleState.objects.count() == before


def test_deferred_refreshes_once_at_the_end(assets, django_assert_max_num_queries):
    with state.deferred():
        for asset in assets.values():
            asset.comments = "touched"
            asset.save()
        assert LifecycleState.objects.count() == 0
    assert LifecycleState.objects.count() == 4


def test_refresh_command(assets):
    out = StringIO()
    call_command("lifecycle_refresh", "--at", "2026-06-15", stdout=out)
    assert "Lifecycle of 4 assets stored as of 2026-06-15" in out.getvalue()
    assert set(LifecycleState.objects.values_list("at", flat=True)) == {AT}
    with pytest.raises(CommandError, match="not a date"):
        call_command("lifecycle_refresh", "--at", "2026-02-30")
    assert Asset.objects.count() == 4
