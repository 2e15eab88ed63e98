"""Duty's notifications through the one outbox: published, swaps, handover to the next shift, and the
reminder before a shift starts (a step of the deadline sweep, sent exactly once)."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dispatch.models import Notification
from dispatch.sweep import sweep
from duty import notify, rota, services
from duty.models import Shift

from .conftest import at, shift

pytestmark = pytest.mark.django_db


def _heard(user):
    return list(Notification.objects.filter(recipient=user, kind="duty").values_list("title", flat=True))


def test_it_tells_each_person_on_a_published_roster_and_nobody_else(tree, published):
    u = tree.users
    [worker] = _heard(u["worker"])
    assert "published" in worker
    assert len(_heard(u["worker2"])) == 1
    # The planner (owner, no shift), a member without a shift and a stranger hear nothing.
    assert _heard(u["leader"]) == [] and _heard(u["community_b"]) == [] and _heard(u["street"]) == []
    body = Notification.objects.get(recipient=u["worker"]).body
    assert "1" in body


def test_publishing_tells_everyone_in_a_fixed_number_of_queries(tree, unit):
    u = tree.users

    def publish(start, days, officers):
        end = start + dt.timedelta(days=days - 1)
        plan = rota.rota_plan(
            unit=unit, starts_on=start, ends_on=end, leaders=[u["community"]], officers=officers
        )
        roster = services.roster_save(
            actor=u["community"], unit=unit, starts_on=start, ends_on=end, leader=u["community"], shifts=plan
        )
        with CaptureQueriesContext(connection) as q:
            services.roster_publish(actor=u["community"], roster_id=roster.pk)
        return len(q)

    small = publish(dt.date(2027, 1, 1), 3, [u["worker"]])
    big = publish(dt.date(2027, 3, 1), 60, [u["worker"], u["worker2"], u["leader"], u["community2"]])
    assert big == small
    assert Notification.objects.filter(kind="duty").values("recipient").distinct().count() == 5


def test_a_swap_tells_the_substitute_and_the_leader_then_both_sides_of_the_decision(tree, published):
    u = tree.users
    night = Shift.objects.get(person=u["worker"])
    swap = services.swap_request(
        actor=u["worker"], shift_id=night.pk, substitute=u["leader"], reason="家中有事"
    )
    assert any("asks you" in t for t in _heard(u["leader"]))
    assert any("awaits your approval" in t for t in _heard(u["community"]))
    services.swap_approve(actor=u["community"], swap_id=swap.pk)
    assert any("no longer yours" in t for t in _heard(u["worker"]))
    assert any("now on the" in t for t in _heard(u["leader"]))
    assert _heard(u["community_b"]) == []

    other = Shift.objects.get(person=u["worker2"])
    refused = services.swap_request(
        actor=u["worker2"], shift_id=other.pk, substitute=u["worker"], reason="培训"
    )
    services.swap_refuse(actor=u["community"], swap_id=refused.pk, reason="人手不足")
    note = Notification.objects.get(recipient=u["worker2"], key=f"duty:swap:{refused.pk}:refused")
    assert "refused" in note.title and note.body == "人手不足"
    assert Notification.objects.filter(recipient=u["worker"], key=note.key).exists()


def test_a_handover_reaches_the_people_on_the_next_shift(tree, published):
    u = tree.users
    first = Shift.objects.get(person=u["worker"])
    with time_machine.travel(first.ends_at, tick=False):
        services.handover_write(
            actor=u["worker"], shift_id=first.pk, happened="平安", open_matters="待物业维修"
        )
    [note] = Notification.objects.filter(recipient=u["worker2"], key__startswith="duty:handover:")
    assert "待物业维修" in note.body
    assert not Notification.objects.filter(recipient=u["worker"], key__startswith="duty:handover:").exists()


def test_the_reminder_is_sent_exactly_once_by_the_sweep(tree, published):
    u = tree.users
    night = Shift.objects.get(person=u["worker"])
    before = night.starts_at - dt.timedelta(hours=1)
    with time_machine.travel(night.starts_at - dt.timedelta(hours=5), tick=False):
        assert sweep().as_dict()["duty_reminders"] == 0  # not yet
    with time_machine.travel(before, tick=False):
        assert sweep().as_dict()["duty_reminders"] == 1
        assert sweep().as_dict()["duty_reminders"] == 0
        assert notify.shifts_remind() == 0
    reminders = Notification.objects.filter(key=f"duty:shift:{night.pk}:remind")
    assert list(reminders.values_list("recipient", flat=True)) == [u["worker"].pk]
    assert not Notification.objects.filter(recipient=u["worker2"], key__endswith=":remind").exists()


def test_a_swapped_shift_reminds_its_new_person(tree, published):
    u = tree.users
    night = Shift.objects.get(person=u["worker"])
    with time_machine.travel(night.starts_at - dt.timedelta(hours=2), tick=False):
        notify.shifts_remind()
        swap = services.swap_request(
            actor=u["worker"], shift_id=night.pk, substitute=u["leader"], reason="病假"
        )
        services.swap_approve(actor=u["community"], swap_id=swap.pk)
        assert notify.shifts_remind() == 1
    recipients = set(
        Notification.objects.filter(key=f"duty:shift:{night.pk}:remind").values_list("recipient", flat=True)
    )
    assert recipients == {u["worker"].pk, u["leader"].pk}


def test_reminders_take_a_fixed_number_of_queries_however_many_are_due(tree, unit):
    u = tree.users

    def remind(n_days, start):
        shifts = [
            shift(u["worker"], at(start + dt.timedelta(days=d), 8), at(start + dt.timedelta(days=d), 9))
            for d in range(n_days)
        ]
        shifts += [
            shift(u["worker2"], at(start + dt.timedelta(days=d), 8), at(start + dt.timedelta(days=d), 9))
            for d in range(n_days)
        ]
        end = start + dt.timedelta(days=n_days)
        roster = services.roster_save(
            actor=u["community"],
            unit=unit,
            starts_on=start,
            ends_on=end,
            leader=u["community"],
            shifts=shifts,
        )
        services.roster_publish(actor=u["community"], roster_id=roster.pk)
        # Every shift of the roster due at once: move them into the next hour.
        Shift.objects.filter(roster=roster).update(starts_at=at(start, 8), ends_at=at(start, 9))
        with time_machine.travel(at(start, 7), tick=False), CaptureQueriesContext(connection) as q:
            assert notify.shifts_remind() == 2 * n_days
        return len(q)

    assert remind(1, dt.date(2027, 1, 4)) == remind(20, dt.date(2027, 3, 1))
