"""``Authorization: Token <key>`` (or ``Bearer <key>``) against ``inventory.models.Token``."""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from inventory.models import Token
from inventory.models.users import token_digest

KEYWORDS = ("token", "bearer")
# last_used is a hint for people cleaning up tokens, not an audit trail: one write a minute is enough
LAST_USED_INTERVAL = dt.timedelta(minutes=1)


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or behind a reverse proxy (``BEHIND_PROXY``) the last
    address of X-Forwarded-For — the one the proxy itself added."""
    if settings.BEHIND_PROXY:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR", "")


class TokenAuthentication(authentication.BaseAuthentication):
    """Returns ``(token.user, token)``: ``request.auth`` is the Token, so permissions can tell a
    read-only token from a write-enabled one."""

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].decode(errors="replace").lower() not in KEYWORDS:
            return None  # not ours: session authentication may still apply
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid Authorization header: expected “Token <key>”, without spaces in the key."))
        try:
            key = parts[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token: the key is not text.")) from None
        token = Token.find(key)
        if token is None:
            if Token.objects.filter(digest=token_digest(key)).exists():
                raise exceptions.AuthenticationFailed(_("Token expired."))
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The token's user is inactive."))
        if not token.allows(client_address(request)):
            raise exceptions.AuthenticationFailed(_("This token may not be used from this address."))
        self.touch(token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        # makes DRF answer 401 (with WWW-Authenticate) rather than 403 to unauthenticated requests
        return "Token"

    @staticmethod
    def touch(token: Token) -> None:
        now = timezone.now()
        if token.last_used is None or now - token.last_used >= LAST_USED_INTERVAL:
            Token.objects.filter(pk=token.pk).update(last_used=now)
            token.last_used = now


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describes the token header in the OpenAPI schema."""

    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>` (or `Bearer <key>`); keys are made on the Tokens page "
            "or with `manage.py create_token`.",
        }
