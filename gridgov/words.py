"""Durations and amounts in the words a Chinese user reads ("超期 5 个月", "2 个工作日").

One place for them, so pages, exports and messages say a length of time the same way. Django's
``timesince`` gives "5 月，4 周" in zh-hans, which reads as a date, not a duration.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

_MINUTE = 60
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR


def _unit(count: int, unit: str) -> str:
    if unit == "year":
        return ngettext("%(n)d year", "%(n)d years", count) % {"n": count}
    if unit == "month":
        return ngettext("%(n)d month", "%(n)d months", count) % {"n": count}
    if unit == "day":
        return ngettext("%(n)d day", "%(n)d days", count) % {"n": count}
    if unit == "hour":
        return ngettext("%(n)d hour", "%(n)d hours", count) % {"n": count}
    return ngettext("%(n)d minute", "%(n)d minutes", count) % {"n": count}


def duration_words(length: timedelta | float | int | None) -> str:
    """A length of time in its largest unit, with the next unit while that still matters.

    Months are 30 days and years 365: the figure is for reading, not for arithmetic. Under three days the
    hours are kept ("2 天 5 小时"), under a day the minutes; beyond that one unit is enough.
    """
    if length is None:
        return ""
    seconds = int(length.total_seconds() if isinstance(length, timedelta) else length)
    seconds = max(seconds, 0)
    if seconds >= 365 * _DAY:
        return _unit(seconds // (365 * _DAY), "year")
    if seconds >= 30 * _DAY:
        return _unit(seconds // (30 * _DAY), "month")
    if seconds >= _DAY:
        days, rest = divmod(seconds, _DAY)
        hours = rest // _HOUR
        if days < 3 and hours:
            return _("%(days)s %(hours)s") % {"days": _unit(days, "day"), "hours": _unit(hours, "hour")}
        return _unit(days, "day")
    if seconds >= _HOUR:
        hours, rest = divmod(seconds, _HOUR)
        minutes = rest // _MINUTE
        if minutes:
            return _("%(hours)s %(minutes)s") % {
                "hours": _unit(hours, "hour"),
                "minutes": _unit(minutes, "minute"),
            }
        return _unit(hours, "hour")
    return _unit(max(seconds // _MINUTE, 1), "minute")


def overdue_words(length: timedelta | float | int | None) -> str:
    """ "超期 5 个月": how long past its deadline something is."""
    if length is None:
        return ""
    return _("%(length)s overdue") % {"length": duration_words(length)}


def overdue_since(due: datetime | None, now: datetime | None = None) -> str:
    """ "超期 5 个月" for a deadline ``due`` that has passed (nothing for one still ahead)."""
    if due is None:
        return ""
    late = (now or timezone.now()) - due
    return overdue_words(late) if late > timedelta(0) else ""


def number_words(amount: Decimal | float | int | None) -> str:
    """A quantity without trailing zeros: 2.00 → "2", 1.50 → "1.5"."""
    if amount is None:
        return ""
    text = format(Decimal(str(amount)).normalize(), "f")
    return text


def limit_words(amount: Decimal | float | int | str | None, unit: str | None) -> str:
    """A time limit or an extension, amount with its unit: ("2.00", "working_days") → "2 个工作日".

    The units are the catalogue's (``cases.models.LimitUnit`` keys); an unknown one is left out rather
    than shown raw."""
    if amount is None or amount == "":
        return ""
    n = number_words(Decimal(str(amount)))
    if unit == "working_days":
        return _("%(n)s working days") % {"n": n}
    if unit == "working_hours":
        return _("%(n)s working hours") % {"n": n}
    if unit == "natural_hours":
        return _("%(n)s hours") % {"n": n}
    if unit == "natural_minutes":
        return _("%(n)s minutes") % {"n": n}
    return n
