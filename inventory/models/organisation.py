"""Where assets are and who owns them: organisational units (a tree) and sites."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from inventory.scopes import ScopedQuerySet


class OrgUnit(models.Model):
    """A department, an office within it, and so on: a tree without cycles."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    code = models.CharField(_("cost centre"), max_length=50, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    description = models.CharField(_("description"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], name="orgunit_unique_name_in_parent",
                violation_error_message=_("The parent unit already has a unit with this name."),
            ),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(parent__isnull=True),
                name="orgunit_unique_top_level_name",
                violation_error_message=_("There is already a top-level unit with this name."),
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")), name="orgunit_not_own_parent",
                violation_error_message=_("A unit cannot be its own parent."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("inventory:orgunit", args=[self.pk])

    scope_anchors = ("parent",)

    @classmethod
    def scope_filter(cls, scope):
        return scope.q("pk")

    def scope_units(self, old=None) -> set:
        """A new unit belongs where its parent is; an existing one is itself, and moving it
        needs its new parent in scope too."""
        if old is None:
            return {self.parent_id}
        return {self.pk} | ({self.parent_id} if self.parent_id != old.parent_id else set())

    def check_no_cycle(self) -> None:
        """Raise ValidationError if the parent chain, as the database holds it, leads back here.

        Follows parent ids in the database rather than the objects in memory, which may be stale.
        """
        seen = {self.pk} if self.pk else set()
        node_id = self.parent_id
        while node_id is not None:
            if node_id in seen:
                raise ValidationError(
                    {"parent": _("“%(parent)s” cannot be the parent of “%(unit)s”: that would make "
                                 "a cycle.") % {"parent": self.parent, "unit": self}}
                )
            seen.add(node_id)
            node_id = (OrgUnit.objects.filter(pk=node_id).values_list("parent_id", flat=True)
                       .first())

    def ancestors(self) -> list["OrgUnit"]:
        """Parents from the nearest up to the root."""
        chain: list[OrgUnit] = []
        node = self.parent
        while node is not None and node not in chain and node != self:
            chain.append(node)
            node = node.parent
        return chain

    def clean(self) -> None:
        super().clean()
        self.check_no_cycle()

    def save(self, *args, **kwargs) -> None:
        # Forms call clean(); code paths that do not (API, scripts, imports) are checked here too.
        self.check_no_cycle()
        super().save(*args, **kwargs)

    @property
    def path(self) -> str:
        return " / ".join(u.name for u in reversed([self, *self.ancestors()]))


class Site(models.Model):
    """A building or room where assets are installed."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("organisational unit"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="sites",
    )
    description = models.CharField(_("description"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("inventory:site", args=[self.pk])

    scope_anchors = ("org_unit",)

    @classmethod
    def scope_filter(cls, scope):
        """The scope's own sites, and the sites where its assets are (a building several
        Direktionen share); only the first may be changed (``scope_units``)."""
        from inventory.models import Asset

        return scope.q("org_unit") | Q(pk__in=Asset.objects.filter(scope.q("org_unit")).values("site_id"))

    def scope_units(self, old=None) -> set:
        return {self.org_unit_id}


def descendants(unit_ids) -> set[int]:
    """The given org units and every unit below them (one query)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in OrgUnit.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, todo = set(), [int(u) for u in unit_ids]
    while todo:
        unit = todo.pop()
        if unit not in found:
            found.add(unit)
            todo.extend(children.get(unit, ()))
    return found
