"""The engineers' UI through Django's test client: permissions, lists and filters, exports,
bulk edit/delete, column preferences, CSV import, object pages, dashboard, tokens."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from collectors.models import DiscoveryHost, DiscoveryRun
from inventory.models import Asset, ObjectChange, Site, Token, UserPreference
from lifecycle import state
from lifecycle.models import Contract, HardwareNotice, LifecycleState
from tests.factories import (
    AssetFactory,
    HardwareModelFactory,
    ModuleFactory,
    OrgUnitFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def world():
    city = OrgUnitFactory(name="City", slug="city")
    schools = OrgUnitFactory(name="Schools", slug="schools", parent=city)
    town_hall = SiteFactory(name="Town hall", slug="town-hall", org_unit=city)
    school = SiteFactory(name="School A", slug="school-a", org_unit=schools)
    old = HardwareModelFactory(model="WS-C2960X-48FPD-L", category="switch", list_price=Decimal("3000"))
    new = HardwareModelFactory(model="C9300-48P", category="switch", list_price=Decimal("9000"))
    HardwareNotice.objects.create(
        end_of_sale=TODAY - dt.timedelta(days=2000), last_date_of_support=TODAY - dt.timedelta(days=30)
    ).hardware_models.add(old)
    HardwareNotice.objects.create(last_date_of_support=TODAY + dt.timedelta(days=3000)).hardware_models.add(
        new
    )
    assets = {
        "old-1": AssetFactory(name="old-1", hardware_model=old, site=town_hall, org_unit=city),
        "old-2": AssetFactory(
            name="old-2", hardware_model=old, site=school, org_unit=schools, management_address="10.20.30.40"
        ),
        "new-1": AssetFactory(
            name="new-1",
            hardware_model=new,
            site=school,
            org_unit=schools,
            purchase_date=TODAY - dt.timedelta(days=100),
            in_service_date=None,
        ),
        "new-2": AssetFactory(
            name="new-2",
            hardware_model=new,
            site=town_hall,
            org_unit=city,
            last_seen=timezone.now() - dt.timedelta(days=45),
        ),
    }
    state.refresh()
    return {
        "assets": assets,
        "city": city,
        "schools": schools,
        "town_hall": town_hall,
        "school": school,
        "old": old,
        "new": new,
    }


def login(client, *groups, **kwargs):
    user = UserFactory(groups=list(groups), **kwargs)
    client.force_login(user)
    return user


def names_in(response) -> list[str]:
    table = response.context["table"]
    return sorted(row.record.name for row in table.paginated_rows)


def test_every_page_needs_a_login(client, world):
    for url in ["/", reverse("inventory:asset_list"), world["assets"]["old-1"].get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_viewer_reads_but_cannot_change(client, world):
    login(client, "viewer")
    asset = world["assets"]["old-1"]
    page = client.get(reverse("inventory:asset_list"))
    assert page.status_code == 200
    assert page.context["add_url"] is None and page.context["bulk_edit_url"] is None
    assert client.get(asset.get_absolute_url()).context["edit_url"] is None
    assert client.get(reverse("inventory:asset_edit", args=[asset.pk])).status_code == 403
    assert client.post(reverse("inventory:asset_delete", args=[asset.pk])).status_code == 403
    assert (
        client.post(reverse("inventory:asset_bulk_delete"), {"pk": [asset.pk], "_confirm": "1"}).status_code
        == 403
    )
    assert Asset.objects.filter(pk=asset.pk).exists()
    # planners edit lifecycle data, not the inventory
    client.logout()
    login(client, "planner")
    assert client.get(reverse("inventory:asset_add")).status_code == 403
    assert client.get(reverse("lifecycle:contract_add")).status_code == 200


@pytest.mark.parametrize(
    "query, expected",
    [
        ("hardware_status=unsupported", ["old-1", "old-2"]),
        ("hardware_status=supported", ["new-1", "new-2"]),
        ("site_id={school}", ["new-1", "old-2"]),
        ("org_unit_id={city}", ["new-1", "new-2", "old-1", "old-2"]),  # the unit and the units below it
        ("org_unit_id={schools}", ["new-1", "old-2"]),
        ("q=old", ["old-1", "old-2"]),
        ("q=10.20.30.40", ["old-2"]),
        ("q=c9300", ["new-1", "new-2"]),
        ("not_seen_days=30", ["new-2"]),
        ("replacement_bucket=backlog", ["old-1", "old-2"]),  # overdue: the dashboard's backlog row
        ("replacement_year={this_year}&status=active", []),  # overdue is not this year's budget
        ("category=switch&hardware_status=unsupported&site_id={town_hall}", ["old-1"]),
    ],
)
def test_asset_list_filters(client, world, query, expected):
    login(client, "viewer")
    query = query.format(
        school=world["school"].pk,
        city=world["city"].pk,
        schools=world["schools"].pk,
        town_hall=world["town_hall"].pk,
        this_year=TODAY.year,
    )
    response = client.get(f"{reverse('inventory:asset_list')}?{query}")
    assert response.status_code == 200
    assert names_in(response) == expected


def test_bad_filter_value_is_reported_not_ignored(client, world):
    login(client, "viewer")
    response = client.get(f"{reverse('inventory:asset_list')}?hardware_status=nonsense")
    assert response.status_code == 200
    assert "nonsense" in str(response.context["filter_errors"])


def test_search_box_goes_straight_to_a_single_match(client, world):
    login(client, "viewer")
    asset = world["assets"]["old-2"]
    response = client.get(reverse("search"), {"q": asset.serial})
    assert response.status_code == 302 and response.url == asset.get_absolute_url()
    response = client.get(reverse("search"), {"q": "new"})  # several: the results, linking to the list
    assets = response.context["groups"][0]
    assert response.status_code == 200 and assets.all_url == f"{reverse('inventory:asset_list')}?q=new"


def test_csv_export_is_the_filtered_list_in_the_import_format(client, world):
    login(client, "viewer")
    response = client.get(
        reverse("inventory:asset_list"), {"hardware_status": "unsupported", "export": "csv"}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sorted(r["name"] for r in rows) == ["old-1", "old-2"]
    assert {r["serial"] for r in rows} == {world["assets"]["old-1"].serial, world["assets"]["old-2"].serial}
    # other lists export their visible columns
    response = client.get(reverse("inventory:site_list"), {"export": "csv"})
    lines = response.content.decode().splitlines()
    assert "Town hall" in response.content.decode() and len(lines) == 3


def test_bulk_edit_changes_every_selected_asset_with_change_log(client, world):
    user = login(client, "engineer")
    a, b = world["assets"]["old-1"], world["assets"]["new-1"]
    url = reverse("inventory:asset_bulk_edit")
    confirm = client.post(url, {"pk": [a.pk, b.pk]})
    assert confirm.status_code == 200 and len(confirm.context["objects"]) == 2
    response = client.post(
        url,
        {
            "pk": [a.pk, b.pk],
            "_apply": "1",
            "status": "maintenance",
            "role": "access",
            "return_url": reverse("inventory:asset_list"),
        },
    )
    assert response.status_code == 302
    for asset in (a, b):
        asset.refresh_from_db()
        assert (asset.status, asset.role) == ("maintenance", "access")
        change = ObjectChange.objects.for_object(asset).first()
        assert change.user == user and change.changed_fields()["status"][1] == "maintenance"
    # untouched fields stay as they were
    assert Asset.objects.get(pk=world["assets"]["old-2"].pk).status == "active"


def test_bulk_edit_with_an_invalid_result_changes_nothing(client, world):
    login(client, "engineer")
    a, b = world["assets"]["old-1"], world["assets"]["new-1"]
    # new-1 was bought 100 days ago: an in-service date a year ago is before its purchase
    response = client.post(
        reverse("inventory:asset_bulk_edit"),
        {
            "pk": [a.pk, b.pk],
            "_apply": "1",
            "role": "core",
            "in_service_date": (TODAY - dt.timedelta(days=365)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert any("new-1" in str(m) for m in response.context["messages"])
    assert set(Asset.objects.filter(pk__in=[a.pk, b.pk]).values_list("role", flat=True)) == {""}


def test_bulk_delete_asks_first_then_deletes(client, world):
    login(client, "engineer")
    a, b = world["assets"]["old-1"], world["assets"]["old-2"]
    url = reverse("inventory:asset_bulk_delete")
    page = client.post(url, {"pk": [a.pk, b.pk]})
    assert page.status_code == 200 and Asset.objects.filter(pk__in=[a.pk, b.pk]).count() == 2
    assert client.post(url, {"pk": [a.pk, b.pk], "_confirm": "1"}).status_code == 302
    assert not Asset.objects.filter(pk__in=[a.pk, b.pk]).exists()
    assert ObjectChange.objects.filter(action="delete", object_id__in=[a.pk, b.pk]).count() == 2


def test_deleting_a_site_in_use_is_refused_with_the_reason(client, world):
    login(client, "engineer")
    site = world["school"]
    response = client.post(reverse("inventory:site_delete", args=[site.pk]), follow=True)
    assert Site.objects.filter(pk=site.pk).exists()
    assert "still used by" in str(list(response.context["messages"])[0])


def test_edit_asset_records_the_change_and_refreshes_its_lifecycle(
    client, world, django_capture_on_commit_callbacks
):
    user = login(client, "engineer")
    asset = world["assets"]["old-1"]
    form = client.get(reverse("inventory:asset_edit", args=[asset.pk])).context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k != "tags"}
    data.update(hardware_model=world["new"].pk, comments="swapped the chassis")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("inventory:asset_edit", args=[asset.pk]), data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    change = ObjectChange.objects.for_object(asset).first()
    assert change.user == user and "hardware_model_id" in change.changed_fields()
    assert LifecycleState.objects.get(asset=asset).hardware_status == "supported"
    page = client.get(asset.get_absolute_url()).content.decode()
    assert "swapped the chassis" in page


def test_invalid_edit_shows_the_error_and_keeps_the_asset(client, world):
    login(client, "engineer")
    asset = world["assets"]["old-1"]
    form = client.get(reverse("inventory:asset_edit", args=[asset.pk])).context["form"]
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k != "tags"}
    data.update(purchase_date="2024-05-01", in_service_date="2024-04-01")
    response = client.post(reverse("inventory:asset_edit", args=[asset.pk]), data)
    assert response.status_code == 200
    assert "in_service_date" in response.context["form"].errors
    asset.refresh_from_db()
    assert asset.in_service_date != dt.date(2024, 4, 1)


def test_table_columns_and_page_size_are_remembered_per_user(client, world):
    user = login(client, "viewer")
    client.post(
        reverse("table_preferences"),
        {
            "table": "AssetTable",
            "columns": ["name", "serial", "risk"],
            "per_page": "25",
            "return_url": reverse("inventory:asset_list"),
        },
    )
    assert UserPreference.objects.get(user=user).get("tables.AssetTable") == {
        "columns": ["name", "serial", "risk"],
        "per_page": 25,
    }
    table = client.get(reverse("inventory:asset_list")).context["table"]
    visible = [c.name for c in table.columns if c.visible]
    assert visible == ["pk", "name", "serial", "risk"]
    assert table.paginator.per_page == 25
    # another user keeps the defaults
    client.logout()
    login(client, "viewer")
    table = client.get(reverse("inventory:asset_list")).context["table"]
    assert "hardware_status" in [c.name for c in table.columns if c.visible]


def test_csv_import_reports_each_bad_row_and_writes_nothing(client, world):
    login(client, "engineer")
    bad = (
        "name,serial,manufacturer,model,purchase_date\n"
        "ok-1,S1,{m},{model},2024-01-01\n"
        "bad-1,S2,{m},{model},2024-02-30\n"
        "bad-2,S3,Nobody,X,2024-01-01\n"
    ).format(m=world["old"].manufacturer.name, model=world["old"].model)
    upload = io.BytesIO(bad.encode())
    upload.name = "assets.csv"
    response = client.post(reverse("inventory:asset_import"), {"file": upload})
    assert response.status_code == 200
    errors = response.context["errors"]
    assert {e.line for e in errors} == {3, 4}
    assert any("2024-02-30" in e.message for e in errors)
    assert not Asset.objects.filter(name__in=["ok-1", "bad-1", "bad-2"]).exists()
    good = io.BytesIO(bad.splitlines()[0].encode() + b"\n" + bad.splitlines()[1].encode() + b"\n")
    good.name = "good.csv"
    assert client.post(reverse("inventory:asset_import"), {"file": good}).status_code == 302
    assert Asset.objects.get(name="ok-1").serial == "S1"


def test_asset_page_shows_lifecycle_modules_discovery_and_changes(client, world):
    login(client, "viewer")
    asset = world["assets"]["old-1"]
    ModuleFactory(asset=asset, name="PS 1", part_number="PWR-C2-640WAC", serial="PSU999")
    contract = Contract.objects.create(
        provider="Netcloud AG",
        number="SC-7",
        start=TODAY - dt.timedelta(days=10),
        end=TODAY + dt.timedelta(days=300),
    )
    contract.assets.add(asset)
    run = DiscoveryRun.objects.create(started=timezone.now(), source="test")
    DiscoveryHost.objects.create(
        run=run, name="old-1", outcome="failed", reason="timeout", message="no answer", asset=asset
    )
    body = client.get(asset.get_absolute_url()).content.decode()
    for text in [
        "Lifecycle on",
        "Unsupported",
        "Last date of support",
        "Replace by",
        "Book value",
        "PSU999",
        "Netcloud AG",
        "no answer",
        "Change log",
        "Created",
    ]:
        assert text in body, text


def test_object_pages_render_for_every_model(client, world):
    from lifecycle.models import LifecyclePolicy, SoftwareRelease

    login(client, "viewer")
    platform = world["assets"]["old-1"].platform or None
    objects = [
        world["school"],
        world["city"],
        world["old"],
        world["old"].manufacturer,
        HardwareNotice.objects.first(),
        Contract.objects.create(provider="P", number="1", start=TODAY, end=TODAY),
        LifecyclePolicy.objects.create(category="switch"),
        DiscoveryRun.objects.create(started=timezone.now(), source="x"),
        ObjectChange.objects.first(),
    ]
    if platform:
        objects.append(platform)
        objects.append(SoftwareRelease.objects.create(platform=platform, cycle="15.2"))
    for obj in objects:
        response = client.get(obj.get_absolute_url())
        assert response.status_code == 200, obj
    for name in [
        "inventory:asset_list",
        "inventory:module_list",
        "inventory:site_list",
        "inventory:orgunit_list",
        "inventory:manufacturer_list",
        "inventory:hardwaremodel_list",
        "inventory:platform_list",
        "inventory:tag_list",
        "inventory:objectchange_list",
        "lifecycle:hardwarenotice_list",
        "lifecycle:softwarerelease_list",
        "lifecycle:contract_list",
        "lifecycle:lifecyclepolicy_list",
        "collectors:discoveryrun_list",
        "collectors:discoveryhost_list",
    ]:
        assert client.get(reverse(name)).status_code == 200, name


def test_site_and_org_unit_pages_show_counts_value_and_share_out_of_support(client, world):
    login(client, "viewer")
    figures = client.get(world["school"].get_absolute_url()).context["figures"]
    assert (
        figures["count"] == 2 and figures["out_of_support"] == 1 and figures["out_of_support_share"] == 50.0
    )
    expected_value = sum(
        LifecycleState.objects.filter(asset__site=world["school"]).values_list("book_value", flat=True)
    )
    assert figures["book_value"] == expected_value
    city = client.get(world["city"].get_absolute_url()).context
    assert city["figures"]["count"] == 4  # the units below count too
    assert [c.name for c, _f in city["children"]] == ["Schools"]


def test_dashboard_figures(client, world):
    login(client, "viewer")
    context = client.get(reverse("home")).context
    support = {s["value"]: s["count"] for s in context["support"]}
    assert support["unsupported"] == 2 and support["supported"] == 2
    costs = context["costs"]
    assert costs[0]["year"] is None and costs[0]["count"] == 2  # overdue: the backlog bucket
    assert costs[0]["cost"] == Decimal("6000")  # 2 × list price 3000
    assert [c["year"] for c in costs[1:]] == list(range(TODAY.year, TODAY.year + 10))
    assert context["stale_count"] == 1
    assert sum(c["count"] for c in costs) <= 4


def test_tokens_page_shows_the_key_once_and_stores_only_its_hash(client, world):
    user = login(client, "viewer")
    response = client.post(reverse("tokens"), {"description": "backup script", "expires_days": "30"})
    key = response.context["new_key"]
    assert key and key in response.content.decode()
    token = Token.objects.get(user=user)
    assert key not in {token.digest, token.prefix} and key.startswith(token.prefix)
    assert not token.write_enabled and token.expires > timezone.now() + dt.timedelta(days=29)
    assert Token.find(key) == token
    listing = client.get(reverse("tokens")).content.decode()
    assert key not in listing and token.prefix in listing
    assert client.post(reverse("tokens"), {"expires_days": "-3"}).status_code == 400
    other = UserFactory()
    foreign, _key = Token.issue(other)
    assert client.post(reverse("tokens"), {"delete": foreign.pk}).status_code == 404
    client.post(reverse("tokens"), {"delete": token.pk})
    assert not Token.objects.filter(pk=token.pk).exists() and Token.objects.filter(pk=foreign.pk).exists()


def test_language_switch_to_german(client, world):
    login(client, "viewer")
    response = client.post(
        reverse("set_language"), {"language": "de", "next": reverse("inventory:asset_list")}
    )
    assert response.status_code == 302
    page = client.get(reverse("inventory:asset_list"))
    body = page.content.decode()
    assert '<html lang="de">' in body
    assert "Geräte" in body and "Filter" in body  # the catalogue is compiled and used


def test_asset_references_are_typed_not_picked_from_a_list(client, world):
    """Forms never render a <select> of every asset; names, serials or tags are typed and checked."""
    login(client, "planner")
    page = client.get(reverse("lifecycle:contract_add")).content.decode()
    assert "<option" not in page.split('name="assets"')[1].split("</textarea>")[0]
    old1, old2 = world["assets"]["old-1"], world["assets"]["old-2"]
    data = {
        "provider": "Netcloud AG",
        "number": "SC-9",
        "kind": "support",
        "start": "2026-01-01",
        "end": "2027-12-31",
        "notice_days": "90",
        "assets": f"old-1\n{old2.serial}\nnobody-here",
    }
    response = client.post(reverse("lifecycle:contract_add"), data)
    assert response.status_code == 200 and "nobody-here" in str(response.context["form"].errors["assets"])
    assert not Contract.objects.filter(number="SC-9").exists()
    data["assets"] = f"old-1, {old2.serial}"
    assert client.post(reverse("lifecycle:contract_add"), data).status_code == 302
    contract = Contract.objects.get(number="SC-9")
    assert set(contract.assets.all()) == {old1, old2}
    edit = client.get(reverse("lifecycle:contract_edit", args=[contract.pk])).content.decode()
    assert "old-1\nold-2" in edit


def test_list_filter_forms_leave_out_per_asset_choices(client, world):
    login(client, "viewer")
    for name in ("inventory:module_list", "lifecycle:contract_list", "collectors:discoveryhost_list"):
        fields = [f.name for f in client.get(reverse(name)).context["filter_fields"]]
        assert "asset_id" not in fields and "q" in fields, name


@pytest.mark.parametrize(
    "url",
    [
        "inventory:asset_list",
        "inventory:site_list",
        "inventory:orgunit_list",
        "lifecycle:contract_list",
        "lifecycle:hardwarenotice_list",
        "inventory:module_list",
    ],
)
def test_list_pages_cost_the_same_queries_for_25_or_100_rows(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    units = [OrgUnitFactory() for _ in range(3)]
    models = [HardwareModelFactory() for _ in range(3)]
    for n in range(110):
        unit = OrgUnitFactory(parent=units[n % 3])
        site = SiteFactory(org_unit=unit)
        asset = AssetFactory(hardware_model=models[n % 3], site=site, org_unit=unit)
        ModuleFactory(asset=asset)
        contract = Contract.objects.create(provider="P", number=f"C{n}", start=TODAY, end=TODAY)
        contract.assets.add(asset)
        HardwareNotice.objects.create(bulletin=f"N{n}").hardware_models.add(models[n % 3])
    state.refresh()
    login(client, "viewer")
    counts = {}
    for per_page in (25, 100):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(url), {"per_page": per_page})
        assert response.status_code == 200
        assert len(response.context["table"].paginated_rows) == per_page
        counts[per_page] = len(queries)
    assert counts[25] == counts[100], counts


def test_dashboard_figures_follow_changes_despite_the_cache(
    client, world, django_capture_on_commit_callbacks
):
    login(client, "viewer")
    support = {s["value"]: s["count"] for s in client.get(reverse("home")).context["support"]}
    assert support["unsupported"] == 2
    asset = world["assets"]["new-1"]
    with django_capture_on_commit_callbacks(execute=True):
        asset.hardware_model = world["old"]
        asset.save()
    support = {s["value"]: s["count"] for s in client.get(reverse("home")).context["support"]}
    assert support["unsupported"] == 3
    world["assets"]["old-1"].delete()
    context = client.get(reverse("home")).context
    assert {s["value"]: s["count"] for s in context["support"]}["unsupported"] == 2
    assert context["asset_count"] == 3
    # the cached figures are per language
    client.post(reverse("set_language"), {"language": "de", "next": "/"})
    labels = [b.label for b in client.get(reverse("home")).context["chart"]["bars"]]
    assert labels[0] == "Rückstand"


@pytest.mark.parametrize("language", ["en", "de"])
def test_asset_filter_form_shows_ids_not_the_api_slug_variants(client, world, language):
    login(client, "viewer")
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    fields = [f.name for f in client.get(reverse("inventory:asset_list")).context["filter_fields"]]
    assert {"site_id", "org_unit_id", "manufacturer_id", "tag", "hardware_status"} <= set(fields)
    assert not {"site", "org_unit", "manufacturer", "id", "serial"} & set(fields)


def test_typed_asset_names_are_looked_up_in_one_query(world, django_assert_num_queries):
    from django.core.exceptions import ValidationError

    from inventory.forms import AssetListField

    old2 = world["assets"]["old-2"]
    field = AssetListField()
    with django_assert_num_queries(1):
        found = field.clean(f"OLD-1\n{old2.serial.lower()}\nnew-1")
    assert [a.name for a in found] == ["old-1", "old-2", "new-1"]
    with pytest.raises(ValidationError, match="nobody"):
        field.clean("old-1, nobody")


@pytest.mark.parametrize("value", ["abc", "-1", "99999999999999999999", ""])
def test_tokens_page_refuses_a_bad_delete_with_a_400(client, world, value):
    user = login(client, "viewer")
    mine, _key = Token.issue(user)
    response = client.post(reverse("tokens"), {"delete": value})
    assert response.status_code == 400
    assert "no-store" in response.headers.get("Cache-Control", "")
    assert Token.objects.filter(pk=mine.pk).exists()
    assert "no-store" in client.get(reverse("tokens")).headers["Cache-Control"]


def test_an_upload_larger_than_the_limit_is_refused_before_it_is_read(client, world, settings):
    """issue #14: the size was checked after the body had been read. The test client's input
    refuses to be read past what it holds, so a read of the declared 1 GB would fail the test."""
    login(client, "engineer")
    settings.UPLOAD_MAX_BYTES = 1024
    response = client.generic("POST", reverse("inventory:asset_import"), b"x" * 10,
                              content_type="multipart/form-data; boundary=x",
                              CONTENT_LENGTH=str(1024**3))
    assert response.status_code == 413
    assert "larger than" in response.content.decode()
    api = client.generic("POST", "/api/inventory/assets/", b"{}", content_type="application/json",
                         CONTENT_LENGTH=str(1024**3))
    assert api.status_code == 413 and "larger than" in api.json()["detail"]
    bad = client.generic("POST", reverse("inventory:asset_import"), b"", CONTENT_LENGTH="12abc")
    assert bad.status_code == 400
    small = io.BytesIO(b"name\nsmall-1\n")
    small.name = "small.csv"
    assert client.post(reverse("inventory:asset_import"), {"file": small}).status_code == 302


def test_an_import_stops_reading_at_the_row_limit(client, world, settings):
    login(client, "engineer")
    settings.IMPORT_MAX_ROWS = 3
    upload = io.BytesIO(("name\n" + "".join(f"row-{i}\n" for i in range(5))).encode())
    upload.name = "many.csv"
    response = client.post(reverse("inventory:asset_import"), {"file": upload})
    assert response.status_code == 200
    [error] = response.context["errors"]
    assert error.line == 5 and "more than 3 rows" in error.message
    assert not Asset.objects.filter(name__startswith="row-").exists()


def test_tokens_page_limits_a_token_to_networks(client, world):
    user = login(client, "viewer")
    response = client.post(reverse("tokens"), {"description": "ci", "allowed_networks": "10.20.0.0/16"})
    assert response.status_code == 200
    assert Token.objects.get(user=user).allowed_networks == "10.20.0.0/16"
    bad = client.post(reverse("tokens"), {"description": "bad", "allowed_networks": "here"})
    assert bad.status_code == 400 and Token.objects.filter(user=user).count() == 1


@pytest.mark.parametrize("who, link", [("viewer", False), ("admin", True)])
def test_asset_page_warns_of_a_changed_ssh_host_key(client, world, who, link):
    """A different SSH key offered at the asset's address is shown on its page, with who can
    accept it; a key that did not change (or another address's) is not."""
    from collectors.models import HostKey

    asset = world["assets"]["old-1"]
    asset.management_address = "192.0.2.10"
    asset.save()
    changed = HostKey.objects.create(
        address="192.0.2.10", port=22, key_type="ssh-ed25519", key="AAAAold", fingerprint="SHA256:old",
        offered_key_type="ssh-ed25519", offered_key="AAAAnew", offered_fingerprint="SHA256:new",
        offered_at=timezone.now())
    HostKey.objects.create(address="192.0.2.10", port=830, key_type="ssh-ed25519", key="AAAAsame",
                           fingerprint="SHA256:same")
    HostKey.objects.create(address="192.0.2.99", port=22, key_type="ssh-ed25519", key="AAAAx",
                           fingerprint="SHA256:x", offered_key_type="ssh-ed25519", offered_key="AAAAy",
                           offered_fingerprint="SHA256:other")
    login(client, who)

    body = client.get(asset.get_absolute_url()).content.decode()

    assert body.count('id="host-key-changed"') == 1
    assert "192.0.2.10:22 presented SHA256:new" in body and "stored SHA256:old" in body
    assert "SHA256:other" not in body and "SHA256:same" not in body
    admin_link = reverse("admin:collectors_hostkey_change", args=[changed.pk])
    assert (admin_link in body) is link
    assert ("manage.py hostkeys accept 192.0.2.10" in body) is not link

    HostKey.objects.filter(pk=changed.pk).update(offered_fingerprint="", offered_key="", offered_key_type="")
    assert 'id="host-key-changed"' not in client.get(asset.get_absolute_url()).content.decode()
