"""An attacker with a grid worker's or community staff's login (no ``unmask_pii``) tries to rebuild full ID
numbers from everything that role can read: the API, the pages, the CSV and .xlsx exports and the admin.

The number is area (6) + birth date (8) + sequence (3) + check (1). The attacker knows the area code of the
person's grid (the district's 6 digits), reads the mask, the gender, the birth year and anything else shown,
and counts the numbers consistent with all of it. Before the fix the mask showed 6 + 4 and the pages showed
the full birth date: exactly one candidate, for every person.
"""

import datetime as dt
import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from openpyxl import load_workbook

from residents import crypto, idcard
from residents.models import Person, PiiAccessLog

from .conftest import grant
from .test_api import BASE, client_for, rows
from .test_exports import export, read_csv

pytestmark = pytest.mark.django_db

ENOUGH = 1000  # fewer candidates than this and trying them one by one becomes a plan
MASK = re.compile(r"(?<![\w*])[0-9X*]{18}(?![\w*])")
YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")


def candidates(*, mask, area_code, gender=None, birth_years=(), birth_date=None) -> int:
    """How many well-formed ID numbers agree with everything the attacker read."""
    fixed = {i: c for i, c in enumerate(mask) if c != "*"}
    area = area_code[:6]
    if any(fixed.get(i, area[i]) != area[i] for i in range(6)):
        return 0
    if birth_date:
        dates = [birth_date]
    else:
        years = birth_years or range(1900, dt.date.today().year + 1)
        dates = [
            dt.date(y, 1, 1) + dt.timedelta(days=d)
            for y in years
            for d in range(366)
            if (dt.date(y, 1, 1) + dt.timedelta(days=d)).year == y
        ]
    tails = [
        f"{seq:03d}"
        for seq in range(1000)
        if all(fixed.get(14 + i, c) == c for i, c in enumerate(f"{seq:03d}"))
        and (not gender or ("male" if seq % 2 else "female") == gender)
    ]
    count = 0
    for born in dates:
        middle = f"{born:%Y%m%d}"
        if any(fixed.get(6 + i, c) != c for i, c in enumerate(middle)):
            continue
        for tail in tails:
            check = idcard.check_char(area + middle + tail)
            if fixed.get(17, check) == check:
                count += 1
    return count


def birth_date_shown(text: str, born: dt.date) -> bool:
    forms = [
        f"{born:%Y-%m-%d}",
        f"{born:%Y%m%d}",
        f"{born:%Y/%m/%d}",
        f"{born.year}年{born.month}月{born.day}日",
    ]
    return any(form in text for form in forms)


def attack(text: str, person: Person, number: str) -> int:
    """Read the text as the attacker would and count the candidates left for this person's number."""
    assert number not in text
    assert not birth_date_shown(text, person.birth_date)
    masks = set(MASK.findall(text))
    assert masks == {person.id_mask}, masks
    years = {int(y) for y in YEAR.findall(text)}
    assert person.birth_date.year in years
    left = candidates(
        mask=person.id_mask, area_code=person.area.code, gender=person.gender, birth_years=years
    )
    assert left >= ENOUGH
    return left


def one_person(register, grid_index=0):
    person = Person.objects.select_related("area").get(
        pk=register.persons[register.tree.grids[grid_index].code][0].pk
    )
    return person, register.numbers[person.pk]


def test_the_old_exposure_gave_every_number_away(register):
    # The attacker is real: the old 6 + 4 mask beside a full birth date leaves one candidate.
    for person_id, number in register.numbers.items():
        person = Person.objects.select_related("area").get(pk=person_id)
        old_mask = number[:6] + "*" * 8 + number[-4:]
        assert (
            candidates(
                mask=old_mask, area_code=person.area.code, gender=person.gender, birth_date=person.birth_date
            )
            == 1
        )


def test_the_mask_and_birth_year_leave_thousands_of_candidates(register):
    person, number = one_person(register)
    assert person.id_mask == number[:4] + "*" * 12 + number[-2:]
    left = candidates(
        mask=person.id_mask,
        area_code=person.area.code,
        gender=person.gender,
        birth_years=[person.birth_date.year],
    )
    # 365 days × 100 sequences, one in 11 with the shown check character
    assert 3000 < left < 3500
    # Even an attacker who somehow knew the full date is left with 100 sequences / 11.
    assert candidates(mask=person.id_mask, area_code=person.area.code, birth_date=person.birth_date) >= 9


@pytest.mark.parametrize("role", ["worker", "community"])
def test_the_api_gives_no_way_back_to_the_number(register, role):
    person, number = one_person(register)
    client = client_for(register.tree.users[role])
    detail = client.get(f"{BASE}/persons/{person.pk}/")
    assert detail.status_code == 200
    body = detail.json()
    assert "birth_date" not in body and body["birth_year"] == person.birth_date.year
    # Everything the role can list that mentions the person (persons, household, visit tasks, tags).
    texts = [detail.content.decode()]
    for endpoint in ["persons", "households", "person-tags", "visit-tasks", "visits"]:
        listed = client.get(f"{BASE}/{endpoint}/", {"page_size": 500})
        assert listed.status_code == 200
        texts.append(listed.content.decode())
    everything = "\n".join(texts)
    for other_id, other in register.numbers.items():
        assert other not in everything
        other_person = Person.objects.get(pk=other_id)
        assert not birth_date_shown(everything, other_person.birth_date)
    attack(detail.content.decode(), person, number)


