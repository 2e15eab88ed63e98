"""Routing rules, suggestions for the dispatcher, and auto-dispatch of filed cases."""

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from cases import services as case_services
from cases.models import Case, CaseEvent
from dispatch import services
from dispatch.models import Notification, RoutingRule
from dispatch.routing import routing_suggest
from grids.models import Department

from .conftest import at, report

pytestmark = pytest.mark.django_db

NOW = at(2026, 3, 2, 9)


@pytest.fixture
def env_dept(tree):
    dept = Department.objects.create(code="HB", name="生态环境分局", area=tree.district)
    dept.covered_areas.add(tree.district)
    return dept


@pytest.fixture
def case(tree, rubbish):
    with time_machine.travel(NOW, tick=False):
        return report(tree, rubbish)


def rule(tree, rubbish, **kw):
    kw.setdefault("owner_area", tree.district)
    return services.routing_rule_save(actor=tree.users["centre"], category=rubbish, **kw)


def _units(case):
    return [(s.department.code if s.department else s.team.code, s.reason) for s in routing_suggest(case)]


def test_rules_come_first_in_priority_then_covering_departments(case, tree, rubbish, env_dept):
    rule(tree, rubbish, department=env_dept, priority=20)
    rule(tree, rubbish, team="grid", priority=10)
    assert _units(case) == [(tree.grids[0].code, "rule"), ("HB", "rule"), ("CG", "coverage")]


def test_a_more_specific_area_wins_a_tie(case, tree, rubbish, env_dept):
    rule(tree, rubbish, department=env_dept, priority=10)
    rule(tree, rubbish, department=tree.departments[0], area=tree.communities[0], priority=10)
    assert _units(case)[0] == ("CG", "rule")


def test_rules_for_other_areas_levels_or_categories_do_not_match(case, tree, rubbish, env_dept, catalogue):
    from cases.models import Category

    rule(tree, rubbish, department=env_dept, area=tree.streets[1])
    rule(tree, rubbish, department=env_dept, level="district")
    services.routing_rule_save(
        actor=tree.users["centre"],
        category=Category.objects.get(code="01002"),
        owner_area=tree.district,
        department=env_dept,
    )
    assert [u for u in _units(case) if u[1] == "rule"] == []


def test_rule_writes_are_checked(tree, rubbish, env_dept):
    with pytest.raises(PermissionDenied):
        services.routing_rule_save(
            actor=tree.users["worker"], category=rubbish, owner_area=tree.district, department=env_dept
        )
    with pytest.raises(PermissionDenied):  # community staff write only in their own community
        services.routing_rule_save(
            actor=tree.users["community"], category=rubbish, owner_area=tree.streets[0], department=env_dept
        )
    with pytest.raises(ValidationError) as err:
        services.routing_rule_save(
            actor=tree.users["street"],
            category=rubbish,
            owner_area=tree.streets[0],
            area=tree.grids[5],
            department=env_dept,
            team="grid",
        )
    assert {"area", "department"} <= set(err.value.message_dict)


def test_an_auto_dispatch_category_goes_straight_to_its_rules_unit(
    case, tree, rubbish, env_dept, django_capture_on_commit_callbacks
):
    rubbish.auto_dispatch = True
    rubbish.save()
    rule(tree, rubbish, department=env_dept)
    with (
        time_machine.travel(at(2026, 3, 2, 9, 5), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        case_services.case_file(case_id=case.pk, actor=tree.users["community"])
    case.refresh_from_db()
    assert case.status == "dispatched" and case.handling_department == env_dept
    assert case.stage == "handle" and case.stage_due_at is not None  # its deadline started
    event = CaseEvent.objects.get(case=case, kind="dispatch")
    assert event.actor is None and "routing rule" in event.comment


def test_without_a_matching_rule_an_auto_dispatch_case_waits_for_a_dispatcher(
    case, tree, rubbish, django_capture_on_commit_callbacks
):
    rubbish.auto_dispatch = True
    rubbish.save()
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_file(case_id=case.pk, actor=tree.users["community"])
    assert Case.objects.get(pk=case.pk).status == "filed"


def test_categories_not_marked_are_never_auto_dispatched(
    case, tree, rubbish, env_dept, django_capture_on_commit_callbacks
):
    rule(tree, rubbish, department=env_dept)
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_file(case_id=case.pk, actor=tree.users["community"])
    assert Case.objects.get(pk=case.pk).status == "filed"
    assert not Notification.objects.filter(kind="dispatch").exists()


# --- API ---------------------------------------------------------------------------------------------


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_suggest_endpoint_lists_units_for_a_visible_case(case, tree, rubbish, env_dept):
    rule(tree, rubbish, team="grid")
    body = _client(tree.users["community"]).get("/api/v1/routing/suggest/", {"case": case.pk}).json()
    assert body[0] == {
        "department": None,
        "team": tree.grids[0].code,
        "name": tree.grids[0].name,
        "rule": RoutingRule.objects.get().pk,
        "reason": "rule",
    }


def test_the_suggest_endpoint_hides_cases_out_of_scope_and_refuses_bad_input(case, tree):
    assert (
        _client(tree.users["community_b"]).get("/api/v1/routing/suggest/", {"case": case.pk}).status_code
        == 404
    )
    response = _client(tree.users["community"]).get("/api/v1/routing/suggest/", {"case": "x"})
    assert response.status_code == 400 and "case" in response.json()["fields"]


def test_the_rules_api_creates_and_refuses(tree, rubbish, env_dept):
    street = _client(tree.users["street"])
    created = street.post(
        "/api/v1/routing/rules/",
        {"category": "01001", "owner_area": tree.streets[0].code, "department": "HB", "priority": 5},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert RoutingRule.objects.get().owner_area == tree.streets[0]
    refused = street.post(
        "/api/v1/routing/rules/",
        {"category": "01001", "owner_area": tree.streets[1].code, "department": "HB"},
        format="json",
    )
    assert refused.status_code == 403
    bad = street.post(
        "/api/v1/routing/rules/", {"category": "01001", "owner_area": tree.streets[0].code}, format="json"
    )
    assert bad.status_code == 400 and "department" in bad.json()["fields"]
    rule_id = created.json()["id"]
    assert (
        street.patch(f"/api/v1/routing/rules/{rule_id}/", {"priority": 1}, format="json").json()["priority"]
        == 1
    )
    assert _client(tree.users["community_b"]).delete(f"/api/v1/routing/rules/{rule_id}/").status_code == 404
    assert street.delete(f"/api/v1/routing/rules/{rule_id}/").status_code == 204
