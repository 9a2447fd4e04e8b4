"""The base viewsets: filter set, ordering by the API's field names, ``?brief=1``, writes in one
transaction attributed to the token or person in the change log, and 409 for a delete that other
objects prevent."""

import contextlib

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, filters, mixins, permissions, serializers, status, viewsets
from rest_framework.settings import api_settings

from inventory.changelog import change_actor
from inventory.choices import ActorKind
from inventory.models import Token

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
    filter_backends = [DjangoFilterBackend, OrderingFilter]

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

    def write(self, action):
        with self.actor():
            try:
                with transaction.atomic():
                    return action()
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
