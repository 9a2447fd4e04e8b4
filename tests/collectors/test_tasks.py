"""collectors.tasks: what went wrong (classify), scrubbing secrets (redact), text parsing, and the
Nornir task end to end against a port where nothing listens."""

import errno
import json
import socket

import pytest
from napalm.base.exceptions import ConnectionException, UnsupportedVersion
from napalm.eos.utils.versions import EOSVersion
from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException, ReadTimeout
from nornir.core import Nornir
from nornir.plugins.runners import ThreadedRunner
from paramiko.ssh_exception import AuthenticationException, NoValidConnectionsError, SSHException

from collectors import runner
from collectors.hosts import Credentials, from_hosts, make_host
from collectors.normalize import UnparsableOutput
from collectors.tasks import Failure, Reason, UnsupportedPlatform, classify, collect, parse_text, redact

MAX_MESSAGE = 320

# What netmiko 4 says when the TCP connection fails (base_connection.py), several lines long.
NETMIKO_TCP_FAILED = """TCP connection to device failed.

Common causes of this problem are:
1. Incorrect hostname or IP address.
2. Wrong TCP port.
3. Intermediate firewall blocking access.

Device settings: cisco_ios 10.0.0.1:22

"""
NETMIKO_AUTH_FAILED = """Authentication to device failed.

Common causes of this problem are:
1. Invalid username and password
2. Incorrect SSH-key file
3. Connecting to the wrong device

Device settings: cisco_ios 10.0.0.1:22

Authentication failed."""


def _raised_during(outer: BaseException, inner: BaseException) -> BaseException:
    """``outer`` raised while handling ``inner`` (sets __context__, as NAPALM's drivers do)."""
    try:
        try:
            raise inner
        except type(inner):
            raise outer  # noqa: B904 - the implicit context is what is being tested
    except type(outer) as e:
        return e


def _raised_from(outer: BaseException, inner: BaseException) -> BaseException:
    try:
        raise outer from inner
    except type(outer) as e:
        return e


def _cases():
    return [
        ("netmiko auth", NetmikoAuthenticationException(NETMIKO_AUTH_FAILED), Reason.AUTH),
        ("paramiko auth", AuthenticationException("Authentication failed."), Reason.AUTH),
        ("netmiko timeout", NetmikoTimeoutException(NETMIKO_TCP_FAILED), Reason.TIMEOUT),
        ("netmiko read timeout", ReadTimeout("Pattern not detected: 'sw\\-1\\#' in output."), Reason.TIMEOUT),
        ("socket timeout", socket.timeout("timed out"), Reason.TIMEOUT),  # noqa: UP041 - the name devices raise
        ("no banner", SSHException("Error reading SSH protocol banner"), Reason.TIMEOUT),
        (
            "no valid connections",
            NoValidConnectionsError({("127.0.0.1", 22): ConnectionRefusedError()}),
            Reason.UNREACHABLE,
        ),
        ("refused", ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), Reason.UNREACHABLE),
        ("no route", OSError(errno.EHOSTUNREACH, "No route to host"), Reason.UNREACHABLE),
        ("dns", socket.gaierror(socket.EAI_NONAME, "Name or service not known"), Reason.UNREACHABLE),
        ("napalm cannot connect", ConnectionException("Cannot connect to 10.0.0.1"), Reason.UNREACHABLE),
        (
            "napalm during netmiko timeout",
            _raised_during(ConnectionException("Cannot connect to 10.0.0.1"),
                           NetmikoTimeoutException(NETMIKO_TCP_FAILED)),
            Reason.TIMEOUT,
        ),
        (
            "napalm from netmiko auth",
            _raised_from(ConnectionException("Cannot connect to 10.0.0.1"),
                         NetmikoAuthenticationException(NETMIKO_AUTH_FAILED)),
            Reason.AUTH,
        ),
        (
            "timeout around refused",
            _raised_during(NetmikoTimeoutException(NETMIKO_TCP_FAILED),
                           ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")),
            Reason.UNREACHABLE,
        ),
        ("napalm version", UnsupportedVersion("4.15.5M"), Reason.UNSUPPORTED),
        ("eos version object", UnsupportedVersion(EOSVersion("4.15.5M-3054042.4155M")), Reason.UNSUPPORTED),
        ("our platform", UnsupportedPlatform("platform 'routeros' has no NAPALM driver here"),
         Reason.UNSUPPORTED),
        ("unparsable", UnparsableOutput("show version: no serial number found"), Reason.UNPARSABLE),
        ("key error", KeyError("serial_number"), Reason.UNPARSABLE),
        ("index error", IndexError("list index out of range"), Reason.UNPARSABLE),
        ("json", _json_error(), Reason.UNPARSABLE),
        ("multi-line value error", ValueError("Unexpected output:\nshow version\n% Invalid input"),
         Reason.UNPARSABLE),
        (
            "unparsable wrapped",
            _raised_during(RuntimeError("getter failed"), UnparsableOutput("show inventory: garbled")),
            Reason.UNPARSABLE,
        ),
        ("runtime", RuntimeError("something odd\nsecond line"), Reason.ERROR),
        ("very long", RuntimeError("x" * 5000), Reason.ERROR),
    ]