@pytest.mark.parametrize("role", ["worker", "community"])
def test_the_pages_give_no_way_back_to_the_number(register, role):
    person, number = one_person(register)
    browser = Client()
    browser.force_login(register.tree.users[role])
    household = browser.get(f"/residents/households/{person.household_id}/")
    assert household.status_code == 200
    persons = browser.get("/residents/persons/", {"q": person.name})
    assert persons.status_code == 200
    for page in (household, persons):
        html = page.content.decode()
        assert number not in html and not birth_date_shown(html, person.birth_date)
        assert person.id_mask in html
    # The persons page's table, narrowed to the person by name: the attacker's best view.
    attack(persons.content.decode().split("<tbody>")[1], person, number)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_masked_export_gives_no_way_back_to_the_number(register, fmt):
    tree = register.tree
    response = export(tree.users["community"], tree.communities[0], format=fmt)
    assert response.status_code == 200
    if fmt == "csv":
        table = read_csv(response)
    else:
        table = [
            ["" if c is None else str(c) for c in row]
            for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
        ]
    start = next(i for i, row in enumerate(table) if "Birth year" in row)  # under the xlsx title rows
    header, body = table[start], table[start + 1 :]
    assert "Birth year" in header and "Birth date" not in header
    checked = 0
    for row in body:
        person = Person.objects.select_related("area").get(id_mask=row[5], name=row[3])
        attack("\t".join(row), person, register.numbers[person.pk])
        checked += 1
    assert checked == 8


def test_the_admin_shows_the_birth_year_not_the_date(register, django_user_model):
    person, number = one_person(register)
    staff = django_user_model.objects.create_user("auditor", password="pw", is_staff=True)
    staff.user_permissions.add(
        Permission.objects.get(codename="view_person", content_type__app_label="residents")
    )
    browser = Client()
    browser.force_login(staff)
    page = browser.get(f"/admin/residents/person/{person.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert not birth_date_shown(html, person.birth_date) and number not in html
    assert person.id_mask in html and str(person.birth_date.year) in html
    listing = browser.get("/admin/residents/person/").content.decode()
    assert number not in listing and not birth_date_shown(listing, person.birth_date)


def test_free_text_published_through_open311_masks_id_numbers():
    number = idcard.make("430104", dt.date(1980, 5, 17), 123)
    legacy = "430104800517123"  # a 15-digit first-generation number
    text = f"住户{number}反映，另一位{legacy}；订单号123456789012345678不变"
    out = crypto.redact_id_numbers(text)
    assert number not in out and legacy not in out and "19800517" not in out and "800517" not in out
    assert crypto.mask_id(number) in out
    assert "123456789012345678" in out  # not a well-formed ID number: left alone


# --- who sees the full values, and what gets logged ---------------------------------------------------------


def test_search_by_the_full_id_number_still_finds_the_person(register):
    person, number = one_person(register)
    found = rows(client_for(register.tree.users["worker"]).get(f"{BASE}/persons/", {"id_number": number}))
    assert [p["id"] for p in found] == [person.pk]
    found = rows(
        client_for(register.tree.users["worker"]).get(f"{BASE}/persons/", {"id_number": number.lower()})
    )
    assert [p["id"] for p in found] == [person.pk]
    assert not PiiAccessLog.objects.exists()


def test_masked_lists_and_pages_write_nothing_one_reveal_writes_one_row_with_its_reason(register):
    person, number = one_person(register)
    user = grant(register.tree.users["community"], "unmask_pii")
    client = client_for(user)
    client.get(f"{BASE}/persons/")
    client.get(f"{BASE}/persons/{person.pk}/")
    browser = Client()
    browser.force_login(user)
    browser.get("/residents/persons/")
    browser.get(f"/residents/households/{person.household_id}/")
    assert not PiiAccessLog.objects.exists()

    answer = client.post(f"{BASE}/persons/{person.pk}/reveal/", {"reason": "核对低保申请"}, format="json")
    assert answer.status_code == 200
    assert answer.json() == {
        "id_number": number,
        "phone": register.phones[person.pk],
        "birth_date": person.birth_date.isoformat(),
    }
    (entry,) = PiiAccessLog.objects.all()
    assert (entry.actor, entry.person, entry.reason) == (user, person, "核对低保申请")
    assert entry.fields == ["birth_date", "id_number", "phone"]

    page = browser.post(f"/residents/persons/{person.pk}/reveal/", {"reason": "上门核实身份"})
    assert page.status_code == 200 and number in page.content.decode()
    assert person.birth_date.isoformat() in page.content.decode()
    assert PiiAccessLog.objects.count() == 2
    assert PiiAccessLog.objects.order_by("-seq").first().reason == "上门核实身份"


def test_a_worker_without_the_permission_cannot_reveal_the_birth_date(register):
    person, _ = one_person(register)
    answer = client_for(register.tree.users["worker"]).post(
        f"{BASE}/persons/{person.pk}/reveal/",
        {"reason": "想要看一看", "fields": ["birth_date"]},
        format="json",
    )
    assert answer.status_code in (403, 404)
    assert not PiiAccessLog.objects.exists()


def test_exact_id_number_searches_are_rationed_so_candidates_cannot_be_tried(register, settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "ID_SEARCH_RATE": "3/hour"}
    person, number = one_person(register)
    client = client_for(register.tree.users["worker"])
    for _ in range(3):
        assert client.get(f"{BASE}/persons/", {"id_number": number}).status_code == 200
    assert client.get(f"{BASE}/persons/", {"id_number": number}).status_code == 429
    # Other lists and lookups are not counted.
    assert client.get(f"{BASE}/persons/").status_code == 200
    assert client.get(f"{BASE}/persons/{person.pk}/").status_code == 200
    # The page shares the ration: the search is dropped with a message, the list still shows.
    browser = Client()
    browser.force_login(register.tree.users["worker"])
    page = browser.get("/residents/persons/", {"id_number": number})
    assert page.status_code == 200 and "Too many searches by ID number" in page.content.decode()
