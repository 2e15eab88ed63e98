"""The working-time calendar: official schedules, windows, the four units, and its properties."""

import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grids.models import Area, Level
from worktime import calendar as working
from worktime.calendar import add_working_time as add
from worktime.calendar import calendar_warnings, working_time_between
from worktime.calendar import schedule as calendar_schedule
from worktime.models import CalendarDay, CalendarRevision, CalendarYear, WorkingCalendar

SH = ZoneInfo("Asia/Shanghai")
WH, WD, NH, NM = "working_hours", "working_days", "natural_hours", "natural_minutes"


def at(y, mo, d, h=0, mi=0, s=0):
    return datetime(y, mo, d, h, mi, s, tzinfo=SH)


def shanghai(moment):
    return moment.astimezone(SH).replace(tzinfo=None)


@pytest.fixture(autouse=True)
def _fresh_calendar():
    # Test transactions roll back without telling the cache; never let one test's days leak into the next.
    working.invalidate()
    yield
    working.invalidate()


# --- the shipped schedules -------------------------------------------------------------------------


def test_it_ships_every_year_the_package_carries(db):
    years = set(CalendarYear.objects.filter(published=True).values_list("year", flat=True))
    carried = {d.year for d in chinese_calendar.constants.holidays}
    assert {2025, 2026} <= years
    assert carried <= years


@pytest.mark.parametrize(
    "day, kind, name",
    [
        (date(2026, 2, 16), "holiday", "春节"),
        (date(2026, 2, 14), "workday", "春节"),
        (date(2026, 10, 7), "holiday", "国庆节"),
        (date(2026, 10, 10), "workday", "国庆节"),
        (date(2026, 5, 9), "workday", "劳动节"),
        (date(2025, 1, 26), "workday", "春节"),
    ],
)
def test_the_shipped_days_carry_kind_and_chinese_name(db, day, kind, name):
    row = CalendarDay.objects.get(date=day)
    assert (row.kind, row.name) == (kind, name)
    assert working.day_kind(day) == (kind, name)


def test_it_agrees_with_the_package_on_every_day_of_2025_and_2026(db):
    day = date(2025, 1, 1)
    while day.year < 2027:
        assert working.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_load_holidays_keeps_corrections_unless_told_to_replace(db):
    CalendarDay.objects.filter(date=date(2026, 10, 10)).delete()
    call_command("load_holidays", year=[2026])
    assert not CalendarDay.objects.filter(date=date(2026, 10, 10)).exists()
    assert working.is_working_day(date(2026, 10, 10)) is False  # a Saturday again
    call_command("load_holidays", year=[2026], replace=True)
    assert CalendarDay.objects.get(date=date(2026, 10, 10)).kind == "workday"
    assert working.is_working_day(date(2026, 10, 10)) is True


# --- working days and hours ------------------------------------------------------------------------


def test_one_working_day_from_monday_10_ends_tuesday_10(db):
    assert shanghai(add(at(2026, 3, 2, 10), 1, WD)) == datetime(2026, 3, 3, 10)


def test_a_working_day_from_friday_afternoon_lands_on_monday(db):
    assert shanghai(add(at(2026, 3, 6, 15), 1, WD)) == datetime(2026, 3, 9, 15)


def test_spring_festival_is_skipped_and_its_make_up_saturday_counts(db):
    friday = at(2026, 2, 13, 16)
    assert shanghai(add(friday, 1, WD)) == datetime(2026, 2, 14, 16)  # 调休 Saturday
    assert shanghai(add(friday, 2, WD)) == datetime(2026, 2, 24, 16)  # 15–23 off
    assert shanghai(add(at(2026, 2, 27, 16), 1, WD)) == datetime(2026, 2, 28, 16)  # the second 调休 Saturday


