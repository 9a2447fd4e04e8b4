"""``GET /metrics`` (werterhalt/metrics.py): who may read it, the KPIs per org unit on a small
inventory worked out by hand, discovery's health from runs made here, and the cache."""

import datetime as dt
import logging
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from collectors.choices import HostOutcome, HostReason, RunStatus, RunTrigger, ShardStatus
from collectors.models import DiscoveryHost, DiscoveryRun, DiscoverySchedule, DiscoveryShard
from inventory.choices import AssetStatus
from inventory.models import Token
from lifecycle import snapshots
from lifecycle.choices import Kpi, TargetDirection
from lifecycle.models import KpiTarget
from tests.api.conftest import contract, make_user, notice
from tests.factories import AssetFactory, HardwareModelFactory, OrgUnitFactory, UserFactory
from werterhalt import metrics

pytestmark = pytest.mark.django_db

AT = dt.date(2026, 6, 30)
UTC = dt.UTC


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch):
    """Each test computes its own figures (the cache key holds the day and the lifecycle version,
    which two tests' inventories may share) on the day ``AT``."""
    cache.clear()
    monkeypatch.setattr(metrics, "today", lambda: AT)
    yield
    cache.clear()


def key(user=None, **kwargs) -> str:
    return Token.issue(user or make_user("viewer"), **kwargs)[1]


def scrape(client, token: str | None = None, **extra) -> dict:
    """The families of one 200 answer by name, read with Prometheus' own text parser."""
    if token:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == CONTENT_TYPE_LATEST
    return {f.name: f for f in text_string_to_metric_families(response.content.decode())}


def values(family, **only) -> dict:
    """{label values in order: value} of a family's samples (one label: the bare value)."""
    found = {}
    for s in family.samples:
        if all(s.labels.get(k) == v for k, v in only.items()):
            rest = tuple(v for k, v in s.labels.items() if k not in only)
            found[rest[0] if len(rest) == 1 else rest] = s.value
    return found


# --- access ---------------------------------------------------------------------------------------


def refused(response, status: int, reason: str):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    body = response.content.decode()
    assert reason in body and "werterhalt_" not in body
    return response


def test_without_a_token_nor_networks_401_and_no_login_redirect(client):
    response = refused(client.get("/metrics"), 401, "A token is required")
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'


def test_a_signed_in_session_alone_is_not_enough(client):
    client.force_login(make_user("admin"))
    refused(client.get("/metrics"), 401, "A token is required")


@pytest.mark.parametrize("keyword", ["Token", "Bearer"])
def test_a_read_only_token_of_a_viewer_reads_them(client, keyword):
    viewer = make_user("viewer")
    token, secret = Token.issue(viewer)
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"{keyword} {secret}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "werterhalt_assets_in_use" in response.content.decode()
    token.refresh_from_db()
    assert token.last_used is not None  # as in the API: TokenAuthentication's rules


def test_wrong_expired_inactive_and_misplaced_tokens_401(client):
    viewer = make_user("viewer")
    refused(client.get("/metrics", HTTP_AUTHORIZATION="Bearer wh_not-a-key"), 401, "Invalid token.")
    expired = key(viewer, expires=timezone.now() - dt.timedelta(minutes=1))
    refused(client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {expired}"), 401, "Token expired.")
    elsewhere = key(viewer, allowed_networks="10.0.0.0/8")
    refused(client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {elsewhere}"), 401,
            "This token may not be used from this address.")
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {elsewhere}",
                      REMOTE_ADDR="10.1.2.3").status_code == 200
    retired = make_user("viewer")
    secret = key(retired)
    retired.is_active = False
    retired.save()
    refused(client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {secret}"), 401,
            "The token's user is inactive.")


def test_a_token_whose_user_may_not_view_assets_403(client):
    nobody = UserFactory()
    nobody.save()
    refused(client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {key(nobody)}"), 403,
            "This token's user may not view assets.")


