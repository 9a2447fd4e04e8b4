"""A walk through the main pages in German that fails on English words (issue #15).

A German user (Accept-Language: de) opens the main pages of a populated inventory — dashboard,
assets (list, page, edit form, bulk edit, delete), catalogue, sites, org units, contracts,
notices, releases, policies, discovery runs (one host failed) and schedules, the plan with a
budget and a what-if, search, change log and one change, the import with a bad and a good CSV,
tokens — plus forms the database refuses (negative price, a second policy for a category, a cron
expression that never fires, a bad network) and the "Export CSV" of the lists for people. The
text a person sees (no tags, attribute values, scripts, styles or <code>) is searched for whole
words of ``ENGLISH``, for German words with English grammar underneath (a plural after 1, a
decimal point in a percentage) and for constraint names. A failure names the page, the word and
the sentence it stands in.

English in files other engineers own is listed in ``KNOWN`` with the owner and the fix; the
test passes with it and fails again when one is fixed and its entry is left behind (stale
entries), so the list only shrinks.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from html import escape
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from collectors.choices import HostOutcome, HostReason, RunStatus, RunTrigger
from collectors.models import DiscoveryHost, DiscoveryRun, DiscoverySchedule
from inventory.assets_csv import EXPORT_COLUMNS
from inventory.choices import AssetStatus
from inventory.models import Asset, Manufacturer, ObjectChange, Platform, Tag, Token
from lifecycle import state
from lifecycle.models import Contract, HardwareNotice, LifecyclePolicy, SoftwareRelease
from tests.factories import (
    AssetFactory,
    HardwareModelFactory,
    ModuleFactory,
    OrgUnitFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Whole words (case-sensitive as written; a lower-case entry also matches its capitalised form)
# that are English and never German. Not here: words German shares (Name, Status, Budget, Host,
# Token, Software, Hardware, Support, Total, Export, Import, Filter, Shard, Worker…), and short words
# that are German too ("in", "so", "die", "was", "per", "am").
_WORDS = """
    the and of with from for to by on at is are not no or this that before after every none unknown yes
    year years category categories asset assets site sites contract contracts notice notices policy
    policies replacement replace cost price purchase warranty maintenance security backlog due overdue
    planned spare decommissioned active unit units model models manufacturer release releases life days
    months organisational value
    discovery run runs schedule schedules failed success timeout unreachable database folder minutes
    inventory lifecycle collectors
    Changed Added Deleted Created Updated changed created updated deleted line column row rows must
    cannot invalid required valid amount date constraint violated Save Cancel Edit Delete Search Next
    Previous Page Columns
"""
ENGLISH = [*_WORDS.split(), "service life", "end of"]
# Words that look English but are names, codes or units on these pages.
ALLOWED = {
    "Catalyst",  # a product name (hardware model names)
}
# Codes spelt as typed: dotted names in help texts ("app_label.model, z. B. inventory.asset"),
# CSV column names (the import's file format, e.g. "Spalte purchase_date") and filters as the
# asset list's address writes them ("Inventardatenbank (site=schulhaus-nord)").
CODES = re.compile(r"\b[a-z_]+(?:\.[a-z_]+)+\b|\b[a-z]+(?:_[a-z]+)+\b|\b\w+=[\w.&=-]*")
# The import names the values its file may hold, as the file holds them (README: the columns):
# on its page, column names and status codes are codes too.
IMPORT_PAGE = "import (bad CSV)"
FILE_CODES = re.compile(
    r"(?<![\w-])(?:" + "|".join(sorted(set(EXPORT_COLUMNS) | set(AssetStatus.values))) + r")(?![\w-])"
)

# English in files this walk's author does not own: (page, word) -> who fixes what. Remove an
# entry with its fix; a stale entry fails the test.
KNOWN: dict[tuple[str, str], str] = {}
# The change log shows each object as it was named when the change was made (``object_repr``
# is stored, history is not rewritten): objects created outside a request in English keep their
# English names there. Accepted on the change log only.
STORED = {
    (page, word): why
    for page in ("change log", "change log (CSV)")
    for word, why in [
        ("every", "LifecyclePolicy created in English: „every category“"),
        ("category", "LifecyclePolicy created in English: „every category“"),
        ("notice", "HardwareNotice created in English: „Notice 2“"),
    ]
}


class _Text(HTMLParser):
    """Text nodes a person sees, one per node: no tags, no attribute values, no scripts/styles,
    and no <code> (commands and settings are spelt as typed)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style", "template", "code")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template", "code") and self._skip > 0:
            self._skip -= 1

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self._skip:
            self.parts.append(text)