def test_national_day_week_is_skipped(db):
    assert shanghai(add(at(2026, 9, 30, 16), 1, WD)) == datetime(2026, 10, 8, 16)
    assert shanghai(add(at(2026, 9, 30, 16), 3, WD)) == datetime(2026, 10, 10, 16)  # 调休 Saturday
    # From a Saturday the clock starts at the 调休 Sunday's first window and a full day ends that evening.
    assert shanghai(add(at(2026, 9, 19, 10), 1, WD)) == datetime(2026, 9, 20, 17, 30)


def test_labour_day_holiday_and_make_up_saturday(db):
    assert shanghai(add(at(2026, 4, 30, 17), 1, WH)) == datetime(2026, 5, 6, 9)
    assert shanghai(add(at(2026, 5, 8, 17), 1, WH)) == datetime(2026, 5, 9, 9)


@pytest.mark.parametrize(
    "start, amount, expected",
    [
        (at(2026, 3, 2, 11), 2, datetime(2026, 3, 2, 15)),  # across the lunch break
        (at(2026, 3, 2, 10), 2, datetime(2026, 3, 2, 12)),  # ends at the window end, not at 14:00
        (at(2026, 3, 2, 16, 30), 1, datetime(2026, 3, 2, 17, 30)),  # ends at the day's end
        (at(2026, 3, 2, 12, 30), 1, datetime(2026, 3, 2, 15)),  # starts inside the break
        (at(2026, 3, 2, 20), 1, datetime(2026, 3, 3, 9, 30)),  # starts at night
        (at(2026, 3, 2, 7), 1, datetime(2026, 3, 2, 9, 30)),  # starts before the morning
        (at(2026, 3, 7, 10), 1, datetime(2026, 3, 9, 9, 30)),  # starts on a Saturday
        (at(2026, 10, 3, 10), 1, datetime(2026, 10, 8, 9, 30)),  # starts on a holiday
        (at(2026, 3, 2, 17), Decimal("0.75"), datetime(2026, 3, 3, 8, 45)),
        (at(2026, 3, 2, 9), 14, datetime(2026, 3, 4, 9)),
    ],
)
def test_working_hours(db, start, amount, expected):
    assert shanghai(add(start, amount, WH)) == expected


def test_zero_moves_an_outside_start_to_the_next_window_start(db):
    assert shanghai(add(at(2026, 3, 2, 12, 30), 0, WH)) == datetime(2026, 3, 2, 14)
    assert shanghai(add(at(2026, 3, 6, 18), 0, WD)) == datetime(2026, 3, 9, 8, 30)
    assert shanghai(add(at(2026, 3, 2, 10, 15), 0, WH)) == datetime(2026, 3, 2, 10, 15)
    assert shanghai(working.next_working_moment(at(2026, 2, 15, 9))) == datetime(2026, 2, 24, 8, 30)


def test_one_hundred_working_days(db):
    end = add(at(2026, 1, 5, 10), 100, WD)
    # Counted independently: the 100th working day after Monday 5 January 2026.
    day, left = date(2026, 1, 5), 100
    while left:
        day += timedelta(days=1)
        left -= chinese_calendar.is_workday(day)
    assert shanghai(end) == datetime.combine(day, datetime.min.time()).replace(hour=10)


def test_natural_units_run_day_and_night(db):
    assert shanghai(add(at(2026, 3, 7, 23), 2, NH)) == datetime(2026, 3, 8, 1)
    assert shanghai(add(at(2026, 10, 1, 12), 30, NM)) == datetime(2026, 10, 1, 12, 30)
    assert working_time_between(at(2026, 3, 7, 23), at(2026, 3, 8, 1), NM) == 120


def test_the_result_is_aware_utc(db):
    start = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    end = add(start, 1, WH)
    assert end.tzinfo == UTC
    assert end == datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


