"""What each group may do through the API (the model permissions of inventory.roles)."""

import pytest

from inventory.models import Asset, Site
from lifecycle.models import Contract
from tests.factories import AssetFactory, SiteFactory

pytestmark = pytest.mark.django_db

SITE = {"name": "Werkhof", "slug": "werkhof"}
CONTRACT = {"provider": "Netcare", "number": "N-7", "start": "2025-01-01", "end": "2027-12-31"}
READ = [
    "/api/inventory/assets/", "/api/inventory/modules/", "/api/inventory/org-units/", "/api/inventory/sites/",
    "/api/inventory/manufacturers/", "/api/inventory/hardware-models/", "/api/inventory/platforms/",
    "/api/inventory/tags/", "/api/inventory/object-changes/", "/api/lifecycle/hardware-notices/",
    "/api/lifecycle/software-releases/", "/api/lifecycle/contracts/", "/api/lifecycle/policies/",
    "/api/discovery/runs/", "/api/discovery/hosts/",
]


@pytest.mark.parametrize("url", READ)
def test_every_group_reads_every_endpoint(viewer, engineer, planner, url):
    for client in (viewer, engineer, planner):
        response = client.get(url)
        assert response.status_code == 200, (url, response.content)
        assert "results" in response.json()


def test_viewer_reads_but_cannot_write(viewer):
    site = SiteFactory()
    assert viewer.post("/api/inventory/sites/", SITE, format="json").status_code == 403
    assert viewer.patch(f"/api/inventory/sites/{site.pk}/", {"name": "X"}, format="json").status_code == 403
    assert viewer.delete(f"/api/inventory/sites/{site.pk}/").status_code == 403
    assert viewer.post("/api/lifecycle/contracts/", CONTRACT, format="json").status_code == 403
    assert Site.objects.count() == 1 and not Contract.objects.exists()


def test_engineer_writes_inventory_but_not_lifecycle(engineer):
    assert engineer.post("/api/inventory/sites/", SITE, format="json").status_code == 201
    asset = AssetFactory()
    assert engineer.patch(f"/api/inventory/assets/{asset.pk}/", {"role": "core"},
                          format="json").status_code == 200
    assert engineer.post("/api/lifecycle/contracts/", CONTRACT, format="json").status_code == 403
    assert not Contract.objects.exists()


def test_planner_writes_lifecycle_but_not_inventory(planner):
    assert planner.post("/api/lifecycle/contracts/", CONTRACT, format="json").status_code == 201
    assert planner.post("/api/inventory/sites/", SITE, format="json").status_code == 403
    asset = AssetFactory()
    assert planner.delete(f"/api/inventory/assets/{asset.pk}/").status_code == 403
    assert Asset.objects.filter(pk=asset.pk).exists()


@pytest.mark.parametrize("url", ["/api/inventory/object-changes/", "/api/discovery/runs/",
                                 "/api/discovery/hosts/"])
def test_what_the_product_writes_itself_is_read_only(admin, engineer, url):
    # engineers may edit discovery data in the admin, but the API only reads it
    assert admin.post(url, {}, format="json").status_code == 405
    assert engineer.post(url, {}, format="json").status_code in {403, 405}
