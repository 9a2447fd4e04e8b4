"""The NetBox community's device-type library as hardware models (issue #18).

``read(folder)`` parses the library's YAML (``device-types/<Manufacturer>/<model>.yaml`` and
``module-types/<Manufacturer>/<model>.yaml``, or a folder of such files) and checks every file
before anything is written; ``apply(types)`` writes them in one transaction under an import actor.

What a file becomes:

- ``manufacturer`` -> ``Manufacturer``, matched through ``naming.vendor_key`` over the names, slugs
  and aliases the catalogue knows; made (name as the file spells it) when nothing matches.
- a device or module type -> ``HardwareModel`` of that manufacturer: ``model`` is the file's
  ``part_number`` (its ``model`` when it has none), ``name`` is the file's ``model``, and the
  file's other spellings (``model``, ``part_number``, ``slug``) that differ by ``naming.model_key``
  become aliases, so that discovery, which looks a model up by part number, name and aliases,
  finds it under any of them.

Matching: an existing model of the manufacturer is updated, never duplicated, when its part
number, name or an alias is one of the file's spellings (the part number first). A spelling
that another model of the manufacturer already answers to is not added as an alias (both
would become unreachable by it); nor is one that another file of the same import uses as its
part number.

What an update changes, and nothing else: aliases are added (none is ever dropped); the name is
filled when it is empty or only one of the file's spellings (e.g. the part number discovery named
the model by), a name people gave is kept; the category is set only while it is still
``other``. The part number, list price, comments, lifecycle data and the ``discovered`` flag
(a person reviews a discovered model, an import does not) are never touched. A new model also
gets the file's ``comments`` (mostly a datasheet link).

Category, guessed from what the file lists (routers and firewalls cannot be told apart from a
switch by their ports: they stay ``other`` for people, or keep discovery's guess):
module type -> ``module``; a management-only interface named like a BMC (iDRAC, iLO, BMC, IPMI,
XCC, IMM, CIMC) -> ``server``; power outlets and "UPS" in the model, slug or comments -> ``ups``
(a PDU has no category of its own: ``other``); console-server ports -> ``appliance``; at least 24
physical interfaces that are neither management-only nor virtual -> ``switch``; else ``other``.

A second import of the same files changes nothing: no save, no change-log row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction
from django.utils.text import slugify

from inventory.changelog import change_actor
from inventory.choices import ActorKind, HardwareCategory
from inventory.models import HardwareModel, Manufacturer
from inventory.naming import model_key, vendor_key

DEVICE, MODULE = "device", "module"
FOLDERS = {"device-types": DEVICE, "module-types": MODULE}
SUFFIXES = (".yaml", ".yml")
LONGEST = 100  # HardwareModel.model / .name, Manufacturer.name
SWITCH_PORTS = 24  # physical data interfaces from which a device type counts as a switch
_BMC = re.compile(r"\b(idrac\d*|ilo\d*|bmc|ipmi|xcc|imm\d*|cimc)\b", re.IGNORECASE)
_UPS = re.compile(r"(?<![a-z0-9])ups(?![a-z0-9])", re.IGNORECASE)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


class LibraryError(Exception):
    """Bad input: ``errors`` lists every problem as ``"<file>: <what>"``; nothing was written."""

    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


@dataclass
class DeviceType:
    source: str  # the file, relative to the folder read
    kind: str  # DEVICE or MODULE
    manufacturer: str
    model: str
    part_number: str = ""
    slug: str = ""
    comments: str = ""
    category: str = HardwareCategory.OTHER
    aliases: list[str] = field(default_factory=list)  # set by read(): the other spellings to add

    @property
    def part(self) -> str:
        """What ``HardwareModel.model`` holds: the part number, else the model."""
        return self.part_number or self.model

    def spellings(self) -> list[str]:
        """Every spelling of this type, the part number first, one per model key."""
        out: list[str] = []
        for s in (self.part, self.model, self.slug):
            if s and model_key(s) not in {model_key(o) for o in out}:
                out.append(s)
        return out


@dataclass
class Outcome:
    source: str
    outcome: str  # CREATED, UPDATED or UNCHANGED
    model: str  # "<manufacturer> <part number> (<model>)"
    changed: list[str] = field(default_factory=list)  # fields an update changed
    notes: list[str] = field(default_factory=list)  # aliases left out, and why


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    manufacturers_created: list[str] = field(default_factory=list)
    files: list[Outcome] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged; "
                f"{len(self.manufacturers_created)} manufacturer(s) created")


# --- reading -------------------------------------------------------------------------------------


def library_files(folder: Path) -> list[tuple[Path, str]]:
    """(file, kind) of every YAML file to read: those under ``device-types/`` and
    ``module-types/`` when the folder has either (the library's own layout; its other YAML, CI
    settings and schemas, is left alone), else every YAML file under the folder (a module type
    when the folder is inside ``module-types``). Hidden files and folders are skipped."""
    roots = [(folder / name, kind) for name, kind in FOLDERS.items() if (folder / name).is_dir()]
    if not roots:
        parts = folder.resolve().parts
        roots = [(folder, MODULE if "module-types" in parts else DEVICE)]
    found = []
    for root, kind in roots:
        for path in sorted(root.rglob("*")):
            hidden = any(p.startswith(".") for p in path.relative_to(root).parts)
            if path.suffix.casefold() in SUFFIXES and path.is_file() and not hidden:
                found.append((path, kind))
    return found


def _text(data: dict, key: str, where: str, errors: list[str], required: bool = False) -> str:
    value = data.get(key)
    if value is None or value == "":
        if required:
            errors.append(f"{where}: no {key}" if key not in data else f"{where}: {key} is empty")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        errors.append(f"{where}: {key} must be text, not {type(value).__name__} ({str(value)[:40]!r})")
        return ""
    text = " ".join(str(value).split())
    if len(text) > LONGEST:
        errors.append(f"{where}: {key} is longer than {LONGEST} characters")
        return ""
    return text


def _components(data: dict, key: str, where: str, errors: list[str]) -> list[dict]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        errors.append(f"{where}: {key} must be a list of mappings")
        return []
    return value


def guess_category(kind: str, data: dict, interfaces: list[dict], text: str) -> str:
    """The HardwareCategory the file's contents suggest (see the module's docstring)."""
    if kind == MODULE:
        return HardwareCategory.MODULE
    mgmt = [i for i in interfaces if i.get("mgmt_only") is True]
    if any(_BMC.search(str(i.get("name", ""))) for i in mgmt):
        return HardwareCategory.SERVER
    if data.get("power-outlets") and _UPS.search(text):
        return HardwareCategory.UPS
    if data.get("console-server-ports"):
        return HardwareCategory.APPLIANCE
    data_ports = [i for i in interfaces if i.get("mgmt_only") is not True and i.get("type") != "virtual"]
    if len(data_ports) >= SWITCH_PORTS:
        return HardwareCategory.SWITCH
    return HardwareCategory.OTHER


def parse(text: str, where: str, kind: str, errors: list[str]) -> DeviceType | None:
    """One file's text as a DeviceType; problems are appended to ``errors`` (None then)."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        errors.append(f"{where}: not valid YAML{at}: {problem}")
        return None
    if not isinstance(data, dict):
        errors.append(f"{where}: not a mapping of keys to values but {type(data).__name__}")
        return None
    before = len(errors)
    manufacturer = _text(data, "manufacturer", where, errors, required=True)
    model = _text(data, "model", where, errors, required=True)
    part_number = _text(data, "part_number", where, errors)
    slug = _text(data, "slug", where, errors)
    comments = data.get("comments")
    interfaces = _components(data, "interfaces", where, errors)
    for key in ("power-outlets", "console-server-ports"):
        _components(data, key, where, errors)
    if manufacturer and not vendor_key(manufacturer):
        errors.append(f"{where}: manufacturer {manufacturer!r} has no letters or digits")
    if len(errors) > before:
        return None
    comments = comments.strip() if isinstance(comments, str) else ""
    category = guess_category(kind, data, interfaces, " ".join((model, part_number, slug, comments)))
    return DeviceType(source=where, kind=kind, manufacturer=manufacturer, model=model,
                      part_number=part_number, slug=slug, comments=comments, category=category)


