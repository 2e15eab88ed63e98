import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from residents.models import ImportJob, PiiAccessLog, Visit

from .conftest import grant

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.residents.urls")]


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_find_page_lists_only_the_workers_households(register):
    tree = register.tree
    page = browser(tree.users["worker"]).get("/residents/").content.decode()
    for household in register.households[tree.grids[0].code]:
        assert household.address in page
    for household in register.households[tree.grids[1].code]:
        assert household.number not in page


def test_finding_by_a_residents_name(register):
    tree = register.tree
    person = register.persons[tree.grids[0].code][3]
    page = browser(tree.users["worker"]).get("/residents/", {"q": person.name}).content.decode()
    assert person.household.number in page
    assert register.households[tree.grids[0].code][0].number not in page


@pytest.mark.parametrize("name", ["worker", "handler", "community_b"])
def test_a_household_of_another_grid_answers_404(register, name):
    tree = register.tree
    other = register.households[tree.grids[1].code][0]
    assert browser(tree.users[name]).get(f"/residents/households/{other.pk}/").status_code == 404


def test_the_household_page_shows_people_masked_and_records_a_visit(register):
    tree = register.tree
    household = register.households[tree.grids[0].code][0]
    client = browser(tree.users["worker"])
    page = client.get(f"/residents/households/{household.pk}/").content.decode()
    for person in household.persons.all():
        assert person.name in page and person.id_mask in page
        assert register.numbers[person.id] not in page and register.phones[person.id] not in page
    assert "Show full numbers" not in page
    person = household.persons.first()
    response = client.post(
        f"/residents/households/{household.pk}/", {"person": person.pk, "method": "door", "notes": "一切正常"}
    )
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (visit.household, visit.person, visit.visitor) == (household, person, tree.users["worker"])


def test_reporting_a_case_needs_title_category_and_findings(register):
    tree = register.tree
    household = register.households[tree.grids[0].code][0]
    response = browser(tree.users["worker"]).post(
        f"/residents/households/{household.pk}/", {"method": "door", "raise_case": "on"}
    )
    assert response.status_code == 200 and b"field-error" in response.content
    assert not Visit.objects.exists()


def test_revealing_on_a_page_needs_the_permission_and_logs(register):
    tree = register.tree
    person = register.persons[tree.grids[0].code][0]
    assert (
        browser(tree.users["worker"])
        .post(f"/residents/persons/{person.pk}/reveal/", {"reason": "核实身份"})
        .status_code
        == 403
    )
    user = grant(tree.users["worker"], "unmask_pii")
    client = browser(user)
    assert "Show full numbers" in client.get(f"/residents/households/{person.household_id}/").content.decode()
    response = client.post(f"/residents/persons/{person.pk}/reveal/", {"reason": "核实身份"})
    assert register.numbers[person.id] in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert PiiAccessLog.objects.get().reason == "核实身份"


def test_the_person_list_is_masked_and_filters_by_exact_id(register):
    tree = register.tree
    client = browser(grant(tree.users["community"], "unmask_pii"))
    page = client.get("/residents/persons/").content.decode()
    assert all(number not in page for number in register.numbers.values())
    target = register.persons[tree.grids[1].code][1]
    page = client.get("/residents/persons/", {"id_number": register.numbers[target.id]}).content.decode()
    assert target.name in page and "1 person" in page


def test_the_coverage_page_shows_the_figures(register):
    tree = register.tree
    from residents.services import visit_record

    visit_record(actor=tree.users["worker"], household=register.households[tree.grids[0].code][0])
    page = browser(tree.users["community"]).get("/residents/coverage/").content.decode()
    assert "1 of 4 households visited: 25.0 %" in page
    assert "50.0" in page


def test_importing_on_the_page_runs_the_job_and_polls_its_progress(
    register, django_capture_on_commit_callbacks
):
    tree = register.tree
    client = browser(tree.users["community"])
    csv_file = (
        f"户号,网格编码,地址,姓名,证件号码\nP-1,{tree.grids[0].code},光明路1号,郑七,110105491231002\n"
    ).encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/residents/import/",
            {"area": tree.communities[0].code, "file": SimpleUploadedFile("a.csv", csv_file)},
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/residents/import/{job.pk}/")
    poll = client.get(f"/residents/import/{job.pk}/", {"poll": 1}).json()
    assert poll == {
        "status": "done",
        "status_label": "Done",
        "percent": 100,
        "processed": 1,
        "total": 1,
        "finished": True,
    }
    assert browser(tree.users["community_b"]).get(f"/residents/import/{job.pk}/").status_code == 404


def test_the_access_log_page_is_for_the_centre(register):
    tree = register.tree
    assert browser(tree.users["community"]).get("/residents/access-log/").status_code == 404
    assert browser(tree.users["centre"]).get("/residents/access-log/").status_code == 200


def test_exporting_on_the_page_downloads_a_masked_file(register):
    tree = register.tree
    response = browser(tree.users["community"]).post(
        "/residents/export/", {"area": tree.grids[0].code, "format": "csv"}
    )
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert all(n not in response.content.decode("utf-8-sig") for n in register.numbers.values())
    assert PiiAccessLog.objects.get().action == "export"


def test_pages_speak_chinese_by_default(register, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    page = browser(register.tree.users["worker"]).get("/residents/").content.decode()
    assert "查找住户" in page and "地址、户号或姓名" in page
