import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from residents import idcard, imports
from residents.models import Household, ImportJob, Person, PersonTag

from .test_api import BASE, client_for

pytestmark = pytest.mark.django_db
HEADER = [h for _k, h, _r in imports.COLUMNS]


def make_id(seq):
    return idcard.make("430104", dt.date(1980, 1, 1) + dt.timedelta(days=seq), 500 + seq)


def row(household, name, id_number, building="", room="", grid="", address="", tags="", phone="13700000000"):
    values = {
        "户号": household,
        "网格编码": grid,
        "楼栋编码": building,
        "单元": "1" if building else "",
        "房号": room,
        "地址": address,
        "姓名": name,
        "证件类型": "居民身份证",
        "证件号码": id_number,
        "与户主关系": "户主",
        "人口类型": "户籍",
        "民族": "汉族",
        "联系电话": phone,
        "人员类别": tags,
    }
    return [values[h] for h in HEADER]


@pytest.fixture
def sheet(register):
    grid = register.tree.grids[0]
    building = f"{grid.code}-B01"
    bad = make_id(3)[:17] + ("0" if make_id(3)[17] != "0" else "1")
    return grid, [
        HEADER,
        row("H-1", "赵一", make_id(1), building=building, room="501", tags="独居老人"),  # row 2
        row("H-1", "赵二", make_id(2), building=building, room="501"),  # row 3: same household
        row("H-2", "钱三", bad, building=building, room="502"),  # row 4: bad check digit
        row("H-3", "孙四", make_id(4), building="NO-SUCH", room="1"),  # row 5: unknown building
        row("H-4", "李五", make_id(1), address="幸福路8号", grid=grid.code),  # row 6: duplicate of row 2
        row("H-5", "周六", make_id(6), address="幸福路9号", grid=grid.code),  # row 7
    ]


def as_csv(table, encoding="utf-8-sig"):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(table)
    return buffer.getvalue().encode(encoding)


def upload(client, area, data, name, capture):
    with capture(execute=True):
        response = client.post(
            f"{BASE}/imports/",
            {"area": area.code, "file": SimpleUploadedFile(name, data)},
            format="multipart",
        )
    assert response.status_code == 201, response.content
    return client.get(f"{BASE}/imports/{response.json()['id']}/").json()


def test_the_template_downloads_and_reads_back_as_an_import(register):
    client = client_for(register.tree.users["community"])
    response = client.get(f"{BASE}/imports/template/")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in book.active[1]] == HEADER
    csv_template = client.get(f"{BASE}/imports/template/", {"filetype": "csv"})
    assert csv_template.content.decode("utf-8-sig").splitlines()[0].split(",") == HEADER


def test_the_report_names_rows_and_reasons_and_valid_rows_are_imported(
    sheet, register, django_capture_on_commit_callbacks
):
    grid, table = sheet
    job = upload(
        client_for(register.tree.users["community"]),
        register.tree.communities[0],
        as_csv(table),
        "register.csv",
        django_capture_on_commit_callbacks,
    )
    assert job["status"] == "done" and job["percent"] == 100
    reasons = {(e["row"], e["field"]): e["message"] for e in job["errors"]}
    assert "check digit" in reasons[(4, "id_number")]
    assert "NO-SUCH" in reasons[(5, "building")]
    assert "row 2" in reasons[(6, "id_number")], reasons
    assert sorted(e["row"] for e in job["errors"]) == [4, 5, 6]
    assert (job["created_count"], job["updated_count"], job["unchanged_count"]) == (3, 0, 0)
    household = Household.objects.get(number="H-1")
    assert household.area == grid and household.dwelling.room == "501"
    assert sorted(household.persons.values_list("name", flat=True)) == ["赵一", "赵二"]
    assert PersonTag.objects.filter(person__name="赵一", tag__code="elderly_alone").exists()


