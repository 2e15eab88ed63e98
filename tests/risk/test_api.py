import pytest
import time_machine
from rest_framework.test import APIClient

from risk.models import RiskSettings, RiskWarning

from .conftest import NOW

pytestmark = pytest.mark.django_db


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_it_lets_the_centre_set_weights_and_recompute_and_shows_why(fixture_district):
    tree = fixture_district
    centre = _client(tree.users["centre"])
    settings_id = centre.get("/api/v1/risk/settings/").json()["results"][0]["id"]
    answer = centre.patch(f"/api/v1/risk/settings/{settings_id}/", {"weights": {"overdue": 4}}, format="json")
    assert answer.status_code == 200 and answer.json()["weights"] == {"overdue": 4.0}
    with time_machine.travel(NOW, tick=False):
        summary = centre.post(f"/api/v1/risk/settings/{settings_id}/recompute/").json()
    assert summary["grids"] == 8 and summary["hotspots"] == 1
    rows = _client(tree.users["community"]).get("/api/v1/risk/scores/").json()["results"]
    assert [r["area_code"] for r in rows][:1] == [tree.grids[0].code]  # highest first, own subtree only
    assert len(rows) == 2
    parts = rows[0]["parts"]
    assert parts[0]["key"] == "case_mix" and parts[0]["points"] == 5.0  # 5 + 4 + 4 + 4: largest first
    assert float(rows[0]["score"]) == 17
    spots = centre.get("/api/v1/risk/hotspots/").json()["results"]
    assert spots[0]["case_count"] == 3 and len(spots[0]["cases"]) == 3


def test_it_refuses_settings_from_others_and_bad_values_per_field(fixture_district):
    tree = fixture_district
    settings = RiskSettings.objects.create(district=tree.district)
    url = f"/api/v1/risk/settings/{settings.pk}/"
    assert _client(tree.users["street"]).patch(url, {"red_at": 5}, format="json").status_code == 403
    assert _client(tree.users["stranger"]).patch(url, {"red_at": 5}, format="json").status_code == 404
    bad = _client(tree.users["centre"]).patch(url, {"window_days": 0, "weights": {"x": 1}}, format="json")
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"window_days"}
    bad = _client(tree.users["centre"]).patch(url, {"weights": {"x": 1}}, format="json")
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"weights"}
    assert _client(tree.users["community"]).post(f"{url}recompute/").status_code == 403


def test_it_acknowledges_and_closes_a_warning(fixture_district):
    tree = fixture_district
    with time_machine.travel(NOW, tick=False):
        _client(tree.users["centre"]).post(
            f"/api/v1/risk/settings/{RiskSettings.objects.create(district=tree.district).pk}/recompute/"
        )
    warning = RiskWarning.objects.get(rule="repeated_place")
    community = _client(tree.users["community"])
    listed = community.get("/api/v1/risk/warnings/?status=open").json()["results"]
    assert warning.pk in [w["id"] for w in listed]
    assert (
        community.post(f"/api/v1/risk/warnings/{warning.pk}/acknowledge/", {}).json()["status"]
        == "acknowledged"
    )
    assert community.post(f"/api/v1/risk/warnings/{warning.pk}/close/", {}).status_code == 400
    closed = community.post(f"/api/v1/risk/warnings/{warning.pk}/close/", {"outcome": "已清理"}).json()
    assert closed["status"] == "closed" and closed["outcome"] == "已清理"
    assert (
        _client(tree.users["community_b"])
        .post(f"/api/v1/risk/warnings/{warning.pk}/close/", {"outcome": "x"})
        .status_code
        == 404
    )
