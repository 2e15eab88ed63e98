"""Possible duplicates while reporting, and merging a duplicate into the original."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from cases import services
from cases.duplicates import distance_m, possible_duplicates
from cases.models import Case, CloseType
from cases.selectors import case_timeline, cases_visible_to
from cases.workflow import Status

from .conftest import photo, report

pytestmark = pytest.mark.django_db

METRE_LAT = 1 / 111_320


def test_distance_is_haversine():
    assert distance_m(28.0, 112.0, 28.0 + 100 * METRE_LAT, 112.0) == pytest.approx(100, abs=0.5)


def test_it_offers_open_cases_of_the_category_within_the_radius(tree, rubbish, dispute):
    grid = tree.grids[0]
    near = report(tree, rubbish, lat=grid.centroid_lat + 30 * METRE_LAT, lon=grid.centroid_lon)
    far = report(tree, rubbish, lat=grid.centroid_lat + 80 * METRE_LAT, lon=grid.centroid_lon)
    other = report(tree, dispute, lat=grid.centroid_lat, lon=grid.centroid_lon, extra={"parties": "2"})
    found = possible_duplicates(tree.users["worker"], rubbish, grid.centroid_lat, grid.centroid_lon)
    assert [c.case.pk for c in found] == [near.pk]
    assert found[0].distance_m == pytest.approx(30, abs=1)
    assert far.pk and other.pk


def test_closed_and_old_cases_are_not_offered(tree, rubbish):
    grid = tree.grids[0]
    with time_machine.travel(timezone.now() - timedelta(hours=rubbish.duplicate_window_hours + 1)):
        report(tree, rubbish)
    voided = report(tree, rubbish)
    services.case_void(case_id=voided.pk, actor=tree.users["community"], reason="重复")
    assert possible_duplicates(tree.users["worker"], rubbish, grid.centroid_lat, grid.centroid_lon) == []


def test_it_offers_only_cases_the_user_may_see(tree, rubbish):
    grid = tree.grids[0]
    report(tree, rubbish)
    assert possible_duplicates(tree.users["stranger"], rubbish, grid.centroid_lat, grid.centroid_lon) == []


def test_the_api_lists_duplicates_and_checks_input(tree, rubbish):
    case = report(tree, rubbish)
    client = APIClient()
    client.force_authenticate(tree.users["worker"])
    grid = tree.grids[0]
    ok = client.get(
        "/api/v1/cases/duplicates/",
        {"category": rubbish.pk, "lat": grid.centroid_lat, "lon": grid.centroid_lon},
    )
    assert ok.status_code == 200 and [d["number"] for d in ok.json()] == [case.number]
    assert ok.json()[0]["distance_m"] == 0
    bad = client.get("/api/v1/cases/duplicates/", {"category": 999999, "lat": 200})
    assert bad.status_code == 400 and {"category", "lat", "lon"} <= set(bad.json()["fields"])


def test_staff_merge_a_duplicate_into_the_original(tree, rubbish):
    original = report(tree, rubbish)
    duplicate = report(tree, rubbish, actor=tree.users["leader"], before_photos=[photo()])
    services.case_merge(
        case_id=duplicate.pk, actor=tree.users["community"], into=original.number, reason="同一处垃圾"
    )
    duplicate.refresh_from_db()
    assert duplicate.status == Status.CLOSED and duplicate.close_type == CloseType.MERGED
    assert duplicate.duplicate_of_id == original.pk
    assert original.events.filter(kind="merged_in", payload__duplicate=duplicate.number).exists()
    # The duplicate's photos and events stay visible from the original's timeline.
    timeline = list(case_timeline(original))
    assert {e.case_id for e in timeline} == {original.pk, duplicate.pk}
    assert any(e.attachments.all() for e in timeline if e.case_id == duplicate.pk)


def test_the_duplicates_reporter_follows_the_original(tree, rubbish, django_capture_on_commit_callbacks):
    from dispatch.models import Notification

    from .test_workflow import run_loop_to

    original = report(tree, rubbish, actor=tree.users["community"])
    duplicate = report(tree, rubbish, actor=tree.users["leader"])
    services.case_merge(case_id=duplicate.pk, actor=tree.users["community"], into=original.pk, reason="重复")
    assert cases_visible_to(tree.users["leader"]).filter(pk=original.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        run_loop_to(tree, original, "close")
    assert Notification.objects.filter(
        recipient=tree.users["leader"], case_id=original.pk, kind="close"
    ).exists()


def test_merge_refuses_bad_targets_and_changes_nothing(tree, rubbish):
    case = report(tree, rubbish)
    for into, message in [(case.number, "into"), ("no-such-case", "into")]:
        with pytest.raises(ValidationError) as err:
            services.case_merge(case_id=case.pk, actor=tree.users["community"], into=into, reason="重复")
        assert message in err.value.message_dict
    outside = report(tree, rubbish, actor=tree.users["centre"], grid=len(tree.grids) - 1)
    with pytest.raises(ValidationError):
        services.case_merge(case_id=case.pk, actor=tree.users["community"], into=outside.pk, reason="重复")
    case.refresh_from_db()
    assert case.status == Status.REPORTED and case.duplicate_of_id is None


def test_the_api_merges_and_needs_a_reason(tree, rubbish):
    original, duplicate = report(tree, rubbish), report(tree, rubbish)
    client = APIClient()
    client.force_authenticate(tree.users["community"])
    url = f"/api/v1/cases/{duplicate.pk}/merge/"
    bad = client.post(url, {"into": original.number}, format="json")
    assert bad.status_code == 400 and "reason" in bad.json()["fields"]
    ok = client.post(url, {"into": original.number, "reason": "重复上报"}, format="json")
    assert ok.status_code == 200 and ok.json()["close_type"] == "merged"
    assert Case.objects.get(pk=duplicate.pk).duplicate_of_id == original.pk
