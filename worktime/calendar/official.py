"""The official holiday schedules (国务院办公厅关于…部分节假日安排的通知) as carried by ``chinesecalendar``.

Used by ``manage.py load_holidays`` and the admin, so a deployment picks up a newer package's years with
one command.
"""

from importlib.metadata import PackageNotFoundError, version

from chinese_calendar import constants
from django.db import transaction

from .schedule import invalidate


def package_schedules() -> dict:
    """{year: [(date, kind, name)]} for every year the installed package carries."""
    chinese = {h.value: h.chinese for h in constants.Holiday}
    years: dict = {}
    for kind, table in (("holiday", constants.holidays), ("workday", constants.workdays)):
        for day, english in table.items():
            years.setdefault(day.year, []).append((day, kind, chinese.get(english, english)))
    return {year: sorted(days) for year, days in sorted(years.items())}


def package_source() -> str:
    try:
        release = version("chinesecalendar")
    except PackageNotFoundError:  # pragma: no cover - installed as a dependency
        release = "?"
    return f"State Council holiday notice, via chinesecalendar {release}"


def load_official(year_model, day_model, revision_model, *, years=None, replace=False) -> dict:
    """Create (or with ``replace`` overwrite) the schedules of ``years`` (default: all the package has).

    Years already in the database are left alone unless ``replace``: the centre may have corrected them.
    Returns {year: "created" | "replaced" | "kept" | "missing"}.
    """
    schedules = package_schedules()
    wanted = sorted(years) if years else list(schedules)
    source = package_source()
    outcome = {}
    with transaction.atomic():
        for year in wanted:
            days = schedules.get(year)
            if not days:
                outcome[year] = "missing"
                continue
            row = year_model.objects.filter(year=year).first()
            if row is not None and not replace:
                outcome[year] = "kept"
                continue
            if row is None:
                row = year_model.objects.create(year=year, published=True, source=source)
                outcome[year] = "created"
            else:
                row.days.all().delete()
                row.published, row.source = True, source
                row.save()
                outcome[year] = "replaced"
            day_model.objects.bulk_create(day_model(year=row, date=d, kind=k, name=n) for d, k, n in days)
        # bulk_create sends no signals: move the revision so every process reloads.
        if not revision_model.objects.filter(pk=1).exists():
            revision_model.objects.create(pk=1, counter=0)
        row = revision_model.objects.get(pk=1)
        row.counter += 1
        row.save()
    invalidate()  # this process at once; the others follow the revision
    return outcome
