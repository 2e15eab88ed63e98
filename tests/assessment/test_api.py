"""The same figures through the API; the drill-down; published reports and stars; scope and bad input."""

import pytest
from rest_framework.test import APIClient

from assessment.services import snapshot_publish

from .conftest import AS_OF

pytestmark = pytest.mark.django_db

Q = {"month": "2026-03", "as_of": AS_OF.isoformat()}


def _api(tree, who):
    client = APIClient()
    client.force_authenticate(tree.users[who])
    return client


def test_the_report_endpoint_returns_the_pages_figures(tree, march):
    body = _api(tree, "centre").get("/api/v1/assessment/report/", Q).json()
    assert body["total"]["figures"]["closure_rate"] == {"value": 83.33, "num": 5, "den": 6}
    assert set(body["areas"]) == {"district", "street", "community", "grid"}
    assert body["trend"][0]["month"] == 202603


def test_the_drill_down_endpoint_counts_the_number(tree, march):
    body = _api(tree, "centre").get("/api/v1/assessment/cases/", {**Q, "part": "closed_on_time"}).json()
    assert body["count"] == 4
    assert {r["case"] for r in body["results"]} == {march[i].case.pk for i in (1, 3, 4, 9)}


def test_bad_input_is_400_with_fields(tree):
    body = (
        _api(tree, "centre")
        .get("/api/v1/assessment/report/", {"start": "2026-03-10", "end": "2026-03-01"})
        .json()
    )
    assert body["code"] == "invalid" and "end" in body["fields"]
    body = _api(tree, "centre").get("/api/v1/assessment/cases/", {"part": "nope"}).json()
    assert "part" in body["fields"]


def test_scope_out_of_area_is_404_and_strangers_see_nothing(tree, march):
    assert (
        _api(tree, "community_b")
        .get("/api/v1/assessment/report/", {"area": tree.communities[0].code})
        .status_code
        == 404
    )
    assert _api(tree, "stranger").get("/api/v1/assessment/report/").status_code == 404
    body = _api(tree, "community_b").get("/api/v1/assessment/cases/", {**Q, "part": "closed"}).json()
    assert {r["case"] for r in body["results"]} == {march[9].case.pk}


def test_a_department_handler_sees_its_departments_cases_only(tree, march, police):
    body = _api(tree, "officer").get("/api/v1/assessment/report/", Q).json()
    assert body["total"]["figures"]["due_for_closing"]["value"] == 0  # nothing dispatched to the police
    assert body["total"]["figures"]["whistle_on_time_rate"] == {"value": 0.0, "num": 0, "den": 1}


def test_published_reports_and_stars_through_the_api(tree, march):
    snapshot = snapshot_publish(area=tree.streets[0], month=202603, now=AS_OF)
    client = _api(tree, "street")
    listed = client.get("/api/v1/assessment/published/").json()["results"]
    assert [s["id"] for s in listed] == [snapshot.pk] and "data" not in listed[0]
    assert client.get(f"/api/v1/assessment/published/{snapshot.pk}/").json()["data"]["total"]["grade"]
    response = client.post(
        "/api/v1/assessment/stars/",
        {"grid": tree.grids[0].pk, "month": "2026-03", "star": "property", "awarded": True},
        format="json",
    )
    assert response.status_code == 201 and response.json()["figures"]["figures"]["closure_rate"]["den"] == 5
    response = client.post(
        "/api/v1/assessment/stars/",
        {"grid": tree.grids[5].pk, "month": "2026-3", "star": "x", "awarded": True},
        format="json",
    )
    assert response.status_code == 400 and {"month", "star"} <= set(response.json()["fields"])
    response = client.post(
        "/api/v1/assessment/stars/",
        {"grid": tree.grids[5].pk, "month": "2026-03", "star": "culture", "awarded": True},
        format="json",
    )
    assert response.status_code == 400 and "grid" in response.json()["fields"]
    worker = _api(tree, "worker").post(
        "/api/v1/assessment/stars/",
        {"grid": tree.grids[0].pk, "month": "2026-03", "star": "culture", "awarded": True},
        format="json",
    )
    assert worker.status_code == 403


def test_the_schema_builds(tree):
    assert _api(tree, "centre").get("/api/schema/").status_code == 200
