"""Small NetBox-shaped generic views: list (filters, sortable table with the user's columns, CSV
export, bulk actions), object, edit, delete, bulk edit and bulk delete.

A model's views are declarations (``queryset``, ``filterset``, ``table``, ``form``); URL names
follow ``<app>:<model>_list``, ``<app>:<model>``, ``_add``, ``_edit``, ``_delete``, ``_bulk_edit``,
``_bulk_delete`` (see ``crud_urls``).
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django_tables2 import RequestConfig

from inventory import scopes
from inventory.models import ObjectChange, UserPreference
from werterhalt.cells import safe_row

PER_PAGE_CHOICES = (25, 50, 100, 250, 500)


def url_name(model, action: str = "") -> str:
    meta = model._meta
    return f"{meta.app_label}:{meta.model_name}{'_' + action if action else ''}"


def crud_urls(
    prefix: str,
    model,
    *,
    list=None,
    detail=None,
    add=None,
    edit=None,
    delete=None,
    bulk_edit=None,
    bulk_delete=None,
    changelog=True,
) -> list:
    """The URL patterns of one model, named as ``url_name`` expects."""
    name = model._meta.model_name
    patterns = []
    if list:
        patterns.append(path(f"{prefix}/", list.as_view(), name=f"{name}_list"))
    if add:
        patterns.append(path(f"{prefix}/add/", add.as_view(), name=f"{name}_add"))
    if bulk_edit:
        patterns.append(path(f"{prefix}/edit/", bulk_edit.as_view(), name=f"{name}_bulk_edit"))
    if bulk_delete:
        patterns.append(path(f"{prefix}/delete/", bulk_delete.as_view(), name=f"{name}_bulk_delete"))
    if detail:
        patterns.append(path(f"{prefix}/<int:pk>/", detail.as_view(), name=name))
    if edit:
        patterns.append(path(f"{prefix}/<int:pk>/edit/", edit.as_view(), name=f"{name}_edit"))
    if delete:
        patterns.append(path(f"{prefix}/<int:pk>/delete/", delete.as_view(), name=f"{name}_delete"))
    return patterns


def try_reverse(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def perm(model, action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def safe_return_url(request, fallback: str) -> str:
    url = request.POST.get("return_url") or request.GET.get("return_url")
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return fallback


class ModelPermissionMixin(PermissionRequiredMixin):
    """Needs ``<app>.<action>_<model>``; a signed-in user without it gets 403. A user limited to
    some org units (``inventory.scopes``) reads through ``scoped`` and may not change the whole
    city's shared data."""

    action = "view"
    raise_exception = True

    def get_permission_required(self):
        return [perm(self.queryset.model, self.action)]

    def scoped(self, queryset=None):
        """``queryset`` (default: the view's) as the request's scope may see it."""
        queryset = self.queryset if queryset is None else queryset
        return queryset.all().restrict(scopes.scope_of(self.request))

    def may(self, action: str, obj=None) -> bool:
        """Whether the user may ``action`` (add, change, delete) this model, or ``obj``: the
        permission, and the scope."""
        model = self.queryset.model
        if not self.request.user.has_perm(perm(model, action)):
            return False
        scope = scopes.scope_of(self.request)
        if obj is not None:
            return scopes.may_change_object(scope, obj)
        return scopes.may_change(scope, model, adding=action == "add")

    def check_scope(self, obj=None) -> None:
        """403 naming the scope for a change it does not allow (``obj``: an existing object)."""
        scope = scopes.scope_of(self.request)
        if obj is None:
            if not scopes.may_change(scope, self.queryset.model, adding=True):
                scopes.check_object(scope, self.queryset.model(), adding=True)
            return
        scopes.check_object(scope, obj, obj)


def table_preferences(request, table_name: str) -> dict:
    pref = UserPreference.objects.filter(user=request.user).first()
    return pref.get(f"tables.{table_name}", {}) if pref else {}


