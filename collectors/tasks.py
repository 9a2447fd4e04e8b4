"""Nornir tasks that talk to devices, and the classification of what went wrong.

Floor 1: no Django. A task returns the raw getter outputs turned into ``DeviceFacts``
(``collectors.normalize``) or a ``Failure`` with a classified reason; it never raises, so one
broken host cannot stop the others, and it always closes its connection.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import errno
import functools
import io
import json
import re
import socket
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from nornir.core.task import Result, Task

from collectors import normalize
from collectors.normalize import DeviceFacts, UnparsableOutput


class Reason:
    """Why a host failed (values equal ``collectors.choices.HostReason``)."""

    AUTH = "auth"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"
    UNSUPPORTED = "unsupported"
    UNPARSABLE = "unparsable"
    NOT_ALLOWED = "not allowed"
    HOST_KEY_CHANGED = "host key changed"
    ERROR = "error"


class UnsupportedPlatform(Exception):
    pass


class NotAllowed(Exception):
    """A connection this installation does not allow (e.g. a BMC over plain HTTP)."""


# the OS (netutils' name, ``normalize.network_os``) -> (the command that lists the hardware, the
# text command with neighbours' management addresses); both parsed by ntc-templates
COMMANDS = {
    "cisco_ios": ("show inventory", "show lldp neighbors detail"),
    "cisco_nxos": ("show inventory", "show lldp neighbors detail"),
    "arista_eos": ("show inventory", "show lldp neighbors detail"),
    "juniper_junos": ("show chassis hardware", "show lldp neighbors"),
}


@dataclass
class Collected:
    host: str
    facts: DeviceFacts
    seconds: float
    # further devices the same host answered for (the other systems a BMC manages), each an asset
    others: list[DeviceFacts] = field(default_factory=list)


@dataclass
class Failure:
    host: str
    reason: str
    message: str
    seconds: float
    offered_key: tuple[str, str] | None = None  # (type, base64) a known host presented instead


Outcome = Collected | Failure


MASK = "********"
# text that may be base64 (a basic-auth header, a token): decoded and checked for secrets
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]{6,}={0,2}")


def _escaped_forms(secret: str) -> set[str]:
    """The ways a secret shows up in a message besides itself: escaped as in a repr (of text or
    of bytes) or in JSON, URL-encoded (as in a URL or a form body)."""
    return {
        secret,
        repr(secret)[1:-1],
        repr(secret.encode())[2:-1],  # as bytes (b'…'), non-ASCII as \xNN
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret, safe=""),
    }


def _decoded(token: str) -> str:
    padded = token + "=" * (-len(token) % 4)
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            return decode(padded).decode("utf-8", "ignore")
        except (ValueError, binascii.Error):
            continue
    return ""


def redact(message: str, secrets: Iterable[str]) -> str:
    """``message`` with every secret replaced — also in its escaped forms (repr, JSON,
    URL-encoded) and inside base64 (e.g. ``user:password`` of a basic-auth header, the whole
    base64 word is replaced). Secrets shorter than 3 characters are too ambiguous to search for
    and are never put into messages by this module anyway."""
    wanted = {s for s in secrets if s and len(s) >= 3}
    if not wanted:
        return message
    for form in sorted({f for s in wanted for f in _escaped_forms(s)}, key=len, reverse=True):
        message = message.replace(form, MASK)

    def unless_secret(match: re.Match) -> str:
        text = _decoded(match.group(0))
        return MASK if text and any(s in text for s in wanted) else match.group(0)

    return _BASE64.sub(unless_secret, message)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    while exc is not None and exc not in seen and len(seen) < 10:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def _line(e: BaseException) -> str:
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    return (lines[0] if lines else type(e).__name__)[:200]


def _classify_junos(chain: list[BaseException]) -> tuple[str, str] | None:
    """Junos (PyEZ over NETCONF) raises its own connection errors."""
    try:
        from jnpr.junos import exception as jex
    except ImportError:  # pragma: no cover - junos-eznc comes with napalm
        return None
    for e in chain:
        if isinstance(e, jex.ConnectAuthError):
            return Reason.AUTH, "authentication failed: the device refused the username or password"
        if isinstance(e, jex.ConnectTimeoutError):
            return Reason.TIMEOUT, "no NETCONF answer in time"
        if isinstance(e, jex.ConnectRefusedError | jex.ConnectUnknownHostError | jex.ConnectNotMasterError):
            return Reason.UNREACHABLE, f"NETCONF connection refused: {_line(e)}"
        if isinstance(e, jex.ConnectError):
            if "subsystem" in repr(e.__dict__).lower() or "channel closed" in str(e).lower():
                return Reason.UNSUPPORTED, "the device does not offer NETCONF over SSH (Junos: netconf ssh)"
            return Reason.UNREACHABLE, f"NETCONF connection failed: {_line(e)}"
    return None


def _classify_redfish(chain: list[BaseException]) -> tuple[str, str] | None:
    """The DMTF redfish client's and requests' exceptions, when they are in the chain."""
    try:
        import requests
        from redfish.rest.v1 import (
            InvalidCredentialsError,
            RetriesExhaustedError,
            ServerDownOrUnreachableError,
        )
    except ImportError:  # pragma: no cover - the library is a dependency
        return None
    import ssl

    # the client wraps requests' error in RetriesExhaustedError (as its context): look through it
    if any(isinstance(e, ssl.SSLCertVerificationError) for e in chain) or any(
        isinstance(e, requests.exceptions.SSLError) and "CERTIFICATE_VERIFY_FAILED" in str(e) for e in chain
    ):
        first = next(e for e in chain if isinstance(e, ssl.SSLError | requests.exceptions.SSLError))
        return Reason.ERROR, (
            "TLS: the BMC's certificate is not trusted (give the host a ca_file, or DISCOVERY_BMC_CA_FILE): "
            f"{_line(first)[:200]}"
        )
    for e in chain:
        if isinstance(e, InvalidCredentialsError):
            return Reason.AUTH, "authentication failed: the BMC refused the username or password"
        if isinstance(e, requests.exceptions.SSLError | ssl.SSLError):
            return Reason.UNREACHABLE, (
                f"TLS handshake failed (does the BMC speak HTTPS on this port?): {_line(e)[:200]}"
            )
        if isinstance(e, requests.exceptions.Timeout):
            return Reason.TIMEOUT, f"no answer in time: {_line(e)[:200]}"
        if isinstance(e, ServerDownOrUnreachableError | requests.exceptions.ConnectionError):
            return Reason.UNREACHABLE, f"the BMC did not answer: {_line(e)[:200]}"
    if any(isinstance(e, RetriesExhaustedError) for e in chain):  # no cause we know of: what to check
        return Reason.UNREACHABLE, (
            "the BMC gave no HTTP answer (check its address, port, https/http and the TLS certificate)"
        )
    return None


def read_bmc(host, timeout: int) -> list[DeviceFacts]:
    """A server through its BMC's Redfish service, with the DMTF ``redfish`` client. Host data:
    ``scheme`` (https), ``verify_tls`` (true: the certificate must chain to ``ca_file`` or the
    system's CA bundle), ``ca_file``. The client verifies TLS only when given a CA file, so one is
    always given unless the host says ``verify_tls: false``."""
    import certifi
    import redfish

    from collectors import redfish as bmc

    scheme = host.get("scheme", "https")
    if scheme != "https" and not host.get("allow_http", False):
        raise NotAllowed(
            f"{scheme}: the BMC's credentials would travel unencrypted; only https is used "
            "(DISCOVERY_BMC_ALLOW_HTTP=1 allows plain http)")
    verify = host.get("verify_tls", True)
    cafile = (host.get("ca_file") or certifi.where()) if verify else None
    port = host.port or (443 if scheme == "https" else 80)
    client = redfish.redfish_client(
        base_url=f"{scheme}://{host.hostname}:{port}",
        username=host.username,
        password=host.password,
        default_prefix=bmc.ROOT,
        cafile=cafile,
        timeout=timeout,
        max_retry=1,
    )
    try:
        client.login(auth="basic")

        def fetch(link: str) -> dict:
            try:
                path = bmc.local_path(link)
            except bmc.ForeignLink as exc:
                raise UnparsableOutput(f"the BMC linked elsewhere, not followed: {exc}") from None
            try:  # a redirect is not followed: it could lead to another host
                response = client._rest_request(path, method="GET", allow_redirects=False)
            except ValueError:
                raise UnparsableOutput(f"{path}: the BMC's answer is not JSON") from None
            if 300 <= response.status < 400:
                raise UnparsableOutput(f"{path}: the BMC redirected (HTTP {response.status}); not followed")
            if response.status == 401:
                from redfish.rest.v1 import InvalidCredentialsError

                raise InvalidCredentialsError(f"{path}: HTTP 401")
            if response.status == 404:  # a missing part is skipped by read_systems, not fatal
                raise bmc.NotFound(path)
            if response.status != 200:
                raise UnparsableOutput(f"{path}: HTTP {response.status} from the BMC")
            if not isinstance(response.dict, dict):
                raise UnparsableOutput(f"{path}: the BMC's answer is not a JSON object")
            return response.dict

        return bmc.read_systems(fetch)
    finally:
        with contextlib.suppress(Exception):
            client.logout()


class NoCredentials(Exception):
    """The secrets file gives this host nothing to log in with."""


def _snmp_target(client, host, snmp: dict, version: str, timeout: float, retries: int):
    return client.Target(
        address=str(host.hostname),
        port=int(host.port or 161),
        version=version,
        community=str(snmp.get("community") or ""),
        user=str(snmp.get("user") or ""),
        auth_key=str(snmp.get("auth_key") or ""),
        priv_key=str(snmp.get("priv_key") or ""),
        auth_protocol=str(snmp.get("auth_protocol") or "SHA"),
        priv_protocol=str(snmp.get("priv_protocol") or "AES"),
        context=str(snmp.get("context") or ""),
        timeout=timeout,
        retries=retries,
    )


def read_snmp(host, timeout: float, retries: int) -> DeviceFacts:
    """A device over SNMP (``collectors.snmp``): v2c with a community or v3 with authPriv, as the
    host's connection options ``snmp`` say (``hosts._apply_snmp``: the secrets file's ``snmp``
    mappings). Sync keys assets on (manufacturer, serial): a device that reports no serial number
    cannot be recorded and fails as unparsable, saying so."""
    from collectors.snmp import client

    opts = host.connection_options.get("snmp")
    snmp = dict(opts.extras or {}) if opts is not None else {}
    version = str(snmp.get("version", "2c"))
    if not (snmp.get("community") if version == "2c" else snmp.get("user")):
        raise NoCredentials(
            "no SNMP community or v3 user for this host (the secrets file's snmp mapping, group snmp)")
    try:
        target = _snmp_target(client, host, snmp, version, timeout, retries)
    except ValueError as exc:  # names the setting, never its value
        raise NoCredentials(f"SNMP settings of this host: {exc}") from None
    facts = client.read_device(target)
    if not facts.serial:
        what = " ".join(filter(None, [facts.vendor, facts.model])) or "?"
        raise UnparsableOutput(
            f"SNMP: the device ({what}) reports no serial number in ENTITY-MIB or its vendor's MIB; "
            "an asset needs one")
    return facts


def _classify_snmp(chain: list[BaseException]) -> tuple[str, str] | None:
    try:
        from collectors.snmp import client
    except ImportError:  # pragma: no cover - pysnmp is a dependency
        return None
    for e in chain:
        if isinstance(e, NoCredentials):
            return Reason.AUTH, str(e)
        found = client.classify(e)
        if found:
            return found
    return None


def known_hosts_name(address: str, port: int) -> str:
    """How a known_hosts file names a host: its address, or ``[address]:port`` off port 22."""
    return address if port == 22 else f"[{address}]:{port}"


_RSA_ALGORITHMS = ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa")  # an RSA key signs with any of them


def check_host_key(address: str, port: int, known_hosts: Path, timeout: float) -> None:
    """Before a host is given credentials: the key exchange alone (no login) shows the server's
    key. When ``known_hosts`` holds a key for the host, the server must present that one, else
    paramiko's ``BadHostKeyException`` (what netmiko's client raises); otherwise its key is added
    to the file (trust on first use). The connection that then logs in checks the same file."""
    import paramiko

    name = known_hosts_name(address, port)
    keys = paramiko.HostKeys(str(known_hosts))
    stored = keys.lookup(name)
    transport = paramiko.Transport(socket.create_connection((address, port), timeout=timeout))
    try:
        transport.banner_timeout = transport.handshake_timeout = timeout
        if stored:  # the stored key's type asked for first, as paramiko's SSHClient does
            kind = next(iter(stored.keys()))
            wanted = _RSA_ALGORITHMS if kind == "ssh-rsa" else (kind,)
            options = transport.get_security_options()
            options.key_types = sorted(options.key_types, key=lambda t: t not in wanted)
        transport.start_client(timeout=timeout)
        offered = transport.get_remote_server_key()
    finally:
        transport.close()
    if not stored:
        keys.add(name, offered.get_name(), offered)
        keys.save(str(known_hosts))
    elif not keys.check(name, offered):
        raise paramiko.BadHostKeyException(name, offered, next(iter(stored.values())))


def _check_junos_host_key(host, timeout: float) -> None:
    """A Junos host whose connection is told to verify the SSH host key (``hostkey_verify``)
    against the known_hosts file its ssh config names (``runner._pin_host_keys``) is checked
    before PyEZ sends credentials; PyEZ then checks the same file itself."""
    import paramiko

    optional = (host.get_connection_parameters("napalm").extras or {}).get("optional_args") or {}
    if not (optional.get("hostkey_verify") and optional.get("ssh_config_file")):
        return
    address = str(host.hostname)
    config = paramiko.SSHConfig.from_path(optional["ssh_config_file"]).lookup(address)
    if "userknownhostsfile" in config:
        known_hosts = Path(config["userknownhostsfile"]).expanduser()
        check_host_key(address, int(optional.get("port") or host.port or 22), known_hosts, timeout)


def _offered_key(exc: BaseException) -> tuple[str, str] | None:
    """The key a known SSH host presented instead of the stored one (BadHostKeyException)."""
    from paramiko.ssh_exception import BadHostKeyException

    for e in _chain(exc):
        if isinstance(e, BadHostKeyException):
            return e.key.get_name(), e.key.get_base64()
    return None


def classify(exc: BaseException) -> tuple[str, str]:
    """(reason, short message) for an exception raised while collecting one host."""
    from napalm.base.exceptions import UnsupportedVersion
    from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException, ReadTimeout
    from paramiko.ssh_exception import AuthenticationException, NoValidConnectionsError, SSHException

    chain = _chain(exc)
    # before Junos' own errors: PyEZ reports ncclient's SSHUnknownHostError as "refused"
    if any(type(e).__name__ in ("BadHostKeyException", "SSHUnknownHostError") for e in chain):
        return Reason.HOST_KEY_CHANGED, (
            "the host presented another SSH host key than the one first seen; no credentials "
            "were sent. If the device was replaced or re-keyed, accept its new key (SSH host keys)")
    junos = _classify_junos(chain)
    if junos:
        return junos
    bmc = _classify_redfish(chain)
    if bmc:
        return bmc
    snmp = _classify_snmp(chain)
    if snmp:
        return snmp
    first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
    for e in chain:
        if isinstance(e, NotAllowed):
            return Reason.NOT_ALLOWED, str(e)
        if isinstance(e, UnsupportedPlatform):
            return Reason.UNSUPPORTED, str(e)
        if isinstance(e, UnsupportedVersion):
            arg = e.args[0] if e.args else ""
            version = getattr(arg, "version", arg)  # napalm's eos driver passes an EOSVersion
            return Reason.UNSUPPORTED, f"software version {version} is not supported by the NAPALM driver"
        if isinstance(e, NetmikoAuthenticationException | AuthenticationException):
            return Reason.AUTH, "authentication failed: the device refused the username or password"
    for e in chain:
        if isinstance(e, ConnectionRefusedError | NoValidConnectionsError | socket.gaierror):
            return Reason.UNREACHABLE, f"connection refused or no route: {_line(e)}"
        if isinstance(e, OSError) and e.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ECONNREFUSED):
            return Reason.UNREACHABLE, f"no route to host: {_line(e)}"
    for e in chain:
        if isinstance(e, NetmikoTimeoutException | ReadTimeout | TimeoutError | socket.timeout):
            return Reason.TIMEOUT, f"no answer in time: {first_line}"
        if isinstance(e, SSHException) and "banner" in str(e).lower():
            return Reason.TIMEOUT, f"no SSH banner in time: {_line(e)}"
    for e in chain:
        if isinstance(e, UnparsableOutput):
            return Reason.UNPARSABLE, _line(e)
        if isinstance(
            e, ValueError | KeyError | IndexError | TypeError | AttributeError | json.JSONDecodeError
        ):
            return (
                Reason.UNPARSABLE,
                f"could not read the device's output ({type(e).__name__}: {_line(e)})",
            )
    if "cannot connect" in first_line.lower():
        return Reason.UNREACHABLE, first_line
    return Reason.ERROR, f"{type(exc).__name__}: {first_line}"


@functools.cache
def _template(platform: str, command: str) -> str | None:
    """The text of ntc-templates' template for this platform and command, if it has one by the
    index's file naming (``cisco_ios_show_inventory.textfsm``)."""
    import ntc_templates

    name = f"{platform}_{command.replace(' ', '_')}.textfsm"
    path = Path(ntc_templates.__file__).parent / "templates" / name
    return path.read_text(encoding="utf-8") if path.is_file() else None


