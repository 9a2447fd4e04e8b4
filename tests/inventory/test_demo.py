"""The sample inventory (inventory.demo) and the load_demo command."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count

from inventory import assets_csv, demo
from inventory.choices import ActorKind
from inventory.models import Asset, HardwareModel, Manufacturer, ObjectChange, OrgUnit, Platform, Site
from inventory.roles import ADMIN

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count()
            for model in (OrgUnit, Site, Manufacturer, HardwareModel, Platform, Asset, ObjectChange)}


def test_load_creates_a_realistic_inventory():
    result = demo.load()

    departments = OrgUnit.objects.filter(parent=None).annotate(offices=Count("children"))
    assert departments.count() == 2
    assert all(d.offices >= 2 for d in departments)
    assert Site.objects.count() >= 5
    assert Site.objects.filter(org_unit__isnull=True).count() == 0
    assert 55 <= Asset.objects.count() <= 70
    assert result == {"org_units": OrgUnit.objects.count(), "sites": Site.objects.count(),
                      "models": HardwareModel.objects.count(), "assets": Asset.objects.count()}
    makers = Asset.objects.values("manufacturer").distinct().count()
    assert makers >= 5
    dates = Asset.objects.exclude(purchase_date=None).values_list("purchase_date", flat=True)
    years = {d.year for d in dates}
    assert len(years) >= 5
    # Every asset is complete enough for the lifecycle views: a model, a site, an owner.
    assert not Asset.objects.filter(hardware_model=None).exists()
    assert not Asset.objects.filter(site=None).exists()
    assert not Asset.objects.filter(org_unit=None).exists()
    assert Asset.objects.filter(status="decommissioned").exists()
    assert Asset.objects.filter(status="planned").exists()


def test_load_writes_the_change_log_as_demo_data():
    demo.load()

    kinds = set(ObjectChange.objects.values_list("actor_kind", "actor"))
    assert kinds == {(ActorKind.SYSTEM, "demo data")}
    assert ObjectChange.objects.filter(content_type__model="asset").count() == Asset.objects.count()


def test_loading_twice_changes_nothing():
    demo.load()
    before = counts()
    first = io.StringIO()
    assets_csv.export_csv(first)

    demo.load()

    new_changes = ObjectChange.objects.order_by("pk")[before["ObjectChange"]:]
    assert [str(c) for c in new_changes] == []
    assert counts() == before
    second = io.StringIO()
    assets_csv.export_csv(second)
    assert second.getvalue() == first.getvalue()


def test_demo_export_reimports_unchanged():
    demo.load()
    before = counts()
    out = io.StringIO()
    assets_csv.export_csv(out)

    summary = assets_csv.import_csv(out.getvalue(), actor_name="import demo.csv")

    assert summary == {"created": 0, "updated": 0, "unchanged": before["Asset"]}
    assert counts() == before


def test_load_demo_command_creates_an_admin_whose_printed_password_logs_in(client):
    out = io.StringIO()

    call_command("load_demo", user="demo", stdout=out)

    text = out.getvalue()
    assert "Sample inventory:" in text
    password = re.search(r"Log in as demo / (\S+)", text)[1]
    user = get_user_model().objects.get(username="demo")
    assert user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == [ADMIN]
    assert Asset.objects.count() >= 55

    response = client.post("/login/", {"username": "demo", "password": password})

    assert response.status_code == 302
    assert client.get("/admin/inventory/asset/").status_code == 200
    assert client.get("/admin/auth/user/").status_code == 200  # admin group: users too


def test_load_demo_again_gives_a_new_password_and_keeps_the_data(client):
    out1, out2 = io.StringIO(), io.StringIO()
    call_command("load_demo", user="demo", stdout=out1)
    before = counts()

    call_command("load_demo", user="demo", stdout=out2)

    old = re.search(r"Log in as demo / (\S+)", out1.getvalue())[1]
    new = re.search(r"Log in as demo / (\S+)", out2.getvalue())[1]
    assert old != new
    assert not client.login(username="demo", password=old)
    assert client.login(username="demo", password=new)
    assert get_user_model().objects.filter(username="demo").count() == 1
    assert {k: v for k, v in counts().items() if k != "ObjectChange"} == {
        k: v for k, v in before.items() if k != "ObjectChange"}


def test_load_demo_without_user_creates_no_login():
    out = io.StringIO()

    call_command("load_demo", stdout=out)

    assert "Log in as" not in out.getvalue()
    assert not get_user_model().objects.exists()
