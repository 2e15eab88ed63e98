"""The case page's further forms: merge, phone callback, whistle and arrival, grid correction; and the
report form's possible-duplicates list. Each error path shows messages by the fields, keeps the input and
changes nothing; out of scope is 404."""

import pytest
from django.urls import reverse

from cases.models import Case, CaseEvent
from cases.services import case_close, case_dispatch, case_file
from dispatch.models import Whistle, WhistleCall

from .conftest import login, report

pytestmark = pytest.mark.django_db


def act(client, case, name, data):
    return client.post(reverse("cases:act", args=[case.pk, name]), {"version": case.version, **data})


def events(case):
    return CaseEvent.objects.filter(case=case).count()


# --- Merge (合并) ------------------------------------------------------------------------------------


def test_the_merge_form_offers_nearby_originals_and_merges(client, tree, rubbish):
    original = report(tree, rubbish, title="原案")
    duplicate = report(tree, rubbish, title="重复的")
    page = login(client, tree, "community").get(reverse("cases:detail", args=[duplicate.pk]))
    assert [c.case.pk for c in page.context["merge_candidates"]] == [original.pk]
    assert f'data-value="{original.number}"' in page.content.decode()
    response = act(client, duplicate, "merge", {"into": original.number, "reason": "同一堆垃圾"})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == "closed" and duplicate.duplicate_of == original
    merged = client.get(reverse("cases:detail", args=[duplicate.pk])).content.decode()
    assert reverse("cases:detail", args=[original.pk]) in merged and 'class="merged-note"' in merged


def test_a_merge_into_an_unknown_case_says_so_by_the_field(client, tree, rubbish):
    duplicate = report(tree, rubbish)
    before = events(duplicate)
    page = act(
        login(client, tree, "community"), duplicate, "merge", {"into": "NO-SUCH", "reason": "保留的理由"}
    )
    assert page.status_code == 400 and page.context["open_action"] == "merge"
    html = page.content.decode()
    assert 'id="merge-into-error"' in html and 'value="NO-SUCH"' in html and "保留的理由" in html
    assert Case.objects.get(pk=duplicate.pk).status == "reported" and events(duplicate) == before


def test_a_merge_without_a_reason_is_refused_by_the_field(client, tree, rubbish):
    original, duplicate = report(tree, rubbish), report(tree, rubbish)
    page = act(login(client, tree, "community"), duplicate, "merge", {"into": original.number})
    assert page.status_code == 400 and 'id="merge-reason-error"' in page.content.decode()
    assert Case.objects.get(pk=duplicate.pk).duplicate_of is None


# --- Evaluate: reporter or phone callback -----------------------------------------------------------


def closed(tree, category):
    case = report(tree, category)
    Case.objects.filter(pk=case.pk).update(status="verified")
    case_close(case_id=case.pk, actor=tree.users["community"])
    case.refresh_from_db()
    return case


def test_staff_record_a_phone_callback(client, tree, rubbish):
    case = closed(tree, rubbish)
    page = login(client, tree, "community").get(reverse("cases:detail", args=[case.pk]))
    assert page.context["channels"] == [("phone", page.context["channels"][0][1])]
    assert act(client, case, "evaluate", {"satisfaction": "satisfied"}).status_code == 302
    event = case.events.order_by("seq").last()
    assert event.kind == "evaluate" and event.payload["channel"] == "phone"


def test_the_reporter_rates_as_the_reporter_and_cannot_claim_a_phone_call(client, tree, rubbish):
    case = closed(tree, rubbish)
    login(client, tree, "worker")
    refused = act(client, case, "evaluate", {"satisfaction": "satisfied", "channel": "phone"})
    assert refused.status_code == 400 and 'id="evaluate-channel-error"' in refused.content.decode()
    assert Case.objects.get(pk=case.pk).status == "closed"
    assert act(client, case, "evaluate", {"satisfaction": "basically_satisfied"}).status_code == 302
    assert case.events.order_by("seq").last().payload["channel"] == "reporter"


