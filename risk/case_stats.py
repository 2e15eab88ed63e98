"""Case statistics beyond the assessment (案件统计分析): the cases reported in an area of the reader's reach
during a month, counted by major category, source, hour of day and weekday (Beijing time), and by the units
one level below the area. One grouped query per table over the cases of the month, whatever their number;
every count with its share of the month's cases."""

import datetime as dt
import io
import zoneinfo

from django.db.models import Count
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, Substr
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from cases.models import Case, Source
from gridgov.sheets import Percent, sheet_row, sheet_title
from grids.models import CODE_LENGTH, LEVEL_ORDER, Area, Level
from grids.scope import prefix_q

LOCAL = zoneinfo.ZoneInfo("Asia/Shanghai")
TABLES = [
    ("category", gettext_lazy("By category")),
    ("source", gettext_lazy("By source")),
    ("hour", gettext_lazy("By hour of day")),
    ("weekday", gettext_lazy("By weekday")),
    ("area", gettext_lazy("By area")),
]


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of ``month`` (any day in it) and of the next, Beijing time."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    start = dt.datetime.combine(first, dt.time(), LOCAL)
    return start, dt.datetime.combine(following, dt.time(), LOCAL)


def statistics(area: Area, month: dt.date) -> dict:
    """The five tables for ``area`` (already checked to be in the reader's reach) and ``month``."""
    start, end = month_bounds(month)
    cases = Case.objects.filter(
        prefix_q("area_code", [area.code]), reported_at__gte=start, reported_at__lt=end
    )
    total = cases.count()
    below = LEVEL_ORDER[min(LEVEL_ORDER.index(area.level) + 1, LEVEL_ORDER.index(Level.GRID))]
    tables = {
        "category": _counted(
            cases.values_list("category__parent__name").annotate(n=Count("id")).order_by("-n"), str
        ),
        "source": _counted(
            cases.values_list("source").annotate(n=Count("id")).order_by("-n"),
            lambda v: str(Source(v).label) if v in Source.values else v,
        ),
        "hour": _filled(
            cases.annotate(k=ExtractHour("reported_at", tzinfo=LOCAL))
            .values_list("k")
            .annotate(n=Count("id")),
            range(24),
            lambda h: f"{h:02d}:00–{h:02d}:59",
        ),
        "weekday": _filled(
            cases.annotate(k=ExtractIsoWeekDay("reported_at", tzinfo=LOCAL))
            .values_list("k")
            .annotate(n=Count("id")),
            range(1, 8),
            lambda d: str(WEEKDAYS[d - 1]),
        ),
        "area": _units(cases, CODE_LENGTH[below]),
    }
    return {
        "area": area,
        "month": start.date(),
        "total": total,
        "tables": [
            {"key": key, "title": title, "rows": [(label, n, _share(n, total)) for label, n in tables[key]]}
            for key, title in TABLES
        ],
    }


def _counted(pairs, label):
    return [(label(key) if key is not None else "—", n) for key, n in pairs]


def _filled(pairs, keys, label):
    """Every key in order, zero where no case fell (an empty hour is a figure too)."""
    found = dict(pairs)
    return [(label(k), found.get(k, 0)) for k in keys]


def _units(cases, length):
    counts = cases.annotate(u=Substr("area_code", 1, length)).values_list("u").annotate(n=Count("id"))
    found = dict(counts)
    names = dict(Area.objects.filter(code__in=list(found)).values_list("code", "name"))
    return sorted(((names.get(code, code), n) for code, n in found.items()), key=lambda r: -r[1])


def _share(n, total):
    return round(100 * n / total, 1) if total else None


def statistics_xlsx(stats: dict) -> bytes:
    """One sheet per table, with the scope and month in the title row and shares as percentages."""
    book = Workbook(write_only=True)
    start, end = month_bounds(stats["month"])
    for table in stats["tables"]:
        sheet = book.create_sheet(str(table["title"]))
        sheet_title(
            sheet,
            f"{_('Case statistics')} · {table['title']}",
            scope=stats["area"].name,
            start=start,
            end=end,
            generated_at=timezone.now(),
        )
        sheet_row(sheet, ["", _("Cases"), _("Share")])
        for label, n, share in table["rows"]:
            sheet_row(sheet, [label, n, Percent(share) if share is not None else "—"])
        sheet_row(sheet, [_("Total"), stats["total"], ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