def _json_error():
    try:
        json.loads("<html>")
    except json.JSONDecodeError as e:
        return e


CASES = _cases()


@pytest.mark.parametrize(("exc", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_classify(exc, reason):
    got_reason, message = classify(exc)
    assert got_reason == reason
    assert message.strip()
    assert "\n" not in message and "\r" not in message
    assert len(message) <= MAX_MESSAGE


def test_reason_values():
    from collectors.choices import HostReason

    values = {Reason.AUTH, Reason.TIMEOUT, Reason.UNREACHABLE, Reason.UNSUPPORTED, Reason.UNPARSABLE,
              Reason.ERROR}
    assert values == {"auth", "timeout", "unreachable", "unsupported", "unparsable", "error"}
    assert values <= set(HostReason.values)


@pytest.mark.parametrize("exc", [
    UnsupportedVersion("4.15.5M"),
    UnsupportedVersion(EOSVersion("4.15.5M")),
])
def test_unsupported_version_names_the_version(exc):
    reason, message = classify(exc)
    assert reason == Reason.UNSUPPORTED
    assert "4.15.5M" in message
    assert "EOSVersion" not in message and "object at" not in message


def test_messages_say_what_happened():
    assert classify(NetmikoTimeoutException(NETMIKO_TCP_FAILED))[1] == (
        "no answer in time: TCP connection to device failed."
    )
    assert classify(RuntimeError("something odd\nsecond line")) == (
        Reason.ERROR, "RuntimeError: something odd"
    )
    assert classify(UnparsableOutput("show version: no serial number found")) == (
        Reason.UNPARSABLE, "show version: no serial number found"
    )
    reason, message = classify(KeyError("serial_number"))
    assert "KeyError" in message and "serial_number" in message
    reason, message = classify(
        NoValidConnectionsError({("127.0.0.1", 22): ConnectionRefusedError(errno.ECONNREFUSED, "refused")})
    )
    assert "127.0.0.1" in message


def test_auth_message_does_not_echo_the_exception():
    # paramiko/netmiko texts can carry the username; the auth message is fixed
    reason, message = classify(AuthenticationException("Authentication failed for user netops-admin"))
    assert reason == Reason.AUTH
    assert "netops-admin" not in message


# --- redact ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("message", "secrets", "expected"), [
    ("login with s3cret-pw failed", {"s3cret-pw"}, "login with ******** failed"),
    ("s3cret-pw twice: s3cret-pw", ["s3cret-pw"], "******** twice: ********"),
    # the longer secret first, so no tail of it survives
    ("pw=abcdef", {"abc", "abcdef"}, "pw=********"),
    ("pw=abcdef", ["abc", "abcdef"], "pw=********"),
    ("pw=abcdef", ["abcdef", "abc"], "pw=********"),
    # shorter than 3 characters: too ambiguous to search for
    ("a ab abc", {"a", "ab", ""}, "a ab abc"),
    ("a ab abc", {"a", "ab", "abc"}, "a ab ********"),
    ("nothing to hide", {None, "", "hunter2"}, "nothing to hide"),
    # literal, not a pattern
    ("p.w*x and pxwwx", {"p.w*x"}, "******** and pxwwx"),
    ("", {"s3cret"}, ""),
])
def test_redact(message, secrets, expected):
    assert redact(message, secrets) == expected


