"""Who may import whom (STYLE.md 1b), read from the source with ``ast`` — nothing is imported.

- Only URL modules import view modules, and only their own app's; the project's URL modules
  (``werterhalt/urls.py``, ``werterhalt/api/urls.py``) may import every app's. A view never
  imports another view: what two views share lives below them (a queryset method, a table, an
  export, a form, a base class in ``werterhalt/``).
- Floor 1 (pure rules and parsing) imports nothing from Django and no model of ours.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("inventory", "collectors", "lifecycle", "werterhalt")
PROJECT = "werterhalt"  # its URL modules are the root URLconfs: they may import any app's views
FLOOR_1 = (
    "lifecycle/rules.py", "lifecycle/frame.py", "collectors/normalize.py", "collectors/redfish.py",
    "collectors/snmp/identify.py", "collectors/snmp/records.py", "collectors/snmp/client.py",
    "collectors/lab/snmp_devices.py", "collectors/netbox/client.py", "collectors/netbox/mapping.py",
)
MODELS = tuple(f"{app}.models" for app in APPS)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sources() -> list[Path]:
    files = [p for app in APPS for p in sorted((ROOT / app).rglob("*.py"))]
    return [p for p in files if "migrations" not in p.relative_to(ROOT).parts]


def imports(tree: ast.AST, module: str, is_package: bool = False) -> list[tuple[int, str, str]]:
    """Every module an import statement may name (anywhere in the file, lazy imports too), as
    (line, dotted name, the statement). ``from a import b`` names ``a`` and ``a.b``: ``b`` may
    be a module."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, ast.unparse(node)) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            text = ast.unparse(node)
            found.append((node.lineno, source, text))
            found += [(node.lineno, f"{source}.{alias.name}", text) for alias in node.names]
    return found


def is_ours(name: str) -> bool:
    return name.split(".")[0] in APPS


def is_views(name: str) -> bool:
    return is_ours(name) and name.split(".")[-1] == "views"


def may_import_views(importer: str, target: str) -> bool:
    if importer.split(".")[-1] != "urls":
        return False
    app = importer.split(".")[0]
    return app == PROJECT or app == target.split(".")[0]


def view_import_violations(path: Path, source: str) -> list[str]:
    module = module_name(path)
    tree = ast.parse(source, filename=str(path))
    problems = []
    for line, target, text in imports(tree, module, path.name == "__init__.py"):
        if is_views(target) and target != module and not may_import_views(module, target):
            problems.append(f"{path.relative_to(ROOT)}:{line} imports {target}: {text}")
    return list(dict.fromkeys(problems))


def test_the_scan_reads_every_app():
    names = {module_name(p) for p in sources()}
    assert {"inventory.views", "lifecycle.api.views", "collectors.urls", "werterhalt.urls"} <= names
    assert not any(".migrations" in n for n in names)


def test_the_scan_sees_every_form_of_importing_a_view():
    path = ROOT / "lifecycle" / "api" / "views.py"
    source = "\n".join(
        [
            "import inventory.views",
            "from inventory.views import ASSETS",
            "from lifecycle import views",
            "from .. import views as lifecycle_views",
            "from . import serializers",
            "from django.views import View",
            "from rest_framework import views",
            "def later():",
            "    from collectors.views import RunView",
        ]
    )
    found = view_import_violations(path, source)
    assert [p.split(" imports ")[1].split(":")[0] for p in found] == [
        "inventory.views",
        "inventory.views",
        "lifecycle.views",
        "lifecycle.views",
        "collectors.views",
    ], found
    assert found[0] == "lifecycle/api/views.py:1 imports inventory.views: import inventory.views"


def test_url_modules_import_views_of_their_own_app_the_project_of_every_app():
    assert may_import_views("lifecycle.urls", "lifecycle.views")
    assert may_import_views("lifecycle.api.urls", "lifecycle.api.views")
    assert may_import_views("werterhalt.urls", "inventory.views")
    assert may_import_views("werterhalt.api.urls", "inventory.api.views")
    assert not may_import_views("lifecycle.urls", "inventory.views")
    assert not may_import_views("lifecycle.api.views", "lifecycle.views")
    assert not may_import_views("werterhalt.views", "inventory.views")


def test_only_url_modules_import_views():
    problems = [p for path in sources() for p in view_import_violations(path, path.read_text())]
    assert not problems, "views imported outside URL modules (move what they share below them):\n" + (
        "\n".join(problems)
    )


def test_floor_1_imports_neither_django_nor_models():
    problems = []
    for name in FLOOR_1:
        path = ROOT / name
        tree = ast.parse(path.read_text(), filename=str(path))
        for line, target, text in imports(tree, module_name(path)):
            if target.split(".")[0] == "django" or any(
                target == m or target.startswith(f"{m}.") for m in MODELS
            ):
                problems.append(f"{name}:{line} imports {target}: {text}")
    problems = list(dict.fromkeys(problems))
    assert not problems, "floor 1 reaches up:\n" + "\n".join(problems)
