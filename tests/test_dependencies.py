"""Every package the product imports is declared in pyproject.toml (issue #14: netutils, numpy,
textfsm… were imported but undeclared): the runtime ones in `dependencies`, the lab's
(collectors/lab) in the `lab` extra."""

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OWN = {"werterhalt", "inventory", "lifecycle", "collectors", "tests", "manage"}


def _imported(files) -> set[str]:
    names = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in OWN and n not in sys.stdlib_module_names}


def _declared(requirements) -> set[str]:
    return {re.split(r"[<>=\[; ]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}


def _distributions(modules) -> dict[str, set[str]]:
    known = packages_distributions()
    return {m: {d.lower().replace("_", "-") for d in known.get(m, [])} for m in modules}


def test_every_imported_package_is_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _declared(project["dependencies"])
    lab = runtime | _declared(project["optional-dependencies"]["lab"])
    product = [p for app in ("werterhalt", "inventory", "lifecycle", "collectors")
               for p in (ROOT / app).rglob("*.py") if "lab" not in p.relative_to(ROOT).parts]
    lab_files = list((ROOT / "collectors" / "lab").rglob("*.py"))
    missing = []
    for files, declared, where in ((product, runtime, "dependencies"), (lab_files, lab, "lab")):
        for module, dists in sorted(_distributions(_imported(files)).items()):
            if not dists & declared:
                missing.append(f"{module} ({', '.join(sorted(dists)) or 'not installed'}) not in {where}")
    assert missing == []