# --- Whistle (吹哨报到) and arrival (报到) ----------------------------------------------------------


def test_a_whistle_without_departments_shows_the_error_and_keeps_the_reason(client, tree, rubbish):
    case = report(tree, rubbish)
    page = login(client, tree, "community").post(
        reverse("dispatch:whistle", args=[case.pk]), {"reason": "多部门联合处置", "minutes": "20"}
    )
    assert page.status_code == 400 and page.context["open_action"] == "whistle"
    html = page.content.decode()
    assert 'id="whistle-departments-error"' in html and "多部门联合处置" in html and 'value="20"' in html
    assert not Whistle.objects.exists()


def test_staff_whistle_and_the_summoned_department_reports_on_site(client, tree, rubbish):
    case = report(tree, rubbish)
    # The department must see the case to open its page: here it handles it too.
    case_file(case_id=case.pk, actor=tree.users["community"])
    case_dispatch(case_id=case.pk, actor=tree.users["community"], department=tree.departments[0])
    response = login(client, tree, "community").post(
        reverse("dispatch:whistle", args=[case.pk]),
        {"departments": ["CG"], "reason": "占道", "minutes": "30"},
    )
    assert response.status_code == 302
    call = WhistleCall.objects.get()
    assert call.department.code == "CG" and call.status == "pending"
    page = login(client, tree, "handler").get(reverse("cases:detail", args=[case.pk]))
    assert [a["name"] for a in page.context["side_actions"]] == [f"arrive-{call.pk}"]
    done = client.post(
        reverse("dispatch:arrive", args=[case.pk, call.pk]), {"note": "东门", "lat": "28.2", "lon": "112.9"}
    )
    assert done.status_code == 302
    call.refresh_from_db()
    assert call.status == "arrived" and call.arrival_note == "东门" and call.arrival_lat == 28.2
    shown = client.get(reverse("cases:detail", args=[case.pk]))
    assert shown.context["side_actions"] == [] and 'class="call call-arrived"' in shown.content.decode()


def test_only_staff_over_the_case_may_whistle(client, tree, rubbish):
    case = report(tree, rubbish)
    login(client, tree, "worker").post(
        reverse("dispatch:whistle", args=[case.pk]), {"departments": ["CG"], "reason": "x"}
    )
    assert not Whistle.objects.exists()
    assert (
        login(client, tree, "community_b")
        .post(reverse("dispatch:whistle", args=[case.pk]), {"departments": ["CG"], "reason": "x"})
        .status_code
        == 404
    )
    assert not Whistle.objects.exists()


def test_an_arrival_for_another_department_is_refused(client, tree, rubbish):
    case = report(tree, rubbish)
    login(client, tree, "community").post(
        reverse("dispatch:whistle", args=[case.pk]), {"departments": ["CG"], "reason": "x"}
    )
    call = WhistleCall.objects.get()
    login(client, tree, "community").post(
        reverse("dispatch:arrive", args=[case.pk, call.pk]), {"note": "冒充"}
    )
    call.refresh_from_db()
    assert call.status == "pending"


# --- Correct the grid ---------------------------------------------------------------------------------


def test_staff_correct_the_grid_with_a_reason(client, tree, rubbish):
    case = report(tree, rubbish)
    page = login(client, tree, "community").get(reverse("cases:detail", args=[case.pk]))
    side = {a["name"]: a for a in page.context["side_actions"]}
    offered = [g.code for g in side["correct-area"]["grids"]]
    assert offered == [tree.grids[0].code, tree.grids[1].code]  # the community's grids, not the neighbour's
    missing = client.post(
        reverse("cases:correct-area", args=[case.pk]), {"version": case.version, "area": tree.grids[1].code}
    )
    assert missing.status_code == 400 and 'id="correct-area-reason-error"' in missing.content.decode()
    assert Case.objects.get(pk=case.pk).area == tree.grids[0]
    moved = client.post(
        reverse("cases:correct-area", args=[case.pk]),
        {"version": case.version, "area": tree.grids[1].code, "reason": "位置在隔壁网格"},
    )
    assert moved.status_code == 302 and Case.objects.get(pk=case.pk).area == tree.grids[1]


