"""The deadline sweep with frozen time: yellow, red, climbing, catching up, claims, query counts."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import services as case_services
from cases.events import verify_chain
from cases.models import Case, CaseEvent
from dispatch.models import Notification
from dispatch.sweep import sweep
from fieldwork.models import DraftedDay
from risk.models import RiskSettings
from risk.services import settings_for

from .conftest import at, report

pytestmark = pytest.mark.django_db(transaction=False)

MONDAY_9 = at(2026, 3, 2, 9)


@pytest.fixture
def filed_case(tree, rubbish):
    """Reported at 09:00 on a Monday, so its filing stage (30 natural minutes) is due at 09:30."""
    with time_machine.travel(MONDAY_9, tick=False):
        return report(tree, rubbish)


def _events(case, kind):
    return list(CaseEvent.objects.filter(case=case, kind=kind).order_by("seq"))


def _recipients(case, kind):
    return set(
        Notification.objects.filter(case=case, kind=kind).values_list("recipient__username", flat=True)
    )


def test_nothing_happens_before_the_warning_time(filed_case):
    result = sweep(now=at(2026, 3, 2, 9, 23))
    assert (result.warned, result.overdue, result.climbed) == (0, 0, 0)
    filed_case.refresh_from_db()
    assert filed_case.alert == ""


def test_a_stage_past_its_warning_time_turns_yellow_and_tells_the_unit(filed_case, tree):
    result = sweep(now=at(2026, 3, 2, 9, 25))  # warn at 80 % of 30 min = 09:24
    filed_case.refresh_from_db()
    assert result.warned == 1 and filed_case.alert == "yellow" and filed_case.level == "grid"
    [event] = _events(filed_case, "warning")
    assert event.actor_id is None and event.payload["stage"] == "file"
    # Filing has no handler yet: the grid's unit (its leader) hears it.
    assert _recipients(filed_case, "warning") == {"leader"}


def test_a_warning_is_given_once(filed_case):
    sweep(now=at(2026, 3, 2, 9, 25))
    result = sweep(now=at(2026, 3, 2, 9, 26))
    assert result.warned == 0
    assert len(_events(filed_case, "warning")) == 1
    assert Notification.objects.filter(kind="warning").count() == 1


def test_an_overdue_stage_turns_red_climbs_one_level_and_tells_the_next_level(filed_case, tree):
    sweep(now=at(2026, 3, 2, 9, 25))
    result = sweep(now=at(2026, 3, 2, 9, 31))
    filed_case.refresh_from_db()
    assert result.overdue == 1
    assert (filed_case.alert, filed_case.level, filed_case.escalation_level, filed_case.escalation_count) == (
        "red",
        "community",
        1,
        1,
    )
    assert filed_case.next_escalation_at == at(2026, 3, 2, 10, 0)  # one more full limit after the deadline
    [event] = _events(filed_case, "overdue")
    assert event.payload["from_level"] == "grid" and event.payload["to_level"] == "community"
    assert _recipients(filed_case, "overdue") == {"community"}
    assert verify_chain(filed_case.events.order_by("seq")) is None


def test_still_red_after_another_full_limit_it_climbs_again_up_to_the_district(filed_case, tree):
    sweep(now=at(2026, 3, 2, 9, 31))
    sweep(now=at(2026, 3, 2, 10, 1))
    filed_case.refresh_from_db()
    assert filed_case.level == "street"
    assert _recipients(filed_case, "escalate") == {"street"}
    sweep(now=at(2026, 3, 2, 10, 31))
    filed_case.refresh_from_db()
    assert filed_case.level == "district" and filed_case.next_escalation_at is None
    assert "centre" in _recipients(filed_case, "escalate")
    # Nothing more to climb: later sweeps leave it alone.
    assert sweep(now=at(2026, 3, 5, 10)).climbed == 0
    assert [e.kind for e in filed_case.events.order_by("seq")] == [
        "report",
        "overdue",
        "escalate",
        "escalate",
    ]
    assert verify_chain(filed_case.events.order_by("seq")) is None


def test_a_sweep_after_downtime_catches_up_on_everything(tree, rubbish):
    with time_machine.travel(MONDAY_9, tick=False):
        cases = [report(tree, rubbish, grid=g) for g in (0, 1, 5)]
    result = sweep(now=at(2026, 3, 3, 9))  # the day after: every limit passed several times
    assert result.overdue == 3 and result.climbed == 6
    assert set(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("level", flat=True)) == {
        "district"
    }
    for case in cases:
        assert verify_chain(case.events.order_by("seq")) is None
        # Red straight away: no warning is given after the deadline.
        assert not _events(case, "warning")


def test_a_stage_that_moves_on_is_not_escalated(filed_case, tree):
    sweep(now=at(2026, 3, 2, 9, 31))
    with time_machine.travel(at(2026, 3, 2, 9, 40), tick=False):
        case_services.case_file(case_id=filed_case.pk, actor=tree.users["community"])
    filed_case.refresh_from_db()
    assert filed_case.alert == "" and filed_case.stage == "dispatch"
    # The filing stage's next climb (10:00) is forgotten; the dispatch stage (30 min from 09:40) runs.
    result = sweep(now=at(2026, 3, 2, 10, 1))
    filed_case.refresh_from_db()
    assert result.climbed == 0 and filed_case.level == "community" and filed_case.next_escalation_at is None


def test_a_suspended_case_is_left_alone(filed_case, tree):
    with time_machine.travel(at(2026, 3, 2, 9, 10), tick=False):
        case_services.case_file(case_id=filed_case.pk, actor=tree.users["community"])
        case_services.case_suspend(case_id=filed_case.pk, actor=tree.users["community"], reason="施工季")
    assert sweep(now=at(2026, 3, 9, 9)).overdue == 0


def test_a_lost_claim_does_nothing(filed_case):
    """What a concurrent sweep sees when another claimed the case between its read and its update."""
    from dispatch import sweep as sweep_module

    original = sweep_module._claim_all

    def stale(claims, now):
        for claim in claims:  # the other sweep got there between this one's read and its claim
            Case.objects.filter(pk=claim.row["id"]).update(escalation_level=claim.row["escalation_level"] + 1)
        return original(claims, now)

    sweep_module._claim_all = stale
    try:
        result = sweep(now=at(2026, 3, 2, 9, 31))
    finally:
        sweep_module._claim_all = original
    assert result.overdue == 0 and result.lost_claims == 1
    assert not _events(filed_case, "overdue") and not Notification.objects.exists()


def test_a_supervised_case_notifies_with_priority(filed_case, tree):
    with time_machine.travel(at(2026, 3, 2, 9, 5), tick=False):
        case_services.case_supervise(case_id=filed_case.pk, actor=tree.users["centre"])
    sweep(now=at(2026, 3, 2, 9, 31))
    notice = Notification.objects.get(case=filed_case, kind="overdue")
    assert notice.priority == 1 and notice.title.startswith("[Supervised]")


def test_an_empty_sweep_costs_a_few_indexed_queries(tree, rubbish, django_assert_max_num_queries):
    with time_machine.travel(MONDAY_9, tick=False):
        for g in range(4):
            report(tree, rubbish, grid=g)
    DraftedDay.objects.create(day=dt.date(2026, 3, 1))  # fieldwork drafted yesterday's work logs already
    RiskSettings.objects.filter(pk=settings_for(tree.district).pk).update(computed_on=dt.date(2026, 3, 2))
    cache.set("screen:warmed:2026-03-02", 1)  # the big screen's finished days computed today already
    # 8 for the cases' own questions; 1 for each step the apps above add (tasks' reminders, fieldwork's logs,
    # mediation's escalation and follow-up reminders; its screening warnings ask nothing before the deadline;
    # duty's reminders before a shift);
    # 3 for risk's daily step, already done today (the districts, their settings, the claim that finds none);
    # 1 for risk's overdue warnings (none due) and none for the big screen's day (cached as done); 1 for the
    # citizens' SMS re-queue, 1 for the alerts' re-queue and 1 for their daily digest; and 6 for the hourly
    # retention steps (patrol tracks: 2, refused Open311 photo fetches: 1, login access logs: 2, photo
    # uploads: 1) on their first run. On PostgreSQL 2 more read the patrol track's partitions from the
    # catalogue (the step that makes months ahead, and the purge).
    hourly = 2 if connection.vendor == "postgresql" else 0
    with django_assert_max_num_queries(28 + hourly):
        result = sweep(now=at(2026, 3, 2, 9, 1))
    assert result.as_dict() == {
        "warned": 0,
        "overdue": 0,
        "climbed": 0,
        "whistles_missing": 0,
        "assists_timed_out": 0,
        "deliveries_requeued": 0,
        "lost_claims": 0,
        "task_reminders": 0,
        "retention_patrol_tracks": 0,
        "retention_rejected_media": 0,
        "retention_access_logs": 0,
        "partitions": 0,
        "work_logs_draft": 0,
        "screenings_warn": 0,
        "disputes_escalate": 0,
        "follow_ups_remind": 0,
        "risk_daily": 0,
        "risk_warnings_overdue": 0,
        "screen_daily": 0,
        "sms_requeue": 0,
        "alerts_requeue": 0,
        "alert_digests": 0,
        "retention_photo_uploads": 0,
        "duty_reminders": 0,
    }
    # Within the hour the retention steps are skipped, and the digest within the day: the rest as above.
    with django_assert_max_num_queries(21):
        sweep(now=at(2026, 3, 2, 9, 2))


def test_sweep_queries_per_batch_do_not_grow_with_cases(tree, rubbish):
    with time_machine.travel(MONDAY_9, tick=False):
        for g in range(8):
            report(tree, rubbish, grid=g)
    with CaptureQueriesContext(connection) as few:
        sweep(now=at(2026, 3, 2, 9, 31))
    with time_machine.travel(MONDAY_9, tick=False):
        for g in range(8):
            for _ in range(3):
                report(tree, rubbish, grid=g)
    with CaptureQueriesContext(connection) as many:
        sweep(now=at(2026, 3, 2, 9, 31))
    # One UPDATE per claimed case (the compare-and-set) plus a fixed number per batch.
    overhead = lambda ctx, n: len(ctx.captured_queries) - n  # noqa: E731
    assert overhead(many, 24) <= overhead(few, 8) + 2


def test_the_sweep_task_runs_the_sweep(filed_case):
    from dispatch.tasks import sweep_deadlines

    with time_machine.travel(at(2026, 3, 2, 9, 31), tick=False):
        result = sweep_deadlines.delay().get()
    assert result["overdue"] == 1
