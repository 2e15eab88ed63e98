import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from cases.models import Case, Category
from fieldwork.models import Deployment, WorkLog

from .conftest import MORNING, inside

pytestmark = pytest.mark.django_db


def client(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_it_schedules_assigns_checks_in_and_records(tree, before, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    community = client(tree.users["community"])
    made = community.post(
        "/api/v1/grid-days/", {"community": tree.communities[0].pk, "day": "2026-03-18"}, format="json"
    )
    assert made.status_code == 201, made.json()
    again = community.post(
        "/api/v1/grid-days/", {"community": tree.communities[0].pk, "day": "2026-03-20"}, format="json"
    )
    assert again.status_code == 400 and "day" in again.json()["fields"]
    day_id = made.json()["id"]
    bad = community.post(
        f"/api/v1/grid-days/{day_id}/assign/",
        {"grid": tree.grids[0].pk, "cadre": tree.users["worker"].pk},
        format="json",
    )
    assert bad.status_code == 400 and "cadre" in bad.json()["fields"]
    sent = community.post(
        f"/api/v1/grid-days/{day_id}/assign/",
        {"grid": tree.grids[0].pk, "cadre": tree.users["street"].pk},
        format="json",
    )
    assert sent.status_code == 201
    pk = sent.json()["id"]
    street = client(tree.users["street"])
    before.move_to(MORNING)
    outside = street.post(
        f"/api/v1/grid-day-deployments/{pk}/check-in/", inside(tree.grids[2]), format="json"
    )
    assert outside.status_code == 400
    assert "范围内" in outside.json()["fields"]["location"][0]
    nonsense = street.post(
        f"/api/v1/grid-day-deployments/{pk}/check-in/", {"lat": "x", "lon": 500}, format="json"
    )
    assert nonsense.status_code == 400 and set(nonsense.json()["fields"]) == {"lat", "lon"}
    ok = street.post(f"/api/v1/grid-day-deployments/{pk}/check-in/", inside(tree.grids[0]), format="json")
    assert ok.status_code == 200 and ok.json()["checked_in_at"]
    category = Category.objects.get(code="01001")
    recorded = street.post(
        f"/api/v1/grid-day-deployments/{pk}/record/",
        {"did": "走访3户", "found": "井盖缺失", "finding": {"category": category.pk, "title": "井盖缺失"}},
        format="json",
    )
    assert recorded.status_code == 200, recorded.json()
    assert recorded.json()["case_number"] == Case.objects.get().number
    # someone else's visit: the worker sees it (their grid) but may not check in
    worker = client(tree.users["worker"])
    assert (
        worker.post(f"/api/v1/grid-day-deployments/{pk}/record/", {"did": "x"}, format="json").status_code
        == 403
    )
    cover = community.get("/api/v1/grid-days/coverage/", {"month": "2026-03"}).json()
    assert (cover["grids"], cover["scheduled"], cover["held"], cover["cadres"]) == (2, 2, 1, 1)
    row = next(r for r in cover["rows"] if r["grid_code"] == tree.grids[0].code)
    assert row["came"] == [str(tree.users["street"])] and row["findings"] == [Case.objects.get().number]
    sheet = community.get("/api/v1/grid-days/coverage/export/", {"month": "2026-03"})
    assert sheet.status_code == 200
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert "2026-03" in rows[0][0]
    assert any(r[0] == tree.grids[0].code and r[3] == dt.datetime(2026, 3, 18) for r in rows)
    assert Deployment.objects.get().did == "走访3户"


def test_a_worker_submits_their_log_and_sees_attendance(tree, before):
    worker = client(tree.users["worker"])
    today = worker.post("/api/v1/work-logs/today/")
    assert today.status_code == 200
    pk = today.json()["id"]
    empty = worker.post(f"/api/v1/work-logs/{pk}/submit/", {"summary": ""}, format="json")
    assert empty.status_code == 400 and "summary" in empty.json()["fields"]
    other = client(tree.users["worker2"]).post(
        f"/api/v1/work-logs/{pk}/submit/", {"summary": "x"}, format="json"
    )
    assert other.status_code == 404  # not in their view
    done = worker.post(f"/api/v1/work-logs/{pk}/submit/", {"summary": "巡查两圈"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == WorkLog.Status.SUBMITTED
    rows = client(tree.users["community"]).get("/api/v1/work-logs/attendance/", {"month": "2026-03"}).json()
    assert [(r["worker_id"], r["days"], r["attended"], r["submitted"]) for r in rows] == [
        (tree.users["worker"].pk, 1, 0, 1)
    ]
    assert client(tree.users["street"]).post("/api/v1/work-logs/today/").status_code == 404
    assert worker.get("/api/v1/work-logs/", {"day": "not-a-day!"}).status_code == 200