def test_a_stranger_gets_404_from_every_case_form(client, tree, rubbish):
    case = report(tree, rubbish)
    login(client, tree, "stranger")
    for url in (
        reverse("dispatch:whistle", args=[case.pk]),
        reverse("cases:correct-area", args=[case.pk]),
        reverse("dispatch:arrive", args=[case.pk, 1]),
        reverse("cases:act", args=[case.pk, "merge"]),
    ):
        assert client.post(url, {"reason": "x", "area": tree.grids[1].code}).status_code == 404
    assert events(case) == 1


# --- The report form's possible duplicates -----------------------------------------------------------


def test_the_report_form_lists_open_cases_of_the_kind_nearby(client, tree, rubbish, catalogue):
    near = report(tree, rubbish, title="已有的垃圾")
    grid = tree.grids[0]
    url = reverse("cases:duplicates")
    page = login(client, tree, "worker").get(
        url, {"category": "01001", "lat": grid.centroid_lat, "lon": grid.centroid_lon}
    )
    assert page.status_code == 200 and "已有的垃圾" in page.content.decode()
    assert reverse("cases:detail", args=[near.pk]) in page.content.decode()
    other_kind = client.get(url, {"category": "06001", "lat": grid.centroid_lat, "lon": grid.centroid_lon})
    assert other_kind.content.decode().strip() == ""
    assert client.get(url, {"category": "01001", "lat": "x"}).content.decode().strip() == ""
    # Someone who cannot see the case is not told about it.
    stranger = login(client, tree, "worker2").get(
        url, {"category": "01001", "lat": grid.centroid_lat, "lon": grid.centroid_lon}
    )
    assert "已有的垃圾" not in stranger.content.decode()


def test_the_report_page_asks_for_duplicates_when_the_point_or_category_changes(client, tree, rubbish):
    html = login(client, tree, "worker").get(reverse("cases:report")).content.decode()
    assert f'hx-get="{reverse("cases:duplicates")}"' in html and "gg:place from:body" in html


def test_a_dispatched_case_offers_no_grid_correction_to_the_handler(client, tree, rubbish):
    case = report(tree, rubbish)
    case_file(case_id=case.pk, actor=tree.users["community"])
    case_dispatch(case_id=case.pk, actor=tree.users["community"], department=tree.departments[0])
    page = login(client, tree, "handler").get(reverse("cases:detail", args=[case.pk]))
    assert [a["name"] for a in page.context["actions"]] == ["return", "accept"]
    assert page.context["side_actions"] == []


# --- Where an action lands ----------------------------------------------------------------------------


def test_it_lands_a_unit_that_returns_a_case_on_its_queue_not_a_404(client, tree, rubbish):
    case = report(tree, rubbish)
    case_file(case_id=case.pk, actor=tree.users["community"])
    case = case_dispatch(case_id=case.pk, actor=tree.users["community"], department=tree.departments[0])
    response = act(login(client, tree, "handler"), case, "return", {"reason": "不属于本单位职责"})
    assert response.status_code == 302 and response["Location"] == reverse("cases:list")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert case.number in page.content.decode()  # "…案件 N 已不在您的队列中"
    assert Case.objects.get(pk=case.pk).status == "filed"


def test_it_lands_on_the_case_while_the_actor_still_sees_it(client, tree, rubbish):
    case = report(tree, rubbish)
    response = act(login(client, tree, "community"), case, "file", {})
    assert response["Location"] == reverse("cases:detail", args=[case.pk])


def test_it_lands_a_merge_on_the_original(client, tree, rubbish):
    original, duplicate = report(tree, rubbish, title="原案"), report(tree, rubbish, title="重复的")
    response = act(
        login(client, tree, "community"), duplicate, "merge", {"into": original.number, "reason": "同一处"}
    )
    assert response["Location"] == reverse("cases:detail", args=[original.pk])
