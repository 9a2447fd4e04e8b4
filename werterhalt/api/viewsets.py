"""The base viewsets: filter set, ordering by the API's field names, ``?brief=1``, writes in one
transaction attributed to the token or person in the change log, and 409 for a delete that other
objects prevent."""

import contextlib

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, filters, mixins, permissions, serializers, status, viewsets
from rest_framework.settings import api_settings

from inventory import scopes
from inventory.changelog import change_actor
from inventory.choices import ActorKind
from inventory.models import Token
from werterhalt.forms import MAX_ID

BRIEF = OpenApiParameter(
    "brief", OpenApiTypes.BOOL, description="Only id, url, display and the natural key fields."
)
TRUE = {"1", "true", "yes", "on"}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Other objects still refer to this one.")
    default_code = "conflict"


class OrderingFilter(filters.OrderingFilter):
    """``?ordering=`` with the API's field names (``-replacement_due,name``), each mapped to its
    source (``lifecycle__replacement_due``); lists of related objects cannot be sorted by."""

    def sortable(self, view) -> dict[str, str]:
        # the full serializer's fields, also when ?brief=1 shows fewer of them
        serializer_class = getattr(view, "serializer_class", None) or view.get_serializer_class()
        serializer = serializer_class(context={"request": None, "view": view})
        return {
            name: field.source.replace(".", "__")
            for name, field in serializer.fields.items()
            if not field.write_only and field.source != "*" and not isinstance(
                field, serializers.ManyRelatedField | serializers.ListSerializer)
        }

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if not params:
            return self.get_default_ordering(view)
        sortable = self.sortable(view)
        ordering = []
        for term in (t.strip() for t in params.split(",")):
            name = term.removeprefix("-")
            if name in sortable:
                ordering.append(("-" if term.startswith("-") else "") + sortable[name])
        # the primary key last keeps pages stable when the chosen fields tie
        return [*ordering, "pk"] if ordering else self.get_default_ordering(view)

    def get_schema_operation_parameters(self, view):
        names = ", ".join(sorted(self.sortable(view)))
        return [{
            "name": self.ordering_param, "required": False, "in": "query",
            "description": f"Sort by these fields, comma separated, `-` for descending: {names}.",
            "schema": {"type": "string"},
        }]


class BaseViewSet(viewsets.GenericViewSet):
    """Reads through the request's scope (``inventory.scopes``: the user's, narrowed by the
    token), and refuses every change outside it while the request runs."""

    filter_backends = [DjangoFilterBackend, OrderingFilter]

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False) or not hasattr(queryset, "restrict"):
            return queryset
        return queryset.restrict(scopes.scope_of(self.request))

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authenticates: the token is known from here
        self._scope_token = scopes.set_enforced(scopes.scope_of(request))

    def finalize_response(self, request, response, *args, **kwargs):
        token = getattr(self, "_scope_token", None)
        if token is not None:
            scopes.reset_enforced(token)
            self._scope_token = None
        return super().finalize_response(request, response, *args, **kwargs)

    def get_object(self):
        """For a change: an object that exists outside the scope is a 403 naming the scope (a read
        finds nothing there: 404)."""
        try:
            return super().get_object()
        except Http404:
            scope = scopes.scope_of(self.request)
            if self.request.method in permissions.SAFE_METHODS or scope.everything:
                raise
            key = str(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, ""))
            model = self.queryset.model
            if key.isdigit() and int(key) <= MAX_ID and model._default_manager.filter(pk=int(key)).exists():
                what = _("this %(kind)s is outside it.") % {"kind": model._meta.verbose_name}
                raise exceptions.PermissionDenied(str(scopes.OutOfScope(scope, what))) from None
            raise

    def check_object_permissions(self, request, obj):
        super().check_object_permissions(request, obj)
        if request.method not in permissions.SAFE_METHODS:
            try:
                scopes.check_object(scopes.scope_of(request), obj, obj)
            except scopes.OutOfScope as exc:
                raise exceptions.PermissionDenied(str(exc)) from None

    @property
    def brief(self) -> bool:
        request = getattr(self, "request", None)
        return (request is not None and request.method in permissions.SAFE_METHODS
                and request.query_params.get("brief", "").lower() in TRUE)

    def get_serializer_class(self):
        serializer_class = super().get_serializer_class()
        return serializer_class.brief_class() if self.brief else serializer_class


class ReadOnlyModelViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, BaseViewSet):
    """For what the product writes itself: the change log, discovery runs."""

    @extend_schema(parameters=[BRIEF])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(parameters=[BRIEF])
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)


class ModelViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin, ReadOnlyModelViewSet
):
    def perform_create(self, serializer):
        self.write(serializer.save)

    def perform_update(self, serializer):
        self.write(serializer.save)

    def perform_destroy(self, instance):
        self.write(instance.delete)

    def actor(self):
        """The change log's actor: the token, or the person (the middleware sees only sessions)."""
        token, user = self.request.auth, self.request.user
        if isinstance(token, Token):
            return change_actor(ActorKind.TOKEN, f"token {token.prefix}…", user=token.user)
        if user.is_authenticated:
            return change_actor(ActorKind.USER, user.get_username(), user=user)
        return contextlib.nullcontext()

    def create(self, request, *args, **kwargs):
        """Adding shared data (manufacturers, models…) is for unscoped users: 403 naming the
        scope, before the body is even validated."""
        scope = scopes.scope_of(request)
        model = self.get_queryset().model
        if not scopes.may_change(scope, model, adding=True):
            try:
                scopes.check_object(scope, model(), adding=True)
            except scopes.OutOfScope as exc:
                raise exceptions.PermissionDenied(str(exc)) from None
        return super().create(request, *args, **kwargs)

    def write(self, action):
        with self.actor():
            try:
                with transaction.atomic():
                    return action()
            except scopes.OutOfScope as exc:
                raise exceptions.PermissionDenied(str(exc)) from None
            except (ProtectedError, RestrictedError) as exc:
                raise Conflict(self.conflict_message(exc)) from None
            except IntegrityError as exc:  # a race past validate(): still the client's problem
                message = _("The database refused the change: %(error)s") % {"error": exc}
                raise exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [message]}) from None

    @staticmethod
    def conflict_message(exc) -> str:
        blockers = getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", ())
        counts: dict[type, int] = {}
        for obj in blockers:
            counts[type(obj)] = counts.get(type(obj), 0) + 1
        found = ", ".join(
            f"{n} {model._meta.verbose_name if n == 1 else model._meta.verbose_name_plural}"
            for model, n in sorted(counts.items(), key=lambda item: item[0]._meta.label)
        )
        return _("Cannot delete: still referred to by %(objects)s.") % {"objects": found}