def test_reimporting_the_same_file_changes_nothing(sheet, register, django_capture_on_commit_callbacks):
    _grid, table = sheet
    client = client_for(register.tree.users["community"])
    community = register.tree.communities[0]
    upload(client, community, as_csv(table), "register.csv", django_capture_on_commit_callbacks)
    snapshot = list(
        Person.objects.order_by("id").values_list("id", "id_cipher", "phone_cipher", "updated_at")
    )
    households = list(Household.objects.order_by("id").values_list("id", "updated_at"))
    tags = PersonTag.objects.count()
    again = upload(
        client, community, as_csv(table, "gb18030"), "register.csv", django_capture_on_commit_callbacks
    )
    assert (again["created_count"], again["updated_count"], again["unchanged_count"]) == (0, 0, 3)
    assert (
        list(Person.objects.order_by("id").values_list("id", "id_cipher", "phone_cipher", "updated_at"))
        == snapshot
    )
    assert list(Household.objects.order_by("id").values_list("id", "updated_at")) == households
    assert PersonTag.objects.count() == tags


def test_an_xlsx_import_reads_like_csv_and_a_changed_phone_updates(
    sheet, register, django_capture_on_commit_callbacks
):
    _grid, table = sheet
    book = Workbook()
    for line in table:
        book.active.append(line)
    out = io.BytesIO()
    book.save(out)
    client = client_for(register.tree.users["community"])
    community = register.tree.communities[0]
    first = upload(client, community, out.getvalue(), "register.xlsx", django_capture_on_commit_callbacks)
    assert first["created_count"] == 3
    table[1][HEADER.index("联系电话")] = "13911112222"
    changed = upload(client, community, as_csv(table), "register.csv", django_capture_on_commit_callbacks)
    assert (changed["created_count"], changed["updated_count"], changed["unchanged_count"]) == (0, 1, 2)
    assert Person.objects.get(name="赵一").phone_mask == "139****2222"


def test_a_grid_worker_cannot_import_into_another_grid(sheet, register, django_capture_on_commit_callbacks):
    _grid, table = sheet
    client = client_for(register.tree.users["worker2"])
    job = upload(
        client, register.tree.grids[1], as_csv(table), "register.csv", django_capture_on_commit_callbacks
    )
    assert job["created_count"] == 0
    assert not Person.objects.filter(name="周六").exists()
    refused = client.post(
        f"{BASE}/imports/",
        {"area": register.tree.grids[0].code, "file": SimpleUploadedFile("r.csv", as_csv(table))},
        format="multipart",
    )
    assert refused.status_code == 400  # grid 0 is not in worker2's reach: "does not exist"


def test_an_unreadable_file_fails_the_job_with_a_message(register, django_capture_on_commit_callbacks):
    client = client_for(register.tree.users["community"])
    job = upload(
        client,
        register.tree.communities[0],
        b"not a workbook",
        "register.xlsx",
        django_capture_on_commit_callbacks,
    )
    assert job["status"] == "failed" and job["message"]


def test_a_crash_in_the_middle_leaves_whole_rows_and_a_rerun_finishes(sheet, register, monkeypatch):
    grid, table = sheet
    table = [table[0]] + [
        row(f"C-{i}", f"吴{i}", make_id(100 + i), address=f"和平路{i}号", grid=grid.code) for i in range(7)
    ]
    job = ImportJob.objects.create(
        area=register.tree.communities[0],
        actor=register.tree.users["community"],
        file=SimpleUploadedFile("crash.csv", as_csv(table)),
        file_name="crash.csv",
    )
    monkeypatch.setattr(imports, "CHUNK_ROWS", 3)
    real_write = imports.write_row

    def crash_at_row_6(r, ctx, moved):
        if r.number == 6:
            raise RuntimeError("worker killed")
        return real_write(r, ctx, moved)

    monkeypatch.setattr(imports, "write_row", crash_at_row_6)
    with pytest.raises(RuntimeError):
        imports.import_run(job_id=job.id)
    job.refresh_from_db()
    assert job.status == "failed" and job.processed_rows == 3
    # Rows 2-4 (first chunk) are complete; rows 5-7 (the crashed chunk) left nothing, not even a household.
    assert sorted(Person.objects.filter(name__startswith="吴").values_list("name", flat=True)) == [
        "吴0",
        "吴1",
        "吴2",
    ]
    assert not Household.objects.filter(number__in=["C-3", "C-4", "C-5", "C-6"]).exists()
    assert all(p.household_id and p.id_cipher for p in Person.objects.filter(name__startswith="吴"))
    monkeypatch.setattr(imports, "write_row", real_write)
    job = imports.import_run(job_id=job.id)
    assert (job.status, job.created_count, job.unchanged_count) == ("done", 4, 3)
    assert Person.objects.filter(name__startswith="吴").count() == 7