def visible_sentences(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.parts


def _patterns() -> dict[str, re.Pattern]:
    found = {}
    for word in dict.fromkeys(ENGLISH):
        forms = {word, word[:1].upper() + word[1:]} if word[:1].islower() else {word}
        alternatives = "|".join(re.escape(f) for f in sorted(forms))
        found[word] = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")
    return found


PATTERNS = _patterns() | {
    # German on the surface, English underneath: a plural noun after "1" (a {% blocktranslate %}
    # without count) and a decimal point in a percentage (German writes 20,8 %, STYLE §7)
    "<1 + plural>": re.compile(r"(?<![\d.,’'])1 (?:Jahre|Geräte|Zeilen|Tage|Monate|Hosts|Fehler)\b(?! \d)"),
    "<decimal point in %>": re.compile(r"\d\.\d+ ?%"),
}


def english_in(html: str, file_codes: bool = False) -> list[tuple[str, str]]:
    """(word, sentence) for every listed English word in the visible text (``file_codes``: the
    import file's column names and status values are allowed)."""
    hits = []
    for sentence in visible_sentences(html):
        text = CODES.sub(" ", sentence)
        if file_codes:
            text = FILE_CODES.sub(" ", text)
        for name in ALLOWED:
            text = text.replace(name, " ")
        for word, pattern in PATTERNS.items():
            if pattern.search(text):
                hits.append((word, sentence))
    return hits


# --- the inventory ----------------------------------------------------------------------------

TODAY = timezone.localdate


@pytest.fixture
def world(db):
    today = TODAY()
    city = OrgUnitFactory(name="Stadt", slug="stadt", code="1000")
    schools = OrgUnitFactory(name="Schulen", slug="schulen", code="2000", parent=city)
    stadthaus = SiteFactory(name="Stadthaus", slug="stadthaus", org_unit=city)
    schulhaus = SiteFactory(name="Schulhaus Nord", slug="schulhaus-nord", org_unit=schools)
    cisco = Manufacturer.objects.create(name="Cisco", slug="cisco")
    ios = Platform.objects.create(name="IOS-XE", slug="ios-xe", manufacturer=cisco, napalm_driver="ios")
    old = HardwareModelFactory(
        manufacturer=cisco, model="WS-C2960X-48FPD-L", name="Catalyst 2960-X", list_price=Decimal("3000")
    )
    new = HardwareModelFactory(manufacturer=cisco, model="C9300-48P", name="Catalyst 9300", list_price=None)
    notice = HardwareNotice.objects.create(
        bulletin="EOL10000",
        end_of_sale=today - dt.timedelta(days=2000),
        last_date_of_support=today - dt.timedelta(days=30),
        replacement_model=new,
    )
    notice.hardware_models.add(old)
    HardwareNotice.objects.create(last_date_of_support=today + dt.timedelta(days=3000)).hardware_models.add(
        new
    )
    SoftwareRelease.objects.create(
        platform=ios,
        cycle="17.9",
        release_date=dt.date(2022, 8, 1),
        end_of_maintenance=dt.date(2025, 8, 1),
        end_of_life=dt.date(2027, 2, 1),
        latest_version="17.9.5",
    )
    LifecyclePolicy.objects.create(service_life_years=8, depreciation_years=5)  # every category
    LifecyclePolicy.objects.create(category="switch", service_life_years=7, replacement_cost=Decimal("4000"))
    LifecyclePolicy.objects.create(category="switch", org_unit=schools, service_life_years=6)
    kern = Tag.objects.create(name="Kern", slug="kern")
    assets = {}
    for i, (model, site, unit) in enumerate(
        [(old, stadthaus, city), (old, schulhaus, schools), (new, stadthaus, city), (new, schulhaus, schools)]
    ):
        asset = AssetFactory(
            name=f"sth-sw-{i + 1:02d}",
            hardware_model=model,
            platform=ios,
            software_version="17.9.4",
            site=site,
            org_unit=unit,
            management_address=f"10.20.0.{i + 1}",
            purchase_date=dt.date(2016 + 2 * i, 3, 1),
            in_service_date=dt.date(2016 + 2 * i, 4, 1),
            last_seen=timezone.now() - dt.timedelta(days=60 * i),
        )
        asset.tags.add(kern)
        assets[asset.name] = asset
    AssetFactory(
        name="sth-fw-01",
        hardware_model=None,
        serial="",
        site=stadthaus,
        org_unit=city,
        purchase_date=None,
        in_service_date=None,
        purchase_cost=None,
    )  # no dates: "keine Daten"
    contract = Contract.objects.create(
        provider="Netcom AG",
        number="V-2024-01",
        service_level="8x5xNBD",
        start=today - dt.timedelta(days=400),
        end=today + dt.timedelta(days=60),
        yearly_cost=Decimal("1200"),
    )
    contract.assets.add(*assets.values())
    schedule = DiscoverySchedule.objects.create(name="Stadtnetz", interval=60)
    DiscoverySchedule.objects.create(
        name="Schulnetz", cron="30 2 * * 1-5", asset_filter="site=schulhaus-nord"
    )
    started = timezone.now() - dt.timedelta(hours=2)
    run = DiscoveryRun.objects.create(
        started=started,
        finished=started + dt.timedelta(minutes=3),
        status=RunStatus.PARTIAL,
        source="Datenbank",
        schedule=schedule,
        trigger=RunTrigger.SCHEDULE,
        hosts_tried=3,
        hosts_succeeded=1,
        hosts_failed=2,
        assets_updated=1,
    )
    DiscoveryHost.objects.create(
        run=run,
        name="sth-sw-01",
        address="10.20.0.1",
        driver="ios",
        outcome=HostOutcome.SUCCESS,
        asset=assets["sth-sw-01"],
        changes=2,
        seconds=4.2,
        updated=True,
    )
    DiscoveryHost.objects.create(
        run=run,
        name="sth-sw-02",
        address="10.20.0.2",
        driver="ios",
        outcome=HostOutcome.FAILED,
        reason=HostReason.TIMEOUT,
        seconds=30,
    )
    DiscoveryHost.objects.create(
        run=run,
        name="STH-SW-03",
        address="",
        driver="ios",
        outcome=HostOutcome.FAILED,
        reason=HostReason.AUTH,
        seconds=1.5,
    )
    state.refresh()
    return {
        "assets": assets,
        "contract": contract,
        "notice": notice,
        "run": run,
        "schedule": schedule,
        "model": old,
        "site": stadthaus,
        "unit": schools,
        "policy": LifecyclePolicy.objects.first(),
    }


@pytest.fixture
def german(client):
    user = UserFactory(username="ursula", is_superuser=True)
    Token.issue(user, description="Skript")
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    return client


def form_data(form) -> dict:
    """What the form sends back as rendered (its initial values)."""
    data = {}
    for bound in form:
        value = bound.value()
        if isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        elif value is None:
            data[bound.html_name] = ""
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(getattr(v, "pk", v)) for v in value]
        else:
            data[bound.html_name] = str(value)
    return data


