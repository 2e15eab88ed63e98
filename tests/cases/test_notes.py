"""Progress notes on a case (cases.services.case_note): internal or for the reporter, canned replies per
category, who may write them and who reads them (the case page, the API timeline, the tracking page)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from cases import services
from cases.models import CannedReply, Case, CaseEvent
from cases.selectors import canned_replies_for, case_timeline_for
from cases.tokens import citizen_token
from intake.citizens import tracking_for

from .conftest import report

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(tree, rubbish):
    case = report(tree, rubbish)
    services.case_file(case_id=case.pk, actor=tree.users["community"])
    services.case_dispatch(case_id=case.pk, actor=tree.users["community"], department=tree.departments[0])
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def canned(rubbish):
    return CannedReply.objects.create(category=rubbish, title="已派人", text="已安排人员清运，请耐心等待。")


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_it_writes_an_internal_note_as_an_event_and_leaves_the_case_as_it_was(case, tree):
    version = case.version
    event = services.case_note(case_id=case.pk, actor=tree.users["handler"], text="  明早带车去  ")
    assert (event.kind, event.comment, event.actor_id) == ("note", "明早带车去", tree.users["handler"].pk)
    assert event.from_status == event.to_status == "dispatched"
    case.refresh_from_db()
    assert case.version == version and case.last_event_seq == event.seq


def test_it_takes_the_canned_replys_text_when_none_is_written(case, tree, canned):
    event = services.case_note(case_id=case.pk, actor=tree.users["community"], public=True, canned=canned)
    assert (event.kind, event.comment, event.payload) == ("note_public", canned.text, {"canned": canned.pk})
    own = services.case_note(case_id=case.pk, actor=tree.users["community"], text="改过的话", canned=canned)
    assert own.comment == "改过的话"


def test_it_refuses_a_canned_reply_of_another_category(case, tree, catalogue):
    from cases.models import Category

    other = CannedReply.objects.create(category=Category.objects.get(code="06001"), title="t", text="x")
    with pytest.raises(ValidationError) as refused:
        services.case_note(case_id=case.pk, actor=tree.users["community"], canned=other)
    assert "canned" in refused.value.message_dict
    assert not CaseEvent.objects.filter(kind__in=["note", "note_public"]).exists()


def test_a_major_class_reply_serves_its_minors(rubbish):
    major = CannedReply.objects.create(category=rubbish.parent, title="通用", text="收到", sort_order=2)
    own = CannedReply.objects.create(category=rubbish, title="专用", text="已清运", sort_order=1)
    CannedReply.objects.create(category=rubbish, title="停用", text="x", is_active=False)
    assert list(canned_replies_for(rubbish)) == [own, major]


@pytest.mark.parametrize("text", ["", "   ", "长" * 2001])
def test_it_refuses_an_empty_or_overlong_note(case, tree, text):
    with pytest.raises(ValidationError) as refused:
        services.case_note(case_id=case.pk, actor=tree.users["community"], text=text)
    assert "text" in refused.value.message_dict


@pytest.mark.parametrize("name", ["stranger", "worker2", "community_b"])
def test_only_the_case_unit_the_handlers_and_the_grid_team_write_notes(case, tree, name):
    with pytest.raises(PermissionDenied):
        services.case_note(case_id=case.pk, actor=tree.users[name], text="x")
    for writer in ("community", "handler", "worker", "leader", "centre"):
        services.case_note(case_id=case.pk, actor=tree.users[writer], text=writer)


def test_a_public_note_reaches_the_tracking_page_and_an_internal_one_never(case, tree):
    services.case_note(case_id=case.pk, actor=tree.users["handler"], text="内部：车辆维修中")
    services.case_note(case_id=case.pk, actor=tree.users["handler"], text="已安排明早清运", public=True)
    tracking = tracking_for(citizen_token(case))
    details = [m.detail for m in tracking.milestones]
    assert "已安排明早清运" in details
    assert not any("车辆维修" in d for d in details)


def test_a_reporter_who_only_follows_the_case_reads_no_internal_note(case, tree):
    services.case_note(case_id=case.pk, actor=tree.users["handler"], text="内部")
    services.case_note(case_id=case.pk, actor=tree.users["handler"], text="公开", public=True)
    Case.objects.filter(pk=case.pk).update(reporter=tree.users["stranger"])
    case.refresh_from_db()
    kinds = lambda user: {e.kind for e in case_timeline_for(case, user)}  # noqa: E731
    assert {"note", "note_public"} <= kinds(tree.users["community"])
    assert {"note", "note_public"} <= kinds(tree.users["handler"])
    assert "note" not in kinds(tree.users["stranger"]) and "note_public" in kinds(tree.users["stranger"])
    api = client_for(tree.users["stranger"]).get(f"/api/v1/cases/{case.pk}/timeline/").json()
    assert [e["comment"] for e in api if e["kind"].startswith("note")] == ["公开"]


# --- The API: owner (the case's unit), member (sees the case, may not write), stranger ------------------


def test_api_note_owner_member_stranger(case, tree, canned):
    url = f"/api/v1/cases/{case.pk}/note/"
    owner = client_for(tree.users["community"]).post(
        url, {"canned": canned.pk, "public": True}, format="json"
    )
    assert owner.status_code == 201, owner.json()
    assert (owner.json()["kind"], owner.json()["comment"]) == ("note_public", canned.text)
    Case.objects.filter(pk=case.pk).update(reporter=tree.users["stranger"])
    member = client_for(tree.users["stranger"]).post(url, {"text": "我也想写"}, format="json")
    assert member.status_code == 403
    outsider = client_for(tree.users["community_b"]).post(url, {"text": "x"}, format="json")
    assert outsider.status_code == 404
    empty = client_for(tree.users["community"]).post(url, {"text": ""}, format="json")
    assert empty.status_code == 400 and "text" in empty.json()["fields"]
    assert CaseEvent.objects.filter(case=case, kind__startswith="note").count() == 1


def test_api_canned_replies_by_category(tree, canned, rubbish):
    client = client_for(tree.users["worker"])
    rows = client.get("/api/v1/canned-replies/", {"category": rubbish.code}).json()
    assert [(r["id"], r["category"], r["public"]) for r in rows] == [(canned.pk, rubbish.code, True)]
    assert client.get("/api/v1/canned-replies/", {"category": "nope"}).json() == []
    assert client.get(f"/api/v1/canned-replies/{canned.pk}/").status_code == 200
