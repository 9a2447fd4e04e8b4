"""SSH host keys: trust on first use, strict afterwards.

Discovery hands each SSH host a known_hosts file of its own (``prepare``): the key stored for
that address and port (``HostKey``), or an empty file. netmiko's paramiko client then checks the
server's key right after the key exchange, before it authenticates: a stored key that differs
raises ``BadHostKeyException`` — no password is sent, the host fails with "host key changed" and
the key it offered waits in ``HostKey.offered_*`` for an engineer (``accept``). An unknown host's
key is added to its file by the client (paramiko's AutoAddPolicy saves it there); ``learn`` then
stores it. ``import_known_hosts`` takes the keys of an existing known_hosts file.

The drivers that connect through netmiko (ios, nxos_ssh, eos over SSH) are given the file itself.
Junos (PyEZ, NETCONF over SSH) is given an ssh config naming it (``ssh_config``): a check before
the login (``collectors.tasks.check_host_key``) compares the server's key with the file, or adds
an unknown host's key to it, and PyEZ's ncclient then checks the key against the same file
(``collectors.connections``), both before any credentials are sent.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import paramiko
from django.utils import timezone

from collectors.models import HostKey
from collectors.tasks import known_hosts_name

NETMIKO_DRIVERS = frozenset({"ios", "nxos_ssh", "eos"})
NETCONF_DRIVERS = frozenset({"junos"})
PINNED_DRIVERS = NETMIKO_DRIVERS | NETCONF_DRIVERS  # the drivers whose SSH host keys are pinned


def fingerprint(key_b64: str) -> str:
    """OpenSSH's SHA256 fingerprint of a base64 key."""
    digest = hashlib.sha256(base64.b64decode(key_b64)).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def prepare(directory: Path, address: str, port: int, slot: int = 0) -> Path:
    """A known_hosts file for one host (``slot``: its number in the round, so that two hosts
    never share a file) holding its stored key (or nothing yet)."""
    path = directory / f"{slot}-{address.replace(':', '_')}-{port}"
    stored = HostKey.objects.filter(address=address, port=port).first()
    path.write_text(f"{known_hosts_name(address, port)} {stored.key_type} {stored.key}\n" if stored else "")
    path.chmod(0o600)
    return path


def ssh_config(known_hosts: Path) -> Path:
    """An ssh config next to a host's known_hosts file that names it, and nothing else (PyEZ
    reads it for Junos hosts instead of ~/.ssh/config)."""
    path = known_hosts.with_name(known_hosts.name + ".ssh_config")
    path.write_text(f'Host *\n    UserKnownHostsFile "{known_hosts}"\n')
    path.chmod(0o600)
    return path


def learn(path: Path, address: str, port: int) -> HostKey | None:
    """Store the key the client added to ``path`` for a host seen for the first time."""
    try:
        keys = paramiko.HostKeys(str(path))
    except (OSError, paramiko.SSHException):
        return None
    found = keys.lookup(known_hosts_name(address, port))
    if not found:
        return None
    key_type, key = next(iter(found.items()))
    # bookkeeping, not a person's change: written without the change log (bulk_create sends no
    # signals); another worker storing it meanwhile is no conflict
    HostKey.objects.bulk_create(
        [HostKey(address=address, port=port, key_type=key_type, key=key.get_base64(),
                 fingerprint=fingerprint(key.get_base64()))],
        ignore_conflicts=True,
    )
    return HostKey.objects.filter(address=address, port=port).first()


def offered(address: str, port: int, key_type: str, key_b64: str) -> None:
    """Remember the other key a known host presented, for an engineer to accept."""
    HostKey.objects.filter(address=address, port=port).update(
        offered_key_type=key_type, offered_key=key_b64, offered_fingerprint=fingerprint(key_b64),
        offered_at=timezone.now(),
    )


def accept(host_key: HostKey) -> HostKey:
    """The offered key becomes the trusted one (change-logged, as every save of a HostKey)."""
    if not host_key.offered_key:
        raise ValueError(f"{host_key.address}:{host_key.port} offers no other key")
    host_key.key_type, host_key.key = host_key.offered_key_type, host_key.offered_key
    host_key.fingerprint = host_key.offered_fingerprint
    host_key.offered_key_type = host_key.offered_key = host_key.offered_fingerprint = ""
    host_key.offered_at = None
    host_key.first_seen = timezone.now()
    host_key.save()
    return host_key


def import_known_hosts(path: str | Path) -> tuple[int, int]:
    """Store the keys of an OpenSSH known_hosts file that are not stored yet. Returns (stored,
    skipped): hashed host names (``|1|…``) cannot be matched to an address and are skipped."""
    stored = skipped = 0
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) < 3 or parts[0].startswith(("|", "@")):
            skipped += 1
            continue
        for name in parts[0].split(","):
            address, port = name, 22
            if name.startswith("[") and "]:" in name:
                address, _sep, port_text = name[1:].partition("]:")
                port = int(port_text)
            try:
                base64.b64decode(parts[2], validate=True)
            except ValueError:
                skipped += 1
                continue
            _key, created = HostKey.objects.get_or_create(
                address=address, port=port,
                defaults={"key_type": parts[1], "key": parts[2], "fingerprint": fingerprint(parts[2])},
            )
            stored += created
    return stored, skipped