@override_settings(METRICS_ALLOWED_NETWORKS="192.0.2.0/24, 2001:db8::/32")
def test_configured_networks_read_without_a_token_others_403(client):
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="2001:db8::5").status_code == 200
    refused(client.get("/metrics", REMOTE_ADDR="198.51.100.1"), 403,
            "This address may not read the metrics without a token.")
    # a token that is sent is checked, also from an allowed network
    refused(client.get("/metrics", REMOTE_ADDR="192.0.2.7", HTTP_AUTHORIZATION="Bearer wh_wrong"), 401,
            "Invalid token.")
    # not from the networks, a valid token still reads them
    assert client.get("/metrics", REMOTE_ADDR="198.51.100.1",
                      HTTP_AUTHORIZATION=f"Bearer {key()}").status_code == 200


@override_settings(METRICS_ALLOWED_NETWORKS="192.0.2.0/24")
def test_behind_a_proxy_the_address_the_proxy_added_counts(client):
    forwarded = {"REMOTE_ADDR": "127.0.0.1"}  # the proxy
    # without BEHIND_PROXY the header is anyone's to write: ignored
    refused(client.get("/metrics", HTTP_X_FORWARDED_FOR="192.0.2.7", **forwarded), 403, "without a token")
    with override_settings(BEHIND_PROXY=True):
        assert client.get("/metrics", HTTP_X_FORWARDED_FOR="198.51.100.9, 192.0.2.7",
                          **forwarded).status_code == 200
        # a client that writes an allowed address first does not get in: the proxy adds the last
        refused(client.get("/metrics", HTTP_X_FORWARDED_FOR="192.0.2.7, 198.51.100.9", **forwarded),
                403, "without a token")


def test_a_bad_network_setting_counts_as_none_and_is_logged_once(client, caplog):
    metrics._bad_networks_logged.clear()
    with override_settings(METRICS_ALLOWED_NETWORKS="192.0.2.0/24, intranet"), caplog.at_level(logging.ERROR):
        refused(client.get("/metrics", REMOTE_ADDR="192.0.2.7"), 401, "A token is required")
        refused(client.get("/metrics", REMOTE_ADDR="192.0.2.7"), 401, "A token is required")
        assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {key()}").status_code == 200
    errors = [r.getMessage() for r in caplog.records if r.name == "werterhalt.metrics"]
    assert errors == ["METRICS_ALLOWED_NETWORKS is ignored, /metrics needs a token: "
                      "“intranet” is not an address or prefix"]


def test_only_reading(client):
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {key()}").status_code == 405
    assert client.head("/metrics", HTTP_AUTHORIZATION=f"Bearer {key()}").status_code == 200


# --- KPIs -----------------------------------------------------------------------------------------


