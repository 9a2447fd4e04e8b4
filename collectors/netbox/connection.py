"""Where NetBox is and how to ask it: the secrets file's ``netbox`` block (url, token, ca_file) or
NETBOX_URL / NETBOX_TOKEN, like device passwords; the command line's ``--filter key=value``."""

from __future__ import annotations

from django.conf import settings

from collectors import hosts as host_sources
from collectors.netbox.client import NetBoxClient, check_url

# NetBox's device filters a pull or a discovery may be narrowed by (its own names; values are slugs
# or names as NetBox's filter takes them). Several values of one key: any of them.
FILTER_KEYS = (
    "site",
    "site_id",
    "region",
    "site_group",
    "location",
    "tenant",
    "tenant_group",
    "role",
    "status",
    "platform",
    "manufacturer",
    "device_type",
    "tag",
    "name",
    "serial",
    "q",
)


class NotConfigured(Exception):
    """No NetBox URL or token, or one that is not a URL."""


def parse_filters(items: list[str] | tuple[str, ...]) -> dict[str, list[str]]:
    """``["site=zentrale", "role=core", "role=access"]`` → ``{"site": [...], "role": [...]}``;
    ValueError naming the item that is not ``key=value`` with a known key."""
    filters: dict[str, list[str]] = {}
    for item in items:
        key, sep, value = str(item).partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise ValueError(f"filter {item!r}: expected key=value, e.g. site=zentrale")
        if key not in FILTER_KEYS:
            raise ValueError(f"filter {item!r}: unknown key {key!r}; known: {', '.join(FILTER_KEYS)}")
        filters.setdefault(key, []).append(value)
    return filters


def add_filter_argument(parser, help_text: str) -> None:
    """``--filter KEY=VALUE …`` (repeatable) for the commands that select NetBox's devices."""
    parser.add_argument(
        "--filter",
        dest="filters",
        nargs="+",
        action="extend",
        default=[],
        metavar="KEY=VALUE",
        help=f"{help_text} (NetBox's filters; a key twice: any of its values; "
        f"keys: {', '.join(FILTER_KEYS)})",
    )


def describe(filters: dict[str, list[str]]) -> str:
    return " ".join(f"{k}={v}" for k, values in filters.items() for v in values)


def run_source(what: str, url: str, filter_text: str = "") -> str:
    """A pull's or push's run source ("NetBox pull <url> (site=…)"), wherever the run is made."""
    return (f"NetBox {what} {url}".rstrip() + (f" ({filter_text})" if filter_text else ""))[:250]


def client(credentials: host_sources.Credentials | None = None) -> NetBoxClient:
    """A client for the configured NetBox; NotConfigured says what is missing."""
    creds = credentials if credentials is not None else host_sources.load_credentials()
    block = creds.netbox or {}
    url, token = block.get("url") or "", block.get("token") or ""
    if not url or not token:
        missing = " and ".join(k for k, v in (("url", url), ("token", token)) if not v)
        raise NotConfigured(
            f"NetBox is not configured: no {missing}. Put a netbox block (url, token) in the secrets "
            "file (DEVICE_SECRETS_FILE) or set NETBOX_URL and NETBOX_TOKEN."
        )
    try:
        check_url(url)
    except ValueError as e:
        raise NotConfigured(str(e)) from None
    return NetBoxClient(
        url,
        token,
        timeout=settings.NETBOX_TIMEOUT,
        verify=block.get("ca_file") or True,
        page_size=settings.NETBOX_PAGE_SIZE,
        workers=settings.NETBOX_WORKERS,
    )


def configured_url(credentials: host_sources.Credentials | None = None) -> str:
    """The URL (never the token) for pages and status, or ""."""
    try:
        creds = credentials if credentials is not None else host_sources.load_credentials()
    except host_sources.InventoryError:
        return ""
    return (creds.netbox or {}).get("url", "")
