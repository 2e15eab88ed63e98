"""Ship the official holiday schedules (every year ``chinesecalendar`` carries) and the default calendar.

Reads the package at migration time; ``manage.py load_holidays`` picks up years of a newer package later.
Self-contained (historical models, no application code), so later moves of the calendar code cannot break
it; the tables now belong to ``worktime`` (state moved by worktime 0001, names kept).
"""

import datetime
from importlib.metadata import PackageNotFoundError, version

from django.db import migrations

try:
    from chinese_calendar import constants
except ImportError:  # the centre can still enter schedules in the admin
    constants = None


def _schedules() -> dict:
    """{year: [(date, kind, name)]} for every year the installed package carries."""
    chinese = {h.value: h.chinese for h in constants.Holiday}
    years: dict = {}
    for kind, table in (("holiday", constants.holidays), ("workday", constants.workdays)):
        for day, english in table.items():
            years.setdefault(day.year, []).append((day, kind, chinese.get(english, english)))
    return {year: sorted(days) for year, days in sorted(years.items())}


def _source() -> str:
    try:
        release = version("chinesecalendar")
    except PackageNotFoundError:  # pragma: no cover - installed as a dependency
        release = "?"
    return f"State Council holiday notice, via chinesecalendar {release}"


def forwards(apps, schema_editor):
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
    if constants is None:
        return
    CalendarYear = apps.get_model("dispatch", "CalendarYear")
    CalendarDay = apps.get_model("dispatch", "CalendarDay")
    CalendarRevision = apps.get_model("dispatch", "CalendarRevision")
    source = _source()
    for year, days in _schedules().items():
        if CalendarYear.objects.filter(year=year).exists():
            continue  # the centre may have entered or corrected it
        row = CalendarYear.objects.create(year=year, published=True, source=source)
        CalendarDay.objects.bulk_create(CalendarDay(year=row, date=d, kind=k, name=n) for d, k, n in days)
    # bulk_create sends no signals: move the revision so every running process reloads.
    revision, _created = CalendarRevision.objects.get_or_create(pk=1, defaults={"counter": 0})
    revision.counter += 1
    revision.save()


def backwards(apps, schema_editor):
    apps.get_model("dispatch", "CalendarYear").objects.all().delete()
    apps.get_model("dispatch", "WorkingCalendar").objects.filter(area__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0003_working_time_calendar")]

    operations = [migrations.RunPython(forwards, backwards)]
