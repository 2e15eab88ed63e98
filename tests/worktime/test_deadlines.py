"""Stage clocks on a case: start, warn, extend, suspend and resume, restart, clear."""

import json
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from worktime import calendar as working
from worktime import deadlines
from worktime.models import WorkingCalendar

SH = ZoneInfo("Asia/Shanghai")


def at(y, mo, d, h=0, mi=0):
    return datetime(y, mo, d, h, mi, tzinfo=SH)


def shanghai(moment):
    return moment.astimezone(SH).replace(tzinfo=None) if moment else None


class FakeCategory:
    def __init__(self, limits):
        self.limits = limits

    def limit_for(self, urgency, stage):
        return self.limits.get((urgency, stage))


def make_case(limits=None, urgency="normal", area=None):
    limits = (
        limits
        if limits is not None
        else {
            ("normal", "handle"): (Decimal("4"), "working_hours"),
            ("normal", "dispatch"): (Decimal("30"), "natural_minutes"),
            ("normal", "verify"): (Decimal("1"), "working_days"),
            ("urgent", "handle"): (Decimal("2"), "natural_hours"),
        }
    )
    return SimpleNamespace(
        category=FakeCategory(limits),
        urgency=urgency,
        area=area,
        area_code=area.code if area else "",
        stage="",
        stage_started_at=None,
        stage_due_at=None,
        stage_warn_at=None,
        stage_remaining=None,
        stage_limit_unit="",
        alert="",
    )


@pytest.fixture(autouse=True)
def _fresh_calendar():
    working.invalidate()
    yield
    working.invalidate()


def test_a_stage_start_sets_due_and_warn_in_working_hours(db):
    case = make_case()
    change = deadlines.stage_start(case, "handle", at(2026, 3, 2, 10))
    assert shanghai(case.stage_due_at) == datetime(2026, 3, 2, 16)  # 10–12 and 14–16
    assert shanghai(case.stage_warn_at) == datetime(2026, 3, 2, 15, 12)  # 80 % of 4 h = 3 h 12 min
    assert case.stage == "handle" and case.stage_limit_unit == "working_hours" and case.alert == ""
    assert case.stage_started_at == at(2026, 3, 2, 10)
    assert change["stage"] == "handle"
    assert change["due_at"] == case.stage_due_at.isoformat()
    assert change["limit"] == {"amount": "4", "unit": "working_hours"}
    json.dumps(change)  # goes into the event payload as it is


def test_the_warn_ratio_is_configurable(db, settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "WARN_RATIO": 0.5}
    case = make_case()
    deadlines.stage_start(case, "handle", at(2026, 3, 2, 10))
    assert shanghai(case.stage_warn_at) == datetime(2026, 3, 2, 12)


def test_a_bad_warn_ratio_is_refused(db, settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "WARN_RATIO": 1.5}
    with pytest.raises(ValidationError):
        deadlines.stage_start(make_case(), "handle", at(2026, 3, 2, 10))


def test_natural_limits_run_through_the_night(db):
    case = make_case()
    deadlines.stage_start(case, "dispatch", at(2026, 10, 1, 23, 50))  # a holiday night
    assert shanghai(case.stage_due_at) == datetime(2026, 10, 2, 0, 20)
    assert shanghai(case.stage_warn_at) == datetime(2026, 10, 2, 0, 14)


def test_the_limit_depends_on_urgency(db):
    case = make_case(urgency="urgent")
    deadlines.stage_start(case, "handle", at(2026, 3, 7, 22))
    assert shanghai(case.stage_due_at) == datetime(2026, 3, 8, 0)
    assert case.stage_limit_unit == "natural_hours"


def test_working_days_warn_inside_the_days(db):
    case = make_case()
    deadlines.stage_start(case, "verify", at(2026, 2, 13, 16))  # Friday before the Spring Festival
    assert shanghai(case.stage_due_at) == datetime(2026, 2, 14, 16)  # the 调休 Saturday
    assert shanghai(case.stage_warn_at) == datetime(2026, 2, 14, 14, 36)  # 5.6 working hours on


def test_a_stage_without_a_limit_has_no_clock(db):
    case = make_case()
    case.alert = "red"
    change = deadlines.stage_start(case, "file", at(2026, 3, 2, 10))
    assert case.stage == "file" and case.stage_due_at is None and case.stage_warn_at is None
    assert case.stage_limit_unit == "" and case.alert == ""
    assert change["limit"] is None
    assert deadlines.timing_state(case, at(2027, 1, 1)) == "ok"


def test_an_unknown_stage_is_refused(db):
    with pytest.raises(ValidationError):
        deadlines.stage_start(make_case(), "celebrate", at(2026, 3, 2, 10))