@pytest.fixture
def city(db):
    """Bau (with its office Tiefbau) and Schule; on AT = 2026-06-30, default policy (8 years of
    service, 5 of depreciation, out of support at the last date of support):

    - ``old`` list price 10,000, last date of support 2025-12-31: out of support;
    - ``new`` list price 4,000, last date of support 2029-03-31: supported, replace by then.

    asset      unit     model  status       start       age   replace by  book   contract  risk      seen
    tb-old     Tiefbau  old    active       2020-04-01  6.25  2025-12-31  0      -         critical  05-01
    bau-new    Bau      new    maintenance  2024-05-29  2.09  2029-03-31  1,064  running   low       06-29
    city-old   -        old    active       2020-04-01  6.25  2025-12-31  0      -         critical  never
    sch-spare  Schule   new    spare: not in use
    bau-gone   Bau      old    decommissioned: counts nowhere

    2025-12-31 is before AT: the backlog; 2029-03-31 is within 3 (and 5) years, not within 1.

    Ages: 2,281 days → (2281·400 + 730) // 1461 = 625 hundredths; 762 days → 209 hundredths.
    Book value of bau-new: bought 2024-05-29 for 1,826.00, 5 years = 1,826 days, 762 used:
    1,826 × 1,064 / 1,826 = 1,064.00."""
    bau = OrgUnitFactory(name="Bau", slug="bau")
    tiefbau = OrgUnitFactory(name="Tiefbau", slug="tiefbau", parent=bau)
    schule = OrgUnitFactory(name="Schule", slug="schule")
    old = HardwareModelFactory(list_price=Decimal("10000.00"))
    new = HardwareModelFactory(list_price=Decimal("4000.00"))
    notice(old, last_date_of_support=dt.date(2025, 12, 31))
    notice(new, last_date_of_support=dt.date(2029, 3, 31))
    seen = dt.datetime(2026, 6, 29, 10, tzinfo=UTC)
    AssetFactory(name="tb-old", org_unit=tiefbau, hardware_model=old,
                 last_seen=dt.datetime(2026, 5, 1, 10, tzinfo=UTC))
    bau_new = AssetFactory(name="bau-new", org_unit=bau, hardware_model=new, status=AssetStatus.MAINTENANCE,
                           purchase_date=dt.date(2024, 5, 29), in_service_date=dt.date(2024, 5, 29),
                           purchase_cost=Decimal("1826.00"), last_seen=seen)
    AssetFactory(name="city-old", org_unit=None, hardware_model=old)
    AssetFactory(name="sch-spare", org_unit=schule, hardware_model=new, status=AssetStatus.SPARE,
                 last_seen=seen)
    AssetFactory(name="bau-gone", org_unit=bau, hardware_model=old, status=AssetStatus.DECOMMISSIONED)
    contract(bau_new, end=dt.date(2030, 12, 31))
    return {"bau": bau, "tiefbau": tiefbau, "schule": schule}


EXPECTED = {  # org_unit label: {metric: value}
    "tiefbau": {
        "werterhalt_assets_in_use": 1, "werterhalt_out_of_hardware_support_assets": 1,
        "werterhalt_out_of_hardware_support_ratio": 1.0,
        "werterhalt_out_of_hardware_support_value_ratio": 1.0,
        "werterhalt_out_of_software_support_assets": 0, "werterhalt_out_of_software_support_ratio": 0.0,
        "werterhalt_without_contract_assets": 1, "werterhalt_without_contract_ratio": 1.0,
        "werterhalt_replacement_backlog_assets": 1, "werterhalt_replacement_backlog_chf": 10000.0,
        "werterhalt_replacement_due_1y_chf": 0.0, "werterhalt_replacement_due_3y_chf": 0.0,
        "werterhalt_replacement_due_5y_chf": 0.0, "werterhalt_book_value_chf": 0.0,
        "werterhalt_replacement_value_chf": 10000.0, "werterhalt_average_age_years": 6.25,
        "werterhalt_not_seen_30d_assets": 1,
    },
    "bau": {  # tb-old and bau-new
        "werterhalt_assets_in_use": 2, "werterhalt_out_of_hardware_support_assets": 1,
        "werterhalt_out_of_hardware_support_ratio": 0.5,
        "werterhalt_out_of_hardware_support_value_ratio": 0.714,  # 10,000 / 14,000 = 71.4 %
        "werterhalt_out_of_software_support_assets": 0, "werterhalt_out_of_software_support_ratio": 0.0,
        "werterhalt_without_contract_assets": 1, "werterhalt_without_contract_ratio": 0.5,
        "werterhalt_replacement_backlog_assets": 1, "werterhalt_replacement_backlog_chf": 10000.0,
        "werterhalt_replacement_due_1y_chf": 0.0, "werterhalt_replacement_due_3y_chf": 4000.0,
        "werterhalt_replacement_due_5y_chf": 4000.0, "werterhalt_book_value_chf": 1064.0,
        "werterhalt_replacement_value_chf": 14000.0,
        "werterhalt_average_age_years": 4.17,  # (625 + 209) / 2 hundredths
        "werterhalt_not_seen_30d_assets": 1,
    },
    "schule": {  # a spare only: nothing in use, no average age
        "werterhalt_assets_in_use": 0, "werterhalt_out_of_hardware_support_ratio": 0.0,
        "werterhalt_replacement_value_chf": 0.0, "werterhalt_not_seen_30d_assets": 0,
    },
    "": {  # the city: tb-old, bau-new, city-old
        "werterhalt_assets_in_use": 3, "werterhalt_out_of_hardware_support_assets": 2,
        "werterhalt_out_of_hardware_support_ratio": 0.667,  # 66.7 %
        "werterhalt_out_of_hardware_support_value_ratio": 0.833,  # 20,000 / 24,000 = 83.3 %
        "werterhalt_without_contract_assets": 2, "werterhalt_without_contract_ratio": 0.667,
        "werterhalt_replacement_backlog_assets": 2, "werterhalt_replacement_backlog_chf": 20000.0,
        "werterhalt_replacement_due_1y_chf": 0.0, "werterhalt_replacement_due_3y_chf": 4000.0,
        "werterhalt_replacement_due_5y_chf": 4000.0, "werterhalt_book_value_chf": 1064.0,
        "werterhalt_replacement_value_chf": 24000.0,
        "werterhalt_average_age_years": 4.86,  # (625 + 209 + 625) / 3 = 486.3 hundredths
        "werterhalt_not_seen_30d_assets": 1,  # city-old was never seen: not counted
    },
}


