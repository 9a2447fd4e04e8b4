"""Lifecycle of assets in the database (lifecycle.assess) and `manage.py lifecycle_status`."""

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from inventory.models import Asset
from lifecycle import assess, figures, labels, rules
from lifecycle.models import Contract, HardwareNotice, LifecyclePolicy, SoftwareRelease
from tests.factories import AssetFactory, HardwareModelFactory, ModuleFactory, OrgUnitFactory, PlatformFactory

pytestmark = pytest.mark.django_db
AT = dt.date(2026, 6, 15)


@pytest.fixture
def world():
    city = OrgUnitFactory(name="City")
    school = OrgUnitFactory(name="Schools", parent=city)
    xe = PlatformFactory(name="Cisco IOS-XE", slug="cisco-ios-xe", napalm_driver="ios")
    c9300 = HardwareModelFactory(model="C9300-48P", category="switch")
    psu = HardwareModelFactory(model="PWR-C1-715WAC", category="module")
    old = HardwareModelFactory(model="WS-C2960X-48FPD-L", category="switch")
    notice_new = HardwareNotice.objects.create(last_date_of_support=dt.date(2031, 1, 31))
    notice_new.hardware_models.add(c9300)
    notice_old = HardwareNotice.objects.create(
        end_of_sale=dt.date(2022, 10, 30), last_date_of_support=dt.date(2027, 3, 31)
    )
    notice_old.hardware_models.add(old, psu)
    SoftwareRelease.objects.create(
        platform=xe,
        cycle="17.9",
        end_of_maintenance=dt.date(2025, 7, 31),
        end_of_security_support=dt.date(2026, 7, 31),
        end_of_life=dt.date(2026, 7, 31),
    )
    SoftwareRelease.objects.create(
        platform=xe,
        cycle="17.12",
        end_of_maintenance=dt.date(2027, 1, 1),
        end_of_security_support=dt.date(2028, 1, 1),
        end_of_life=dt.date(2028, 1, 1),
    )
    new = AssetFactory(
        name="sw-new",
        hardware_model=c9300,
        platform=xe,
        software_version="17.12.04",
        org_unit=school,
        purchase_date=dt.date(2024, 1, 10),
        in_service_date=None,
        purchase_cost=Decimal("6000.00"),
    )
    legacy = AssetFactory(
        name="sw-old",
        hardware_model=old,
        platform=xe,
        software_version="17.09.04a",
        org_unit=city,
        in_service_date=dt.date(2016, 5, 1),
        purchase_date=None,
    )
    bare = AssetFactory(
        name="sw-bare",
        hardware_model=HardwareModelFactory(category="router"),
        purchase_date=None,
        in_service_date=None,
        purchase_cost=None,
    )
    ModuleFactory(asset=new, name="PSU 1", hardware_model=psu)
    contract = Contract.objects.create(
        provider="Netcloud", number="SC-1", start=dt.date(2025, 1, 1), end=dt.date(2026, 7, 1), notice_days=90
    )
    contract.assets.add(new)
    return {"city": city, "school": school, "new": new, "legacy": legacy, "bare": bare}


def test_one_asset(world):
    ev, item = assess.assess(world["new"], AT)
    assert item.cycle == "17.12"
    assert ev.software == rules.SUPPORTED
    # the chassis is supported until 2031, but its power supply's model leaves support in 2027
    assert ev.hardware == rules.MAINTENANCE_ENDING
    assert ev.findings == ("module PSU 1: maintenance ending",)
    assert ev.coverage == rules.EXPIRING  # ends 2026-07-01, 16 days after AT, 90 days' notice
    assert ev.replacement_due == dt.date(2031, 1, 31)
    assert (ev.basis, ev.out_of_support) == (rules.BASIS_SUPPORT, "last_date_of_support")
    assert labels.replacement_reason(ev.basis, ev.out_of_support, ev.life_years, ev.start_source) == (
        "out of support (last date of support)"
    )
    with translation.override("de"):  # German nouns keep their capital
        assert labels.reason_of(ev) == "ohne Support (letzter Supporttag)"
    assert ev.book_value == rules.book_value(Decimal("6000.00"), dt.date(2024, 1, 10), AT)

    ev, item = assess.assess(world["legacy"], AT)
    assert item.cycle == "17.9"
    assert (ev.hardware, ev.software, ev.coverage) == (
        rules.MAINTENANCE_ENDING,
        rules.SECURITY_ONLY,
        rules.NONE,
    )
    assert ev.replacement_due == dt.date(2024, 5, 1)  # 8 years from 2016-05-01, before 2027-03-31
    assert ev.risk == rules.HIGH  # past its service life

    ev, _ = assess.assess(world["bare"], AT)
    assert (ev.hardware, ev.software, ev.replacement_due, ev.book_value) == ("unknown", "unknown", None, None)


