"""Catalogue changes refresh the stored answers in the background (lifecycle.state.request):
no request waits for a refresh of the whole inventory, pages say that figures are being updated
until it is done, and the refresh runs in a thread of the web process or as an RQ job."""

import datetime as dt
import threading

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from lifecycle import state
from lifecycle.models import Contract, LifecyclePolicy, LifecycleState, RefreshRequest
from tests.factories import AssetFactory, UserFactory

TODAY = timezone.localdate()


def _assets(n=3):
    assets = [AssetFactory(purchase_date=dt.date(2020, 1, 1), in_service_date=None) for _ in range(n)]
    state.refresh()
    return assets


def _due(asset):
    return LifecycleState.objects.get(asset=asset).replacement_due


def _refresh_threads():
    return [t for t in threading.enumerate() if t.name == "lifecycle-refresh"]


@pytest.mark.django_db(transaction=True)
def test_policy_saved_in_the_ui_answers_first_and_refreshes_in_a_thread(client, settings, monkeypatch):
    settings.LIFECYCLE_REFRESH = "thread"
    assets = _assets()
    assert _due(assets[0]) == dt.date(2028, 1, 1)  # the default policy: 8 years
    gate = threading.Event()
    original = state.refresh

    def held(*args, **kwargs):  # the refresh waits until the test has looked at the page
        assert gate.wait(30), "the test never opened the gate"
        return original(*args, **kwargs)

    monkeypatch.setattr(state, "refresh", held)
    client.force_login(UserFactory(groups=["planner"]))
    response = client.post(
        reverse("lifecycle:lifecyclepolicy_add"),
        {
            "category": "",
            "service_life_years": 5,
            "depreciation_years": 4,
            "out_of_support": "last_date_of_support",
            "warn_months": 12,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    # the response came back while the refresh still waits: the request is pending, pages say so
    assert RefreshRequest.objects.filter(everything=True).exists()
    assert _due(assets[0]) == dt.date(2028, 1, 1)
    page = client.get("/")
    assert 'id="figures-updating"' in page.content.decode()
    gate.set()
    for thread in _refresh_threads():
        thread.join(30)
    assert not RefreshRequest.objects.exists()
    assert {_due(a) for a in assets} == {dt.date(2025, 1, 1)}  # 5 years now
    assert 'id="figures-updating"' not in client.get("/").content.decode()


@pytest.mark.django_db
def test_inline_mode_refreshes_before_the_response(settings, django_capture_on_commit_callbacks):
    settings.LIFECYCLE_REFRESH = "inline"
    assets = _assets()
    with django_capture_on_commit_callbacks(execute=True):
        LifecyclePolicy.objects.create(service_life_years=6)
    assert not RefreshRequest.objects.exists()
    assert {_due(a) for a in assets} == {dt.date(2026, 1, 1)}


@pytest.mark.django_db
def test_a_change_touching_few_assets_refreshes_them_after_commit_without_a_request(
    django_capture_on_commit_callbacks,
):
    assets = _assets()
    with django_capture_on_commit_callbacks(execute=True):
        contract = Contract.objects.create(
            provider="P", number="1", start=TODAY, end=TODAY + dt.timedelta(400)
        )
        contract.assets.add(assets[0])
    assert not RefreshRequest.objects.exists()
    assert LifecycleState.objects.get(asset=assets[0]).coverage == "covered"
    assert LifecycleState.objects.get(asset=assets[1]).coverage == "none"


@pytest.mark.django_db
def test_many_assets_go_to_the_background_and_a_rolled_back_change_asks_nothing(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.LIFECYCLE_REFRESH = "inline"
    monkeypatch.setattr(state, "INLINE_MAX", 2)
    assets = _assets(3)
    dispatched = []
    monkeypatch.setattr(state, "dispatch", lambda: dispatched.append(True))
    with django_capture_on_commit_callbacks(execute=True):
        contract = Contract.objects.create(
            provider="P", number="2", start=TODAY, end=TODAY + dt.timedelta(400)
        )
        contract.assets.add(*assets)
    (request,) = RefreshRequest.objects.all()
    assert sorted(request.asset_ids) == sorted(a.pk for a in assets) and not request.everything
    assert dispatched
    assert state.run_pending() == 3
    assert not RefreshRequest.objects.exists()
    assert {LifecycleState.objects.get(asset=a).coverage for a in assets} == {"covered"}

    try:
        with transaction.atomic():
            LifecyclePolicy.objects.create(service_life_years=3)
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    assert not RefreshRequest.objects.exists()  # recorded in the transaction: gone with it


@pytest.mark.django_db
def test_lifecycle_refresh_command_takes_what_waits(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    settings.LIFECYCLE_REFRESH = "rq"
    assets = _assets(2)
    monkeypatch.setattr(state, "dispatch", lambda: None)  # no worker runs
    with django_capture_on_commit_callbacks(execute=True):
        LifecyclePolicy.objects.create(service_life_years=4)
    assert RefreshRequest.objects.count() == 1
    call_command("lifecycle_refresh")
    assert not RefreshRequest.objects.exists()
    assert {_due(a) for a in assets} == {dt.date(2024, 1, 1)}


@pytest.mark.django_db
def test_cron_run_due_takes_refreshes_left_waiting(settings, monkeypatch, django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    assets = _assets(2)
    monkeypatch.setattr(state, "dispatch", lambda: None)  # the web process ended before its thread ran
    with django_capture_on_commit_callbacks(execute=True):
        LifecyclePolicy.objects.create(service_life_years=9)
    out = StringIO()
    call_command("schedules", "run-due", stdout=out)
    assert "Lifecycle answers of 2 assets refreshed" in out.getvalue()
    assert not RefreshRequest.objects.exists() and {_due(a) for a in assets} == {dt.date(2029, 1, 1)}


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_an_rq_worker_runs_the_refresh(settings):
    import django_rq
    from rq import SimpleWorker

    settings.LIFECYCLE_REFRESH = "rq"
    queue = django_rq.get_queue(settings.LIFECYCLE_QUEUE)
    queue.empty()
    assets = _assets(2)
    LifecyclePolicy.objects.create(service_life_years=7)  # autocommit: dispatched at once
    assert RefreshRequest.objects.count() == 1
    assert [job.func_name for job in queue.jobs] == ["lifecycle.state.run_pending"]
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    assert not RefreshRequest.objects.exists()
    assert {_due(a) for a in assets} == {dt.date(2027, 1, 1)}
