"""SNMP I/O: read values from a device with pysnmp 7 and turn them into ``DeviceFacts``.

Floor 1: no Django. ``read(target, oids_get, subtrees_walk)`` returns the values of a device as
``{oid: value}`` (OID dotted without a leading dot; ``bytes`` for OCTET STRING/Opaque/BITS,
``int`` for the integer types, ``str`` dotted for OBJECT IDENTIFIER and IpAddress;
noSuchObject, noSuchInstance and endOfMibView are left out). ``read_device(target)`` reads
``identify.SYSTEM``, asks ``identify.plan`` what else to read, reads it and hands everything
to ``identify.identify``.

Errors are exceptions ``classify`` maps onto the reasons of ``collectors.tasks.Reason``:
``SnmpTimeout`` (no answer; with v2c a wrong community looks exactly like that),
``SnmpAuthError`` (a USM report: unknown user, wrong digest, decryption error...),
``SnmpNoSuchObject`` (the agent answers but lacks the system OIDs), ``SnmpUnreachable`` (the
address cannot be resolved or the network refuses to send) and ``SnmpError``. No message ever
contains a community or a key (``Target.secrets()`` lists them for callers that build messages
of their own).

Engine and event loop. An ``SnmpEngine`` costs ~0.1 s of CPU to create, and the first request
through it builds the hlapi's MIB view (another 0.45 s unless the view is given, see ``_Loop``).
The process has one engine on one event loop in a thread of its own (``_Loop``); the threads
that ask (Nornir's workers, one per host) hand their coroutines over and wait. Measured on the
2-core VM: engines per thread loaded MIB modules side by side, which crashed CPython's compiler
with 10 threads ("AST constructor recursion depth mismatch"), and 32 busy loops starved the
thread that saves the results; one loop behaves as a bare pysnmp script does (bench/discovery.py
--only-snmp, docs/performance.md).

- four subtrees of ios_2960x walked concurrently: 0.72 s, one after the other: 0.84 s, hence
  ``WALK_CONCURRENTLY``.

Every request is bounded by pysnmp's own timeout × (retries + 1); an ``asyncio.wait_for`` of
that plus ``GRACE`` seconds guards against a timer that never fires, and a walk stops after
``MAX_WALK_VALUES`` values or when the agent returns an OID that does not increase, so a call
never hangs.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from collectors.normalize import DeviceFacts

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
SYS_NAME = "1.3.6.1.2.1.1.5.0"

MAX_REPETITIONS = 50  # snmpsim answers at most 64 varbinds; real agents cap by message size
GET_CHUNK = 32  # varbinds per GET request
MAX_WALK_VALUES = 200_000  # per subtree: a safety net against agents that never end a table
GRACE = 1.0  # seconds on top of timeout × (retries + 1) before a request is abandoned
WALK_CONCURRENTLY = True

AUTH_PROTOCOLS = ("MD5", "SHA", "SHA224", "SHA256", "SHA384", "SHA512")
PRIV_PROTOCOLS = ("DES", "3DES", "AES", "AES128", "AES192", "AES256", "AES192BLMT", "AES256BLMT")

NO_ANSWER = "no SNMP answer in time (wrong community, SNMP not enabled, or filtered)"
NO_ANSWER_V3 = "no SNMP answer in time (wrong context, SNMP not enabled, or filtered)"


class SnmpError(Exception):
    """Something went wrong talking SNMP; the message never contains a secret."""


class SnmpTimeout(SnmpError):
    """No answer in time (for v2c also what a wrong community looks like)."""


class SnmpAuthError(SnmpError):
    """The agent refused the SNMPv3 credentials (a USM report PDU)."""


class SnmpNoSuchObject(SnmpError):
    """The agent answers but lacks an object every SNMP agent has."""

    def __init__(self, oid: str, message: str) -> None:
        super().__init__(message)
        self.oid = oid


class SnmpUnreachable(SnmpError):
    """The address cannot be resolved, or the network refuses to send to it."""


@dataclass(frozen=True, repr=False)
class Target:
    """Where and how to ask. ``version`` "2c" needs a community; "3" means authPriv, always."""

    address: str
    port: int = 161
    version: str = "2c"
    community: str = ""
    user: str = ""
    auth_key: str = ""
    priv_key: str = ""
    auth_protocol: str = "SHA"
    priv_protocol: str = "AES"
    context: str = ""
    timeout: float = 2.0
    retries: int = 1

    def __post_init__(self) -> None:
        if self.version not in ("2c", "3"):
            raise ValueError(f"SNMP version must be '2c' or '3', not {self.version!r}")
        if not self.address:
            raise ValueError("SNMP target without an address")
        if not 0 < int(self.port) < 65536:
            raise ValueError(f"SNMP port out of range: {self.port}")
        if self.timeout <= 0 or self.retries < 0:
            raise ValueError("SNMP timeout must be > 0 and retries >= 0")
        if self.version == "2c":
            if not self.community:
                raise ValueError("SNMP v2c needs a community")
            return
        # v3: authPriv only (the city runs nothing else)
        for name in ("user", "auth_key", "priv_key"):
            if not getattr(self, name):
                raise ValueError(f"SNMPv3 needs authPriv: {name} is missing")
        for name in ("auth_key", "priv_key"):
            if len(getattr(self, name)) < 8:
                raise ValueError(f"SNMPv3 {name} must be at least 8 characters")
        if self.auth_protocol.upper() not in AUTH_PROTOCOLS:
            raise ValueError(
                f"unknown SNMPv3 auth_protocol {self.auth_protocol!r} ({', '.join(AUTH_PROTOCOLS)})"
            )
        if self.priv_protocol.upper() not in PRIV_PROTOCOLS:
            raise ValueError(
                f"unknown SNMPv3 priv_protocol {self.priv_protocol!r} ({', '.join(PRIV_PROTOCOLS)})"
            )

    def __repr__(self) -> str:
        parts = [f"address={self.address!r}", f"port={self.port}", f"version={self.version!r}"]
        if self.version == "3":
            parts += [
                f"user={self.user!r}",
                f"auth_protocol={self.auth_protocol!r}",
                f"priv_protocol={self.priv_protocol!r}",
            ]
            if self.context:
                parts.append(f"context={self.context!r}")
        parts += [f"timeout={self.timeout}", f"retries={self.retries}"]
        return f"Target({', '.join(parts)})"

    __str__ = __repr__

    def secrets(self) -> tuple[str, ...]:
        """The strings no message may show (community and keys), longest first."""
        return tuple(
            sorted({s for s in (self.community, self.auth_key, self.priv_key) if s}, key=len, reverse=True)
        )

    @property
    def deadline(self) -> float:
        """The longest one request may take: pysnmp's timeout × (retries + 1) and ``GRACE``."""
        return self.timeout * (self.retries + 1) + GRACE