def test_policy_most_specific_wins(world):
    cat = assess.Catalogue()
    assert cat.policy("switch", world["school"].pk) == rules.DEFAULT_POLICY
    LifecyclePolicy.objects.create(service_life_years=10)
    LifecyclePolicy.objects.create(category="switch", service_life_years=7)
    LifecyclePolicy.objects.create(org_unit=world["city"], service_life_years=6)
    LifecyclePolicy.objects.create(
        category="switch",
        org_unit=world["city"],
        service_life_years=5,
        out_of_support="end_of_security_support",
    )
    cat = assess.Catalogue()
    assert cat.policy("switch", world["school"].pk).service_life_years == 5  # via the parent unit
    assert cat.policy("switch", world["school"].pk).out_of_support == "end_of_security_support"
    assert cat.policy("router", world["school"].pk).service_life_years == 6
    assert cat.policy("switch", None).service_life_years == 7
    assert cat.policy("router", None).service_life_years == 10


def test_one_default_policy_per_category(world):
    from django.db import IntegrityError, transaction

    LifecyclePolicy.objects.create(category="switch")
    with pytest.raises(IntegrityError), transaction.atomic():
        LifecyclePolicy.objects.create(category="switch")


def test_collect_costs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    for _ in range(20):
        AssetFactory(hardware_model=world["new"].hardware_model, platform=world["new"].platform)
    with django_assert_max_num_queries(8):
        items = assess.collect(Asset.objects.all(), AT)
    assert len(items) == Asset.objects.count()


def test_status_figures_agree_with_per_asset_rules(world):
    report = figures.totals(figures.answers(AT), AT)
    assert report["count"] == 3
    per_asset = [assess.assess(a, AT)[0] for a in Asset.objects.all()]
    for column in ("hardware", "software", "coverage", "risk"):
        expected = {}
        for ev in per_asset:
            expected[getattr(ev, column)] = expected.get(getattr(ev, column), 0) + 1
        assert {k: v for k, v in report[column].items() if v} == expected, column
    # sw-old's model leaves support on 2027-03-31: within 12 months of AT, so within 24 and 36 too;
    # sw-new's on 2031-01-31: in none of them
    assert [row["count"] for row in report["leaving_support"]] == [1, 1, 1]
    early = dt.date(2026, 3, 30)
    assert figures.totals(figures.answers(early), early)["leaving_support"][0]["count"] == 0


