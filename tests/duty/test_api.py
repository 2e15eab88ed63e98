import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from duty.models import Roster, Shift, Swap, SwapStatus

from .conftest import at

pytestmark = pytest.mark.django_db


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _body(tree, day, **extra):
    u = tree.users
    start = at(day, 17, 30)
    return {
        "unit": tree.communities[0].code,
        "starts_on": day.isoformat(),
        "ends_on": (day + dt.timedelta(days=1)).isoformat(),
        "leader": u["community"].pk,
        "shifts": [
            {
                "person": u["worker"].pk,
                "kind": "night",
                "starts_at": start.isoformat(),
                "ends_at": (start + dt.timedelta(hours=15)).isoformat(),
            }
        ],
        **extra,
    }


def test_it_saves_publishes_and_answers_who_is_on_duty(tree, unit, future_day):
    client = _client(tree.users["community"])
    made = client.post("/api/v1/duty/rosters/", _body(tree, future_day), format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["status"] == "draft" and made.json()["shifts_count"] == 1
    published = client.post(f"/api/v1/duty/rosters/{made.json()['id']}/publish/")
    assert published.json()["status"] == "published"
    shift = Shift.objects.get()
    assert _client(tree.users["worker"]).get("/api/v1/duty/shifts/now/").json() == []
    with time_machine.travel(shift.starts_at + dt.timedelta(hours=1), tick=False):
        assert timezone.now() > shift.starts_at
        now = _client(tree.users["worker"]).get("/api/v1/duty/shifts/now/").json()
        assert [row["person_name"] for row in now] == ["worker"]
        assert _client(tree.users["community_b"]).get("/api/v1/duty/shifts/now/").json() == []


def test_it_draws_a_roster_from_a_rota(tree, unit):
    u = tree.users
    body = {
        "unit": tree.communities[0].code,
        "starts_on": "2026-10-01",
        "ends_on": "2026-10-07",
        "leader": u["community"].pk,
        "rota": {"leaders": [u["community"].pk], "officers": [u["worker"].pk, u["worker2"].pk]},
    }
    made = _client(u["community"]).post("/api/v1/duty/rosters/", body, format="json")
    assert made.status_code == 201, made.json()
    # National Day week: seven holiday days, a day and a night each, a leader and an officer each.
    assert made.json()["shifts_count"] == 7 * 2 * 2


def test_bad_rosters_are_400_with_the_field_named(tree, unit, future_day):
    client = _client(tree.users["community"])
    body = _body(tree, future_day)
    body["shifts"][0]["ends_at"] = body["shifts"][0]["starts_at"]
    answer = client.post("/api/v1/duty/rosters/", body, format="json")
    assert answer.status_code == 400 and "shifts" in answer.json()["fields"]
    body = _body(tree, future_day)
    body["shifts"].append(dict(body["shifts"][0]))
    answer = client.post("/api/v1/duty/rosters/", body, format="json")
    assert answer.status_code == 400 and "overlapping" in answer.json()["fields"]["shifts"][0]
    answer = client.post("/api/v1/duty/rosters/", _body(tree, future_day, shifts=[]), format="json")
    assert answer.status_code == 400
    assert not Roster.objects.exists()


def test_a_swap_through_the_api(tree, published):
    u = tree.users
    shift = Shift.objects.get(person=u["worker"])
    asked = _client(u["worker"]).post(
        f"/api/v1/duty/shifts/{shift.pk}/swap/",
        {"substitute": u["street"].pk, "reason": "事假"},
        format="json",
    )
    assert asked.status_code == 400 and "substitute" in asked.json()["fields"]
    asked = _client(u["worker"]).post(
        f"/api/v1/duty/shifts/{shift.pk}/swap/",
        {"substitute": u["leader"].pk, "reason": "事假"},
        format="json",
    )
    assert asked.status_code == 201
    swap = asked.json()["id"]
    assert _client(u["worker"]).post(f"/api/v1/duty/swaps/{swap}/approve/").status_code == 400
    refused = _client(u["community"]).post(f"/api/v1/duty/swaps/{swap}/refuse/", {}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()["fields"]
    approved = _client(u["community"]).post(f"/api/v1/duty/swaps/{swap}/approve/")
    assert approved.json()["status"] == "approved"
    assert Swap.objects.get().status == SwapStatus.APPROVED
    assert _client(u["community_b"]).post(f"/api/v1/duty/swaps/{swap}/approve/").status_code == 404
