from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from command.models import PatrolPosition, TrackAccessLog
from grids.models import User

URL = "/api/v1/patrol/positions/"


def client_for(tree, who):
    client = APIClient()
    client.force_authenticate(User.objects.get(pk=tree.users[who].pk))
    return client


def point(tree, grid=0, **kw):
    area = tree.grids[grid]
    return {"lat": area.centroid_lat, "lon": area.centroid_lon, "accuracy_m": 9.5, **kw}


def test_it_takes_a_workers_point_and_merges_a_quick_second_one(tree):
    client = client_for(tree, "worker")
    first = client.post(URL, point(tree), format="json")
    assert first.status_code == 201
    body = first.json()
    assert body["merged"] is False
    assert body["position"]["area_code"] == tree.grids[0].code and body["position"]["inside"] is True
    again = client.post(URL, point(tree, grid=1), format="json")
    assert again.status_code == 200 and again.json() == {"merged": True, "position": None}
    assert PatrolPosition.objects.count() == 1


def test_bad_input_answers_400_per_field(tree):
    response = client_for(tree, "worker").post(
        URL,
        {"lat": 120, "lon": "east", "recorded_at": (timezone.now() + timedelta(hours=2)).isoformat()},
        format="json",
    )
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert set(fields) == {"lat", "lon"}
    ahead = (timezone.now() + timedelta(hours=2)).isoformat()
    late = client_for(tree, "worker").post(URL, point(tree, recorded_at=ahead), format="json")
    assert late.status_code == 400 and set(late.json()["fields"]) == {"recorded_at"}
    assert not PatrolPosition.objects.exists()


@pytest.mark.parametrize("who", ["leader", "community", "centre", "handler", "stranger"])
def test_only_grid_workers_post(tree, who):
    assert client_for(tree, who).post(URL, point(tree), format="json").status_code == 403


def test_anonymous_cannot_post(tree):
    assert APIClient().post(URL, point(tree), format="json").status_code in (401, 403)


def test_a_supervisor_reading_tracks_is_logged_a_worker_reading_their_own_is_not(tree):
    client_for(tree, "worker").post(URL, point(tree), format="json")
    client_for(tree, "worker2").post(URL, point(tree, grid=1), format="json")
    own = client_for(tree, "worker").get(URL).json()["results"]
    assert [row["user"] for row in own] == [tree.users["worker"].pk]
    assert not TrackAccessLog.objects.exists()
    rows = client_for(tree, "community").get(URL).json()["results"]
    assert {row["user"] for row in rows} == {tree.users["worker"].pk, tree.users["worker2"].pk}
    logged = TrackAccessLog.objects.filter(viewer=tree.users["community"], via="api")
    assert set(logged.values_list("subject__username", flat=True)) == {"worker", "worker2"}
    one = rows[0]["id"]
    assert client_for(tree, "community").get(f"{URL}{one}/").status_code == 200
    assert TrackAccessLog.objects.count() == 3
    assert client_for(tree, "community_b").get(f"{URL}{one}/").status_code == 404
    assert client_for(tree, "handler").get(URL).json()["results"] == []


def test_filters_by_worker_and_time(tree):
    worker = tree.users["worker"]
    now = timezone.now()
    for minutes in (90, 60, 5):
        PatrolPosition.objects.create(
            user=worker, lat=28.2, lon=112.9, recorded_at=now - timedelta(minutes=minutes)
        )
    since = (now - timedelta(minutes=70)).isoformat()
    rows = client_for(tree, "leader").get(URL, {"user": worker.pk, "since": since}).json()["results"]
    assert len(rows) == 2


def test_the_list_takes_a_constant_number_of_queries(tree, django_assert_max_num_queries):
    now = timezone.now()

    def fill(n):
        for user in ("worker", "worker2"):
            PatrolPosition.objects.bulk_create(
                PatrolPosition(
                    user=tree.users[user], lat=28.2, lon=112.9, recorded_at=now - timedelta(seconds=30 * k)
                )
                for k in range(n)
            )

    fill(3)
    client = client_for(tree, "community")
    with django_assert_max_num_queries(8):
        assert len(client.get(URL).json()["results"]) == 6
    fill(60)
    client = client_for(tree, "community")
    with django_assert_max_num_queries(8):
        assert len(client.get(URL).json()["results"]) == 126
