import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duty import rota, services
from duty.models import DayType, DutyEvent, DutyEventKind, Handover, Roster, Shift, Swap, SwapStatus
from gridgov import audit_chain
from grids.models import Role
from grids.services import membership_grant

from .conftest import at, shift

pytestmark = pytest.mark.django_db


def test_it_saves_and_publishes_a_roster_with_an_event_each(tree, published):
    assert published.status == "published" and published.shifts_count == 2
    kinds = list(DutyEvent.objects.filter(roster=published).values_list("kind", flat=True))
    assert kinds == [DutyEventKind.SAVED, DutyEventKind.PUBLISHED]
    assert audit_chain.breaks(["duty_events"]) == []


def test_it_refuses_a_roster_overlapping_itself_and_keeps_nothing(tree, unit, future_day):
    u = tree.users
    with pytest.raises(ValidationError) as refused:
        services.roster_save(
            actor=u["community"],
            unit=unit,
            starts_on=future_day,
            ends_on=future_day,
            leader=u["community"],
            shifts=[
                shift(u["worker"], at(future_day, 8, 30), at(future_day, 17, 30)),
                shift(u["worker"], at(future_day, 17, 0), at(future_day + dt.timedelta(days=1), 8, 30)),
            ],
        )
    [message] = refused.value.message_dict["shifts"]
    assert "overlapping" in message and "worker" in message
    assert not Roster.objects.exists() and not Shift.objects.exists() and not DutyEvent.objects.exists()


def test_it_refuses_an_overlap_with_the_persons_shift_in_another_units_roster(
    tree, unit, published, future_day
):
    u = tree.users
    membership_grant(user=u["worker"], role=Role.STREET_STAFF, area=tree.streets[0])
    night = Shift.objects.get(person=u["worker"])
    with pytest.raises(ValidationError) as refused:
        services.roster_save(
            actor=u["street"],
            unit=tree.streets[0],
            starts_on=future_day,
            ends_on=future_day + dt.timedelta(days=1),
            leader=u["street"],
            shifts=[shift(u["worker"], night.starts_at + dt.timedelta(hours=2), night.ends_at)],
        )
    assert "overlapping" in refused.value.message_dict["shifts"][0]
    assert Roster.objects.count() == 1 and Shift.objects.count() == 2


def test_it_refuses_a_shift_ending_before_it_starts(tree, unit, future_day):
    u = tree.users
    with pytest.raises(ValidationError) as refused:
        services.roster_save(
            actor=u["community"],
            unit=unit,
            starts_on=future_day,
            ends_on=future_day,
            leader=u["community"],
            shifts=[shift(u["worker"], at(future_day, 17), at(future_day, 9))],
        )
    assert refused.value.message_dict["shifts"] == ["Shift 1: it ends before it starts."]
    assert not Roster.objects.exists()


def test_it_refuses_people_outside_the_unit_and_a_stranger_as_planner(tree, unit, future_day):
    u = tree.users
    kwargs = {
        "unit": unit,
        "starts_on": future_day,
        "ends_on": future_day,
        "leader": u["community"],
        "shifts": [shift(u["street"], at(future_day, 8), at(future_day, 17))],
    }
    with pytest.raises(ValidationError) as refused:
        services.roster_save(actor=u["community"], **kwargs)
    assert "Not on the staff of" in refused.value.message_dict["shifts"][0]
    with pytest.raises(ValidationError) as refused:
        services.roster_save(actor=u["community_b"], **kwargs)
    assert "unit" in refused.value.message_dict
    assert not Roster.objects.exists()


def test_it_refuses_a_second_roster_for_the_same_period(tree, unit, published, future_day):
    u = tree.users
    with pytest.raises(ValidationError) as refused:
        services.roster_save(
            actor=u["community"],
            unit=unit,
            starts_on=future_day + dt.timedelta(days=3),
            ends_on=future_day + dt.timedelta(days=20),
            leader=u["community"],
            shifts=[shift(u["leader"], at(future_day, 8), at(future_day, 17))],
        )
    assert "starts_on" in refused.value.message_dict


def test_it_replaces_a_draft(tree, unit, future_day):
    u = tree.users
    args = {"actor": u["community"], "unit": unit, "starts_on": future_day, "ends_on": future_day}
    draft = services.roster_save(
        **args, leader=u["community"], shifts=[shift(u["worker"], at(future_day, 8), at(future_day, 17))]
    )
    services.roster_save(
        **args,
        leader=u["community"],
        roster=draft,
        shifts=[shift(u["worker2"], at(future_day, 8), at(future_day, 17))],
    )
    assert list(Shift.objects.values_list("person__username", flat=True)) == ["worker2"]


def test_it_marks_holidays_and_rest_days_from_the_working_calendar(tree, unit):
    u = tree.users
    # 2026-10-01 is National Day (the official schedule ships with worktime), 2026-10-10 a Saturday.
    days = [dt.date(2026, 9, 30), dt.date(2026, 10, 1), dt.date(2026, 10, 17)]
    services.roster_save(
        actor=u["community"],
        unit=unit,
        starts_on=days[0],
        ends_on=days[-1],
        leader=u["community"],
        shifts=[shift(u["worker"], at(d, 8, 30), at(d, 17, 30)) for d in days],
    )
    types = list(Shift.objects.order_by("starts_at").values_list("day_type", flat=True))
    assert types == [DayType.WORKDAY, DayType.HOLIDAY, DayType.REST]


