"""The CSV import and export of assets in the admin."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from inventory import assets_csv
from inventory.choices import ActorKind
from inventory.models import Asset, ObjectChange, Tag
from tests.factories import (
    AssetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/inventory/asset/import/"
EXPORT_URL = "/admin/inventory/asset/export/"

GOOD = (
    "name,serial,manufacturer,model,site,status,purchase_date,in_service_date,purchase_cost,tags\n"
    "sth-acc-sw01,FOC0001,Cisco Systems,C9300-48P,stadthaus,active,2021-03-15,01.04.2021,1'250.00,core\n"
    "sth-acc-sw02,FOC0002,cisco,C9300-48P,Stadthaus,spare,,,,\n"
)
BAD = (
    "name,serial,manufacturer,site,purchase_date\n"
    "sth-acc-sw01,FOC0001,cisco,stadthaus,2021-01-01\n"  # 2: fine
    "bad-date,S3,cisco,stadthaus,2021-13-01\n"  # 3
    "bad-maker,S4,Nokla,stadthaus,\n"  # 4
    "bad-site,S5,cisco,Mars,\n"  # 5
    "short,S6\n"  # 6
)


@pytest.fixture
def engineer(client):
    user = UserFactory(username="erika", groups=["engineer"])
    client.force_login(user)
    return user


def upload(text: str, name: str = "assets.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def counts() -> tuple[int, int, int]:
    return Asset.objects.count(), Tag.objects.count(), ObjectChange.objects.count()


def test_import_page_shows_the_form(client, engineer):
    response = client.get(IMPORT_URL)

    assert response.status_code == 200
    assert b'type="file"' in response.content
    assert b"name, serial, asset_tag" in response.content


def test_changelist_links_to_import_and_export(client, engineer):
    content = client.get(reverse("admin:inventory_asset_changelist")).content.decode()

    assert f'href="{IMPORT_URL}"' in content
    assert f'href="{EXPORT_URL}"' in content


def test_engineer_imports_a_good_file(client, engineer, catalogue):
    last_change = ObjectChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    response = client.post(IMPORT_URL, {"file": upload(GOOD)})

    assert response.status_code == 302
    assert response.url == reverse("admin:inventory_asset_changelist")
    assert set(Asset.objects.values_list("name", "serial")) == {("sth-acc-sw01", "FOC0001"),
                                                               ("sth-acc-sw02", "FOC0002")}
    new = ObjectChange.objects.filter(pk__gt=last_change)
    assert new.filter(content_type__model="asset").count() == 2
    assert {(c.actor_kind, c.actor, c.user_id) for c in new} == {
        (ActorKind.IMPORT, "import assets.csv by erika", engineer.pk)}

    page = client.get(response.url)
    assert "Imported assets.csv: 2 created, 0 updated, 0 unchanged." in page.content.decode()


def test_bad_file_lists_each_error_and_writes_nothing(client, engineer, catalogue):
    before = counts()

    response = client.post(IMPORT_URL, {"file": upload(BAD, "bad.csv")})

    assert response.status_code == 200
    errors = response.context["errors"]
    assert [(e.line, e.column) for e in errors] == [(3, "purchase_date"), (4, "manufacturer"),
                                                    (5, "site"), (6, "")]
    content = response.content.decode()
    assert "The file has 4 errors; nothing was imported." in content
    for e in errors:
        assert f"<tr><td>{e.line}</td><td>{e.column}</td>" in content
    assert "“2021-13-01” is not a valid date" in content
    assert "Nokla" in content and "Mars" in content
    assert counts() == before


def test_dry_run_writes_nothing_and_shows_a_summary(client, engineer, catalogue):
    AssetFactory(name="sth-acc-sw02", serial="FOC0002", hardware_model__manufacturer=catalogue, site=None)
    before = counts()

    response = client.post(IMPORT_URL, {"file": upload(GOOD), "dry_run": "on"})

    assert response.status_code == 200
    assert response.context["summary"] == {"created": 1, "updated": 1, "unchanged": 0}
    assert response.context["errors"] is None
    content = response.content.decode()
    assert "would create 1, update 1 and leave 0 unchanged. Nothing was written." in content
    assert counts() == before


def test_file_with_bom_and_semicolons_is_imported(client, engineer, catalogue):
    text = "\ufeffname;serial;manufacturer;site\r\nsw1;S1;cisco;stadthaus\r\n"

    response = client.post(IMPORT_URL, {"file": upload(text, "excel.csv")})

    assert response.status_code == 302
    assert Asset.objects.get().site.slug == "stadthaus"


def test_file_that_is_not_utf8_is_refused_by_the_form(client, engineer):
    response = client.post(IMPORT_URL, {"file": upload("name,site\nsw1,Werkhof Süd\n", encoding="latin-1")})

    assert response.status_code == 200
    assert "not UTF-8" in str(response.context["form"].errors["file"])
    assert Asset.objects.count() == 0


def test_viewer_may_not_import(client):
    client.force_login(UserFactory(groups=["viewer"]))

    assert client.get(IMPORT_URL).status_code == 403
    assert client.post(IMPORT_URL, {"file": upload("name\nsw1\n")}).status_code == 403
    assert Asset.objects.count() == 0


def test_planner_may_not_import(client):
    client.force_login(UserFactory(groups=["planner"]))

    assert client.post(IMPORT_URL, {"file": upload("name\nsw1\n")}).status_code == 403
    assert Asset.objects.count() == 0


def test_anonymous_is_sent_to_login(client):
    response = client.post(IMPORT_URL, {"file": upload("name\nsw1\n")})

    assert response.status_code == 302
    assert "login" in response.url
    assert Asset.objects.count() == 0


def test_export_view_returns_csv_the_importer_reads_back_unchanged(client, catalogue):
    tag = Tag.objects.create(name="core", slug="core")
    AssetFactory(name="sw1", hardware_model__manufacturer=catalogue, management_address="2001:db8::7",
                 comments="two\nlines, quoted \"x\"").tags.add(tag)
    AssetFactory(name="sw2", hardware_model=None, serial="", site=None, purchase_date=None,
                 in_service_date=None, purchase_cost=None)
    client.force_login(UserFactory(groups=["viewer"]))
    before = counts()

    response = client.get(EXPORT_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="assets-')
    text = response.content.decode("utf-8")
    expected = io.StringIO()
    assets_csv.export_csv(expected)
    assert text == expected.getvalue()
    assert assets_csv.import_csv(text, actor_name="import export") == {
        "created": 0, "updated": 0, "unchanged": 2}
    assert counts() == before


def test_exported_file_uploads_back_unchanged(client, engineer, catalogue):
    AssetFactory.create_batch(3, hardware_model__manufacturer=catalogue)
    exported = client.get(EXPORT_URL).content.decode()
    before = counts()

    response = client.post(IMPORT_URL, {"file": upload(exported, "export.csv")}, follow=True)

    assert "0 created, 0 updated, 3 unchanged" in response.content.decode()
    assert counts() == before


def test_export_selected_action_exports_only_the_selection(client, engineer):
    a, b, _ = AssetFactory.create_batch(3, site=None)

    response = client.post(reverse("admin:inventory_asset_changelist"),
                           {"action": "export_selected", "_selected_action": [a.pk, b.pk]})

    assert response.status_code == 200
    names = [line.split(",", 1)[0] for line in response.content.decode().splitlines()[1:]]
    assert names == [a.name, b.name]
