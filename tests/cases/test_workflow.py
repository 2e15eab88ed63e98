"""The closed loop through the services: every step, every side path, who may and who may not."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django_fsm import ConcurrentTransition

from cases import services
from cases.models import Case, CaseEvent, CloseType
from cases.workflow import Status, conditions_of

from .conftest import photo, report

pytestmark = pytest.mark.django_db


def run_loop_to(tree, case, last_step):
    """Drive a case through the normal loop up to ``last_step`` with the right people."""
    u = tree.users
    steps = [
        ("file", lambda: services.case_file(case_id=case.pk, actor=u["community"])),
        (
            "dispatch",
            lambda: services.case_dispatch(
                case_id=case.pk, actor=u["community"], department=tree.departments[0]
            ),
        ),
        ("accept", lambda: services.case_accept(case_id=case.pk, actor=u["handler"])),
        (
            "feedback",
            lambda: services.case_feedback(
                case_id=case.pk, actor=u["handler"], result="已清运", photos=[photo()]
            ),
        ),
        (
            "verify",
            lambda: services.case_verify(case_id=case.pk, actor=u["worker"], passed=True, note="现场已干净"),
        ),
        ("close", lambda: services.case_close(case_id=case.pk, actor=u["community"])),
    ]
    for name, step in steps:
        step()
        if name == last_step:
            break
    case.refresh_from_db()
    return case


def test_it_runs_the_whole_loop(tree, new_case):
    case = run_loop_to(tree, new_case, "close")
    services.case_evaluate(case_id=case.pk, actor=tree.users["worker"], satisfaction="satisfied")
    case.refresh_from_db()
    assert case.status == Status.EVALUATED
    assert case.close_type == CloseType.NORMAL
    assert case.handling_department == tree.departments[0]
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == ["report", "file", "dispatch", "accept", "feedback", "verify_pass", "close", "evaluate"]
    assert case.version == 8
    assert case.attachments.filter(kind="after").count() == 1
    assert case.number.startswith(f"{case.reported_at.year}430104001")


def test_it_numbers_cases_without_gaps(tree, rubbish):
    numbers = [report(tree, rubbish).number for _ in range(3)]
    serials = [int(n[-6:]) for n in numbers]
    assert serials == [serials[0], serials[0] + 1, serials[0] + 2]


def test_it_locates_the_case_in_its_grid(tree, new_case):
    assert new_case.area == tree.grids[0]
    assert new_case.area_code == tree.grids[0].code


def test_it_refuses_a_point_outside_the_district(tree, rubbish):
    with pytest.raises(ValidationError) as err:
        report(tree, rubbish, lat=10.0, lon=10.0)
    assert "location" in err.value.message_dict
    assert not Case.objects.exists()


def test_it_refuses_a_report_outside_the_workers_grid(tree, rubbish):
    with pytest.raises(PermissionDenied):
        report(tree, rubbish, grid=5, actor=tree.users["worker"])


def test_it_checks_category_extra_fields(tree, dispute):
    with pytest.raises(ValidationError) as err:
        report(tree, dispute, extra={"parties": "many", "unknown": 1})
    assert set(err.value.message_dict) == {"extra.parties", "extra.unknown"}
    case = report(tree, dispute, extra={"parties": "3"})
    assert case.extra == {"parties": 3.0}


def test_it_needs_an_after_photo_where_the_category_asks(tree, new_case):
    run_loop_to(tree, new_case, "accept")
    with pytest.raises(ValidationError) as err:
        services.case_feedback(case_id=new_case.pk, actor=tree.users["handler"], result="已清运")
    assert "after-photo" in str(err.value)
    assert Case.objects.get(pk=new_case.pk).status == Status.ACCEPTED


def test_it_refuses_the_handler_as_verifier(tree, new_case):
    u = tree.users
    run_loop_to(tree, new_case, "feedback")
    with pytest.raises((PermissionDenied, ValidationError)):
        services.case_verify(case_id=new_case.pk, actor=u["handler"], passed=True)


def test_it_sends_a_failed_verification_back_for_rework(tree, new_case):
    u = tree.users
    run_loop_to(tree, new_case, "feedback")
    services.case_verify(case_id=new_case.pk, actor=u["worker"], passed=False, note="仍有垃圾")
    case = Case.objects.get(pk=new_case.pk)
    assert case.status == Status.ACCEPTED
    assert case.rework_count == 1
    assert case.stage == "handle"


def test_it_returns_a_case_to_the_dispatcher(tree, new_case):
    run_loop_to(tree, new_case, "dispatch")
    with pytest.raises(ValidationError):
        services.case_return(case_id=new_case.pk, actor=tree.users["handler"], reason="  ")
    services.case_return(case_id=new_case.pk, actor=tree.users["handler"], reason="不属于本部门职责")
    case = Case.objects.get(pk=new_case.pk)
    assert case.status == Status.FILED and case.return_count == 1 and case.handling_department is None
    assert case.stage == "dispatch"


def test_it_extends_after_approval(tree, new_case):
    u = tree.users
    run_loop_to(tree, new_case, "accept")
    due_before = Case.objects.get(pk=new_case.pk).stage_due_at
    services.case_extension_request(
        case_id=new_case.pk, actor=u["handler"], amount=2, unit="working_days", reason="需协调物业"
    )
    with pytest.raises(ValidationError):
        services.case_extension_request(
            case_id=new_case.pk, actor=u["handler"], amount=1, unit="working_days", reason="again"
        )
    with pytest.raises(PermissionDenied):
        services.case_extension_decide(case_id=new_case.pk, actor=u["handler"], approve=True)
    services.case_extension_decide(case_id=new_case.pk, actor=u["community"], approve=True)
    case = Case.objects.get(pk=new_case.pk)
    assert case.extension_count == 1 and case.extension_requested_amount is None
    assert case.stage_due_at > due_before


def test_it_suspends_and_resumes_where_it_was(tree, new_case):
    u = tree.users
    run_loop_to(tree, new_case, "accept")
    services.case_suspend(case_id=new_case.pk, actor=u["community"], reason="冬季无法施工")
    case = Case.objects.get(pk=new_case.pk)
    assert case.status == Status.SUSPENDED and case.stage_due_at is None
    services.case_resume(case_id=new_case.pk, actor=u["community"])
    case = Case.objects.get(pk=new_case.pk)
    assert case.status == Status.ACCEPTED and case.stage_due_at is not None


def test_it_voids_before_filing_with_a_reason(tree, new_case):
    services.case_void(case_id=new_case.pk, actor=tree.users["community"], reason="重复上报")
    assert Case.objects.get(pk=new_case.pk).status == Status.VOIDED


def test_after_filing_only_the_district_centre_voids(tree, new_case):
    u = tree.users
    run_loop_to(tree, new_case, "file")
    with pytest.raises(PermissionDenied):
        services.case_void(case_id=new_case.pk, actor=u["community"], reason="误报")
    services.case_void(case_id=new_case.pk, actor=u["centre"], reason="误报")
    assert Case.objects.get(pk=new_case.pk).status == Status.VOIDED


def test_self_handled_case_is_verified_by_someone_else(tree, rubbish):
    u = tree.users
    case = report(
        tree, rubbish, self_handled_result="已现场清理", after_photos=[photo()], source="self_handled"
    )
    assert case.status == Status.SELF_HANDLED
    with pytest.raises(ValidationError):
        services.case_verify(case_id=case.pk, actor=u["worker"], passed=True)
    services.case_verify(case_id=case.pk, actor=u["leader"], passed=True)
    services.case_close(case_id=case.pk, actor=u["community"])
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED


def test_a_category_without_verification_closes_after_feedback(tree, dispute):
    u = tree.users
    case = report(tree, dispute, extra={"parties": 2})
    services.case_file(case_id=case.pk, actor=u["community"])
    services.case_dispatch(case_id=case.pk, actor=u["community"], team=tree.grids[0])
    services.case_accept(case_id=case.pk, actor=u["leader"])
    services.case_feedback(case_id=case.pk, actor=u["leader"], result="双方和解")
    services.case_close(case_id=case.pk, actor=u["community"])
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED


def test_the_centre_reopens_and_supervises(tree, new_case):
    u = tree.users
    run_loop_to(tree, new_case, "close")
    with pytest.raises(PermissionDenied):
        services.case_reopen(case_id=new_case.pk, actor=u["community"], reason="群众不满意")
    services.case_reopen(case_id=new_case.pk, actor=u["centre"], reason="群众不满意")
    services.case_supervise(case_id=new_case.pk, actor=u["centre"])
    case = Case.objects.get(pk=new_case.pk)
    assert case.status == Status.FILED and case.reopen_count == 1 and case.is_supervised


def test_escalation_climbs_one_level(tree, new_case):
    assert new_case.level == "grid"
    services.case_escalate(case_id=new_case.pk, actor=tree.users["community"], reason="网格无法处置")
    assert Case.objects.get(pk=new_case.pk).level == "community"
    services.case_escalate(case_id=new_case.pk, actor=tree.users["community"], reason="需街道协调")
    case = Case.objects.get(pk=new_case.pk)
    assert case.level == "street" and case.escalation_count == 2
    # The community no longer acts for a street-level case; the street does.
    with pytest.raises(PermissionDenied):
        services.case_file(case_id=case.pk, actor=tree.users["community"])
    services.case_file(case_id=case.pk, actor=tree.users["street"])


def test_it_refuses_a_stale_version(tree, new_case):
    with pytest.raises(services.StaleVersion):
        services.case_file(case_id=new_case.pk, actor=tree.users["community"], version=new_case.version + 1)
    assert CaseEvent.objects.filter(case=new_case).count() == 1


def test_a_refused_transition_lists_what_is_allowed(tree, new_case):
    with pytest.raises(services.ActionNotAllowed) as err:
        services.case_close(case_id=new_case.pk, actor=tree.users["community"])
    assert {"file", "void", "escalate"} <= set(err.value.allowed)
    assert "close" not in err.value.allowed


def test_every_transition_declares_a_permission():
    field = Case._meta.get_field("status")
    transitions = list(field.get_all_transitions(Case))
    assert transitions
    missing = sorted({t.name for t in transitions if t.permission is None})
    assert missing == []


def test_every_condition_explains_itself():
    field = Case._meta.get_field("status")
    for t in field.get_all_transitions(Case):
        for check in conditions_of(t):
            assert str(check.message), t.name


def test_status_cannot_be_assigned_directly(new_case):
    with pytest.raises(AttributeError):
        new_case.status = Status.CLOSED


def test_a_save_over_a_status_changed_meanwhile_is_refused(tree, new_case):
    """django-fsm's guard: the UPDATE is filtered on the status the instance was loaded with (``Case`` keeps
    its state fields once, not per call)."""
    stale = Case.objects.get(pk=new_case.pk)
    run_loop_to(tree, new_case, "file")
    stale.title = "改过的标题"
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        stale.save()
    assert Case.objects.get(pk=new_case.pk).title == new_case.title


def test_extra_fields_read_as_words(tree, catalogue):
    from cases.extra_fields import display_extra
    from cases.models import Category

    covers = Category.objects.get(code="05001")
    rows = display_extra(covers, {"component_id": "J-8316", "cover_type": "telecom"})
    assert rows == [("部件编号", "J-8316"), ("井盖类型", "通信")]
    lamps = Category.objects.get(code="05003")
    assert display_extra(lamps, {"lamp_count": 3.0}) == [("熄灭数量", "3")]


def test_the_lead_feeds_back_only_once_assistants_have_answered(tree, new_case):
    from django.utils import timezone

    from dispatch.models import AssistStatus, CaseAssist
    from grids.models import Department

    run_loop_to(tree, new_case, "accept")
    helper = Department.objects.create(code="ZJ", name="住建局", area=tree.district)
    assist = CaseAssist.objects.create(
        case=new_case, department=helper, status=AssistStatus.PENDING, due_at=timezone.now()
    )
    with pytest.raises(ValidationError) as err:
        services.case_feedback(
            case_id=new_case.pk, actor=tree.users["handler"], result="已清运", photos=[photo()]
        )
    assert "Assisting departments" in str(err.value)
    CaseAssist.objects.filter(pk=assist.pk).update(status=AssistStatus.ANSWERED)
    services.case_feedback(
        case_id=new_case.pk, actor=tree.users["handler"], result="已清运", photos=[photo()]
    )
    assert Case.objects.get(pk=new_case.pk).status == Status.HANDLED
