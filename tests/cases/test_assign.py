"""The named handler (签收人, cases.services.case_assign): who names whom inside the handling unit, "我来办",
accepting names the acceptor, leaving the unit clears it, the notice to the person named, "my cases", and
the API (owner / member / stranger)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from cases import services
from cases.models import Case, CaseEvent
from cases.selectors import unit_members
from dispatch.models import Notification
from tests.factories import make_user

from .conftest import report

pytestmark = pytest.mark.django_db


def _dispatched(tree, rubbish, **unit):
    case = report(tree, rubbish)
    services.case_file(case_id=case.pk, actor=tree.users["community"])
    services.case_dispatch(case_id=case.pk, actor=tree.users["community"], **unit)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def team_case(tree, rubbish):
    """Sent to grid 0's own team: worker and leader."""
    return _dispatched(tree, rubbish, team=tree.grids[0])


@pytest.fixture
def dept_case(tree, rubbish):
    return _dispatched(tree, rubbish, department=tree.departments[0])


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_units_members_are_who_may_be_named(tree, team_case, dept_case):
    assert {u.username for u in unit_members(team_case)} == {"worker", "leader"}
    assert {u.username for u in unit_members(dept_case)} == {"handler"}


def test_the_grid_leader_names_a_worker_and_it_is_in_the_timeline(tree, team_case):
    u = tree.users
    case = services.case_assign(case_id=team_case.pk, actor=u["leader"], assignee=u["worker"], comment="你去")
    assert case.assignee == u["worker"]
    event = CaseEvent.objects.filter(case=case).latest("seq")
    assert (event.kind, event.actor_id, event.comment) == ("assign", u["leader"].pk, "你去")
    assert event.payload == {"assignee": u["worker"].pk, "name": "worker", "previous": None}
    assert Case.objects.get(pk=case.pk).version == team_case.version  # nobody's open form goes stale


def test_a_member_takes_an_unnamed_case_but_names_nobody_else(tree, team_case):
    u = tree.users
    with pytest.raises(PermissionDenied):
        services.case_assign(case_id=team_case.pk, actor=u["worker"], assignee=u["leader"])
    services.case_assign(case_id=team_case.pk, actor=u["worker"], assignee=u["worker"])
    assert Case.objects.get(pk=team_case.pk).assignee == u["worker"]


def test_a_member_does_not_take_over_from_a_named_colleague(tree, team_case):
    u = tree.users
    worker3 = make_user("worker3", "grid_worker", tree.grids[0])
    services.case_assign(case_id=team_case.pk, actor=u["leader"], assignee=u["worker"])
    with pytest.raises(PermissionDenied):
        services.case_assign(case_id=team_case.pk, actor=worker3, assignee=worker3)
    with pytest.raises(PermissionDenied):
        services.case_assign(case_id=team_case.pk, actor=worker3, assignee=None)
    services.case_assign(case_id=team_case.pk, actor=u["worker"], assignee=None)  # one's own name: yes
    case = Case.objects.get(pk=team_case.pk)
    assert case.assignee is None
    assert CaseEvent.objects.filter(case=case).latest("seq").kind == "unassign"


@pytest.mark.parametrize("name", ["worker2", "handler", "stranger", "community_b"])
def test_nobody_outside_the_unit_is_named_or_names(tree, team_case, name):
    u = tree.users
    with pytest.raises(ValidationError) as refused:
        services.case_assign(case_id=team_case.pk, actor=u["leader"], assignee=u[name])
    assert "assignee" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        services.case_assign(case_id=team_case.pk, actor=u[name], assignee=u["worker"])
    assert Case.objects.get(pk=team_case.pk).assignee is None


def test_a_department_handler_takes_the_departments_case(tree, dept_case):
    services.case_assign(case_id=dept_case.pk, actor=tree.users["handler"], assignee=tree.users["handler"])
    assert Case.objects.get(pk=dept_case.pk).assignee == tree.users["handler"]


def test_naming_the_same_person_again_records_nothing(tree, team_case):
    u = tree.users
    services.case_assign(case_id=team_case.pk, actor=u["leader"], assignee=u["worker"])
    before = CaseEvent.objects.count()
    services.case_assign(case_id=team_case.pk, actor=u["leader"], assignee=u["worker"])
    assert CaseEvent.objects.count() == before


def test_accepting_names_the_acceptor_unless_someone_is_named(tree, rubbish, team_case):
    services.case_accept(case_id=team_case.pk, actor=tree.users["worker"])
    assert Case.objects.get(pk=team_case.pk).assignee == tree.users["worker"]
    other = _dispatched(tree, rubbish, team=tree.grids[0])
    services.case_assign(case_id=other.pk, actor=tree.users["leader"], assignee=tree.users["leader"])
    services.case_accept(case_id=other.pk, actor=tree.users["worker"])
    assert Case.objects.get(pk=other.pk).assignee == tree.users["leader"]