def test_kpis_per_org_unit_and_the_city(client, city):
    found = scrape(client, key())
    for unit, expected in EXPECTED.items():
        got = {name: values(found[name]).get(unit) for name in expected}
        assert got == pytest.approx(expected), unit
    assert "schule" not in values(found["werterhalt_average_age_years"])
    risk = found["werterhalt_assets_by_risk"]
    assert values(risk, org_unit="") == {"low": 1, "medium": 0, "high": 0, "critical": 2}
    assert values(risk, org_unit="bau") == {"low": 1, "medium": 0, "high": 0, "critical": 1}
    assert values(risk, org_unit="tiefbau") == {"low": 0, "medium": 0, "high": 0, "critical": 1}
    assert values(risk, org_unit="schule") == {"low": 0, "medium": 0, "high": 0, "critical": 0}
    info = {(s.labels["org_unit"], s.labels["name"], s.labels["parent"]): s.value
            for s in found["werterhalt_org_unit_info"].samples}
    assert info == {("bau", "Bau", ""): 1, ("schule", "Schule", ""): 1, ("tiefbau", "Tiefbau", "bau"): 1}
    assert set(values(found["werterhalt_assets_in_use"])) == {"", "bau", "schule", "tiefbau"}
    assert {found[name].type for _field, name, *_ in metrics.KPIS} == {"gauge"}