BAD_CSV = (
    "name,manufacturer,model,serial,purchase_date,in_service_date,purchase_cost,status,site,colour\n"
    "sw-a,Nokia,X1,S1,2024-13-01,2024-01-01,-5,broken,Nowhere,\n"
    "sw-b,Cisco,NOPE,S2,2024-05-01,2024-01-01,12abc,active,stadthaus,\n"
    ",Cisco,C9300-48P,,01.02.2024,,1.234,active,,\n"
)


# Lists whose "Export CSV" writes the table's columns as people see them (the asset list's
# export is the import's file format, for machines: README, not here).
LISTS_FOR_PEOPLE = {
    "hardware models": "/hardware-models/",
    "sites": "/sites/",
    "org units": "/org-units/",
    "contracts": "/contracts/",
    "notices": "/hardware-notices/",
    "software releases": "/software-releases/",
    "policies": "/policies/",
    "discovery runs": "/discovery/runs/",
    "discovered hosts": "/discovery/hosts/",
    "schedules": "/discovery/schedules/",
    "change log": "/changes/",
}


def csv_as_html(text: str) -> str:
    """A CSV file as a table of cells, for the same text check as the pages."""
    rows = csv.reader(io.StringIO(text))
    return (
        '<html lang="de"><table>'
        + "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
        + "</table></html>"
    )


GOOD_CSV = "name;manufacturer;model;status;purchase_date\nsw-neu;Cisco;C9300-48P;Aktiv;01.02.2024\n"


