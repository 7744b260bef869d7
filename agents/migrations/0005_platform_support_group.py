"""Create the "platform support" group whose staff members may open granted organizations' traces."""

from django.db import migrations

# Also defined as agents.support_access.PLATFORM_SUPPORT_GROUP; a migration must not import app code.
PLATFORM_SUPPORT_GROUP = "platform support"


def create_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name=PLATFORM_SUPPORT_GROUP)


def delete_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name=PLATFORM_SUPPORT_GROUP).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("agents", "0004_support_access"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
