"""The city of Testingen for the scope tests (tests/test_scopes.py): two Direktionen, Alpha (with the
offices Alpha Schulen and Alpha Sport) and Bravo (with Bravo Steuern), under "Stadt Testingen";
assets, modules, sites, contracts, policies, a discovery run, change-log rows, stored lifecycle
answers and KPI snapshots on every side — and the strings that a user limited to Direktion Alpha
must never read anywhere (``FORBIDDEN``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from collectors.models import DiscoveryHost, DiscoveryRun
from inventory.models import AccessScope, Asset, Module, OrgUnit, Site, Tag, Token
from lifecycle import snapshots, state
from lifecycle.models import Contract, HardwareNotice, LifecyclePolicy
from tests.factories import HardwareModelFactory, ManufacturerFactory, PlatformFactory, UserFactory

# what exists only outside Direktion Alpha: Bravo's, the city's own (root unit) and a unit-less asset
FORBIDDEN = (
    # org units and their cost centres
    "Direktion Bravo",
    "Bravo Steuern",
    "Stadt Testingen",
    "CC-BRV-2200",
    "CC-BRV-2210",
    "CC-STADT-0001",
    # assets: names, serials, asset tags, management addresses, comments
    "bravo-dir-rt01",
    "bravo-stv-sw01",
    "bravo-stv-sw02",
    "city-core-01",
    "nounit-ap01",
    "SNBRV0001",
    "SNBRV0002",
    "SNBRV0003",
    "SNCTY0001",
    "SNNOU0001",
    "INVBRV0001",
    "INVBRV0002",
    "INVBRV0003",
    "INVCTY0001",
    "INVNOU0001",
    "10.66.0.11",
    "10.66.0.12",
    "10.66.0.13",
    "10.99.0.1",
    "10.77.0.1",
    "Bravo-Kommentar-geheim",
    # a Bravo module
    "MODBRV0001",
    "bravo-psu-slot",
    # sites only Bravo or the city use
    "Steueramt Bravoplatz",
    "Bravogasse 9",
    "Stadthaus Testingen",
    "Rathausplatz 1",
    # a Bravo-only contract
    "K-BRAVO-200",
    # a failed Bravo host without an asset, and its message
    "bravo-fail-gw09",
    "10.66.0.99",
    "bravo-timeout-geheim",
)

# what Direktion Alpha's lead does see (the control's proof that the walk reads real pages)
ALPHA_ASSETS = ("alpha-dir-fw01", "alpha-sch-sw01", "alpha-sch-sw02", "alpha-spo-sw01")
CITY_ASSETS = 9  # 4 Alpha + 3 Bravo + 1 of the city itself + 1 without a unit


@dataclass
class World:
    units: dict[str, OrgUnit] = field(default_factory=dict)
    sites: dict[str, Site] = field(default_factory=dict)
    assets: dict[str, Asset] = field(default_factory=dict)
    modules: dict[str, Module] = field(default_factory=dict)
    contracts: dict[str, Contract] = field(default_factory=dict)
    policies: dict[str, LifecyclePolicy] = field(default_factory=dict)
    runs: dict[str, DiscoveryRun] = field(default_factory=dict)
    hosts: dict[str, DiscoveryHost] = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    models: dict = field(default_factory=dict)

    @property
    def alpha(self) -> OrgUnit:
        return self.units["Direktion Alpha"]

    @property
    def bravo(self) -> OrgUnit:
        return self.units["Direktion Bravo"]

    def bravo_objects(self) -> list:
        """One object of each kind that lies wholly outside Direktion Alpha."""
        return [
            self.assets["bravo-stv-sw01"],
            self.assets["city-core-01"],
            self.assets["nounit-ap01"],
            self.units["Direktion Bravo"],
            self.units["Bravo Steuern"],
            self.units["Stadt Testingen"],
            self.sites["Steueramt Bravoplatz"],
            self.sites["Stadthaus Testingen"],
            self.modules["bravo"],
            self.contracts["bravo"],
            self.policies["bravo"],
            self.runs["bravo"],
        ]


def build(today: dt.date | None = None) -> World:
    today = today or timezone.localdate()
    w = World()

    def unit(name, slug, code, parent=None):
        w.units[name] = OrgUnit.objects.create(name=name, slug=slug, code=code, parent=parent)
        return w.units[name]

    root = unit("Stadt Testingen", "stadt-testingen", "CC-STADT-0001")
    alpha = unit("Direktion Alpha", "direktion-alpha", "CC-ALP-1100", root)
    schulen = unit("Alpha Schulen", "alpha-schulen", "CC-ALP-1110", alpha)
    sport = unit("Alpha Sport", "alpha-sport", "CC-ALP-1120", alpha)
    bravo = unit("Direktion Bravo", "direktion-bravo", "CC-BRV-2200", root)
    steuern = unit("Bravo Steuern", "bravo-steuern", "CC-BRV-2210", bravo)

    def site(name, slug, address, owner):
        w.sites[name] = Site.objects.create(name=name, slug=slug, address=address, org_unit=owner)
        return w.sites[name]

    alphaweg = site("Schulhaus Alphaweg", "schulhaus-alphaweg", "Alphaweg 3", schulen)
    zentrale = site("Alpha Zentrale", "alpha-zentrale", "Alphastrasse 1", alpha)
    werkhof = site("Werkhof Bravo-Nord", "werkhof-bravo-nord", "Nordring 5", bravo)  # holds an Alpha asset
    steueramt = site("Steueramt Bravoplatz", "steueramt-bravoplatz", "Bravogasse 9", steuern)
    stadthaus = site("Stadthaus Testingen", "stadthaus-testingen", "Rathausplatz 1", root)

    cisco = ManufacturerFactory(name="Cisco", slug="cisco")
    switch = HardwareModelFactory(
        manufacturer=cisco, model="C9300-48P", category="switch", list_price=Decimal("9000")
    )
    router = HardwareModelFactory(
        manufacturer=cisco, model="ISR4331", category="router", list_price=Decimal("6000")
    )
    firewall = HardwareModelFactory(
        manufacturer=cisco, model="FPR-1120", category="firewall", list_price=Decimal("7000")
    )
    ios = PlatformFactory(name="Cisco IOS-XE", slug="ios-xe", napalm_driver="ios")
    w.models = {"switch": switch, "router": router, "firewall": firewall, "cisco": cisco, "ios": ios}
    HardwareNotice.objects.create(
        end_of_sale=dt.date(2019, 1, 1),
        last_date_of_support=today - dt.timedelta(days=30),
        bulletin="EOL-4331",
    ).hardware_models.add(router)
    tag = Tag.objects.create(name="Kernnetz", slug="kernnetz")

    def asset(name, serial, tag_no, address, owner, place, model, **kwargs):
        w.assets[name] = Asset.objects.create(
            name=name,
            serial=serial,
            asset_tag=tag_no,
            management_address=address,
            org_unit=owner,
            site=place,
            hardware_model=model,
            platform=ios,
            purchase_date=dt.date(2019, 3, 1),
            in_service_date=dt.date(2019, 4, 1),
            purchase_cost=Decimal("4200"),
            last_seen=timezone.now() - dt.timedelta(days=1),
            **kwargs,
        )
        return w.assets[name]

    asset("alpha-dir-fw01", "SNALP0001", "INVALP0001", "10.11.0.11", alpha, zentrale, firewall)
    asset("alpha-sch-sw01", "SNALP0002", "INVALP0002", "10.11.0.12", schulen, alphaweg, switch)
    asset("alpha-sch-sw02", "SNALP0003", "INVALP0003", "10.11.0.13", schulen, werkhof, switch)
    asset("alpha-spo-sw01", "SNALP0004", "INVALP0004", "10.11.0.14", sport, alphaweg, switch)
    asset("bravo-dir-rt01", "SNBRV0001", "INVBRV0001", "10.66.0.11", bravo, werkhof, router)
    asset("bravo-stv-sw01", "SNBRV0002", "INVBRV0002", "10.66.0.12", steuern, steueramt, switch)
    asset(
        "bravo-stv-sw02",
        "SNBRV0003",
        "INVBRV0003",
        "10.66.0.13",
        steuern,
        steueramt,
        router,
        needs_review=True,
        review_reason="bravo-stv-sw02 moved",
    )
    asset("city-core-01", "SNCTY0001", "INVCTY0001", "10.99.0.1", root, stadthaus, router)
    asset("nounit-ap01", "SNNOU0001", "INVNOU0001", "10.77.0.1", None, None, switch)
    for name in ("alpha-sch-sw01", "bravo-stv-sw01"):
        w.assets[name].tags.add(tag)
    # an Alpha asset that took the place of a Bravo one (pages name it "(outside your scope)")
    replacing = w.assets["alpha-dir-fw01"]
    replacing.replaces = w.assets["bravo-dir-rt01"]
    replacing.save()

    w.modules["alpha"] = Module.objects.create(
        asset=w.assets["alpha-sch-sw01"],
        name="alpha-psu-slot",
        part_number="PWR-C1-715WAC",
        serial="MODALP0001",
    )
    w.modules["bravo"] = Module.objects.create(
        asset=w.assets["bravo-stv-sw01"],
        name="bravo-psu-slot",
        part_number="PWR-C1-715WAC",
        serial="MODBRV0001",
    )

    def contract(key, number, *assets):
        w.contracts[key] = Contract.objects.create(
            provider="Netcare",
            number=number,
            start=dt.date(2023, 1, 1),
            end=today + dt.timedelta(days=700),
            yearly_cost=Decimal("1200"),
        )
        w.contracts[key].assets.set([w.assets[a] for a in assets])

    contract("alpha", "K-ALPHA-100", "alpha-sch-sw01", "alpha-dir-fw01")
    contract("bravo", "K-BRAVO-200", "bravo-stv-sw01", "bravo-dir-rt01")
    contract("shared", "K-SHARED-300", "alpha-spo-sw01", "bravo-stv-sw02")

    w.policies["general"] = LifecyclePolicy.objects.create(service_life_years=8)
    w.policies["alpha"] = LifecyclePolicy.objects.create(
        category="switch", org_unit=alpha, service_life_years=7
    )
    w.policies["bravo"] = LifecyclePolicy.objects.create(
        category="router", org_unit=steuern, service_life_years=6
    )

    started = timezone.now() - dt.timedelta(hours=2)
    run = DiscoveryRun.objects.create(
        started=started,
        finished=started + dt.timedelta(minutes=5),
        status="partial",
        source="database",
        hosts_tried=5,
        hosts_succeeded=3,
        hosts_failed=2,
        assets_updated=3,
    )
    w.runs["mixed"] = run

    def host(run, name, address, outcome, asset=None, reason="", message=""):
        w.hosts[name] = DiscoveryHost.objects.create(
            run=run,
            name=name,
            address=address,
            outcome=outcome,
            asset=asset,
            reason=reason,
            message=message,
            driver="ios",
            updated=outcome == "success",
        )
        return w.hosts[name]

    host(run, "alpha-sch-sw01", "10.11.0.12", "success", w.assets["alpha-sch-sw01"])
    host(
        run, "alpha-spo-sw01", "10.11.0.14", "failed", w.assets["alpha-spo-sw01"], "timeout", "alpha timeout"
    )
    host(run, "bravo-stv-sw01", "10.66.0.12", "success", w.assets["bravo-stv-sw01"])
    host(run, "bravo-dir-rt01", "10.66.0.11", "success", w.assets["bravo-dir-rt01"])
    host(run, "bravo-fail-gw09", "10.66.0.99", "failed", None, "timeout", "bravo-timeout-geheim")
    # a later run of Bravo's devices only
    later = started + dt.timedelta(minutes=30)
    w.runs["bravo"] = DiscoveryRun.objects.create(
        started=later,
        finished=later + dt.timedelta(minutes=1),
        status="completed",
        source="database",
        hosts_tried=1,
        hosts_succeeded=1,
    )
    DiscoveryHost.objects.create(
        run=w.runs["bravo"],
        name="bravo-stv-sw02",
        address="10.66.0.13",
        outcome="success",
        asset=w.assets["bravo-stv-sw02"],
        driver="ios",
        updated=True,
    )

    # change-log rows on both sides (the creates above are logged too)
    for name, text in (("alpha-sch-sw01", "Alpha-Kommentar"), ("bravo-stv-sw01", "Bravo-Kommentar-geheim")):
        item = Asset.objects.get(pk=w.assets[name].pk)
        item.comments = text
        item.save()
        w.assets[name] = item

    state.refresh(at=today)
    for day in snapshots.month_ends(today - dt.timedelta(days=70), today)[-2:]:
        snapshots.take(day)

    # the people
    lead = UserFactory(username="lead_alpha", groups=["viewer", "engineer", "planner"])
    lead.save()
    AccessScope.objects.create(user=lead).org_units.set([alpha])
    admin = UserFactory(username="admin_city", groups=["admin"], is_superuser=True)
    admin.save()
    control = UserFactory(username="planner_city", groups=["viewer", "engineer", "planner"])
    control.save()
    w.users = {"lead": lead, "admin": admin, "control": control}
    for key, user, units in (("lead", lead, []), ("admin_alpha", admin, [alpha]), ("control", control, [])):
        token, secret = Token.issue(user, write_enabled=True, description=f"{key} token")
        token.org_units.set(units)
        w.tokens[key], w.keys[key] = token, secret
    return w
