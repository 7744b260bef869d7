"""Give every membership a UUID for URLs.

A unique column cannot be added with one callable default to a table that already has rows,
so the column is added nullable, filled row by row, then made unique and required.
"""

import uuid

from django.db import migrations, models


def fill_public_ids(apps, schema_editor):
    Membership = apps.get_model("orgs", "Membership")
    for membership in Membership.objects.filter(public_id__isnull=True).only("pk"):
        membership.public_id = uuid.uuid4()
        membership.save(update_fields=["public_id"])


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="public_id",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(fill_public_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="membership",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, unique=True, editable=False),
        ),
    ]
