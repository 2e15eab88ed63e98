"""The transition core (cases/transitions.py) and the one event writer (cases/events.py)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from cases.events import EventDraft, chain_heads, event_append, events_append, events_chain, verify_chain
from cases.models import Case, CaseEvent
from cases.transitions import ActionNotAllowed, transition_step
from cases.workflow import Inputs, Status, conditions_of, has_reason, next_level
from dispatch import services as dispatch_services

from .conftest import report

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # a Monday, 10:00 in Shanghai


def locked(case):
    return Case.objects.select_related("category", "area", "handling_area").get(pk=case.pk)


def run(case, actor, name, **inputs):
    """What a service does with the core's answer: save the case, append the event."""
    with transaction.atomic():
        change = transition_step(case, actor, name, Inputs(**inputs))
        change.case.save()
        events_append([change.event])
    return change


def test_every_transition_runs_through_the_core(tree, rubbish, dispute, django_user_model):
    u, steps = tree.users, []
    dep = tree.departments[0]

    def step(case, actor, name, expected, **inputs):
        before = case.status
        change = run(case, actor, name, **inputs)
        assert (change.event.kind, change.event.from_status, change.event.to_status) == (
            name,
            before,
            expected,
        )
        assert change.event.actor_id == getattr(actor, "pk", None)
        steps.append(name)

    with time_machine.travel(NOW, tick=False):
        case = locked(report(tree, rubbish))
        step(case, u["community"], "file", Status.FILED)
        step(case, u["community"], "escalate", Status.FILED, reason="需街道协调")
        assert case.level == "community"
        step(case, u["centre"], "supervise", Status.FILED)
        step(case, u["street"], "dispatch", Status.DISPATCHED, department=dep)
        step(case, u["handler"], "return_to_dispatcher", Status.FILED, reason="不归我们")
        step(case, u["street"], "dispatch", Status.DISPATCHED, department=dep)
        step(case, u["handler"], "accept", Status.ACCEPTED)
        step(
            case,
            u["handler"],
            "request_extension",
            Status.ACCEPTED,
            amount=Decimal(1),
            unit="working_days",
            reason="等配件",
        )
        step(case, u["street"], "approve_extension", Status.ACCEPTED, amount=Decimal(1), unit="working_days")
        step(
            case,
            u["handler"],
            "request_extension",
            Status.ACCEPTED,
            amount=Decimal(2),
            unit="working_days",
            reason="再等",
        )
        step(case, u["street"], "reject_extension", Status.ACCEPTED)
        step(case, u["street"], "suspend", Status.SUSPENDED, reason="待施工")
        step(case, u["street"], "resume", Status.ACCEPTED)
        step(case, u["handler"], "feedback", Status.HANDLED, result="已清运", after_photos=1)
        step(case, u["worker"], "verify_fail", Status.ACCEPTED, reason="仍有垃圾")
        step(case, u["handler"], "feedback", Status.HANDLED, result="返工完成", after_photos=1)
        step(case, u["worker"], "verify_pass", Status.VERIFIED)
        step(case, u["street"], "close", Status.CLOSED, close_type="normal")
        step(case, u["worker"], "evaluate", Status.EVALUATED, satisfaction="satisfied")
        step(case, u["centre"], "reopen", Status.FILED, reason="群众反映")
        original = report(tree, rubbish)
        step(case, u["street"], "merge", Status.CLOSED, into_id=original.pk, reason="重复")
        assert case.duplicate_of_id == original.pk

        voided = locked(report(tree, rubbish))
        step(voided, u["community"], "void", Status.VOIDED, reason="误报")
        fixed = locked(report(tree, dispute, extra={"parties": 2}))
        step(fixed, u["worker"], "self_handle", Status.SELF_HANDLED, result="已调解")
        enquiry = locked(report(tree, rubbish, source="hotline", request_type="consult"))
        step(enquiry, u["community"], "answer", Status.CLOSED, result="已答复来电人")
        elsewhere = locked(report(tree, rubbish, source="hotline", request_type="complaint"))
        step(elsewhere, u["community"], "return_to_hotline", Status.VOIDED, reason="属相邻区管辖")

    lapsed = run_loop_closed(tree, dispute)
    with time_machine.travel(NOW + dt.timedelta(days=30), tick=False):
        step(lapsed, None, "lapse_evaluation", Status.EVALUATED)

    names = {t.name for t in Case._meta.get_field("status").get_all_transitions(Case)}
    assert set(steps) == names
    for c in (case, voided, fixed, enquiry, elsewhere, lapsed):
        assert verify_chain(CaseEvent.objects.filter(case=c).order_by("seq")) is None


