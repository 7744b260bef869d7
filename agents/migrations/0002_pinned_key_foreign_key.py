import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Turn the pinned key's UUID into a foreign key to ApiKey.public_id (same column)."""

    dependencies = [
        ("agents", "0001_initial"),
        ("keys", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(model_name="agent", old_name="pinned_key_id", new_name="pinned_key"),
        migrations.AlterField(
            model_name="agent",
            name="pinned_key",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="pinned_by_agents",
                to="keys.apikey",
                to_field="public_id",
                verbose_name="pinned key",
            ),
        ),
    ]
