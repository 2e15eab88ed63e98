"""The chain's numbering is unique and always set (its own migration: on PostgreSQL a table that a data
migration just updated cannot be altered in the same transaction)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("residents", "0003_pii_access_log_chain")]

    operations = [
        migrations.AlterField(
            model_name="piiaccesslog",
            name="seq",
            field=models.PositiveBigIntegerField(editable=False, unique=True),
        ),
    ]