def parse_text(platform: str, command: str, output: str) -> list[dict]:
    """ntc-templates records (keys in lower case), or UnparsableOutput naming the command.

    The template is read once per process and run directly: ntc-templates' ``parse_output``
    re-reads its whole index on every call (12 ms against 0.9 ms per ``show inventory``)."""
    import textfsm

    if not isinstance(output, str) or any(
        refusal in output for refusal in ("% Invalid", "Unknown command", "syntax error", "unknown command")
    ):
        raise UnparsableOutput(f"{command}: the device did not accept the command")
    try:
        template = _template(platform, command)
        if template is None:
            from ntc_templates.parse import parse_output

            return parse_output(platform=platform, command=command, data=output)
        records = textfsm.TextFSM(io.StringIO(template)).ParseTextToDicts(output)
        return [{k.lower(): v for k, v in r.items()} for r in records]
    except Exception as e:  # textfsm raises its own error types
        raise UnparsableOutput(f"{command}: {type(e).__name__}: {_line(e)}") from e


def read_device(device, driver: str, *, lldp_addresses: bool = False) -> DeviceFacts:
    """Run the getters on an open NAPALM device and normalise the answers."""
    facts = device.get_facts()
    try:
        lldp = device.get_lldp_neighbors_detail()
    except NotImplementedError:
        lldp = {}
    inv_command, cmd = COMMANDS[normalize.network_os(driver)]
    platform = normalize.ntc_platform(driver)
    inv_text = device.cli([inv_command]).get(inv_command, "")
    try:
        # nothing parsed is not "no modules" (every device lists at least its chassis): unread
        inventory = parse_text(platform, inv_command, inv_text) or None
    except UnparsableOutput:
        inventory = None  # facts still count; modules are left as they are
    addresses: list[dict] = []
    if lldp_addresses:
        try:
            addresses = parse_text(platform, cmd, device.cli([cmd]).get(cmd, ""))
        except UnparsableOutput:
            addresses = []
    return normalize.device_facts(driver, facts, inventory, lldp, addresses)


