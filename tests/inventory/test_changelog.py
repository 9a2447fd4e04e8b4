"""The change log: a row per create, update and delete, with the values before and after and the
actor in force."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from inventory.changelog import change_actor, current_actor
from inventory.choices import ActorKind, ChangeAction
from inventory.models import Asset, Module, ObjectChange, Site, Tag
from tests.factories import AssetFactory, ModuleFactory, SiteFactory, UserFactory
from tests.helpers import admin_form_data

pytestmark = pytest.mark.django_db


def _changes(obj) -> list[ObjectChange]:
    return list(ObjectChange.objects.for_object(obj))


def _latest(obj) -> ObjectChange:
    return ObjectChange.objects.for_object(obj).first()


@pytest.fixture
def tag_core():
    return Tag.objects.create(name="core", slug="core")


# --- create, update, delete ---------------------------------------------------------------------


def test_creating_an_asset_logs_a_create_with_the_values_after():
    asset = AssetFactory(name="sw-rathaus-01", serial="FOC0001")

    [change] = _changes(asset)

    assert change.action == ChangeAction.CREATE
    assert change.content_type == ContentType.objects.get_for_model(Asset)
    assert change.object_id == asset.pk
    assert change.object_repr == "sw-rathaus-01"
    assert change.prechange_data is None
    after = change.postchange_data
    assert after["name"] == "sw-rathaus-01"
    assert after["serial"] == "FOC0001"
    assert after["manufacturer_id"] == asset.hardware_model.manufacturer_id
    assert after["hardware_model_id"] == asset.hardware_model_id
    assert after["purchase_date"] == asset.purchase_date.isoformat()
    assert after["purchase_cost"] == str(asset.purchase_cost)
    assert after["tags"] == []


def test_updating_an_asset_logs_the_values_before_and_after():
    asset = AssetFactory(name="sw-old", software_version="15.2(7)E4")

    asset.name = "sw-new"
    asset.software_version = "15.2(7)E8"
    asset.save()

    changes = _changes(asset)
    assert [c.action for c in changes] == [ChangeAction.UPDATE, ChangeAction.CREATE]
    update = changes[0]
    assert update.prechange_data["name"] == "sw-old"
    assert update.postchange_data["name"] == "sw-new"
    assert update.object_repr == "sw-new"
    assert update.changed_fields() == {
        "name": ("sw-old", "sw-new"),
        "software_version": ("15.2(7)E4", "15.2(7)E8"),
    }


def test_update_through_a_freshly_read_instance_logs_only_what_changed():
    asset = AssetFactory(purchase_cost=Decimal("4200.00"))

    fresh = Asset.objects.get(pk=asset.pk)
    fresh.purchase_cost = Decimal("3999.95")
    fresh.save()

    assert _latest(asset).changed_fields() == {"purchase_cost": ("4200.00", "3999.95")}


def test_an_update_that_changes_nothing_writes_no_row():
    asset = AssetFactory()
    site = SiteFactory()
    before = ObjectChange.objects.count()

    asset.save()
    Asset.objects.get(pk=asset.pk).save()
    site.save()

    assert ObjectChange.objects.count() == before


def test_saving_an_equal_value_in_another_form_writes_no_row():
    """4200 and 4200.00 are the same amount, and the database keeps the same value for both:
    re-saving must not log a change that did not happen."""
    asset = AssetFactory(purchase_cost=Decimal("4200.00"))
    before = ObjectChange.objects.count()

    asset.purchase_cost = Decimal("4200")
    asset.save()

    asset.refresh_from_db()
    assert asset.purchase_cost == Decimal("4200.00")
    assert ObjectChange.objects.count() == before, [
        c.changed_fields() for c in ObjectChange.objects.all()[: ObjectChange.objects.count() - before]
    ]


def test_deleting_an_asset_logs_a_delete_with_the_values_before():
    asset = AssetFactory(name="sw-gone", serial="FOC0002")
    pk = asset.pk
    ct = ContentType.objects.get_for_model(Asset)

    asset.delete()

    change = ObjectChange.objects.filter(content_type=ct, object_id=pk).first()
    assert change.action == ChangeAction.DELETE
    assert change.object_repr == "sw-gone"
    assert change.prechange_data["name"] == "sw-gone"
    assert change.prechange_data["serial"] == "FOC0002"
    assert change.postchange_data is None
    assert set(change.changed_fields()) >= {"name", "serial", "site_id"}


def test_site_create_update_delete_are_logged():
    site = SiteFactory(name="Stadthaus", address="Marktgasse 1")
    pk = site.pk

    site.address = "Marktgasse 2"
    site.save()
    site_copy = Site.objects.get(pk=pk)
    site.delete()

    changes = _changes(site_copy)
    assert [c.action for c in changes] == [ChangeAction.DELETE, ChangeAction.UPDATE, ChangeAction.CREATE]
    delete, update, create = changes
    assert create.postchange_data["name"] == "Stadthaus"
    assert update.changed_fields() == {"address": ("Marktgasse 1", "Marktgasse 2")}
    assert delete.prechange_data["address"] == "Marktgasse 2"
    assert delete.postchange_data is None
    assert {c.content_type.model for c in changes} == {"site"}


# --- changed_fields ----------------------------------------------------------------------------


def test_changed_fields_lists_only_differing_fields_sorted():
    change = ObjectChange(
        prechange_data={"name": "a", "serial": "1", "role": "access", "gone": 1},
        postchange_data={"name": "b", "serial": "1", "role": "core", "new": [1]},
    )

    result = change.changed_fields()

    assert result == {"gone": (1, None), "name": ("a", "b"), "new": (None, [1]), "role": ("access", "core")}
    assert list(result) == sorted(result)


def test_changed_fields_of_create_and_delete():
    after = {"name": "x", "comments": "", "site_id": None}

    assert ObjectChange(prechange_data=None, postchange_data=after).changed_fields() == {
        "name": (None, "x"), "comments": (None, ""),
    }
    assert ObjectChange(prechange_data=after, postchange_data=None).changed_fields() == {
        "name": ("x", None), "comments": ("", None),
    }
    assert ObjectChange(prechange_data=after, postchange_data=dict(after)).changed_fields() == {}


# --- tags -------------------------------------------------------------------------------------


def test_adding_and_removing_a_tag_is_logged_as_an_update(tag_core):
    asset = AssetFactory()
    wan = Tag.objects.create(name="wan", slug="wan")

    asset.tags.add(tag_core)
    added = _latest(asset)
    asset.tags.add(wan)
    added_second = _latest(asset)
    asset.tags.remove(tag_core)
    removed = _latest(asset)

    assert added.action == ChangeAction.UPDATE
    assert added.changed_fields() == {"tags": ([], ["core"])}
    assert added_second.changed_fields() == {"tags": (["core"], ["core", "wan"])}
    assert removed.action == ChangeAction.UPDATE
    assert removed.prechange_data["tags"] == ["core", "wan"]
    assert removed.postchange_data["tags"] == ["wan"]
    assert removed.changed_fields() == {"tags": (["core", "wan"], ["wan"])}
    assert len(_changes(asset)) == 4  # create + three tag changes


def test_clearing_tags_is_logged_and_a_no_op_tag_change_is_not(tag_core):
    asset = AssetFactory()
    asset.tags.add(tag_core)
    count = ObjectChange.objects.count()

    asset.tags.add(tag_core)  # already there
    asset.tags.remove(Tag.objects.create(name="unused", slug="unused"))  # never there
    assert ObjectChange.objects.count() == count + 1  # only the new tag's own create

    asset.tags.clear()
    assert _latest(asset).changed_fields() == {"tags": (["core"], [])}


# --- the actor --------------------------------------------------------------------------------


def test_default_actor_is_system():
    asset = AssetFactory()

    change = _latest(asset)
    assert change.actor_kind == ActorKind.SYSTEM
    assert change.actor == "system"
    assert change.user is None
    assert current_actor().kind == ActorKind.SYSTEM


def test_changes_inside_change_actor_are_attributed_to_it():
    asset = AssetFactory()

    with change_actor(ActorKind.IMPORT, "import x.csv") as actor:
        asset.name = "imported"
        asset.save()
        site = SiteFactory()
    asset.name = "after the block"
    asset.save()

    inside = ObjectChange.objects.for_object(asset)[1]
    assert inside.postchange_data["name"] == "imported"
    assert (inside.actor_kind, inside.actor, inside.user_id) == (ActorKind.IMPORT, "import x.csv", None)
    site_change = _latest(site)
    assert (site_change.actor_kind, site_change.actor) == (ActorKind.IMPORT, "import x.csv")
    assert inside.batch == site_change.batch == actor.batch
    outside = _latest(asset)
    assert (outside.actor_kind, outside.actor) == (ActorKind.SYSTEM, "system")
    assert outside.batch != actor.batch


def test_nested_change_actor_restores_the_outer_one():
    user = UserFactory()
    with change_actor(ActorKind.DISCOVERY, "discovery run 7"):
        with change_actor(ActorKind.USER, user.username, user=user):
            inner = SiteFactory()
        outer = SiteFactory()

    inner_change, outer_change = _latest(inner), _latest(outer)
    assert (inner_change.actor_kind, inner_change.user) == (ActorKind.USER, user)
    assert (outer_change.actor_kind, outer_change.actor) == (ActorKind.DISCOVERY, "discovery run 7")
    assert outer_change.user is None


def _admin_edit(client, user, asset, **changes):
    url = reverse("admin:inventory_asset_change", args=[asset.pk])
    client.force_login(user)
    data = admin_form_data(client.get(url))
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    return response


def test_editing_an_asset_in_the_admin_logs_the_user(client):
    user = UserFactory(username="erika", groups=["engineer"])
    asset = AssetFactory(name="sw-before")

    _admin_edit(client, user, asset, name="sw-after")

    change = _latest(asset)
    assert change.action == ChangeAction.UPDATE
    assert change.changed_fields()["name"] == ("sw-before", "sw-after")
    assert change.actor_kind == ActorKind.USER
    assert change.actor == "erika"
    assert change.user == user
    # The request's actor does not outlive the request.
    SiteFactory()
    assert ObjectChange.objects.first().actor_kind == ActorKind.SYSTEM


def test_admin_edit_logs_only_the_fields_that_changed(client):
    """An asset without a management address, edited in the admin: only the name changed."""
    asset = AssetFactory(name="sw-before", management_address=None)

    _admin_edit(client, UserFactory(groups=["engineer"]), asset, name="sw-after")

    asset.refresh_from_db()
    assert asset.management_address is None
    assert _latest(asset).changed_fields() == {"name": ("sw-before", "sw-after")}


def test_admin_save_without_changes_writes_no_row(client):
    asset = AssetFactory(management_address=None)
    count = ObjectChange.objects.count()

    _admin_edit(client, UserFactory(groups=["engineer"]), asset)

    assert ObjectChange.objects.count() == count, [
        c.changed_fields() for c in ObjectChange.objects.all()[: ObjectChange.objects.count() - count]
    ]


def test_admin_edit_of_an_asset_with_an_address_logs_only_the_change(client):
    asset = AssetFactory(name="sw-before", management_address="10.1.2.3")

    _admin_edit(client, UserFactory(groups=["engineer"]), asset, name="sw-after")

    assert _latest(asset).changed_fields() == {"name": ("sw-before", "sw-after")}


def test_one_admin_request_is_one_batch(client, tag_core):
    user = UserFactory(groups=["engineer"])
    asset = AssetFactory()
    ModuleFactory(asset=asset, name="PSU 1", serial="PSU-A")
    url = reverse("admin:inventory_asset_change", args=[asset.pk])
    client.force_login(user)
    data = admin_form_data(client.get(url))
    data["role"] = "core"
    data["tags"] = [str(tag_core.pk)]
    data["modules-0-serial"] = "PSU-B"
    count = ObjectChange.objects.count()

    assert client.post(url, data).status_code == 302

    new = list(ObjectChange.objects.all()[: ObjectChange.objects.count() - count])
    assert {c.content_type.model for c in new} == {"asset", "module"}
    assert {c.batch for c in new} == {new[0].batch}
    assert {c.user_id for c in new} == {user.pk}
    module_change = next(c for c in new if c.content_type.model == "module")
    assert module_change.changed_fields() == {"serial": ("PSU-A", "PSU-B")}
    asset_after = ObjectChange.objects.for_object(asset).first().postchange_data
    assert (asset_after["role"], asset_after["tags"]) == ("core", ["core"])


# --- history of an object ---------------------------------------------------------------------


def test_for_object_returns_the_history_newest_first():
    asset = AssetFactory(name="v1")
    other = AssetFactory(name="other")
    for name in ("v2", "v3"):
        asset.name = name
        asset.save()
    other.name = "other2"
    other.save()

    history = _changes(asset)

    assert [c.action for c in history] == [ChangeAction.UPDATE, ChangeAction.UPDATE, ChangeAction.CREATE]
    assert [c.object_repr for c in history] == ["v3", "v2", "v1"]
    assert all(c.object_id == asset.pk for c in history)
    assert [c.time for c in history] == sorted((c.time for c in history), reverse=True)


def test_for_object_does_not_mix_types_with_the_same_id():
    asset = AssetFactory()
    # A change row of another type that happens to carry the asset's id.
    ObjectChange.objects.create(
        actor_kind=ActorKind.SYSTEM, actor="system", batch=_latest(asset).batch,
        action=ChangeAction.CREATE, content_type=ContentType.objects.get_for_model(Site),
        object_id=asset.pk, object_repr="some site", postchange_data={},
    )

    assert [c.content_type.model for c in _changes(asset)] == ["asset"]


def test_for_object_works_after_delete_with_a_copy_read_before():
    asset = AssetFactory(name="sw-short-lived")
    copy = Asset.objects.get(pk=asset.pk)
    asset.name = "sw-renamed"
    asset.save()

    asset.delete()

    history = _changes(copy)
    assert [c.action for c in history] == [ChangeAction.DELETE, ChangeAction.UPDATE, ChangeAction.CREATE]
    assert history[0].prechange_data["name"] == "sw-renamed"


def test_for_object_works_with_the_deleted_instance_itself():
    """for_object() promises the history "also after it was deleted"; the caller then holds the
    instance it deleted."""
    asset = AssetFactory(name="sw-short-lived")
    asset.delete()

    history = _changes(asset)

    assert [c.action for c in history] == [ChangeAction.DELETE, ChangeAction.CREATE]


def test_deleting_an_asset_cascades_to_its_modules_and_logs_their_deletes():
    asset = AssetFactory(name="sw-with-parts")
    modules = [ModuleFactory(asset=asset, name=f"PSU {i}") for i in (1, 2)]
    other_module = ModuleFactory()
    module_pks = {m.pk for m in modules}
    module_ct = ContentType.objects.get_for_model(Module)

    with change_actor(ActorKind.USER, "erika") as actor:
        asset.delete()

    assert not Module.objects.filter(pk__in=module_pks).exists()
    assert Module.objects.filter(pk=other_module.pk).exists()
    deletes = ObjectChange.objects.filter(
        content_type=module_ct, object_id__in=module_pks, action=ChangeAction.DELETE
    )
    assert {c.object_id for c in deletes} == module_pks
    assert {c.object_repr for c in deletes} == {"sw-with-parts PSU 1", "sw-with-parts PSU 2"}
    assert all(c.prechange_data["asset_id"] is not None and c.postchange_data is None for c in deletes)
    assert {c.batch for c in deletes} == {actor.batch}
    assert not ObjectChange.objects.filter(
        content_type=module_ct, object_id=other_module.pk, action=ChangeAction.DELETE
    ).exists()
    asset_delete = ObjectChange.objects.get(
        content_type=ContentType.objects.get_for_model(Asset), action=ChangeAction.DELETE
    )
    assert asset_delete.object_repr == "sw-with-parts"
    assert asset_delete.batch == actor.batch


def test_admin_history_page_shows_the_change_log(client):
    user = UserFactory(username="hist", groups=["viewer"])
    asset = AssetFactory(name="sw-hist-1", software_version="17.3.1")
    with change_actor(ActorKind.IMPORT, "import inventory.csv"):
        asset.software_version = "17.9.4"
        asset.save()
    client.force_login(user)

    response = client.get(reverse("admin:inventory_asset_history", args=[asset.pk]))

    assert response.status_code == 200
    assert [c.pk for c in response.context["changes"]] == [c.pk for c in _changes(asset)]
    html = response.content.decode()
    assert "import inventory.csv" in html
    assert "17.3.1 → 17.9.4" in html
    assert "<strong>Software version</strong>: 17.3.1 → 17.9.4" in html  # the label, not the column
    assert "Created" in html and "Updated" in html
    assert html.index("17.9.4") < html.index("Created")  # newest first


def test_admin_history_page_of_a_site(client):
    client.force_login(UserFactory(groups=["engineer"]))
    site = SiteFactory(address="Alt")
    site.address = "Neu"
    site.save()

    response = client.get(reverse("admin:inventory_site_history", args=[site.pk]))

    assert response.status_code == 200
    assert "Alt → Neu" in response.content.decode()


def test_times_are_recorded():
    start = dt.datetime.now(dt.UTC)
    asset = AssetFactory()

    change = _latest(asset)
    assert start <= change.time <= dt.datetime.now(dt.UTC)


# --- found in review: partial saves, reverse tag changes, tag deletion ---------------------------

def test_save_with_update_fields_logs_only_what_was_written():
    asset = AssetFactory(role="access", comments="")
    asset.comments = "not saved"
    asset.role = "core"
    asset.save(update_fields=["role"])

    assert _latest(asset).changed_fields() == {"role": ("access", "core")}


def test_adding_and_removing_assets_from_the_tag_side_is_logged_on_the_assets():
    a, b = AssetFactory(), AssetFactory()
    tag = Tag.objects.create(name="critical", slug="critical")

    tag.assets.add(a, b)
    assert _latest(a).changed_fields() == {"tags": ([], ["critical"])}
    assert _latest(b).changed_fields() == {"tags": ([], ["critical"])}

    tag.assets.clear()
    assert _latest(a).changed_fields() == {"tags": (["critical"], [])}
    assert _latest(b).changed_fields() == {"tags": (["critical"], [])}


def test_deleting_a_tag_logs_the_assets_that_lose_it():
    asset = AssetFactory()
    keep = Tag.objects.create(name="keep", slug="keep")
    gone = Tag.objects.create(name="gone", slug="gone")
    asset.tags.add(keep, gone)

    gone.delete()

    assert _latest(asset).changed_fields() == {"tags": (["gone", "keep"], ["keep"])}


def test_deleting_a_tag_costs_the_same_queries_for_3_or_20_assets():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_to_delete_tag_on(n: int) -> int:
        tag = Tag.objects.create(name=f"t{n}", slug=f"t{n}")
        for asset in AssetFactory.create_batch(n):
            asset.tags.add(tag)
        with CaptureQueriesContext(connection) as ctx:
            tag.delete()
        # Each asset still gets its own change-log row (one INSERT each); nothing else grows.
        return len(ctx.captured_queries) - n

    assert queries_to_delete_tag_on(20) == queries_to_delete_tag_on(3)
    assert ObjectChange.objects.filter(action=ChangeAction.UPDATE, content_type__model="asset",
                                       postchange_data__tags=[]).count() >= 23


# --- bulk writers (#13): the same snapshots and rows, made faster ---------------------------------


def test_snapshots_in_bulk_equal_snapshot_one_by_one(tag_core):
    from inventory import changelog

    AssetFactory(name="a", purchase_cost=Decimal("7480"), management_address="10.0.0.1")
    AssetFactory(name="b", purchase_cost=None, purchase_date=None, management_address=None)
    AssetFactory(name="c", purchase_cost=Decimal("12.5"), first_seen=dt.datetime(2026, 1, 2, 3, 4, 5,
                                                                                  tzinfo=dt.UTC))
    assets = list(Asset.objects.order_by("name"))
    m2m = [{"tags": ["x", "core"]}, {"tags": []}, {"tags": ["core"]}]
    expected = [changelog.snapshot(a, known) for a, known in zip(assets, m2m, strict=True)]

    assert changelog.snapshots(assets, m2m) == expected
    attnames = [f.attname for f in Asset._meta.concrete_fields]
    rows = list(Asset.objects.order_by("name").values_list(*attnames))
    assert changelog.row_snapshots(Asset, attnames, rows, m2m) == expected
    assert changelog.snapshots(list(Asset.objects.order_by("name").only("name", "comments")), m2m) == expected
    assert expected[0]["purchase_cost"] == "7480.00" and expected[0]["tags"] == ["core", "x"]


@pytest.mark.parametrize("stream", [False, True])
def test_record_changes_writes_one_row_per_change_and_skips_equal_updates(stream):
    from inventory import changelog

    a, b = AssetFactory(name="a"), AssetFactory(name="b")
    user = UserFactory()
    before = ObjectChange.objects.count()
    snap_a, snap_b = changelog.snapshot(a), changelog.snapshot(b)
    changed = dict(snap_b, comments="new")
    with change_actor(ActorKind.IMPORT, "import x.csv", user=user) as actor:
        written = changelog.record_changes(
            iter([(ChangeAction.CREATE, a, None, snap_a), (ChangeAction.UPDATE, a, snap_a, snap_a),
                  (ChangeAction.UPDATE, b, snap_b, changed)]), actor=actor, stream=stream)

    assert written == 2
    create, update = ObjectChange.objects.filter(pk__gt=0).order_by("pk")[before:]
    assert (create.action, create.object_id, create.object_repr, create.prechange_data,
            create.postchange_data) == (ChangeAction.CREATE, a.pk, "a", None, snap_a)
    assert (update.action, update.object_id, update.changed_fields()) == (
        ChangeAction.UPDATE, b.pk, {"comments": ("", "new")})
    for row in (create, update):
        assert (row.actor_kind, row.actor, row.user_id, row.batch) == (
            ActorKind.IMPORT, "import x.csv", user.pk, actor.batch)
        assert row.content_type == ContentType.objects.get_for_model(Asset) and row.time is not None


def test_streamed_changes_of_an_untracked_model_are_refused_and_nothing_is_written():
    from django.db import transaction

    from inventory import changelog

    user = UserFactory()
    before = ObjectChange.objects.count()
    with pytest.raises(ValueError, match="not tracked"), transaction.atomic():
        changelog.record_changes([(ChangeAction.CREATE, user, None, {"id": user.pk})], stream=True)
    assert ObjectChange.objects.count() == before


@pytest.mark.parametrize("values", [
    [],
    [None],
    [{"id": 1, "name": "a", "tags": ["core", "pöe"], "x": None, "ok": True, "n": 2.5}, None,
     {"id": 2, "name": "b\"\\\n%s", "tags": [], "x": "1", "ok": False, "n": 1}],
    [{"a": 1}, {"b": 1}],
    [{"a": 1, "b": 2}, {"b": 2, "a": 1}],
    [{}, {}],
    [[1, "x"], {"a": [1]}],
    [{"a": {"nested": [1, None]}, "b": "1", "c": 10**30}],
])
def test_json_texts_are_what_json_dumps_writes(values):
    import json

    from inventory.bulk import json_texts

    assert json_texts(values) == [None if v is None else json.dumps(v) for v in values]


def test_deleting_a_user_keeps_their_changes_with_the_name():
    """The change log's user key is not a database constraint (issue #13): Django still sets
    it to NULL when the user goes, and the actor's name stays."""
    user = UserFactory(username="planerin")
    with change_actor(ActorKind.USER, "planerin", user=user):
        asset = AssetFactory(name="sw-schulhaus-01")
    change = _latest(asset)
    assert change.user_id == user.pk

    user.delete()

    change.refresh_from_db()
    assert (change.user_id, change.actor, change.action) == (None, "planerin", ChangeAction.CREATE)


