"""The case page's note form (with canned replies) and the named-handler forms (name the handler, "我来办"):
the buttons each role gets, the writes, errors by the field with the input kept, out of scope 404."""

import pytest
from django.urls import reverse

from cases.models import CannedReply, Case, CaseEvent
from cases.services import case_assign, case_dispatch, case_file, case_note

from .conftest import login, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(tree, rubbish):
    case = report(tree, rubbish)
    case_file(case_id=case.pk, actor=tree.users["community"])
    case_dispatch(case_id=case.pk, actor=tree.users["community"], team=tree.grids[0])
    return Case.objects.get(pk=case.pk)


def buttons(client, case):
    page = client.get(reverse("cases:detail", args=[case.pk]))
    return {a["name"] for a in page.context["handling_actions"]}


def test_each_role_gets_its_buttons(client, tree, case):
    assert {"take", "assign", "note"} <= buttons(login(client, tree, "leader"), case)
    worker = buttons(login(client, tree, "worker"), case)
    assert {"take", "note"} <= worker and "assign" not in worker
    community = buttons(login(client, tree, "community"), case)
    assert {"assign", "note"} <= community and "take" not in community  # not a member of the grid team
    street = buttons(login(client, tree, "street"), case)  # the acting unit above: names, does not take
    assert {"assign", "note"} <= street and "take" not in street
    case_assign(case_id=case.pk, actor=tree.users["leader"], assignee=tree.users["worker"])
    assert "take" not in buttons(login(client, tree, "worker"), case)  # already theirs


def test_the_note_form_writes_a_public_note_from_a_canned_reply(client, tree, case, rubbish):
    reply = CannedReply.objects.create(category=rubbish, title="已派人", text="已安排人员处理。")
    page = login(client, tree, "worker").get(reverse("cases:detail", args=[case.pk]))
    html = page.content.decode()
    assert 'data-text="已安排人员处理。"' in html and "已派人" in html
    response = client.post(
        reverse("cases:note", args=[case.pk]), {"canned": reply.pk, "public": "1", "text": ""}
    )
    assert response.status_code == 302
    event = CaseEvent.objects.filter(case=case).latest("seq")
    assert (event.kind, event.comment) == ("note_public", "已安排人员处理。")
    timeline = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'class="note note_public"' in timeline and "已安排人员处理。" in timeline


def test_an_empty_note_is_refused_by_the_field_and_nothing_is_written(client, tree, case):
    before = CaseEvent.objects.count()
    page = login(client, tree, "worker").post(
        reverse("cases:note", args=[case.pk]), {"text": " ", "public": "0"}
    )
    assert page.status_code == 400 and page.context["open_action"] == "note"
    assert 'id="note-text-error"' in page.content.decode()
    assert CaseEvent.objects.count() == before


def test_outsiders_get_404_and_reporters_who_only_follow_are_refused(client, tree, case):
    assert (
        login(client, tree, "community_b")
        .post(reverse("cases:note", args=[case.pk]), {"text": "x"})
        .status_code
        == 404
    )
    Case.objects.filter(pk=case.pk).update(reporter=tree.users["stranger"])
    response = login(client, tree, "stranger").post(reverse("cases:note", args=[case.pk]), {"text": "x"})
    assert response.status_code == 302 and not CaseEvent.objects.filter(kind="note").exists()
    case_note(case_id=case.pk, actor=tree.users["worker"], text="内部的话")
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "内部的话" not in page


def test_the_leader_names_the_handler_and_the_page_shows_it(client, tree, case):
    page = login(client, tree, "leader").get(reverse("cases:detail", args=[case.pk]))
    assign = next(a for a in page.context["handling_actions"] if a["name"] == "assign")
    assert {m.username for m in assign["members"]} == {"worker", "leader"}
    response = client.post(reverse("cases:assign", args=[case.pk]), {"assignee": tree.users["worker"].pk})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).assignee == tree.users["worker"]
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="case-assignee">worker<' in html


def test_take_names_oneself(client, tree, case):
    response = login(client, tree, "worker").post(reverse("cases:assign", args=[case.pk]), {"take": "1"})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).assignee == tree.users["worker"]


def test_naming_someone_outside_the_unit_is_refused_by_the_field(client, tree, case):
    for bad in (tree.users["worker2"].pk, 999999, "abc"):
        page = login(client, tree, "leader").post(reverse("cases:assign", args=[case.pk]), {"assignee": bad})
        assert page.status_code == 400 and page.context["open_action"] == "assign"
        assert 'id="assign-assignee-error"' in page.content.decode()
    assert Case.objects.get(pk=case.pk).assignee is None


def test_a_worker_may_not_name_a_colleague_through_the_form(client, tree, case):
    response = login(client, tree, "worker").post(
        reverse("cases:assign", args=[case.pk]), {"assignee": tree.users["leader"].pk}
    )
    assert response.status_code == 302 and Case.objects.get(pk=case.pk).assignee is None