def pages(client, world) -> dict[str, str]:
    """Each page's HTML by a name for the failure message."""
    a = world["assets"]["sth-sw-02"]
    got = {}

    def get(name, url, **params):
        response = client.get(url, params)
        assert response.status_code == 200, f"{name}: {url} answered {response.status_code}"
        got[name] = response.content.decode()
        return response

    get("dashboard", "/")
    get("asset list", "/assets/")
    get("asset page", a.get_absolute_url())
    get("asset page (no dates)", Asset.objects.get(name="sth-fw-01").get_absolute_url())
    edit = get("asset edit form", f"/assets/{a.pk}/edit/")
    data = form_data(edit.context["form"]) | {"purchase_cost": "-10"}
    refused = client.post(f"/assets/{a.pk}/edit/", data)
    assert refused.status_code == 200, "a negative purchase cost must be refused"
    got["asset edit form (refused)"] = refused.content.decode()
    saved = client.post(
        f"/assets/{a.pk}/edit/", data | {"purchase_cost": "4100", "role": "Zugang"}, follow=True
    )
    assert saved.status_code == 200 and saved.redirect_chain, "the edit must be saved"
    got["asset page (after saving)"] = saved.content.decode()
    get("hardware models", "/hardware-models/")
    get("hardware model", world["model"].get_absolute_url())
    get("sites", "/sites/")
    get("site", world["site"].get_absolute_url())
    get("org units", "/org-units/")
    get("org unit", world["unit"].get_absolute_url())
    get("contracts", "/contracts/")
    get("contract", world["contract"].get_absolute_url())
    get("notices", "/hardware-notices/")
    get("notice", world["notice"].get_absolute_url())
    get("software releases", "/software-releases/")
    get("software release", SoftwareRelease.objects.get().get_absolute_url())
    get("policies", "/policies/")
    get("policy", world["policy"].get_absolute_url())
    get("discovery runs", "/discovery/runs/")
    get("discovery run", world["run"].get_absolute_url())
    get("schedules", "/discovery/schedules/")
    get("schedule", world["schedule"].get_absolute_url())
    get("planning", "/planning/", budget="5000", extend_years="2")
    get("monitoring (no snapshots)", "/monitoring/")
    from lifecycle import snapshots

    snapshots.take(timezone.localdate())
    get("monitoring (city)", "/monitoring/", months="12")
    get("monitoring (org unit)", "/monitoring/", unit=str(world["unit"].pk), months="12")
    get("search results", "/search/", q="sth")
    get("change log", "/changes/")
    upload = SimpleUploadedFile("geraete.csv", BAD_CSV.encode(), content_type="text/csv")
    bad = client.post("/assets/import/", {"file": upload})
    assert bad.status_code == 200 and bad.context["errors"], "the bad CSV must come back with errors"
    got["import (bad CSV)"] = bad.content.decode()
    good = SimpleUploadedFile("geraete.csv", GOOD_CSV.encode(), content_type="text/csv")
    dry = client.post("/assets/import/", {"file": good, "dry_run": "on"})
    assert dry.status_code == 200 and dry.context["summary"], (
        dry.context["errors"],
        dry.context["form"].errors,
    )
    got["import (dry run)"] = dry.content.decode()
    get("tokens", "/tokens/")
    get("asset delete", f"/assets/{a.pk}/delete/")
    pks = [str(x.pk) for x in world["assets"].values()]
    bulk = client.post("/assets/edit/", {"pk": pks})
    assert bulk.status_code == 200
    got["asset bulk edit"] = bulk.content.decode()
    late = client.post("/assets/edit/", {"pk": pks, "_apply": "1", "purchase_date": "2030-01-01"})
    assert late.status_code == 200, "a purchase after the service start must be refused"
    got["asset bulk edit (refused)"] = late.content.decode()
    get("manufacturers", "/manufacturers/")
    get("manufacturer", Manufacturer.objects.get(slug="cisco").get_absolute_url())
    get("platforms", "/platforms/")
    get("platform", Platform.objects.get(slug="ios-xe").get_absolute_url())
    get("tags", "/tags/")
    get("discovered hosts", "/discovery/hosts/")
    get("queue and workers", "/discovery/health/")
    get("change", ObjectChange.objects.order_by("-pk").first().get_absolute_url())
    get("module", ModuleFactory(asset=a, name="Steckplatz 1", description="Netzteil").get_absolute_url())
    get("schedule edit form", f"/discovery/schedules/{world['schedule'].pk}/edit/")
    get("contract edit form", f"/contracts/{world['contract'].pk}/edit/")
    get("policy edit form", f"/policies/{world['policy'].pk}/edit/")
    get("notice edit form", f"/hardware-notices/{world['notice'].pk}/edit/")
    get("site edit form", f"/sites/{world['site'].pk}/edit/")
    twice = client.post(
        "/policies/add/",
        {
            "category": "switch",
            "org_unit": "",
            "service_life_years": "5",
            "depreciation_years": "4",
            "out_of_support": "last_date_of_support",
            "warn_months": "12",
        },
    )
    assert twice.status_code == 200, "a second policy for the same category must be refused"
    got["policy add form (refused)"] = twice.content.decode()
    early = client.post(
        f"/contracts/{world['contract'].pk}/edit/",
        form_data(client.get(f"/contracts/{world['contract'].pk}/edit/").context["form"])
        | {"end": "2000-01-01"},
    )
    assert early.status_code == 200, "a contract that ends before it starts must be refused"
    got["contract edit form (refused)"] = early.content.decode()
    for name, url in LISTS_FOR_PEOPLE.items():  # "Export CSV" of a list: its columns, for people
        response = client.get(url, {"export": "csv"})
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv"), name
        got[f"{name} (CSV)"] = csv_as_html(response.content.decode())
    schedule_url = f"/discovery/schedules/{world['schedule'].pk}/edit/"
    never = client.post(
        schedule_url,
        form_data(client.get(schedule_url).context["form"]) | {"interval": "", "cron": "0 0 30 2 *"},
    )
    assert never.status_code == 200, "a cron expression that never fires must be refused"
    got["schedule edit form (refused)"] = never.content.decode()
    networks = client.post("/tokens/", {"description": "Skript", "allowed_networks": "10.0.0.0/33"})
    assert networks.status_code == 400, "a network that is no prefix must be refused"
    got["tokens (refused)"] = networks.content.decode()
    get("search without hits", "/search/", q="gibtsnicht")
    get("planning (org unit)", "/planning/", org_unit=str(world["unit"].pk), extend_years="1")
    return got


