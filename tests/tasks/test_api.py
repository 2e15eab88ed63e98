"""The API: a campaign from creation to accepted completion, refusals as 400 with messages per field, the
progress up the tree in a fixed number of queries, the xlsx export, and the OpenAPI document."""

import io

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from tasks.models import Assignment, Target, Task

from .conftest import FORM, building

pytestmark = pytest.mark.django_db


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _create(tree, admitted, **extra):
    body = {
        "title": "燃气安全专项排查",
        "item": admitted["C02"].pk,
        "fields": FORM,
        "selection": {"subtree": tree.streets[0].code},
        "target_kind": "building",
        "starts_at": "2026-03-02T09:00:00+08:00",
        "deadline": "2026-03-06T17:30:00+08:00",
        **extra,
    }
    return _client(tree.users["centre"]).post("/api/v1/tasks/", body, format="json")


def test_a_campaign_from_creation_to_accepted_completion(tree, admitted):
    building(tree.grids[0], 2)
    answer = _create(tree, admitted)
    assert answer.status_code == 201, answer.content
    task_id = answer.json()["id"]
    leader, worker, centre = (_client(tree.users[n]) for n in ("leader", "worker", "centre"))
    [row] = leader.get("/api/v1/task-assignments/", {"task": task_id}).json()["results"]
    assert (
        leader.post(
            f"/api/v1/task-assignments/{row['id']}/assign/",
            {"workers": [tree.users["worker"].pk]},
            format="json",
        ).status_code
        == 200
    )
    targets = worker.get("/api/v1/task-targets/", {"assignment": row["id"]}).json()["results"]
    missing = worker.post(
        "/api/v1/task-results/",
        {"assignment": row["id"], "target": targets[0]["id"], "values": {}},
        format="json",
    )
    assert missing.status_code == 400 and "values.hose" in missing.json()["fields"]
    for target in targets:
        filled = worker.post(
            "/api/v1/task-results/",
            {"assignment": row["id"], "target": target["id"], "values": {"hose": "ok"}},
            format="json",
        )
        assert filled.status_code == 201, filled.content
    assert worker.post(f"/api/v1/task-assignments/{row['id']}/submit/").status_code == 200
    back = centre.post(f"/api/v1/task-assignments/{row['id']}/review/", {"accept": False}, format="json")
    assert back.status_code == 400 and "reason" in back.json()["fields"]
    accepted = centre.post(f"/api/v1/task-assignments/{row['id']}/review/", {"accept": True}, format="json")
    assert accepted.json()["status"] == "accepted"
    progress = centre.get(f"/api/v1/tasks/{task_id}/progress/").json()
    assert progress["totals"]["done"] == 1 and progress["totals"]["assigned"] == 4
    assert progress["level"] == "street"
    community = centre.get(f"/api/v1/tasks/{task_id}/progress/", {"area": tree.communities[0].code}).json()
    assert [(r["unit"], r["done"], r["targets_done"]) for r in community["rows"]] == [
        (tree.grids[0].code, 1, 2),
        (tree.grids[1].code, 0, 0),
    ]
    events = centre.get("/api/v1/task-events/", {"task": task_id}).json()["results"]
    assert [e["kind"] for e in events][-2:] == ["submitted", "accepted"]
    export = centre.get(f"/api/v1/tasks/{task_id}/export/")
    book = load_workbook(io.BytesIO(export.content))
    forms = list(book.worksheets[1].values)
    assert forms[0][4] == "软管" and forms[1][4] == "正常"


def test_refused_input_is_a_400_per_field_and_nothing_saved(tree, admitted):
    answer = _create(tree, admitted, item=admitted["Z99"].pk, deadline="2026-05-01T17:00:00+08:00")
    assert answer.status_code == 400
    assert "item" in answer.json()["fields"]
    holiday = _create(tree, admitted, deadline="2026-05-01T17:00:00+08:00")
    assert holiday.status_code == 400 and "holiday" in holiday.json()["fields"]["deadline"][0]
    assert Task.objects.count() == 0 and Assignment.objects.count() == 0 and Target.objects.count() == 0


def test_progress_costs_the_same_queries_for_more_grids(tree, admitted, django_assert_max_num_queries):
    one = _create(tree, admitted, selection={"grids": [tree.grids[0].code]}).json()["id"]
    many = _create(tree, admitted, selection={"subtree": "430104"}).json()["id"]
    centre = _client(tree.users["centre"])
    centre.get(f"/api/v1/tasks/{one}/progress/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        centre.get(f"/api/v1/tasks/{one}/progress/")
    with django_assert_max_num_queries(len(few)):
        centre.get(f"/api/v1/tasks/{many}/progress/")


def test_a_department_sees_the_tasks_it_asked_for(tree, admitted):
    asked = _create(tree, admitted, department=tree.departments[0].pk).json()["id"]
    other = _create(tree, admitted, selection={"subtree": tree.streets[1].code}).json()["id"]
    seen = {t["id"] for t in _client(tree.users["handler"]).get("/api/v1/tasks/").json()["results"]}
    assert asked in seen and other not in seen


def test_the_openapi_document_has_the_tasks_endpoints_with_examples(tree):
    schema = _client(tree.users["centre"]).get("/api/schema/", {"format": "json"}).json()
    post = schema["paths"]["/api/v1/tasks/"]["post"]
    assert "examples" in post["requestBody"]["content"]["application/json"]
    assert "/api/v1/task-assignments/{id}/review/" in schema["paths"]