def collect(
    task: Task,
    sink: Callable[[Outcome], None] | None = None,
    lldp_addresses: bool = False,
    secrets: Iterable[str] = (),
) -> Result:
    """Nornir task: facts, modules and neighbours of one host. Never raises."""
    host = task.host
    start = time.monotonic()
    outcome: Outcome
    others: list[DeviceFacts] = []
    try:
        if host.platform == "redfish":  # a server's BMC
            from django.conf import settings

            facts, *others = read_bmc(host, settings.DISCOVERY_TIMEOUT)
        elif host.platform == "snmp":  # UPSes, printers, firewalls… without a NAPALM driver
            from django.conf import settings

            facts = read_snmp(host, settings.DISCOVERY_SNMP_TIMEOUT, settings.DISCOVERY_SNMP_RETRIES)
        elif host.platform not in normalize.SUPPORTED_DRIVERS:
            raise UnsupportedPlatform(
                f"platform {host.platform!r} has no NAPALM driver here "
                f"(supported: {', '.join(normalize.SUPPORTED_DRIVERS)}; redfish for BMCs, snmp for the rest)"
            )
        else:
            if host.platform == "junos":
                from django.conf import settings

                _check_junos_host_key(host, settings.DISCOVERY_TIMEOUT)
            device = host.get_connection("napalm", task.nornir.config)
            facts = read_device(device, host.platform, lldp_addresses=lldp_addresses)
        outcome = Collected(host.name, facts, time.monotonic() - start, others=others)
    except Exception as exc:  # every failure is classified and recorded, none stops the run
        reason, message = classify(exc)
        outcome = Failure(host.name, reason, redact(message, secrets), time.monotonic() - start,
                          offered_key=_offered_key(exc))
    finally:
        with contextlib.suppress(Exception):  # a connection that never opened or is already gone
            host.close_connection("napalm")
    if sink is not None:
        sink(outcome)
    return Result(host=host, result=outcome, failed=isinstance(outcome, Failure))
