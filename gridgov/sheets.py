"""Excel sheets the way a Chinese office reads them: a title row naming the scope and the period, dates and
times as real date cells in Beijing time, percentages as percentages.

Every xlsx export (the assessment report, the residents register) writes its rows through ``sheet_row``,
normal and write-only workbooks alike (openpyxl's ``WriteOnlyCell`` is a cell either kind takes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
PERCENT_FORMAT = "0.0%"
TITLE_FONT = Font(bold=True, size=14)
BOLD = Font(bold=True)


@dataclass(frozen=True)
class Percent:
    """A rate given in percent (87.5 for 87.5 %): written as the fraction 0.875 in a percent cell."""

    value: float | int | None


def local_time(value: dt.datetime) -> dt.datetime:
    """An aware time as Beijing wall-clock time without a zone (Excel cells hold no zone)."""
    if value.tzinfo is not None:
        value = value.astimezone(ZoneInfo(settings.TIME_ZONE))
    return value.replace(tzinfo=None)


def parse_time(value: str | dt.datetime | dt.date | None) -> dt.datetime | dt.date | None:
    """An ISO text (as the report dicts carry them) back to a date or a time; anything else unchanged."""
    if not isinstance(value, str) or not value:
        return value or None
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value)
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def cell(sheet, value, *, font=None):
    """One cell for ``sheet.append``: dates, times and percentages get their formats."""
    number_format = None
    if isinstance(value, Percent):
        value = None if value.value is None else round(value.value / 100, 6)
        number_format = PERCENT_FORMAT
    elif isinstance(value, dt.datetime):
        value, number_format = local_time(value), DATETIME_FORMAT
    elif isinstance(value, dt.date):
        number_format = DATE_FORMAT
    c = WriteOnlyCell(sheet, value=value)
    if number_format:
        c.number_format = number_format
    if font:
        c.font = font
    return c


def time_cell(sheet, value: dt.datetime | None):
    """A time as a cell with its format, or None: for the rows of a long list, appended as plain values."""
    return None if value is None else cell(sheet, value)


def sheet_row(sheet, values: Iterable, *, font=None) -> None:
    sheet.append([cell(sheet, v, font=font) for v in values])


def sheet_title(sheet, title: str, *, scope: str = "", start=None, end=None, generated_at=None) -> None:
    """The first rows: "title · scope · start 至 end" in large type, then when the file was made.

    A period's ``end`` given as a time at midnight is exclusive (the report's parameters): the title names the
    day before, the last day of the period, as a reader says it."""
    period = ""
    start, end = parse_time(start), parse_time(end)
    if start and end:
        last = _day(end)
        if isinstance(end, dt.datetime) and local_time(end).time() == dt.time():
            last -= dt.timedelta(days=1)
        period = _("%(start)s to %(end)s") % {"start": _day(start).isoformat(), "end": last.isoformat()}
    text = " · ".join(str(p) for p in (title, scope, period) if p)
    sheet.append([cell(sheet, text, font=TITLE_FONT)])
    made = parse_time(generated_at) if generated_at else None
    if isinstance(made, dt.datetime):
        sheet.append([cell(sheet, _("Generated at")), cell(sheet, made)])


def _day(value: dt.date | dt.datetime) -> dt.date:
    return local_time(value).date() if isinstance(value, dt.datetime) else value