def test_working_time_between(db):
    assert working_time_between(at(2026, 3, 6, 15), at(2026, 3, 9, 10), WH) == 4
    assert working_time_between(at(2026, 3, 6, 15), at(2026, 3, 9, 10), WD) == pytest.approx(4 / 7)
    assert working_time_between(at(2026, 3, 9, 10), at(2026, 3, 6, 15), WH) == -4
    assert working_time_between(at(2026, 2, 13, 20), at(2026, 2, 24, 7), WH) == 7  # only the 调休 Saturday
    assert working_time_between(at(2026, 3, 2, 12), at(2026, 3, 2, 14), WH) == 0


@pytest.mark.parametrize(
    "amount, unit, code",
    [(-1, WH, "negative"), (1, "fortnights", "unit"), (float("nan"), WD, "amount"), ("3", WH, "amount")],
)
def test_it_refuses_bad_amounts_and_units(db, amount, unit, code):
    with pytest.raises(ValidationError) as error:
        add(at(2026, 3, 2, 10), amount, unit)
    assert error.value.code == code


def test_it_refuses_naive_datetimes(db):
    with pytest.raises(ValueError):
        add(datetime(2026, 3, 2, 10), 1, WH)


def test_it_refuses_results_beyond_the_calendar(db):
    with pytest.raises(ValidationError):
        add(at(9999, 12, 1, 10), 1000, WD)


# --- district calendars ----------------------------------------------------------------------------


def test_a_district_calendar_sets_its_own_windows(tree):
    WorkingCalendar.objects.create(
        name="long day",
        area=tree.district,
        morning_start="09:00",
        morning_end="12:00",
        afternoon_start="13:30",
        afternoon_end="18:00",
    )
    grid = tree.grids[0]
    assert shanghai(add(at(2026, 3, 2, 17), 1, WH, grid)) == datetime(2026, 3, 2, 18)
    assert shanghai(add(at(2026, 3, 2, 10), 1, WD, grid)) == datetime(2026, 3, 3, 10)  # a day is 7.5 h here
    assert working_time_between(at(2026, 3, 2, 9), at(2026, 3, 3, 9), WH, grid) == 7.5
    other = Area.objects.create(code="430105", name="其他区", level=Level.DISTRICT)
    assert shanghai(add(at(2026, 3, 2, 17), 1, WH, other)) == datetime(2026, 3, 3, 9)  # the default calendar


def test_editing_the_default_calendar_applies_at_once(db):
    default = WorkingCalendar.objects.get(area__isnull=True)
    assert shanghai(add(at(2026, 3, 2, 17), 1, WH)) == datetime(2026, 3, 3, 9)
    default.afternoon_end = datetime(2000, 1, 1, 18).time()
    default.save()
    assert shanghai(add(at(2026, 3, 2, 17), 1, WH)) == datetime(2026, 3, 2, 18)


def test_a_second_default_calendar_is_refused(db):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        WorkingCalendar.objects.create(name="another default")


def test_windows_out_of_order_are_refused(db):
    cal = WorkingCalendar(name="bad", morning_start="12:00", morning_end="09:00")
    with pytest.raises(ValidationError):
        cal.full_clean()


# --- unpublished years -----------------------------------------------------------------------------


def test_a_year_without_its_schedule_warns_and_counts_weekends_only(db):
    warnings = calendar_warnings(at(2026, 11, 23, 9))
    assert [w.year for w in warnings] == [2027]
    assert "2027" in str(warnings[0].message)
    assert calendar_warnings(at(2025, 12, 1, 9)) == []  # 2027 is more than 12 months away
    # New Year's Day 2027 is a Friday: without the schedule it counts as a working day.
    assert shanghai(add(at(2026, 12, 31, 17), 1, WH)) == datetime(2027, 1, 1, 9)
    assert working.unpublished_years(at(2026, 12, 31, 17), at(2027, 1, 1, 9)) == [2027]


