"""The working-time calendar moves from dispatch to its own app; the tables keep their names
(``dispatch_workingcalendar`` …), so only the migration state changes."""

import datetime

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("grids", "0003_department_from_dispatch"),
        # The tables (and the official schedules in them) were created by dispatch's migrations.
        ("dispatch", "0005_notifications_routing_whistles_assists"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CalendarRevision",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("counter", models.BigIntegerField(default=0)),
                    ],
                    options={
                        "db_table": "dispatch_calendarrevision",
                    },
                ),
                migrations.CreateModel(
                    name="CalendarYear",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "year",
                            models.PositiveSmallIntegerField(
                                unique=True,
                                validators=[django.core.validators.MinValueValidator(1992)],
                                verbose_name="year",
                            ),
                        ),
                        (
                            "published",
                            models.BooleanField(
                                default=True,
                                help_text=(
                                    "Untick while entering a schedule: "
                                    "days of an unpublished year are not applied yet."
                                ),
                                verbose_name="published",
                            ),
                        ),
                        (
                            "source",
                            models.CharField(
                                blank=True,
                                help_text="e.g. the State Council notice.",
                                max_length=300,
                                verbose_name="source",
                            ),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        "verbose_name": "holiday schedule",
                        "verbose_name_plural": "holiday schedules",
                        "db_table": "dispatch_calendaryear",
                        "ordering": ["-year"],
                    },
                ),
                migrations.CreateModel(
                    name="CalendarDay",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("date", models.DateField(unique=True, verbose_name="date")),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("holiday", "Public holiday (off)"),
                                    ("workday", "Make-up working day (调休)"),
                                ],
                                max_length=16,
                                verbose_name="kind",
                            ),
                        ),
                        (
                            "name",
                            models.CharField(
                                blank=True,
                                help_text="e.g. 春节 (Spring Festival).",
                                max_length=100,
                                verbose_name="name",
                            ),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "year",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="days",
                                to="worktime.calendaryear",
                                verbose_name="year",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "calendar day",
                        "verbose_name_plural": "calendar days",
                        "db_table": "dispatch_calendarday",
                        "ordering": ["date"],
                    },
                ),
                migrations.CreateModel(
                    name="WorkingCalendar",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=100, verbose_name="name")),
                        (
                            "morning_start",
                            models.TimeField(default=datetime.time(8, 30), verbose_name="morning starts"),
                        ),
                        (
                            "morning_end",
                            models.TimeField(default=datetime.time(12, 0), verbose_name="morning ends"),
                        ),
                        (
                            "afternoon_start",
                            models.TimeField(default=datetime.time(14, 0), verbose_name="afternoon starts"),
                        ),
                        (
                            "afternoon_end",
                            models.TimeField(default=datetime.time(17, 30), verbose_name="afternoon ends"),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "area",
                            models.OneToOneField(
                                blank=True,
                                help_text=(
                                    "Leave empty for the default calendar "
                                    "used by every district without its own."
                                ),
                                limit_choices_to={"level": "district"},
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="working_calendar",
                                to="grids.area",
                                verbose_name="district",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "working calendar",
                        "verbose_name_plural": "working calendars",
                        "db_table": "dispatch_workingcalendar",
                        "ordering": [models.OrderBy(models.F("area__code"), nulls_first=True)],
                        "constraints": [
                            models.UniqueConstraint(
                                models.Value(1),
                                condition=models.Q(("area__isnull", True)),
                                name="workingcalendar_one_default",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("morning_start__lt", models.F("morning_end")),
                                    ("morning_end__lte", models.F("afternoon_start")),
                                    ("afternoon_start__lt", models.F("afternoon_end")),
                                ),
                                name="workingcalendar_windows_ordered",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
