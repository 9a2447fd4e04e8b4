"""The change log: who changed what, when, with the values before and after."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from inventory.choices import ActorKind, ChangeAction
from inventory.scopes import ScopedQuerySet


def scope_models() -> tuple[str, ...]:
    """The models whose changes a scoped user sees (those that belong to org units)."""
    return ("inventory.OrgUnit", "inventory.Site", "inventory.Asset", "inventory.Module",
            "lifecycle.Contract", "lifecycle.LifecyclePolicy")


class ObjectChangeQuerySet(ScopedQuerySet):
    def for_object(self, obj: models.Model) -> "ObjectChangeQuerySet":
        """Every change of ``obj`` (also after it was deleted), newest first."""
        pk = obj.pk if obj.pk is not None else getattr(obj, "_deleted_pk", None)
        if pk is None:
            raise ValueError(f"{obj!r} has no primary key: it was never saved")
        ct = ContentType.objects.get_for_model(obj, for_concrete_model=False)
        return self.filter(content_type=ct, object_id=pk).order_by("-time", "-pk")


class ObjectChange(models.Model):
    time = models.DateTimeField(_("time"), default=timezone.now, db_index=True, editable=False)
    actor_kind = models.CharField(_("actor kind"), max_length=20, choices=ActorKind.choices)
    actor = models.CharField(
        _("actor"), max_length=200, help_text=_("User name, token, import file or discovery run.")
    )
    # The change log is written only by code, from model classes and the acting user, often
    # 100,000 rows at a time (an import): its foreign keys are not checked by the database
    # (saves a check per row and per key). Deleting a user still sets ``user`` to NULL (Django
    # does it), and ``actor`` keeps the name.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+", db_constraint=False,
    )
    batch = models.UUIDField(
        _("batch"), db_index=True, help_text=_("Changes made by one request, import or run.")
    )
    action = models.CharField(_("action"), max_length=10, choices=ChangeAction.choices)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("object type"), on_delete=models.PROTECT, related_name="+",
        db_index=False, db_constraint=False,  # objectchange_object (content_type, object_id) serves it
    )
    object_id = models.BigIntegerField(_("object id"))
    object_repr = models.CharField(_("object"), max_length=200)
    prechange_data = models.JSONField(_("before"), null=True, blank=True)
    postchange_data = models.JSONField(_("after"), null=True, blank=True)

    objects = ObjectChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-time", "-pk"]
        verbose_name = _("change")
        verbose_name_plural = _("change log")
        indexes = [models.Index(fields=["content_type", "object_id"], name="objectchange_object")]

    def __str__(self) -> str:
        return gettext("%(action)s %(object)s by %(actor)s") % {
            "action": self.get_action_display(), "object": self.object_repr, "actor": self.actor
        }

    def get_absolute_url(self) -> str:
        return reverse("inventory:objectchange", args=[self.pk])

    @classmethod
    def scope_filter(cls, scope):
        """The changes of objects in the scope (as they are now: an asset moved in brings its
        history), and of assets deleted while in the scope; changes of shared catalogue data
        and of the scope's neighbours are not shown."""
        from django.apps import apps

        units = sorted(scope.units)
        condition = models.Q(pk__in=[])
        for label in scope_models():
            model = apps.get_model(label)
            ct = ContentType.objects.get_for_model(model)
            visible = getattr(model, "scope_history_filter", model.scope_filter)(scope)
            condition |= models.Q(content_type=ct,
                                  object_id__in=model._base_manager.filter(visible).values("pk"))
            if "org_unit_id" in {f.attname for f in model._meta.concrete_fields}:
                condition |= models.Q(content_type=ct, action=ChangeAction.DELETE,
                                      prechange_data__org_unit_id__in=units)
        return condition

    def get_action_color(self) -> str:
        return ChangeAction.color(self.action)

    def changed_fields(self) -> dict[str, tuple]:
        """{field: (before, after)} for the fields whose value differs."""
        before = self.prechange_data or {}
        after = self.postchange_data or {}
        return {
            k: (before.get(k), after.get(k))
            for k in sorted(set(before) | set(after))
            if before.get(k) != after.get(k)
        }
