"""Whistle (吹哨报到) and co-handling (主办/协办): summon, arrive, late and missing, assists and answers."""

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from cases import services as case_services
from cases.events import verify_chain
from cases.models import CaseEvent
from dispatch import services
from dispatch.models import ArrivalStatus, AssistStatus, Notification
from dispatch.sweep import sweep
from grids.models import Department, Role

from .conftest import at, report

pytestmark = pytest.mark.django_db

NOW = at(2026, 3, 2, 9)


@pytest.fixture
def police(tree):
    from tests.factories import make_user

    dept = Department.objects.create(code="GA", name="公安分局", area=tree.district)
    dept.covered_areas.add(tree.district)
    make_user("officer", Role.DEPARTMENT_HANDLER, tree.district, department=dept)
    return dept


@pytest.fixture
def case(tree, rubbish):
    with time_machine.travel(NOW, tick=False):
        return report(tree, rubbish)


def _summon(case, tree, departments, **kw):
    return services.whistle_summon(
        case_id=case.pk,
        actor=tree.users["street"],
        departments=departments,
        reason="占道经营聚集",
        at=NOW,
        **kw,
    )


def test_street_staff_summon_departments_who_are_told_with_priority(case, tree, police):
    whistle = _summon(case, tree, [tree.departments[0], police])
    assert whistle.area == tree.streets[0]
    assert whistle.arrive_by == at(2026, 3, 2, 9, 30)  # 30 minutes by default
    assert {c.department.code for c in whistle.calls.all()} == {"CG", "GA"}
    notices = Notification.objects.filter(kind="whistle")
    assert {n.recipient.username for n in notices} == {"handler", "officer"}
    assert all(n.priority == 1 for n in notices)
    event = CaseEvent.objects.get(case=case, kind="whistle")
    assert event.actor == tree.users["street"] and set(event.payload["departments"]) == {
        tree.departments[0].pk,
        police.pk,
    }


def test_grid_workers_and_handlers_may_not_whistle(case, tree, police):
    for who in ("worker", "handler", "community_b"):
        with pytest.raises(PermissionDenied):
            services.whistle_summon(case_id=case.pk, actor=tree.users[who], departments=[police], reason="x")


def test_a_whistle_needs_a_reason_and_a_department(case, tree):
    with pytest.raises(ValidationError) as err:
        services.whistle_summon(case_id=case.pk, actor=tree.users["street"], departments=[], reason=" ")
    assert "reason" in err.value.message_dict


def test_arrival_in_time_and_late_are_recorded(case, tree, police):
    whistle = _summon(case, tree, [tree.departments[0], police])
    cg = whistle.calls.get(department=tree.departments[0])
    ga = whistle.calls.get(department=police)
    services.whistle_arrive(
        call_id=cg.pk, actor=tree.users["handler"], lat=28.2, lon=112.9, note="东门", at=at(2026, 3, 2, 9, 20)
    )
    officer = police.memberships.get().user
    services.whistle_arrive(call_id=ga.pk, actor=officer, at=at(2026, 3, 2, 9, 45))
    cg.refresh_from_db()
    ga.refresh_from_db()
    assert (cg.status, cg.arrived_by, cg.arrival_note) == (
        ArrivalStatus.ARRIVED,
        tree.users["handler"],
        "东门",
    )
    assert ga.status == ArrivalStatus.LATE
    late = CaseEvent.objects.filter(case=case, kind="whistle_arrive").order_by("seq").last()
    assert late.payload["late_minutes"] == 15
    assert verify_chain(case.events.order_by("seq")) is None


def test_only_the_summoned_department_reports_arrival(case, tree, police):
    whistle = _summon(case, tree, [police])
    with pytest.raises(PermissionDenied):
        services.whistle_arrive(call_id=whistle.calls.get().pk, actor=tree.users["handler"])


def test_the_sweep_records_missing_departments_once(case, tree, police):
    whistle = _summon(case, tree, [police])
    assert sweep(now=at(2026, 3, 2, 9, 29)).whistles_missing == 0
    assert sweep(now=at(2026, 3, 2, 9, 31)).whistles_missing == 1
    assert sweep(now=at(2026, 3, 2, 9, 32)).whistles_missing == 0
    call = whistle.calls.get()
    assert call.status == ArrivalStatus.MISSING
    assert Notification.objects.filter(kind="whistle_missing", recipient=tree.users["street"]).count() == 1
    # Arriving after being marked missing still counts, as late.
    services.whistle_arrive(call_id=call.pk, actor=police.memberships.get().user, at=at(2026, 3, 2, 10))
    call.refresh_from_db()
    assert call.status == ArrivalStatus.LATE


