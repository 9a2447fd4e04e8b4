"""The UI's filters, pagination and ordering on the API's lists."""

import datetime as dt

import pytest
from django.utils import timezone

from inventory.models import Asset, Tag
from lifecycle import state
from lifecycle.models import LifecycleState
from tests.api.conftest import names, notice, results
from tests.factories import AssetFactory, HardwareModelFactory, OrgUnitFactory, SiteFactory

pytestmark = pytest.mark.django_db

ASSETS = "/api/inventory/assets/"


def test_support_status_after_refresh(viewer):
    old_model, new_model = HardwareModelFactory(), HardwareModelFactory()
    notice(old_model, end_of_sale=dt.date(2014, 1, 31), last_date_of_support=dt.date(2019, 1, 31))
    AssetFactory(name="old", hardware_model=old_model)
    AssetFactory(name="new", hardware_model=new_model)
    assert names(viewer.get(ASSETS, {"hardware_status": "unsupported"})) == set()  # nothing stored yet
    state.refresh()
    assert names(viewer.get(ASSETS, {"hardware_status": "unsupported"})) == {"old"}
    assert names(viewer.get(ASSETS, {"hardware_status": ["unsupported", "unknown"]})) == {"old", "new"}
    bad = viewer.get(ASSETS, {"hardware_status": "fine"})
    assert bad.status_code == 400 and "hardware_status" in bad.json()


def test_site_and_org_unit_with_its_children(viewer):
    top = OrgUnitFactory(slug="bau")
    child = OrgUnitFactory(slug="tiefbau", parent=top)
    other = OrgUnitFactory(slug="schulen")
    a, b = SiteFactory(), SiteFactory()
    AssetFactory(name="on-top", org_unit=top, site=a)
    AssetFactory(name="on-child", org_unit=child, site=b)
    AssetFactory(name="elsewhere", org_unit=other, site=b)
    assert names(viewer.get(ASSETS, {"site_id": a.pk})) == {"on-top"}
    assert names(viewer.get(ASSETS, {"site_id": [a.pk, b.pk]})) == {"on-top", "on-child", "elsewhere"}
    assert names(viewer.get(ASSETS, {"org_unit_id": top.pk})) == {"on-top", "on-child"}
    assert names(viewer.get(ASSETS, {"org_unit": "bau"})) == {"on-top", "on-child"}
    assert names(viewer.get(ASSETS, {"org_unit": "tiefbau"})) == {"on-child"}
    sites = results(viewer.get("/api/inventory/sites/", {"q": a.name}))
    assert [s["id"] for s in sites] == [a.pk]


def test_foreign_keys_filter_by_slug(viewer):
    site = SiteFactory(slug="werkhof")
    AssetFactory(name="here", site=site)
    AssetFactory(name="there")
    assert names(viewer.get(ASSETS, {"site": "werkhof"})) == {"here"}
    here = Asset.objects.get(name="here")
    maker = here.manufacturer
    assert names(viewer.get(ASSETS, {"manufacturer": maker.slug})) == {"here"}
    assert viewer.get(ASSETS, {"site": "no-such-site"}).status_code == 400


def test_search_and_tags(viewer):
    core = Tag.objects.create(name="core", slug="core")
    first = AssetFactory(name="sw-rathaus-01", serial="FOC1111AAAA")
    AssetFactory(name="fw-rathaus-02", serial="JAE2222")
    AssetFactory(name="ap-schule-01")
    first.tags.add(core)
    assert names(viewer.get(ASSETS, {"q": "rathaus"})) == {"sw-rathaus-01", "fw-rathaus-02"}
    assert names(viewer.get(ASSETS, {"q": "jae2222"})) == {"fw-rathaus-02"}
    assert names(viewer.get(ASSETS, {"q": "FOC1111"})) == {"sw-rathaus-01"}  # a serial's beginning
    assert names(viewer.get(ASSETS, {"tag": "core"})) == {"sw-rathaus-01"}