def test_entering_a_year_in_the_admin_applies_it_and_clears_the_warning(db):
    year = CalendarYear.objects.create(year=2027, published=False, source="国办发明电〔2026〕X号")
    CalendarDay.objects.create(year=year, date=date(2027, 1, 1), kind="holiday", name="元旦")
    assert shanghai(add(at(2026, 12, 31, 17), 1, WH)) == datetime(2027, 1, 1, 9)  # a draft is not applied
    assert [w.year for w in calendar_warnings(at(2026, 11, 23, 9))] == [2027]
    year.published = True
    year.save()
    assert shanghai(add(at(2026, 12, 31, 17), 1, WH)) == datetime(2027, 1, 4, 9)
    assert calendar_warnings(at(2026, 11, 23, 9)) == []


def test_a_day_must_fall_in_its_year(db):
    year = CalendarYear.objects.get(year=2026)
    with pytest.raises(ValidationError):
        CalendarDay(year=year, date=date(2027, 1, 1), kind="holiday").full_clean()


# --- the per-process copy ---------------------------------------------------------------------------


def test_it_computes_from_memory_without_queries(db, django_assert_num_queries):
    add(at(2026, 3, 2, 10), 1, WD)  # warm
    with django_assert_num_queries(0):
        for n in range(50):
            add(at(2026, 3, 2, 10), n, WD)
            working_time_between(at(2026, 1, 1), at(2026, 12, 31), WH)


def test_other_processes_follow_the_revision(db, monkeypatch):
    add(at(2026, 3, 2, 10), 1, WD)
    # Another process changed the calendar without this one hearing a signal.
    year = CalendarYear.objects.get(year=2026)
    CalendarDay.objects.bulk_create(
        [CalendarDay(year=year, date=date(2026, 3, 3), kind="holiday", name="test")]
    )
    assert shanghai(add(at(2026, 3, 2, 10), 1, WD)) == datetime(2026, 3, 3, 10)  # still this process's copy
    monkeypatch.setattr(calendar_schedule, "RECHECK_SECONDS", 0)
    assert shanghai(add(at(2026, 3, 2, 10), 1, WD)) == datetime(2026, 3, 3, 10)  # revision unchanged
    CalendarRevision.bump()
    assert shanghai(add(at(2026, 3, 2, 10), 1, WD)) == datetime(2026, 3, 4, 10)


def test_a_hundred_working_days_take_microseconds(db):
    start = at(2026, 3, 2, 10)
    add(start, 100, WD)
    n = 2000
    began = time.perf_counter()
    for _ in range(n):
        add(start, 100, WD)
    per_call = (time.perf_counter() - began) / n
    assert per_call < 0.001  # measured ~20 µs; the bound leaves room for a loaded CI machine


# --- properties -------------------------------------------------------------------------------------

DB_FIXTURE = [HealthCheck.function_scoped_fixture]  # read-only use of the db fixture across examples
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=DB_FIXTURE)
starts = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 6, 30), timezones=st.just(SH))
units = st.sampled_from([WH, WD])
amounts = st.decimals(min_value=0, max_value=400, places=2)


def in_working_time(moment):
    """Independent check: inside a window (ends included, starts excluded) on a working day."""
    local = moment.astimezone(SH)
    day = local.date()
    working_day = chinese_calendar.is_workday(day) if day.year <= 2026 else day.weekday() < 5
    t = local.time()
    within = (datetime(2000, 1, 1, 8, 30).time() < t <= datetime(2000, 1, 1, 12).time()) or (
        datetime(2000, 1, 1, 14).time() < t <= datetime(2000, 1, 1, 17, 30).time()
    )
    return working_day and within


@PROPERTY
@given(start=starts, a=amounts, b=amounts, unit=units)
def test_property_monotone_in_amount(db, start, a, b, unit):
    low, high = sorted((a, b))
    assert add(start, low, unit) <= add(start, high, unit)


@PROPERTY
@given(s1=starts, s2=starts, a=amounts, unit=units)
def test_property_monotone_in_start(db, s1, s2, a, unit):
    early, late = sorted((s1, s2))
    assert add(early, a, unit) <= add(late, a, unit)