def test_a_district_calendar_applies_to_the_case(tree):
    WorkingCalendar.objects.create(
        name="long day",
        area=tree.district,
        morning_start="09:00",
        morning_end="12:00",
        afternoon_start="13:00",
        afternoon_end="18:00",
    )
    case = make_case(area=tree.grids[0])
    deadlines.stage_start(case, "handle", at(2026, 3, 2, 10))
    assert shanghai(case.stage_due_at) == datetime(2026, 3, 2, 15)


def test_timing_state(db):
    case = make_case()
    deadlines.stage_start(case, "handle", at(2026, 3, 2, 10))
    assert deadlines.timing_state(case, at(2026, 3, 2, 15, 11)) == "ok"
    assert deadlines.timing_state(case, at(2026, 3, 2, 15, 12)) == "yellow"
    assert deadlines.timing_state(case, at(2026, 3, 2, 16)) == "yellow"  # on the deadline is still on time
    assert deadlines.timing_state(case, at(2026, 3, 2, 16, 1)) == "red"


def test_an_extension_moves_due_and_warn(db):
    case = make_case()
    deadlines.stage_start(case, "handle", at(2026, 3, 2, 10))
    change = deadlines.stage_extend(case, 1, "working_days", at=at(2026, 3, 2, 11))
    assert shanghai(case.stage_due_at) == datetime(2026, 3, 3, 16)
    assert shanghai(case.stage_warn_at) == datetime(2026, 3, 3, 15, 12)
    assert change["extended"] == {"amount": "1", "unit": "working_days"}
    json.dumps(change)


def test_an_extension_of_an_overdue_stage_lowers_the_alert(db):
    case = make_case()
    deadlines.stage_start(case, "handle", at(2026, 3, 2, 10))
    case.alert = "red"  # the sweep raised it
    deadlines.stage_extend(case, 1, "working_hours", at=at(2026, 3, 2, 16, 30))
    assert shanghai(case.stage_due_at) == datetime(2026, 3, 2, 17)
    assert shanghai(case.stage_warn_at) == datetime(2026, 3, 2, 16, 12)
    assert case.alert == "yellow"  # no longer overdue, but past the moved warning
    deadlines.stage_extend(case, 1, "working_days", at=at(2026, 3, 2, 16, 30))
    assert case.alert == ""


def test_an_extension_never_raises_the_alert(db):
    case = make_case()
    deadlines.stage_start(case, "handle", at(2026, 3, 2, 10))
    deadlines.stage_extend(case, Decimal("0.5"), "working_hours", at=at(2026, 3, 2, 17))
    assert case.alert == ""  # turning red is the sweep's job: it notifies


def test_a_stage_without_deadline_cannot_be_extended(db):
    case = make_case()
    deadlines.stage_start(case, "file", at(2026, 3, 2, 10))
    with pytest.raises(ValidationError):
        deadlines.stage_extend(case, 1, "working_hours")


def test_suspend_stops_the_clock_and_resume_continues_with_what_was_left(db):
    case = make_case()
    deadlines.stage_start(case, "handle", at(2026, 3, 2, 10))  # due 16:00, warn 15:12
    change = deadlines.stage_pause(case, at(2026, 3, 2, 11))
    assert case.stage_due_at is None and case.stage_warn_at is None
    assert case.stage_remaining == timedelta(hours=3)
    assert change["remaining_seconds"] == 3 * 3600
    assert deadlines.timing_state(case, at(2026, 4, 1)) == "ok"  # a suspended stage never turns red
    json.dumps(change)
    deadlines.stage_resume(case, at(2026, 3, 13, 16))  # Friday 16:00, ten days later
    assert case.stage_remaining is None
    assert shanghai(case.stage_due_at) == datetime(2026, 3, 16, 10)  # 1.5 h Friday + 1.5 h Monday
    assert shanghai(case.stage_warn_at) == datetime(2026, 3, 16, 9, 12)  # still 48 min before the deadline


def test_suspend_over_a_holiday_in_working_days(db):
    case = make_case()
    deadlines.stage_start(case, "verify", at(2026, 9, 29, 10))  # due 30 Sep 10:00
    deadlines.stage_pause(case, at(2026, 9, 29, 16))
    assert case.stage_remaining == timedelta(hours=3)  # 16:00–17:30 and 8:30–10:00 were left
    deadlines.stage_resume(case, at(2026, 10, 3, 10))  # resumed on a holiday: the clock restarts 8 Oct
    assert shanghai(case.stage_due_at) == datetime(2026, 10, 8, 11, 30)


def test_resume_after_the_warning_keeps_the_warning_due(db):
    case = make_case()
    deadlines.stage_start(case, "handle", at(2026, 3, 2, 10))  # warn 15:12, due 16:00
    deadlines.stage_pause(case, at(2026, 3, 2, 15, 30))
    deadlines.stage_resume(case, at(2026, 3, 3, 20))  # at night
    assert shanghai(case.stage_due_at) == datetime(2026, 3, 4, 9)
    assert shanghai(case.stage_warn_at) == datetime(2026, 3, 4, 8, 30)  # the first working moment


