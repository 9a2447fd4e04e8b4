"""Query parameters out of range or of the wrong kind answer 400 naming the parameter, never a
500 (issue #14; found by Schemathesis: `?id=null`, huge integers, year 0). Every list operation
of the OpenAPI schema is probed with every integer parameter it declares, and with `id`."""

import pytest
import yaml
from django.core.management import call_command

from tests.api.conftest import make_user, token_client
from tests.factories import AssetFactory

pytestmark = pytest.mark.django_db

BAD = ["null", "99999999999999999999", "-1", "1.5", "0", "9" * 40]


def _list_operations(tmp_path) -> dict[str, set[str]]:
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--file", str(out))
    paths = yaml.safe_load(out.read_text())["paths"]
    found = {}
    for path, operations in paths.items():
        if "{" in path or "get" not in operations:
            continue
        names = {p["name"] for p in operations["get"].get("parameters", [])
                 if p.get("in") == "query" and p.get("schema", {}).get("type") in ("integer", "number")}
        found[path] = names
    return found


def test_no_integer_parameter_answers_500(tmp_path):
    AssetFactory()
    client = token_client(make_user("admin"), write=True)
    operations = _list_operations(tmp_path)
    assert "/api/inventory/assets/" in operations
    failures = []
    for path, names in operations.items():
        for name in sorted(names | {"id"}):
            for value in BAD:
                response = client.get(path, {name: value})
                if response.status_code >= 500:
                    failures.append(f"{path}?{name}={value}: {response.status_code}")
    assert failures == []


@pytest.mark.parametrize("path", ["/api/inventory/assets/", "/api/inventory/sites/",
                                  "/api/discovery/hosts/", "/api/lifecycle/contracts/"])
@pytest.mark.parametrize("value", ["null", "null,null", "0", "99999999999999999999"])
def test_a_bad_id_is_a_400_naming_id(path, value):
    client = token_client(make_user("viewer"))
    response = client.get(path, {"id": value})
    assert response.status_code == 400, response.content
    assert "id" in response.json()


def test_good_ids_still_filter():
    a, b, _c = AssetFactory(), AssetFactory(), AssetFactory()
    client = token_client(make_user("viewer"))
    response = client.get("/api/inventory/assets/", {"id": f"{a.pk},{b.pk}"})
    assert response.status_code == 200
    assert sorted(r["id"] for r in response.json()["results"]) == sorted([a.pk, b.pk])


@pytest.mark.parametrize("query", ["id=null", "site_id=99999999999999999999", "not_seen_days=99999999999",
                                   "replacement_year=99999", "id=0"])
def test_the_asset_list_page_answers_bad_filters_without_a_500(client, query):
    AssetFactory(name="sw-01")
    client.force_login(make_user("viewer"))
    response = client.get(f"/assets/?{query}")
    assert response.status_code in (200, 400)
    assert response.status_code != 500


@pytest.mark.parametrize("at", ["9999-12-31", "0001-01-01", "1899-12-31"])
def test_a_plan_or_summary_at_an_absurd_date_is_a_400_naming_at(client, at):
    """The Planning page, the plan API and the summary API refuse a date outside 1900 … 9000 (a
    plan counted from 9999-12-31 ran past Python's last date: a 500)."""
    from django.urls import reverse

    planner = make_user("planner")
    client.force_login(planner)
    page = client.get(reverse("lifecycle:planning"), {"at": at})
    assert page.status_code == 400 and "between 1900-01-01 and 9000-12-31" in page.content.decode()
    api = token_client(planner)
    for name in ("lifecycle-api:plan", "lifecycle-api:summary"):
        answer = api.get(reverse(name), {"at": at})
        assert answer.status_code == 400, (name, answer.content)
        assert "at" in answer.json()
