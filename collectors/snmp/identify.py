"""What an SNMP agent is: manufacturer, category, model, serial, software, platform and modules.

Pure functions over the values contract of ``collectors.snmp`` (no I/O). The knowledge of which
vendor keeps which fact where is data, ``rules.yaml``; this module loads it strictly, picks the
rule for a device (longest sysObjectID prefix first, then the sysDescr regex, then the OIDs a rule
requires to answer), tells the client what to read for it (``plan``) and reads the facts out
(``identify``).

A rule's fields (model, model_name, serial, version, manufacturer) are ordered lists of sources;
the first one that yields a value wins. A source is one of

- ``entity: <column>``  the chassis row of ENTITY-MIB's entPhysicalTable (descr, name,
  hardware_rev, software_rev, serial, mfg, model);
- ``oid: <oid>``        a scalar, read with GET;
- ``walk: <column oid>`` the first row of a vendor table column, read with a bulk walk;
- ``descr: <regex>``    sysDescr, through the regex given (its group ``v``, else the whole match);
- ``sysobjectid: {<oid>: <value>}`` a value per sysObjectID;
- ``join: [<oid>, ...]`` scalars joined with a space (all must answer);
- ``const: <value>``;

with optional transforms, applied in this order: ``re`` (group ``v``, else the whole match),
``map`` (exact value -> value), ``remove_prefix`` (a string or a list), ``upper``, ``format``
(``"FortiGate {v}"``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources

import yaml

from collectors.normalize import DeviceFacts, ModuleFacts, UnparsableOutput, text, value_or_blank

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SYS_NAME = "1.3.6.1.2.1.1.5.0"
SYSTEM: tuple[str, ...] = (SYS_DESCR, SYS_OBJECT_ID, SYS_UPTIME, SYS_NAME)

CATEGORY_KEY = "category"
RULE_KEY = "rule"
PLATFORM_NAME_KEY = "platform_name"  # what sync names a platform slug it does not know yet

ENTERPRISES = "1.3.6.1.4.1."
ENT_PHYSICAL = "1.3.6.1.2.1.47.1.1.1.1"
ENTITY_COLUMNS = {
    "descr": 2,
    "class": 5,
    "name": 7,
    "hardware_rev": 8,
    "software_rev": 10,
    "serial": 11,
    "mfg": 12,
    "model": 13,
}
# what chassis selection and modules need; a rule's sources may add software_rev, mfg, ...
ENTITY_BASE = ("descr", "class", "name", "serial", "model")
CHASSIS_CLASS = 3  # PhysicalClass chassis(3)

# inventory.choices.HardwareCategory's values (that module is Django; a test keeps both equal)
CATEGORIES = (
    "switch",
    "router",
    "firewall",
    "wireless",
    "server",
    "storage",
    "ups",
    "printer",
    "appliance",
    "module",
    "other",
)

FIELDS = ("manufacturer", "model", "model_name", "serial", "version")
SOURCE_KINDS = ("entity", "oid", "walk", "descr", "sysobjectid", "join", "const")
TRANSFORMS = ("re", "map", "remove_prefix", "upper", "format")
RULE_KEYS = {
    "name",
    "match",
    "descr",
    "requires",
    "platform",
    "platform_name",
    "category",
    "category_by_model",
    "entity",
    *FIELDS,
}
_OID_TEXT = re.compile(r"^\d+(?:\.\d+)+$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class RuleError(ValueError):
    """rules.yaml is malformed; the message names the rule and the key."""


@dataclass(frozen=True)
class Source:
    kind: str
    arg: object  # str, tuple of OIDs, or a dict for sysobjectid
    regex: re.Pattern | None = None
    mapping: tuple[tuple[str, str], ...] = ()
    remove_prefix: tuple[str, ...] = ()
    upper: bool = False
    format: str = ""


@dataclass(frozen=True)
class Rule:
    name: str
    match: tuple[str, ...]  # sysObjectID prefixes; () for the generic rule
    descr: re.Pattern | None = None
    requires: tuple[str, ...] = ()
    platform: str = ""
    platform_name: str = ""
    category: str = "other"
    category_by_model: tuple[tuple[re.Pattern, str], ...] = ()
    entity: bool = True
    fields: Mapping[str, tuple[Source, ...]] = field(default_factory=dict)

    def sources(self):
        for sources in self.fields.values():
            yield from sources


@dataclass(frozen=True)
class RuleTable:
    rules: tuple[Rule, ...]
    generic: Rule
    enterprises: Mapping[int, str]


@dataclass(frozen=True)
class Plan:
    get: tuple[str, ...]
    walk: tuple[str, ...]


# --- loading ------------------------------------------------------------------------------------


def _regex(where: str, pattern) -> re.Pattern:
    if not isinstance(pattern, str) or not pattern:
        raise RuleError(f"{where}: expected a regular expression, got {pattern!r}")
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as e:
        raise RuleError(f"{where}: invalid regular expression {pattern!r}: {e}") from None


def _oid(where: str, value) -> str:
    s = str(value).strip().lstrip(".") if isinstance(value, str | int) else ""
    if not _OID_TEXT.match(s):
        raise RuleError(f"{where}: {value!r} is not a dotted OID")
    return s


def _source(where: str, spec) -> Source:
    if isinstance(spec, str):  # a bare string is a constant
        return Source("const", spec)
    if not isinstance(spec, Mapping):
        raise RuleError(f"{where}: a source is a mapping such as {{oid: ...}}, got {spec!r}")
    kinds = [k for k in spec if k in SOURCE_KINDS]
    unknown = [k for k in spec if k not in SOURCE_KINDS and k not in TRANSFORMS]
    if unknown:
        raise RuleError(
            f"{where}: unknown key {unknown[0]!r} (sources: {', '.join(SOURCE_KINDS)}; "
            f"transforms: {', '.join(TRANSFORMS)})"
        )
    if len(kinds) != 1:
        raise RuleError(f"{where}: a source needs exactly one of {', '.join(SOURCE_KINDS)}, got {kinds}")
    kind = kinds[0]
    raw = spec[kind]
    where = f"{where}.{kind}"
    if kind == "entity":
        if raw not in ENTITY_COLUMNS or raw == "class":
            raise RuleError(f"{where}: unknown ENTITY-MIB column {raw!r}")
        arg = raw
    elif kind in ("oid", "walk"):
        arg = _oid(where, raw)
    elif kind == "descr":
        arg = _regex(where, raw)
    elif kind == "sysobjectid":
        if not isinstance(raw, Mapping) or not raw:
            raise RuleError(f"{where}: expected a mapping sysObjectID -> value")
        arg = {_oid(where, k): str(v) for k, v in raw.items()}
    elif kind == "join":
        if not isinstance(raw, list) or len(raw) < 2:
            raise RuleError(f"{where}: expected a list of at least two OIDs")
        arg = tuple(_oid(where, o) for o in raw)
    else:
        if not isinstance(raw, str | int | float) or str(raw) == "":
            raise RuleError(f"{where}: expected a value")
        arg = str(raw)
    regex = _regex(f"{where}.re", spec["re"]) if "re" in spec else None
    mapping = spec.get("map", {})
    if not isinstance(mapping, Mapping):
        raise RuleError(f"{where}.map: expected a mapping value -> value")
    prefixes = spec.get("remove_prefix", ())
    prefixes = (prefixes,) if isinstance(prefixes, str) else prefixes
    if not isinstance(prefixes, list | tuple) or not all(isinstance(p, str) and p for p in prefixes):
        raise RuleError(f"{where}.remove_prefix: expected a string or a list of strings")
    upper = spec.get("upper", False)
    if not isinstance(upper, bool):
        raise RuleError(f"{where}.upper: expected true or false")
    fmt = spec.get("format", "")
    if fmt and (not isinstance(fmt, str) or "{v}" not in fmt):
        raise RuleError(f"{where}.format: expected a string containing {{v}}")
    return Source(
        kind,
        arg,
        regex=regex,
        mapping=tuple((str(k), str(v)) for k, v in mapping.items()),
        remove_prefix=tuple(prefixes),
        upper=upper,
        format=fmt,
    )


def _rule(spec, index: int, generic: bool = False) -> Rule:
    if not isinstance(spec, Mapping):
        raise RuleError(f"rule #{index}: expected a mapping, got {spec!r}")
    name = spec.get("name")
    if not isinstance(name, str) or not name:
        raise RuleError(f"rule #{index}: key 'name' is missing")
    where = f"rule {name!r}"
    unknown = sorted(set(spec) - RULE_KEYS)
    if unknown:
        raise RuleError(f"{where}: unknown key {unknown[0]!r}")
    if generic:
        match: tuple[str, ...] = ()
        if "match" in spec:
            raise RuleError(f"{where}: the generic rule matches everything; key 'match' is not allowed")
    else:
        raw = spec.get("match")
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list) or not raw:
            raise RuleError(f"{where}: key 'match' needs one or more sysObjectID prefixes")
        match = tuple(_oid(f"{where}.match", o) for o in raw)
    platform = spec.get("platform", "")
    if not generic and (not isinstance(platform, str) or not _SLUG.match(platform)):
        raise RuleError(f"{where}.platform: {platform!r} is not a platform slug (a-z, 0-9, -)")
    platform_name = spec.get("platform_name", "")
    if not isinstance(platform_name, str):
        raise RuleError(f"{where}.platform_name: expected a name such as 'Fortinet FortiOS'")
    category = spec.get("category", "other")
    if category not in CATEGORIES:
        raise RuleError(f"{where}.category: {category!r} is not one of {', '.join(CATEGORIES)}")
    by_model = []
    raw_by_model = spec.get("category_by_model", {})
    if not isinstance(raw_by_model, Mapping):
        raise RuleError(f"{where}.category_by_model: expected a mapping regex -> category")
    for pattern, cat in raw_by_model.items():
        if cat not in CATEGORIES:
            raise RuleError(f"{where}.category_by_model: {cat!r} is not one of {', '.join(CATEGORIES)}")
        by_model.append((_regex(f"{where}.category_by_model", pattern), cat))
    entity = spec.get("entity", True)
    if not isinstance(entity, bool):
        raise RuleError(f"{where}.entity: expected true or false")
    requires = spec.get("requires", [])
    if not isinstance(requires, list):
        raise RuleError(f"{where}.requires: expected a list of OIDs")
    fields: dict[str, tuple[Source, ...]] = {}
    for name_ in FIELDS:
        raw = spec.get(name_)
        if raw is None:
            continue
        if isinstance(raw, str) and name_ == "manufacturer":
            raw = [raw]
        if not isinstance(raw, list) or not raw:
            raise RuleError(f"{where}.{name_}: expected a list of sources")
        fields[name_] = tuple(_source(f"{where}.{name_}[{i}]", s) for i, s in enumerate(raw))
    rule = Rule(
        name=name,
        match=match,
        descr=_regex(f"{where}.descr", spec["descr"]) if "descr" in spec else None,
        requires=tuple(_oid(f"{where}.requires", o) for o in requires),
        platform=platform,
        platform_name=platform_name,
        category=category,
        category_by_model=tuple(by_model),
        entity=entity,
        fields=fields,
    )
    if not entity and any(s.kind == "entity" for s in rule.sources()):
        raise RuleError(f"{where}: reads ENTITY-MIB columns but says entity: false")
    return rule


def load_rules(content: str) -> RuleTable:
    """The rule table out of YAML text; RuleError naming the rule and key when it is malformed."""
    try:
        data = yaml.safe_load(content)
    except yaml.YAMLError as e:
        raise RuleError(f"rules: not YAML: {e}") from None
    if not isinstance(data, Mapping):
        raise RuleError("rules: expected a mapping with 'enterprises', 'generic' and 'rules'")
    unknown = sorted(set(data) - {"enterprises", "generic", "rules"})
    if unknown:
        raise RuleError(f"rules: unknown top-level key {unknown[0]!r}")
    enterprises = data.get("enterprises") or {}
    if not isinstance(enterprises, Mapping) or not all(
        isinstance(k, int) and isinstance(v, str) and v for k, v in enterprises.items()
    ):
        raise RuleError("enterprises: expected a mapping enterprise number -> manufacturer name")
    if "generic" not in data:
        raise RuleError("rules: key 'generic' is missing")
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list):
        raise RuleError("rules: key 'rules' must be a list")
    rules = tuple(_rule(spec, i) for i, spec in enumerate(raw_rules, start=1))
    names = [r.name for r in rules]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise RuleError(f"rule {duplicates[0]!r}: key 'name' is used twice")
    return RuleTable(
        rules=rules, generic=_rule(data["generic"], 0, generic=True), enterprises=dict(enterprises)
    )


@functools.cache
def rules() -> RuleTable:
    """The shipped rule table (collectors/snmp/rules.yaml), loaded once."""
    return load_rules(resources.files("collectors.snmp").joinpath("rules.yaml").read_text("utf-8"))


# --- reading values -----------------------------------------------------------------------------


def as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def _sys_object_id(values: Mapping[str, object]) -> str:
    return as_text(values.get(SYS_OBJECT_ID)).strip().lstrip(".")


def _under(oid: str, prefix: str) -> bool:
    return oid == prefix or oid.startswith(prefix + ".")


def _oid_key(oid: str) -> tuple[int, ...]:
    return tuple(int(p) for p in oid.split(".") if p.isdigit())


def _candidates(table: RuleTable, values: Mapping[str, object]) -> list[Rule]:
    """Rules that may describe this device, best first: longest matching sysObjectID prefix, then
    file order; a rule with a sysDescr regex only when sysDescr matches."""
    oid = _sys_object_id(values)
    descr = as_text(values.get(SYS_DESCR))
    scored = []
    for position, rule in enumerate(table.rules):
        length = max((len(p.split(".")) for p in rule.match if _under(oid, p)), default=0)
        if not length:
            continue
        if rule.descr is not None and not rule.descr.search(descr):
            continue
        scored.append((-length, position, rule))
    return [r for _, _, r in sorted(scored, key=lambda t: t[:2])] + [table.generic]


def _answers(rule: Rule, values: Mapping[str, object]) -> bool:
    return all(value_or_blank(as_text(values.get(o))) for o in rule.requires)


def match_rule(values: Mapping[str, object], table: RuleTable | None = None) -> Rule:
    """The rule for a device whose values (at least SYSTEM, plus what the plan read) are given."""
    table = table or rules()
    return next(r for r in _candidates(table, values) if _answers(r, values))


def _needs(rule: Rule) -> tuple[set[str], set[str]]:
    gets = set(rule.requires)
    walks: set[str] = set()
    columns: set[str] = set()
    for s in rule.sources():
        if s.kind == "oid":
            gets.add(s.arg)
        elif s.kind == "join":
            gets.update(s.arg)
        elif s.kind == "walk":
            walks.add(s.arg)
        elif s.kind == "entity":
            columns.add(s.arg)
    if rule.entity:
        columns.update(ENTITY_BASE)
        walks.update(f"{ENT_PHYSICAL}.{ENTITY_COLUMNS[c]}" for c in columns)
    return gets, walks


def plan(values: Mapping[str, object], table: RuleTable | None = None) -> Plan:
    """What to read once SYSTEM is known: the needs of the best rule, and, while that rule depends
    on OIDs it requires to answer, of the next ones too (one round trip, no second plan)."""
    table = table or rules()
    gets: set[str] = set()
    walks: set[str] = set()
    for rule in _candidates(table, values):
        g, w = _needs(rule)
        gets |= g
        walks |= w
        if not rule.requires:
            break
    gets -= set(SYSTEM)
    # a scalar inside a walked subtree comes with the walk
    gets = {g for g in gets if not any(_under(g, w) for w in walks)}
    return Plan(get=tuple(sorted(gets, key=_oid_key)), walk=tuple(sorted(walks, key=_oid_key)))


# --- ENTITY-MIB ---------------------------------------------------------------------------------


def entity_rows(values: Mapping[str, object]) -> dict[int, dict[str, object]]:
    """entPhysicalTable rows by entPhysicalIndex, columns by name."""
    by_number = {n: name for name, n in ENTITY_COLUMNS.items()}
    rows: dict[int, dict[str, object]] = {}
    prefix = ENT_PHYSICAL + "."
    for oid, value in values.items():
        if not oid.startswith(prefix):
            continue
        parts = oid[len(prefix) :].split(".")
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            continue
        column = by_number.get(int(parts[0]))
        if column:
            rows.setdefault(int(parts[1]), {})[column] = value
    return dict(sorted(rows.items()))


def _row_text(row: Mapping[str, object], column: str, limit: int = 100) -> str:
    return value_or_blank(as_text(row.get(column)), limit)


def chassis_row(rows: Mapping[int, Mapping[str, object]]) -> int | None:
    """The chassis: the first row of class chassis(3) with a serial or model, else the first of
    class chassis, else the first row with a serial or model, else the first row."""

    def has_identity(r):
        return bool(_row_text(r, "serial") or _row_text(r, "model"))

    chassis = [i for i, r in rows.items() if r.get("class") == CHASSIS_CLASS]
    for group in (
        [i for i in chassis if has_identity(rows[i])],
        chassis,
        [i for i, r in rows.items() if has_identity(r)],
        list(rows),
    ):
        if group:
            return group[0]
    return None


def modules_from_entity(rows: Mapping[int, Mapping[str, object]], chassis: int | None) -> list[ModuleFacts]:
    """Rows other than the chassis that have a serial or a model; the chassis listed again (same
    model and serial, e.g. a stack or a fixed switch's only module) is left out."""
    modules: list[ModuleFacts] = []
    seen: dict[str, int] = {}
    chassis_part = None
    if chassis is not None:
        chassis_part = (_row_text(rows[chassis], "model"), _row_text(rows[chassis], "serial"))
    for index, row in rows.items():
        if index == chassis:
            continue
        model = _row_text(row, "model")
        serial = _row_text(row, "serial")
        if not model and not serial or (serial and (model, serial) == chassis_part):
            continue
        name = _row_text(row, "name") or _row_text(row, "descr") or model or serial
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            name = f"{name} ({seen[name]})"
        modules.append(
            ModuleFacts(
                name=name[:100], part_number=model, serial=serial, description=_row_text(row, "descr", 250)
            )
        )
    return modules


# --- identification -----------------------------------------------------------------------------


@dataclass
class _Device:
    values: Mapping[str, object]
    chassis: Mapping[str, object]

    def raw(self, source: Source) -> str:
        v = self.values
        if source.kind == "entity":
            return as_text(self.chassis.get(source.arg))
        if source.kind == "oid":
            return as_text(v.get(source.arg))
        if source.kind == "walk":
            prefix = source.arg + "."
            rows = sorted((o for o in v if o.startswith(prefix)), key=_oid_key)
            for o in rows:
                if value_or_blank(as_text(v[o])):
                    return as_text(v[o])
            return ""
        if source.kind == "descr":
            return as_text(v.get(SYS_DESCR))
        if source.kind == "sysobjectid":
            return source.arg.get(_sys_object_id(v), "")
        if source.kind == "join":
            parts = [value_or_blank(as_text(v.get(o))) for o in source.arg]
            return " ".join(parts) if all(parts) else ""
        return source.arg  # const

    def read(self, source: Source) -> tuple[str, str]:
        """(value, raw value) of one source; value "" when it yields nothing."""
        raw = text(self.raw(source), 250)
        value = _extract(source.arg, raw) if source.kind == "descr" else raw
        if value and source.regex is not None:
            value = _extract(source.regex, value)
        if value and source.mapping:
            value = dict(source.mapping).get(value, value)
        for prefix in source.remove_prefix:
            if value.casefold().startswith(prefix.casefold()):
                value = value[len(prefix) :].strip()
        if source.upper:
            value = value.upper()
        value = value_or_blank(value)
        if value and source.format:
            value = source.format.replace("{v}", value)
        return value, raw

    def first(self, sources: tuple[Source, ...]) -> tuple[str, str]:
        for s in sources:
            value, raw = self.read(s)
            if value:
                return value, raw
        return "", ""


def _extract(pattern: re.Pattern, value: str) -> str:
    m = pattern.search(value)
    if not m:
        return ""
    if "v" in pattern.groupindex:
        return (m.group("v") or "").strip()
    return m.group(0).strip()


def identify(values: Mapping[str, object], table: RuleTable | None = None) -> DeviceFacts:
    """DeviceFacts out of what the client read (SYSTEM plus the plan)."""
    table = table or rules()
    descr = value_or_blank(as_text(values.get(SYS_DESCR)), 250)
    oid = _sys_object_id(values)
    if not descr and not oid:
        raise UnparsableOutput("SNMP: the agent answered neither sysObjectID nor sysDescr")
    rule = match_rule(values, table)
    rows = entity_rows(values) if rule.entity else {}
    chassis = chassis_row(rows) if rows else None
    device = _Device(values, rows.get(chassis, {}) if chassis is not None else {})
    f = rule.fields
    model, _ = device.first(f.get("model", ()))
    model_name, _ = device.first(f.get("model_name", ()))
    serial, _ = device.first(f.get("serial", ()))
    version, version_raw = device.first(f.get("version", ()))
    vendor, _ = device.first(f.get("manufacturer", ()))
    if not vendor and oid.startswith(ENTERPRISES):
        number = oid[len(ENTERPRISES) :].split(".")[0]
        vendor = table.enterprises.get(int(number), "") if number.isdigit() else ""
    category = next((c for p, c in rule.category_by_model if p.search(model or model_name)), rule.category)
    uptime = values.get(SYS_UPTIME)
    return DeviceFacts(
        hostname=value_or_blank(as_text(values.get(SYS_NAME))),
        vendor=vendor,
        model=model or model_name,
        model_name=model_name or model,
        serial=serial,
        driver="snmp",
        platform=rule.platform,
        os_version=version[:50],
        os_version_raw=version_raw,
        uptime_seconds=uptime / 100 if isinstance(uptime, int) and uptime >= 0 else None,
        modules=modules_from_entity(rows, chassis) if rule.entity else None,
        details={
            CATEGORY_KEY: category,
            PLATFORM_NAME_KEY: rule.platform_name,
            RULE_KEY: rule.name,
            "sys_object_id": oid,
        },
    )
