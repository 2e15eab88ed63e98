"""This process's copy of the calendar: working days and windows, rebuilt when the revision moves.

Working days follow one rule with sparse exceptions, so instead of a table of days the copy keeps the
exceptions as sorted ordinals with running sums. ``working_days_before(ordinal)`` is then a formula
(five days per full week) plus one bisect, and finding the n-th working day is a binary search over it:
a deadline 100 working days out costs a few dozen integer operations, not a walk over the days.
"""

import bisect
import threading
import time as monotonic_clock
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from grids.models import Area
from worktime.models import CalendarDay, CalendarRevision, CalendarYear, WorkingCalendar

RECHECK_SECONDS = 2.0
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
MICROS_PER_DAY = 86_400_000_000
MAX_ORDINAL = date.max.toordinal()


def _micros(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


@dataclass(frozen=True)
class Windows:
    """A working day's windows as microseconds since local midnight: ((start, end), (start, end))."""

    spans: tuple

    @classmethod
    def from_times(cls, morning_start, morning_end, afternoon_start, afternoon_end):
        morning = (_micros(morning_start), _micros(morning_end))
        return cls((morning, (_micros(afternoon_start), _micros(afternoon_end))))

    @property
    def capacity(self) -> int:
        """Working microseconds in one working day (7 h with the default windows)."""
        return sum(end - start for start, end in self.spans)

    def worked_before(self, micros: int) -> int:
        """Working microseconds of a working day that have passed at ``micros`` past midnight."""
        return sum(min(max(micros - start, 0), end - start) for start, end in self.spans)

    def time_at(self, worked: int) -> int:
        """The earliest moment (micros past midnight) at which ``worked`` (0 < worked ≤ capacity) has passed.

        The earliest, so a deadline that uses up the morning ends at the morning's end, not at the
        afternoon's start.
        """
        for start, end in self.spans:
            if worked <= end - start:
                return start + worked
            worked -= end - start
        return self.spans[-1][1]

    def next_start_at_or_after(self, micros: int) -> int | None:
        """``micros`` itself when inside a window (ends included), else the next window start that day."""
        for start, end in self.spans:
            if micros < start:
                return start
            if micros <= end:
                return micros
        return None


DEFAULT_WINDOWS = Windows.from_times(time(8, 30), time(12, 0), time(14, 0), time(17, 30))


@dataclass(frozen=True)
class Snapshot:
    revision: int
    published_years: frozenset
    # Exceptions to the Monday–Friday rule of published years, as sorted ordinals, and the running
    # sum of their effect (+1 a make-up Saturday, −1 a weekday holiday) up to and including each one.
    exception_ordinals: tuple
    exception_running: tuple
    kinds: dict  # date → (kind, name), every published day row (for pages and names)
    windows_by_district: dict  # district code → Windows
    default_windows: Windows = DEFAULT_WINDOWS

    def is_working_day(self, ordinal: int) -> bool:
        i = bisect.bisect_left(self.exception_ordinals, ordinal)
        if i < len(self.exception_ordinals) and self.exception_ordinals[i] == ordinal:
            # Only effective exceptions are kept, so an exception always flips the weekday rule.
            return (ordinal - 1) % 7 >= 5
        return (ordinal - 1) % 7 < 5

    def working_days_before(self, ordinal: int) -> int:
        """Working days in [0001-01-01, ordinal): the weekday formula plus the exceptions before it."""
        days = ordinal - 1  # 0001-01-01 (ordinal 1) is a Monday
        count = days // 7 * 5 + min(days % 7, 5)
        i = bisect.bisect_left(self.exception_ordinals, ordinal)
        return count + (self.exception_running[i - 1] if i else 0)

    def nth_working_day(self, n: int) -> int:
        """Ordinal of the working day with ``working_days_before == n`` (n ≥ 0)."""
        # Five working days per seven calendar days, and each exception moves the answer by at most a
        # long weekend: that brackets the search to a few dozen days around the plain-weeks guess.
        guess = 1 + n // 5 * 7 + n % 5
        margin = 3 * len(self.exception_ordinals) + 14
        lo, hi = max(1, guess - margin), min(MAX_ORDINAL, guess + margin)
        # The smallest ordinal with working_days_before(ordinal + 1) > n.
        while lo < hi:
            mid = (lo + hi) // 2
            if self.working_days_before(mid + 1) > n:
                hi = mid
            else:
                lo = mid + 1
        return lo


def _build(revision: int) -> Snapshot:
    published = frozenset(CalendarYear.objects.filter(published=True).values_list("year", flat=True))
    kinds, effects = {}, []
    days = CalendarDay.objects.filter(year__published=True).order_by("date")
    rows = days.values_list("date", "kind", "name")
    for day, kind, name in rows:
        kinds[day] = (kind, name)
        weekend = day.weekday() >= 5
        if kind == "holiday" and not weekend:
            effects.append((day.toordinal(), -1))
        elif kind == "workday" and weekend:
            effects.append((day.toordinal(), +1))
    running, total = [], 0
    for _ordinal, effect in effects:
        total += effect
        running.append(total)
    windows, default = {}, DEFAULT_WINDOWS
    for cal in WorkingCalendar.objects.select_related("area").all():
        w = Windows.from_times(cal.morning_start, cal.morning_end, cal.afternoon_start, cal.afternoon_end)
        if cal.area_id is None:
            default = w
        else:
            windows[cal.area.code] = w
    return Snapshot(
        revision=revision,
        published_years=published,
        exception_ordinals=tuple(o for o, _ in effects),
        exception_running=tuple(running),
        kinds=kinds,
        windows_by_district=windows,
        default_windows=default,
    )


_lock = threading.Lock()
_state = {"snapshot": None, "checked_at": 0.0, "stale": True}


def invalidate():
    """Drop this process's copy (local saves; other processes follow ``CalendarRevision``)."""
    _state["stale"] = True


def snapshot() -> Snapshot:
    now = monotonic_clock.monotonic()
    current = _state["snapshot"]
    if current is not None and not _state["stale"] and now - _state["checked_at"] < RECHECK_SECONDS:
        return current
    with _lock:
        revision = CalendarRevision.current()
        _state["checked_at"] = now
        current = _state["snapshot"]
        if current is None or _state["stale"] or current.revision != revision:
            _state["stale"] = False
            current = _state["snapshot"] = _build(revision)
    return current


def windows_for(calendar=None) -> Windows:
    """Windows of a WorkingCalendar, of an Area's (or area code's) district (or the default when it has
    none), or the default."""
    if isinstance(calendar, Windows):
        return calendar
    if isinstance(calendar, WorkingCalendar):
        return Windows.from_times(
            calendar.morning_start, calendar.morning_end, calendar.afternoon_start, calendar.afternoon_end
        )
    snap = snapshot()
    if isinstance(calendar, Area):
        calendar = calendar.code
    if isinstance(calendar, str):
        return snap.windows_by_district.get(calendar[:6], snap.default_windows)
    if calendar is None:
        return snap.default_windows
    raise TypeError(
        f"calendar must be a WorkingCalendar, an Area, an area code or None, not {type(calendar).__name__}"
    )


def local(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("working-time arithmetic needs aware datetimes")
    return moment.astimezone(LOCAL_TZ)
