"""Warnings for the centre's pages: years ahead whose official schedule is not in the calendar yet."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .schedule import local, snapshot

LOOKAHEAD = timedelta(days=365)


@dataclass(frozen=True)
class CalendarWarning:
    year: int
    message: str


def unpublished_years(a: datetime, b: datetime) -> list[int]:
    """Years between ``a`` and ``b`` (either order) that have no published schedule."""
    first, last = sorted((local(a).year, local(b).year))
    published = snapshot().published_years
    return [year for year in range(first, last + 1) if year not in published]


def calendar_warnings(at: datetime | None = None) -> list[CalendarWarning]:
    """One warning per year within the next 12 months that has no published holiday schedule.

    Deadlines that cross such a year still compute (weekends off, no holidays, no make-up days), so
    the centre must see that they may be wrong until the year's State Council notice is entered.
    """
    at = at or timezone.now()
    return [
        CalendarWarning(
            year=year,
            message=_(
                "The official holiday schedule for %(year)s is not in the calendar: deadlines in %(year)s "
                "skip weekends only. Enter it in the admin when the State Council notice appears."
            )
            % {"year": year},
        )
        for year in unpublished_years(at, at + LOOKAHEAD)
    ]
