"""Who may call what.

Model endpoints use the Django model permissions of the user's groups (``inventory.roles``),
reading included (``view_<model>``). A token that is not write-enabled may only read, whatever
its user may do.
"""

from rest_framework import permissions

from inventory.models import Token

VIEW = ["%(app_label)s.view_%(model_name)s"]


def token_allows(request) -> bool:
    """False for an unsafe method sent with a read-only token."""
    if request.method in permissions.SAFE_METHODS:
        return True
    return not isinstance(request.auth, Token) or request.auth.write_enabled


class TokenModelPermissions(permissions.DjangoModelPermissions):
    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": VIEW,
        "OPTIONS": VIEW,
        "HEAD": VIEW,
    }

    def has_permission(self, request, view) -> bool:
        return token_allows(request) and super().has_permission(request, view)


class IsAuthenticated(permissions.IsAuthenticated):
    """Any signed-in user (for their own things, e.g. tokens); read-only tokens only read."""

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and token_allows(request)