def test_redact_accepts_a_generator():
    assert redact("a hunter2 b", (s for s in ["hunter2"])) == "a ******** b"


# --- parse_text -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("command", "output"), [
    ("show inventory", "show inventory\n                  ^\n% Invalid input detected at '^' marker.\n"),
    ("show lldp neighbors detail", "% Invalid input detected at '^' marker."),
    ("show inventory", "% Unknown command or computer name, or unable to find computer address"),
    ("show inventory", None),
])
def test_parse_text_rejected_command_is_unparsable(command, output):
    with pytest.raises(UnparsableOutput, match=command):
        parse_text("cisco_ios", command, output)


def test_parse_text_without_template_is_unparsable_naming_the_command():
    with pytest.raises(UnparsableOutput, match="show frobnicate"):
        parse_text("cisco_ios", "show frobnicate", "whatever\n")


def test_parse_text_reads_inventory_with_lowercase_keys():
    output = (
        'NAME: "1", DESCR: "WS-C2960X-48FPD-L"\n'
        "PID: WS-C2960X-48FPD-L  , VID: V05  , SN: FOC1234X0AB\n\n"
        'NAME: "Switch 1 - Power Supply A", DESCR: "FRU Power Supply"\n'
        "PID: PWR-C2-640WAC      , VID: V02  , SN: DCB1234A0BC\n"
    )
    records = parse_text("cisco_ios", "show inventory", output)
    assert [(r["name"], r["pid"], r["sn"]) for r in records] == [
        ("1", "WS-C2960X-48FPD-L", "FOC1234X0AB"),
        ("Switch 1 - Power Supply A", "PWR-C2-640WAC", "DCB1234A0BC"),
    ]
    assert all(k == k.lower() for r in records for k in r)


def test_parse_text_empty_output_is_no_records():
    assert parse_text("cisco_ios", "show inventory", "") == []


# --- collect, end to end ------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(host, secrets):
    runner._register_napalm()
    outcomes = []
    nr = Nornir(inventory=from_hosts([host]), runner=ThreadedRunner(num_workers=1))
    result = nr.run(task=collect, sink=outcomes.append, secrets=secrets)
    return outcomes, result


CREDS = Credentials(default={"username": "u", "password": "s3cret-pw"})


def test_collect_nothing_listening_is_unreachable_without_the_password():
    port = _free_port()
    host = make_host("dead-1", "127.0.0.1", "ios", CREDS, port=port)
    assert host.password == "s3cret-pw"

    outcomes, result = _run(host, {"s3cret-pw"})

    assert len(outcomes) == 1
    (outcome,) = outcomes
    assert isinstance(outcome, Failure)
    assert outcome.host == "dead-1"
    assert outcome.reason == Reason.UNREACHABLE
    assert "s3cret-pw" not in outcome.message
    assert "\n" not in outcome.message
    assert outcome.seconds >= 0
    assert result["dead-1"].failed
    assert result["dead-1"][0].result is outcome


def test_collect_scrubs_every_given_secret_from_the_message():
    port = _free_port()
    host = make_host("dead-2", "127.0.0.1", "ios", CREDS, port=port)
    # the port number is in the refusal message: treated as a secret, it must be scrubbed too
    outcomes, _ = _run(host, {"s3cret-pw", str(port)})
    (outcome,) = outcomes
    assert outcome.reason == Reason.UNREACHABLE
    assert str(port) not in outcome.message
    assert "********" in outcome.message


def test_collect_unsupported_platform_without_connecting():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        host = make_host("mikrotik-1", "127.0.0.1", "routeros", CREDS, port=port)

        outcomes, result = _run(host, {"s3cret-pw"})

        with pytest.raises(BlockingIOError):  # nobody knocked
            listener.accept()
    (outcome,) = outcomes
    assert isinstance(outcome, Failure)
    assert outcome.reason == Reason.UNSUPPORTED
    assert "routeros" in outcome.message
    assert result["mikrotik-1"].failed
