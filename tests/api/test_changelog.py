"""API writes are attributed in the change log to the token or the person who made them."""

import pytest

from inventory.choices import ActorKind, ChangeAction
from inventory.models import ObjectChange, Site
from tests.api.conftest import make_user, session_client, token_client
from tests.factories import AssetFactory

pytestmark = pytest.mark.django_db


def test_a_token_write_names_the_token_and_its_user():
    client = token_client(make_user("engineer", username="ops"), write=True)
    response = client.post("/api/inventory/sites/", {"name": "Werkhof", "slug": "werkhof"}, format="json")
    assert response.status_code == 201
    change = ObjectChange.objects.for_object(Site.objects.get(slug="werkhof")).get()
    assert change.action == ChangeAction.CREATE
    assert change.actor_kind == ActorKind.TOKEN
    assert change.actor == f"token {client.token.prefix}…"
    assert change.user == client.user


def test_a_session_write_names_the_person():
    client = session_client(make_user("engineer", username="anna"))
    asset = AssetFactory()
    response = client.patch(f"/api/inventory/assets/{asset.pk}/", {"role": "core"}, format="json")
    assert response.status_code == 200
    change = ObjectChange.objects.for_object(asset).first()
    assert (change.action, change.actor_kind, change.actor, change.user) == (
        ChangeAction.UPDATE, ActorKind.USER, "anna", client.user)
    assert change.changed_fields() == {"role": ("", "core")}


def test_a_delete_and_a_tag_change_are_logged_for_the_token():
    client = token_client(make_user("engineer"), write=True)
    asset = AssetFactory(name="sw-del")
    client.post("/api/inventory/tags/", {"name": "core", "slug": "core"}, format="json")
    tagged = client.patch(f"/api/inventory/assets/{asset.pk}/", {"tags": ["core"]}, format="json")
    assert tagged.status_code == 200
    assert client.delete(f"/api/inventory/assets/{asset.pk}/").status_code == 204
    rows = ObjectChange.objects.filter(object_repr="sw-del", actor_kind=ActorKind.TOKEN)
    assert set(rows.values_list("action", flat=True)) == {ChangeAction.UPDATE, ChangeAction.DELETE}
    assert rows.get(action=ChangeAction.UPDATE).postchange_data["tags"] == ["core"]
