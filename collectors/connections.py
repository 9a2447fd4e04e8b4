"""Nornir's "napalm" connection as discovery opens it: nornir_napalm's, plus SSH host-key
checking for Junos.

NAPALM's junos driver builds a PyEZ ``Device`` with the ``ssh_config_file`` it is given, but never
passes on ``hostkey_verify``, so ncclient accepts any server key. A Junos host whose optional args
say ``hostkey_verify`` (``runner._pin_host_keys``) gets it set on its ``Device`` before it opens:
ncclient then checks the server's key against the ``UserKnownHostsFile`` of that ssh config right
after the key exchange, before it authenticates, and raises ``SSHUnknownHostError`` on another
key. Floor 1: no Django.
"""

from __future__ import annotations

import contextlib
from typing import Any

from napalm import get_network_driver
from nornir.core.configuration import Config
from nornir_napalm.plugins.connections import Napalm


class PinnedNapalm(Napalm):
    """nornir_napalm's ``Napalm``, opened as its ``open`` does (0.6.0, copied; ``try/except
    AttributeError: pass`` written as ``suppress``), the driver built and opened in two steps so
    that PyEZ can be told to verify in between."""

    def open(
        self,
        hostname: str | None,
        username: str | None,
        password: str | None,
        port: int | None,
        platform: str | None,
        extras: dict[str, Any] | None = None,
        configuration: Config | None = None,
    ) -> None:
        extras = extras or {}

        parameters: dict[str, Any] = {
            "hostname": hostname,
            "username": username,
            "password": password,
            "optional_args": {},
        }

        with contextlib.suppress(AttributeError):
            parameters["optional_args"]["ssh_config_file"] = configuration.ssh.config_file  # type: ignore

        parameters.update(extras)

        if port and "port" not in parameters["optional_args"]:
            parameters["optional_args"]["port"] = port

        network_driver = get_network_driver(platform)
        connection = network_driver(**parameters)
        if platform == "junos" and parameters["optional_args"].get("hostkey_verify"):
            connection.device._hostkey_verify = True  # read by Device.open, handed to ncclient
        connection.open()
        self.connection = connection
