import pytest
from django.test import Client
from django.utils import timezone

from cases.models import Category
from mediation import services
from mediation.models import Dispute, Screening
from tests.factories import photo, report

from .conftest import mediated, record

pytestmark = pytest.mark.django_db


def login(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize(
    "who, expected",
    [("worker", 200), ("community", 200), ("worker2", 404), ("community_b", 404), ("stranger", 404)],
)
def test_the_dispute_page_owner_member_stranger(tree, who, expected):
    dispute = record(tree)
    assert login(tree.users[who]).get(f"/mediation/{dispute.pk}/").status_code == expected


@pytest.mark.parametrize("who, expected", [("worker", 302), ("worker2", 404), ("stranger", 404)])
def test_a_step_owner_member_stranger(tree, who, expected):
    dispute = record(tree)
    answer = login(tree.users[who]).post(f"/mediation/{dispute.pk}/close/", {"close-reason": "撤回"})
    assert answer.status_code == expected
    assert Dispute.objects.get(pk=dispute.pk).status == ("closed" if expected == 302 else "open")


def test_the_list_shows_only_the_users_disputes(tree):
    mine, theirs = (
        record(tree, title="我的纠纷"),
        record(tree, actor=tree.users["centre"], grid=5, title="别处纠纷"),
    )
    page = login(tree.users["worker"]).get("/mediation/").content.decode()
    assert mine.title in page and theirs.title not in page
    assert login(tree.users["stranger"]).get("/mediation/").status_code == 200
    assert mine.title not in login(tree.users["stranger"]).get("/mediation/").content.decode()


def test_recording_a_dispute_on_the_phone_and_refusals_next_to_the_fields(tree):
    c = login(tree.users["worker"])
    bad = c.post(
        "/mediation/new/",
        {
            "area": tree.grids[0].pk,
            "title": "漏水",
            "dispute_type": "neighbour",
            "source": "visit",
            "risk_level": "low",
            "risk_reason": "x",
            "p0_role": "applicant",
            "p1_role": "respondent",
            "p2_role": "respondent",
        },
    )
    assert bad.status_code == 400 and "id_p0_name-errors" in bad.content.decode()
    good = c.post(
        "/mediation/new/",
        {
            "area": tree.grids[0].pk,
            "title": "漏水",
            "dispute_type": "neighbour",
            "source": "visit",
            "risk_level": "low",
            "risk_reason": "x",
            "p0_role": "applicant",
            "p0_name": "张某",
            "p1_role": "respondent",
            "p1_name": "李某",
            "p1_phone": "13800001111",
            "p2_role": "respondent",
        },
    )
    dispute = Dispute.objects.get()
    assert good.status_code == 302 and good["Location"] == f"/mediation/{dispute.pk}/"
    assert dispute.parties.count() == 2
    assert "13800001111" not in c.get(good["Location"]).content.decode()


def test_a_stranger_has_no_recording_or_screening_page(tree):
    assert login(tree.users["stranger"]).get("/mediation/new/").status_code == 404
    assert login(tree.users["stranger"]).get("/mediation/screening/").status_code == 404


def test_a_screening_that_found_something_leads_to_recording_the_dispute(tree):
    c = login(tree.users["worker"])
    answer = c.post("/mediation/screening/", {"area": tree.grids[0].pk, "note": "漏水纠纷1起"})
    screening = Screening.objects.get()
    assert answer["Location"] == f"/mediation/new/?screening={screening.pk}"
    page = c.get(answer["Location"]).content.decode()
    assert f'value="{screening.pk}"' in page
    again = c.post("/mediation/screening/", {"area": tree.grids[0].pk, "nothing_found": "on"})
    assert again.status_code == 400 and "id_month" not in again.content.decode()
    assert "已" in again.content.decode() or "already" in again.content.decode()


def test_a_session_form_error_is_shown_next_to_its_field(tree, mediator):
    dispute = record(tree)
    answer = login(tree.users["worker"]).post(
        f"/mediation/{dispute.pk}/session/",
        {
            "session-held_at": "2026-01-01T10:00",
            "session-place": "",
            "session-notes": "n",
            "session-mediators": [mediator.pk],
        },
    )
    assert answer.status_code == 400 and "id_session-place-errors" in answer.content.decode()


def test_the_walk_on_the_pages_to_settled(tree, mediator):
    c = login(tree.users["worker"])
    dispute = mediated(tree, mediator)
    url = f"/mediation/{dispute.pk}"
    assert (
        c.post(
            f"{url}/conclude/", {"conclude-outcome": "agreement", "conclude-agreement_text": "维修"}
        ).status_code
        == 302
    )
    for party in dispute.parties.all():
        assert (
            c.post(f"{url}/signature/", {"signature-party": party.pk, "signature-file": photo()}).status_code
            == 302
        )
    assert c.get(f"{url}/agreement.pdf").content.startswith(b"%PDF")
    assert "维修" in c.get(f"{url}/agreement/").content.decode()
    assert c.post(f"{url}/follow/").status_code == 302
    assert c.post(f"{url}/visit/", {"visit-holding": "yes", "visit-note": "履行"}).status_code == 302
    assert c.post(f"{url}/settle/").status_code == 302
    assert Dispute.objects.get(pk=dispute.pk).status == "settled"
    assert c.post(f"{url}/session/", {}).status_code in (400, 409)


def test_a_party_is_added_on_the_page_and_a_missing_name_is_shown_next_to_it(tree):
    dispute = record(tree, parties=[{"role": "applicant", "name": "张某"}])
    c = login(tree.users["worker"])
    bad = c.post(f"/mediation/{dispute.pk}/party/", {"party-role": "respondent"})
    assert bad.status_code == 400 and "id_party-name-errors" in bad.content.decode()
    assert (
        c.post(
            f"/mediation/{dispute.pk}/party/", {"party-role": "respondent", "party-name": "李某"}
        ).status_code
        == 302
    )
    assert [p.name for p in dispute.parties.order_by("id")] == ["张某", "李某"]


def test_the_case_page_offers_the_dispute_and_then_links_it(tree):
    case = report(tree, Category.objects.get(code="06001"), title="邻里噪音", extra={"parties": 2})
    c = login(tree.users["centre"])
    assert f"/mediation/from-case/{case.pk}/" in c.get(f"/cases/{case.pk}/").content.decode()
    answer = c.post(f"/mediation/from-case/{case.pk}/")
    dispute = Dispute.objects.get(case=case)
    assert answer["Location"] == f"/mediation/{dispute.pk}/"
    assert dispute.number in c.get(f"/cases/{case.pk}/").content.decode()
    assert case.number in c.get(answer["Location"]).content.decode()
    assert login(tree.users["stranger"]).post(f"/mediation/from-case/{case.pk}/").status_code == 302
    assert Dispute.objects.count() == 1


def test_a_case_of_another_category_shows_no_dispute_box(tree):
    case = report(tree, Category.objects.get(code="05004"), title="护栏")
    assert "case-dispute" not in login(tree.users["centre"]).get(f"/cases/{case.pk}/").content.decode()


def test_mediators_are_listed_and_registered_by_staff(tree):
    c = login(tree.users["community"])
    answer = c.post(
        "/mediation/mediators/", {"name": "刘调解", "kind": "peoples", "area": tree.communities[0].pk}
    )
    assert answer.status_code == 302
    assert "刘调解" in login(tree.users["worker"]).get("/mediation/mediators/").content.decode()
    assert "刘调解" not in login(tree.users["community_b"]).get("/mediation/mediators/").content.decode()
    assert login(tree.users["worker"]).post("/mediation/mediators/", {"name": "x"}).status_code == 404


def test_signatures_are_served_only_in_scope(tree, mediator):
    dispute = mediated(tree, mediator)
    services.dispute_conclude(
        actor=tree.users["worker"], dispute_id=dispute.pk, outcome="agreement", agreement_text="x"
    )
    s = services.signature_record(
        actor=tree.users["worker"], dispute_id=dispute.pk, party_id=dispute.parties.first().pk, upload=photo()
    )
    assert login(tree.users["worker"]).get(f"/mediation/signatures/{s.pk}/").status_code == 200
    assert login(tree.users["worker2"]).get(f"/mediation/signatures/{s.pk}/").status_code == 404
    assert timezone.now()
