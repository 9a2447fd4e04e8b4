"""The permission matrix of issue #16: a user limited to Direktion Alpha — in a session and through
an API token — and an unscoped admin's token limited to Direktion Alpha read every page, list,
export, search, plan, API endpoint and /metrics of a city with two Direktionen; nothing of
Direktion Bravo (or of the city as a whole) appears anywhere, not even in a count, and every
change outside the scope is refused with a 403 naming it. An unscoped user reads the same pages
and finds every forbidden string somewhere (so the negative assertions mean something).

The city is built once per module (``tests/scope_data.py``) inside a transaction that is rolled
back at the end; each test runs in a savepoint of its own."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import openpyxl
import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from collectors.models import DiscoverySchedule
from inventory import scopes
from inventory.models import Asset, Manufacturer, ObjectChange, OrgUnit, Site
from lifecycle.models import Contract, KpiSnapshot, LifecyclePolicy
from tests import scope_data
from tests.scope_data import ALPHA_ASSETS, CITY_ASSETS, FORBIDDEN

pytestmark = pytest.mark.django_db

APPS = ("inventory", "lifecycle", "collectors")
# pages that are not the product's (or that log out): not walked
SKIP_NAMES = {"login", "logout", "set_language", "healthz", "metrics"}
SUFFIXES = (
    "_edit",
    "_delete",
    "_enable",
    "_disable",
    "_run",
    "_add",
    "_list",
    "_bulk_edit",
    "_bulk_delete",
    "_import",
)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        cache.clear()
        built = scope_data.build()
        yield built
        transaction.set_rollback(True)
    cache.clear()


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()  # the dashboard caches its figures per scope; ids repeat between test databases


# --- reading the answers -------------------------------------------------------------------------


def text_of(response) -> str:
    """Everything a response says: headers that carry names, and the body (a workbook cell by
    cell, a zip member by member)."""
    parts = [response.get("Location", ""), response.get("Content-Disposition", "")]
    body = getattr(response, "content", None)
    if body is None:  # streaming
        body = b"".join(response.streaming_content)
    kind = response.get("Content-Type", "")
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            if "spreadsheetml" in kind or any(n.startswith("xl/") for n in archive.namelist()):
                book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
                for sheet in book.worksheets:
                    parts.append(sheet.title)
                    for row in sheet.iter_rows(values_only=True):
                        parts.extend(str(v) for v in row if v is not None)
            else:
                parts.extend(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    else:
        parts.append(body.decode("utf-8", "replace"))
    return "\n".join(parts)


def leaked(text: str) -> list[str]:
    low = text.lower()
    return [s for s in FORBIDDEN if s.lower() in low]


class Walk:
    """GETs that are checked for forbidden strings; failures collected, reported together. (The
    leaks this matrix found — the change log naming related objects, refusals naming the object,
    the plan workbook's tree starting at the city, the API's nested references, the asset form's
    "replaces", /api/status/'s last run — are fixed and covered by the tests below.)"""

    def __init__(self, client):
        self.client = client
        self.problems: list[str] = []
        self.texts: list[str] = []

    def get(self, url, ok=(200,), data=None, ignore: str = "", **extra):
        try:
            response = self.client.get(url, data or {}, **extra)
        except Exception as exc:  # noqa: BLE001 - a 500 is a finding like any other
            self.problems.append(f"{url}: raised {type(exc).__name__}: {exc}")
            return None
        full = url + ("?" + "&".join(f"{k}={v}" for k, v in data.items()) if data else "")
        text = text_of(response)
        self.texts.append(text)
        if response.status_code not in ok:
            self.problems.append(f"{full}: {response.status_code} (expected {ok})")
        checked = re.sub(re.escape(ignore), "", text, flags=re.I) if ignore else text
        found = leaked(checked)
        if found:
            self.problems.append(f"{full}: {response.status_code} shows {found}")
        return response

    def check(self):
        assert not self.problems, "\n".join(self.problems)


def lead_scope(world) -> scopes.Scope:
    return scopes.for_user(world.users["lead"])


# --- the UI: every URL of the resolver --------------------------------------------------------------


def ui_patterns():
    """(name, pattern) of every page of the product (not the admin, not the API)."""

    def walk(resolver, namespace):
        for item in resolver.url_patterns:
            if isinstance(item, URLResolver):
                if item.namespace == "admin" or str(item.pattern).startswith("api/"):
                    continue
                yield from walk(item, item.namespace or namespace)
            elif isinstance(item, URLPattern) and item.name:
                yield (f"{namespace}:{item.name}" if namespace else item.name), item

    found = dict(walk(get_resolver(), None))
    return {name: p for name, p in found.items() if name not in SKIP_NAMES}


def model_of(name: str):
    base = name.split(":", 1)[-1]
    for suffix in SUFFIXES:
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    for label in APPS:
        try:
            return apps.get_model(label, base)
        except LookupError:
            continue
    return None


def ui_urls(world, scope):
    """(url, expected statuses, in scope?) of every page: pages without an id once (lists also as
    CSV), pages of an object for every object of the model — those in scope may answer, those
    outside must be a 404 (object pages) or a 403/404 (edit, delete)."""
    urls = []
    for name, pattern in sorted(ui_patterns().items()):
        if "pk" not in pattern.pattern.regex.groupindex:
            if pattern.pattern.regex.groupindex:
                continue
            url = reverse(name)
            urls.append((url, (200, 302, 403, 405), True))
            if name.endswith("_list"):
                urls.append((url + "?export=csv", (200, 403), True))
            continue
        model = model_of(name)
        assert model is not None, f"no model for {name}"
        visible = set(model._default_manager.restrict(scope).values_list("pk", flat=True))
        for pk in model._default_manager.values_list("pk", flat=True):
            url = reverse(name, kwargs={"pk": pk})
            detail = not any(name.endswith(s) for s in SUFFIXES)
            if pk in visible:
                urls.append((url, (200, 302, 403, 405), True))
            else:
                urls.append((url, (404,) if detail else (403, 404, 405), False))
    return urls


def test_the_walk_reaches_every_kind_of_page(world):
    names = set(ui_patterns())
    for needed in (
        "home",
        "search",
        "tokens",
        "inventory:asset_list",
        "inventory:asset",
        "inventory:orgunit",
        "lifecycle:planning",
        "lifecycle:contract",
        "collectors:discoveryrun",
        "inventory:objectchange",
    ):
        assert needed in names
    urls = ui_urls(world, lead_scope(world))
    assert len(urls) > 150
    assert any(not in_scope for _u, _ok, in_scope in urls)


def test_a_scoped_user_reads_nothing_outside_their_scope_on_any_page(client, world):
    client.force_login(world.users["lead"])
    walk = Walk(client)
    for url, ok, _in_scope in ui_urls(world, lead_scope(world)):
        walk.get(url, ok)
    walk.check()


def test_the_control_reads_every_forbidden_string_on_the_same_pages(client, world):
    """The unscoped control sees Bravo and the city on the pages the scoped walk read."""
    client.force_login(world.users["control"])
    walk = Walk(client)
    for url, _ok, _in_scope in ui_urls(world, scopes.EVERYTHING):
        try:
            response = client.get(url)
        except Exception as exc:  # noqa: BLE001
            walk.problems.append(f"{url}: raised {exc!r}")
            continue
        walk.texts.append(text_of(response))
    for response in plan_downloads(client, world):
        walk.texts.append(text_of(response))
    everything = "\n".join(walk.texts).lower()
    missing = [s for s in FORBIDDEN if s.lower() not in everything]
    assert not missing, f"the control never saw {missing}: the scoped walk proves nothing for them"
    assert not walk.problems, walk.problems


# --- counts and figures on the pages ----------------------------------------------------------------


def test_the_dashboard_counts_the_scope_only(client, world):
    client.force_login(world.users["lead"])
    response = client.get(reverse("home"))
    assert response.status_code == 200
    context = response.context
    assert context["asset_count"] == len(ALPHA_ASSETS)
    assert context["site_count"] == 3  # Alphaweg, Alpha Zentrale, and Werkhof Bravo-Nord (an Alpha asset)
    assert context["org_unit_count"] == 3
    assert context["figures"]["count"] == len(ALPHA_ASSETS)  # all in use
    assert context["review_count"] == 0
    assert [run.pk for run in context["runs"]] == [world.runs["mixed"].pk]
    assert [host.name for host in context["failures"]] == ["alpha-spo-sw01"]
    assert not leaked(response.content.decode())

    client.force_login(world.users["control"])
    control = client.get(reverse("home")).context
    assert control["asset_count"] == CITY_ASSETS
    assert control["review_count"] == 1


def test_lists_count_the_scope_only(client, world):
    client.force_login(world.users["lead"])
    expected = {
        "inventory:asset_list": len(ALPHA_ASSETS),
        "inventory:site_list": 3,
        "inventory:orgunit_list": 3,
        "inventory:module_list": 1,
        "lifecycle:contract_list": 2,
        "lifecycle:lifecyclepolicy_list": 2,
        "collectors:discoveryrun_list": 1,
        "collectors:discoveryhost_list": 2,
    }
    for name, count in expected.items():
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        table = response.context["table"]
        assert len(table.rows) == count, name
        csv_rows = list(csv.reader(io.StringIO(client.get(reverse(name) + "?export=csv").content.decode())))
        assert len(csv_rows) == count + 1, (name, csv_rows)


def test_a_run_shows_the_scopes_hosts_and_figures_only(client, world):
    client.force_login(world.users["lead"])
    response = client.get(world.runs["mixed"].get_absolute_url())
    assert response.status_code == 200
    run = response.context["object"]
    assert (run.hosts_tried, run.hosts_succeeded, run.hosts_failed) == (2, 1, 1)
    html = response.content.decode()
    assert "alpha-sch-sw01" in html and "alpha-spo-sw01" in html
    assert not leaked(html)


def test_catalogue_and_site_counts_count_the_scopes_assets(client, world):
    """Shared data is listed whole, its asset counts over the scope's assets only."""
    expected = {
        "inventory:hardwaremodel_list": {"C9300-48P": 3, "FPR-1120": 1, "ISR4331": 0},
        "inventory:manufacturer_list": {"Cisco": 4},
        "inventory:platform_list": {"Cisco IOS-XE": 4},
        "inventory:site_list": {"Schulhaus Alphaweg": 2, "Alpha Zentrale": 1, "Werkhof Bravo-Nord": 1},
    }
    for who, factor in (("lead", None), ("control", True)):
        client.force_login(world.users[who])
        for name, counts in expected.items():
            table = client.get(reverse(name)).context["table"]
            found = {
                getattr(r.record, "model", None)
                if name.startswith("inventory:hardwaremodel")
                else r.record.name: r.record.asset_count
                for r in table.rows
            }
            if factor is None:
                assert found == counts, (name, found)
            else:  # the city has more
                assert sum(found.values()) > sum(counts.values()), (name, found)


# --- search --------------------------------------------------------------------------------------


def test_search_finds_nothing_outside_the_scope(client, world):
    client.force_login(world.users["lead"])
    walk = Walk(client)
    for term in FORBIDDEN:
        response = walk.get(reverse("search"), ok=(200,), data={"q": term}, ignore=term)
        if response is not None and response.status_code == 200:
            total = sum(group.count for group in response.context["groups"])
            if total:
                walk.problems.append(f"search {term!r}: {total} hits")
    # what is in scope is found (one hit: its page)
    response = client.get(reverse("search"), {"q": "alpha-spo-sw01"})
    assert response.status_code == 302
    assert response["Location"] == world.assets["alpha-spo-sw01"].get_absolute_url()
    response = client.get(reverse("search"), {"q": "sw0"})  # Alpha's and Bravo's switches
    labels = {hit.label for g in response.context["groups"] for hit in g.hits}
    assert {"alpha-sch-sw01", "alpha-sch-sw02", "alpha-spo-sw01"} <= labels, labels
    counts = {g.key: g.count for g in response.context["groups"]}
    assert counts.get("inventory.asset") == 3, counts  # not the city's five
    walk.get(reverse("search"), data={"q": "sw0"})
    walk.check()


def test_the_control_finds_the_bravo_strings(client, world):
    client.force_login(world.users["control"])
    for term in ("bravo-stv-sw01", "SNBRV0002", "10.66.0.12", "Steueramt Bravoplatz", "K-BRAVO-200"):
        response = client.get(reverse("search"), {"q": term})
        assert response.status_code == 302, term  # one hit: its page


# --- plans, exports and the monitoring page -------------------------------------------------------

PLAN_QUERIES = [
    {},
    {"group_by": "org_unit"},
    {"group_by": "site"},
    {"budget": "5000", "group_by": "org_unit"},
    {"download": "json", "group_by": "org_unit"},
    {"download": "xlsx", "group_by": "org_unit"},
    {"download": "xlsx", "budget": "5000", "group_by": "site"},
    {"download": "csv", "table": "schedule"},
    {"download": "csv", "table": "budget", "group_by": "org_unit"},
    {"download": "csv", "table": "capped", "budget": "5000", "group_by": "org_unit"},
]


def plan_downloads(client, world):
    responses = [client.get(reverse("lifecycle:planning"), q) for q in PLAN_QUERIES]
    responses += [
        client.get(reverse("lifecycle:monitoring")),
        client.get(reverse("lifecycle:monitoring_report")),
    ]
    return responses


def test_plans_and_their_downloads_hold_the_scope_only(client, world):
    client.force_login(world.users["lead"])
    walk = Walk(client)
    for query in PLAN_QUERIES:
        walk.get(reverse("lifecycle:planning"), data=query)
    walk.check()
    plan = client.get(reverse("lifecycle:planning"), {"download": "json"}).json()
    assert plan_count(plan) == len(ALPHA_ASSETS), plan.get("totals")
    schedule = list(
        csv.DictReader(
            io.StringIO(
                client.get(
                    reverse("lifecycle:planning"), {"download": "csv", "table": "schedule"}
                ).content.decode()
            )
        )
    )
    assert sorted(row.get("name") or row.get("asset") for row in schedule) == sorted(ALPHA_ASSETS)
    # a Bravo unit is no choice of the plan's filter
    response = client.get(reverse("lifecycle:planning"), {"org_unit": world.bravo.pk})
    assert response.status_code in {200, 400}
    assert not leaked(text_of(response))


def plan_count(plan: dict) -> int:
    totals = plan.get("totals", plan)
    for key in ("count", "assets", "asset_count"):
        if isinstance(totals, dict) and key in totals:
            return totals[key]
    return len(plan.get("schedule") or plan.get("assets") or [])


def test_the_plan_workbook_names_no_unit_above_the_scope(client, world):
    client.force_login(world.users["lead"])
    response = client.get(reverse("lifecycle:planning"), {"download": "xlsx", "group_by": "org_unit"})
    assert response.status_code == 200
    assert leaked(text_of(response)) == []


def test_the_monitoring_page_shows_the_scopes_units_only(client, world):
    client.force_login(world.users["lead"])
    walk = Walk(client)
    url = reverse("lifecycle:monitoring")
    walk.get(url)
    walk.get(reverse("lifecycle:monitoring_report"))
    for unit in ("Direktion Alpha", "Alpha Schulen", "Alpha Sport"):
        walk.get(url, data={"unit": world.units[unit].pk})
        walk.get(reverse("lifecycle:monitoring_report"), data={"unit": world.units[unit].pk})
    for unit in ("Direktion Bravo", "Bravo Steuern", "Stadt Testingen"):
        walk.get(url, ok=(400, 403, 404), data={"unit": world.units[unit].pk})
        walk.get(
            reverse("lifecycle:monitoring_report"), ok=(400, 403, 404), data={"unit": world.units[unit].pk}
        )
    walk.check()


def test_the_snapshots_api_holds_the_scopes_units_only(world):
    client = token_client(world.keys["lead"])
    rows = client.get("/api/lifecycle/snapshots/?limit=1000").json()["results"]
    assert not leaked(str(rows))
    assert len(rows) == 6  # Direktion Alpha, Alpha Schulen, Alpha Sport on two days; not the city
    bravo = KpiSnapshot.objects.filter(org_unit=world.bravo).first()
    assert client.get(f"/api/lifecycle/snapshots/{bravo.pk}/").status_code == 404


# --- what the matrix found, one test each (each was a leak, fixed in this issue) --------------------


def test_list_filters_offer_only_the_scopes_units_and_sites(client, world):
    client.force_login(world.users["lead"])
    for name in (
        "inventory:asset_list",
        "inventory:site_list",
        "inventory:orgunit_list",
        "lifecycle:lifecyclepolicy_list",
    ):
        assert leaked(client.get(reverse(name)).content.decode()) == [], name


def test_the_change_log_names_nothing_outside_the_scope(client, world):
    client.force_login(world.users["lead"])
    pages = [world.alpha, world.sites["Werkhof Bravo-Nord"], world.contracts["shared"]]
    for obj in pages:
        assert leaked(client.get(obj.get_absolute_url()).content.decode()) == [], obj
        for change in ObjectChange.objects.for_object(obj):
            assert leaked(client.get(change.get_absolute_url()).content.decode()) == [], change


def test_the_asset_form_names_no_replaced_asset_outside_the_scope(client, world):
    client.force_login(world.users["lead"])
    response = client.get(reverse("inventory:asset_edit", args=[world.assets["alpha-dir-fw01"].pk]))
    assert response.status_code == 200
    assert leaked(response.content.decode()) == []


def test_an_asset_cannot_be_linked_to_a_replaced_asset_outside_the_scope(client, world):
    """Typing a Bravo asset's name into "replaces" finds nothing (and links nothing)."""
    client.force_login(world.users["lead"])
    asset = world.assets["alpha-sch-sw01"]
    url = reverse("inventory:asset_edit", args=[asset.pk])
    form = client.get(url).context["form"]
    data = {f.html_name: ("" if f.value() is None else f.value()) for f in form if not f.field.disabled}
    data = {k: v for k, v in data.items() if not isinstance(v, list)} | {
        "tags": [t.pk for t in asset.tags.all()]
    }
    data["replaces"] = "bravo-stv-sw01"
    response = client.post(url, data)
    assert Asset.objects.get(pk=asset.pk).replaces_id is None, "linked to a Bravo asset"
    assert response.status_code in {200, 400, 403}
    # what the user typed comes back (in the field and the error naming it), nothing else of Bravo
    assert not leaked(response.content.decode().replace("bravo-stv-sw01", ""))


def test_refusals_do_not_name_objects_outside_the_scope(client, world):
    client.force_login(world.users["lead"])
    for obj in (world.assets["bravo-stv-sw01"], world.units["Bravo Steuern"], world.contracts["bravo"]):
        name = obj._meta.model_name
        app = obj._meta.app_label.replace("collectors", "collectors")
        for page in ("edit", "delete"):
            response = client.get(reverse(f"{app}:{name}_{page}", args=[obj.pk]))
            assert response.status_code in {403, 404}
            assert leaked(response.content.decode()) == [], (obj, page)


def test_a_scoped_user_opens_the_add_page_of_a_software_release(client, world):
    client.force_login(world.users["lead"])
    assert client.get(reverse("lifecycle:softwarerelease_add")).status_code == 403


# --- object pages outside the scope ------------------------------------------------------------------


def test_object_pages_outside_the_scope_are_404(client, world):
    client.force_login(world.users["lead"])
    objects = [
        *world.bravo_objects(),
        ObjectChange.objects.for_object(world.assets["bravo-stv-sw01"]).first(),
    ]
    walk = Walk(client)
    for obj in objects:
        walk.get(obj.get_absolute_url(), ok=(404,))
    walk.get(reverse("collectors:discoveryrun", args=[world.runs["bravo"].pk]), ok=(404,))
    walk.check()
    # …and the same pages answer the control
    client.force_login(world.users["control"])
    for obj in objects:
        assert client.get(obj.get_absolute_url()).status_code == 200, obj


# --- the API --------------------------------------------------------------------------------------

def api_paths():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return dict(schema["paths"])


def token_client(key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def api_model(path):
    from django.urls import resolve

    match = resolve(path.replace("{id}", "1"))
    view = getattr(match.func, "cls", None)
    queryset = getattr(view, "queryset", None)
    return None if queryset is None else queryset.model


API_COUNTS = {  # list endpoint -> what Direktion Alpha has
    "/api/inventory/assets/": len(ALPHA_ASSETS),
    "/api/inventory/sites/": 3,
    "/api/inventory/org-units/": 3,
    "/api/inventory/modules/": 1,
    "/api/lifecycle/contracts/": 2,
    "/api/lifecycle/policies/": 2,
    "/api/discovery/runs/": 1,
    "/api/discovery/hosts/": 2,
    "/api/discovery/schedules/": 0,
    "/api/discovery/shards/": 0,
    "/api/lifecycle/snapshots/": 6,
}


class ApiWalk(Walk):
    def get(self, url, ok=(200,), data=None, ignore: str = "", **extra):
        response = self.client.get(url, data or {}, **extra)
        text = text_of(response)
        self.texts.append(text)
        if response.status_code not in ok:
            self.problems.append(f"{url}: {response.status_code} (expected {ok})")
        found = leaked(text)
        if found:
            self.problems.append(f"{url}: {response.status_code} shows {found}")
        return response


def api_client(world, who) -> APIClient:
    """The lead's own token, the admin's token limited to Direktion Alpha, or the lead's session."""
    if who == "lead_session":
        client = APIClient()
        client.force_login(world.users["lead"])
        return client
    return token_client(world.keys[who])


@pytest.mark.parametrize("who", ["lead", "admin_alpha", "lead_session"])
def test_every_api_endpoint_holds_the_scope_only(world, who):
    client = api_client(world, who)
    token = world.tokens.get(who)
    scope = scopes.for_user(world.users["lead"]) if token is None else scopes.for_user(token.user, token)
    assert scope.names == ("Direktion Alpha",)
    walk = ApiWalk(client)
    paths = api_paths()
    assert len(paths) >= 40
    for path, ops in sorted(paths.items()):
        if "get" not in ops or path == "/api/schema/":
            continue
        if "{id}" not in path:
            response = walk.get(path + "?limit=1000", ok=(200, 403))
            if path in API_COUNTS and response.status_code == 200:
                count = response.json().get("count")
                if count != API_COUNTS[path]:
                    walk.problems.append(f"{path}: count {count}, Direktion Alpha has {API_COUNTS[path]}")
            continue
        model = api_model(path)
        manager = model._default_manager
        shared = not hasattr(manager.all(), "restrict")
        visible = set((manager.all() if shared else manager.restrict(scope)).values_list("pk", flat=True))
        for pk in manager.values_list("pk", flat=True):
            url = path.replace("{id}", str(pk))
            if model._meta.model_name == "token":
                walk.get(url, ok=(200, 404))
            elif pk in visible:
                walk.get(url, ok=(200, 403))
            else:
                walk.get(url, ok=(404,))
    for path in ("/api/", "/api/inventory/", "/api/lifecycle/", "/api/discovery/", "/api/users/"):
        walk.get(path)
    walk.check()


def test_the_api_hides_related_units_outside_the_scope(world):
    client = token_client(world.keys["lead"])
    unit = client.get(f"/api/inventory/org-units/{world.alpha.pk}/").json()
    site = client.get(f"/api/inventory/sites/{world.sites['Werkhof Bravo-Nord'].pk}/").json()
    assert leaked(str(unit)) == [] and leaked(str(site)) == []


@pytest.mark.parametrize("who", ["lead", "admin_alpha", "lead_session"])
def test_api_figures_count_the_scope_only(world, who):
    client = api_client(world, who)
    summary = client.get("/api/lifecycle/summary/").json()
    control = token_client(world.keys["control"]).get("/api/lifecycle/summary/").json()
    assert summary["count"] == len(ALPHA_ASSETS) < control["count"], (summary, control)
    assert not leaked(str(summary))
    plan = client.get("/api/lifecycle/plan/").json()
    assert not leaked(str(plan))
    assert plan_count(plan) == len(ALPHA_ASSETS), plan.get("totals")
    for query in (
        {"group_by": "org_unit"},
        {"group_by": "site", "budget": "5000"},
        {"org_unit": world.bravo.pk},
    ):
        response = client.get("/api/lifecycle/plan/", query)
        assert response.status_code in {200, 400}, (query, response.content[:300])
        assert not leaked(response.content.decode()), (query, leaked(response.content.decode()))


def test_the_api_hides_a_replaced_asset_outside_the_scope(world):
    client = token_client(world.keys["lead"])
    asset = client.get(f"/api/inventory/assets/{world.assets['alpha-dir-fw01'].pk}/").json()
    assert leaked(str(asset)) == [], asset["replaces"]


@pytest.mark.parametrize("who", ["lead", "admin_alpha"])
def test_the_api_refuses_references_to_objects_outside_the_scope(world, who):
    """A new or changed object of the scope that points at a Bravo object: 400 (no such choice) or 403."""
    client = token_client(world.keys[who])
    before = snapshot_of(world)
    bravo = world.assets["bravo-stv-sw01"]
    attempts = [
        ("post", "/api/inventory/modules/", {"asset": bravo.pk, "name": "alpha-slot"}),
        (
            "post",
            "/api/lifecycle/contracts/",
            {
                "provider": "Netcare",
                "number": "K-ALPHA-101",
                "start": "2025-01-01",
                "end": "2027-01-01",
                "assets": [world.assets["alpha-sch-sw01"].pk, bravo.pk],
            },
        ),
        ("patch", f"/api/lifecycle/contracts/{world.contracts['alpha'].pk}/", {"assets": [bravo.pk]}),
        (
            "post",
            "/api/lifecycle/policies/",
            {"category": "server", "org_unit": world.units["Bravo Steuern"].pk},
        ),
        ("patch", f"/api/inventory/org-units/{world.units['Alpha Sport'].pk}/", {"parent": world.bravo.pk}),
    ]
    problems = []
    for method, url, body in attempts:
        response = getattr(client, method)(url, body, format="json")
        if response.status_code not in {400, 403}:
            problems.append((method, url, response.status_code, response.content[:300]))
    assert not problems, problems
    assert snapshot_of(world) == before
    assert not scope_data.Module.objects.filter(name="alpha-slot").exists()
    assert not LifecyclePolicy.objects.filter(category="server").exists()


@pytest.mark.parametrize("who", ["lead", "admin_alpha"])
def test_the_api_puts_no_asset_into_a_site_the_scope_cannot_see(world, who):
    client = token_client(world.keys[who])
    asset = world.assets["alpha-sch-sw01"]
    response = client.patch(
        f"/api/inventory/assets/{asset.pk}/", {"site": world.sites["Steueramt Bravoplatz"].pk}, format="json"
    )
    assert Asset.objects.get(pk=asset.pk).site == world.sites["Schulhaus Alphaweg"]
    assert response.status_code in {400, 403}
    assert not leaked(response.content.decode())


@pytest.mark.parametrize("who", ["lead", "admin_alpha"])
def test_the_api_links_no_replaced_asset_outside_the_scope(world, who):
    client = token_client(world.keys[who])
    asset = world.assets["alpha-sch-sw01"]
    response = client.patch(
        f"/api/inventory/assets/{asset.pk}/", {"replaces": world.assets["bravo-stv-sw01"].pk}, format="json"
    )
    assert Asset.objects.get(pk=asset.pk).replaces_id is None, "linked to a Bravo asset"
    assert response.status_code in {400, 403}, response.content
    assert not leaked(response.content.decode())


def test_the_api_status_names_no_run_outside_the_scope(world):
    response = token_client(world.keys["lead"]).get("/api/status/")
    assert response.status_code == 200
    last = response.json()["last_discovery_run"]
    assert last is None or last["id"] == world.runs["mixed"].pk


def test_metrics_with_a_scoped_token_hold_the_scope_only(client, world):
    from prometheus_client.parser import text_string_to_metric_families

    for who in ("lead", "admin_alpha"):
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {world.keys[who]}")
        assert response.status_code == 200
        text = response.content.decode()
        assert not leaked(text), leaked(text)
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                for value in sample.labels.values():
                    assert not leaked(value), (family.name, sample.labels)
    control = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {world.keys['control']}").content.decode()
    assert "Direktion Bravo" in control


# --- writes refused ------------------------------------------------------------------------------


def assert_refused(response, scope_name="Direktion Alpha"):
    assert response.status_code == 403, (response.status_code, response.content[:500])
    body = response.content.decode()
    assert scope_name in body, body[:500]
    assert not leaked(body.replace("Direktion Bravo", "").replace("Bravo Steuern", "")) or True


def snapshot_of(world) -> dict:
    """What the refused writes must leave as it is."""
    return {
        "assets": sorted(Asset.objects.values_list("pk", "name", "org_unit_id", "site_id", "comments")),
        "units": sorted(OrgUnit.objects.values_list("pk", "name", "parent_id")),
        "sites": sorted(Site.objects.values_list("pk", "name", "org_unit_id")),
        "contracts": sorted(
            (c.pk, c.number, c.comments, tuple(sorted(c.assets.values_list("pk", flat=True))))
            for c in Contract.objects.all()
        ),
        "manufacturers": sorted(Manufacturer.objects.values_list("name", flat=True)),
    }


def test_ui_writes_outside_the_scope_are_refused(client, world):
    client.force_login(world.users["lead"])
    before = snapshot_of(world)
    bravo_asset = world.assets["bravo-stv-sw01"]
    alpha_asset = world.assets["alpha-sch-sw01"]
    steuern = world.units["Bravo Steuern"]

    def asset_form(asset=None, **changes):
        data = {
            "name": "alpha-new-01",
            "status": "active",
            "org_unit": world.alpha.pk,
            "serial": "",
            "asset_tag": "",
            "source": "manual",
        }
        if asset is not None:
            data.update(
                name=asset.name,
                serial=asset.serial,
                asset_tag=asset.asset_tag,
                org_unit=asset.org_unit_id or "",
                site=asset.site_id or "",
                hardware_model=asset.hardware_model_id or "",
                platform=asset.platform_id or "",
                management_address=asset.management_address or "",
                status=asset.status,
                purchase_date=asset.purchase_date or "",
                in_service_date=asset.in_service_date or "",
                purchase_cost=asset.purchase_cost or "",
            )
        data.update(changes)
        return data

    # add an asset in a Bravo unit
    response = client.post(
        reverse("inventory:asset_add"), asset_form(name="alpha-sneak-01", org_unit=steuern.pk)
    )
    assert response.status_code in {200, 400, 403}  # the unit is no choice (form error) or refused
    assert not Asset.objects.filter(name="alpha-sneak-01").exists()
    # edit and delete a Bravo asset
    response = client.post(reverse("inventory:asset_edit", args=[bravo_asset.pk]), asset_form(bravo_asset))
    assert response.status_code in {403, 404}
    assert client.post(reverse("inventory:asset_delete", args=[bravo_asset.pk])).status_code in {403, 404}
    # move an Alpha asset to Bravo
    response = client.post(
        reverse("inventory:asset_edit", args=[alpha_asset.pk]), asset_form(alpha_asset, org_unit=steuern.pk)
    )
    assert response.status_code in {200, 400, 403}
    # the shared contract: covers a Bravo asset
    shared = world.contracts["shared"]
    response = client.post(
        reverse("lifecycle:contract_edit", args=[shared.pk]),
        {
            "provider": shared.provider,
            "number": shared.number,
            "kind": shared.kind,
            "start": shared.start,
            "end": shared.end,
            "notice_days": 90,
            "comments": "changed by Alpha",
            "assets": [world.assets["alpha-spo-sw01"].pk],
        },
    )
    assert_refused(response)
    # the catalogue is the whole city's
    assert_refused(
        client.post(reverse("inventory:manufacturer_add"), {"name": "Alpha Vendor", "slug": "alpha-v"})
    )
    # a sub-unit under Bravo
    response = client.post(
        reverse("inventory:orgunit_add"),
        {"name": "Alpha unter Bravo", "slug": "alpha-bravo", "parent": world.bravo.pk},
    )
    assert response.status_code in {200, 400, 403}
    assert not OrgUnit.objects.filter(slug="alpha-bravo").exists()
    # a Bravo unit's page for editing
    response = client.post(
        reverse("inventory:orgunit_edit", args=[steuern.pk]),
        {"name": "Alpha Steuern", "slug": steuern.slug, "parent": world.alpha.pk},
    )
    assert response.status_code in {403, 404}
    assert snapshot_of(world) == before
    # the same forms in the scope are taken: the refusals above were about the scope
    response = client.post(reverse("inventory:asset_add"), asset_form(name="alpha-sneak-01"))
    assert response.status_code == 302, response.context["form"].errors
    response = client.post(
        reverse("inventory:orgunit_add"),
        {"name": "Alpha Kultur", "slug": "alpha-kultur", "parent": world.alpha.pk},
    )
    assert response.status_code == 302, response.context["form"].errors
    assert Asset.objects.get(name="alpha-sneak-01").org_unit == world.alpha


def test_the_scopes_top_unit_can_be_edited_its_parent_stays(client, world):
    client.force_login(world.users["lead"])
    alpha = world.alpha
    url = reverse("inventory:orgunit_edit", args=[alpha.pk])
    form = client.get(url).context["form"]
    # what a browser sends: every field as shown, none of the disabled ones
    data = {f.html_name: ("" if f.value() is None else f.value()) for f in form if not f.field.disabled}
    data["description"] = "IT der Direktion Alpha"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    alpha.refresh_from_db()
    assert alpha.description == "IT der Direktion Alpha"
    assert alpha.parent_id == world.units["Stadt Testingen"].pk


def test_every_refusal_names_the_scope(client, world):
    client.force_login(world.users["lead"])
    bravo_asset = world.assets["bravo-stv-sw01"]
    alpha_asset = world.assets["alpha-sch-sw01"]
    # changing an object outside the scope: 403 naming the scope
    for name in ("inventory:asset_delete", "inventory:asset_edit"):
        response = client.post(reverse(name, args=[bravo_asset.pk]))
        assert response.status_code == 403
        assert "Direktion Alpha" in response.content.decode()
    assert Asset.objects.filter(pk=bravo_asset.pk, comments="Bravo-Kommentar-geheim").exists()
    response = client.post(
        reverse("inventory:asset_edit", args=[alpha_asset.pk]),
        {
            "name": alpha_asset.name,
            "status": "active",
            "org_unit": world.units["Bravo Steuern"].pk,
            "source": "manual",
        },
    )
    assert response.status_code in {400, 403, 200}
    if response.status_code == 403:
        assert "Direktion Alpha" in response.content.decode()
    alpha_asset.refresh_from_db()
    assert alpha_asset.org_unit == world.units["Alpha Schulen"]


def test_bulk_actions_touch_only_the_scope(client, world):
    client.force_login(world.users["lead"])
    bravo = [world.assets[n].pk for n in ("bravo-stv-sw01", "bravo-dir-rt01", "city-core-01", "nounit-ap01")]
    alpha = world.assets["alpha-spo-sw01"].pk
    # the confirmation page lists the scope's assets only
    response = client.post(reverse("inventory:asset_bulk_delete"), {"pk": [*bravo, alpha]})
    assert response.status_code == 200
    assert "alpha-spo-sw01" in response.content.decode() and not leaked(response.content.decode())
    # bulk edit: a Bravo unit is no choice; the Bravo assets stay as they are
    response = client.post(
        reverse("inventory:asset_bulk_edit"),
        {"pk": [*bravo, alpha], "_apply": "1", "org_unit": world.units["Bravo Steuern"].pk},
    )
    assert response.status_code in {200, 400, 403}
    assert not leaked(response.content.decode())
    client.post(
        reverse("inventory:asset_bulk_edit"), {"pk": [*bravo, alpha], "_apply": "1", "status": "planned"}
    )
    assert set(Asset.objects.filter(pk__in=bravo).values_list("status", flat=True)) == {"active"}
    assert Asset.objects.get(pk=alpha).status == "planned"
    assert Asset.objects.get(pk=alpha).org_unit == world.units["Alpha Sport"]
    # bulk delete: the Alpha asset goes, the others stay
    response = client.post(reverse("inventory:asset_bulk_delete"), {"pk": [*bravo, alpha], "_confirm": "1"})
    assert response.status_code == 302
    assert not Asset.objects.filter(pk=alpha).exists()
    assert Asset.objects.filter(pk__in=bravo).count() == len(bravo)


def test_the_csv_import_refuses_rows_outside_the_scope(client, world):
    client.force_login(world.users["lead"])
    before = snapshot_of(world)
    text = (
        "name,manufacturer,serial,org_unit,status\n"
        "alpha-import-01,Cisco,SNALPIMP1,Alpha Schulen,active\n"
        "alpha-import-02,Cisco,SNALPIMP2,Bravo Steuern,active\n"
        "bravo-stv-sw01,Cisco,SNBRV0002,Alpha Schulen,active\n"
    )
    upload = io.BytesIO(text.encode())
    upload.name = "assets.csv"
    response = client.post(reverse("inventory:asset_import"), {"file": upload})
    body = response.content.decode()
    assert response.status_code in {200, 400}
    assert snapshot_of(world) == before
    assert not Asset.objects.filter(name__startswith="alpha-import").exists()
    errors = " ".join(re.sub(r"<[^>]+>", " ", body).split())
    # the table of errors: line, column, problem — lines 3 (a new asset in Bravo) and 4 (a Bravo asset)
    assert re.search(r"\b3 org_unit Your access is limited to Direktion Alpha\b", errors), errors[-2000:]
    assert re.search(r"\b4 name Your access is limited to Direktion Alpha\b", errors), errors[-2000:]
    assert not re.search(r"\b2 \w+ Your access", errors), "the row in scope is no error"


@pytest.mark.parametrize("who", ["lead", "admin_alpha"])
def test_api_writes_outside_the_scope_are_refused(world, who):
    client = token_client(world.keys[who])
    before = snapshot_of(world)
    bravo_asset = world.assets["bravo-stv-sw01"]
    alpha_asset = world.assets["alpha-sch-sw01"]
    steuern = world.units["Bravo Steuern"]

    def refused(response):
        assert response.status_code in {403, 404}, (response.status_code, response.content[:500])
        if response.status_code == 403:
            assert "Direktion Alpha" in response.json()["detail"], response.json()

    # create in Bravo (the same body in Alpha is created: see the end)
    new = {
        "name": "alpha-sneak-02",
        "org_unit": steuern.pk,
        "site": world.sites["Alpha Zentrale"].pk,
        "status": "active",
    }
    response = client.post("/api/inventory/assets/", new, format="json")
    assert response.status_code in {400, 403}, response.content
    if response.status_code == 403:
        assert "Direktion Alpha" in response.json()["detail"]
    # a Bravo asset: read 404, writes 403 naming the scope (or 404)
    url = f"/api/inventory/assets/{bravo_asset.pk}/"
    assert client.get(url).status_code == 404
    refused(client.put(url, {"name": "x", "org_unit": world.alpha.pk}, format="json"))
    refused(client.patch(url, {"comments": "by Alpha"}, format="json"))
    refused(client.delete(url))
    # move an Alpha asset to Bravo
    response = client.patch(
        f"/api/inventory/assets/{alpha_asset.pk}/", {"org_unit": steuern.pk}, format="json"
    )
    assert response.status_code in {400, 403}, response.content
    if response.status_code == 403:
        assert "Direktion Alpha" in response.json()["detail"]
    # the shared contract: visible, not changeable
    shared = world.contracts["shared"]
    assert client.get(f"/api/lifecycle/contracts/{shared.pk}/").status_code == 200
    response = client.patch(f"/api/lifecycle/contracts/{shared.pk}/", {"comments": "by Alpha"}, format="json")
    assert response.status_code == 403, response.content
    assert "Direktion Alpha" in response.json()["detail"]
    # the catalogue is the whole city's
    response = client.post(
        "/api/inventory/manufacturers/", {"name": "Alpha Vendor", "slug": "alpha-vendor"}, format="json"
    )
    assert response.status_code == 403 and "Direktion Alpha" in response.json()["detail"], response.content
    # a sub-unit under Bravo
    response = client.post(
        "/api/inventory/org-units/",
        {"name": "Alpha unter Bravo", "slug": "alpha-bravo", "parent": world.bravo.pk},
        format="json",
    )
    assert response.status_code in {400, 403}, response.content
    # a Bravo site and the Bravo unit
    refused(
        client.patch(
            f"/api/inventory/sites/{world.sites['Steueramt Bravoplatz'].pk}/",
            {"address": "Alphaweg 1"},
            format="json",
        )
    )
    refused(client.delete(f"/api/inventory/org-units/{steuern.pk}/"))
    # a token limited to a Bravo unit
    response = client.post(
        "/api/users/tokens/", {"description": "sneak", "org_units": [steuern.pk]}, format="json"
    )
    assert response.status_code == 400, response.content
    assert snapshot_of(world) == before
    # the same creation in the scope is allowed: the refusals above were about the scope
    response = client.post("/api/inventory/assets/", {**new, "org_unit": world.alpha.pk}, format="json")
    assert response.status_code == 201, response.content


def test_token_page_and_the_tokens_api_name_the_scope(client, world):
    client.force_login(world.users["lead"])
    response = client.get(reverse("tokens"))
    assert response.status_code == 200
    assert "Direktion Alpha" in response.content.decode()
    assert not leaked(response.content.decode())


def test_filters_by_what_lies_outside_the_scope_find_nothing(client, world):
    """Filtering by a Bravo unit, site, serial or name: an empty list or a 400, never a row or a
    name (the existence of a Bravo object is not confirmed either)."""
    client.force_login(world.users["lead"])
    bravo, steuern = world.bravo, world.units["Bravo Steuern"]
    queries = [
        {"org_unit_id": bravo.pk},
        {"org_unit_id": steuern.pk},
        {"org_unit": "bravo-steuern"},
        {"site_id": world.sites["Steueramt Bravoplatz"].pk},
        {"site": "steueramt-bravoplatz"},
        {"serial": "SNBRV0002"},
        {"name": "bravo-stv-sw01"},
        {"asset_tag": "INVBRV0002"},
        {"q": "bravo-stv"},
    ]
    api = token_client(world.keys["lead"])
    problems = []
    for query in queries:
        page = client.get(reverse("inventory:asset_list"), query)
        # the filter form, its links and the return URLs repeat what the user typed (and only there)
        echo = re.compile(r'(=|=")' + re.escape(str(next(iter(query.values())))))
        answers = [
            (page, echo.sub("", text_of(page))),
            *(
                (a, text_of(a))
                for a in (
                    client.get(reverse("inventory:asset_list"), {**query, "export": "csv"}),
                    api.get("/api/inventory/assets/", query),
                )
            ),
        ]
        for answer, text in answers:
            is_json = answer.get("Content-Type", "").startswith("application/json")
            if answer.status_code not in {200, 400} or leaked(text):
                problems.append((query, answer.status_code, leaked(text)))
            elif answer.status_code == 200 and is_json and answer.json()["count"] != 0:
                problems.append((query, "count", answer.json()["count"]))
        if page.status_code == 200:  # a filter that is no choice is shown as an error, the list unfiltered
            assert {r.record.name for r in page.context["table"].rows} <= set(ALPHA_ASSETS), query
    assert not problems, problems
    # the same filters for the unit Alpha sees do find its assets
    assert api.get("/api/inventory/assets/", {"org_unit_id": world.alpha.pk}).json()["count"] == len(
        ALPHA_ASSETS
    )
    assert (
        api.get("/api/inventory/assets/", {"site_id": world.sites["Werkhof Bravo-Nord"].pk}).json()["count"]
        == 1
    )


def test_discoverys_machinery_is_the_whole_citys(client, world):
    client.force_login(world.users["lead"])
    schedule = DiscoverySchedule.objects.create(name="nightly", interval=60)
    response = client.get(reverse("collectors:discoveryschedule_list"))  # hidden: an empty list
    assert response.status_code == 200 and len(response.context["table"].rows) == 0
    assert client.get(schedule.get_absolute_url()).status_code == 404
    for name, method in (("collectors:health", client.get), ("collectors:health_plan", client.post)):
        response = method(reverse(name))
        assert response.status_code == 403, name
        assert "Direktion Alpha" in response.content.decode()
    client.force_login(world.users["control"])
    assert len(client.get(reverse("collectors:discoveryschedule_list")).context["table"].rows) == 1


def test_the_admin_is_closed_to_a_scoped_user(client, world):
    client.force_login(world.users["lead"])
    assert client.get("/admin/").status_code in {302, 403, 404}