def read(folder: str | Path) -> list[DeviceType]:
    """Every device and module type under ``folder``, checked. Raises ``LibraryError`` with every
    problem of every file (a file that is not YAML, not a mapping, or lacks its manufacturer or
    model; two files for one model)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise LibraryError([f"{folder}: no such folder"])
    files = library_files(folder)
    if not files:
        raise LibraryError([f"{folder}: no .yaml or .yml files"])
    errors: list[str] = []
    types: list[DeviceType] = []
    for path, kind in files:
        where = path.relative_to(folder).as_posix()
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as e:
            errors.append(f"{where}: not UTF-8 text (byte {e.start})")
            continue
        except OSError as e:
            errors.append(f"{where}: {e.strerror}")
            continue
        found = parse(text, where, kind, errors)
        if found:
            types.append(found)
    # one model of a manufacturer, one file; a file's other spellings that another file uses as
    # its part number are not its aliases
    parts: dict[tuple[str, str], DeviceType] = {}
    for t in types:
        key = (vendor_key(t.manufacturer), model_key(t.part))
        if key in parts:
            errors.append(f"{t.source}: {t.manufacturer} {t.part} is also in {parts[key].source}")
        else:
            parts[key] = t
    if errors:
        raise LibraryError(errors)
    for t in types:
        vk = vendor_key(t.manufacturer)
        t.aliases = [s for s in t.spellings()[1:] if parts.get((vk, model_key(s)), t) is t]
    return types


# --- writing -------------------------------------------------------------------------------------


class _Models:
    """The hardware models of the catalogue by (manufacturer id, model key), kept up to date."""

    def __init__(self) -> None:
        self.rows: dict[int, HardwareModel] = {hm.pk: hm for hm in HardwareModel.objects.all()}
        self.by_part: dict[tuple[int, str], int] = {}
        self.owners: dict[tuple[int, str], set[int]] = {}
        for hm in self.rows.values():
            self.add(hm)

    def add(self, hm: HardwareModel) -> None:
        self.rows[hm.pk] = hm
        self.by_part.setdefault((hm.manufacturer_id, model_key(hm.model)), hm.pk)
        for s in (hm.model, hm.name, *hm.aliases):
            if model_key(s):
                self.owners.setdefault((hm.manufacturer_id, model_key(s)), set()).add(hm.pk)

    def find(self, mfr_id: int, spellings: list[str], taken: set[int]) -> HardwareModel | None:
        """The model that one of ``spellings`` names (part number first, then name or alias,
        a key more than one model answers to names none), not one of ``taken``."""
        for s in spellings:
            k = (mfr_id, model_key(s))
            pk = self.by_part.get(k)
            if pk is None and len(self.owners.get(k, ())) == 1:
                pk = next(iter(self.owners[k]))
            if pk is not None and pk not in taken:
                return self.rows[pk]
        return None

    def other_owner(self, hm: HardwareModel, spelling: str) -> HardwareModel | None:
        others = self.owners.get((hm.manufacturer_id, model_key(spelling)), set()) - {hm.pk}
        return self.rows[min(others)] if others else None


def _manufacturer(name: str, index: dict[str, int], report: Report) -> int:
    key = vendor_key(name)
    if key in index:
        return index[key]
    same = Manufacturer.objects.filter(name__iexact=name).first()  # its key clashes with another's
    if same:
        return same.pk
    base = slugify(name)[:LONGEST] or "vendor"
    slug, n = base, 1
    while Manufacturer.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base[:LONGEST - len(str(n)) - 1]}-{n}"
    mfr = Manufacturer.objects.create(name=name, slug=slug)
    index[key] = mfr.pk
    report.manufacturers_created.append(name)
    return mfr.pk


def _update(hm: HardwareModel, t: DeviceType, models: _Models, outcome: Outcome) -> None:
    changed: dict[str, object] = {}
    library_keys = {model_key(s) for s in t.spellings()} - {model_key(t.model)}
    if (not hm.name.strip() or model_key(hm.name) in library_keys) and hm.name != t.model:
        changed["name"] = t.model
    aliases = list(hm.aliases)
    have = {model_key(s) for s in (hm.model, *aliases)}
    for s in [t.part, *t.aliases]:
        if model_key(s) in have:
            continue
        other = models.other_owner(hm, s)
        if other is not None:
            outcome.notes.append(f"alias {s!r} left out: it already names {other.model}")
            continue
        aliases.append(s)
        have.add(model_key(s))
    if aliases != hm.aliases:
        changed["aliases"] = aliases
    if hm.category == HardwareCategory.OTHER and t.category != HardwareCategory.OTHER:
        changed["category"] = t.category
    if changed:
        for name, value in changed.items():
            setattr(hm, name, value)
        hm.save(update_fields=list(changed))
        models.add(hm)
        outcome.changed = list(changed)


def apply(types: list[DeviceType], *, dry_run: bool = False, actor: str = "import_devicetypes") -> Report:
    """Write ``types`` (from ``read``) as manufacturers and hardware models, in one transaction
    under an import actor; a dry run rolls it back. Returns what each file did."""
    report = Report()
    with transaction.atomic(), change_actor(ActorKind.IMPORT, actor[:100]):
        vendors = Manufacturer.objects.index()
        models = _Models()
        taken: set[int] = set()  # models a file of this import has matched or made
        for t in types:
            mfr_id = _manufacturer(t.manufacturer, vendors, report)
            named = f" ({t.model})" if t.model != t.part else ""
            outcome = Outcome(source=t.source, outcome=UNCHANGED, model=f"{t.manufacturer} {t.part}{named}")
            hm = models.find(mfr_id, [t.part, *t.aliases], taken)
            same = models.by_part.get((mfr_id, model_key(t.part)))
            if hm is None and same in taken:  # two manufacturer names of the file for one vendor
                raise LibraryError([f"{t.source}: {t.manufacturer} {t.part} is also in another file "
                                    f"(its manufacturer is the same in the catalogue); nothing was written"])
            if hm is None:
                aliases = []
                for s in t.aliases:
                    other = models.owners.get((mfr_id, model_key(s)))
                    if other:
                        outcome.notes.append(f"alias {s!r} left out: another model answers to it")
                    else:
                        aliases.append(s)
                hm = HardwareModel.objects.create(
                    manufacturer_id=mfr_id, model=t.part, name=t.model, aliases=aliases,
                    category=t.category, comments=t.comments,
                )
                models.add(hm)
                outcome.outcome = CREATED
            else:
                _update(hm, t, models, outcome)
                if outcome.changed:
                    outcome.outcome = UPDATED
            taken.add(hm.pk)
            setattr(report, outcome.outcome, getattr(report, outcome.outcome) + 1)
            report.files.append(outcome)
        if dry_run:
            transaction.set_rollback(True)
    return report
