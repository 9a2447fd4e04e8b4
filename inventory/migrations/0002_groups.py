"""Create the groups viewer, engineer, planner and admin with their permissions.

Permissions are normally created after all migrations ran; they are created here first so
that the groups get them at once. Apps migrated later are granted theirs by the post_migrate
handler in ``InventoryConfig`` with the same rules (``inventory.roles``)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from inventory.roles import ROLES, sync_role_permissions


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_role_permissions(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
