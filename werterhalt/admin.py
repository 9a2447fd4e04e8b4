"""The base of every app's model admins. Registers nothing itself."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from inventory.models import ObjectChange


class ChangeLoggedAdmin(admin.ModelAdmin):
    """Shows the product's change log (not Django's own LogEntry) as the object's history."""

    object_history_template = "admin/inventory/object_changes.html"

    def history_view(self, request, object_id, extra_context=None):
        obj = get_object_or_404(self.model, pk=unquote(object_id))
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Change log: %s") % obj,
            "subtitle": None,
            "object": obj,
            "opts": self.model._meta,
            "changes": ObjectChange.objects.for_object(obj).select_related("user")[:500],
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.object_history_template, context)
