"""Reminders and escalation through the one deadline sweep (dispatch/sweep.py), each once."""

from datetime import datetime

import pytest
import time_machine

from dispatch.models import Notification
from dispatch.sweep import sweep
from tasks.models import Assignment, TaskEvent

from .conftest import SH, send

pytestmark = pytest.mark.django_db


def test_the_sweep_reminds_the_grid_a_day_ahead_and_escalates_an_overdue_grid_once(tree, admitted):
    send(tree, admitted["C02"], selection={"grids": [tree.grids[0].code]})
    with time_machine.travel(datetime(2026, 3, 5, 18, tzinfo=SH), tick=False):
        assert sweep().as_dict()["task_reminders"] == 1
        assert sweep().as_dict()["task_reminders"] == 0
    reminded = set(
        Notification.objects.filter(kind="task_reminder").values_list("recipient__username", flat=True)
    )
    assert reminded == {"worker", "leader"}
    with time_machine.travel(datetime(2026, 3, 9, 9, tzinfo=SH), tick=False):
        assert sweep().as_dict()["task_reminders"] == 1
        assert sweep().as_dict()["task_reminders"] == 0
    told = set(Notification.objects.filter(kind="task_overdue").values_list("recipient__username", flat=True))
    assert told == {"worker", "leader", "community", "centre"}
    kinds = list(TaskEvent.objects.values_list("kind", flat=True))
    assert kinds == ["created", "reminded", "escalated"]
    assert Assignment.objects.get().escalated_at is not None


def test_a_submitted_assignment_is_not_chased(tree, admitted):
    send(tree, admitted["C02"], selection={"grids": [tree.grids[0].code]})
    Assignment.objects.update(status="submitted")
    with time_machine.travel(datetime(2026, 3, 9, 9, tzinfo=SH), tick=False):
        assert sweep().as_dict()["task_reminders"] == 0
