import datetime as dt

import pytest
from rest_framework.test import APIClient

from residents.models import GroupTag, Household, Person, PiiAccessLog, Visit
from residents.services import tag_assign, visit_record

from .conftest import grant

pytestmark = pytest.mark.django_db
BASE = "/api/v1/residents"
LIST_ENDPOINTS = [
    "buildings",
    "dwellings",
    "households",
    "persons",
    "person-tags",
    "places",
    "visits",
    "visit-tasks",
    "imports",
    "access-log",
]


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def rows(response):
    assert response.status_code == 200, response.content
    body = response.json()
    return body["results"] if isinstance(body, dict) and "results" in body else body


def test_a_grid_worker_sees_only_the_residents_of_their_grid(register):
    tree = register.tree
    grid = tree.grids[0]
    client = client_for(tree.users["worker"])
    seen = rows(client.get(f"{BASE}/persons/"))
    assert {p["id"] for p in seen} == {p.id for p in register.persons[grid.code]}
    households = rows(client.get(f"{BASE}/households/"))
    assert {h["id"] for h in households} == {h.id for h in register.households[grid.code]}


@pytest.mark.parametrize("endpoint", ["persons", "households", "buildings", "dwellings"])
def test_no_endpoint_shows_a_row_of_another_grid(register, endpoint):
    tree = register.tree
    client = client_for(tree.users["worker"])
    other = register.households[tree.grids[1].code][0]
    ids = {
        "persons": other.persons.first().id,
        "households": other.id,
        "buildings": other.dwelling.building_id,
        "dwellings": other.dwelling_id,
    }
    assert client.get(f"{BASE}/{endpoint}/{ids[endpoint]}/").status_code == 404
    assert ids[endpoint] not in {r["id"] for r in rows(client.get(f"{BASE}/{endpoint}/"))}


def test_searching_an_exact_id_number_of_another_grid_finds_nothing(register):
    tree = register.tree
    other = register.persons[tree.grids[1].code][0]
    client = client_for(tree.users["worker"])
    assert rows(client.get(f"{BASE}/persons/", {"id_number": register.numbers[other.id]})) == []
    own = register.persons[tree.grids[0].code][0]
    found = rows(client.get(f"{BASE}/persons/", {"id_number": register.numbers[own.id].lower()}))
    assert [p["id"] for p in found] == [own.id]


@pytest.mark.parametrize("name", ["handler", "stranger"])
def test_department_handlers_and_strangers_see_no_resident_anywhere(register, name):
    client = client_for(register.tree.users[name])
    for endpoint in LIST_ENDPOINTS:
        assert rows(client.get(f"{BASE}/{endpoint}/")) == [], endpoint
    assert client.get(f"{BASE}/coverage/").status_code == 404


def test_community_staff_see_their_community_and_not_the_other(register):
    tree = register.tree
    seen = {p["area"] for p in rows(client_for(tree.users["community"]).get(f"{BASE}/persons/"))}
    assert seen == {tree.grids[0].code, tree.grids[1].code}


def test_visits_of_another_grid_stay_hidden(register):
    tree = register.tree
    other = register.households[tree.grids[1].code][0]
    visit = visit_record(actor=tree.users["worker2"], household=other, notes="ok")
    client = client_for(tree.users["worker"])
    assert client.get(f"{BASE}/visits/{visit.id}/").status_code == 404
    assert client_for(tree.users["worker2"]).get(f"{BASE}/visits/{visit.id}/").status_code == 200


def test_a_worker_cannot_record_a_visit_to_a_household_of_another_grid(register):
    tree = register.tree
    other = register.households[tree.grids[1].code][0]
    response = client_for(tree.users["worker"]).post(
        f"{BASE}/visits/", {"household": other.id}, format="json"
    )
    assert response.status_code == 400
    assert "household" in response.json()["fields"]
    assert not Visit.objects.exists()


@pytest.mark.parametrize("name", ["worker", "leader", "community", "street", "centre"])
def test_lists_show_masked_numbers_to_every_role(register, name):
    tree = register.tree
    user = grant(tree.users[name], "unmask_pii")  # even holders of the permission see masks in lists
    body = rows(client_for(user).get(f"{BASE}/persons/"))
    assert body
    content = str(body)
    for person_id, number in register.numbers.items():
        assert number not in content
        assert register.phones[person_id] not in content
    first = body[0]
    number = register.numbers[first["id"]]
    assert first["id_number_masked"] == number[:4] + "*" * 12 + number[-2:]
    assert (
        first["phone_masked"] == register.phones[first["id"]][:3] + "****" + register.phones[first["id"]][-4:]
    )
    assert "id_number" not in first and "phone" not in first


