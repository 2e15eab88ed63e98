"""The working-time calendar: official holidays and make-up days, per-district windows, and arithmetic.

Public interface::

    add_working_time(start, amount, unit, calendar=None) -> datetime
    working_time_between(a, b, unit, calendar=None) -> float
    next_working_moment(start, calendar=None) -> datetime
    calendar_warnings(at=None) -> [CalendarWarning(year, message)]
    is_working_day(day) / day_kind(day)

``calendar`` is a WorkingCalendar, an Area (the calendar of its district, or the default) or None.
"""

from datetime import date

from .arithmetic import (
    NATURAL_HOURS,
    NATURAL_MINUTES,
    UNITS,
    WORKING_DAYS,
    WORKING_HOURS,
    WORKING_UNITS,
    add_working_time,
    check_unit,
    next_working_moment,
    shift_working_time,
    unit_micros,
    working_micros_between,
    working_time_between,
)
from .notices import CalendarWarning, calendar_warnings, unpublished_years
from .schedule import LOCAL_TZ, Windows, invalidate, snapshot, windows_for


def is_working_day(day: date) -> bool:
    return snapshot().is_working_day(day.toordinal())


def day_kind(day: date) -> tuple[str, str]:
    """("holiday" | "workday" | "weekend" | "weekday", name of the holiday or make-up day or "")."""
    known = snapshot().kinds.get(day)
    if known:
        return known
    return ("weekend", "") if day.weekday() >= 5 else ("weekday", "")


__all__ = [
    "LOCAL_TZ",
    "NATURAL_HOURS",
    "NATURAL_MINUTES",
    "UNITS",
    "WORKING_DAYS",
    "WORKING_HOURS",
    "WORKING_UNITS",
    "CalendarWarning",
    "Windows",
    "add_working_time",
    "calendar_warnings",
    "check_unit",
    "day_kind",
    "invalidate",
    "is_working_day",
    "next_working_moment",
    "shift_working_time",
    "snapshot",
    "unit_micros",
    "unpublished_years",
    "windows_for",
    "working_micros_between",
    "working_time_between",
]
