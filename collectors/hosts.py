"""Which devices to talk to, and with which credentials: Nornir inventories.

Two sources: a standard Nornir SimpleInventory folder (hosts.yaml, groups.yaml, defaults.yaml)
and the Django inventory itself (assets with a management address and a platform that has a
NAPALM driver). Credentials never come from the database: from the environment
(DEVICE_USERNAME / DEVICE_PASSWORD / DEVICE_ENABLE_SECRET) or a secrets file named in settings
(DEVICE_SECRETS_FILE), YAML of the form::

    default: {username: netops, password: "...", secret: "..."}
    groups:  {nexus: {username: admin, password: "..."},
              snmp: {snmp: {version: "3", user: inventory, auth_key: "...", priv_key: "...",
                            auth_protocol: SHA256, priv_protocol: AES}}}
    hosts:   {core-1: {password: "..."}, ups-3: {snmp: {version: "2c", community: "..."}}}

SNMP hosts (platform ``snmp``) take the ``snmp`` mapping of the blocks that apply, with the group
``snmp`` before their own groups; a more specific block's mapping replaces a general one whole (a
host's v2c community is not mixed with the group's v3 user). Version 3 means authPriv.

A host in the inventory folder that carries its own username/password keeps them.

Which addresses discovery may connect to at all: DISCOVERY_ALLOW (or ``discover --allow``), a
list of prefixes. Every target - from a folder, from the database, from a schedule, found by a
crawl - is checked by ``refusal`` before any packet is sent to it; a DNS name is resolved once
and every address it resolves to must lie inside. An empty list allows every address (installs
from before the setting); ``collectors.checks`` warns about that.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.conf import settings
from nornir.core.inventory import ConnectionOptions, Defaults, Groups, Host, Hosts, Inventory
from nornir.plugins.inventory.simple import SimpleInventory
from ruamel.yaml.error import YAMLError as RuamelYAMLError

from collectors.normalize import SUPPORTED_DRIVERS


class InventoryError(Exception):
    """The host list or the secrets cannot be read; the message says which file and why."""


NOT_ALLOWED = "not allowed"  # DiscoveryHost.reason (HostReason.NOT_ALLOWED) of a target outside the prefixes

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def allowed_networks(prefixes: Iterable[str], what: str = "DISCOVERY_ALLOW") -> list[Network]:
    """The allowed prefixes as networks; InventoryError naming the one that is not a prefix (a
    typo must not widen nor silently narrow what discovery reaches: the run does not start)."""
    if isinstance(prefixes, str):
        raise InventoryError(f"{what} must be a list of prefixes, not the string {prefixes!r}")
    networks = []
    for p in prefixes:
        try:
            networks.append(ipaddress.ip_network(str(p).strip(), strict=False))
        except ValueError:
            raise InventoryError(f"{what}: {p!r} is not an IP prefix (e.g. 10.20.0.0/16)") from None
    return networks


def _resolve(name: str) -> list[str]:
    return [info[4][0] for info in socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)]


def refusal(
    hostname: str,
    networks: list[Network],
    resolve: Callable[[str], list[str]] = _resolve,
) -> str:
    """Why discovery must not connect to ``hostname`` (the host's address as the connection
    uses it), or "" when it may. No networks: every address may be reached. An IP address must
    lie inside one of ``networks``; a DNS name is resolved (once) and every address it resolves
    to must lie inside; a name that does not resolve is refused."""
    if not networks:
        return ""
    name = str(hostname or "").strip()
    shown = ", ".join(str(n) for n in networks)
    if len(shown) > 200:
        shown = shown[:200] + "..."
    if not name:
        return "no address to check against the allowed prefixes: not contacted"
    try:
        addresses = [ipaddress.ip_address(name)]
        resolved = False
    except ValueError:
        try:
            found = resolve(name)
        except (OSError, UnicodeError) as exc:  # socket.gaierror is an OSError
            return f"{name[:100]} could not be resolved ({exc}): not contacted"
        addresses = []
        for a in found:
            with contextlib.suppress(ValueError):
                addresses.append(ipaddress.ip_address(str(a).split("%", 1)[0]))
        if not addresses:
            return f"{name[:100]} resolved to no address: not contacted"
        resolved = True
    outside = [a for a in addresses if not any(a.version == n.version and a in n for n in networks)]
    if not outside:
        return ""
    if resolved:
        return (
            f"{name[:100]} resolves to {', '.join(map(str, outside[:5]))}, outside the allowed "
            f"prefixes ({shown}): not contacted"
        )
    return f"{name} is outside the allowed prefixes ({shown}): not contacted"


SNMP_KEYS = frozenset(
    {"version", "community", "user", "auth_key", "priv_key", "auth_protocol", "priv_protocol", "context"}
)
SNMP_SECRET_KEYS = ("community", "auth_key", "priv_key")


def _check_snmp(snmp, where: str) -> None:
    """An ``snmp`` mapping of the secrets file: known keys, a version, what the version needs.
    Errors name the place and the key, never a value."""
    if not isinstance(snmp, dict):
        raise InventoryError(f"{where} must be a mapping (version, community or user and keys)")
    unknown = set(snmp) - SNMP_KEYS
    if unknown:
        raise InventoryError(f"{where} has unknown keys {sorted(map(str, unknown))}")
    version = str(snmp.get("version", "2c"))
    if version not in ("2c", "3"):
        raise InventoryError(f"{where}: version must be 2c or 3")
    needed = ("community",) if version == "2c" else ("user", "auth_key", "priv_key")
    missing = [k for k in needed if not snmp.get(k)]
    if missing:
        raise InventoryError(
            f"{where}: SNMP version {version} needs {', '.join(missing)}"
            + (" (version 3 is used with authentication and privacy only)" if version == "3" else "")
        )


NETBOX_KEYS = {"url", "token", "ca_file"}


@dataclass
class Credentials:
    default: dict = field(default_factory=dict)
    groups: dict = field(default_factory=dict)
    hosts: dict = field(default_factory=dict)
    netbox: dict = field(default_factory=dict)  # url, token, ca_file (collectors.netbox.connection)

    def for_host(self, name: str, groups: list[str] = ()) -> dict:
        creds = dict(self.default)
        for g in groups:
            creds.update(self.groups.get(g) or {})
        creds.update(self.hosts.get(name) or {})
        return creds

    def secrets(self) -> set[str]:
        """Every password and secret (SNMP communities and keys too), for scrubbing messages."""
        values = set()
        for block in [self.default, *self.groups.values(), *self.hosts.values()]:
            for key in ("password", "secret"):
                if block and block.get(key):
                    values.add(str(block[key]))
            snmp = (block or {}).get("snmp") or {}
            values |= {str(snmp[k]) for k in SNMP_SECRET_KEYS if snmp.get(k)}
        if self.netbox.get("token"):
            values.add(str(self.netbox["token"]))
        return values

    def __repr__(self) -> str:  # never print what it holds
        return f"Credentials(hosts={len(self.hosts)}, groups={len(self.groups)})"


def load_credentials(secrets_file: str | os.PathLike | None = None, env=None) -> Credentials:
    env = os.environ if env is None else env
    path = secrets_file or getattr(settings, "DEVICE_SECRETS_FILE", "") or ""
    creds = Credentials()
    if path:
        p = Path(path)
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except FileNotFoundError:
            raise InventoryError(f"secrets file {p} does not exist") from None
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark else ""
            # the YAML error text can quote the file's content: say where, never what
            raise InventoryError(f"secrets file {p} is not valid YAML{where}") from None
        if not isinstance(data, dict) or not set(data) <= {"default", "groups", "hosts", "netbox"}:
            raise InventoryError(f"secrets file {p}: expected the keys default, groups, hosts, netbox")
        netbox = data.get("netbox")
        if netbox is not None:
            if not isinstance(netbox, dict):
                raise InventoryError(f"secrets file {p}: 'netbox' must be a mapping of url/token/ca_file")
            unknown = set(netbox) - NETBOX_KEYS
            if unknown:
                raise InventoryError(f"secrets file {p}: netbox has unknown keys {sorted(map(str, unknown))}")
            for key in NETBOX_KEYS:
                if netbox.get(key) is not None and not isinstance(netbox[key], str):
                    raise InventoryError(f"secrets file {p}: netbox.{key} must be a string")
        for key in ("default", "groups", "hosts"):
            if data.get(key) is not None and not isinstance(data[key], dict):
                raise InventoryError(f"secrets file {p}: {key!r} must be a mapping")
        entries = [("default", data.get("default"))]
        for key in ("groups", "hosts"):
            entries += [(f"{key}.{name}", entry) for name, entry in (data.get(key) or {}).items()]
        for where, entry in entries:
            # never quote the value: it may be a password written in the wrong place
            if entry is not None and not isinstance(entry, dict):
                raise InventoryError(
                    f"secrets file {p}: {where} must be a mapping of username/password/secret"
                )
            unknown = set(entry or {}) - {"username", "password", "secret", "snmp"}
            if unknown:
                raise InventoryError(
                    f"secrets file {p}: {where} has unknown keys {sorted(map(str, unknown))}"
                )
            if entry and entry.get("snmp") is not None:
                _check_snmp(entry["snmp"], f"secrets file {p}: {where}.snmp")
        creds = Credentials(
            data.get("default") or {}, data.get("groups") or {}, data.get("hosts") or {}, dict(netbox or {})
        )
        if p.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            import logging

            logging.getLogger(__name__).warning("secrets file %s is readable by others (chmod 600 it)", p)
    for key, var in (
        ("username", "DEVICE_USERNAME"),
        ("password", "DEVICE_PASSWORD"),
        ("secret", "DEVICE_ENABLE_SECRET"),
    ):
        if env.get(var):
            creds.default[key] = env[var]
    for key, var in (("url", "NETBOX_URL"), ("token", "NETBOX_TOKEN")):
        if env.get(var):
            creds.netbox[key] = env[var]
    return creds


def napalm_extras(driver: str, creds: dict | None = None, port: int | None = None) -> dict:
    """NAPALM constructor arguments for a driver, with the timeouts from settings."""
    timeout = settings.DISCOVERY_TIMEOUT
    optional = {
        "conn_timeout": timeout,
        "auth_timeout": timeout,
        "banner_timeout": timeout,
        # a busy device may take long to print a big table; netmiko's default is 10 s
        "read_timeout_override": settings.DISCOVERY_COMMAND_TIMEOUT,
    }
    if driver == "eos":
        optional["transport"] = "ssh"
    if creds and creds.get("secret"):
        optional["secret"] = creds["secret"]
    if driver == "junos":
        optional = {}
    if port:
        optional["port"] = port
    return {"timeout": max(timeout * 2, 10), "optional_args": optional}


def _apply(host: Host, creds: Credentials, extra_groups: tuple[str, ...] = ()) -> None:
    if host.platform == SNMP_PLATFORM:
        _apply_snmp(host, creds, extra_groups)
        return
    c = creds.for_host(host.name, [*extra_groups, *(g.name for g in host.groups)])
    if not host.username and c.get("username"):
        host.username = c["username"]
    if not host.password and c.get("password"):
        host.password = c["password"]
    opts = host.connection_options.get("napalm") or ConnectionOptions()
    extras = napalm_extras(host.platform or "", c, host.port)
    given = opts.extras or {}
    extras["optional_args"].update(given.get("optional_args") or {})
    extras.update({k: v for k, v in given.items() if k != "optional_args"})
    opts.extras = extras
    host.connection_options["napalm"] = opts


SNMP_PLATFORM = "snmp"  # the platform of hosts read over SNMP (``collectors.tasks.read_snmp``)


def _apply_snmp(host: Host, creds: Credentials, extra_groups: tuple[str, ...] = ()) -> None:
    """An SNMP host's settings, in its connection options ``snmp``: the secrets file's ``snmp``
    mapping (group ``snmp`` first, then the host's groups and the host), over which the inventory
    may set what is not secret (version, port, protocols, context)."""
    groups = [SNMP_PLATFORM, *extra_groups, *(g.name for g in host.groups)]
    snmp = dict(creds.for_host(host.name, list(dict.fromkeys(groups))).get("snmp") or {})
    opts = host.connection_options.get(SNMP_PLATFORM) or ConnectionOptions()
    given = {k: v for k, v in (opts.extras or {}).items() if k not in SNMP_SECRET_KEYS}
    opts.extras = {**snmp, **given}
    host.connection_options[SNMP_PLATFORM] = opts


def from_folder(folder: str | os.PathLike, creds: Credentials) -> Inventory:
    """A Nornir SimpleInventory folder, with credentials applied."""
    d = Path(folder)
    if not (d / "hosts.yaml").is_file():
        raise InventoryError(f"{d} is not a Nornir inventory folder: {d / 'hosts.yaml'} is missing")
    try:
        inv = SimpleInventory(
            host_file=str(d / "hosts.yaml"),
            group_file=str(d / "groups.yaml"),
            defaults_file=str(d / "defaults.yaml"),
        ).load()
    except (yaml.YAMLError, RuamelYAMLError) as e:  # SimpleInventory reads with ruamel.yaml
        mark = getattr(e, "problem_mark", None)
        where = f" ({Path(mark.name).name} line {mark.line + 1})" if mark else ""
        raise InventoryError(f"{d}: invalid YAML{where}: {getattr(e, 'problem', None) or e}") from None
    except KeyError as e:
        raise InventoryError(
            f"{d}: a host or group names the group {e}, which groups.yaml does not define"
        ) from None
    except (TypeError, AttributeError) as e:
        raise InventoryError(f"{d}: not a valid SimpleInventory ({type(e).__name__}: {e})") from None
    for host in inv.hosts.values():
        if not host.hostname:
            host.hostname = host.name
        _apply(host, creds)
    return inv


def make_host(
    name: str,
    address: str,
    driver: str,
    creds: Credentials,
    port: int | None = None,
    cred_groups: tuple[str, ...] = (),
) -> Host:
    """A host outside any inventory folder; ``cred_groups`` name the secrets file's groups whose
    credentials apply (servers from the database take the group ``bmc``)."""
    host = Host(name=name, hostname=address, port=port, platform=driver, defaults=Defaults())
    _apply(host, creds, cred_groups)
    return host


def from_hosts(hosts: list[Host]) -> Inventory:
    return Inventory(hosts=Hosts({h.name: h for h in hosts}), groups=Groups(), defaults=Defaults())


REDFISH_PLATFORM = "redfish"  # the platform slug discovery gives servers read through their BMC


def host_for(name: str, address: str, driver: str, creds: Credentials) -> Host:
    """A host read with ``driver`` on the port and with the credentials discovery uses for it:
    servers (``redfish``) through their BMC on DISCOVERY_BMC_PORT with the secrets file's group
    ``bmc`` and TLS verified against DISCOVERY_BMC_CA_FILE (or the system's CA bundle), SNMP
    devices (``snmp``) on DISCOVERY_SNMP_PORT, the others over SSH on DISCOVERY_SSH_PORT. For the
    hosts of the database and of NetBox (``collectors.netbox.seeds``) alike."""
    if driver == REDFISH_PLATFORM:
        host = make_host(name, address, REDFISH_PLATFORM, creds, port=settings.DISCOVERY_BMC_PORT,
                         cred_groups=("bmc",))
        if settings.DISCOVERY_BMC_CA_FILE:
            host.data["ca_file"] = settings.DISCOVERY_BMC_CA_FILE
        return host
    if driver == SNMP_PLATFORM:
        return make_host(name, address, SNMP_PLATFORM, creds, port=settings.DISCOVERY_SNMP_PORT)
    return make_host(name, address, driver, creds, port=settings.DISCOVERY_SSH_PORT)


def from_database(creds: Credentials, queryset=None) -> Inventory:
    """Assets with a management address and a platform discovery can talk to (not decommissioned):
    network devices whose platform has a NAPALM driver, devices whose platform was learnt over
    SNMP (driver ``snmp``) and servers (platform ``redfish``), each as ``host_for`` reaches it."""
    from django.db.models import Q

    from inventory.choices import AssetStatus
    from inventory.models import Asset

    qs = queryset if queryset is not None else Asset.objects.all()
    qs = (
        qs.exclude(status=AssetStatus.DECOMMISSIONED)
        .filter(management_address__isnull=False)
        .filter(
            Q(platform__napalm_driver__in=[*SUPPORTED_DRIVERS, SNMP_PLATFORM])
            | Q(platform__slug=REDFISH_PLATFORM)
        )
        .select_related("platform")
        .order_by("name", "pk")
    )
    hosts: dict[str, Host] = {}
    for asset in qs:
        name = asset.name if asset.name not in hosts else f"{asset.name}#{asset.pk}"
        driver = REDFISH_PLATFORM if asset.platform.slug == REDFISH_PLATFORM else asset.platform.napalm_driver
        hosts[name] = host_for(name, asset.management_address, driver, creds)
    return from_hosts(list(hosts.values()))