def test_replacement_year(viewer):
    AssetFactory(name="due-2038", purchase_date=dt.date(2030, 1, 10), in_service_date=dt.date(2030, 1, 15))
    AssetFactory(name="due-2028", purchase_date=dt.date(2020, 3, 1), in_service_date=dt.date(2020, 4, 1))
    overdue_model = HardwareModelFactory()
    notice(overdue_model, last_date_of_support=dt.date(2019, 1, 31))
    AssetFactory(name="overdue", hardware_model=overdue_model)
    state.refresh()
    due = dict(LifecycleState.objects.values_list("asset__name", "replacement_due"))
    assert due == {"due-2038": dt.date(2038, 1, 15), "due-2028": dt.date(2028, 4, 1),
                   "overdue": dt.date(2019, 1, 31)}
    assert names(viewer.get(ASSETS, {"replacement_year": 2038})) == {"due-2038"}
    assert names(viewer.get(ASSETS, {"replacement_year": 2028})) == {"due-2028"}
    # a budget year is that year's bucket: what is overdue is the backlog, as the dashboard counts it
    this_year = timezone.localdate().year
    assert names(viewer.get(ASSETS, {"replacement_year": this_year})) == set()
    assert names(viewer.get(ASSETS, {"replacement_bucket": "backlog"})) == {"overdue"}
    AssetFactory(name="gone", hardware_model=overdue_model, status="decommissioned")
    state.refresh()
    assert names(viewer.get(ASSETS, {"replacement_bucket": "backlog"})) == {"overdue"}  # counts in use only
    for bad in ({"replacement_year": 99999}, {"replacement_year": 0}, {"replacement_bucket": "later"}):
        response = viewer.get(ASSETS, bad)
        assert response.status_code == 400 and set(response.json()) == set(bad), bad


def test_not_seen_days(viewer):
    now = timezone.now()
    AssetFactory(name="gone", last_seen=now - dt.timedelta(days=40))
    AssetFactory(name="recent", last_seen=now - dt.timedelta(days=2))
    AssetFactory(name="never-discovered", last_seen=None)
    assert names(viewer.get(ASSETS, {"not_seen_days": 30})) == {"gone"}
    assert names(viewer.get(ASSETS, {"not_seen_days": 1})) == {"gone", "recent"}


def test_ordering_by_api_field_names(viewer):
    for name in ("b", "c", "a"):
        AssetFactory(name=name)
    assert [r["name"] for r in results(viewer.get(ASSETS, {"ordering": "-name"}))] == ["c", "b", "a"]
    assert [r["name"] for r in results(viewer.get(ASSETS, {"ordering": "name"}))] == ["a", "b", "c"]
    # a lifecycle answer sorts by its stored source; unknown names are ignored
    state.refresh()
    sorted_rows = results(viewer.get(ASSETS, {"ordering": "replacement_due,-name,nonsense"}))
    assert [r["name"] for r in sorted_rows] == ["c", "b", "a"]  # equal dates: by name, descending
    brief = results(viewer.get(ASSETS, {"ordering": "-support_status,name", "brief": 1}))
    assert [r["name"] for r in brief] == ["a", "b", "c"]  # brief rows sort by any field of the full form


def test_limit_offset_pagination(viewer, settings):
    for n in range(5):
        AssetFactory(name=f"a{n}")
    page = viewer.get(ASSETS, {"limit": 2, "offset": 1}).json()
    assert page["count"] == 5
    assert [r["name"] for r in page["results"]] == ["a1", "a2"]
    assert "offset=3" in page["next"] and page["previous"]
    settings.MAX_PAGE_SIZE = 3
    assert len(viewer.get(ASSETS, {"limit": 100}).json()["results"]) == 3
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "PAGE_SIZE": 4}
    assert len(viewer.get(ASSETS).json()["results"]) == 3  # the default, bounded by the maximum
