"""The evaluate step's record: each on-time flag and each awkward case, from real service calls.

01001 on Monday 2 March 2026: filing and dispatch 30 natural minutes, handling 4 working hours (dispatched
09:00 → due 15:00), verification 2 working hours.
"""

from unittest import mock

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError

from assessment.models import CaseRecord
from assessment.records import record_rebuild, records_rebuild
from cases.models import Case
from gridgov import outbox

from .conftest import on

pytestmark = pytest.mark.django_db


def test_it_records_a_case_handled_on_time_through_every_stage(story):
    r = story().loop().evaluate(on(2, "16:10")).record()
    assert (r.filed_on_time, r.dispatched_on_time, r.handled_on_time, r.verified_on_time) == (
        True,
        True,
        True,
        True,
    )
    assert r.closed_on_time is True and r.close_type == "normal" and r.satisfaction == "satisfied"
    assert r.handle_due_at == on(2, "15:00") and r.handling_seconds == 2 * 3600
    assert r.period_month == 202603 and r.grid_code == "430104001001001" and r.street_code == "430104001"
    assert r.verifier.username == "leader" and r.reporter.username == "worker"


def test_it_marks_a_late_filing_and_the_closing_is_then_not_on_time(story):
    s = story().file(on(2, "09:20")).dispatch(on(2, "09:25")).accept(on(2, "09:25"))
    r = s.feedback(on(2, "11:00")).verify(on(2, "11:30")).close(on(2, "16:00")).record()
    assert r.filed_on_time is False and r.dispatched_on_time is True
    assert r.closed_at is not None and r.closed_on_time is False


def test_it_marks_late_handling(story):
    r = story().handled(feedback="16:00").record()
    assert r.handled_on_time is False and r.handle_due_at == on(2, "15:00")


def test_an_approved_extension_moves_the_handling_deadline(story):
    s = story().file(on(2, "08:50")).dispatch(on(2, "09:00")).accept(on(2, "09:00"))
    s.do(on(2, "10:00"), "case_extension_request", "handler", amount=2, unit="working_hours", reason="配件")
    s.do(on(2, "10:05"), "case_extension_decide", "community", approve=True)
    r = s.feedback(on(2, "16:00")).record()
    assert r.extended and r.handle_due_at == on(2, "17:00") and r.handled_on_time is True


def test_rework_restarts_the_handling_clock_and_each_round_counts(story):
    s = story().handled().verify(on(2, "11:30"), passed=False)
    r = s.record()
    assert r.reworked and r.handled_at is None and r.handle_due_at == on(2, "17:30")
    r = s.feedback(on(2, "17:00")).verify(on(2, "17:10")).record()
    assert r.handled_on_time is True and r.handling_seconds == 8 * 3600 and r.verified_on_time is True


def test_a_late_rework_round_makes_handling_late(story):
    s = story().handled().verify(on(2, "11:30"), passed=False)
    r = s.feedback(on(3, "09:00")).record()  # the second round was due 17:30 on the 2nd
    assert r.handled_on_time is False


def test_a_return_counts_against_dispatch_accuracy_and_a_late_redispatch_against_on_time(story):
    s = story().file(on(2, "08:50")).dispatch(on(2, "09:00"))
    s.do(on(2, "09:10"), "case_return", "handler", reason="不属于本单位")
    r = s.record()
    assert r.returned and r.department_id is None and r.dispatched_at == on(2, "09:00")
    r = s.dispatch(on(2, "09:50")).record()  # dispatch stage restarted 09:10: due 09:40
    assert r.dispatched_on_time is False and r.dispatched_at == on(2, "09:00")


def test_a_void_after_filing_is_marked(story):
    r = story().file(on(2, "08:50")).do(on(2, "09:00"), "case_void", "centre", reason="误报").record()
    assert r.voided_after_filing and r.voided_at == on(2, "09:00") and r.closing_due_at is None


def test_a_suspended_case_keeps_its_deadline_for_the_resume(story):
    s = story().file(on(2, "08:50")).dispatch(on(2, "09:00")).accept(on(2, "09:00"))
    r = s.do(on(2, "10:00"), "case_suspend", "community", reason="待施工").record()
    assert r.suspended_at == on(2, "10:00") and r.handle_due_at == on(2, "15:00")
    r = s.do(on(3, "10:00"), "case_resume", "community").record()  # 1 h used, 3 h left: 10–12, 14–15
    assert r.suspended_at is None and r.handle_due_at == on(3, "15:00") and r.closing_due_at == on(3, "15:00")


def test_an_open_case_is_due_for_closing_from_its_handling_deadline(story):
    r = story().file(on(2, "08:50")).dispatch(on(2, "09:00")).record()
    assert r.closed_at is None and r.closing_due_at == on(2, "15:00")


def test_an_undispatched_case_is_due_from_its_dispatch_deadline(story):
    r = story().file(on(2, "08:50")).record()
    assert r.closing_due_at == on(2, "09:20")