def test_the_change_log_filter_names_other_users_only_to_admins(client):
    """issue #14: the user filter listed every user name to viewers."""
    viewer = UserFactory(username="vera", groups=["viewer"])
    UserFactory(username="secret-admin-name", groups=["admin"])
    client.force_login(viewer)
    page = client.get(reverse("inventory:objectchange_list")).content.decode()
    options = re.search(r'<select name="user"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert "vera" in options and "secret-admin-name" not in page
    admin = UserFactory(username="alma", groups=["admin"], is_superuser=True)
    client.force_login(admin)
    page = client.get(reverse("inventory:objectchange_list")).content.decode()
    options = re.search(r'<select name="user"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert "secret-admin-name" in options and "vera" in options


def test_change_rows_made_ahead_are_written_as_record_changes_writes_them():
    """``ChangeRows.make`` (no query: it may run in a thread) then ``write`` stores the same rows
    as ``record_changes``: equal updates skipped, actor and content type set."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from inventory import changelog

    a, b = AssetFactory(name="a"), AssetFactory(name="b")
    snap_a, snap_b = changelog.snapshot(a), changelog.snapshot(b)
    before = ObjectChange.objects.count()
    with change_actor(ActorKind.IMPORT, "import y.csv") as actor:
        log = changelog.ChangeRows(actor)
        with CaptureQueriesContext(connection) as queries:
            log.make([(ChangeAction.CREATE, a, None, snap_a), (ChangeAction.UPDATE, b, snap_b, snap_b),
                      (ChangeAction.UPDATE, b, snap_b, dict(snap_b, comments="x"))])
        assert len(queries) == 0
        assert log.write() == 2

    rows = list(ObjectChange.objects.order_by("pk")[before:])
    assert [(r.action, r.object_id, r.object_repr, r.actor, r.batch) for r in rows] == [
        (ChangeAction.CREATE, a.pk, "a", "import y.csv", actor.batch),
        (ChangeAction.UPDATE, b.pk, "b", "import y.csv", actor.batch)]
    assert rows[0].postchange_data == snap_a and rows[1].changed_fields() == {"comments": ("", "x")}


def test_change_rows_refuse_an_untracked_model_without_a_query():
    from inventory import changelog

    user = UserFactory()
    with pytest.raises(ValueError, match="not tracked"):
        changelog.ChangeRows().make([(ChangeAction.CREATE, user, None, {"id": user.pk})])


@pytest.mark.postgres
def test_reserved_ids_are_the_sequences_next_also_when_not_consecutive():
    """Keys are taken from the sequence; when they are not consecutive (another writer took
    numbers meanwhile, here a sequence that counts in threes) every one is returned."""
    from django.db import connection

    from inventory import bulk

    assert bulk.reserve_ids(Site, 0) == []
    first = bulk.reserve_ids(Site, 4)
    assert first == list(range(first[0], first[0] + 4))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('inventory_site', 'id')")
        (sequence,) = cursor.fetchone()
        cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY 3")
        try:
            scattered = bulk.reserve_ids(Site, 4)
        finally:
            cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY 1")
    assert scattered == [first[-1] + 3 * i for i in range(1, 5)]
    site = SiteFactory()
    assert site.pk > scattered[-1]  # the sequence moved past what was reserved


def test_reserve_ids_on_sqlite_leaves_the_numbering_to_the_insert():
    from django.db import connection

    from inventory import bulk

    if connection.vendor == "postgresql":
        pytest.skip("SQLite only: PostgreSQL reserves")
    assert bulk.reserve_ids(Site, 3) is None
    assert bulk.for_copy(ObjectChange, ["actor"], [("x",)]) is None


def test_the_change_log_on_a_page_shows_labels_and_names_not_columns_and_ids(client):
    """People read "Hardware model: Catalyst 9300 → C9500" and "Status: Active → Spare", not
    "hardware_model_id: 8 → 9"; a related object deleted since shows its id as deleted; the
    stored snapshots keep the ids (machine-readable)."""
    from inventory.change_display import describe
    from tests.factories import HardwareModelFactory

    old = HardwareModelFactory(model="C9300-48P", name="Catalyst 9300")
    new = HardwareModelFactory(model="C9500-24Y4C", name="Catalyst 9500")
    gone = HardwareModelFactory(model="GONE-1", name="Gone model")
    asset = AssetFactory(name="sw-label", hardware_model=old, status="active")
    asset.hardware_model = new
    asset.status = "spare"
    asset.purchase_cost = Decimal("1200.50")
    asset.save()
    asset.hardware_model = gone
    asset.save()
    gone_pk = gone.pk
    asset.hardware_model = new
    asset.save()
    Asset.objects.filter(hardware_model=gone).update(hardware_model=new)
    gone.delete()

    described = dict(describe(ObjectChange.objects.for_object(asset)))
    rows = [row for fields in described.values() for row in fields]
    assert ("Hardware model", str(old), str(new)) in rows
    assert ("Status", "Active", "Spare") in rows
    assert ("Purchase cost (CHF)", "4\u2019200.00", "1\u2019200.50") in rows  # Swiss money
    assert not any(before == after for _l, before, after in rows)  # no "— → —" (None → "")
    assert ("Hardware model", str(new), f"#{gone_pk} (deleted)") in rows
    assert not any(label.endswith("_id") for label, _b, _a in rows)

    client.force_login(UserFactory(groups=["viewer"]))
    body = client.get(asset.get_absolute_url()).content.decode()
    assert "<strong>Hardware model</strong>: " in body and "hardware_model_id" not in body
    latest = ObjectChange.objects.for_object(asset).first()
    assert latest.postchange_data["hardware_model_id"] == new.pk  # stored as it was


def test_dates_in_the_change_log_follow_the_language():
    from django.utils import translation

    from inventory.change_display import describe

    asset = AssetFactory(name="sw-date", purchase_date=dt.date(2020, 3, 1))
    with translation.override("de"):
        [(_change, rows)] = describe(ObjectChange.objects.for_object(asset))
    assert ("Kaufdatum", "—", "01.03.2020") in rows
