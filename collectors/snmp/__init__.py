"""SNMP device identification, pure: no I/O, no Django, no pysnmp.

The contract between the SNMP client (``client.py``) and the identification (``identify.py``):
values read from a device are a ``dict[str, object]`` keyed by the OID as a dotted string without
a leading dot (``"1.3.6.1.2.1.1.1.0"``); the value is

- ``bytes`` for OCTET STRING (and Opaque),
- ``int`` for Integer32, Counter32, Counter64, Gauge32, TimeTicks and Unsigned32,
- ``str`` for OBJECT IDENTIFIER (dotted, no leading dot) and for IpAddress (``"10.1.2.3"``).

The client first GETs ``identify.SYSTEM``, asks ``identify.plan(values)`` what else to read
(scalar GETs and subtrees to bulk-walk), reads that, and hands everything to
``identify.identify(values)``. Which vendor is which, and where each fact lives, is data:
``rules.yaml`` beside this file.
"""