def test_lifecycle_status_command(world):
    out = StringIO()
    call_command("lifecycle_status", "--at", "2026-06-15", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["at"] == "2026-06-15" and data["assets"] == 3 and data["count"] == 3
    assert data["leaving_support"][1]["months"] == 24
    assert data["leaving_support"][1]["assets"] == [world["legacy"].pk]

    out = StringIO()
    call_command("lifecycle_status", "--at", "2026-06-15", stdout=out)
    text = out.getvalue()
    assert "Lifecycle on 2026-06-15: 3 assets in use of 3" in text
    assert "within 24 months: 1 (sw-old)" in text

    with pytest.raises(CommandError, match="not a date") as err:
        call_command("lifecycle_status", "--at", "2026-02-30")
    assert err.value.returncode == 2


def test_asset_page_in_the_admin_shows_its_lifecycle(world, admin_client):
    from lifecycle.models import Contract

    page = admin_client.get(f"/admin/inventory/asset/{world['legacy'].pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    from django.utils import timezone

    from lifecycle.choices import SupportStatus

    ev, _ = assess.assess(world["legacy"], timezone.localdate())  # the page shows today's answers
    assert "Hardware support" in body and str(SupportStatus(ev.hardware).label) in body
    assert str(SupportStatus(ev.software).label) in body and "cycle 17.9" in body
    reason = labels.replacement_reason(ev.basis, ev.out_of_support, ev.life_years, ev.start_source)
    assert f"{ev.replacement_due} ({reason})" in body
    assert "Sample lifecycle data" not in body
    # contracts are edited on the asset too
    assert "Contract-asset relationship" in body or "contracts" in body.lower()
    assert Contract.objects.filter(assets=world["new"]).exists()


def test_demo_lifecycle_catalogue_is_sample_data_and_idempotent():
    from inventory import demo as inventory_demo
    from lifecycle import demo

    inventory_demo.load()
    first = demo.load()
    assert first["hardware notices"] > 5 and first["software releases"] > 5 and first["contracts"] == 3
    assert not HardwareNotice.objects.filter(sample=False).exists()
    from inventory.models import ObjectChange

    changes = ObjectChange.objects.count()
    assert demo.load() == first
    assert ObjectChange.objects.count() == changes  # the second load changed nothing
    report = figures.totals(figures.answers(AT), AT)
    assert report["assets"] == Asset.objects.count()
    assert report["hardware"]["unknown"] < report["count"]  # the sample catalogue covers most
    asset = Asset.objects.filter(hardware_model__notices__sample=True).first()
    ev, item = assess.assess(asset, AT)
    assert ev.hardware != rules.UNKNOWN


def test_modules_are_judged_by_their_chassis_policy(world):
    ev, _ = assess.assess(world["new"], AT)
    assert ev.findings == ("module PSU 1: maintenance ending",)  # last date of support 2027-03-31
    # a policy that counts end of security support (not announced for the PSU): no finding
    LifecyclePolicy.objects.create(category="switch", out_of_support="end_of_security_support")
    ev, item = assess.assess(world["new"], AT)
    assert item.policy.out_of_support == "end_of_security_support"
    assert ev.findings == ()


def test_milestones_of_a_notice_for_the_asset_page():
    notice = HardwareNotice.objects.create(
        end_of_sale=dt.date(2025, 1, 31), last_date_of_support=dt.date(2030, 1, 31)
    )
    rows = assess.milestones(notice, rules.Policy(), dt.date(2026, 6, 15))
    assert [m.field for m in rows] == [
        "end_of_sale_announced",
        "end_of_sale",
        "end_of_sw_maintenance",
        "end_of_security_support",
        "last_date_of_support",
    ]
    by_field = {m.field: m for m in rows}
    assert by_field["end_of_sale"].passed and not by_field["last_date_of_support"].passed
    assert (
        by_field["last_date_of_support"].is_out_of_support and not by_field["end_of_sale"].is_out_of_support
    )
    assert by_field["end_of_sale_announced"].date is None and not by_field["end_of_sale_announced"].passed
    policy = rules.Policy(out_of_support="end_of_security_support")
    assert [
        m.field for m in assess.milestones(notice, policy, dt.date(2026, 6, 15)) if m.is_out_of_support
    ] == ["end_of_security_support"]
    assert assess.milestones(None, rules.Policy(), dt.date(2026, 6, 15)) == []


def test_versions_running_in_a_release_cycle():
    xe = PlatformFactory(name="IOS-XE", slug="ios-xe")
    r179 = SoftwareRelease.objects.create(platform=xe, cycle="17.9")
    SoftwareRelease.objects.create(platform=xe, cycle="17.12")
    for version in ("17.09.04a", "17.9.5", "17.12.3", "16.12.4"):
        AssetFactory(platform=xe, software_version=version)
    assert assess.versions_in_cycle(r179) == ["17.09.04a", "17.9.5"]
