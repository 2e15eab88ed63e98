"""Ship the official holiday schedules (every year ``chinesecalendar`` carries) and the default calendar.

Reads the package at migration time; ``manage.py load_holidays`` picks up years of a newer package later.
"""

import datetime

from django.db import migrations


def forwards(apps, schema_editor):
    from dispatch.calendar.official import load_official

    WorkingCalendar = apps.get_model("dispatch", "WorkingCalendar")
    if not WorkingCalendar.objects.filter(area__isnull=True).exists():
        WorkingCalendar.objects.create(
            name="默认作息时间",
            area=None,
            morning_start=datetime.time(8, 30),
            morning_end=datetime.time(12, 0),
            afternoon_start=datetime.time(14, 0),
            afternoon_end=datetime.time(17, 30),
        )
    try:
        import chinese_calendar  # noqa: F401
    except ImportError:  # the centre can still enter schedules in the admin
        return
    load_official(
        apps.get_model("dispatch", "CalendarYear"),
        apps.get_model("dispatch", "CalendarDay"),
        apps.get_model("dispatch", "CalendarRevision"),
    )


def backwards(apps, schema_editor):
    apps.get_model("dispatch", "CalendarYear").objects.all().delete()
    apps.get_model("dispatch", "WorkingCalendar").objects.filter(area__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0003_calendarrevision_calendaryear_calendarday_and_more")]

    operations = [migrations.RunPython(forwards, backwards)]
