"""The four groups and what each may do.

| group    | may                                                               |
|----------|-------------------------------------------------------------------|
| viewer   | read the inventory, lifecycle data and discovery runs             |
| engineer | read everything; add, change, delete inventory and discovery data |
| planner  | read everything; add, change, delete lifecycle data; export plans |
| admin    | everything, users and groups included                             |

Apps added later (lifecycle, collectors) get their permissions assigned by the same rules when
they are migrated (see ``InventoryConfig.ready``).
"""

from __future__ import annotations

VIEWER, ENGINEER, PLANNER, ADMIN = "viewer", "engineer", "planner", "admin"
ROLES = (VIEWER, ENGINEER, PLANNER, ADMIN)

# The apps whose data the product owns; their "view" permission is what "read" means.
PRODUCT_APPS = ("inventory", "lifecycle", "collectors")
EDIT_APPS = {ENGINEER: ("inventory", "collectors"), PLANNER: ("lifecycle",)}
# Change log rows are written by the product itself, never edited by hand.
READ_ONLY_MODELS = {("inventory", "objectchange")}
# Each user manages their own API tokens and preferences in the UI; only admins see everyone's.
PERSONAL_MODELS = {("inventory", "token"), ("inventory", "userpreference")}


def wanted(role: str, app_label: str, model: str, codename: str) -> bool:
    """Whether ``role`` gets the permission ``app_label.codename`` (on ``model``)."""
    action = codename.split("_", 1)[0]
    if role == ADMIN:
        return True
    if app_label not in PRODUCT_APPS or (app_label, model) in PERSONAL_MODELS:
        return False
    if action == "view":
        return True
    if (app_label, model) in READ_ONLY_MODELS:
        return False
    if action in {"add", "change", "delete"}:
        return app_label in EDIT_APPS.get(role, ())
    # Custom permissions ("export_plan", "run_discovery"...) go with the app's editors.
    return app_label in EDIT_APPS.get(role, ())


def sync_role_permissions(group_model, permission_model, app_label: str | None = None) -> None:
    """Create the groups if missing and grant the permissions of ``app_label`` (or of every app)."""
    perms = permission_model.objects.select_related("content_type")
    if app_label:
        perms = perms.filter(content_type__app_label=app_label)
    perms = list(perms)
    for role in ROLES:
        group, _ = group_model.objects.get_or_create(name=role)
        grant = [
            p for p in perms
            if wanted(role, p.content_type.app_label, p.content_type.model, p.codename)
        ]
        group.permissions.add(*grant)
