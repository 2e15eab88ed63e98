from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from community.models import PointEntry, Redemption

from .conftest import SAT_9, earn

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_it_seats_a_team_member_and_refuses_a_grid_out_of_view(tree):
    client = client_for(tree.users["worker"])
    ok = client.post(
        "/api/v1/community/team-members/",
        {"area": tree.grids[0].code, "role": "community_police", "name": "王警官", "work_phone": "0731-110"},
        format="json",
    )
    assert ok.status_code == 201, ok.json()
    assert ok.json()["role_label"]
    out = client.post(
        "/api/v1/community/team-members/",
        {"area": tree.grids[5].code, "role": "community_police", "name": "王"},
        format="json",
    )
    assert out.status_code == 400 and "area" in out.json()["fields"]
    bad = client.post(
        "/api/v1/community/team-members/", {"area": tree.grids[0].code, "role": "x"}, format="json"
    )
    assert bad.status_code == 400 and {"role", "name"} <= set(bad.json()["fields"])


def test_it_registers_a_volunteer_with_a_masked_phone(tree, person):
    response = client_for(tree.users["worker"]).post(
        "/api/v1/community/volunteers/", {"person": person.pk, "skills": "维修"}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (
        body["phone"] == "138****1234"
        and body["balance"] == 0
        and body["community"] == tree.communities[0].code
    )


def test_it_refuses_a_person_outside_the_callers_view(tree, person):
    response = client_for(tree.users["worker2"]).post(
        "/api/v1/community/volunteers/", {"person": person.pk}, format="json"
    )
    assert response.status_code == 400 and "person" in response.json()["fields"]


def test_it_walks_an_activity_through_the_api(tree, volunteer, activity, frozen):
    desk = client_for(tree.users["community"])
    url = f"/api/v1/community/activities/{activity.pk}/"
    p = desk.post(url + "sign-up/", {"volunteer": volunteer.pk}, format="json")
    assert p.status_code == 201
    frozen.move_to(SAT_9)
    checked = client_for(tree.users["worker"]).post(
        url + "check-in/", {"participation": p.json()["id"]}, format="json"
    )
    assert checked.status_code == 200 and checked.json()["checked_in_at"]
    early = desk.post(url + "complete/")
    assert early.status_code == 400 and "activity" in early.json()["fields"]
    frozen.move_to(SAT_9 + timedelta(hours=2))
    done = desk.post(url + "complete/")
    assert done.status_code == 200 and done.json()["status"] == "completed"
    rows = desk.get(url + "participants/").json()
    assert rows[0]["points"] == 5 + 20
    entries = desk.get("/api/v1/community/point-entries/", {"volunteer": volunteer.pk}).json()["results"]
    assert [e["points"] for e in entries] == [25]


def test_it_refuses_completion_by_a_grid_worker(tree, activity, frozen):
    frozen.move_to(SAT_9 + timedelta(hours=3))
    response = client_for(tree.users["worker"]).post(f"/api/v1/community/activities/{activity.pk}/complete/")
    assert response.status_code == 403


def test_it_redeems_once_per_idempotency_key(tree, volunteer, reward):
    earn(tree, volunteer, 50)
    desk = client_for(tree.users["community"])
    url = f"/api/v1/community/volunteers/{volunteer.pk}/redeem/"
    first = desk.post(url, {"reward": reward.pk, "quantity": 2}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = desk.post(url, {"reward": reward.pk, "quantity": 2}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Redemption.objects.count() == 1 and PointEntry.objects.filter(kind="redeem").count() == 1
    keyless = desk.post(url, {"reward": reward.pk}, format="json")
    assert keyless.status_code == 400 and "idempotency_key" in keyless.json()["fields"]


def test_it_refuses_over_the_balance_with_a_message(tree, volunteer, reward):
    earn(tree, volunteer, 5)
    response = client_for(tree.users["community"]).post(
        f"/api/v1/community/volunteers/{volunteer.pk}/redeem/",
        {"reward": reward.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )
    assert response.status_code == 400 and response.json()["fields"]["quantity"]


def test_it_refuses_a_redemption_by_a_grid_worker(tree, volunteer, reward):
    earn(tree, volunteer, 50)
    response = client_for(tree.users["worker"]).post(
        f"/api/v1/community/volunteers/{volunteer.pk}/redeem/",
        {"reward": reward.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-3",
    )
    assert response.status_code == 403 and not Redemption.objects.exists()


def test_it_adjusts_with_a_reason(tree, volunteer):
    desk = client_for(tree.users["community"])
    url = f"/api/v1/community/volunteers/{volunteer.pk}/adjust/"
    assert desk.post(url, {"points": 10}, format="json").status_code == 400
    ok = desk.post(url, {"points": 10, "reason": "补录"}, format="json")
    assert ok.status_code == 201 and ok.json()["balance_after"] == 10


def test_it_ranks_within_the_callers_view_only(tree, volunteer, frozen):
    earn(tree, volunteer, 40)
    month = SAT_9.strftime("%Y-%m")
    mine = client_for(tree.users["community"]).get("/api/v1/community/volunteers/ranking/", {"month": month})
    assert [r["earned"] for r in mine.json()] == [40]
    theirs = client_for(tree.users["community_b"]).get(
        "/api/v1/community/volunteers/ranking/", {"month": month}
    )
    assert theirs.json() == []
    peek = client_for(tree.users["community_b"]).get(
        "/api/v1/community/volunteers/ranking/", {"month": month, "area": tree.communities[0].code}
    )
    assert peek.status_code == 404
    stranger = client_for(tree.users["stranger"]).get(
        "/api/v1/community/volunteers/ranking/", {"month": month}
    )
    assert stranger.json() == []
    bad = client_for(tree.users["community"]).get(
        "/api/v1/community/volunteers/ranking/", {"month": "11/2026"}
    )
    assert bad.status_code == 400


def test_it_sets_rules_and_rewards_for_the_callers_community_only(tree):
    desk = client_for(tree.users["community"])
    ok = desk.post(
        "/api/v1/community/point-rules/",
        {"community": tree.communities[0].code, "activity_type": "cleanup", "points_per_hour": 8},
        format="json",
    )
    assert ok.status_code == 201
    out = desk.post(
        "/api/v1/community/rewards/",
        {"community": tree.communities[2].code, "name": "油", "points_cost": 5, "stock": 1},
        format="json",
    )
    assert out.status_code == 400 and "community" in out.json()["fields"]
