"""Scopes: which part of the city a user, or one of their API tokens, may see and change.

A scope is a set of org-unit subtrees (a Direktion with its offices). A user without one — the
steering committee's planners, administrators — sees everything. An API token may narrow its
user's scope further, never widen it.

Reading: every model's query set has ``restrict(scope)`` (``ScopedQuerySet``), which keeps the
rows in the scope as the model declares it (``scope_filter``); every list, page, count, search,
plan, export and API endpoint reads through it. Catalogue data shared by the whole city
(manufacturers, models, platforms, tags, vendors' notices and releases) is visible to everyone,
but the counts shown with it are counted over the scope's assets only.

Writing: while a request runs, its scope is *enforced* (``enforcing``): every save, delete and
many-to-many change of a model with a scope checks, before it reaches the database, that the
object belongs to the scope before and after the change; shared catalogue data may only be
changed by unscoped users. A refusal raises ``OutOfScope``, a ``PermissionDenied`` naming the
scope (403 in the UI and the API). Bulk writers that send no signals (the CSV import) check
their rows themselves with ``check_units``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import models
from django.db.models import Q
from django.db.models.signals import m2m_changed, pre_delete, pre_save
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Scope:
    """``units``: the org-unit ids in scope (whole subtrees), or None for everything. ``names``:
    the chosen units' names, for messages and the UI."""

    units: frozenset[int] | None = None
    names: tuple[str, ...] = ()

    @property
    def everything(self) -> bool:
        return self.units is None

    def allows(self, unit_id) -> bool:
        """Is the org unit ``unit_id`` (None: no unit) in the scope?"""
        return self.units is None or (unit_id is not None and int(unit_id) in self.units)

    def q(self, path: str) -> Q:
        """A filter keeping rows whose org unit at ``path`` (e.g. ``asset__org_unit``) is in the
        scope; no condition for everything."""
        return Q() if self.units is None else Q(**{f"{path}__in": sorted(self.units)})

    def count_filter(self, path: str) -> Q | None:
        """``q`` for an aggregate's ``filter=`` (None: count everything)."""
        return None if self.units is None else self.q(path)

    def key(self) -> str:
        """A short text naming the scope, for cache keys."""
        return "all" if self.units is None else "u" + ".".join(map(str, sorted(self.units)))

    def __str__(self) -> str:
        return ", ".join(self.names) if self.names else _("the whole city")


EVERYTHING = Scope()