def configure_table(request, table, prefs: dict):
    """Hide the columns the user turned off; paginate with the user's page size."""
    chosen = prefs.get("columns") or getattr(table.Meta, "default_columns", None)
    if chosen:
        for column in table.columns:
            if column.name not in chosen and column.name not in table.Meta.fixed_columns:
                table.columns.hide(column.name)
    per_page = request.GET.get("per_page") or prefs.get("per_page")
    try:
        per_page = int(per_page)
    except (TypeError, ValueError):
        per_page = 50
    per_page = per_page if per_page in PER_PAGE_CHOICES else 50
    RequestConfig(request, paginate={"per_page": per_page}).configure(table)
    return per_page


class ObjectListView(ModelPermissionMixin, View):
    queryset = None
    filterset = None
    table = None
    template_name = "werterhalt/object_list.html"
    export_csv = None  # optional callable(queryset, file) writing the model's own CSV format
    # filters the API has but the filter form leaves out (the search box covers them)
    filter_hidden: tuple[str, ...] = ("id",)
    import_url_name: str | None = None

    def get_queryset(self, request):
        return self.scoped()

    def get(self, request):
        model = self.queryset.model
        filterset = self.filterset(request.GET or None, queryset=self.get_queryset(request), request=request)
        qs = filterset.qs if filterset.is_bound and filterset.is_valid() else self.get_queryset(request)
        if request.GET.get("export") == "csv":
            return self.csv_response(request, qs)
        table = self.table(qs, request=request)
        prefs = table_preferences(request, type(table).__name__)
        per_page = configure_table(request, table, prefs)
        context = {
            "model": model,
            "verbose_name_plural": model._meta.verbose_name_plural,
            "table": table,
            "filter_form": filterset.form,
            "filter_fields": self.visible_filters(filterset),
            "filter_active": filterset.is_bound,
            "filter_errors": filterset.form.errors if filterset.is_bound else None,
            "per_page": per_page,
            "per_page_choices": PER_PAGE_CHOICES,
            "columns": [
                (c.name, c.header, c.visible) for c in table.columns if c.name not in table.Meta.fixed_columns
            ],
            "table_name": type(table).__name__,
            "add_url": try_reverse(url_name(model, "add")) if self.may("add") else None,
            "import_url": (
                try_reverse(self.import_url_name) if self.import_url_name and self.may("add") else None
            ),
            "bulk_edit_url": try_reverse(url_name(model, "bulk_edit")) if self.may("change") else None,
            "bulk_delete_url": try_reverse(url_name(model, "bulk_delete")) if self.may("delete") else None,
        }
        template = self.template_name
        if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "object-table":
            template = "werterhalt/includes/object_table.html"
        return render(request, template, context)

    def visible_filters(self, filterset) -> list:
        """The filter form's fields, without ``filter_hidden`` and without the slug variant of a
        filter that also exists by id (``site`` beside ``site_id``: the API's, for scripts)."""
        names = set(filterset.filters)
        hidden = set(self.filter_hidden) | {n for n in names if f"{n}_id" in names}
        return [f for f in filterset.form if f.name not in hidden]

    def csv_response(self, request, queryset):
        model = self.queryset.model
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{model._meta.model_name}s.csv"'
        if self.export_csv:
            self.export_csv(response, queryset)
            return response
        table = self.table(queryset, request=request)
        prefs = table_preferences(request, type(table).__name__)
        exclude = set(table.Meta.fixed_columns)
        if prefs.get("columns"):
            exclude |= {c.name for c in table.columns if c.name not in prefs["columns"]}
        writer = csv.writer(response)
        for row in table.as_values(exclude_columns=exclude):
            writer.writerow(safe_row(row))  # no cell a spreadsheet would run as a formula
        return response


class ObjectView(ModelPermissionMixin, View):
    queryset = None
    template_name = None

    def get_extra_context(self, request, obj) -> dict:
        return {}

    def get(self, request, pk):
        obj = get_object_or_404(self.scoped(), pk=pk)
        model = self.queryset.model
        context = {
            "object": obj,
            "model": model,
            "verbose_name": model._meta.verbose_name,
            "edit_url": try_reverse(url_name(model, "edit"), pk) if self.may("change", obj) else None,
            "delete_url": try_reverse(url_name(model, "delete"), pk) if self.may("delete", obj) else None,
            "list_url": try_reverse(url_name(model, "list")),
            "changes": ObjectChange.objects.for_object(obj).restrict(scopes.scope_of(request))
            .select_related("user")[:50],
            **self.get_extra_context(request, obj),
        }
        names = (
            [self.template_name]
            if self.template_name
            else [f"{model._meta.app_label}/{model._meta.model_name}.html", "werterhalt/object.html"]
        )
        return render(request, names, context)