def test_reveal_needs_the_permission(register):
    tree = register.tree
    person = register.persons[tree.grids[0].code][0]
    response = client_for(tree.users["worker"]).post(
        f"{BASE}/persons/{person.id}/reveal/", {"reason": "核实身份信息"}
    )
    assert response.status_code == 403
    assert not PiiAccessLog.objects.exists()


def test_reveal_needs_a_reason(register):
    tree = register.tree
    user = grant(tree.users["worker"], "unmask_pii")
    person = register.persons[tree.grids[0].code][0]
    response = client_for(user).post(f"{BASE}/persons/{person.id}/reveal/", {"reason": ""}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["fields"]
    assert not PiiAccessLog.objects.exists()


def test_reveal_shows_full_numbers_and_logs_who_whose_what_and_why(register):
    tree = register.tree
    user = grant(tree.users["worker"], "unmask_pii")
    person = register.persons[tree.grids[0].code][0]
    response = client_for(user).post(
        f"{BASE}/persons/{person.id}/reveal/",
        {"reason": "办理低保核实", "fields": ["id_number"]},
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == {"id_number": register.numbers[person.id]}
    log = PiiAccessLog.objects.get()
    assert (log.actor, log.person, log.fields, log.reason, log.action) == (
        user,
        person,
        ["id_number"],
        "办理低保核实",
        "reveal",
    )
    assert log.area_code == tree.grids[0].code


def test_reveal_of_another_grid_answers_404_even_with_the_permission(register):
    tree = register.tree
    user = grant(tree.users["worker"], "unmask_pii")
    other = register.persons[tree.grids[1].code][0]
    response = client_for(user).post(f"{BASE}/persons/{other.id}/reveal/", {"reason": "核实身份信息"})
    assert response.status_code == 404
    assert not PiiAccessLog.objects.exists()


def test_the_access_log_is_for_the_district_centre(register):
    tree = register.tree
    user = grant(tree.users["community"], "unmask_pii")
    person = register.persons[tree.grids[0].code][0]
    client_for(user).post(f"{BASE}/persons/{person.id}/reveal/", {"reason": "核实身份信息"})
    assert rows(client_for(user).get(f"{BASE}/access-log/")) == []
    entries = rows(client_for(tree.users["centre"]).get(f"{BASE}/access-log/"))
    assert [(e["actor"], e["person"], e["action"]) for e in entries] == [(user.id, person.id, "reveal")]


def _tag_codes(client, person_id):
    return {t["code"] for t in client.get(f"{BASE}/persons/{person_id}/").json()["tags"]}


def test_special_management_tags_are_hidden_from_grid_workers_and_plain_staff(register):
    tree = register.tree
    tagged = register.persons[tree.grids[0].code][1]  # community correction
    for name in ("worker", "leader", "community", "street"):
        client = client_for(tree.users[name])
        assert _tag_codes(client, tagged.id) == set(), name
        assert rows(client.get(f"{BASE}/persons/", {"tag": "community_correction"})) == [], name
        assert "community_correction" not in {t["code"] for t in rows(client.get(f"{BASE}/group-tags/"))}
        assert rows(client.get(f"{BASE}/person-tags/", {"person": tagged.id})) == []
    elderly = register.persons[tree.grids[0].code][0]
    assert _tag_codes(client_for(tree.users["worker"]), elderly.id) == {"elderly_alone"}


def test_special_management_tags_show_to_the_centre_and_to_staff_with_the_permission(register):
    tree = register.tree
    tagged = register.persons[tree.grids[0].code][1]
    assert _tag_codes(client_for(tree.users["centre"]), tagged.id) == {"community_correction"}
    staff = grant(tree.users["community"], "view_sensitive")
    assert _tag_codes(client_for(staff), tagged.id) == {"community_correction"}
    found = rows(client_for(staff).get(f"{BASE}/persons/", {"tag": "community_correction"}))
    assert [p["id"] for p in found] == [tagged.id]
    worker = grant(tree.users["worker"], "view_sensitive")  # the permission alone does not reach grid workers
    assert _tag_codes(client_for(worker), tagged.id) == set()


def test_a_worker_cannot_assign_a_special_management_tag(register):
    tree = register.tree
    person = register.persons[tree.grids[0].code][2]
    client = client_for(tree.users["worker"])
    response = client.post(f"{BASE}/persons/{person.id}/tags/", {"tag": "drug_user"})
    assert response.status_code == 400  # the tag is not even in the worker's catalogue
    assert client.post(f"{BASE}/persons/{person.id}/tags/", {"tag": "disabled"}).status_code == 201


def test_creating_a_person_validates_the_id_number_per_field(register):
    tree = register.tree
    household = register.households[tree.grids[0].code][0]
    client = client_for(tree.users["worker"])
    response = client.post(
        f"{BASE}/persons/",
        {"household": household.id, "name": "李四", "id_number": "430104199001010011"},
        format="json",
    )
    assert response.status_code == 400
    assert "check digit" in response.json()["fields"]["id_number"][0]
    ok = client.post(
        f"{BASE}/persons/",
        {"household": household.id, "name": "李四", "id_number": "110105491231002", "phone": "13912345678"},
        format="json",
    )
    assert ok.status_code == 201, ok.content
    body = ok.json()
    assert body["id_number_masked"] == "1101************2X"
    # The date derived from the number is stored; the answer shows only its year.
    assert body["birth_year"] == 1949 and "birth_date" not in body and body["gender"] == "female"
    assert Person.objects.get(pk=body["id"]).birth_date.isoformat() == "1949-12-31"
    dup = client.post(
        f"{BASE}/persons/",
        {"household": household.id, "name": "王五", "id_number": "11010519491231002X"},
        format="json",
    )
    assert dup.status_code == 400 and "id_number" in dup.json()["fields"]


def test_a_worker_cannot_place_a_person_in_another_grid(register):
    tree = register.tree
    other = register.households[tree.grids[1].code][0]
    response = client_for(tree.users["worker"]).post(
        f"{BASE}/persons/", {"household": other.id, "name": "李四"}, format="json"
    )
    assert response.status_code == 400
    assert not Person.objects.filter(name="李四").exists()


@pytest.mark.parametrize(
    "endpoint", ["persons", "households", "visits", "visit-tasks", "person-tags", "buildings"]
)
def test_list_query_count_does_not_grow_with_rows(register, endpoint, django_assert_max_num_queries):
    from .conftest import fill_grid

    tree = register.tree
    user = tree.users["community"]
    client = client_for(user)
    from residents.visits import visit_tasks_build

    first = register.persons[tree.grids[0].code][0]
    visit_record(actor=user, household=first.household, person=first, visited_at=first.created_at)
    visit_tasks_build(today=first.created_at.date() + dt.timedelta(days=30))
    client.get(f"{BASE}/{endpoint}/")  # warm: content types, permissions
    with django_assert_max_num_queries(12) as before:
        client.get(f"{BASE}/{endpoint}/")
    fill_grid(
        register,
        tree.grids[0],
        register.root,
        seq_start=900,
        households=4,
        persons_per_household=3,
        building_no=2,
    )
    for household in Household.objects.filter(area=tree.grids[0]):
        visit_record(actor=user, household=household, person=household.persons.first())
    for person in Person.objects.filter(area=tree.grids[0])[4:]:
        tag_assign(actor=register.root, person=person, tag=GroupTag.objects.get(code="disabled"))
    visit_tasks_build(today=first.created_at.date() + dt.timedelta(days=60))
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(f"{BASE}/{endpoint}/")


def test_the_access_log_is_append_only(register):
    tree = register.tree
    person = register.persons[tree.grids[0].code][0]
    from residents.services import pii_reveal

    pii_reveal(actor=register.root, person=person, fields=["phone"], reason="核实联系方式")
    entry = PiiAccessLog.objects.get()
    entry.reason = "changed"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        PiiAccessLog.objects.all().update(reason="x")
    with pytest.raises(PermissionError):
        PiiAccessLog.objects.all().delete()
    assert PiiAccessLog.objects.get().reason == "核实联系方式"
