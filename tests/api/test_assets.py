"""Assets through the API: nested reads, writes by primary key, lifecycle answers, validation."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from inventory.models import Asset, Tag
from lifecycle import state
from tests.api.conftest import contract, notice
from tests.factories import (
    AssetFactory,
    HardwareModelFactory,
    ManufacturerFactory,
    ModuleFactory,
    OrgUnitFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db

ASSETS = "/api/inventory/assets/"
LIFECYCLE = ["support_status", "software_status", "coverage", "replacement_due", "replacement_reason",
             "book_value", "risk", "lifecycle_as_of"]


@pytest.fixture
def catalogue():
    cisco = ManufacturerFactory(name="Cisco", slug="cisco")
    return {
        "cisco": cisco,
        "model": HardwareModelFactory(manufacturer=cisco, model="C9300-48P", name="Catalyst 9300"),
        "site": SiteFactory(name="Stadthaus", slug="stadthaus"),
        "unit": OrgUnitFactory(name="Informatik", slug="informatik"),
        "core": Tag.objects.create(name="core", slug="core"),
        "pci": Tag.objects.create(name="pci", slug="pci"),
    }


def test_create_reads_back_nested(engineer, catalogue):
    response = engineer.post(ASSETS, {
        "name": "sw-stadthaus-01", "serial": " FOC1234X ", "hardware_model": catalogue["model"].pk,
        "site": {"id": catalogue["site"].pk}, "org_unit": catalogue["unit"].pk, "status": "active",
        "purchase_date": "2022-01-10", "in_service_date": "2022-02-01", "purchase_cost": "4200.00",
        "tags": ["core", catalogue["pci"].pk],
    }, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    asset = Asset.objects.get(pk=body["id"])
    assert asset.serial == "FOC1234X"  # stripped, as the model's clean() does
    assert asset.manufacturer == catalogue["cisco"]  # follows the hardware model
    assert set(asset.tags.values_list("name", flat=True)) == {"core", "pci"}
    assert body["url"].endswith(reverse("inventory-api:asset-detail", args=[asset.pk]))
    assert body["display"] == "sw-stadthaus-01"
    assert body["site"] == {
        "id": catalogue["site"].pk, "display": "Stadthaus", "name": "Stadthaus", "slug": "stadthaus",
        "url": body["site"]["url"],
    }
    assert body["site"]["url"].endswith(f"/api/inventory/sites/{catalogue['site'].pk}/")
    assert body["hardware_model"]["manufacturer"]["slug"] == "cisco"
    assert body["hardware_model"]["model"] == "C9300-48P"
    assert body["manufacturer"]["name"] == "Cisco"
    assert sorted(t["name"] for t in body["tags"]) == ["core", "pci"]
    # no lifecycle answers yet (they are stored after the commit, which a test never reaches)
    assert all(body[field] is None for field in LIFECYCLE)


def test_update_and_delete(engineer, catalogue):
    asset = AssetFactory(site=catalogue["site"])
    asset.tags.add(catalogue["core"])
    url = f"{ASSETS}{asset.pk}/"
    response = engineer.patch(url, {"role": "core", "site": None, "tags": []}, format="json")
    assert response.status_code == 200, response.content
    asset.refresh_from_db()
    assert (asset.role, asset.site, list(asset.tags.all())) == ("core", None, [])
    assert engineer.get(url).json()["site"] is None
    assert engineer.delete(url).status_code == 204
    assert not Asset.objects.filter(pk=asset.pk).exists()


def test_lifecycle_answers_come_from_the_stored_state(viewer, catalogue):
    old = AssetFactory(hardware_model=catalogue["model"], purchase_cost=Decimal("1000.00"),
                       purchase_date=dt.date(2012, 1, 1), in_service_date=dt.date(2012, 2, 1))
    notice(catalogue["model"], end_of_sale=dt.date(2014, 1, 31), last_date_of_support=dt.date(2019, 1, 31))
    contract(old, number="C-old", start=dt.date(2012, 1, 1), end=dt.date(2013, 12, 31))
    state.refresh()
    body = viewer.get(f"{ASSETS}{old.pk}/").json()
    stored = old.__class__.objects.get(pk=old.pk).lifecycle
    assert body["support_status"] == "unsupported" == stored.hardware_status
    assert body["coverage"] == "expired" == stored.coverage
    assert body["replacement_due"] == "2019-01-31"
    assert body["replacement_basis"] == "support" == stored.replacement_basis
    assert body["replacement_reason"] == "out of support (last date of support)"
    assert body["service_start"] == "2012-02-01" and body["cost_source"] == stored.cost_source
    assert body["book_value"] == "0.00"
    assert body["risk"] == stored.risk
    assert body["software_status"] == stored.software_status
    assert body["lifecycle_as_of"] == stored.at.isoformat()


def test_brief_mode(viewer):
    asset = AssetFactory(name="fw-01", serial="FW123")
    rows = viewer.get(ASSETS, {"brief": "1"}).json()["results"]
    assert rows == [{"id": asset.pk, "url": rows[0]["url"], "display": "fw-01", "name": "fw-01",
                     "serial": "FW123"}]
    detail = viewer.get(f"{ASSETS}{asset.pk}/", {"brief": "true"}).json()
    assert set(detail) == {"id", "url", "display", "name", "serial"}
    assert "tags" in viewer.get(f"{ASSETS}{asset.pk}/").json()


@pytest.mark.parametrize(("change", "field"), [
    ({"serial": "X1", "hardware_model": None, "manufacturer": None}, "serial"),
    ({"purchase_date": "2024-05-01", "in_service_date": "2024-04-01"}, "in_service_date"),
    ({"purchase_cost": "-1.00"}, "purchase_cost"),
    ({"tags": ["no-such-tag"]}, "tags"),
    ({"site": 999999}, "site"),
    ({"site": {"name": "Stadthaus"}}, "site"),
    ({"management_address": "10.0.0.300"}, "management_address"),
])
def test_invalid_writes_are_400_with_the_field_named(engineer, catalogue, change, field):
    data = {"name": "sw-bad", "hardware_model": catalogue["model"].pk, **change}
    response = engineer.post(ASSETS, data, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Asset.objects.filter(name="sw-bad").exists()


def test_a_serial_is_unique_per_manufacturer(engineer, catalogue):
    AssetFactory(hardware_model=catalogue["model"], serial="FOC1")
    data = {"name": "dup", "serial": "FOC1", "hardware_model": catalogue["model"].pk}
    response = engineer.post(ASSETS, data, format="json")
    assert response.status_code == 400
    assert response.json()["serial"] == ["This manufacturer already has an asset with this serial."]
    other = HardwareModelFactory()  # another manufacturer may have the same serial
    ok = engineer.post(ASSETS, {"name": "dup", "serial": "FOC1", "hardware_model": other.pk}, format="json")
    assert ok.status_code == 201, ok.content


def test_update_validates_against_the_stored_values(engineer):
    asset = AssetFactory(purchase_date=dt.date(2024, 1, 1), in_service_date=dt.date(2024, 2, 1))
    response = engineer.patch(f"{ASSETS}{asset.pk}/", {"purchase_date": "2024-03-01"}, format="json")
    assert response.status_code == 400
    assert "in_service_date" in response.json()
    asset.refresh_from_db()
    assert asset.purchase_date == dt.date(2024, 1, 1)


def test_a_site_in_use_cannot_be_deleted(engineer):
    site = SiteFactory()
    AssetFactory(site=site)
    AssetFactory(site=site)
    response = engineer.delete(f"/api/inventory/sites/{site.pk}/")
    assert response.status_code == 409
    assert response.json()["detail"] == "Cannot delete: still referred to by 2 assets."
    assert site.__class__.objects.filter(pk=site.pk).exists()


def test_modules_nest_their_asset(engineer):
    module = ModuleFactory(name="PSU 1")
    body = engineer.get(f"/api/inventory/modules/{module.pk}/").json()
    assert body["asset"]["name"] == module.asset.name
    assert body["display"] == f"{module.asset.name} PSU 1"
    response = engineer.post("/api/inventory/modules/", {"asset": module.asset.pk, "name": "PSU 2"},
                             format="json")
    assert response.status_code == 201, response.content
    assert response.json()["asset"]["id"] == module.asset.pk