def test_the_rota_puts_nights_on_working_days_and_days_and_nights_on_rest_days(tree, unit):
    u = tree.users
    plan = rota.rota_plan(
        unit=unit,
        starts_on=dt.date(2026, 10, 16),  # Friday, then the weekend
        ends_on=dt.date(2026, 10, 17),
        leaders=[u["community"]],
        officers=[u["worker"], u["worker2"]],
    )
    kinds = [(p["kind"], p["post"], p["person"]) for p in plan]
    assert kinds == [
        ("night", "leader", u["community"].pk),
        ("night", "officer", u["worker"].pk),
        ("day", "leader", u["community"].pk),
        ("day", "officer", u["worker2"].pk),
        ("night", "leader", u["community"].pk),
        ("night", "officer", u["worker"].pk),
    ]
    assert plan[2]["starts_at"] == at(dt.date(2026, 10, 17), 8, 30)


def test_a_year_saves_in_a_fixed_number_of_queries(tree, unit):
    u = tree.users

    def save(start, days):
        plan = rota.rota_plan(
            unit=unit,
            starts_on=start,
            ends_on=start + dt.timedelta(days=days - 1),
            leaders=[u["community"], u["community2"]],
            officers=[u["worker"], u["worker2"], u["leader"]],
        )
        with CaptureQueriesContext(connection) as q:
            services.roster_save(
                actor=u["community"],
                unit=unit,
                starts_on=start,
                ends_on=start + dt.timedelta(days=days - 1),
                leader=u["community"],
                shifts=plan,
            )
        # The shifts go in by COPY (PostgreSQL) or in batches of bulk inserts (SQLite's variable limit).
        return len([x for x in q.captured_queries if not x["sql"].startswith('INSERT INTO "duty_shift"')])

    save(dt.date(2024, 1, 1), 7)  # the calendar's snapshot is read once
    week = save(dt.date(2025, 1, 1), 7)
    year = save(dt.date(2026, 1, 1), 365)
    assert year == week
    assert Shift.objects.count() > 900


def test_a_swap_is_asked_and_approved_by_the_rosters_leader(tree, published):
    u = tree.users
    night = Shift.objects.get(person=u["worker"])
    swap = services.swap_request(
        actor=u["worker"], shift_id=night.pk, substitute=u["leader"], reason="家中有事"
    )
    with pytest.raises(ValidationError) as refused:
        services.swap_approve(actor=u["worker2"], swap_id=swap.pk)
    assert "leader" in refused.value.message_dict["swap"][0]
    services.swap_approve(actor=u["community"], swap_id=swap.pk)
    night.refresh_from_db()
    assert night.person == u["leader"]
    assert Swap.objects.get().status == SwapStatus.APPROVED
    kinds = list(DutyEvent.objects.order_by("seq").values_list("kind", flat=True))
    assert kinds[-2:] == [DutyEventKind.SWAP_REQUESTED, DutyEventKind.SWAP_APPROVED]
    assert audit_chain.breaks(["duty_events"]) == []


def test_a_swap_is_refused_with_a_reason(tree, published):
    u = tree.users
    night = Shift.objects.get(person=u["worker"])
    swap = services.swap_request(actor=u["worker"], shift_id=night.pk, substitute=u["leader"], reason="培训")
    with pytest.raises(ValidationError) as refused:
        services.swap_refuse(actor=u["community"], swap_id=swap.pk, reason=" ")
    assert "reason" in refused.value.message_dict
    services.swap_refuse(actor=u["community"], swap_id=swap.pk, reason="当晚防汛，人手不足")
    swap.refresh_from_db()
    night.refresh_from_db()
    assert swap.status == SwapStatus.REFUSED and swap.refusal_reason == "当晚防汛，人手不足"
    assert night.person == u["worker"]


def test_a_swap_with_someone_outside_the_unit_or_busy_is_refused(tree, published):
    u = tree.users
    night = Shift.objects.get(person=u["worker"])
    with pytest.raises(ValidationError) as refused:
        services.swap_request(actor=u["worker"], shift_id=night.pk, substitute=u["street"], reason="事假")
    assert "one of the people of" in refused.value.message_dict["substitute"][0]
    other = Shift.objects.get(person=u["worker2"])
    Shift.objects.filter(pk=other.pk).update(starts_at=night.starts_at, ends_at=night.ends_at)
    with pytest.raises(ValidationError) as refused:
        services.swap_request(actor=u["worker"], shift_id=night.pk, substitute=u["worker2"], reason="事假")
    assert "already on duty" in refused.value.message_dict["substitute"][0]
    with pytest.raises(ValidationError):
        services.swap_request(actor=u["worker2"], shift_id=night.pk, substitute=u["leader"], reason="事假")
    assert not Swap.objects.exists()


def test_a_handover_is_written_once_after_the_shift_begins_and_reaches_the_next_shift(tree, published):
    from duty import selectors

    u = tree.users
    first = Shift.objects.get(person=u["worker"])
    second = Shift.objects.get(person=u["worker2"])
    with pytest.raises(ValidationError) as refused:
        services.handover_write(actor=u["worker"], shift_id=first.pk, happened="平安")
    assert "not begun" in refused.value.message_dict["shift"][0]
    with time_machine.travel(first.ends_at, tick=False):
        services.handover_write(
            actor=u["worker"], shift_id=first.pk, happened="22 时接居民报水管爆裂", open_matters="待物业维修"
        )
        with pytest.raises(ValidationError):
            services.handover_write(actor=u["worker"], shift_id=first.pk, happened="again")
    assert selectors.previous_handover(second).open_matters == "待物业维修"
    assert Handover.objects.count() == 1
    assert DutyEvent.objects.order_by("-seq").first().kind == DutyEventKind.HANDOVER