def test_a_stage_suspended_overdue_resumes_exactly_as_late(db):
    case = make_case()
    deadlines.stage_start(case, "handle", at(2026, 3, 2, 10))  # due 16:00
    case.alert = "red"
    deadlines.stage_pause(case, at(2026, 3, 2, 17))
    assert case.stage_remaining == -timedelta(hours=1)
    deadlines.stage_resume(case, at(2026, 3, 9, 10))
    assert shanghai(case.stage_due_at) == datetime(2026, 3, 9, 9)
    assert case.stage_warn_at <= case.stage_due_at
    assert case.alert == "red"
    assert deadlines.timing_state(case, at(2026, 3, 9, 10)) == "red"


def test_natural_limits_pause_in_elapsed_time(db):
    case = make_case(urgency="urgent")
    deadlines.stage_start(case, "handle", at(2026, 3, 7, 22))  # due Sunday 00:00
    deadlines.stage_pause(case, at(2026, 3, 7, 23, 30))
    assert case.stage_remaining == timedelta(minutes=30)
    deadlines.stage_resume(case, at(2026, 3, 9, 3))
    assert shanghai(case.stage_due_at) == datetime(2026, 3, 9, 3, 30)
    assert shanghai(case.stage_warn_at) == datetime(2026, 3, 9, 3, 6)  # 24 min before, as at the start


def test_an_extension_while_suspended_adds_to_what_is_left(db):
    case = make_case()
    deadlines.stage_start(case, "handle", at(2026, 3, 2, 10))
    deadlines.stage_pause(case, at(2026, 3, 2, 11))
    deadlines.stage_extend(case, 1, "working_days")
    assert case.stage_remaining == timedelta(hours=10)  # 3 h left + one 7 h working day
    deadlines.stage_resume(case, at(2026, 3, 3, 8, 30))
    assert shanghai(case.stage_due_at) == datetime(2026, 3, 4, 11, 30)  # a full Tuesday, then 3 h


def test_pause_and_resume_are_harmless_twice(db):
    case = make_case()
    deadlines.stage_start(case, "handle", at(2026, 3, 2, 10))
    deadlines.stage_pause(case, at(2026, 3, 2, 11))
    assert deadlines.stage_pause(case, at(2026, 3, 2, 12))["paused"] is False
    assert case.stage_remaining == timedelta(hours=3)
    deadlines.stage_resume(case, at(2026, 3, 3, 9))
    due = case.stage_due_at
    assert deadlines.stage_resume(case, at(2026, 3, 4, 9))["resumed"] is False
    assert case.stage_due_at == due


def test_rework_restarts_the_stage_with_a_full_limit(db):
    case = make_case()
    deadlines.stage_start(case, "handle", at(2026, 3, 2, 10))
    deadlines.stage_extend(case, 1, "working_days", at=at(2026, 3, 2, 10))
    case.alert = "yellow"
    deadlines.stage_start(case, "verify", at(2026, 3, 3, 9))
    deadlines.stage_start(case, "handle", at(2026, 3, 4, 9))  # verification failed: rework
    assert shanghai(case.stage_due_at) == datetime(2026, 3, 4, 15)
    assert case.alert == "" and case.stage_remaining is None


def test_clear_stops_every_clock(db):
    case = make_case()
    deadlines.stage_start(case, "handle", at(2026, 3, 2, 10))
    case.alert = "red"
    change = deadlines.stage_clear(case)
    assert (case.stage, case.stage_due_at, case.stage_warn_at, case.stage_remaining, case.alert) == (
        "",
        None,
        None,
        None,
        "",
    )
    assert change == {"stage": "", "due_at": None, "warn_at": None, "unit": "", "remaining_seconds": None}


def test_a_deadline_into_an_unpublished_year_is_flagged(db):
    case = make_case(limits={("normal", "handle"): (Decimal("15"), "working_days")})
    change = deadlines.stage_start(case, "handle", at(2026, 12, 21, 10))
    assert change["calendar_unpublished"] == [2027]
    other = deadlines.stage_start(case, "handle", at(2026, 3, 2, 10))
    assert "calendar_unpublished" not in other


@pytest.mark.parametrize("amount", [-1, Decimal("NaN"), "2"])
def test_a_bad_extension_is_refused_running_or_suspended(db, amount):
    case = make_case()
    deadlines.stage_start(case, "handle", at(2026, 3, 2, 10))
    with pytest.raises(ValidationError):
        deadlines.stage_extend(case, amount, "working_hours")
    deadlines.stage_pause(case, at(2026, 3, 2, 11))
    with pytest.raises(ValidationError):
        deadlines.stage_extend(case, amount, "working_hours")
    with pytest.raises(ValidationError):
        deadlines.stage_extend(case, 1, "fortnights")