def run_loop_closed(tree, category):
    u = tree.users
    with time_machine.travel(NOW, tick=False):
        case = locked(report(tree, category, extra={"parties": 2}))
        run(case, u["community"], "file")
        run(case, u["community"], "dispatch", department=tree.departments[0])
        run(case, u["handler"], "accept")
        run(case, u["handler"], "feedback", result="已调解")
        run(case, u["community"], "close", close_type="normal")
    return case


def test_a_missing_input_answers_with_the_conditions_message(tree, new_case):
    case = locked(new_case)
    with pytest.raises(ValidationError) as err:
        transition_step(case, tree.users["community"], "void", Inputs(reason="  "))
    assert err.value.message_dict == {"__all__": [str(has_reason.message)]}
    assert case.status == Status.REPORTED  # nothing ran


def test_a_user_without_the_permission_is_refused(tree, new_case):
    with pytest.raises(PermissionDenied):
        transition_step(locked(new_case), tree.users["worker"], "file", Inputs())


def test_a_transition_not_possible_now_lists_what_is(tree, new_case):
    with pytest.raises(ActionNotAllowed) as err:
        transition_step(locked(new_case), tree.users["community"], "accept", Inputs())
    assert "file" in err.value.allowed and "accept" not in err.value.allowed


def test_the_step_writes_nothing(tree, new_case):
    case = locked(new_case)
    change = transition_step(case, tree.users["community"], "file", Inputs(at=NOW))
    assert change.case.status == Status.FILED and change.case.filed_at == NOW
    assert change.event.at == NOW and change.event.payload["clock"]
    assert Case.objects.get(pk=case.pk).status == Status.REPORTED
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_a_condition_registered_by_another_app_holds_the_step_back(tree, new_case):
    feedback = next(
        t for t in Case._meta.get_field("status").get_all_transitions(Case) if t.name == "feedback"
    )
    assert dispatch_services.assistants_settled in conditions_of(feedback)


def test_the_escalation_rule_climbs_one_level_and_stops_at_the_district():
    assert [next_level(level) for level in ("grid", "community", "street", "district")] == [
        "community",
        "street",
        "district",
        "district",
    ]


# --- The event writer ----------------------------------------------------------------------------


def drafts(cases):
    return [
        EventDraft(c.pk, kind, NOW + dt.timedelta(seconds=k), None, "reported", "reported", "备注", {"n": k})
        for k, (c, kind) in enumerate((c, kind) for kind in ("warning", "overdue") for c in cases)
    ]


def written(write):
    """What ``write`` appends, rolled back afterwards."""
    with transaction.atomic():
        write()
        rows = list(
            CaseEvent.objects.filter(kind__in=["warning", "overdue"])
            .order_by("case_id", "seq")
            .values_list("case_id", "seq", "kind", "payload", "created_at", "prev_hash", "hash")
        )
        transaction.set_rollback(True)
    return rows


def test_the_batch_writer_chains_as_the_single_writer(tree, rubbish):
    cases = [report(tree, rubbish, grid=g, actor=tree.users["centre"]) for g in range(3)]

    def one_by_one():
        for d in drafts(cases):
            case = Case(pk=d.case_id)
            event_append(
                case=case,
                kind=d.kind,
                from_status=d.from_status,
                to_status=d.to_status,
                comment=d.comment,
                payload=d.payload,
                at=d.at,
            )

    def in_memory():  # as the demo does: its own heads, no query
        heads = chain_heads(c.pk for c in cases)
        CaseEvent.objects.bulk_create(events_chain(drafts(cases), heads))

    single = written(one_by_one)
    assert len(single) == 6
    assert written(lambda: events_append(drafts(cases))) == single
    assert written(in_memory) == single
    events_append(drafts(cases))
    for c in cases:
        assert verify_chain(CaseEvent.objects.filter(case=c).order_by("seq")) is None