def test_targets_and_traffic_lights_as_on_the_monitoring_page(client, city):
    """General: hardware out of support at most 5 % (amber up to 10 %), average age at most 5
    years (amber up to 6); Bau's own: hardware at most 50 %, without a contract at most 45 %
    (amber up to 55 %). Tiefbau has none of its own: the general ones, not its parent's."""
    KpiTarget.objects.all().delete()
    general = {"org_unit": None, "direction": TargetDirection.AT_MOST}
    KpiTarget.objects.create(kpi=Kpi.HW_OUT_SHARE, value=5, tolerance=5, **general)
    KpiTarget.objects.create(kpi=Kpi.AVERAGE_AGE, value=5, tolerance=1, **general)
    KpiTarget.objects.create(kpi=Kpi.HW_OUT_SHARE, org_unit=city["bau"], value=50)
    KpiTarget.objects.create(kpi=Kpi.NO_CONTRACT_SHARE, org_unit=city["bau"], value=45, tolerance=10)
    found = scrape(client, key())
    targets = {(s.labels["org_unit"], s.labels["kpi"]): s.value
               for s in found["werterhalt_kpi_target"].samples if s.labels["direction"] == "at_most"}
    assert targets == {
        ("", "average_age"): 5.0, ("", "hw_out_share"): 0.05,
        ("bau", "average_age"): 5.0, ("bau", "hw_out_share"): 0.5, ("bau", "no_contract_share"): 0.45,
        ("schule", "average_age"): 5.0, ("schule", "hw_out_share"): 0.05,
        ("tiefbau", "average_age"): 5.0, ("tiefbau", "hw_out_share"): 0.05,
    }
    lights = {(s.labels["org_unit"], s.labels["kpi"]): s.labels["light"]
              for s in found["werterhalt_kpi_target_light"].samples if s.value == 1}
    assert lights == {
        ("", "hw_out_share"): "red",  # 66.7 % misses 5 % by more than 5
        ("", "average_age"): "green",  # 4.86 years
        ("bau", "hw_out_share"): "green",  # 50 % meets its own 50 %
        ("bau", "no_contract_share"): "amber",  # 50 % misses 45 % by 5, within 10
        ("bau", "average_age"): "green",  # 4.17
        ("tiefbau", "hw_out_share"): "red",  # 100 %
        ("tiefbau", "average_age"): "red",  # 6.25 misses 5 by more than 1
        ("schule", "hw_out_share"): "green",  # nothing in use: 0 %
    }  # Schule has no average age: no light
    assert len(found["werterhalt_kpi_target_light"].samples) == 3 * len(lights)


def test_a_token_limited_to_bau_sees_bau_and_tiefbau_only(client, city, runs):
    """Scoping (inventory.scopes): a token limited to Bau sees its subtree's gauges, not the
    city's, not Schule's, and nothing of discovery (which serves the whole city)."""
    token, secret = Token.issue(make_user("viewer"))
    token.org_units.set([city["bau"]])
    found = scrape(client, secret)
    labels = {s.labels["org_unit"] for f in found.values() for s in f.samples if "org_unit" in s.labels}
    assert labels == {"bau", "tiefbau"}
    assert not [name for name in found if name.startswith("werterhalt_discovery_")]
    assert values(found["werterhalt_assets_in_use"]) == {"bau": 2, "tiefbau": 1}


def test_a_user_limited_to_schule_sees_schule_only(client, city):
    """The token's user's own scope holds too (AccessScope)."""
    from inventory.models import AccessScope

    user = make_user("viewer")
    AccessScope.objects.create(user=user).org_units.set([city["schule"]])
    _token, secret = Token.issue(user)
    found = scrape(client, secret)
    assert values(found["werterhalt_assets_in_use"]) == {"schule": 0}


def test_every_kpi_comes_from_the_snapshots_function(client, city):
    """One home per figure: every gauge equals compute(AT)'s value (shares in percent / 100)."""
    rows = snapshots.compute(AT)
    slugs = {u.pk: u.slug for u in city.values()} | {None: ""}
    found = scrape(client, key())
    for field, name, _help, factor in metrics.KPIS:
        expected = {slugs[pk]: float(Decimal(str(row[field])) * factor)
                    for pk, row in rows.items() if row[field] is not None}
        assert values(found[name]) == pytest.approx(expected), name
    assert {f for f, *_ in metrics.KPIS} | {f"risk_{r}" for r in metrics.RISKS} == set(snapshots.KPIS)


def test_kpis_are_computed_once_until_the_answers_or_the_day_change(client, city, monkeypatch):
    calls = []
    real = snapshots.compute

    def counted(at, queryset=None):
        calls.append(at)
        return real(at, queryset)

    monkeypatch.setattr(snapshots, "compute", counted)
    token = key()
    scrape(client, token)
    scrape(client, token)
    assert calls == [AT]
    AssetFactory(name="bau-more", org_unit=city["bau"])  # the set of assets changed
    assert values(scrape(client, token)["werterhalt_assets_in_use"])["bau"] == 3
    assert calls == [AT, AT]
    monkeypatch.setattr(metrics, "today", lambda: AT + dt.timedelta(days=1))
    scrape(client, token)
    assert calls == [AT, AT, AT + dt.timedelta(days=1)]