class ObjectEditView(ModelPermissionMixin, View):
    """Add (no pk) or change (pk) one object with a ModelForm."""

    queryset = None
    form = None
    template_name = "werterhalt/object_edit.html"

    def get_permission_required(self):
        return [perm(self.queryset.model, "change" if self.kwargs.get("pk") else "add")]

    def get_object(self, pk):
        """The object (403 naming the scope if it is outside it), or a new one."""
        obj = get_object_or_404(self.queryset, pk=pk) if pk else None
        self.check_scope(obj)
        return obj if obj is not None else self.queryset.model()

    def make_form(self, *args, **kwargs):
        """The form, its choices limited to the scope. A reference the object already has to
        something outside the scope (a Direktion's parent, an asset it replaces) stays as it is:
        that field is left out of the form, neither shown nor taken from it."""
        form = self.form(*args, **kwargs)
        scope = scopes.scope_of(self.request)
        scopes.restrict_choices(form.fields, scope)
        instance = kwargs.get("instance")
        if instance is not None and instance.pk and not scope.everything:
            for name in scopes.hidden_references(instance, form.fields, scope):
                del form.fields[name]
        return form

    def render_form(self, request, obj, form):
        return render(
            request,
            self.template_name,
            {
                "object": obj,
                "form": form,
                "model": self.queryset.model,
                "verbose_name": self.queryset.model._meta.verbose_name,
                "return_url": safe_return_url(
                    request,
                    obj.get_absolute_url() if obj.pk else reverse(url_name(self.queryset.model, "list")),
                ),
            },
        )

    def get(self, request, pk=None):
        obj = self.get_object(pk)
        initial = {k: v for k, v in request.GET.items() if k != "return_url"}
        return self.render_form(request, obj, self.make_form(instance=obj, initial=initial))

    def post(self, request, pk=None):
        obj = self.get_object(pk)
        form = self.make_form(request.POST, instance=obj)
        if form.is_valid():
            with transaction.atomic():
                obj = form.save()
            text = _("Changed %(kind)s “%(obj)s”.") if pk else _("Created %(kind)s “%(obj)s”.")
            messages.success(request, text % {"kind": obj._meta.verbose_name, "obj": obj})
            return HttpResponseRedirect(obj.get_absolute_url())
        return self.render_form(request, obj, form)


class ObjectDeleteView(ModelPermissionMixin, View):
    queryset = None
    action = "delete"
    template_name = "werterhalt/object_delete.html"

    def get(self, request, pk):
        obj = get_object_or_404(self.queryset, pk=pk)
        self.check_scope(obj)
        return render(
            request,
            self.template_name,
            {
                "object": obj,
                "verbose_name": obj._meta.verbose_name,
                "return_url": safe_return_url(request, obj.get_absolute_url()),
            },
        )

    def post(self, request, pk):
        obj = get_object_or_404(self.queryset, pk=pk)
        self.check_scope(obj)
        try:
            with transaction.atomic():
                obj.delete()
        except ProtectedError as exc:
            names = ", ".join(sorted({str(o) for o in exc.protected_objects})[:10])
            messages.error(
                request,
                _("“%(obj)s” is still used by: %(names)s. Nothing was deleted.")
                % {"obj": obj, "names": names},
            )
            return HttpResponseRedirect(obj.get_absolute_url())
        messages.success(
            request, _("Deleted %(kind)s “%(obj)s”.") % {"kind": obj._meta.verbose_name, "obj": obj}
        )
        return HttpResponseRedirect(reverse(url_name(self.queryset.model, "list")))


def done(one: str, many: str, model, objects: list) -> str:
    """Says "Changed switch “x”." for one object, "Changed 3 switches." for more (one message each, so
    that every language can word both)."""
    if len(objects) == 1:
        return one % {"kind": model._meta.verbose_name, "obj": objects[0]}
    return many % {"n": len(objects), "kinds": model._meta.verbose_name_plural}


