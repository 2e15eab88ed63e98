"""Object makers for tests/test_scope_coverage.py: each makes a row inside grid N and returns its pk."""

import datetime as dt
import itertools

from grids.models import User
from residents import idcard
from residents.models import GroupTag, ImportJob, VisitTask
from residents.services import (
    building_save,
    dwelling_save,
    household_register,
    person_register,
    place_save,
    tag_assign,
    visit_record,
)

_seq = itertools.count(1)


def _root():
    user, _ = User.objects.get_or_create(username="scope-root", defaults={"is_superuser": True})
    return user


def _household(tree, i):
    n, grid = next(_seq), tree.grids[i]
    building = building_save(actor=_root(), area=grid, code=f"{grid.code}-S{n}", name=f"楼{n}")
    dwelling = dwelling_save(actor=_root(), building=building, room=f"{n}01")
    return household_register(actor=_root(), number=f"{grid.code}-S{n}", dwelling=dwelling)


def _person(tree, i):
    household = _household(tree, i)
    n = next(_seq)
    return person_register(
        actor=_root(),
        household=household,
        name=f"人{n}",
        id_number=idcard.make("430104", dt.date(1960, 1, 1) + dt.timedelta(days=n), n),
    )


def _tagged(tree, i):
    person = _person(tree, i)
    return tag_assign(
        actor=_root(),
        person=person,
        tag=GroupTag.objects.get(code="elderly_alone"),
        since=dt.date(2020, 1, 1),
    )


def _task(tree, i):
    from residents.visits import visit_tasks_build

    link = _tagged(tree, i)
    visit_tasks_build(today=dt.date(2020, 3, 1))
    return VisitTask.objects.get(person=link.person, status="open").pk


MAKERS = {
    "resident-building": lambda tree, i: _household(tree, i).dwelling.building_id,
    "resident-dwelling": lambda tree, i: _household(tree, i).dwelling_id,
    "resident-household": lambda tree, i: _household(tree, i).pk,
    "resident-person": lambda tree, i: _person(tree, i).pk,
    "resident-person-tag": lambda tree, i: _tagged(tree, i).pk,
    "resident-place": lambda tree, i: (
        place_save(actor=_root(), area=tree.grids[i], name="店", kind="shop").pk
    ),
    "resident-visit": lambda tree, i: visit_record(actor=_root(), household=_household(tree, i)).pk,
    "resident-visit-task": _task,
    "resident-import": lambda tree, i: (
        ImportJob.objects.create(
            area=tree.grids[i], actor=_root(), file_name="x.csv", file="residents/imports/x.csv"
        ).pk
    ),
}
# Not area lists: with the reason, for REFERENCE in tests/test_scope_coverage.py.
EXEMPT = {
    "resident-group-tag": "the group catalogue; special-management groups only to those who may see them "
    "(tests/residents/test_api.py)",
    "resident-coverage": "aggregate figures computed inside the user's reach "
    "(tests/residents/test_visits.py)",
    "resident-access-log": "district centre only, by area (tests/residents/test_api.py)",
}
