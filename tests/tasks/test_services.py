"""Tasks sent to grids: creation, the rules that refuse bad input (nothing half-saved), assignment, forms per
object, findings as cases, submission and review, and the hash-chained trail."""

from datetime import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases.models import Case, Category
from gridgov import audit_chain
from tasks import services
from tasks.models import TASK_EVENT_CHAIN, Assignment, Target, Task, TaskEvent, TaskResult

from .conftest import FORM, SH, building, send

pytestmark = pytest.mark.django_db


def test_it_sends_one_assignment_per_grid_with_its_objects_and_one_event(tree, admitted):
    building(tree.grids[0], 3)
    building(tree.grids[1], 2)
    building(tree.grids[5], 4)  # another street: not chosen
    task = send(tree, admitted["C02"], fields=FORM, target_kind="building")
    assert task.grids == 4 and task.targets == 5
    rows = dict(Assignment.objects.filter(task=task).values_list("area_code", "targets_total"))
    assert rows == {
        tree.grids[0].code: 3,
        tree.grids[1].code: 2,
        tree.grids[2].code: 0,
        tree.grids[3].code: 0,
    }
    assert Target.objects.filter(task=task).count() == 5
    assert list(TaskEvent.objects.filter(task=task).values_list("kind", flat=True)) == ["created"]


def test_it_chooses_grids_by_list_and_by_kind(tree, admitted):
    by_list = send(tree, admitted["C02"], selection={"grids": [tree.grids[0].code, tree.grids[6].code]})
    assert by_list.grids == 2
    tree.grids[3].kind, tree.grids[3].purpose = "dedicated", "market"
    tree.grids[3].save()
    by_kind = send(tree, admitted["C02"], selection={"kind": "dedicated", "purpose": "market"})
    assert list(by_kind.assignments.values_list("area_code", flat=True)) == [tree.grids[3].code]


def test_community_staff_send_only_to_their_grids(tree, admitted):
    task = send(tree, admitted["C02"], actor=tree.users["community"], selection={"subtree": "430104"})
    assert task.grids == 2
    with pytest.raises(ValidationError) as refused:
        send(tree, admitted["C02"], actor=tree.users["community"], selection={"grids": [tree.grids[5].code]})
    assert "selection" in refused.value.message_dict


def test_grid_workers_do_not_send_tasks(tree, admitted):
    with pytest.raises(PermissionDenied):
        send(tree, admitted["C02"], actor=tree.users["worker"])


@pytest.mark.parametrize(
    ("deadline", "words"),
    [
        (datetime(2026, 5, 1, 17, tzinfo=SH), "holiday"),
        (datetime(2026, 3, 7, 17, tzinfo=SH), "rest day"),
        (datetime(2026, 3, 1, 17, tzinfo=SH), "after the start"),
    ],
)
def test_a_deadline_off_the_working_calendar_is_refused_and_nothing_saved(tree, admitted, deadline, words):
    with pytest.raises(ValidationError) as refused:
        send(tree, admitted["C02"], deadline=deadline)
    assert words in refused.value.message_dict["deadline"][0]
    assert Task.objects.count() == 0 and Assignment.objects.count() == 0


def test_a_bad_form_is_refused(tree, admitted):
    bad = [{"code": "x", "label": "X", "datatype": "singlevaluelist"}, {"code": "x", "label": "again"}]
    with pytest.raises(ValidationError) as refused:
        send(tree, admitted["C02"], fields=bad)
    assert len(refused.value.message_dict["fields"]) == 2
    assert Task.objects.count() == 0


def _assignment(tree, admitted, grid=0, **kwargs):
    task = send(tree, admitted["C02"], fields=FORM, **kwargs)
    return Assignment.objects.get(task=task, area=tree.grids[grid])


def test_the_grid_leader_hands_work_to_the_grids_workers_only(tree, admitted):
    a = _assignment(tree, admitted)
    services.assignment_assign(actor=tree.users["leader"], assignment_id=a.pk, workers=[tree.users["worker"]])
    assert list(a.workers.all()) == [tree.users["worker"]]
    with pytest.raises(ValidationError):
        services.assignment_assign(
            actor=tree.users["leader"], assignment_id=a.pk, workers=[tree.users["worker2"]]
        )
    with pytest.raises(PermissionDenied):
        services.assignment_assign(
            actor=tree.users["worker2"], assignment_id=a.pk, workers=[tree.users["worker"]]
        )


def test_a_form_missing_a_required_field_is_refused_and_nothing_saved(tree, admitted):
    building(tree.grids[0])
    a = _assignment(tree, admitted, target_kind="building")
    target = Target.objects.get(assignment=a)
    with pytest.raises(ValidationError) as refused:
        services.result_record(
            actor=tree.users["worker"], assignment_id=a.pk, target_id=target.pk, values={"remark": "x"}
        )
    assert refused.value.message_dict == {"values.hose": ["This field is required."]}
    assert TaskResult.objects.count() == 0
    a.refresh_from_db()
    assert a.status == "assigned" and a.targets_done == 0


