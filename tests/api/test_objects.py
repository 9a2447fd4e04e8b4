"""CRUD of the other endpoints: org units (a tree), sites, catalogue, lifecycle data."""

import datetime as dt

import pytest
from django.utils import timezone

from collectors.models import DiscoveryHost, DiscoveryRun
from inventory.models import HardwareModel, Manufacturer, OrgUnit, Site
from lifecycle.models import Contract, HardwareNotice, LifecyclePolicy, SoftwareRelease
from tests.api.conftest import contract, make_user, results, session_client
from tests.factories import AssetFactory, HardwareModelFactory, OrgUnitFactory, PlatformFactory, SiteFactory
from tests.lifecycle.test_planning import world  # noqa: F401 - the fixture of the plan test

pytestmark = pytest.mark.django_db


def test_org_unit_tree(engineer):
    top = engineer.post("/api/inventory/org-units/", {"name": "Bau", "slug": "bau"}, format="json")
    assert top.status_code == 201, top.content
    child = engineer.post(
        "/api/inventory/org-units/",
        {"name": "Tiefbau", "slug": "tiefbau", "parent": top.json()["id"]},
        format="json",
    )
    assert child.status_code == 201, child.content
    assert child.json()["parent"]["slug"] == "bau"
    # a unit cannot sit below its own child
    cycle = engineer.patch(top.json()["url"], {"parent": child.json()["id"]}, format="json")
    assert cycle.status_code == 400
    assert "parent" in cycle.json()
    assert OrgUnit.objects.get(slug="bau").parent is None
    # two units of one parent cannot share a name (a constraint of two fields: named by the last)
    twin = engineer.post(
        "/api/inventory/org-units/",
        {"name": "Tiefbau", "slug": "tiefbau-2", "parent": top.json()["id"]},
        format="json",
    )
    assert twin.status_code == 400
    assert "name" in twin.json()
    assert engineer.delete(child.json()["url"]).status_code == 204
    assert list(OrgUnit.objects.values_list("slug", flat=True)) == ["bau"]


