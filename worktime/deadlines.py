"""Stage clocks: a case's stage limit (category × urgency) turned into ``stage_due_at`` and ``stage_warn_at``.

Pure functions over a case object: they set its stage fields and do not save — the calling service
saves inside its transaction and records the returned dict in the timeline event. The limit's own unit
decides how time runs: natural units day and night, working units in the district's windows.

While a stage is suspended both times are cleared (so the sweep's indexes never see the case) and
``stage_remaining`` holds what was left — a timedelta of working time for working units (one working day
= the calendar's day capacity) or of elapsed time for natural units; negative when the stage was
already overdue, so a resumed stage is exactly as late as when it stopped.
"""

from datetime import UTC, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import calendar as working
from .calendar import WORKING_UNITS
from .calendar.arithmetic import to_micros

STAGES = ("file", "dispatch", "handle", "verify")
OK, YELLOW, RED = "ok", "yellow", "red"
ALERT_RANK = {"": 0, YELLOW: 1, RED: 2}


def warn_ratio() -> Decimal:
    ratio = Decimal(str(getattr(settings, "GRIDGOV", {}).get("WARN_RATIO", 0.8)))
    if not Decimal(0) < ratio <= Decimal(1):
        raise ValidationError(_("WARN_RATIO must lie in (0, 1]."), code="warn_ratio")
    return ratio


def _calendar(case):
    """The case's district calendar by its area code (the default one when it has no area): the code,
    which the case carries, is all the calendar needs, so the area itself is not loaded."""
    return getattr(case, "area_code", "") or None


def _micros(td: timedelta) -> int:
    return (td.days * 86_400 + td.seconds) * 1_000_000 + td.microseconds


def _describe(case, **extra) -> dict:
    """JSON-ready summary of the stage clock for the timeline event."""
    remaining = case.stage_remaining
    change = {
        "stage": case.stage,
        "due_at": case.stage_due_at.isoformat() if case.stage_due_at else None,
        "warn_at": case.stage_warn_at.isoformat() if case.stage_warn_at else None,
        "unit": case.stage_limit_unit,
        "remaining_seconds": remaining.total_seconds() if remaining is not None else None,
    }
    if case.stage_due_at and case.stage_limit_unit in WORKING_UNITS and case.stage_started_at:
        # A deadline that runs into a year without its holiday schedule may be wrong: say so.
        unpublished = working.unpublished_years(case.stage_started_at, case.stage_due_at)
        if unpublished:
            change["calendar_unpublished"] = unpublished
    change.update(extra)
    return change


def _limit(case, stage):
    limit = case.category.limit_for(case.urgency, stage) if getattr(case, "category", None) else None
    if limit is None:
        return None
    amount, unit = limit
    working.check_unit(unit)
    return Decimal(str(amount)), unit


def _relax_alert(case, at):
    """New deadlines can lower the alert (an extension that clears red) but never raise it: raising is
    the sweep's job, because raising is what notifies."""
    state = timing_state(case, at)
    now = "" if state == OK else state
    if ALERT_RANK[now] < ALERT_RANK.get(case.alert, 0):
        case.alert = now


def stage_start(case, stage: str, at) -> dict:
    """Start ``stage``'s clock at ``at`` with the category's limit for the case's urgency (or none)."""
    if stage not in STAGES:
        raise ValidationError(_("Unknown stage %(stage)s."), code="stage", params={"stage": stage})
    case.stage, case.stage_started_at, case.stage_remaining, case.alert = stage, at, None, ""
    limit = _limit(case, stage)
    if limit is None:
        case.stage_due_at = case.stage_warn_at = None
        case.stage_limit_unit = ""
        return _describe(case, limit=None)
    amount, unit = limit
    cal = _calendar(case)
    case.stage_limit_unit = unit
    case.stage_due_at = working.add_working_time(at, amount, unit, cal)
    case.stage_warn_at = working.add_working_time(at, amount * warn_ratio(), unit, cal)
    return _describe(case, limit={"amount": str(amount), "unit": unit})