@PROPERTY
@given(start=starts, a=amounts, b=amounts, unit=units)
def test_property_additive(db, start, a, b, unit):
    assert add(add(start, a, unit), b, unit) == add(start, a + b, unit)


@PROPERTY
@given(start=starts, a=amounts, unit=st.sampled_from([WH, WD, NH, NM]))
def test_property_round_trip(db, start, a, unit):
    assert working_time_between(start, add(start, a, unit), unit) == float(a)


@PROPERTY
@given(start=starts, a=amounts.filter(lambda x: x > 0), unit=units)
def test_property_never_lands_in_a_break_or_a_holiday(db, start, a, unit):
    end = add(start, a, unit)
    assert end > start
    assert in_working_time(end), end.astimezone(SH)


@settings(max_examples=100, deadline=None, suppress_health_check=DB_FIXTURE)
@given(
    start=st.datetimes(datetime(2025, 12, 20), datetime(2026, 10, 31), timezones=st.just(SH)),
    minutes=st.integers(min_value=1, max_value=3 * 7 * 60),
)
def test_property_agrees_with_counting_minute_by_minute(db, start, minutes):
    start = start.replace(second=0, microsecond=0)
    windows = [(8 * 60 + 30, 12 * 60), (14 * 60, 17 * 60 + 30)]
    day, minute, left = start.date(), start.hour * 60 + start.minute, minutes
    while True:
        if chinese_calendar.is_workday(day):
            while minute < 24 * 60:
                if any(s <= minute < e for s, e in windows):
                    left -= 1
                    if left == 0:
                        expected = datetime.combine(day, datetime.min.time()) + timedelta(minutes=minute + 1)
                        assert shanghai(add(start, Decimal(minutes) / 60, WH)) == expected
                        natural = shanghai(start) + timedelta(minutes=minutes)
                        assert shanghai(add(start, minutes, NM)) == natural
                        return
                minute += 1
        day, minute = day + timedelta(days=1), 0


# --- admin ------------------------------------------------------------------------------------------


def test_the_centre_edits_a_year_and_its_days_in_the_admin(admin_client):
    assert admin_client.get("/admin/worktime/calendaryear/").status_code == 200
    response = admin_client.post(
        "/admin/worktime/calendaryear/add/",
        {
            "year": "2027",
            "published": "on",
            "source": "国办发明电〔2026〕",
            "days-TOTAL_FORMS": "2",
            "days-INITIAL_FORMS": "0",
            "days-MIN_NUM_FORMS": "0",
            "days-MAX_NUM_FORMS": "1000",
            "days-0-date": "2027-01-01",
            "days-0-kind": "holiday",
            "days-0-name": "元旦",
            "days-1-date": "2027-02-06",
            "days-1-kind": "workday",
            "days-1-name": "春节",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert working.is_working_day(date(2027, 1, 1)) is False
    assert working.is_working_day(date(2027, 2, 6)) is True  # a Saturday made a working day
    assert calendar_warnings(at(2026, 11, 23)) == []


def test_the_admin_reloads_a_year_from_the_package(admin_client):
    year = CalendarYear.objects.get(year=2026)
    CalendarDay.objects.filter(year=year).delete()
    response = admin_client.post(
        "/admin/worktime/calendaryear/", {"action": "reload_from_package", "_selected_action": [year.pk]}
    )
    assert response.status_code == 302
    assert year.days.count() == 39
    assert working.is_working_day(date(2026, 2, 16)) is False


def test_the_admin_pages_render(admin_client, tree):
    for url in [
        "/admin/worktime/workingcalendar/",
        "/admin/worktime/workingcalendar/add/",
        "/admin/worktime/calendarday/",
        "/admin/grids/department/",
        f"/admin/grids/department/{tree.departments[0].pk}/change/",
    ]:
        assert admin_client.get(url).status_code == 200, url