def test_leaving_the_unit_clears_the_name(tree, team_case):
    u = tree.users
    services.case_accept(case_id=team_case.pk, actor=u["worker"])
    services.case_return(case_id=team_case.pk, actor=u["worker"], reason="不归我们")
    case = Case.objects.get(pk=team_case.pk)
    assert case.assignee is None and case.status == "filed"
    with pytest.raises(ValidationError):  # no handling unit now: nobody to name
        services.case_assign(case_id=case.pk, actor=u["community"], assignee=u["worker"])
    services.case_dispatch(case_id=case.pk, actor=u["community"], department=tree.departments[0])
    services.case_accept(case_id=case.pk, actor=u["handler"])
    assert Case.objects.get(pk=case.pk).assignee == u["handler"]


def test_the_person_named_by_another_is_told(tree, team_case, django_capture_on_commit_callbacks):
    u = tree.users
    with django_capture_on_commit_callbacks(execute=True):
        services.case_assign(case_id=team_case.pk, actor=u["leader"], assignee=u["worker"])
    notice = Notification.objects.get(kind="assign")
    assert notice.recipient == u["worker"] and team_case.number in notice.title
    with django_capture_on_commit_callbacks(execute=True):
        services.case_assign(case_id=team_case.pk, actor=u["leader"], assignee=u["leader"])
    assert Notification.objects.filter(kind="assign").count() == 1  # naming oneself tells nobody


# --- Queues: "my cases" ----------------------------------------------------------------------------------


def test_my_cases_lists_the_handlers_open_cases_with_no_query_per_row(tree, rubbish, client):
    u = tree.users
    mine = [_dispatched(tree, rubbish, team=tree.grids[0]) for _ in range(2)]
    for case in mine:
        services.case_assign(case_id=case.pk, actor=u["leader"], assignee=u["worker"])
    _dispatched(tree, rubbish, team=tree.grids[0])  # nobody named
    client.force_login(u["worker"])
    page = client.get("/cases/", {"queue": "my_cases"})
    assert page.status_code == 200
    assert [c.pk for c in page.context["cases"]] == sorted((c.pk for c in mine), reverse=True)
    assert {k: n for k, _l, n in page.context["tabs"]}["my_cases"] == 2
    assert "worker" in page.content.decode()
    with CaptureQueriesContext(connection) as few:
        client.get("/cases/", {"queue": "all"})
    for _ in range(5):
        case = _dispatched(tree, rubbish, team=tree.grids[0])
        services.case_assign(case_id=case.pk, actor=u["leader"], assignee=u["worker"])
    with CaptureQueriesContext(connection) as many:
        client.get("/cases/", {"queue": "all"})
    assert len(many) == len(few)


def test_my_cases_is_a_tab_for_handlers_only(tree, client):
    for name, has in [("worker", True), ("handler", True), ("community", True), ("street", False)]:
        client.force_login(tree.users[name])
        tabs = [k for k, _l, _n in client.get("/cases/").context["tabs"]]
        assert ("my_cases" in tabs) is has, name


def test_the_api_filters_my_cases(tree, team_case):
    services.case_assign(case_id=team_case.pk, actor=tree.users["leader"], assignee=tree.users["worker"])
    rows = client_for(tree.users["worker"]).get("/api/v1/cases/", {"mine": "true"}).json()["results"]
    assert [(r["id"], r["assignee"]) for r in rows] == [(team_case.pk, tree.users["worker"].pk)]
    assert client_for(tree.users["leader"]).get("/api/v1/cases/", {"mine": "true"}).json()["results"] == []


# --- The API: owner (the unit's lead), member (a member naming another), stranger ----------------------


def test_api_assign_owner_member_stranger(tree, team_case):
    u = tree.users
    url = f"/api/v1/cases/{team_case.pk}/assign/"
    owner = client_for(u["leader"]).post(url, {"assignee": u["worker"].pk, "comment": "你去"}, format="json")
    assert owner.status_code == 200, owner.json()
    assert owner.json()["assignee"] == u["worker"].pk
    member = client_for(u["worker"]).post(url, {"assignee": u["leader"].pk}, format="json")
    assert member.status_code == 403
    stranger = client_for(u["community_b"]).post(url, {"assignee": u["community_b"].pk}, format="json")
    assert stranger.status_code == 404
    for bad in (u["stranger"].pk, 999999):  # outside the unit, or nobody: the same answer
        answer = client_for(u["leader"]).post(url, {"assignee": bad}, format="json")
        assert answer.status_code == 400 and "assignee" in answer.json()["fields"]
    assert client_for(u["leader"]).post(url, {"assignee": "x"}, format="json").status_code == 400
    cleared = client_for(u["leader"]).post(url, {"assignee": None}, format="json")
    assert cleared.status_code == 200 and cleared.json()["assignee"] is None


def test_api_lists_who_may_be_named(tree, team_case):
    rows = client_for(tree.users["leader"]).get(f"/api/v1/cases/{team_case.pk}/handlers/").json()
    assert {r["name"] for r in rows} == {"worker", "leader"}
    assert (
        client_for(tree.users["community_b"]).get(f"/api/v1/cases/{team_case.pk}/handlers/").status_code
        == 404
    )
