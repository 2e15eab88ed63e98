"""The admission list: versions, the list in force, refusals of tasks and of case dispatches to grid teams
(recorded), and the burden report."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from cases import services as case_services
from cases.models import Case, Category
from tasks import admission, selectors, services
from tasks.models import AdmissionList, AdmissionRefusal, Task
from tests.factories import report

from .conftest import ITEMS, send

pytestmark = pytest.mark.django_db


def test_it_refuses_a_task_for_an_item_not_on_the_list_and_records_the_refusal(tree, admitted):
    services.admission_list_publish(
        actor=tree.users["centre"],
        version=2,
        title="v2",
        approved_by="测试区人民政府",
        approved_on=date(2026, 2, 1),
        effective_from=date(2026, 2, 15),
        items=[i for i in ITEMS if i["code"] != "A01"],
    )
    with pytest.raises(ValidationError) as refused:
        send(tree, admitted["A01"], title="人口普查摸底")  # on v1 only: v2 is in force now
    assert refused.value.message_dict == {"item": ["该事项不在网格事项准入清单内"]}
    assert Task.objects.count() == 0
    row = AdmissionRefusal.objects.get()
    assert (row.kind, row.subject, row.item_code, row.department.code) == (
        "task",
        "人口普查摸底",
        "A01",
        "CG",
    )


def test_earlier_versions_are_kept_and_a_future_one_waits_for_its_day(tree, admitted):
    services.admission_list_publish(
        actor=tree.users["centre"],
        version=2,
        title="v2",
        approved_by="测试区人民政府",
        approved_on=date(2026, 2, 1),
        effective_from=date(2026, 7, 1),
        items=ITEMS[:1],
    )
    assert AdmissionList.objects.count() == 2
    assert admission.list_in_force().version == 1
    assert send(tree, admitted["C02"]).pk


def test_an_item_grid_workers_may_not_be_given_is_refused(tree, admitted):
    with pytest.raises(ValidationError) as refused:
        send(tree, admitted["Z99"])
    assert "不得指派网格员" in refused.value.message_dict["item"][0]


def test_only_the_centre_publishes_and_a_bad_list_saves_nothing(tree, admitted):
    with pytest.raises(PermissionDenied):
        services.admission_list_publish(
            actor=tree.users["street"],
            version=9,
            title="x",
            approved_by="x",
            approved_on=date(2026, 1, 1),
            effective_from=date(2027, 1, 1),
            items=ITEMS,
        )
    with pytest.raises(ValidationError) as refused:
        services.admission_list_publish(
            actor=tree.users["centre"],
            version=9,
            title="x",
            approved_by="x",
            approved_on=date(2026, 1, 1),
            effective_from=date(2027, 1, 1),
            items=[ITEMS[0], {**ITEMS[0], "grid_action": "chores"}],
        )
    assert "items.1" in refused.value.message_dict
    assert AdmissionList.objects.count() == 1


def _filed_case(tree):
    rubbish = Category.objects.get(code="01001")
    case = report(tree, rubbish, grid=0)
    case_services.case_file(case_id=case.pk, actor=tree.users["community"])
    return case


def test_a_case_category_not_admitted_is_not_dispatched_to_a_grid_team_and_the_refusal_is_kept(
    tree, admitted
):
    case = _filed_case(tree)
    client = APIClient()
    client.force_authenticate(tree.users["community"])
    answer = client.post(f"/api/v1/cases/{case.pk}/dispatch/", {"team": tree.grids[0].code}, format="json")
    assert answer.status_code in (400, 409), answer.content
    assert "该事项不在网格事项准入清单内" in answer.content.decode()
    assert Case.objects.get(pk=case.pk).status == "filed"
    row = AdmissionRefusal.objects.get()
    assert row.kind == "case_dispatch" and row.area_code == tree.grids[0].code


def test_a_mapped_category_goes_to_the_grid_team_and_departments_are_not_checked(tree, admitted):
    case = _filed_case(tree)
    services.category_admit(actor=tree.users["centre"], category=case.category, item_code="C02")
    done = case_services.case_dispatch(case_id=case.pk, actor=tree.users["community"], team=tree.grids[0])
    assert done.status == "dispatched"
    other = _filed_case(tree)
    Category.objects.filter(pk=other.category_id)  # same category, now to a department: never checked
    assert AdmissionRefusal.objects.count() == 0


def test_without_a_list_in_force_nothing_is_refused(tree):
    case = _filed_case(tree)
    done = case_services.case_dispatch(case_id=case.pk, actor=tree.users["community"], team=tree.grids[0])
    assert done.status == "dispatched"


def test_the_burden_report_counts_refusals_by_department_and_month(tree, admitted):
    for title in ("a", "b"):
        with pytest.raises(ValidationError):
            send(tree, admitted["Z99"], title=title, department=tree.departments[0])
    rows = selectors.burden_report(tree.users["centre"])
    assert rows == [
        {
            "month": "2026-03",
            "department": "城管局",
            "department_id": tree.departments[0].pk,
            "kind": "task",
            "refused": 2,
        }
    ]
    client = APIClient()
    client.force_authenticate(tree.users["centre"])
    assert client.get("/api/v1/admission/refusals/burden/").json()[0]["refused"] == 2