def scrub(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


# -- one engine on one event loop, in a thread of its own ------------------------------------


class _Loop:
    """The one SnmpEngine and the event loop it runs on, in a thread of its own: every caller
    (Nornir's worker threads) hands its coroutine over and waits for the result, so all SNMP
    work of the process shares one engine and one loop, as pysnmp is meant to be used. Measured
    on 200 simulated devices: 32 threads each with an engine and loop of its own spent the GIL
    encoding and decoding side by side and starved the thread that saves what they found; one
    loop does the same work in one thread (what a bare pysnmp script does).

    The view the command generator resolves OIDs with is built on the engine's own MIB builder,
    not on a second one that pysnmp's hlapi would load on the first request (0.45 s)."""

    def __init__(self) -> None:
        from pysnmp.hlapi.v3arch.asyncio import SnmpEngine
        from pysnmp.smi import view

        self.loop = asyncio.new_event_loop()
        self.engine = SnmpEngine()
        self.engine.cache["mibViewController"] = view.MibViewController(self.engine.get_mib_builder())
        self.thread = threading.Thread(target=self._serve, name="snmp-loop", daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def run(self, coro):
        if threading.current_thread() is self.thread:  # pragma: no cover - a bug, not a use
            raise RuntimeError("SNMP requests cannot wait for themselves on the SNMP loop")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def close(self) -> None:
        async def shutdown():
            with contextlib.suppress(Exception):
                dispatcher = self.engine.transport_dispatcher
                if dispatcher is not None:
                    dispatcher.close_dispatcher()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            if self.loop.is_running():
                asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(5)
                self.loop.call_soon_threadsafe(self.loop.stop)
                self.thread.join(5)
            self.loop.close()


_LOCK = threading.Lock()
_current: _Loop | None = None
_made = 0  # engines made in this process (tests: one, however many threads ask)


def _the_loop() -> _Loop:
    global _current, _made
    with _LOCK:
        if _current is None or _current.loop.is_closed():
            _current = _Loop()
            _made += 1
        return _current


def close_thread_engine() -> None:
    """Stop the SNMP loop and release its engine (made again when needed)."""
    global _current
    with _LOCK:
        loop, _current = _current, None
    if loop is not None:
        loop.close()


atexit.register(close_thread_engine)


def _forgotten_in_child() -> None:
    """A forked child (an RQ work horse) has no SNMP loop thread: it makes its own."""
    global _current, _LOCK
    _current, _LOCK = None, threading.Lock()


os.register_at_fork(after_in_child=_forgotten_in_child)


def _run(coro_factory):
    """Run ``coro_factory(engine)`` on the SNMP loop and wait for its result (from any thread,
    also from async code running on another loop)."""
    state = _the_loop()
    return state.run(coro_factory(state.engine))


# -- converting values -----------------------------------------------------------------------


def convert(value: Any) -> object | None:
    """A pysnmp value -> the contract's Python type; ``None`` for the SNMP exceptions and Null."""
    from pyasn1.type import univ
    from pysnmp.proto import rfc1902

    if isinstance(value, univ.Null):  # Null, noSuchObject, noSuchInstance, endOfMibView
        return None
    if isinstance(value, rfc1902.IpAddress):
        octets = value.asOctets()
        return ".".join(str(b) for b in octets) if len(octets) == 4 else octets.hex()
    if isinstance(value, univ.OctetString):  # OctetString, Opaque, Bits
        return value.asOctets()
    if isinstance(value, univ.ObjectIdentifier):
        return ".".join(str(n) for n in value.asTuple())
    if isinstance(value, univ.Integer):
        return int(value)
    return value.prettyPrint()


def _oid(name: Any) -> str:
    return ".".join(str(n) for n in name.asTuple())


def _tuple(oid: str) -> tuple[int, ...]:
    return tuple(int(n) for n in oid.strip().lstrip(".").split("."))


# -- requests --------------------------------------------------------------------------------


class _Session:
    """One target's auth data, transport target and context on one engine."""

    def __init__(self, engine, target: Target) -> None:
        self.engine, self.target = engine, target
        self.secrets = target.secrets()
        self.answered = False  # has the agent answered anything in this session?

    async def open(self) -> _Session:
        from pysnmp.error import PySnmpError
        from pysnmp.hlapi.v3arch.asyncio import CommunityData, ContextData, UdpTransportTarget, UsmUserData
        from pysnmp.hlapi.v3arch.asyncio import auth as hl_auth

        t = self.target
        try:
            self.transport = await asyncio.wait_for(
                UdpTransportTarget.create((t.address, t.port), timeout=t.timeout, retries=t.retries),
                t.deadline,
            )
        except (PySnmpError, OSError, TimeoutError) as exc:
            raise SnmpUnreachable(f"cannot resolve {t.address}: {type(exc).__name__}") from None
        if t.version == "2c":
            self.auth = CommunityData(t.community, mpModel=1)  # noqa: S508 - v2c is what the devices speak
            self.context = ContextData()
        else:
            auth_proto = {
                "MD5": hl_auth.USM_AUTH_HMAC96_MD5,
                "SHA": hl_auth.USM_AUTH_HMAC96_SHA,
                "SHA224": hl_auth.USM_AUTH_HMAC128_SHA224,
                "SHA256": hl_auth.USM_AUTH_HMAC192_SHA256,
                "SHA384": hl_auth.USM_AUTH_HMAC256_SHA384,
                "SHA512": hl_auth.USM_AUTH_HMAC384_SHA512,
            }[t.auth_protocol.upper()]
            priv_proto = {
                "DES": hl_auth.USM_PRIV_CBC56_DES,
                "3DES": hl_auth.USM_PRIV_CBC168_3DES,
                "AES": hl_auth.USM_PRIV_CFB128_AES,
                "AES128": hl_auth.USM_PRIV_CFB128_AES,
                "AES192": hl_auth.USM_PRIV_CFB192_AES,
                "AES256": hl_auth.USM_PRIV_CFB256_AES,
                "AES192BLMT": hl_auth.USM_PRIV_CFB192_AES_BLUMENTHAL,
                "AES256BLMT": hl_auth.USM_PRIV_CFB256_AES_BLUMENTHAL,
            }[t.priv_protocol.upper()]
            self.auth = UsmUserData(
                t.user, t.auth_key, t.priv_key, authProtocol=auth_proto, privProtocol=priv_proto
            )
            self.context = ContextData(contextName=t.context.encode())
        return self

    def _fail(self, indication) -> SnmpError:
        from pysnmp.proto import errind

        t = self.target
        where = f"{t.address}:{t.port}"
        if isinstance(indication, errind.RequestTimedOut):
            return SnmpTimeout(f"{where}: {NO_ANSWER if t.version == '2c' else NO_ANSWER_V3}")
        auth_errors = (
            errind.UnknownUserName,
            errind.WrongDigest,
            errind.DecryptionError,
            errind.AuthenticationError,
            errind.AuthenticationFailure,
            errind.UnknownSecurityName,
            errind.UnsupportedSecurityLevel,
            errind.NotInTimeWindow,
            errind.UnsupportedAuthProtocol,
            errind.UnsupportedPrivProtocol,
            errind.NoEncryption,
            errind.NoAuthentication,
        )
        name = type(indication).__name__
        text = scrub(str(indication), self.secrets)
        if isinstance(indication, auth_errors):
            return SnmpAuthError(f"{where}: SNMPv3 user {t.user!r} refused ({name}: {text})")
        return SnmpError(f"{where}: {name}: {text}")

    async def _request(self, make):
        try:
            return await asyncio.wait_for(make(), self.target.deadline)
        except TimeoutError:
            t = self.target
            raise SnmpTimeout(f"{t.address}:{t.port}: {NO_ANSWER}") from None
        except SnmpError:
            raise
        except OSError as exc:
            raise SnmpUnreachable(f"{self.target.address}: {exc.strerror or type(exc).__name__}") from None

    async def get(self, oids: Sequence[str]) -> dict[str, object]:
        from pysnmp.hlapi.v3arch.asyncio import ObjectIdentity, ObjectType, get_cmd

        values: dict[str, object] = {}
        pending = [list(oids[i : i + GET_CHUNK]) for i in range(0, len(oids), GET_CHUNK)]
        while pending:
            chunk = pending.pop()
            varbinds = [ObjectType(ObjectIdentity(_tuple(o))) for o in chunk]
            indication, status, index, answer = await self._request(
                lambda vbs=varbinds: get_cmd(
                    self.engine, self.auth, self.transport, self.context, *vbs, lookupMib=False
                )
            )
            if indication:
                raise self._fail(indication)
            self.answered = True
            if status:
                if int(status) == 1 and len(chunk) > 1:  # tooBig: ask for halves
                    pending += [chunk[: len(chunk) // 2], chunk[len(chunk) // 2 :]]
                    continue
                if int(status) == 2 and len(chunk) > 1:  # noSuchName (a v1 proxy): one by one
                    pending += [[o] for o in chunk]
                    continue
                if int(status) == 2:
                    continue
                raise SnmpError(f"{self.target.address}: GET answered {status.prettyPrint()} at {int(index)}")
            for name, value in answer:
                converted = convert(value)
                if converted is not None:
                    values[_oid(name)] = converted
        return values

    async def walk(self, subtree: str, max_repetitions: int = MAX_REPETITIONS) -> dict[str, object]:
        """A GETBULK walk of one subtree, stopping where the subtree ends."""
        from pyasn1.type import univ
        from pysnmp.hlapi.v3arch.asyncio import ObjectIdentity, ObjectType, bulk_cmd

        root = _tuple(subtree)
        values: dict[str, object] = {}
        current = root
        reps = max_repetitions
        while len(values) < MAX_WALK_VALUES:
            vb = ObjectType(ObjectIdentity(current), univ.Null(""))
            try:
                indication, status, index, answer = await self._request(
                    lambda vb=vb, reps=reps: bulk_cmd(
                        self.engine, self.auth, self.transport, self.context, 0, reps, vb, lookupMib=False
                    )
                )
                if indication:
                    raise self._fail(indication)
            except SnmpTimeout:
                # an agent that answered before but not this GETBULK may choke on a big answer (or on
                # one of the next objects, like snmpsim on a malformed OID in a recording): once more
                # one object at a time, for the rest of this walk
                if reps == 1 or not self.answered:
                    raise
                reps = 1
                continue
            self.answered = True
            if status:
                if int(status) == 1 and reps > 1:  # tooBig
                    reps = max(1, reps // 2)
                    continue
                if int(status) == 2:  # noSuchName from a v1 proxy: the end of the MIB view
                    break
                raise SnmpError(f"{self.target.address}: GETBULK answered {status.prettyPrint()}")
            if not answer:
                break
            done = False
            for name, value in answer:
                oid = tuple(name.asTuple())
                if oid[: len(root)] != root or oid <= current:
                    done = True  # left the subtree, or an OID that does not increase
                    break
                current = oid
                converted = convert(value)
                if converted is None:  # endOfMibView
                    done = True
                    break
                values[".".join(map(str, oid))] = converted
            if done:
                break
        return values

    async def read(self, oids_get: Sequence[str], subtrees: Sequence[str]) -> dict[str, object]:
        jobs = []
        if oids_get:
            jobs.append(self.get(list(dict.fromkeys(oids_get))))
        subtrees = list(dict.fromkeys(subtrees))
        if WALK_CONCURRENTLY:
            jobs += [self.walk(s) for s in subtrees]
            parts = await _gather(jobs)
        else:
            parts = [await job for job in jobs] + [await self.walk(s) for s in subtrees]
        values: dict[str, object] = {}
        for part in parts:
            values.update(part)
        return values


async def _gather(jobs):
    """``asyncio.gather`` that cancels the others when one fails (then raises the first error)."""
    tasks = [asyncio.ensure_future(job) for job in jobs]
    try:
        return await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


# -- public API ------------------------------------------------------------------------------


def read(
    target: Target, oids_get: Sequence[str] = (), subtrees_walk: Sequence[str] = ()
) -> dict[str, object]:
    """GET ``oids_get`` and bulk-walk ``subtrees_walk`` (concurrently); the values by OID."""

    async def go(engine):
        session = await _Session(engine, target).open()
        return await session.read(oids_get, subtrees_walk)

    return _run(go)


def read_values(target: Target) -> dict[str, object]:
    """What ``read_device`` reads: ``identify.SYSTEM``, then what ``identify.plan`` asks for."""
    from collectors.snmp import identify

    async def go(engine):
        session = await _Session(engine, target).open()
        values = await session.get(list(identify.SYSTEM))
        if SYS_OBJECT_ID not in values:
            raise SnmpNoSuchObject(
                SYS_OBJECT_ID,
                f"{target.address}: the agent answers but has no sysObjectID ({SYS_OBJECT_ID})",
            )
        plan = identify.plan(values)
        more = [o for o in plan.get if o not in values]
        values.update(await session.read(more, plan.walk))
        return values

    return _run(go)


def read_device(target: Target) -> DeviceFacts:
    """Read a device and identify it (raises ``SnmpError`` subclasses or ``UnparsableOutput``)."""
    from collectors.snmp import identify

    return identify.identify(read_values(target))


def classify(exc: BaseException) -> tuple[str, str] | None:
    """An exception of this module (or ``UnparsableOutput``) -> (reason, message); else None.

    The reasons are ``collectors.tasks.Reason``'s values."""
    from collectors.normalize import UnparsableOutput

    for kind, reason in _REASONS:
        if isinstance(exc, kind):
            return reason, str(exc)
    if isinstance(exc, UnparsableOutput):
        return "unparsable", str(exc)
    return None


# the most specific first: every error of this module is an SnmpError
_REASONS = (
    (SnmpTimeout, "timeout"),
    (SnmpAuthError, "auth"),
    (SnmpNoSuchObject, "unparsable"),
    (SnmpUnreachable, "unreachable"),
    (SnmpError, "error"),
)
