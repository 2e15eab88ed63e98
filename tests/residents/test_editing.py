"""Register editing on the phone pages (入户采集): the API's services and checks, errors next to the fields,
nothing saved on bad input, the history kept, and grid workers only in their grids."""

import datetime as dt

import pytest
from django.test import Client

from grids.models import Membership, Role
from residents import idcard
from residents.models import Building, Dwelling, Household, Person, Place, ResidenceChange

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.residents.urls")]

GOOD = idcard.make("430104", dt.date(1990, 5, 17), 123)
BAD_CHECK = GOOD[:17] + ("0" if GOOD[17] != "0" else "1")


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def _person_post(**extra):
    body = {
        "name": "新居民",
        "id_type": "resident_id",
        "id_number": GOOD,
        "phone": "13800001111",
        "residence_type": "floating",
        "relation": "tenant",
        "ethnicity": "汉族",
    }
    body.update(extra)
    return body


def test_it_adds_a_resident_to_a_household_masked_and_derived(register):
    tree = register.tree
    household = register.households[tree.grids[0].code][0]
    client = browser(tree.users["worker"])
    response = client.post(f"/residents/persons/new/?household={household.pk}", _person_post())
    assert response.status_code == 302
    person = Person.objects.get(name="新居民")
    assert (person.household, person.area) == (household, tree.grids[0])
    assert person.birth_date == dt.date(1990, 5, 17) and person.gender == "male"
    assert person.id_mask and person.id_mask != GOOD and GOOD not in person.id_cipher
    page = client.get(f"/residents/persons/{person.pk}/").content.decode()
    assert person.id_mask in page and GOOD not in page and "13800001111" not in page
    assert "1990" in page and "1990-05-17" not in page and "05-17" not in page


@pytest.mark.parametrize(
    "extra, field, words",
    [
        ({"id_number": BAD_CHECK}, "id_number", "check digit"),
        ({"id_number": "12345"}, "id_number", "18 characters"),
        ({"phone": "12"}, "phone", "7 to 15 digits"),
        ({"name": ""}, "name", "required"),
    ],
)
def test_it_refuses_bad_input_next_to_the_field_and_saves_nothing(register, extra, field, words):
    tree = register.tree
    household = register.households[tree.grids[0].code][0]
    before = Person.objects.count()
    response = browser(tree.users["worker"]).post(
        f"/residents/persons/new/?household={household.pk}", _person_post(**extra)
    )
    assert response.status_code == 200
    assert words in " ".join(response.context["form"].errors[field])
    assert 'class="field has-error"' in response.content.decode()
    assert Person.objects.count() == before