def stage_pause(case, at) -> dict:
    """Suspend (挂账): stop the clock at ``at`` and remember the time left (negative when overdue)."""
    if case.stage_due_at is None:  # no limit, or already paused: nothing runs
        return _describe(case, paused=False)
    unit, cal = case.stage_limit_unit, _calendar(case)
    left = working.working_micros_between(at, case.stage_due_at, unit, cal)
    case.stage_remaining = timedelta(microseconds=left)
    case.stage_due_at = case.stage_warn_at = None
    return _describe(case, paused=True)


def stage_resume(case, at) -> dict:
    """Continue a suspended stage at ``at`` with the time it had left."""
    if case.stage_remaining is None:
        return _describe(case, resumed=False)
    unit, cal = case.stage_limit_unit, _calendar(case)
    left = _micros(case.stage_remaining)
    case.stage_due_at = _shift(at, left, unit, cal)
    warn_left = left - _warn_gap(case, unit, cal, left)
    if warn_left > 0:
        case.stage_warn_at = _shift(at, warn_left, unit, cal)
    else:  # the warning time had already come when the stage stopped
        case.stage_warn_at = min(_shift(at, 0, unit, cal), case.stage_due_at)
    case.stage_remaining = None
    _relax_alert(case, at)
    return _describe(case, resumed=True)


def stage_extend(case, amount, unit: str, at=None) -> dict:
    """An approved extension (延期): move the deadline and the warning by ``amount`` ``unit``.

    On a suspended stage the extension adds to the time left (working days at the calendar's capacity).
    """
    working.check_unit(unit)
    cal = _calendar(case)
    if case.stage_remaining is not None:
        extra = to_micros(amount, working.unit_micros(unit, working.windows_for(cal)))
        if extra < 0:
            raise ValidationError(_("The amount cannot be negative."), code="negative")
        case.stage_remaining += timedelta(microseconds=extra)
        return _describe(case, extended={"amount": str(amount), "unit": unit})
    if case.stage_due_at is None:
        raise ValidationError(_("This stage has no deadline to extend."), code="no_deadline")
    case.stage_due_at = working.add_working_time(case.stage_due_at, amount, unit, cal)
    if case.stage_warn_at is not None:
        case.stage_warn_at = working.add_working_time(case.stage_warn_at, amount, unit, cal)
    _relax_alert(case, at or timezone.now())
    return _describe(case, extended={"amount": str(amount), "unit": unit})


def stage_clear(case) -> dict:
    """No stage runs (closed, voided, waiting on nobody)."""
    case.stage, case.stage_started_at, case.stage_due_at, case.stage_warn_at = "", None, None, None
    case.stage_remaining, case.stage_limit_unit, case.alert = None, "", ""
    return _describe(case)


def timing_state(case, at) -> str:
    """ "red" past the deadline, "yellow" from the warning time on, else "ok" (also when no clock runs)."""
    if case.stage_due_at is None:
        return OK
    if at > case.stage_due_at:
        return RED
    if case.stage_warn_at is not None and at >= case.stage_warn_at:
        return YELLOW
    return OK


def _warn_gap(case, unit, cal, left) -> int:
    """Microseconds between warning and deadline: (1 − ratio) of the stage's limit, as at the start (an
    extension moves both, so the gap never changes). Without a limit in the same unit, of what is left."""
    limit = _limit(case, case.stage)
    if limit is not None and limit[1] == unit:
        full = limit[0] * working.unit_micros(unit, working.windows_for(cal))
    else:
        full = Decimal(max(left, 0))
    return int(full * (1 - warn_ratio()))


def _shift(at, micros: int, unit: str, cal):
    if unit in WORKING_UNITS:
        return working.shift_working_time(at, micros, cal)
    return at.astimezone(UTC) + timedelta(microseconds=micros)