def constraint_names() -> set[str]:
    return {c.name for model in apps.get_models() for c in model._meta.constraints}


def test_german_pages_have_no_english_words(german, world):
    found = {}
    names = constraint_names()
    walked = pages(german, world)
    assert "Der Kaufpreis darf nicht negativ sein." in walked["asset edit form (refused)"]
    assert (
        "Für diese Hardwarekategorie gibt es bereits eine Richtlinie." in walked["policy add form (refused)"]
    )
    assert "wird nie ausgelöst (diesen Tag gibt es nicht)" in walked["schedule edit form (refused)"]
    assert "„10.0.0.0/33“ ist keine Adresse und kein Präfix" in walked["tokens (refused)"]
    for page, html in walked.items():
        assert 'lang="de"' in html, f"{page} is not in German at all"
        text = " ".join(visible_sentences(html))
        shown = sorted(n for n in names if n in text)
        assert not shown, f"{page} shows constraint names instead of a message: {shown}"
        for word, sentence in english_in(html, file_codes=page == IMPORT_PAGE):
            found.setdefault((page, word), sentence)
    unknown = {k: v for k, v in found.items() if k not in KNOWN and k not in STORED}
    stale = sorted(k for k in KNOWN if k not in found)
    report = "\n".join(
        f"{page}: “{word}” in “{sentence[:160]}”" for (page, word), sentence in sorted(unknown.items())
    )
    assert not unknown, f"English on German pages ({len(unknown)}):\n{report}"
    assert not stale, f"fixed: remove these entries from KNOWN: {stale}"


@pytest.mark.parametrize(
    ("html", "words"),
    [
        ("<p>Nutzungsdauer von 8 Jahren</p>", []),
        ("<p>service life of 8 years</p>", ["service life", "life", "of", "years"]),
        ('<p title="the asset">Gerät</p><script>var the = 1;</script>', []),  # attributes, scripts
        ("<td>Catalyst 9300</td><td>Spalte purchase_date: kein Datum</td>", []),  # names, CSV columns
        ("<p>z. B. inventory.asset</p><p><code>manage.py schedules run-due</code></p>", []),  # codes
        ("<td>The end</td>", ["the"]),  # capitalised too
        ("<td>end-of-life</td><td>Methode</td>", []),  # whole words only
        (
            "<p>jede Nutzungsdauer 1 Jahre länger</p><p>2 (40.0 %)</p>",
            ["<1 + plural>", "<decimal point in %>"],
        ),
        ("<p>11 Geräte, 1 Gerät, 2021 Geräte, 40,0 %</p>", []),
    ],
)
def test_the_detector(html, words):
    assert sorted({w for w, _ in english_in(html)}) == sorted(words)
