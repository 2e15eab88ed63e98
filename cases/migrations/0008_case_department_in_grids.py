"""The case's handling department now points at grids.Department (same table): state only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_command_map_indexes"),
        ("grids", "0003_department_from_dispatch"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="handling_department",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="grids.department",
                        verbose_name="handling department",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