def selected(request, queryset):
    """The objects the user ticked (``pk``)."""
    pks = [pk for pk in request.POST.getlist("pk") if pk.isdigit()]
    return queryset.filter(pk__in=pks)


class BulkView(ModelPermissionMixin, View):
    """What bulk edit and bulk delete share: the ticked objects, where to go back, the page."""

    queryset = None
    template_name = ""

    def page(self, request, objects, return_url, **extra):
        context = {
            "objects": objects,
            "return_url": return_url,
            "verbose_name_plural": self.queryset.model._meta.verbose_name_plural,
            **extra,
        }
        return render(request, self.template_name, context)

    def post(self, request):
        model = self.queryset.model
        if not scopes.may_change(scopes.scope_of(request), model):
            self.check_scope()  # shared data: 403 naming the scope
        objects = list(selected(request, self.scoped()))
        return_url = safe_return_url(request, reverse(url_name(model, "list")))
        if not objects:
            messages.warning(request, _("Nothing selected."))
            return HttpResponseRedirect(return_url)
        return self.handle(request, model, objects, return_url)


class BulkEditView(BulkView):
    """Change the same fields on many objects; a blank field leaves the objects as they are.
    All or nothing: one object that would become invalid stops the whole change."""

    form = None  # a plain Form whose fields are all optional; cleaned values != None are applied
    action = "change"
    template_name = "werterhalt/bulk_edit.html"

    def make_form(self, *args, **kwargs):
        form = self.form(*args, **kwargs)
        scopes.restrict_choices(form.fields, scopes.scope_of(self.request))
        return form

    def apply(self, obj, data: dict) -> None:
        for field, value in data.items():
            setattr(obj, field, value)

    def handle(self, request, model, objects, return_url):
        if "_apply" not in request.POST:
            return self.page(request, objects, return_url, form=self.make_form())
        form = self.make_form(request.POST)
        if not form.is_valid():
            return self.page(request, objects, return_url, form=form)
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "", [])}
        errors = []
        with transaction.atomic():
            for obj in objects:
                self.apply(obj, data)
                try:
                    obj.full_clean()
                except ValidationError as exc:  # report every object, write none
                    errors.append(f"{obj}: {'; '.join(exc.messages)}")
                    continue
                obj.save()
            if errors:
                transaction.set_rollback(True)
        if errors:
            for error in errors[:20]:
                messages.error(request, error)
            messages.error(request, _("Nothing was changed."))
            return self.page(request, objects, return_url, form=form)
        messages.success(
            request, done(_("Changed %(kind)s “%(obj)s”."), _("Changed %(n)d %(kinds)s."), model, objects)
        )
        return HttpResponseRedirect(return_url)


class BulkDeleteView(BulkView):
    action = "delete"
    template_name = "werterhalt/bulk_delete.html"

    def handle(self, request, model, objects, return_url):
        if "_confirm" not in request.POST:
            return self.page(request, objects, return_url)
        try:
            with transaction.atomic():
                for obj in objects:
                    obj.delete()
        except ProtectedError as exc:
            names = ", ".join(sorted({str(o) for o in exc.protected_objects})[:10])
            messages.error(
                request, _("Some are still used by: %(names)s. Nothing was deleted.") % {"names": names}
            )
            return HttpResponseRedirect(return_url)
        messages.success(
            request, done(_("Deleted %(kind)s “%(obj)s”."), _("Deleted %(n)d %(kinds)s."), model, objects)
        )
        return HttpResponseRedirect(return_url)


class TablePreferenceView(View):
    """Remember a user's columns and page size for one table."""

    def post(self, request):
        table_name = request.POST.get("table", "")[:100]
        pref, _created = UserPreference.objects.get_or_create(user=request.user)
        if "_reset" in request.POST:
            pref.data.get("tables", {}).pop(table_name, None)
        else:
            entry = {"columns": request.POST.getlist("columns")[:100]}
            if (
                request.POST.get("per_page", "").isdigit()
                and int(request.POST["per_page"]) in PER_PAGE_CHOICES
            ):
                entry["per_page"] = int(request.POST["per_page"])
            pref.set(f"tables.{table_name}", entry)
        pref.save()
        return HttpResponseRedirect(safe_return_url(request, reverse("home")))
