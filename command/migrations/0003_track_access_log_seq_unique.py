"""The chain's numbering is unique and always set (its own migration: on PostgreSQL a table that a data
migration just updated cannot be altered in the same transaction)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("command", "0002_track_access_log_chain")]

    operations = [
        migrations.AlterField(
            model_name="trackaccesslog",
            name="seq",
            field=models.PositiveBigIntegerField(editable=False, unique=True),
        ),
    ]
