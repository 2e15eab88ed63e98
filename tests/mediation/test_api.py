import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from cases.models import Category
from grids.models import Role
from mediation import services
from mediation.models import Dispute
from tests.factories import make_user, photo, report

from .conftest import mediated, record

pytestmark = pytest.mark.django_db
BASE = "/api/v1/mediation"


def client(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_it_records_a_dispute_and_shows_its_parties_masked(tree):
    body = {
        "area": tree.grids[0].code,
        "title": "楼上漏水",
        "dispute_type": "neighbour",
        "risk_level": "medium",
        "risk_reason": "争吵",
        "source": "visit",
        "parties": [
            {"role": "applicant", "name": "张某", "phone": "13800001111"},
            {"role": "respondent", "name": "李某", "id_number": "430104198001011234"},
        ],
    }
    answer = client(tree.users["worker"]).post(f"{BASE}/disputes/", body, format="json")
    assert answer.status_code == 201, answer.json()
    data = answer.json()
    assert data["status"] == "open" and data["number"].startswith("JF")
    assert "13800001111" not in str(data) and "430104198001011234" not in str(data)
    assert all(p["outsider"] for p in data["parties"])


def test_bad_input_answers_400_per_field(tree):
    answer = client(tree.users["worker"]).post(
        f"{BASE}/disputes/",
        {
            "area": tree.grids[0].code,
            "title": "x",
            "dispute_type": "nope",
            "risk_level": "high",
            "risk_reason": "r",
            "source": "visit",
            "parties": [],
        },
        format="json",
    )
    assert answer.status_code == 400
    assert "dispute_type" in answer.json()["fields"]
    answer = client(tree.users["worker"]).post(
        f"{BASE}/disputes/",
        {
            "area": tree.grids[0].code,
            "title": "x",
            "dispute_type": "land",
            "risk_level": "high",
            "risk_reason": "r",
            "source": "visit",
            "parties": [],
        },
        format="json",
    )
    assert answer.status_code == 400 and "parties" in answer.json()["fields"]
    assert not Dispute.objects.exists()


def test_a_step_that_does_not_apply_answers_409_with_the_allowed_ones(tree):
    dispute = record(tree)
    answer = client(tree.users["worker"]).post(f"{BASE}/disputes/{dispute.pk}/settle/", {}, format="json")
    assert answer.status_code == 409
    assert answer.json()["allowed"] == ["close", "start"]


def test_a_session_for_a_closed_dispute_answers_409(tree, mediator):
    dispute = record(tree)
    services.dispute_close(actor=tree.users["worker"], dispute_id=dispute.pk, reason="撤回")
    answer = client(tree.users["worker"]).post(
        f"{BASE}/disputes/{dispute.pk}/sessions/",
        {"held_at": "2026-01-01T10:00:00+08:00", "place": "室", "notes": "n", "mediators": [mediator.pk]},
        format="json",
    )
    assert answer.status_code == 409


@pytest.mark.parametrize(
    "who, expected",
    [
        ("worker", 200),
        ("community", 200),
        ("worker2", 404),
        ("community_b", 404),
        ("stranger", 404),
        ("handler", 404),
    ],
)
def test_acting_on_a_dispute_owner_member_stranger(tree, mediator, who, expected):
    dispute = record(tree)
    answer = client(tree.users[who]).post(
        f"{BASE}/disputes/{dispute.pk}/start/", {"mediator": mediator.pk}, format="json"
    )
    assert answer.status_code == expected
    assert Dispute.objects.get(pk=dispute.pk).status == ("mediating" if expected == 200 else "open")


def test_a_read_only_leader_sees_but_may_not_act(tree, mediator):
    dispute = record(tree)
    viewer = make_user("viewer", Role.LEADER_READONLY, tree.district)
    assert client(viewer).get(f"{BASE}/disputes/{dispute.pk}/").status_code == 200
    answer = client(viewer).post(f"{BASE}/disputes/{dispute.pk}/close/", {"reason": "x"}, format="json")
    assert answer.status_code == 403


def test_the_walk_through_the_api_ends_settled_with_a_pdf_agreement(tree, mediator):
    worker = client(tree.users["worker"])
    dispute = mediated(tree, mediator)
    url = f"{BASE}/disputes/{dispute.pk}"
    answer = worker.post(
        f"{url}/conclude/",
        {"outcome": "agreement", "agreement_text": "一、维修；二、赔偿800元"},
        format="json",
    )
    assert answer.status_code == 200 and answer.json()["status"] == "agreement"
    for party in dispute.parties.all():
        signed = worker.post(f"{url}/signatures/", {"party": party.pk, "file": photo()}, format="multipart")
        assert signed.status_code == 201, signed.json()
    pdf = worker.get(f"{url}/agreement/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and b"STSong-Light" in pdf.content
    assert worker.post(f"{url}/follow-up/", {}, format="json").json()["status"] == "follow_up"
    assert (
        worker.post(f"{url}/visits/", {"holding": True, "note": "已履行"}, format="json").status_code == 200
    )
    assert worker.post(f"{url}/settle/", {}, format="json").json()["status"] == "settled"
    events = worker.get(f"{BASE}/events/", {"dispute": dispute.pk}).json()["results"]
    assert [e["kind"] for e in events][-3:] == ["follow_up", "visited", "settled"]


def test_a_dispute_without_an_agreement_has_no_pdf(tree):
    dispute = record(tree)
    assert client(tree.users["worker"]).get(f"{BASE}/disputes/{dispute.pk}/agreement/").status_code == 404


def test_a_signature_upload_that_is_not_a_picture_answers_400(tree, mediator):
    dispute = mediated(tree, mediator)
    services.dispute_conclude(
        actor=tree.users["worker"], dispute_id=dispute.pk, outcome="agreement", agreement_text="x"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("a.jpg", b"GIF89a-not-allowed", content_type="image/jpeg")
    answer = client(tree.users["worker"]).post(
        f"{BASE}/disputes/{dispute.pk}/signatures/",
        {"party": dispute.parties.first().pk, "file": fake},
        format="multipart",
    )
    assert answer.status_code == 400 and "file" in answer.json()["fields"]


def test_a_case_becomes_a_dispute_through_the_api(tree):
    case = report(tree, Category.objects.get(code="06003"), title="欠薪", extra={"parties": 12})
    answer = client(tree.users["centre"]).post(
        f"{BASE}/disputes/from-case/",
        {"case": case.pk, "risk_level": "high", "risk_reason": "人数多"},
        format="json",
    )
    assert answer.status_code == 201 and answer.json()["case"] == case.number
    assert answer.json()["dispute_type"] == "labour"
    other = report(tree, Category.objects.get(code="06001"), grid=5, title="噪音", extra={"parties": 2})
    refused = client(tree.users["worker"]).post(
        f"{BASE}/disputes/from-case/", {"case": other.pk}, format="json"
    )
    assert refused.status_code == 400  # a case out of the worker's scope is no case of theirs


def test_screenings_are_filed_and_listed_by_month(tree):
    worker = client(tree.users["worker"])
    from django.utils import timezone

    today = timezone.localdate()
    answer = worker.post(
        f"{BASE}/screenings/",
        {"area": tree.grids[0].code, "month": today.isoformat(), "nothing_found": True},
        format="json",
    )
    assert answer.status_code == 201
    again = worker.post(
        f"{BASE}/screenings/",
        {"area": tree.grids[0].code, "month": today.isoformat(), "nothing_found": True},
        format="json",
    )
    assert again.status_code == 400 and "month" in again.json()["fields"]
    listed = worker.get(f"{BASE}/screenings/", {"month": f"{today:%Y-%m}"}).json()["results"]
    assert [s["area"] for s in listed] == [tree.grids[0].code]


def test_the_dispute_list_costs_the_same_queries_for_more_rows(tree):
    worker = client(tree.users["worker"])
    record(tree)
    worker.get(f"{BASE}/disputes/")
    with CaptureQueriesContext(connection) as few:
        worker.get(f"{BASE}/disputes/")
    for _ in range(5):
        record(tree)
    with CaptureQueriesContext(connection) as many:
        assert len(worker.get(f"{BASE}/disputes/").json()["results"]) == 6
    assert len(many) == len(few)
