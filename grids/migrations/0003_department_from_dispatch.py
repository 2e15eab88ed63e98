"""Departments are organisation: their model moves from dispatch to grids, the table stays
(``dispatch_department``), so only the migration state changes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("grids", "0002_remove_area_area_code_prefix"),
        # The table was created by dispatch's migrations.
        ("dispatch", "0005_notifications_routing_whistles_assists"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Department",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("code", models.CharField(max_length=32, unique=True, verbose_name="code")),
                        ("name", models.CharField(max_length=100, verbose_name="name")),
                        ("is_active", models.BooleanField(default=True, verbose_name="active")),
                        (
                            "area",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="departments",
                                to="grids.area",
                            ),
                        ),
                        (
                            "covered_areas",
                            models.ManyToManyField(
                                blank=True, related_name="covering_departments", to="grids.area"
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "department",
                        "verbose_name_plural": "departments",
                        "db_table": "dispatch_department",
                        "ordering": ["code"],
                    },
                ),
                migrations.AlterField(
                    model_name="membership",
                    name="department",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="memberships",
                        to="grids.department",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
