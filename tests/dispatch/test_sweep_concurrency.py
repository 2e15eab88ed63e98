"""Sweeps running at once on PostgreSQL (real row locks): each case escalates and notifies exactly once."""

import threading
from collections import Counter

import pytest
import time_machine

from cases.events import verify_chain
from cases.models import Case, CaseEvent
from dispatch import sweep as sweep_module
from dispatch.models import Notification
from tests.concurrency import run_together

from .conftest import at, report

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def overdue_cases(tree, rubbish):
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        return [report(tree, rubbish, grid=g % 8) for g in range(40)]


def _with_community_staff(cases):
    # The tree has community staff in communities 0 (grids 0, 1) and 2 (grids 4, 5) only.
    return [c.pk for c in cases if c.area_code[:12] in ("430104001001", "430104002001")]


def test_two_sweeps_at_once_escalate_and_notify_each_case_once(overdue_cases):
    now = at(2026, 3, 2, 9, 31)
    results = run_together(lambda: sweep_module.sweep(now=now), lambda: sweep_module.sweep(now=now))
    assert [kind for kind, _ in results] == ["ok", "ok"], results
    assert sum(r.overdue for _, r in results) == len(overdue_cases)
    ids = [c.pk for c in overdue_cases]
    assert Counter(
        CaseEvent.objects.filter(case_id__in=ids, kind="overdue").values_list("case_id", flat=True)
    ) == dict.fromkeys(ids, 1)
    assert set(Case.objects.filter(pk__in=ids).values_list("level", "escalation_level")) == {("community", 1)}
    per_case = Counter(Notification.objects.filter(kind="overdue").values_list("case_id", flat=True))
    assert per_case == dict.fromkeys(_with_community_staff(overdue_cases), 1)  # told once each
    for case in overdue_cases:
        assert verify_chain(case.events.order_by("seq")) is None


def test_two_sweeps_that_read_the_same_rows_still_claim_each_once(overdue_cases, monkeypatch):
    """Force the worst interleaving: both sweeps read every due row before either claims one."""
    read = threading.Barrier(2)
    original = sweep_module._overdue_batches

    def in_step(now):
        batches = list(original(now))
        read.wait(30)
        return iter(batches)

    monkeypatch.setattr(sweep_module, "_overdue_batches", in_step)
    monkeypatch.setattr(sweep_module, "MAX_PASSES", 1)
    now = at(2026, 3, 2, 9, 31)
    results = run_together(lambda: sweep_module.sweep(now=now), lambda: sweep_module.sweep(now=now))
    assert [kind for kind, _ in results] == ["ok", "ok"], results
    swept = [r for _, r in results]
    assert sum(r.overdue for r in swept) == len(overdue_cases)
    assert sum(r.lost_claims for r in swept) == len(overdue_cases)  # the loser matched nothing, each time
    assert CaseEvent.objects.filter(kind="overdue").count() == len(overdue_cases)
    assert Notification.objects.filter(kind="overdue").count() == len(_with_community_staff(overdue_cases))