def test_the_whistle_api_summons_and_reports_arrival(case, tree, police):
    street, officer = APIClient(), APIClient()
    street.force_authenticate(tree.users["street"])
    officer.force_authenticate(police.memberships.get().user)
    response = street.post(
        "/api/v1/whistles/",
        {"case": case.pk, "departments": ["GA"], "reason": "聚集", "minutes": 20},
        format="json",
    )
    assert response.status_code == 201, response.json()
    whistle_id = response.json()["id"]
    arrived = officer.post(
        f"/api/v1/whistles/{whistle_id}/arrive/", {"lat": 28.2, "lon": 112.9}, format="json"
    )
    assert arrived.status_code == 200 and arrived.json()["status"] == "arrived"
    again = officer.post(f"/api/v1/whistles/{whistle_id}/arrive/", {}, format="json")
    assert again.status_code == 400


def test_the_whistle_api_refuses_bad_input_per_field(case, tree):
    client = APIClient()
    client.force_authenticate(tree.users["street"])
    response = client.post(
        "/api/v1/whistles/",
        {"case": case.pk, "departments": ["NOPE"], "reason": "", "minutes": 0},
        format="json",
    )
    assert response.status_code == 400
    assert {"departments", "reason", "minutes"} <= set(response.json()["fields"])


def test_a_case_out_of_scope_cannot_be_whistled(case, tree, police):
    client = APIClient()
    client.force_authenticate(tree.users["community_b"])
    response = client.post(
        "/api/v1/whistles/", {"case": case.pk, "departments": ["GA"], "reason": "x"}, format="json"
    )
    assert response.status_code == 404


# --- Co-handling -----------------------------------------------------------------------------------


@pytest.fixture
def dispatched(case, tree):
    with time_machine.travel(NOW, tick=False):
        case_services.case_file(case_id=case.pk, actor=tree.users["community"])
        case_services.case_dispatch(
            case_id=case.pk, actor=tree.users["community"], department=tree.departments[0]
        )
    return case


def test_the_unit_adds_assisting_departments_who_answer(dispatched, tree, police):
    [assist] = services.assist_request(
        case_id=dispatched.pk, actor=tree.users["community"], departments=[police], at=NOW
    )
    assert assist.due_at == at(2026, 3, 3, 9)  # one working day
    assert not services.co_handling_settled(dispatched)
    assert Notification.objects.filter(kind="assist_request", recipient__username="officer").exists()
    services.assist_answer(assist_id=assist.pk, actor=police.memberships.get().user, answer="已配合执法")
    assist.refresh_from_db()
    assert assist.status == AssistStatus.ANSWERED and services.co_handling_settled(dispatched)
    assert [e.kind for e in dispatched.events.order_by("seq")][-2:] == ["assist_request", "assist_answer"]


def test_an_unanswered_assist_times_out_in_the_sweep(dispatched, tree, police):
    [assist] = services.assist_request(
        case_id=dispatched.pk,
        actor=tree.users["community"],
        departments=[police],
        amount=2,
        unit="natural_hours",
        at=NOW,
    )
    assert sweep(now=at(2026, 3, 2, 11, 1)).assists_timed_out == 1
    assist.refresh_from_db()
    assert assist.status == AssistStatus.TIMED_OUT and services.co_handling_settled(dispatched)
    with pytest.raises(ValidationError):
        services.assist_answer(assist_id=assist.pk, actor=police.memberships.get().user, answer="晚了")


def test_the_lead_cannot_assist_itself_and_strangers_cannot_add(dispatched, tree, police):
    with pytest.raises(ValidationError):
        services.assist_request(
            case_id=dispatched.pk, actor=tree.users["community"], departments=[tree.departments[0]]
        )
    with pytest.raises(PermissionDenied):
        services.assist_request(case_id=dispatched.pk, actor=tree.users["handler"], departments=[police])


def test_the_assist_api_answers(dispatched, tree, police):
    unit, officer = APIClient(), APIClient()
    unit.force_authenticate(tree.users["community"])
    officer.force_authenticate(police.memberships.get().user)
    created = unit.post(
        "/api/v1/case-assists/", {"case": dispatched.pk, "departments": ["GA"]}, format="json"
    )
    assert created.status_code == 201, created.json()
    assist_id = created.json()[0]["id"]
    assert (
        officer.post(f"/api/v1/case-assists/{assist_id}/answer/", {"answer": ""}, format="json").status_code
        == 400
    )
    answered = officer.post(f"/api/v1/case-assists/{assist_id}/answer/", {"answer": "已到场"}, format="json")
    assert answered.status_code == 200 and answered.json()["status"] == "answered"


def test_a_summoned_department_sees_the_case_and_a_stranger_department_does_not(case, tree, police):
    from django.contrib.auth import get_user_model

    from cases.selectors import cases_visible_to

    officer = get_user_model().objects.get(username="officer")
    assert not cases_visible_to(officer).filter(pk=case.pk).exists()
    _summon(case, tree, [police])
    assert cases_visible_to(officer).filter(pk=case.pk).exists()
    assert not cases_visible_to(tree.users["handler"]).filter(pk=case.pk).exists()