def test_site_crud(engineer):
    unit = OrgUnitFactory(slug="schulen")
    created = engineer.post(
        "/api/inventory/sites/",
        {"name": "Schulhaus Au", "slug": "schulhaus-au", "org_unit": unit.pk},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["org_unit"]["slug"] == "schulen"
    url = created.json()["url"]
    assert (
        engineer.put(
            url,
            {"name": "Schulhaus Au", "slug": "schulhaus-au", "address": "Au 1", "org_unit": None},
            format="json",
        ).status_code
        == 200
    )
    site = Site.objects.get(slug="schulhaus-au")
    assert (site.address, site.org_unit) == ("Au 1", None)
    duplicate = engineer.post(
        "/api/inventory/sites/", {"name": "Schulhaus Au", "slug": "other"}, format="json"
    )
    assert duplicate.status_code == 400 and "name" in duplicate.json()
    assert engineer.delete(url).status_code == 204
    assert not Site.objects.exists()


def test_catalogue(engineer):
    maker = engineer.post(
        "/api/inventory/manufacturers/",
        {"name": "Aruba", "slug": "aruba", "aliases": [" HPE Aruba ", "HPE Aruba"]},
        format="json",
    )
    assert maker.status_code == 201, maker.content
    assert Manufacturer.objects.get(slug="aruba").aliases == ["HPE Aruba"]  # clean() normalised them
    model = engineer.post(
        "/api/inventory/hardware-models/",
        {"manufacturer": maker.json()["id"], "model": "JL123A", "category": "switch"},
        format="json",
    )
    assert model.status_code == 201, model.content
    assert model.json()["manufacturer"]["name"] == "Aruba"
    again = engineer.post(
        "/api/inventory/hardware-models/",
        {"manufacturer": maker.json()["id"], "model": "JL123A"},
        format="json",
    )
    assert again.status_code == 400 and "model" in again.json()
    assert HardwareModel.objects.count() == 1
    platform = engineer.post(
        "/api/inventory/platforms/", {"name": "ArubaOS-CX", "slug": "aoscx"}, format="json"
    )
    assert platform.status_code == 201, platform.content
    tag = engineer.post("/api/inventory/tags/", {"name": "a,b", "slug": "ab"}, format="json")
    assert tag.status_code == 400 and "name" in tag.json()


def test_contract_crud(planner):
    first, second = AssetFactory(name="sw-a"), AssetFactory(name="sw-b")
    created = planner.post(
        "/api/lifecycle/contracts/",
        {
            "provider": "Netcare",
            "number": "NC-1",
            "kind": "support",
            "start": "2025-01-01",
            "end": "2027-12-31",
            "yearly_cost": "1200.00",
            "assets": [first.pk, {"id": second.pk}],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert sorted(a["name"] for a in body["assets"]) == ["sw-a", "sw-b"]
    assert body["display"] == "Netcare NC-1"
    item = Contract.objects.get(number="NC-1")
    assert set(item.assets.all()) == {first, second}
    changed = planner.patch(body["url"], {"assets": [second.pk], "end": "2028-06-30"}, format="json")
    assert changed.status_code == 200, changed.content
    item.refresh_from_db()
    assert (list(item.assets.all()), item.end) == ([second], dt.date(2028, 6, 30))
    backwards = planner.patch(body["url"], {"end": "2024-01-01"}, format="json")
    assert backwards.status_code == 400 and "end" in backwards.json()
    same = planner.post(
        "/api/lifecycle/contracts/",
        {"provider": "Netcare", "number": "NC-1", "start": "2025-01-01", "end": "2026-01-01"},
        format="json",
    )
    assert same.status_code == 400 and "number" in same.json()
    assert planner.delete(body["url"]).status_code == 204
    assert not Contract.objects.exists()


def test_other_lifecycle_endpoints(planner):
    models = [HardwareModelFactory(), HardwareModelFactory()]
    notice = planner.post(
        "/api/lifecycle/hardware-notices/",
        {
            "hardware_models": [m.pk for m in models],
            "bulletin": "EOL1234",
            "end_of_sale": "2024-01-31",
            "last_date_of_support": "2023-01-31",
        },
        format="json",
    )
    assert notice.status_code == 400 and "last_date_of_support" in notice.json()
    notice = planner.post(
        "/api/lifecycle/hardware-notices/",
        {
            "hardware_models": [m.pk for m in models],
            "bulletin": "EOL1234",
            "end_of_sale": "2024-01-31",
        },
        format="json",
    )
    assert notice.status_code == 201, notice.content
    assert len(notice.json()["hardware_models"]) == 2
    assert HardwareNotice.objects.get().hardware_models.count() == 2
    platform = PlatformFactory(name="IOS-XE", slug="ios-xe")
    release = planner.post(
        "/api/lifecycle/software-releases/",
        {"platform": platform.pk, "cycle": "17.9", "lts": True},
        format="json",
    )
    assert release.status_code == 201, release.content
    assert release.json()["display"] == "IOS-XE 17.9"
    assert SoftwareRelease.objects.get().lts is True
    policy = planner.post(
        "/api/lifecycle/policies/", {"category": "switch", "service_life_years": 10}, format="json"
    )
    assert policy.status_code == 201, policy.content
    same_scope = planner.post("/api/lifecycle/policies/", {"category": "switch"}, format="json")
    assert same_scope.status_code == 400 and "category" in same_scope.json()
    assert LifecyclePolicy.objects.get().service_life_years == 10


def test_read_only_endpoints(admin):
    asset = AssetFactory(name="sw-found")
    run = DiscoveryRun.objects.create(started=timezone.now(), source="lab", status="partial")
    DiscoveryHost.objects.create(run=run, name="sw-found", outcome="success", asset=asset)
    DiscoveryHost.objects.create(run=run, name="sw-gone", outcome="failed", reason="timeout")
    hosts = results(admin.get("/api/discovery/hosts/", {"run_id": run.pk, "outcome": "failed"}))
    assert [(h["name"], h["reason"], h["asset"]) for h in hosts] == [("sw-gone", "timeout", None)]
    found = admin.get("/api/discovery/hosts/", {"q": "found"}).json()["results"][0]
    assert found["asset"]["name"] == "sw-found" and found["run"]["status"] == "partial"
    assert admin.get(f"/api/discovery/runs/{run.pk}/").json()["status"] == "partial"
    changes = results(admin.get("/api/inventory/object-changes/", {"content_type": "inventory.asset"}))
    assert [c["object_repr"] for c in changes] == ["sw-found"]
    assert changes[0]["content_type"] == "inventory.asset"
    assert changes[0]["action"] == "create"


def test_contract_filter_by_asset(viewer):
    asset = AssetFactory()
    contract(asset, number="A")
    contract(number="B")
    found = results(viewer.get("/api/lifecycle/contracts/", {"asset_id": asset.pk}))
    assert [c["number"] for c in found] == ["A"]


def test_the_browsable_api_renders_for_a_person():
    site = SiteFactory(name="Stadthaus")
    AssetFactory(site=site)
    client = session_client(make_user("admin"))
    for url in ("/api/", "/api/inventory/assets/", "/api/lifecycle/contracts/", "/api/users/tokens/"):
        response = client.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/html")
    form = client.get("/api/inventory/assets/", HTTP_ACCEPT="text/html").content.decode()
    assert 'name="site"' in form and ">Stadthaus</option>" in form  # related objects as <select>


def test_plan_endpoint_json_csv_xlsx_and_errors(world):  # noqa: F811
    import csv
    import io

    import openpyxl

    from tests.api.conftest import make_user, token_client

    client = token_client(make_user("viewer"))  # a read-only token of a viewer may read plans
    data = client.get("/api/lifecycle/plan/", {"at": "2027-01-15", "budget": "2500"}).json()
    assert data["totals"]["due"] == 8 and data["capped_plan"][0]["spent"] == 2000
    # … but downloads are for those who may export plans (planners, admins)
    assert client.get("/api/lifecycle/plan/", {"at": "2027-01-15", "download": "csv"}).status_code == 403
    client = token_client(make_user("planner"))  # read-only token of a planner
    schools = world["schools"].pk
    response = client.get(
        "/api/lifecycle/plan/", {"at": "2027-01-15", "org_unit": schools, "download": "csv"}
    )
    assert [r["name"] for r in csv.DictReader(io.StringIO(response.content.decode()))] == [
        "a1",
        "a9",
        "a5",
        "a3",
    ]
    response = client.get("/api/lifecycle/plan/", {"at": "2027-01-15", "download": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["Summary", "Org units", "Schedule", "Budget", "Scenarios"]  # docs/workbook.md
    bad = client.get("/api/lifecycle/plan/", {"horizon": "0"})
    assert bad.status_code == 400 and "horizon" in bad.json()
    from rest_framework.test import APIClient

    assert APIClient().get("/api/lifecycle/plan/").status_code == 401