def test_a_reopened_case_is_open_again_with_the_new_dispatch_deadline(story):
    s = story().loop().evaluate(on(2, "16:10"), "dissatisfied")
    r = s.do(on(2, "16:30"), "case_reopen", "centre", reason="群众不满意").record()
    assert r.reopened and r.closed_at is None and r.closed_on_time is None and r.satisfaction == ""
    assert r.closing_due_at == on(2, "17:00")


def test_a_self_handled_report_is_not_filed(story):
    from .conftest import _photo

    r = story(self_handled_result="已清理", after_photos=[_photo()]).record()
    assert r.self_handled and r.filed_at is None and r.responded_on_time is True
    assert r.period_at == on(2, "08:40")


def test_rebuilding_is_idempotent_and_set_based(story, django_assert_max_num_queries):
    cases = [story().loop() for _ in range(3)] + [story()]
    first = {r.pk: r for r in CaseRecord.objects.all()} if records_rebuild() else {}
    again = records_rebuild()
    assert again == 4 and len(first) == 4
    for r in CaseRecord.objects.all():
        old = first[r.pk]
        assert [getattr(r, f) for f in ("closed_on_time", "handling_seconds", "closing_due_at")] == [
            getattr(old, f) for f in ("closed_on_time", "handling_seconds", "closing_due_at")
        ]
    with django_assert_max_num_queries(
        8
    ):  # read cases, read events, one upsert (+ savepoints), whatever the count
        records_rebuild(case_ids=[c.case.pk for c in cases])


def test_a_case_change_rebuilds_its_record_on_commit(story, django_capture_on_commit_callbacks):
    s = story()
    with django_capture_on_commit_callbacks(execute=True):
        s.file(on(2, "08:50"))
    assert CaseRecord.objects.get(pk=s.case.pk).filed_on_time is True


def test_the_receiver_skips_changes_that_do_not_touch_the_record(story, django_capture_on_commit_callbacks):
    from cases.models import Case
    from cases.signals import case_changed

    s = story()
    with transaction.atomic():
        case_changed.send(sender=Case, case_id=s.case.pk, kind="overdue")
    assert not CaseRecord.objects.filter(pk=s.case.pk).exists()
    case_changed.send(sender=Case, case_id=s.case.pk, kind="file")
    assert CaseRecord.objects.filter(pk=s.case.pk).exists()
    assert record_rebuild(10**9) is None


def test_the_catch_up_task_rebuilds_records_lost_on_the_way(story):
    from assessment.tasks import catch_up_records

    s = story()
    CaseRecord.objects.filter(pk=s.case.pk).delete()  # as if the broker had lost the rebuild
    ever = 60 * 24 * 365 * 10  # the story's clock is in the past; look back far enough to see it
    assert catch_up_records(minutes=ever) == 1
    assert CaseRecord.objects.filter(pk=s.case.pk).exists()
    assert catch_up_records(minutes=ever) == 0  # nothing stale any more


def test_a_report_queues_no_rebuild_and_the_minute_sweep_builds_its_record(
    story, django_capture_on_commit_callbacks
):
    import time_machine

    from assessment.tasks import build_new_records

    with django_capture_on_commit_callbacks(execute=True):
        s = story()
    assert not CaseRecord.objects.filter(pk=s.case.pk).exists()
    with time_machine.travel(on(2, "08:50"), tick=False):  # ten minutes after the report
        assert build_new_records(minutes=5) == 0  # reported before the window: catch_up_records' case
        assert build_new_records(minutes=15) == 1
        assert build_new_records() == 0  # built once
    assert CaseRecord.objects.get(pk=s.case.pk).reporter.username == "worker"


def test_with_the_broker_down_one_action_tries_to_publish_and_the_catch_up_rebuilds_later(
    story, django_capture_on_commit_callbacks
):
    """The rebuild's publish goes through the outbox: after one refusal, the next actions do not try (and
    so do not wait for a connection timeout); the catch-up task builds what was not sent."""
    from assessment.tasks import catch_up_records, rebuild_case_record

    s = story()
    refused = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with (
        mock.patch.object(rebuild_case_record, "apply_async", side_effect=refused) as publish,
        django_capture_on_commit_callbacks(execute=True),
    ):
        s.file(on(2, "08:50")).dispatch(on(2, "09:00")).accept(on(2, "09:00"))
    assert publish.call_count == 1 and outbox.broker.paused()
    assert Case.objects.get(pk=s.case.pk).status == "accepted"
    assert not CaseRecord.objects.filter(pk=s.case.pk).exists()
    outbox.broker.reset()  # the broker is back: beat's catch-up runs
    assert catch_up_records(minutes=60 * 24 * 365 * 10) == 1
    assert CaseRecord.objects.get(pk=s.case.pk).dispatched_on_time is True
