import pytest
from rest_framework.test import APIClient

from notices import services
from notices.models import Notice, NoticeReceipt


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def notice(tree):
    return services.notice_publish(
        sender=tree.users["community"],
        audience="grid_workers",
        area=tree.communities[0],
        title="防汛通知",
        body="请巡查低洼地段。",
    )


def test_it_publishes_for_the_owner(tree):
    body = {"audience": "staff", "area": tree.communities[0].code, "title": "会议", "body": "周一开会"}
    response = client_for(tree.users["community"]).post("/api/v1/notices/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["sending_unit"] == tree.communities[0].pk


def test_it_answers_400_per_field_and_saves_nothing(tree):
    client = client_for(tree.users["community"])
    response = client.post(
        "/api/v1/notices/", {"audience": "aliens", "area": "nope", "title": ""}, format="json"
    )
    assert response.status_code == 400
    assert {"audience", "area", "title", "body"} <= set(response.json()["fields"])
    outside = {"audience": "staff", "area": tree.communities[2].code, "title": "t", "body": "b"}
    response = client.post("/api/v1/notices/", outside, format="json")
    assert response.status_code == 400 and "area" in response.json()["fields"]
    response = client.post(
        "/api/v1/notices/",
        {**outside, "area": tree.grids[0].code, "expires_at": "2000-01-01T00:00:00Z"},
        format="json",
    )
    assert response.status_code == 400 and "expires_at" in response.json()["fields"]
    assert Notice.objects.count() == 0


def test_a_member_reads_and_the_owner_sees_receipts(tree, notice):
    member = client_for(tree.users["worker"])
    assert [n["id"] for n in member.get("/api/v1/notices/").json()["results"]] == [notice.pk]
    assert member.post(f"/api/v1/notices/{notice.pk}/read/").status_code == 200
    assert member.post(f"/api/v1/notices/{notice.pk}/read/").status_code == 200
    assert NoticeReceipt.objects.filter(notice=notice).count() == 1
    receipts = client_for(tree.users["community"]).get(f"/api/v1/notices/{notice.pk}/receipts/").json()
    assert (receipts["total"], receipts["read"]) == (3, 1)
    assert receipts["readers"][0]["name"] == str(tree.users["worker"])


def test_only_the_owner_withdraws(tree, notice):
    assert client_for(tree.users["worker"]).post(f"/api/v1/notices/{notice.pk}/withdraw/").status_code == 400
    response = client_for(tree.users["community"]).post(f"/api/v1/notices/{notice.pk}/withdraw/")
    assert response.status_code == 200 and response.json()["withdrawn"] is True


def test_a_stranger_sees_nothing(tree, notice):
    stranger = client_for(tree.users["stranger"])
    assert stranger.get("/api/v1/notices/").json()["results"] == []
    assert stranger.get(f"/api/v1/notices/{notice.pk}/").status_code == 404
    assert stranger.post(f"/api/v1/notices/{notice.pk}/read/").status_code == 404
    assert client_for(tree.users["community_b"]).get(f"/api/v1/notices/{notice.pk}/").status_code == 404
