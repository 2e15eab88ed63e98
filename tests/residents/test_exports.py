import csv
import io

import pytest
from openpyxl import load_workbook

from residents.models import PiiAccessLog

from .conftest import grant
from .test_api import BASE, client_for

pytestmark = pytest.mark.django_db


def export(user, area, **body):
    return client_for(user).post(f"{BASE}/persons/export/", {"area": area.code, **body}, format="json")


def read_csv(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_community_export_is_masked_and_logged(register):
    tree = register.tree
    user = tree.users["community"]
    response = export(user, tree.communities[0])
    assert response.status_code == 200
    table = read_csv(response)
    assert len(table) == 1 + 8  # two grids × two households × two persons
    text = response.content.decode("utf-8-sig")
    for person_id, number in register.numbers.items():
        assert number not in text and register.phones[person_id] not in text
    log = PiiAccessLog.objects.get()
    assert (log.actor, log.action, log.area_code, log.subject_count) == (
        user,
        "export",
        tree.communities[0].code,
        8,
    )


def test_export_hides_special_management_groups_from_staff_without_the_permission(register):
    tree = register.tree
    text = export(tree.users["community"], tree.communities[0]).content.decode("utf-8-sig")
    assert "Community correction" not in text and "Elderly living alone" in text
    staff = grant(tree.users["community"], "view_sensitive")
    assert "Community correction" in export(staff, tree.communities[0]).content.decode("utf-8-sig")


def test_unmasked_export_needs_the_permission_and_a_reason(register):
    tree = register.tree
    user = tree.users["community"]
    assert export(user, tree.communities[0], unmasked=True, reason="社保核对").status_code == 403
    user = grant(user, "unmask_pii")
    assert export(user, tree.communities[0], unmasked=True).status_code == 400
    response = export(user, tree.communities[0], unmasked=True, reason="社保核对", format="xlsx")
    assert response.status_code == 200
    values = {
        str(c)
        for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True)
        for c in row
    }
    own = [p.id for code in (tree.grids[0].code, tree.grids[1].code) for p in register.persons[code]]
    assert {register.numbers[pid] for pid in own} <= values
    log = PiiAccessLog.objects.get()
    assert (log.action, log.reason, log.subject_count) == ("export_unmasked", "社保核对", 8)


@pytest.mark.parametrize("name", ["worker", "handler", "community_b"])
def test_export_is_refused_outside_the_exporters_reach(register, name):
    tree = register.tree
    response = export(tree.users[name], tree.communities[0])
    assert response.status_code in (400, 403)
    assert not PiiAccessLog.objects.exists()


def test_the_excel_register_has_a_title_and_real_date_cells(register):
    tree = register.tree
    user = grant(tree.users["community"], "unmask_pii")
    response = export(user, tree.communities[0], unmasked=True, reason="社保核对", format="xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert tree.communities[0].name in sheet["A1"].value and sheet["A1"].font.bold
    assert sheet["B2"].is_date  # when it was made
    header = next(r for r in sheet.iter_rows() if r[0].value == "Grid")
    births = [row[header[7].column - 1] for row in sheet.iter_rows(min_row=header[0].row + 1)]
    assert births and all(c.is_date and c.number_format == "yyyy-mm-dd" for c in births)
