"""Who may do what: the four groups, login everywhere, and the admin pages per role."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from inventory import roles
from inventory.choices import AssetStatus
from inventory.models import Asset, HardwareModel, ObjectChange, OrgUnit, Site
from tests.factories import AssetFactory, UserFactory
from tests.helpers import admin_form_data

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests"  # what UserFactory sets


def _perm_names(perms) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in perms}


def _group_perms(name: str) -> set[str]:
    return _perm_names(Group.objects.get(name=name).permissions.select_related("content_type"))


def _inventory_models() -> list[str]:
    from inventory.roles import PERSONAL_MODELS

    return [m._meta.model_name for m in apps.get_app_config("inventory").get_models()
            if ("inventory", m._meta.model_name) not in PERSONAL_MODELS]


def _user(*groups, **kwargs):
    user = UserFactory(groups=list(groups), **kwargs)
    # UserFactory saves the password it sets only when it adds groups; save it in any case.
    user.save()
    return user


def _login(client, *groups, **kwargs):
    user = _user(*groups, **kwargs)
    client.force_login(user)
    return user


@pytest.fixture
def asset():
    return AssetFactory(name="sw-perm-01", role="access")


@pytest.fixture
def edit_data(asset):
    """A valid edit of ``asset`` (role -> core), as the admin change form would post it."""
    su = Client()
    su.force_login(_user(is_superuser=True))
    data = admin_form_data(su.get(reverse("admin:inventory_asset_change", args=[asset.pk])))
    data["role"] = "core"
    return data


def _change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


# --- groups and their permissions ---------------------------------------------------------------


def test_the_four_groups_exist_after_migrations():
    assert set(Group.objects.values_list("name", flat=True)) >= {"viewer", "engineer", "planner", "admin"}
    assert roles.ROLES == ("viewer", "engineer", "planner", "admin")


def test_viewer_may_read_the_inventory_and_nothing_else():
    from django.apps import apps

    from inventory.roles import PERSONAL_MODELS

    expected = {f"{app}.view_{m._meta.model_name}" for app in ("inventory", "lifecycle", "collectors")
                for m in apps.get_app_config(app).get_models()
                if (app, m._meta.model_name) not in PERSONAL_MODELS and "view" in m._meta.default_permissions}

    assert _group_perms("viewer") == expected
    assert "inventory.view_asset" in expected and "inventory.view_objectchange" in expected
    assert "collectors.view_discoveryrun" in expected
    # other people's API tokens are nobody's business but an admin's
    assert "inventory.view_token" not in _group_perms("viewer")
    assert "inventory.view_token" not in _group_perms("engineer")
    assert "inventory.view_token" in _group_perms("admin")


def test_engineer_may_edit_the_inventory_but_not_the_change_log():
    perms = _group_perms("engineer")

    for model in _inventory_models():
        assert f"inventory.view_{model}" in perms
        for action in ("add", "change", "delete"):
            assert (f"inventory.{action}_{model}" in perms) is (model != "objectchange"), (action, model)
    assert not {p for p in perms if not p.startswith(("inventory.", "lifecycle.", "collectors."))}
    assert "auth.change_user" not in perms


def test_planner_may_read_the_inventory_but_not_edit_it():
    perms = _group_perms("planner")

    assert {f"inventory.view_{m}" for m in _inventory_models()} <= perms
    assert not {p for p in perms if p.startswith("inventory.") and not p.split(".")[1].startswith("view_")}
    assert "auth.view_user" not in perms


def test_admin_group_has_every_permission():
    assert _group_perms("admin") == _perm_names(Permission.objects.select_related("content_type"))
    assert {"auth.change_user", "auth.change_group", "inventory.delete_asset"} <= _group_perms("admin")


def test_group_members_get_the_permissions():
    viewer = UserFactory(groups=["viewer"])
    engineer = UserFactory(groups=["engineer"])
    planner = UserFactory(groups=["planner"])
    admin = UserFactory(groups=["admin"])

    assert viewer.has_perm("inventory.view_asset") and not viewer.has_perm("inventory.change_asset")
    assert engineer.has_perm("inventory.change_asset") and engineer.has_perm("inventory.add_module")
    assert not engineer.has_perm("inventory.change_objectchange")
    assert planner.has_perm("inventory.view_site") and not planner.has_perm("inventory.delete_site")
    assert admin.has_perm("auth.add_user") and not engineer.has_perm("auth.add_user")


@pytest.mark.parametrize(
    ("role", "app_label", "model", "codename", "expected"),
    [
        ("viewer", "inventory", "asset", "view_asset", True),
        ("viewer", "inventory", "asset", "change_asset", False),
        ("viewer", "lifecycle", "plan", "view_plan", True),
        ("viewer", "auth", "user", "view_user", False),
        ("engineer", "inventory", "asset", "delete_asset", True),
        ("engineer", "collectors", "run", "run_discovery", True),
        ("engineer", "inventory", "objectchange", "change_objectchange", False),
        ("engineer", "inventory", "objectchange", "view_objectchange", True),
        ("engineer", "lifecycle", "plan", "change_plan", False),
        ("planner", "lifecycle", "plan", "change_plan", True),
        ("planner", "lifecycle", "plan", "export_plan", True),
        ("planner", "inventory", "asset", "change_asset", False),
        ("planner", "collectors", "run", "run_discovery", False),
        ("planner", "sessions", "session", "view_session", False),
        ("admin", "auth", "user", "change_user", True),
        ("admin", "inventory", "objectchange", "delete_objectchange", True),
    ],
)
def test_role_rules(role, app_label, model, codename, expected):
    assert roles.wanted(role, app_label, model, codename) is expected


def test_sync_role_permissions_recreates_missing_groups_and_is_idempotent():
    before = {name: _group_perms(name) for name in roles.ROLES}
    Group.objects.filter(name="viewer").delete()

    roles.sync_role_permissions(Group, Permission)
    roles.sync_role_permissions(Group, Permission)

    assert Group.objects.filter(name__in=roles.ROLES).count() == 4
    assert {name: _group_perms(name) for name in roles.ROLES} == before


# --- logging in ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/admin/inventory/asset/", "/admin/inventory/objectchange/"])
def test_anonymous_is_sent_to_a_login_page(client, path):
    response = client.get(path)

    assert response.status_code == 302
    target = urlsplit(response.url)
    assert target.path.endswith("/login/")
    assert parse_qs(target.query)["next"] == [path]

    page = client.get(response.url)
    assert page.status_code == 200
    assert 'name="password"' in page.content.decode()


def test_login_page_logs_in_with_correct_credentials(client):
    _user(username="anna")

    assert client.get("/login/").status_code == 200
    response = client.post("/login/", {"username": "anna", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get("/").status_code == 200


def test_login_page_follows_next(client):
    _user(username="anna")

    response = client.post("/login/", {"username": "anna", "password": PASSWORD, "next": "/admin/"})

    assert response.status_code == 302
    assert response.url == "/admin/"


def test_login_page_refuses_a_wrong_password(client):
    _user(username="anna")

    response = client.post("/login/", {"username": "anna", "password": "wrong"})

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert client.get("/").status_code == 302


def test_logout_sends_back_to_login(client):
    _login(client, "viewer")

    response = client.post("/logout/")

    assert response.status_code == 302
    assert response.url == reverse("login")
    assert client.get("/").status_code == 302


# --- the home page ------------------------------------------------------------------------------


def test_home_page_shows_counts(client):
    AssetFactory.create_batch(3)
    AssetFactory(status=AssetStatus.SPARE)
    _login(client, "viewer", username="vera")

    response = client.get("/")

    assert response.status_code == 200
    ctx = response.context
    assert ctx["asset_count"] == Asset.objects.count() == 4
    assert ctx["model_count"] == HardwareModel.objects.count()
    assert ctx["site_count"] == Site.objects.count()
    assert ctx["org_unit_count"] == OrgUnit.objects.count()
    by_status = {label: n for label, _color, n in ctx["by_status"]}
    assert by_status[AssetStatus.ACTIVE.label] == 3
    assert by_status[AssetStatus.SPARE.label] == 1
    assert by_status[AssetStatus.DECOMMISSIONED.label] == 0
    html = response.content.decode()
    assert "4 assets" in html
    assert f"{Site.objects.count()} sites" in html
    assert "vera" in html
    assert len(ctx["recent_changes"]) == min(10, ObjectChange.objects.count())


def test_home_page_with_an_empty_inventory(client):
    _login(client, "planner")

    response = client.get("/")

    assert response.status_code == 200
    assert response.context["asset_count"] == 0
    assert "0 assets" in response.content.decode()


# --- assets in the admin, per role --------------------------------------------------------------


def test_viewer_can_open_the_asset_list_and_change_page(client, asset):
    _login(client, "viewer")

    listing = client.get(reverse("admin:inventory_asset_changelist"))
    page = client.get(_change_url(asset))

    assert listing.status_code == 200
    assert "sw-perm-01" in listing.content.decode()
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert "sw-perm-01" in page.content.decode()


def test_viewer_cannot_save_an_edit(client, asset, edit_data):
    _login(client, "viewer")

    response = client.post(_change_url(asset), edit_data)

    assert response.status_code == 403
    asset.refresh_from_db()
    assert asset.role == "access"


def test_viewer_cannot_add_delete_or_import(client, asset):
    _login(client, "viewer")
    count = Asset.objects.count()

    assert client.get(reverse("admin:inventory_asset_add")).status_code == 403
    assert client.post(reverse("admin:inventory_asset_add"), {"name": "new"}).status_code == 403
    assert client.get(reverse("admin:inventory_asset_import")).status_code == 403
    assert client.post(reverse("admin:inventory_asset_import"), {}).status_code == 403
    assert client.post(reverse("admin:inventory_asset_delete", args=[asset.pk]),
                       {"post": "yes"}).status_code == 403
    assert Asset.objects.count() == count


def test_viewer_can_export(client, asset):
    _login(client, "viewer")

    response = client.get(reverse("admin:inventory_asset_export"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "sw-perm-01" in response.content.decode()


def test_engineer_can_edit_an_asset(client, asset, edit_data):
    _login(client, "engineer")

    response = client.post(_change_url(asset), edit_data)

    assert response.status_code == 302
    assert response.url == reverse("admin:inventory_asset_changelist")
    asset.refresh_from_db()
    assert asset.role == "core"


def test_engineer_can_open_add_and_import(client):
    _login(client, "engineer")

    assert client.get(reverse("admin:inventory_asset_add")).status_code == 200
    assert client.get(reverse("admin:inventory_asset_import")).status_code == 200


def test_planner_cannot_edit_assets(client, asset, edit_data):
    _login(client, "planner")

    assert client.get(_change_url(asset)).status_code == 200
    assert client.post(_change_url(asset), edit_data).status_code == 403
    assert client.get(reverse("admin:inventory_asset_add")).status_code == 403
    assert client.get(reverse("admin:inventory_asset_import")).status_code == 403
    asset.refresh_from_db()
    assert asset.role == "access"


def test_staff_user_without_a_group_sees_no_assets(client, asset):
    _login(client)

    assert client.get(reverse("admin:inventory_asset_changelist")).status_code == 403
    assert client.get(_change_url(asset)).status_code == 403


# --- the change log admin: read-only for everyone ---------------------------------------------


@pytest.mark.parametrize("who", ["viewer", "engineer", "planner", "admin", "superuser"])
def test_change_log_admin_is_read_only_but_viewable(client, asset, who):
    if who == "superuser":
        _login(client, is_superuser=True)
    else:
        _login(client, who)
    change = ObjectChange.objects.for_object(asset).first()
    url = reverse("admin:inventory_objectchange_change", args=[change.pk])
    count = ObjectChange.objects.count()

    listing = client.get(reverse("admin:inventory_objectchange_changelist"))
    page = client.get(url)

    assert listing.status_code == 200
    assert "sw-perm-01" in listing.content.decode()
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert page.context["has_delete_permission"] is False
    assert client.post(url, {"actor": "forged", "object_repr": "forged"}).status_code == 403
    assert client.get(reverse("admin:inventory_objectchange_add")).status_code == 403
    assert client.post(reverse("admin:inventory_objectchange_delete", args=[change.pk]),
                       {"post": "yes"}).status_code == 403
    bulk_delete = client.post(reverse("admin:inventory_objectchange_changelist"),
                              {"action": "delete_selected", "_selected_action": [change.pk], "post": "yes"})
    assert bulk_delete.status_code in (200, 302)
    change.refresh_from_db()
    assert change.actor == "system"
    assert change.object_repr == "sw-perm-01"
    assert ObjectChange.objects.count() == count


def test_only_planners_and_admins_may_download_plans():
    assert "lifecycle.export_plan" in _group_perms("planner")
    assert "lifecycle.export_plan" in _group_perms("admin")
    assert "lifecycle.export_plan" not in _group_perms("viewer")
    assert "lifecycle.export_plan" not in _group_perms("engineer")
