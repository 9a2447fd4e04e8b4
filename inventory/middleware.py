from inventory.changelog import change_actor
from inventory.choices import ActorKind


class ChangeActorMiddleware:
    """Attribute the changes of a signed-in person's request to that person."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        with change_actor(ActorKind.USER, user.get_username(), user=user):
            return self.get_response(request)


class ScopeMiddleware:
    """Enforce a signed-in person's scope (``inventory.scopes``) for the whole request: every
    change outside it is refused. A scoped person has no administration site (it shows whole
    tables). API tokens are enforced by the API's viewsets, which know the token."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.core.exceptions import PermissionDenied
        from django.utils.translation import gettext as _

        from inventory import scopes

        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        scope = scopes.scope_of(request)
        if not scope.everything and request.path_info.startswith("/admin/"):
            from django.views.defaults import permission_denied

            return permission_denied(request, PermissionDenied(
                _("Your access is limited to %(scope)s: the administration shows the whole city.")
                % {"scope": scope}))
        with scopes.enforcing(scope):
            return self.get_response(request)