def roots_of(user) -> list[int]:
    """The org units a user is limited to (their subtrees), or [] when not limited."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    from inventory.models import AccessScope

    return list(AccessScope.org_units.through.objects.filter(accessscope__user=user)
                .values_list("orgunit_id", flat=True))


def build(*root_sets: Iterable[int] | None) -> Scope:
    """The scope of the given roots: each non-empty set of roots stands for its subtrees, and
    the scope is what every one of them allows (a token narrows its user). No roots at all:
    everything."""
    from inventory.models import OrgUnit
    from inventory.models.organisation import descendants

    limits = [set(roots) for roots in root_sets if roots]
    if not limits:
        return EVERYTHING
    units = None
    for roots in limits:
        below = descendants(roots)
        units = below if units is None else units & below
    # the scope's top units (whose parent is outside it), by name
    rows = OrgUnit.objects.filter(pk__in=units).values_list("pk", "parent_id", "name")
    shown = sorted(name for _pk, parent, name in rows if parent not in units)
    return Scope(units=frozenset(units), names=tuple(shown))


def for_user(user, token=None) -> Scope:
    """The scope of ``user``, narrowed by ``token`` (an ``inventory.models.Token``) if given."""
    token_roots = list(token.org_units.values_list("pk", flat=True)) if token is not None and token.pk else []
    return build(roots_of(user), token_roots)


def scope_of(request) -> Scope:
    """The scope of a request: its user's, narrowed by the API token it came with. Worked out once
    per request."""
    from inventory.models import Token

    token = getattr(request, "auth", None)
    token = token if isinstance(token, Token) else None
    user = getattr(request, "user", None)
    key = (getattr(user, "pk", None), getattr(token, "pk", None))  # a token may follow a session
    cached = getattr(request, "_werterhalt_scopes", None)
    if cached is None:
        cached = {}
        with contextlib.suppress(AttributeError):  # a request that takes no attributes
            request._werterhalt_scopes = cached
    if key not in cached:
        cached[key] = for_user(user, token)
    return cached[key]


# --- reading -------------------------------------------------------------------------------------


class ScopedQuerySet(models.QuerySet):
    """``restrict(scope)``: the rows ``scope`` may see, as the model's ``scope_filter`` says. A
    model without one is shared (catalogue data): every row."""

    def restrict(self, scope: Scope) -> ScopedQuerySet:
        if not isinstance(scope, Scope):
            raise TypeError("restrict() needs a Scope (scopes.EVERYTHING for no limit)")
        if scope.everything:
            return self
        scope_filter = getattr(self.model, "scope_filter", None)
        if scope_filter is None:
            return self
        condition = scope_filter(scope)
        return self if condition is None else self.filter(condition)


def shows(scope: Scope, obj) -> bool:
    """Whether a page may name ``obj``, an org unit or an asset that another object refers to
    (a site's owner, a unit's parent); everything else that such an object refers to is either
    shared or in scope with it."""
    if scope.everything or obj is None:
        return True
    from inventory.models import Asset, OrgUnit

    if isinstance(obj, OrgUnit):
        return scope.allows(obj.pk)
    if isinstance(obj, Asset):
        return scope.allows(obj.org_unit_id)
    return True


def hidden_references(instance, names, scope: Scope) -> list[str]:
    """Which of ``names`` (fields of ``instance``'s model) refer to an org unit or asset outside
    ``scope``: a form leaves them out, so it neither names them nor changes them."""
    hidden = []
    for name in names:
        try:
            field = instance._meta.get_field(name)
        except FieldDoesNotExist:  # a form field that is no model field
            continue
        if not field.many_to_one or getattr(instance, field.attname, None) is None:
            continue
        if not shows(scope, getattr(instance, name)):
            hidden.append(name)
    return hidden


def hidden_text() -> str:
    """What pages show instead of a unit or asset outside the viewer's scope."""
    return _("(outside your scope)")


# --- writing -------------------------------------------------------------------------------------


class OutOfScope(PermissionDenied):
    """A change outside the scope: 403 naming the scope."""

    def __init__(self, scope: Scope, what: str):
        self.scope = scope
        super().__init__(
            _("Your access is limited to %(scope)s: %(what)s") % {"scope": scope, "what": what}
        )


_enforced: ContextVar[Scope | None] = ContextVar("werterhalt_scope", default=None)
# model -> "scoped" (its ``scope_units`` must lie in the scope), "shared" (unscoped users only)
# or "shared-create" (anyone may add one; changing or deleting one is for unscoped users)
_KINDS: dict[type[models.Model], str] = {}


def enforced() -> Scope | None:
    return _enforced.get()


@contextlib.contextmanager
def enforcing(scope: Scope | None) -> Iterator[None]:
    """Refuse, inside the block, every change that ``scope`` does not allow."""
    token = _enforced.set(scope)
    try:
        yield
    finally:
        _enforced.reset(token)


def set_enforced(scope: Scope | None):
    """``enforcing`` for code that cannot wrap a block (a DRF view's initial/finalize)."""
    return _enforced.set(scope)


def reset_enforced(token) -> None:
    _enforced.reset(token)


def kind_of(model) -> str | None:
    return _KINDS.get(model)


def may_change(scope: Scope, model, adding: bool = False) -> bool:
    """Whether ``scope`` may change (``adding``: add) objects of ``model`` at all (shared
    catalogue data: unscoped users only). Pages use it to offer or hide their buttons."""
    if scope.everything:
        return True
    kind = _KINDS.get(model)
    return kind == "scoped" or (adding and kind == "shared-create")


def require_everything(scope: Scope, what: str) -> None:
    """For pages about the whole city's machinery (the discovery queue and its workers): 403
    naming the scope for a scoped user."""
    if not scope.everything:
        raise OutOfScope(scope, what)


def may_change_object(scope: Scope, obj) -> bool:
    """Whether ``scope`` may change (or delete) ``obj`` as it is."""
    try:
        check_object(scope, obj, obj)
    except OutOfScope:
        return False
    return True


def _label(obj) -> str:
    return f"{obj._meta.verbose_name} “{obj}”"


def check_units(scope: Scope, units: Iterable, what: str) -> None:
    """Raise ``OutOfScope`` unless every org unit in ``units`` (None: no unit) is in the scope."""
    if scope.everything:
        return
    if not all(scope.allows(u) for u in units):
        raise OutOfScope(scope, what)


def check_object(scope: Scope, obj, old=None, adding: bool = False) -> None:
    """Refuse a change of ``obj`` (``old``: as the database holds it before the change)."""
    if scope is None or scope.everything:
        return
    kind = _KINDS.get(type(obj))
    if kind is None:
        return
    if kind != "scoped":
        if adding and kind == "shared-create":
            return
        if obj.pk is None:
            what = _("%(objects)s are shared by the whole city and can only be added by users without a "
                     "limit.") % {"objects": obj._meta.verbose_name_plural}
        else:
            what = _("%(object)s is shared by the whole city and can only be changed by users without a "
                     "limit.") % {"object": _label(obj)}
        raise OutOfScope(scope, what)
    if old is not None:  # as it is: an existing unit is itself (not where a new one would go)
        # not named: a page refusing it must not tell what a scope cannot see
        check_units(scope, old.scope_units(old), _("this %(kind)s is outside it.")
                    % {"kind": old._meta.verbose_name})
    check_units(scope, obj.scope_units(old), _("%(object)s would be outside it.") % {"object": _label(obj)})


def _pre_save(sender, instance, raw=False, **kwargs):
    scope = _enforced.get()
    if raw or scope is None or scope.everything:
        return
    adding = instance._state.adding or instance.pk is None
    old = None if adding else sender._base_manager.filter(pk=instance.pk).first()
    check_object(scope, instance, old, adding=adding or old is None)


def _pre_delete(sender, instance, **kwargs):
    scope = _enforced.get()
    if scope is None or scope.everything:
        return
    check_object(scope, instance, instance)


def _m2m_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    """A many-to-many change is a change of the relation's owner (the model that declares it):
    the owner must be changeable, and scoped objects on the other side must be in scope."""
    scope = _enforced.get()
    if scope is None or scope.everything or action not in {"pre_add", "pre_remove", "pre_clear"}:
        return
    others = list(model._base_manager.filter(pk__in=pk_set)) if pk_set else []
    owners, related = (others, [instance]) if reverse else ([instance], others)
    for owner in owners:
        check_object(scope, owner, owner)
    for obj in related:
        if _KINDS.get(type(obj)) == "scoped":
            check_units(scope, obj.scope_units(obj), _("this %(kind)s is outside it.")
                        % {"kind": obj._meta.verbose_name})


def register(model, kind: str = "scoped", m2m: tuple[str, ...] = ()) -> None:
    """Check every change of ``model`` against the enforced scope. ``scoped`` models define
    ``scope_units(self, old=None)``: the org-unit ids the object belongs to (None for none)."""
    if kind not in {"scoped", "shared", "shared-create"}:
        raise ValueError(kind)
    _KINDS[model] = kind
    uid = f"werterhalt-scope-{model._meta.label_lower}"
    pre_save.connect(_pre_save, sender=model, dispatch_uid=uid)
    pre_delete.connect(_pre_delete, sender=model, dispatch_uid=uid)
    for rel in m2m:
        through = model._meta.get_field(rel).remote_field.through
        m2m_changed.connect(_m2m_changed, sender=through, dispatch_uid=f"{uid}-{rel}")


def restrict_choices(fields, scope: Scope) -> None:
    """Limit the choices of a form's (or filter form's) model choice fields to the scope: nobody
    picks, or even reads the name of, an org unit, site or asset outside it."""
    if scope.everything:
        return
    for field in fields.values() if isinstance(fields, dict) else fields:
        queryset = getattr(field, "queryset", None)
        if queryset is not None and hasattr(queryset, "restrict"):
            field.queryset = queryset.restrict(scope)
