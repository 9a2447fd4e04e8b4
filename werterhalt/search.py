"""The global search: one term over assets, hardware models, sites, org units, contracts and
hardware notices, grouped per model and limited to what the user may view.

The asset rule is the asset filterset's ``q`` (``AssetFilterSet.search``): the search box and the
asset list find the same assets. The other models match the term ``icontains`` in the fields
listed in ``SCOPES``."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode

from inventory import scopes
from inventory.filtersets import AssetFilterSet
from inventory.models import Asset, HardwareModel, OrgUnit, Site
from lifecycle.models import Contract, HardwareNotice

MAX_TERM = 100  # characters; a longer term is cut to this length
LIMIT = 10  # objects shown per group
# NUL and other control characters: a form field refuses NUL (the asset filter would then be
# skipped, not applied) and PostgreSQL cannot compare with it
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Hit:
    label: str
    url: str
    detail: str


@dataclass(frozen=True)
class Group:
    key: str  # "app_label.model_name"
    title: str  # the model's verbose_name_plural
    count: int
    hits: list[Hit]
    all_url: str | None = None  # the full list filtered by the term, where the list has that rule


@dataclass(frozen=True)
class Scope:
    model: type[models.Model]
    matches: Callable[[str], models.QuerySet]
    detail: Callable[[models.Model], str]
    all_url: Callable[[str], str] | None = None


def clean_term(raw: str | None) -> str:
    """The term as searched: control characters dropped, stripped, at most ``MAX_TERM`` long."""
    return _CONTROL.sub("", raw or "").strip()[:MAX_TERM].strip()


def is_too_long(raw: str | None) -> bool:
    return len(_CONTROL.sub("", raw or "").strip()) > MAX_TERM


def _icontains(fields: Iterable[str], term: str) -> Q:
    query = Q()
    for name in fields:
        query |= Q(**{f"{name}__icontains": term})
    return query


def _join(*parts) -> str:
    return " · ".join(str(p) for p in parts if p not in (None, ""))


def _assets(term: str) -> models.QuerySet:
    filterset = AssetFilterSet({"q": term}, queryset=Asset.objects.all())
    if not filterset.is_valid():  # an invalid form skips the filter: that would be every asset
        return Asset.objects.none()
    return filterset.qs.select_related("hardware_model", "site").order_by("name", "pk")


def _notices(term: str) -> models.QuerySet:
    matching = HardwareNotice.objects.filter(
        _icontains(("bulletin", "hardware_models__model", "hardware_models__name"), term)
    ).values("pk")
    return HardwareNotice.objects.filter(pk__in=matching).prefetch_related("hardware_models")


def _notice_detail(notice: HardwareNotice) -> str:
    return ", ".join(m.model for m in notice.hardware_models.all())


SCOPES: tuple[Scope, ...] = (
    Scope(
        Asset,
        _assets,
        lambda a: _join(a.hardware_model and a.hardware_model.model, a.serial, a.site and a.site.name),
        all_url=lambda term: f"{reverse('inventory:asset_list')}?{urlencode({'q': term})}",
    ),
    Scope(
        HardwareModel,
        lambda term: HardwareModel.objects.filter(
            _icontains(("model", "name", "manufacturer__name"), term)
        ).select_related("manufacturer"),
        lambda m: _join(m.manufacturer.name, m.model if m.name else "", m.get_category_display()),
    ),
    Scope(
        Site,
        lambda term: Site.objects.filter(_icontains(("name", "slug", "address"), term))
        .select_related("org_unit").order_by("name", "pk"),
        lambda s: _join(s.address, s.org_unit and _named(s.org_unit)),
    ),
    Scope(
        OrgUnit,
        lambda term: OrgUnit.objects.filter(_icontains(("name", "slug"), term))
        .select_related("parent").order_by("name", "pk"),
        lambda u: _join(u.code, u.parent and _named(u.parent)),
    ),
    Scope(
        Contract,
        lambda term: Contract.objects.filter(_icontains(("provider", "number"), term)),
        lambda c: _join(c.get_kind_display(), c.service_level),
    ),
    Scope(HardwareNotice, _notices, _notice_detail),
)


def may_view(user, model: type[models.Model]) -> bool:
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.view_{opts.model_name}")


_within: ContextVar[scopes.Scope] = ContextVar("werterhalt_search_within", default=scopes.EVERYTHING)


def _named(unit) -> str:
    """A unit's name, or the placeholder when it lies outside the scope searched."""
    return unit.name if scopes.shows(_within.get(), unit) else scopes.hidden_text()


def search(
    term: str | None, user, limit: int = LIMIT, within: scopes.Scope = scopes.EVERYTHING
) -> list[Group]:
    """Groups (in ``SCOPES`` order) with at least one match among the models ``user`` may view
    and ``within`` (the request's ``inventory.scopes.Scope``) holds: the total count and the
    first ``limit`` objects. An empty term finds nothing."""
    term = clean_term(term)
    if not term:
        return []
    token = _within.set(within)
    try:
        return _search(term, user, limit, within)
    finally:
        _within.reset(token)


def _search(term: str, user, limit: int, within: scopes.Scope) -> list[Group]:
    groups = []
    for scope in SCOPES:
        if not may_view(user, scope.model):
            continue
        queryset = scope.matches(term).restrict(within)
        count = queryset.count()
        if not count:
            continue
        hits = [Hit(str(obj), obj.get_absolute_url(), scope.detail(obj)) for obj in queryset[:limit]]
        opts = scope.model._meta
        groups.append(Group(
            key=f"{opts.app_label}.{opts.model_name}",
            title=str(opts.verbose_name_plural),
            count=count,
            hits=hits,
            all_url=scope.all_url(term) if scope.all_url else None,
        ))
    return groups
