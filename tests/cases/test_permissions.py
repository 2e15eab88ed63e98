"""Every transition × every role: allowed exactly where it should be, refused elsewhere."""

import pytest

from cases.models import Case
from cases.workflow import Status

pytestmark = pytest.mark.django_db

ROLES = ["worker", "worker2", "leader", "community", "community_b", "street", "centre", "handler", "stranger"]
UNIT = {"leader", "community", "street", "centre"}  # units acting for a grid-level case in grid 0
HANDLER = {"handler"}
CENTRE = {"centre"}

# transition, status the case is in, who may
MATRIX = [
    ("file", Status.REPORTED, UNIT),
    ("void", Status.REPORTED, UNIT),
    ("answer", Status.REPORTED, UNIT),
    ("return_to_hotline", Status.REPORTED, UNIT),
    ("return_to_hotline", Status.FILED, UNIT),
    ("void", Status.FILED, CENTRE),
    ("void", Status.ACCEPTED, CENTRE),
    ("self_handle", Status.REPORTED, {"worker"}),
    ("dispatch", Status.FILED, UNIT),
    ("return_to_dispatcher", Status.DISPATCHED, HANDLER),
    ("return_to_dispatcher", Status.ACCEPTED, HANDLER),
    ("accept", Status.DISPATCHED, HANDLER),
    ("feedback", Status.ACCEPTED, HANDLER),
    ("request_extension", Status.ACCEPTED, HANDLER),
    ("approve_extension", Status.ACCEPTED, UNIT),
    ("reject_extension", Status.ACCEPTED, UNIT),
    ("suspend", Status.ACCEPTED, UNIT),
    ("resume", Status.SUSPENDED, UNIT),
    ("verify_pass", Status.HANDLED, UNIT | {"worker"}),
    ("verify_fail", Status.HANDLED, UNIT | {"worker"}),
    ("verify_pass", Status.SELF_HANDLED, UNIT | {"worker"}),
    ("close", Status.VERIFIED, UNIT),
    ("evaluate", Status.CLOSED, UNIT | {"worker"}),
    ("reopen", Status.CLOSED, CENTRE),
    ("reopen", Status.EVALUATED, CENTRE),
    ("escalate", Status.FILED, UNIT),
    ("supervise", Status.ACCEPTED, CENTRE),
    ("merge", Status.FILED, UNIT),
    ("merge", Status.REPORTED, UNIT),
    ("lapse_evaluation", Status.CLOSED, set()),  # the callback-window task only
]


def test_the_matrix_names_every_transition():
    field = Case._meta.get_field("status")
    assert {t.name for t in field.get_all_transitions(Case)} == {name for name, _s, _w in MATRIX}


@pytest.mark.parametrize("name,status,allowed", MATRIX, ids=[f"{n}-{s}" for n, s, _ in MATRIX])
def test_permission(tree, new_case, name, status, allowed):
    Case.objects.filter(pk=new_case.pk).update(status=status, handling_department=tree.departments[0])
    case = Case.objects.select_related("category", "handling_area").get(pk=new_case.pk)
    transition = getattr(case, name)._django_fsm.get_transition(case.status)
    assert transition is not None, f"{name} is not possible from {status}"
    granted = {role for role in ROLES if transition.has_perm(case, tree.users[role])}
    assert granted == allowed


def test_a_grid_team_handles_what_is_sent_to_it(tree, new_case):
    Case.objects.filter(pk=new_case.pk).update(status=Status.DISPATCHED, handling_area=tree.grids[0])
    case = Case.objects.select_related("handling_area").get(pk=new_case.pk)
    transition = case.accept._django_fsm.get_transition(case.status)
    granted = {role for role in ROLES if transition.has_perm(case, tree.users[role])}
    assert granted == {"worker", "leader"}