def test_visibility_keeps_the_gauges_of_other_units_out(client, city, monkeypatch):
    """Where scoping plugs in: a request that may see Bau's subtree only gets no city figures and
    no unit outside it, in no family."""
    allowed = frozenset({city["bau"].pk, city["tiefbau"].pk})
    monkeypatch.setattr(metrics, "visibility",
                        lambda request: metrics.Visibility(units=allowed, discovery=False))
    found = scrape(client, key())
    labels = {s.labels.get("org_unit") for f in found.values() for s in f.samples if "org_unit" in s.labels}
    assert labels == {"bau", "tiefbau"}
    assert not [name for name in found if name.startswith("werterhalt_discovery_")]


# --- discovery ------------------------------------------------------------------------------------


def at(hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, 6, 30, hour, minute, second, tzinfo=UTC)


@pytest.fixture
def runs(db):
    """core: enabled, its last run partial (3 hosts ok, 2 failed: timeout and auth), an earlier
    failed run with a failure that must not count; access: disabled, its last run still running
    (3 shards: one queued, two running of which one has been silent too long);
    fresh: never ran; and a run from the command line."""
    core = DiscoverySchedule.objects.create(name="core", interval=60, next_run=at(12))
    access = DiscoverySchedule.objects.create(name="access", cron="30 2 * * *", enabled=False)
    DiscoverySchedule.objects.create(name="fresh", interval=15)
    earlier = DiscoveryRun.objects.create(started=at(1), finished=at(1, 1), status=RunStatus.FAILED,
                                          schedule=core, trigger=RunTrigger.SCHEDULE, hosts_failed=1)
    DiscoveryHost.objects.create(run=earlier, name="sw1", outcome=HostOutcome.FAILED,
                                 reason=HostReason.UNREACHABLE)
    last = DiscoveryRun.objects.create(started=at(2), finished=at(2, 5, 30), status=RunStatus.PARTIAL,
                                       schedule=core, trigger=RunTrigger.SCHEDULE, hosts_tried=5,
                                       hosts_succeeded=3, hosts_failed=2)
    for name in ("sw1", "sw2", "sw3"):
        DiscoveryHost.objects.create(run=last, name=name, outcome=HostOutcome.SUCCESS)
    DiscoveryHost.objects.create(run=last, name="sw4", outcome=HostOutcome.FAILED, reason=HostReason.TIMEOUT)
    DiscoveryHost.objects.create(run=last, name="sw5", outcome=HostOutcome.FAILED, reason=HostReason.AUTH)
    running = DiscoveryRun.objects.create(started=at(3), schedule=access, trigger=RunTrigger.SCHEDULE,
                                          shards_total=3)
    silent = timezone.now() - dt.timedelta(seconds=settings.DISCOVERY_STALE_AFTER + 60)
    for index, status, beat in ((0, ShardStatus.RUNNING, timezone.now()), (1, ShardStatus.RUNNING, silent),
                                (2, ShardStatus.QUEUED, None)):
        DiscoveryShard.objects.create(run=running, index=index, status=status, queued=at(3), heartbeat=beat)
    DiscoverySchedule.objects.filter(pk=core.pk).update(last_run=last)
    DiscoverySchedule.objects.filter(pk=access.pk).update(last_run=running)
    DiscoveryRun.objects.create(started=at(0, 30), finished=at(0, 31), status=RunStatus.COMPLETED,
                                hosts_tried=1, hosts_succeeded=1)
    DiscoveryRun.objects.create(started=at(0), finished=at(0, 1), status=RunStatus.FAILED)  # older


