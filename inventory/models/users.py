"""Per-user things: API tokens and UI preferences (table columns, page size)."""

from __future__ import annotations

import hashlib
import ipaddress
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX = "wht_"  # noqa: S105 - marks a key as ours, not a secret


def token_digest(key: str) -> str:
    """What is stored of a token: its SHA-256. Keys are 256 random bits, so no salt or slow hash is
    needed to make a stolen table useless."""
    return hashlib.sha256(key.encode()).hexdigest()


def parse_networks(text: str) -> list:
    """Comma-separated prefixes as networks (host bits allowed: 10.1.2.3/8 is 10.0.0.0/8), or
    ``ValueError`` naming the one that is not a prefix."""
    networks = []
    for part in (p.strip() for p in (text or "").split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(_("“%(part)s” is not an address or prefix") % {"part": part}) from None
    return networks


class Token(models.Model):
    """An API token. The key is shown once, when it is made; the database keeps only its hash."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    prefix = models.CharField(_("key begins with"), max_length=12, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    write_enabled = models.BooleanField(
        _("write enabled"), default=False,
        help_text=_("Without it the token can only read, whatever its user may do."),
    )
    expires = models.DateTimeField(_("expires"), null=True, blank=True)
    allowed_networks = models.CharField(
        _("allowed networks"), max_length=1000, blank=True,
        help_text=_("Comma-separated prefixes (10.20.0.0/16, 2001:db8::/32) the token may be used "
                    "from; empty: anywhere."),
    )
    org_units = models.ManyToManyField(
        "inventory.OrgUnit", verbose_name=_("limited to"), blank=True, related_name="+",
        help_text=_("The token sees and changes only these units and the units below them, within "
                    "what its user may; empty: whatever its user may."),
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created", "pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def issue(
        cls, user, *, description: str = "", write_enabled: bool = False, expires=None,
        allowed_networks: str = "",
    ) -> tuple[Token, str]:
        """Make a token; return it and its key (the only time the key exists outside the client)."""
        key = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, description=description, write_enabled=write_enabled, expires=expires,
            allowed_networks=", ".join(str(n) for n in parse_networks(allowed_networks)),
            prefix=key[: len(TOKEN_PREFIX) + 8], digest=token_digest(key),
        )
        return token, key

    def networks(self) -> list:
        return parse_networks(self.allowed_networks)

    def allows(self, address: str) -> bool:
        """Whether the token may be used from ``address`` (any, when no networks are set)."""
        networks = self.networks()
        if not networks:
            return True
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip.version == n.version and ip in n for n in networks)

    @classmethod
    def find(cls, key: str) -> Token | None:
        """The live token with this key, or None (unknown or expired)."""
        token = cls.objects.select_related("user").filter(digest=token_digest(key)).first()
        if token is None or token.is_expired:
            return None
        return token

    @property
    def is_expired(self) -> bool:
        return self.expires is not None and self.expires <= timezone.now()


class AccessScope(models.Model):
    """The org units a user is limited to: they see and change only these units, the units below
    them and what belongs to them (``inventory.scopes``). A user without one sees everything."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
        primary_key=True, related_name="access_scope",
    )
    org_units = models.ManyToManyField(
        "inventory.OrgUnit", verbose_name=_("limited to"), blank=True, related_name="+",
        help_text=_("The user sees and changes only these units and the units below them; empty: "
                    "everything."),
    )

    class Meta:
        verbose_name = _("access scope")
        verbose_name_plural = _("access scopes")

    def __str__(self) -> str:
        return str(self.user)


class UserPreference(models.Model):
    """A user's UI settings as a small JSON document, e.g. {"tables": {"AssetTable": {...}}}."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
        primary_key=True, related_name="preference",
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("user preference")
        verbose_name_plural = _("user preferences")

    def __str__(self) -> str:
        return str(self.user)

    def get(self, path: str, default=None):
        node = self.data
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def set(self, path: str, value) -> None:
        node = self.data
        *parents, last = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
