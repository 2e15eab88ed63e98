import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from cases.models import Case, CaseEvent

from .conftest import photo, report

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def payload(tree, **extra):
    grid = tree.grids[0]
    return {
        "category": "01001",
        "title": "东门垃圾堆放",
        "description": "约两立方米",
        "lat": grid.centroid_lat,
        "lon": grid.centroid_lon,
        "address": "枫林路88号",
        **extra,
    }


def test_it_creates_a_case_once_per_idempotency_key(tree, rubbish):
    client = client_for(tree.users["worker"])
    first = client.post("/api/v1/cases/", payload(tree), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/cases/", payload(tree), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert Case.objects.count() == 1
    other = client.post(
        "/api/v1/cases/", payload(tree, title="另一处"), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert other.status_code == 400 and "idempotency_key" in other.json()["fields"]


def test_it_creates_with_photos_by_multipart(tree, rubbish):
    client = client_for(tree.users["worker"])
    data = {**payload(tree), "photos": [photo("a.jpg"), photo("b.jpg", color=(0, 0, 255))]}
    data.pop("description")
    response = client.post("/api/v1/cases/", data, format="multipart")
    assert response.status_code == 201, response.json()
    assert [a["kind"] for a in response.json()["attachments"]] == ["before", "before"]


def test_bad_input_answers_400_per_field_and_changes_nothing(tree, rubbish):
    client = client_for(tree.users["worker"])
    response = client.post("/api/v1/cases/", {"category": "nope", "title": "", "lat": 200}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert {"category", "title", "lat"} <= set(body["fields"])
    assert Case.objects.count() == 0


def test_a_point_outside_every_grid_is_a_field_error(tree, rubbish):
    response = client_for(tree.users["worker"]).post(
        "/api/v1/cases/", payload(tree, lat=1.0, lon=1.0), format="json"
    )
    assert response.status_code == 400 and "location" in response.json()["fields"]


def test_a_photo_that_is_not_an_image_is_refused(tree, rubbish):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")
    response = client_for(tree.users["worker"]).post(
        "/api/v1/cases/", {**payload(tree), "photos": [fake]}, format="multipart"
    )
    assert response.status_code == 400
    assert Case.objects.count() == 0


def test_actions_run_with_the_version_the_user_saw(tree, new_case):
    client = client_for(tree.users["community"])
    detail = client.get(f"/api/v1/cases/{new_case.pk}/").json()
    assert "file" in detail["allowed_actions"] and "accept" not in detail["allowed_actions"]
    ok = client.post(f"/api/v1/cases/{new_case.pk}/file/", {"version": detail["version"]}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "filed"
    stale = client.post(
        f"/api/v1/cases/{new_case.pk}/dispatch/",
        {"version": detail["version"], "department": tree.departments[0].code},
        format="json",
    )
    assert stale.status_code == 409
    assert stale.json()["current_version"] == detail["version"] + 1
    assert stale.json()["changes"][0]["kind"] == "file"


def test_a_disallowed_action_answers_409_with_the_allowed_ones(tree, new_case):
    response = client_for(tree.users["community"]).post(
        f"/api/v1/cases/{new_case.pk}/close/", {}, format="json"
    )
    assert response.status_code == 409
    assert "file" in response.json()["allowed_actions"]


def test_an_action_by_someone_in_scope_but_not_entitled_is_403(tree, new_case):
    response = client_for(tree.users["worker"]).post(f"/api/v1/cases/{new_case.pk}/file/", {}, format="json")
    assert response.status_code == 403


def test_an_action_out_of_scope_is_404(tree, new_case):
    response = client_for(tree.users["community_b"]).post(
        f"/api/v1/cases/{new_case.pk}/file/", {}, format="json"
    )
    assert response.status_code == 404
    assert Case.objects.get(pk=new_case.pk).status == "reported"


def test_a_missing_reason_is_a_400(tree, new_case):
    response = client_for(tree.users["community"]).post(
        f"/api/v1/cases/{new_case.pk}/void/", {}, format="json"
    )
    assert response.status_code == 400 and "reason" in response.json()["fields"]


def test_the_whole_loop_over_the_api(tree, new_case):
    u, pk = tree.users, new_case.pk
    steps = [
        (u["community"], "file", {}),
        (u["community"], "dispatch", {"department": tree.departments[0].code}),
        (u["handler"], "accept", {}),
        (u["handler"], "feedback", {"result": "已清运", "photos": [photo()]}),
        (u["worker"], "verify-pass", {"note": "已核实"}),
        (u["community"], "close", {}),
        (u["worker"], "evaluate", {"satisfaction": "satisfied"}),
    ]
    for user, name, data in steps:
        response = client_for(user).post(f"/api/v1/cases/{pk}/{name}/", data, format="multipart")
        assert response.status_code == 200, (name, response.json())
    timeline = client_for(u["community"]).get(f"/api/v1/cases/{pk}/timeline/").json()
    assert [e["kind"] for e in timeline][-1] == "evaluate"
    assert timeline[4]["attachments"][0]["kind"] == "after"


def test_the_list_filters(tree, rubbish, dispute):
    a = report(tree, rubbish)
    report(tree, dispute, grid=1, actor=tree.users["community"], extra={"parties": 2})
    client = client_for(tree.users["community"])
    rows = client.get("/api/v1/cases/", {"category": "01"}).json()["results"]
    assert [r["id"] for r in rows] == [a.pk]
    assert len(client.get("/api/v1/cases/", {"area": tree.grids[1].code}).json()["results"]) == 1
    assert len(client.get("/api/v1/cases/", {"status": ["reported"]}).json()["results"]) == 2
    assert client.get("/api/v1/cases/", {"reported_after": "not-a-date"}).status_code == 400


def _list_queries(user):
    client = client_for(type(user).objects.get(pk=user.pk))  # a fresh user, as each request loads one
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/v1/cases/").status_code == 200
    return len(ctx.captured_queries)


# (verb, first table): FROM of a SELECT or DELETE, INTO of an INSERT, the table an UPDATE names.
STATEMENT = re.compile(r'^(SELECT|INSERT|UPDATE|DELETE)\b(?:.*?\b(?:FROM|INTO)\s+|\s+)"?(\w+)', re.S)


def test_a_report_through_the_api_writes_its_rows_and_reads_nothing_else(tree, rubbish):
    """Every statement here is paid by every report (issue 16's creation bench): look at a new one before
    adding it. With the process's caches warm (catalogue, spatial index, time limits): the user's reach, the
    number, the case, its report event and its chain head, in one transaction; nothing after the commit."""
    worker = tree.users["worker"]
    assert client_for(worker).post("/api/v1/cases/", payload(tree), format="json").status_code == 201
    client = client_for(type(worker).objects.get(pk=worker.pk))  # a fresh user, as each request loads one
    with CaptureQueriesContext(connection) as ctx:
        assert client.post("/api/v1/cases/", payload(tree), format="json").status_code == 201
    statements = [m.groups() for q in ctx.captured_queries if (m := STATEMENT.match(q["sql"]))]
    assert statements == [
        ("SELECT", "grids_membership"),
        ("INSERT", "cases_casenumbercounter"),
        ("INSERT", "cases_case"),
        ("INSERT", "cases_caseevent"),
        ("UPDATE", "cases_case"),
    ]
    assert len(ctx.captured_queries) <= len(statements) + 2  # and at most BEGIN and COMMIT


def test_the_list_query_count_does_not_grow_with_rows(tree, rubbish):
    for _ in range(2):
        report(tree, rubbish)
    few = _list_queries(tree.users["community"])
    for _ in range(48):
        report(tree, rubbish)
    assert _list_queries(tree.users["community"]) == few


def test_it_corrects_the_grid_with_a_timeline_entry(tree, new_case):
    response = client_for(tree.users["community"]).post(
        f"/api/v1/cases/{new_case.pk}/correct-area/",
        {"area": tree.grids[1].code, "reason": "定位偏差"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["area_code"] == tree.grids[1].code
    assert CaseEvent.objects.filter(case=new_case, kind="correct_area").exists()


def test_categories_list_the_catalogue(tree):
    rows = client_for(tree.users["worker"]).get("/api/v1/categories/").json()
    codes = {r["code"] for r in rows}
    assert {"01", "01001", "05001", "06001", "10003"} <= codes


def test_the_schema_renders(tree, admin_client):
    response = admin_client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/cases/{id}/dispatch/" in response.content


def test_a_new_case_answers_for_its_attachments_without_a_query(tree, rubbish, django_assert_num_queries):
    case = report(tree, rubbish, before_photos=[photo()])
    with django_assert_num_queries(0):
        assert [a.kind for a in case.attachments.all()] == ["before"]
    assert case.attachments.get().kind == "before"  # other queries still reach the database