def test_the_last_run_of_every_schedule(client, runs):
    found = scrape(client, key())
    assert values(found["werterhalt_discovery_schedule_enabled"]) == {"access": 0, "core": 1, "fresh": 1}
    assert values(found["werterhalt_discovery_schedule_next_run_timestamp_seconds"]) == {
        "core": 1782820800.0}  # 2026-06-30 12:00 UTC
    assert values(found["werterhalt_discovery_last_run_start_timestamp_seconds"]) == {
        "core": 1782784800.0, "access": 1782788400.0, "": 1782779400.0}  # 02:00, 03:00, 00:30
    assert values(found["werterhalt_discovery_last_run_end_timestamp_seconds"]) == {
        "core": 1782785130.0, "": 1782779460.0}  # the running one has none
    assert values(found["werterhalt_discovery_last_run_duration_seconds"]) == {"core": 330.0, "": 60.0}
    status = found["werterhalt_discovery_last_run_status"]
    assert values(status, schedule="core") == {
        "running": 0, "completed": 0, "partial": 1, "incomplete": 0, "failed": 0}
    assert [k for k, v in values(status, schedule="access").items() if v] == ["running"]
    assert [k for k, v in values(status, schedule="").items() if v] == ["completed"]
    hosts = found["werterhalt_discovery_last_run_hosts"]
    assert values(hosts, schedule="core") == {"success": 3, "failed": 2}
    assert values(hosts, schedule="access") == {"success": 0, "failed": 0}
    failed = found["werterhalt_discovery_last_run_failed_hosts"]
    assert {k: v for k, v in values(failed, schedule="core").items() if v} == {"timeout": 1, "auth": 1}
    assert set(values(failed, schedule="core")) == set(HostReason.values)  # every reason, 0 or more
    assert not any(values(failed, schedule="access").values())
    assert "fresh" not in {s.labels["schedule"] for s in failed.samples}
    assert values(found["werterhalt_discovery_runs_running"]) == {(): 1}
    assert values(found["werterhalt_discovery_shards"]) == {"queued": 1, "running": 2}
    assert values(found["werterhalt_discovery_shards_stale"]) == {(): 1}


def test_without_redis_no_queue_figures_with_redis_its_state(client, runs):
    found = scrape(client, key())
    queue = {"werterhalt_discovery_queue_up", "werterhalt_discovery_queue_jobs",
             "werterhalt_discovery_workers", "werterhalt_discovery_scheduler_up",
             "werterhalt_discovery_schedules_unplanned"}
    if not settings.REDIS_URL:
        assert not queue & set(found)
    else:
        assert queue <= set(found)
        assert values(found["werterhalt_discovery_queue_up"]) == {(): 1}
        assert set(values(found["werterhalt_discovery_queue_jobs"], queue=settings.DISCOVERY_QUEUE)) == {
            "queued", "started", "scheduled", "failed"}



def test_a_scrape_reads_in_a_fixed_number_of_queries(client, city, runs):
    """With the figures cached, more units and schedules cost no more queries (no N+1)."""
    token = key()
    scrape(client, token)  # computes and caches the figures
    with CaptureQueriesContext(connection) as few:
        scrape(client, token)
    for n in range(3):
        unit = OrgUnitFactory(parent=city["schule"])
        AssetFactory(org_unit=unit)
        schedule = DiscoverySchedule.objects.create(name=f"more-{n}", interval=30)
        run = DiscoveryRun.objects.create(started=at(4), finished=at(4, 1), status=RunStatus.PARTIAL,
                                          schedule=schedule, hosts_failed=1)
        DiscoveryHost.objects.create(run=run, name="sw9", outcome=HostOutcome.FAILED, reason=HostReason.AUTH)
        DiscoverySchedule.objects.filter(pk=schedule.pk).update(last_run=run)
    scrape(client, token)  # the set of assets changed: computed again
    with CaptureQueriesContext(connection) as more:
        found = scrape(client, token)
    assert len(more) == len(few) <= 20, [q["sql"] for q in more.captured_queries]
    assert len(values(found["werterhalt_org_unit_info"])) == 6
    assert values(found["werterhalt_discovery_last_run_failed_hosts"], reason="auth")["more-2"] == 1
