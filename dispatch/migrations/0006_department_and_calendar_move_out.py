"""Departments (now grids) and the working-time calendar (now worktime) leave dispatch's state; the
tables stay as they are. The content types follow, so permissions granted on them are kept."""

import django.db.models.deletion
from django.db import migrations, models

MOVED = {
    "department": "grids",
    "workingcalendar": "worktime",
    "calendaryear": "worktime",
    "calendarday": "worktime",
    "calendarrevision": "worktime",
}


def content_types_follow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, app_label in MOVED.items():
        if not ContentType.objects.filter(app_label=app_label, model=model).exists():
            ContentType.objects.filter(app_label="dispatch", model=model).update(app_label=app_label)


def content_types_return(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model, app_label in MOVED.items():
        if not ContentType.objects.filter(app_label="dispatch", model=model).exists():
            ContentType.objects.filter(app_label=app_label, model=model).update(app_label="dispatch")


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0002_caserecord_department_in_grids"),
        ("cases", "0008_case_department_in_grids"),
        ("dispatch", "0005_notifications_routing_whistles_assists"),
        ("grids", "0003_department_from_dispatch"),
        ("worktime", "0001_calendar_from_dispatch"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="calendarday",
                    name="year",
                ),
                migrations.DeleteModel(
                    name="CalendarRevision",
                ),
                migrations.RemoveField(
                    model_name="department",
                    name="area",
                ),
                migrations.RemoveField(
                    model_name="department",
                    name="covered_areas",
                ),
                migrations.AlterField(
                    model_name="caseassist",
                    name="department",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="assists",
                        to="grids.department",
                        verbose_name="department",
                    ),
                ),
                migrations.AlterField(
                    model_name="whistlecall",
                    name="department",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="whistle_calls",
                        to="grids.department",
                        verbose_name="department",
                    ),
                ),
                migrations.AlterField(
                    model_name="routingrule",
                    name="department",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="routing_rules",
                        to="grids.department",
                        verbose_name="department",
                    ),
                ),
                migrations.RemoveField(
                    model_name="workingcalendar",
                    name="area",
                ),
                migrations.DeleteModel(
                    name="CalendarDay",
                ),
                migrations.DeleteModel(
                    name="CalendarYear",
                ),
                migrations.DeleteModel(
                    name="Department",
                ),
                migrations.DeleteModel(
                    name="WorkingCalendar",
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_follow, content_types_return),
    ]
