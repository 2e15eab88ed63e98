"""Adding and measuring time in the four units of a stage limit.

Natural minutes and hours are plain elapsed time, day and night. Working hours and working days count
only the windows of working days; a working day is one full day of window time (7 h by default), so one
working day from Monday 10:00 ends Tuesday 10:00.

Both work on a *working position*: the working microseconds between 0001-01-01 and a moment, i.e.
``working days before its date × day capacity + window time passed that day``. Outside the windows the
position stands still, so measuring is a subtraction and adding is ``position → earliest moment`` on
the sum. That makes the arithmetic exact (integer microseconds), additive and a round trip by
construction, and constant-time however far the deadline lies.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .schedule import LOCAL_TZ, MAX_ORDINAL, MICROS_PER_DAY, Snapshot, local, snapshot, windows_for

NATURAL_MINUTES = "natural_minutes"
NATURAL_HOURS = "natural_hours"
WORKING_HOURS = "working_hours"
WORKING_DAYS = "working_days"
UNITS = (NATURAL_MINUTES, NATURAL_HOURS, WORKING_HOURS, WORKING_DAYS)
WORKING_UNITS = (WORKING_HOURS, WORKING_DAYS)
NATURAL_MICROS = {NATURAL_MINUTES: 60_000_000, NATURAL_HOURS: 3_600_000_000}
HOUR_MICROS = 3_600_000_000


def check_unit(unit: str):
    if unit not in UNITS:
        raise ValidationError(
            _("Unknown time unit %(unit)s: use one of %(units)s."),
            code="unit",
            params={"unit": unit, "units": ", ".join(UNITS)},
        )


def unit_micros(unit: str, windows) -> int:
    """Microseconds of (working) time in one unit."""
    check_unit(unit)
    if unit in NATURAL_MICROS:
        return NATURAL_MICROS[unit]
    return HOUR_MICROS if unit == WORKING_HOURS else windows.capacity


def to_micros(amount, per_unit: int) -> int:
    """``amount`` units as whole microseconds (exact for int and Decimal, nearest for float)."""
    if isinstance(amount, bool) or not isinstance(amount, int | float | Decimal):
        raise ValidationError(_("The amount must be a number."), code="amount")
    exact = Decimal(amount) if not isinstance(amount, Decimal) else amount
    if not exact.is_finite():
        raise ValidationError(_("The amount must be a finite number."), code="amount")
    return int((exact * per_unit).to_integral_value())


def position(snap: Snapshot, windows, moment: datetime) -> int:
    """Working microseconds from 0001-01-01 (local) up to ``moment``."""
    here = local(moment)
    ordinal = here.toordinal()
    before = snap.working_days_before(ordinal) * windows.capacity
    if not snap.is_working_day(ordinal):
        return before
    since_midnight = ((here.hour * 60 + here.minute) * 60 + here.second) * 1_000_000 + here.microsecond
    return before + windows.worked_before(since_midnight)


def moment_at(snap: Snapshot, windows, pos: int) -> datetime:
    """The earliest moment whose working position is ``pos`` (pos > 0), in UTC."""
    day_index, worked = divmod(pos - 1, windows.capacity)
    if day_index >= snap.working_days_before(MAX_ORDINAL):
        raise ValidationError(_("The result lies beyond the calendar."), code="overflow")
    ordinal = snap.nth_working_day(day_index)
    return _from_local(ordinal, windows.time_at(worked + 1))


def _from_local(ordinal: int, micros: int) -> datetime:
    try:
        naive = datetime.fromordinal(ordinal) + timedelta(microseconds=micros)
        return naive.replace(tzinfo=LOCAL_TZ).astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise ValidationError(_("The result lies beyond the calendar."), code="overflow") from exc


def next_working_moment(start: datetime, calendar=None) -> datetime:
    """``start`` if it is inside a window (window ends included), else the next window start."""
    snap, windows = snapshot(), windows_for(calendar)
    here = local(start)
    ordinal = here.toordinal()
    if snap.is_working_day(ordinal):
        since_midnight = ((here.hour * 60 + here.minute) * 60 + here.second) * 1_000_000 + here.microsecond
        inside = windows.next_start_at_or_after(since_midnight)
        if inside == since_midnight:
            return start.astimezone(UTC)
        if inside is not None:
            return _from_local(ordinal, inside)
    ordinal = snap.nth_working_day(snap.working_days_before(ordinal + 1))
    return _from_local(ordinal, windows.spans[0][0])


def shift_working_time(start: datetime, micros: int, calendar=None) -> datetime:
    """``start`` moved by ``micros`` of working time, either way (deadlines of a suspended overdue stage)."""
    if micros == 0:
        return next_working_moment(start, calendar)
    snap, windows = snapshot(), windows_for(calendar)
    target = position(snap, windows, start) + micros
    if target <= 0:
        raise ValidationError(_("The result lies beyond the calendar."), code="overflow")
    return moment_at(snap, windows, target)


def add_working_time(start: datetime, amount, unit: str, calendar=None) -> datetime:
    """The moment ``amount`` ``unit`` after ``start`` (the deadline of a limit that starts then).

    For working units a start outside the windows first moves to the next window start, and the result
    is always inside a window (a deadline that ends exactly at a window's end stays there).
    ``calendar`` is a WorkingCalendar, an Area or area code (its district's calendar) or None (the default).
    """
    check_unit(unit)
    local(start)  # refuses naive datetimes
    windows = windows_for(calendar) if unit in WORKING_UNITS else None
    micros = to_micros(amount, unit_micros(unit, windows))
    if micros < 0:
        raise ValidationError(_("The amount cannot be negative."), code="negative")
    if unit in NATURAL_MICROS:
        try:
            return start.astimezone(UTC) + timedelta(microseconds=micros)
        except OverflowError as exc:
            raise ValidationError(_("The result lies beyond the calendar."), code="overflow") from exc
    return shift_working_time(start, micros, calendar)


def working_time_between(a: datetime, b: datetime, unit: str, calendar=None) -> float:
    """How much ``unit`` time passes from ``a`` to ``b`` (negative when ``b`` is earlier)."""
    micros = working_micros_between(a, b, unit, calendar)
    windows = windows_for(calendar) if unit in WORKING_UNITS else None
    return micros / unit_micros(unit, windows)


def working_micros_between(a: datetime, b: datetime, unit: str, calendar=None) -> int:
    """Microseconds of ``unit``'s kind of time (natural or working) from ``a`` to ``b``."""
    check_unit(unit)
    if unit in NATURAL_MICROS:
        delta = local(b).astimezone(UTC) - local(a).astimezone(UTC)
        return (delta.days * MICROS_PER_DAY) + delta.seconds * 1_000_000 + delta.microseconds
    snap, windows = snapshot(), windows_for(calendar)
    return position(snap, windows, b) - position(snap, windows, a)