def test_the_errors_are_in_chinese(register, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    tree = register.tree
    household = register.households[tree.grids[0].code][0]
    response = browser(tree.users["worker"]).post(
        f"/residents/persons/new/?household={household.pk}", _person_post(id_number=BAD_CHECK)
    )
    assert "校验" in " ".join(response.context["form"].errors["id_number"])


def test_a_duplicate_id_number_is_refused_as_by_the_api(register):
    tree = register.tree
    household = register.households[tree.grids[0].code][0]
    existing = register.persons[tree.grids[0].code][0]
    response = browser(tree.users["worker"]).post(
        f"/residents/persons/new/?household={household.pk}",
        _person_post(id_number=register.numbers[existing.pk]),
    )
    assert response.status_code == 200 and response.context["form"].errors["id_number"]


def test_editing_keeps_the_numbers_when_left_empty(register):
    tree = register.tree
    person = register.persons[tree.grids[0].code][0]
    cipher, mask = person.id_cipher, person.id_mask
    response = browser(tree.users["worker"]).post(
        f"/residents/persons/{person.pk}/",
        {
            "action": "details",
            "name": "改名",
            "id_type": "resident_id",
            "id_number": "",
            "phone": "",
            "residence_type": "registered",
            "relation": "head",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.id_cipher, person.id_mask) == ("改名", cipher, mask)


def test_editing_with_a_bad_number_changes_nothing(register):
    tree = register.tree
    person = register.persons[tree.grids[0].code][0]
    response = browser(tree.users["worker"]).post(
        f"/residents/persons/{person.pk}/",
        {
            "action": "details",
            "name": "改名",
            "id_type": "resident_id",
            "id_number": BAD_CHECK,
            "residence_type": "registered",
            "relation": "head",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["id_number"]
    person.refresh_from_db()
    assert person.name != "改名"


def test_moving_a_person_keeps_the_history(register):
    tree = register.tree
    person = register.persons[tree.grids[0].code][0]
    target = register.households[tree.grids[0].code][1]
    client = browser(tree.users["worker"])
    response = client.post(
        f"/residents/persons/{person.pk}/",
        {"action": "move", "move-household": target.number, "move-reason": "投亲"},
    )
    assert response.status_code == 302
    change = ResidenceChange.objects.get(person=person)
    assert (change.kind, change.to_household, change.actor) == ("person", target, tree.users["worker"])
    assert "投亲" in client.get(f"/residents/persons/{person.pk}/").content.decode()


def test_a_worker_cannot_move_someone_into_another_grid(register):
    tree = register.tree
    person = register.persons[tree.grids[0].code][0]
    other = register.households[tree.grids[1].code][0]
    response = browser(tree.users["worker"]).post(
        f"/residents/persons/{person.pk}/", {"action": "move", "move-household": other.number}
    )
    assert response.status_code == 200 and response.context["move_form"].errors["household"]
    assert not ResidenceChange.objects.exists()


def test_recording_a_death_ends_the_residence(register):
    tree = register.tree
    person = register.persons[tree.grids[0].code][0]
    response = browser(tree.users["worker"]).post(
        f"/residents/persons/{person.pk}/",
        {"action": "leave", "leave-status": "deceased", "leave-on": "2026-11-30"},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.status, person.deceased_on) == ("deceased", dt.date(2026, 11, 30))
    assert ResidenceChange.objects.get(person=person).kind == "deceased"


@pytest.mark.parametrize("name, status", [("worker2", 404), ("handler", 404), ("stranger", 404)])
def test_a_person_of_another_grid_cannot_be_edited(register, name, status):
    tree = register.tree
    person = register.persons[tree.grids[0].code][0]
    assert browser(tree.users[name]).get(f"/residents/persons/{person.pk}/").status_code == status


def test_a_household_in_a_new_room_adds_the_dwelling(register):
    tree = register.tree
    building = Building.objects.filter(area=tree.grids[0]).first()
    response = browser(tree.users["worker"]).post(
        "/residents/households/new/",
        {"number": "HH-NEW-1", "building": building.pk, "unit": "2", "room": "305"},
    )
    assert response.status_code == 302
    household = Household.objects.get(number="HH-NEW-1")
    assert household.dwelling.building == building and household.dwelling.room == "305"
    assert household.area == tree.grids[0]


def test_a_household_needs_an_address_or_a_room(register):
    tree = register.tree
    response = browser(tree.users["worker"]).post(
        "/residents/households/new/", {"number": "HH-NEW-2", "area": tree.grids[0].code}
    )
    assert response.status_code == 200 and response.context["form"].errors["address"]
    assert not Household.objects.filter(number="HH-NEW-2").exists()


def test_a_worker_cannot_register_a_household_in_another_grid(register):
    tree = register.tree
    response = browser(tree.users["worker"]).post(
        "/residents/households/new/", {"number": "HH-X", "area": tree.grids[1].code, "address": "某路1号"}
    )
    assert response.status_code == 200 and response.context["form"].errors["area"]
    assert not Household.objects.filter(number="HH-X").exists()


def test_moving_a_household_to_a_room_keeps_the_history(register):
    tree = register.tree
    household = register.households[tree.grids[0].code][0]
    building = Building.objects.filter(area=tree.grids[0]).first()
    response = browser(tree.users["worker"]).post(
        f"/residents/households/{household.pk}/move/",
        {"building": building.pk, "unit": "3", "room": "901", "reason": "换房"},
    )
    assert response.status_code == 302
    change = ResidenceChange.objects.get(household=household)
    assert change.kind == "household" and change.reason == "换房"
    household.refresh_from_db()
    assert household.dwelling.room == "901"


def test_a_building_is_placed_on_the_map_and_gets_dwellings(register):
    tree = register.tree
    client = browser(tree.users["worker"])
    grid = tree.grids[0]
    response = client.post(
        "/residents/buildings/new/",
        {
            "action": "building",
            "area": grid.code,
            "code": "B-NEW",
            "name": "新楼",
            "kind": "residential",
            "lat": f"{grid.centroid_lat:.6f}",
            "lon": f"{grid.centroid_lon:.6f}",
        },
    )
    assert response.status_code == 302
    building = Building.objects.get(code="B-NEW")
    assert building.area == grid and abs(building.lat - grid.centroid_lat) < 1e-5
    response = client.post(
        f"/residents/buildings/{building.pk}/",
        {"action": "dwelling", "dwelling-unit": "1", "dwelling-room": "101", "dwelling-use": "rented"},
    )
    assert response.status_code == 302 and Dwelling.objects.filter(building=building, room="101").exists()
    points = client.get("/residents/map.json").json()["features"]
    assert any(f["properties"]["name"] == "新楼" and f["geometry"]["type"] == "Point" for f in points)
    other = Building.objects.filter(area=tree.grids[1]).first()
    assert not any(f["properties"]["name"] == other.name for f in points)


def test_a_building_code_in_use_is_refused_next_to_the_field(register):
    tree = register.tree
    existing = Building.objects.filter(area=tree.grids[0]).first()
    response = browser(tree.users["worker"]).post(
        "/residents/buildings/new/",
        {
            "action": "building",
            "area": tree.grids[0].code,
            "code": existing.code,
            "name": "重",
            "kind": "other",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["code"]


def test_a_place_keeps_its_contact_phone_masked(register):
    tree = register.tree
    client = browser(tree.users["worker"])
    response = client.post(
        "/residents/places/new/",
        {
            "area": tree.grids[0].code,
            "name": "好又多超市",
            "kind": "shop",
            "contact_phone": "13912345678",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    place = Place.objects.get(name="好又多超市")
    page = client.get(f"/residents/places/{place.pk}/").content.decode()
    assert place.contact_phone_mask in page and "13912345678" not in page
    response = client.post(
        f"/residents/places/{place.pk}/",
        {"area": tree.grids[0].code, "name": "好又多超市", "kind": "shop", "contact_phone": "1"},
    )
    assert response.status_code == 200 and response.context["form"].errors["contact_phone"]
    place.refresh_from_db()
    assert place.is_active


def test_a_read_only_leader_cannot_open_the_forms(register, django_user_model):
    tree = register.tree
    viewer = django_user_model.objects.create_user("viewer", password="x")
    Membership.objects.create(user=viewer, area=tree.district, role=Role.LEADER_READONLY)
    client = browser(viewer)
    assert client.get("/residents/buildings/").status_code == 200
    assert client.get("/residents/buildings/new/").status_code == 404
    person = register.persons[tree.grids[0].code][0]
    assert client.get(f"/residents/persons/{person.pk}/").status_code == 403
