"""Schedules read inventory folders only below DISCOVERY_INVENTORY_ROOT (issue #14: a schedule's
inventory_folder accepted any path, `../../../../etc`)."""

import pytest
from django.core.exceptions import ValidationError

from collectors.hosts import Credentials, InventoryError
from collectors.models import DiscoverySchedule
from collectors.schedules import check_inventory_folder, inventory_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(tmp_path, settings):
    inside = tmp_path / "inventories"
    (inside / "network").mkdir(parents=True)
    (inside / "network" / "hosts.yaml").write_text("sw1:\n  hostname: 10.0.0.1\n  platform: ios\n")
    (tmp_path / "outside").mkdir()
    (inside / "escape").symlink_to(tmp_path / "outside")
    settings.DISCOVERY_INVENTORY_ROOT = inside
    return inside


@pytest.mark.parametrize("folder", ["../../../../etc", "/etc", "../outside", "escape",
                                    "network/../../outside"])
def test_a_folder_outside_the_root_is_refused_naming_the_field(root, folder):
    with pytest.raises(ValidationError) as refused:
        DiscoverySchedule(name="x", interval=10, inventory_folder=folder).full_clean()
    assert "DISCOVERY_INVENTORY_ROOT" in refused.value.message_dict["inventory_folder"][0]


@pytest.mark.parametrize("folder", ["network", "{root}/network", "./network/"])
def test_a_folder_under_the_root_is_taken(root, folder):
    folder = folder.format(root=root)
    DiscoverySchedule(name="x", interval=10, inventory_folder=folder).full_clean()
    assert check_inventory_folder(folder) == root / "network"


def test_a_worker_with_another_root_refuses_the_stored_folder(root, settings, tmp_path):
    schedule = DiscoverySchedule.objects.create(name="net", interval=10,
                                                inventory_folder=str(root / "network"))
    assert list(inventory_for(schedule, Credentials()).hosts) == ["sw1"]
    settings.DISCOVERY_INVENTORY_ROOT = tmp_path / "elsewhere"
    with pytest.raises(InventoryError, match="DISCOVERY_INVENTORY_ROOT"):
        inventory_for(schedule, Credentials())


def test_the_api_answers_400_naming_the_field(root):
    from tests.api.conftest import make_user, token_client

    client = token_client(make_user("engineer"), write=True)
    evil = {"name": "evil", "interval": 10, "inventory_folder": "../../../../etc"}
    response = client.post("/api/discovery/schedules/", evil, format="json")
    assert response.status_code == 400
    assert "inventory_folder" in response.json()
    assert not DiscoverySchedule.objects.filter(name="evil").exists()