def test_a_finding_raises_a_case_linked_both_ways(tree, admitted):
    building(tree.grids[0])
    a = _assignment(tree, admitted, target_kind="building")
    target = Target.objects.get(assignment=a)
    rubbish = Category.objects.get(code="01001")
    grid = tree.grids[0]
    result = services.result_record(
        actor=tree.users["worker"],
        assignment_id=a.pk,
        target_id=target.pk,
        values={"hose": "old"},
        lat=grid.centroid_lat,
        lon=grid.centroid_lon,
        finding={"category": rubbish.pk, "title": "软管老化", "description": "3栋"},
    )
    case = Case.objects.get()
    assert result.case == case and list(case.task_results.all()) == [result]
    kinds = list(TaskEvent.objects.filter(task=a.task).values_list("kind", flat=True))
    assert kinds == ["created", "result", "finding"]


def test_a_bad_finding_leaves_neither_form_nor_case(tree, admitted):
    a = _assignment(tree, admitted)
    with pytest.raises(ValidationError) as refused:
        services.result_record(
            actor=tree.users["worker"], assignment_id=a.pk, values={"hose": "ok"}, finding={"category": 0}
        )
    assert "finding.category" in refused.value.message_dict
    assert TaskResult.objects.count() == 0 and Case.objects.count() == 0


def _filled(tree, admitted):
    building(tree.grids[0], 2)
    a = _assignment(tree, admitted, target_kind="building")
    targets = list(Target.objects.filter(assignment=a))
    services.result_record(
        actor=tree.users["worker"], assignment_id=a.pk, target_id=targets[0].pk, values={"hose": "ok"}
    )
    return a, targets


def test_submission_waits_for_every_object_then_the_sender_reviews(tree, admitted):
    a, targets = _filled(tree, admitted)
    with pytest.raises(ValidationError, match="1 of 2 objects"):
        services.assignment_submit(actor=tree.users["worker"], assignment_id=a.pk)
    services.result_record(
        actor=tree.users["worker"], assignment_id=a.pk, target_id=targets[1].pk, values={"hose": "ok"}
    )
    services.assignment_submit(actor=tree.users["worker"], assignment_id=a.pk)
    with pytest.raises(PermissionDenied):
        services.assignment_review(actor=tree.users["community"], assignment_id=a.pk, accept=True)
    with pytest.raises(ValidationError) as no_reason:
        services.assignment_review(actor=tree.users["centre"], assignment_id=a.pk, accept=False)
    assert "reason" in no_reason.value.message_dict
    back = services.assignment_review(
        actor=tree.users["centre"], assignment_id=a.pk, accept=False, reason="补照片"
    )
    assert back.status == "returned" and back.returned_reason == "补照片"
    services.assignment_submit(actor=tree.users["worker"], assignment_id=a.pk)
    done = services.assignment_review(actor=tree.users["centre"], assignment_id=a.pk, accept=True)
    assert done.status == "accepted"
    kinds = list(TaskEvent.objects.filter(assignment=a).values_list("kind", flat=True))
    assert kinds == ["result", "result", "submitted", "returned", "submitted", "accepted"]


def test_a_stale_version_is_refused(tree, admitted):
    a = _assignment(tree, admitted)
    with pytest.raises(ValidationError) as stale:
        services.assignment_assign(
            actor=tree.users["leader"],
            assignment_id=a.pk,
            workers=[tree.users["worker"]],
            version=a.version + 1,
        )
    assert "version" in stale.value.message_dict


def test_every_step_is_on_the_chained_trail_and_it_verifies(tree, admitted):
    a, _targets = _filled(tree, admitted)
    assert audit_chain.breaks([TASK_EVENT_CHAIN]) == []
    with pytest.raises(PermissionError):
        TaskEvent.objects.filter(task=a.task).update(comment="rewritten")
    assert TASK_EVENT_CHAIN in audit_chain.CHAINS


def test_persons_with_a_tag_and_places_are_targets_in_their_grids(tree, admitted):
    from datetime import date

    from residents.models import GroupTag, Person, PersonTag, Place

    tag, _created = GroupTag.objects.get_or_create(
        code="tasks_elderly",
        defaults={"name": "独居老人", "category": "priority_service", "sensitivity": "normal"},
    )
    for g in (0, 0, 1, 5):
        person = Person.objects.create(area=tree.grids[g], name="张三")
        PersonTag.objects.create(area=tree.grids[g], person=person, tag=tag, started_on=date(2025, 1, 1))
    ended = Person.objects.create(area=tree.grids[0], name="李四")
    PersonTag.objects.create(
        area=tree.grids[0], person=ended, tag=tag, started_on=date(2024, 1, 1), ended_on=date(2025, 1, 1)
    )
    task = send(tree, admitted["C02"], target_kind="person", target_tag=tag)
    assert task.targets == 3
    totals = dict(Assignment.objects.filter(task=task).values_list("area_code", "targets_total"))
    assert totals[tree.grids[0].code] == 2 and totals[tree.grids[1].code] == 1
    assert Target.objects.filter(task=task).first().label.startswith("独居老人 · #")
    Place.objects.create(area=tree.grids[2], name="便民超市", kind="shop")
    places = send(tree, admitted["C02"], target_kind="place")
    assert list(Target.objects.filter(task=places).values_list("label", flat=True)) == ["便民超市"]
