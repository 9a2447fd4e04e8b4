"""inventory.scopes on its own: building a scope (subtrees, several roots, a token narrowing its
user), restrict() on every model that declares a scope, the enforcement signals, shows().

The city of tests/scope_data.py is built once for the module (rolled back at its end)."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone

from collectors.models import DiscoveryHost, DiscoveryRun, DiscoverySchedule, DiscoveryShard, HostKey
from inventory import scopes
from inventory.models import (
    AccessScope,
    Asset,
    HardwareModel,
    Manufacturer,
    Module,
    ObjectChange,
    OrgUnit,
    Platform,
    Site,
    Tag,
    Token,
)
from lifecycle.models import (
    Contract,
    HardwareNotice,
    KpiSnapshot,
    KpiTarget,
    LifecyclePolicy,
    LifecycleState,
    SoftwareRelease,
)
from tests import scope_data
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        built = scope_data.build()
        yield built
        transaction.set_rollback(True)


def pks(*objects) -> frozenset[int]:
    return frozenset(o.pk for o in objects)


def unit(world, name) -> OrgUnit:
    return world.units[name]


@pytest.fixture
def alpha(world) -> scopes.Scope:
    return scopes.build([world.alpha.pk])


# --- building ------------------------------------------------------------------------------------


def test_a_root_stands_for_its_subtree(world, alpha):
    assert alpha.units == pks(world.alpha, unit(world, "Alpha Schulen"), unit(world, "Alpha Sport"))
    assert alpha.names == ("Direktion Alpha",)
    assert str(alpha) == "Direktion Alpha"
    assert not alpha.everything
    office = scopes.build([unit(world, "Bravo Steuern").pk])
    assert office.units == pks(unit(world, "Bravo Steuern"))


def test_several_roots_and_roots_inside_each_other(world):
    two = scopes.build([unit(world, "Alpha Schulen").pk, world.bravo.pk])
    assert two.units == pks(unit(world, "Alpha Schulen"), world.bravo, unit(world, "Bravo Steuern"))
    assert two.names == ("Alpha Schulen", "Direktion Bravo")
    assert str(two) == "Alpha Schulen, Direktion Bravo"
    nested = scopes.build([world.alpha.pk, unit(world, "Alpha Sport").pk])
    assert nested.names == ("Direktion Alpha",)  # only the top units are named
    assert nested.units == scopes.build([world.alpha.pk]).units


def test_no_roots_is_everything(world):
    assert scopes.build() is scopes.EVERYTHING
    assert scopes.build([], None, ()) is scopes.EVERYTHING
    assert scopes.EVERYTHING.everything and scopes.EVERYTHING.units is None
    assert str(scopes.EVERYTHING) == "the whole city"
    assert scopes.EVERYTHING.key() == "all"


def test_a_token_narrows_its_user_to_the_intersection(world):
    lead, admin = world.users["lead"], world.users["admin"]
    assert scopes.roots_of(lead) == [world.alpha.pk]
    assert scopes.roots_of(admin) == []
    assert scopes.roots_of(AnonymousUser()) == [] and scopes.roots_of(None) == []
    assert scopes.for_user(lead).units == scopes.build([world.alpha.pk]).units
    assert scopes.for_user(admin) is scopes.EVERYTHING
    # a token of the lead limited to one of Alpha's offices
    schools, _key = Token.issue(lead)
    schools.org_units.set([unit(world, "Alpha Schulen")])
    narrowed = scopes.for_user(lead, schools)
    assert narrowed.units == pks(unit(world, "Alpha Schulen"))
    assert narrowed.names == ("Alpha Schulen",)
    # a token without units: its user's scope; an unscoped user's token: the token's units
    plain, _key = Token.issue(lead)
    assert scopes.for_user(lead, plain).units == scopes.for_user(lead).units
    assert scopes.for_user(admin, world.tokens["admin_alpha"]).names == ("Direktion Alpha",)
    # wider than its user: no wider
    wide, _key = Token.issue(lead)
    wide.org_units.set([unit(world, "Stadt Testingen")])
    assert scopes.for_user(lead, wide).units == scopes.for_user(lead).units


def test_a_token_limited_outside_its_users_scope_sees_nothing(world):
    lead = world.users["lead"]
    token, _key = Token.issue(lead)
    token.org_units.set([world.bravo])
    scope = scopes.for_user(lead, token)
    assert scope.units == frozenset()
    assert not scope.everything
    assert scope.names == ()
    assert not Asset.objects.restrict(scope).exists()
    assert not OrgUnit.objects.restrict(scope).exists()
    assert not scope.allows(world.alpha.pk) and not scope.allows(world.bravo.pk)


def test_the_scope_of_a_request_is_worked_out_once(world):
    request = RequestFactory().get("/")
    request.user, request.auth = world.users["lead"], None
    first = scopes.scope_of(request)
    assert first.names == ("Direktion Alpha",)
    AccessScope.objects.filter(user=world.users["lead"]).delete()  # the request keeps its answer
    assert scopes.scope_of(request) is first
    request.auth = world.tokens["lead"]  # a token after a session: worked out for the token
    assert scopes.scope_of(request) is scopes.EVERYTHING  # the lead is no longer limited, nor the token


def test_allows_q_and_key(world, alpha):
    assert alpha.allows(world.alpha.pk) and alpha.allows(str(world.alpha.pk))
    assert not alpha.allows(world.bravo.pk) and not alpha.allows(None)
    assert scopes.EVERYTHING.allows(None)
    assert scopes.EVERYTHING.count_filter("org_unit") is None
    assert alpha.count_filter("org_unit") is not None
    assert alpha.key() == "u" + ".".join(str(pk) for pk in sorted(alpha.units))


# --- restrict() on each model --------------------------------------------------------------------


def names(queryset, attr="name") -> set:
    return {getattr(o, attr) for o in queryset}


def test_restrict_needs_a_scope(world):
    with pytest.raises(TypeError):
        Asset.objects.restrict(None)
    assert Asset.objects.restrict(scopes.EVERYTHING).count() == scope_data.CITY_ASSETS


def test_restrict_inventory(world, alpha):
    assert names(Asset.objects.restrict(alpha)) == set(scope_data.ALPHA_ASSETS)
    assert names(Module.objects.restrict(alpha)) == {"alpha-psu-slot"}
    assert names(OrgUnit.objects.restrict(alpha)) == {"Direktion Alpha", "Alpha Schulen", "Alpha Sport"}
    # the scope's own sites, and a Bravo site where an Alpha asset stands
    assert names(Site.objects.restrict(alpha)) == {
        "Schulhaus Alphaweg",
        "Alpha Zentrale",
        "Werkhof Bravo-Nord",
    }
    bravo = scopes.build([world.bravo.pk])
    assert names(Site.objects.restrict(bravo)) == {"Werkhof Bravo-Nord", "Steueramt Bravoplatz"}
    # shared catalogue data: every row
    for model in (Manufacturer, HardwareModel, Platform, Tag, HardwareNotice, SoftwareRelease):
        assert model.objects.restrict(alpha).count() == model.objects.count(), model


def test_restrict_lifecycle(world, alpha):
    assert names(Contract.objects.restrict(alpha), "number") == {"K-ALPHA-100", "K-SHARED-300"}
    assert names(Contract.objects.restrict(scopes.build([world.bravo.pk])), "number") == {
        "K-BRAVO-200",
        "K-SHARED-300",
    }
    # policies: general ones, the scope's units' and those of the units above them
    assert set(LifecyclePolicy.objects.restrict(alpha)) == {
        world.policies["general"],
        world.policies["alpha"],
    }
    city = LifecyclePolicy.objects.create(category="firewall", org_unit=unit(world, "Stadt Testingen"))
    schools = scopes.build([unit(world, "Alpha Schulen").pk])
    assert set(LifecyclePolicy.objects.restrict(schools)) == {
        world.policies["general"],
        world.policies["alpha"],
        city,
    }
    assert world.policies["bravo"] not in LifecyclePolicy.objects.restrict(schools)
    assert names(LifecycleState.objects.restrict(alpha).select_related("asset"), "asset") == {
        world.assets[n] for n in scope_data.ALPHA_ASSETS
    }
    # snapshots: the scope's units, never the city's row
    rows = KpiSnapshot.objects.restrict(alpha)
    assert rows.exists() and not rows.filter(org_unit=None).exists()
    assert set(rows.values_list("org_unit_id", flat=True)) == set(alpha.units)
    general, _new = KpiTarget.objects.get_or_create(kpi="hw_out_share", org_unit=None, defaults={"value": 5})
    own = KpiTarget.objects.create(kpi="hw_out_share", value=3, org_unit=world.alpha)
    other = KpiTarget.objects.create(kpi="hw_out_share", value=4, org_unit=world.bravo)
    assert {general, own} <= set(
        KpiTarget.objects.restrict(alpha)
    ) and other not in KpiTarget.objects.restrict(alpha)


def test_restrict_discovery(world, alpha):
    runs = list(DiscoveryRun.objects.restrict(alpha))
    assert runs == [world.runs["mixed"]]
    # the run's figures are the scope's hosts'
    run = runs[0]
    assert (run.hosts_tried, run.hosts_succeeded, run.hosts_failed) == (2, 1, 1)
    assert DiscoveryRun.objects.get(pk=run.pk).hosts_tried == 5  # unrestricted: the whole run
    assert names(DiscoveryHost.objects.restrict(alpha)) == {"alpha-sch-sw01", "alpha-spo-sw01"}
    DiscoverySchedule.objects.create(name="nightly", interval=60)
    assert not DiscoverySchedule.objects.restrict(alpha).exists()  # the whole city's machinery
    assert DiscoveryShard.objects.restrict(alpha).count() == 0
    now = timezone.now()
    HostKey.objects.create(
        address="10.11.0.12", key_type="ssh-ed25519", key="AAAA", fingerprint="a", first_seen=now
    )
    HostKey.objects.create(
        address="10.66.0.12", key_type="ssh-ed25519", key="BBBB", fingerprint="b", first_seen=now
    )
    assert names(HostKey.objects.restrict(alpha), "address") == {"10.11.0.12"}


def test_restrict_the_change_log(world, alpha):
    seen = ObjectChange.objects.restrict(alpha)
    reprs = set(seen.values_list("object_repr", flat=True))
    assert {"alpha-sch-sw01", "Direktion Alpha", "Werkhof Bravo-Nord", "Netcare K-ALPHA-100"} <= reprs
    assert not reprs & {
        "bravo-stv-sw01",
        "Direktion Bravo",
        "Bravo Steuern",
        "Steueramt Bravoplatz",
        "Netcare K-BRAVO-200",
        "Cisco",
    }
    # an asset deleted while in the scope keeps its history in the scope
    Asset.objects.get(pk=world.assets["alpha-dir-fw01"].pk).delete()  # a copy: world's objects are shared
    assert ObjectChange.objects.restrict(alpha).filter(object_repr="alpha-dir-fw01", action="delete").exists()
    assert (
        not ObjectChange.objects.restrict(scopes.build([world.bravo.pk]))
        .filter(object_repr="alpha-dir-fw01")
        .exists()
    )


# --- enforcement ---------------------------------------------------------------------------------


@contextlib.contextmanager
def refused(scope_name="Direktion Alpha"):
    """The block is refused naming the scope. In a savepoint of its own: a refused delete or
    many-to-many change happens inside Django's atomic(savepoint=False), which marks the
    surrounding transaction for rollback (as a request's would be)."""
    with pytest.raises(scopes.OutOfScope, match=scope_name), transaction.atomic():
        yield


def test_out_of_scope_is_a_permission_denied_naming_the_scope(alpha):
    error = scopes.OutOfScope(alpha, "asset “x” is outside it.")
    assert isinstance(error, PermissionDenied)
    assert str(error) == "Your access is limited to Direktion Alpha: asset “x” is outside it."
    assert error.scope is alpha


def test_saving_and_deleting_assets_is_checked(world, alpha):
    schools = unit(world, "Alpha Schulen")
    with scopes.enforcing(alpha):
        Asset.objects.create(name="alpha-new-01", org_unit=schools)  # in the scope
        with refused():
            Asset.objects.create(name="alpha-new-02", org_unit=unit(world, "Bravo Steuern"))
        with refused():
            Asset.objects.create(name="alpha-new-03")  # no unit: outside every scope
        mine = Asset.objects.get(pk=world.assets["alpha-sch-sw01"].pk)
        mine.org_unit = unit(world, "Bravo Steuern")  # moving out
        with refused():
            mine.save()
        theirs = Asset.objects.get(pk=world.assets["bravo-stv-sw01"].pk)
        theirs.org_unit = schools  # taking in
        with refused():
            theirs.save()
        with refused():
            Asset.objects.get(pk=world.assets["bravo-stv-sw01"].pk).delete()
        module = Module.objects.get(pk=world.modules["bravo"].pk)
        module.description = "changed"
        with refused():
            module.save()
        world_module = Module.objects.get(pk=world.modules["alpha"].pk)
        world_module.description = "changed"
        world_module.save()
        Asset.objects.get(pk=world.assets["alpha-spo-sw01"].pk).delete()
    assert not Asset.objects.filter(name__in=["alpha-new-02", "alpha-new-03"]).exists()
    assert Asset.objects.get(pk=world.assets["alpha-sch-sw01"].pk).org_unit == schools
    assert Asset.objects.get(pk=world.assets["bravo-stv-sw01"].pk).org_unit == unit(world, "Bravo Steuern")
    assert not Asset.objects.filter(pk=world.assets["alpha-spo-sw01"].pk).exists()


def test_nothing_is_checked_outside_a_block_or_for_everything(world, alpha):
    assert scopes.enforced() is None
    Asset.objects.create(name="city-new-01", org_unit=world.bravo)
    with scopes.enforcing(scopes.EVERYTHING):
        Asset.objects.create(name="city-new-02", org_unit=world.bravo)
        Manufacturer.objects.create(name="Arista", slug="arista")
    with scopes.enforcing(alpha):
        assert scopes.enforced() is alpha
        with scopes.enforcing(None):
            Asset.objects.create(name="city-new-03", org_unit=world.bravo)
        assert scopes.enforced() is alpha
    assert scopes.enforced() is None
    token = scopes.set_enforced(alpha)
    with refused():
        Asset.objects.create(name="city-new-04", org_unit=world.bravo)
    scopes.reset_enforced(token)
    assert scopes.enforced() is None


def test_org_units_are_checked_where_they_hang(world, alpha):
    with scopes.enforcing(alpha):
        OrgUnit.objects.create(name="Alpha Kultur", slug="alpha-kultur", parent=world.alpha)
        with refused():
            OrgUnit.objects.create(name="Alpha unter Bravo", slug="alpha-unter-bravo", parent=world.bravo)
        with refused():
            OrgUnit.objects.create(name="Alpha oben", slug="alpha-oben")  # a new top-level unit
        top = OrgUnit.objects.get(pk=world.alpha.pk)
        top.description = "IT der Direktion Alpha"
        top.save()  # the scope's top unit itself, its parent unchanged
        top.parent = world.bravo
        with refused():
            top.save()
        sport = OrgUnit.objects.get(pk=unit(world, "Alpha Sport").pk)
        sport.parent = unit(world, "Alpha Schulen")  # moved within the scope
        sport.save()
        steuern = OrgUnit.objects.get(pk=unit(world, "Bravo Steuern").pk)
        steuern.description = "x"
        with refused():
            steuern.save()
    assert OrgUnit.objects.get(pk=world.alpha.pk).parent == unit(world, "Stadt Testingen")


def test_sites_contracts_and_policies_are_checked(world, alpha):
    with scopes.enforcing(alpha):
        werkhof = Site.objects.get(pk=world.sites["Werkhof Bravo-Nord"].pk)
        werkhof.address = "Nordring 6"  # visible to Alpha, owned by Bravo
        with refused():
            werkhof.save()
        zentrale = Site.objects.get(pk=world.sites["Alpha Zentrale"].pk)
        zentrale.address = "Alphastrasse 2"
        zentrale.save()
        shared = Contract.objects.get(pk=world.contracts["shared"].pk)
        shared.comments = "by Alpha"
        with refused():
            shared.save()  # covers a Bravo asset
        own = Contract.objects.get(pk=world.contracts["alpha"].pk)
        own.comments = "by Alpha"
        own.save()
        general = LifecyclePolicy.objects.get(pk=world.policies["general"].pk)
        general.service_life_years = 9
        with refused():
            general.save()  # read-only for a scope
        mine = LifecyclePolicy.objects.get(pk=world.policies["alpha"].pk)
        mine.service_life_years = 6
        mine.save()
    assert LifecyclePolicy.objects.get(pk=world.policies["general"].pk).service_life_years == 8


def test_shared_catalogue_data_is_for_unscoped_users(world, alpha):
    with scopes.enforcing(alpha):
        with refused():
            Manufacturer.objects.create(name="Juniper", slug="juniper")
        cisco = Manufacturer.objects.get(slug="cisco")
        cisco.name = "Cisco Systems"
        with refused():
            cisco.save()
        with refused():
            HardwareNotice.objects.first().delete()
        tag = Tag.objects.create(name="Alpha-Tag", slug="alpha-tag")  # anyone may add a tag
        tag.color = "#000000"
        with refused():
            tag.save()  # …but not change one
    assert Manufacturer.objects.get(slug="cisco").name == "Cisco"
    assert not Manufacturer.objects.filter(slug="juniper").exists()


def test_many_to_many_changes_are_checked_on_both_sides(world, alpha):
    tag = Tag.objects.create(name="Neu", slug="neu")
    bravo_asset = Asset.objects.get(pk=world.assets["bravo-stv-sw01"].pk)
    alpha_asset = Asset.objects.get(pk=world.assets["alpha-dir-fw01"].pk)
    own = Contract.objects.get(pk=world.contracts["alpha"].pk)
    shared = Contract.objects.get(pk=world.contracts["shared"].pk)
    with scopes.enforcing(alpha):
        alpha_asset.tags.add(tag)  # the asset is in scope, the tag shared
        with refused():
            bravo_asset.tags.add(tag)
        with refused():
            tag.assets.add(bravo_asset)  # reverse: the owner (the asset) is outside
        with refused():
            own.assets.add(bravo_asset)  # a Bravo asset into an Alpha contract
        with refused():
            shared.assets.remove(world.assets["alpha-spo-sw01"])  # a contract Alpha cannot change
        with refused():
            alpha_asset.contracts.add(world.contracts["bravo"])  # reverse, into a Bravo contract
        with refused():
            shared.assets.clear()
        own.assets.add(world.assets["alpha-sch-sw02"])
    assert set(shared.assets.all()) == {world.assets["alpha-spo-sw01"], world.assets["bravo-stv-sw02"]}
    assert bravo_asset not in own.assets.all() and world.assets["alpha-sch-sw02"] in own.assets.all()
    assert list(tag.assets.all()) == [alpha_asset]


def test_raw_saves_are_not_checked(world, alpha):
    """loaddata (raw) writes fixtures as they are."""
    from django.db.models.signals import pre_save

    asset = Asset(name="raw-01", org_unit=world.bravo)
    with scopes.enforcing(alpha):
        pre_save.send(sender=Asset, instance=asset, raw=True, using="default", update_fields=None)


def test_may_change_and_require_everything(world, alpha):
    assert scopes.may_change(alpha, Asset) and scopes.may_change(alpha, Contract)
    assert not scopes.may_change(alpha, Manufacturer)
    assert not scopes.may_change(alpha, Tag) and scopes.may_change(alpha, Tag, adding=True)
    assert scopes.may_change(scopes.EVERYTHING, Manufacturer)
    assert scopes.kind_of(Asset) == "scoped" and scopes.kind_of(Manufacturer) == "shared"
    assert scopes.kind_of(Tag) == "shared-create"
    assert scopes.may_change_object(alpha, world.assets["alpha-sch-sw01"])
    assert not scopes.may_change_object(alpha, world.assets["bravo-stv-sw01"])
    assert not scopes.may_change_object(alpha, world.contracts["shared"])
    assert scopes.may_change_object(alpha, world.contracts["alpha"])
    scopes.require_everything(scopes.EVERYTHING, "the queue")
    with refused():
        scopes.require_everything(alpha, "the queue")
    scopes.check_units(alpha, [world.alpha.pk, unit(world, "Alpha Sport").pk], "x")
    with refused():
        scopes.check_units(alpha, [world.alpha.pk, None], "x")
    scopes.check_units(scopes.EVERYTHING, [None], "x")


def test_register_refuses_an_unknown_kind():
    with pytest.raises(ValueError):
        scopes.register(Asset, kind="private")


# --- what pages may name -------------------------------------------------------------------------


def test_shows(world, alpha):
    assert scopes.shows(alpha, world.alpha)
    assert not scopes.shows(alpha, unit(world, "Stadt Testingen"))  # the parent of the scope's top
    assert not scopes.shows(alpha, world.bravo)  # the owner of a site Alpha sees
    assert scopes.shows(alpha, world.assets["alpha-sch-sw02"])
    assert not scopes.shows(alpha, world.assets["bravo-dir-rt01"])
    assert not scopes.shows(alpha, world.assets["nounit-ap01"])
    assert scopes.shows(alpha, None)
    assert scopes.shows(alpha, world.sites["Steueramt Bravoplatz"])  # neither a unit nor an asset
    assert scopes.shows(scopes.EVERYTHING, world.bravo)
    assert scopes.hidden_text() == "(outside your scope)"


def test_restrict_choices_limits_model_choice_fields(world, alpha):
    from django import forms

    class Choose(forms.Form):
        org_unit = forms.ModelChoiceField(OrgUnit.objects.all())
        site = forms.ModelMultipleChoiceField(Site.objects.all())
        asset = forms.ModelChoiceField(Asset.objects.all())
        manufacturer = forms.ModelChoiceField(Manufacturer.objects.all())
        when = forms.DateField(initial=dt.date(2026, 1, 1))

    form = Choose()
    scopes.restrict_choices(form.fields, alpha)
    assert names(form.fields["org_unit"].queryset) == {"Direktion Alpha", "Alpha Schulen", "Alpha Sport"}
    assert "Steueramt Bravoplatz" not in names(form.fields["site"].queryset)
    assert names(form.fields["asset"].queryset) == set(scope_data.ALPHA_ASSETS)
    assert form.fields["manufacturer"].queryset.count() == Manufacturer.objects.count()
    bound = Choose({"org_unit": world.bravo.pk})
    scopes.restrict_choices(bound.fields, alpha)
    assert not bound.is_valid() and "org_unit" in bound.errors
    everything = Choose()
    scopes.restrict_choices(everything.fields, scopes.EVERYTHING)
    assert everything.fields["org_unit"].queryset.count() == OrgUnit.objects.count()


def test_a_user_is_created_unscoped(world):
    user = UserFactory(username="newcomer")
    assert scopes.for_user(user) is scopes.EVERYTHING
    AccessScope.objects.create(user=user)  # a scope without units: still everything
    assert scopes.for_user(user) is scopes.EVERYTHING
