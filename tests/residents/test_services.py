import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from residents.models import Person, PersonTag, ResidenceChange, Visit, VisitTask
from residents.services import household_move, person_leave, person_move, person_update, visit_record

pytestmark = pytest.mark.django_db


def test_moving_a_person_keeps_the_history_and_follows_with_their_tags(register):
    tree = register.tree
    person = register.persons[tree.grids[0].code][0]
    target = register.households[tree.grids[1].code][0]
    community = tree.users["community"]
    person_move(actor=community, person=person, household=target, on=dt.date(2026, 3, 1), reason="婚迁")
    person.refresh_from_db()
    assert (person.household, person.area) == (target, tree.grids[1])
    change = ResidenceChange.objects.get(person=person)
    assert (change.from_area, change.to_area, change.to_household, change.happened_on) == (
        tree.grids[0],
        tree.grids[1],
        target,
        dt.date(2026, 3, 1),
    )
    assert set(PersonTag.objects.filter(person=person).values_list("area", flat=True)) == {tree.grids[1].id}


def test_a_worker_cannot_move_a_person_out_of_their_grid(register):
    tree = register.tree
    person = register.persons[tree.grids[0].code][0]
    with pytest.raises(PermissionDenied):
        person_move(
            actor=tree.users["worker"], person=person, household=register.households[tree.grids[1].code][0]
        )
    assert not ResidenceChange.objects.exists()


def test_moving_a_household_moves_its_people_and_records_the_old_address(register):
    tree = register.tree
    household = register.households[tree.grids[0].code][0]
    old_address = household.address
    household_move(
        actor=tree.users["community"], household=household, area=tree.grids[1], address="新地址 2-101"
    )
    assert set(Person.objects.filter(household=household).values_list("area", flat=True)) == {
        tree.grids[1].id
    }
    change = ResidenceChange.objects.get(household=household)
    assert (change.from_address, change.to_address) == (old_address, "新地址 2-101")


def test_a_person_who_moves_out_keeps_their_row_and_loses_open_follow_ups(register):
    tree = register.tree
    person = register.persons[tree.grids[0].code][0]
    person_leave(actor=tree.users["worker"], person=person, status="moved_out", on=dt.date(2026, 4, 1))
    person.refresh_from_db()
    assert (person.status, person.moved_out_on) == ("moved_out", dt.date(2026, 4, 1))
    assert not PersonTag.objects.filter(person=person, ended_on__isnull=True).exists()


def test_updating_with_the_same_numbers_keeps_the_ciphertext(register):
    tree = register.tree
    person = register.persons[tree.grids[0].code][0]
    before = Person.objects.values_list("id_cipher", "phone_cipher").get(pk=person.pk)
    person_update(
        actor=tree.users["worker"],
        person=person,
        id_number=register.numbers[person.id].lower(),
        phone=register.phones[person.id],
    )
    assert Person.objects.values_list("id_cipher", "phone_cipher").get(pk=person.pk) == before


def test_a_visit_to_a_priority_person_closes_their_follow_up(register):
    from residents.visits import visit_tasks_build

    tree = register.tree
    person = register.persons[tree.grids[0].code][0]  # elderly living alone, every 7 days
    visit_tasks_build(today=dt.date(2026, 2, 1))
    task = VisitTask.objects.get(person=person, status="open")
    visit = visit_record(actor=tree.users["worker"], person=person, notes="身体好")
    task.refresh_from_db()
    assert (task.status, task.visit) == ("done", visit)
    assert visit.household == person.household and visit.area == tree.grids[0]


def test_a_visit_cannot_be_in_the_future(register):
    tree = register.tree
    household = register.households[tree.grids[0].code][0]
    with pytest.raises(ValidationError):
        visit_record(
            actor=tree.users["worker"],
            household=household,
            visited_at=dt.datetime(2999, 1, 1, tzinfo=dt.UTC),
        )


def test_a_visit_finding_raises_a_case_in_one_step(register):
    from cases.models import Case, Category

    tree = register.tree
    category = Category.objects.get(code="08001")  # 消防通道堵塞, from the shipped catalogue
    household = register.households[tree.grids[0].code][0]
    lat, lon = tree.grids[0].centroid_lat, tree.grids[0].centroid_lon
    visit = visit_record(
        actor=tree.users["worker"],
        household=household,
        findings="楼道堆放杂物，存在消防隐患",
        lat=lat,
        lon=lon,
        raise_case={"title": "楼道堆物", "category": category.code},
    )
    case = Case.objects.get(pk=visit.case_id)
    assert case.source == "visit"
    assert case.description == "楼道堆放杂物，存在消防隐患"


def test_a_case_that_cannot_be_raised_leaves_no_visit(register):
    pytest.importorskip("cases.services")
    tree = register.tree
    household = register.households[tree.grids[0].code][0]
    with pytest.raises(ValidationError):
        visit_record(
            actor=tree.users["worker"],
            household=household,
            findings="x",
            raise_case={"title": "t", "category": "no-such-category"},
        )
    assert not Visit.objects.exists()
