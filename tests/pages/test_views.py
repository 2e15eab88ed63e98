"""The case pages through Django's test client: each page, each form's error path, the scope."""

import pytest
from django.urls import reverse

from cases.models import Attachment, Case, CaseEvent, IdempotencyKey
from cases.services import case_accept, case_dispatch, case_file

from .conftest import login, photo, report

pytestmark = pytest.mark.django_db


def report_data(tree, **overrides):
    grid = tree.grids[0]
    data = {
        "category": "01001",
        "title": "东门垃圾堆放",
        "description": "三袋生活垃圾",
        "lat": grid.centroid_lat,
        "lon": grid.centroid_lon,
        "address": "东门",
        "idempotency_key": "k-1",
    }
    data.update(overrides)
    return data


# --- /cases/ ---------------------------------------------------------------------------------------


def test_it_shows_a_grid_worker_their_tasks_with_counts(client, tree, rubbish):
    mine = report(tree, rubbish)
    report(tree, rubbish, actor=tree.users["worker2"], grid=1, title="别人的案件")
    page = login(client, tree, "worker").get(reverse("cases:list"))
    assert page.status_code == 200
    tabs = [key for key, _label, _count in page.context["tabs"]]
    assert tabs[:2] == ["to_verify_mine", "my_reports"]
    assert "to_file" not in tabs
    counts = {key: count for key, _label, count in page.context["tabs"]}
    assert counts["my_reports"] == 1 and counts["to_verify_mine"] == 0
    listed = login(client, tree, "worker").get(reverse("cases:list"), {"queue": "my_reports"})
    assert [c.pk for c in listed.context["cases"]] == [mine.pk]
    assert "别人的案件" not in listed.content.decode()


def test_it_shows_staff_the_stage_queues_and_marks_overdue(client, tree, rubbish):
    late = report(tree, rubbish, title="超期的")
    Case.objects.filter(pk=late.pk).update(alert="red")
    report(tree, rubbish, title="准时的")
    page = login(client, tree, "community").get(reverse("cases:list"), {"queue": "to_file"})
    counts = {key: count for key, _label, count in page.context["tabs"]}
    assert counts["to_file"] == 2 and counts["overdue"] == 1 and counts["to_dispatch"] == 0
    html = page.content.decode()
    assert 'class="case-row alert-red"' in html
    overdue = client.get(reverse("cases:list"), {"queue": "overdue"})
    assert [c.title for c in overdue.context["cases"]] == ["超期的"]


def test_it_filters_by_text_and_keeps_the_filters_in_the_links(client, tree, rubbish):
    report(tree, rubbish, title="井边垃圾")
    report(tree, rubbish, title="路口垃圾")
    page = login(client, tree, "community").get(reverse("cases:list"), {"queue": "all", "q": "井边"})
    assert [c.title for c in page.context["cases"]] == ["井边垃圾"]
    assert page.context["tabs"][-1][2] == 1  # counts follow the filters
    assert "q=%E4%BA%95%E8%BE%B9" in page.content.decode()  # tab links keep the search


def test_a_search_from_one_tab_searches_all_the_users_cases_with_the_tab_counts(client, tree, rubbish):
    report(tree, rubbish, title="井边垃圾")
    filed = report(tree, rubbish, title="井边积水")
    case_file(case_id=filed.pk, actor=tree.users["community"])
    client = login(client, tree, "community")
    page = client.get(reverse("cases:list"), {"in": "to_file", "q": "井边"})  # the form, sent from "to file"
    assert page.context["current"] == "all"
    assert {c.title for c in page.context["cases"]} == {"井边垃圾", "井边积水"}
    counts = {key: n for key, _label, n in page.context["tabs"]}
    assert (counts["to_file"], counts["to_dispatch"], counts["all"]) == (1, 1, 2)
    narrowed = client.get(reverse("cases:list"), {"queue": "to_dispatch", "q": "井边"})  # then a tab
    assert [c.title for c in narrowed.context["cases"]] == ["井边积水"]
    kept = client.get(reverse("cases:list"), {"in": "to_file", "status": "reported"})  # no search: the tab
    assert kept.context["current"] == "to_file"


def test_unfiltered_the_all_tab_is_not_counted_and_the_others_are(client, tree, rubbish):
    report(tree, rubbish, title="井边垃圾")
    case_file(case_id=report(tree, rubbish, title="路口垃圾").pk, actor=tree.users["community"])
    page = login(client, tree, "community").get(reverse("cases:list"))
    counts = {key: n for key, _label, n in page.context["tabs"]}
    # Counting every case in a district's areas cost 0.3 s a page at a million; the other tabs still count.
    assert (counts["to_file"], counts["to_dispatch"], counts["all"]) == (1, 1, None)
    assert 'data-queue="all"' in page.content.decode()


def test_it_pages_by_id(client, tree, rubbish, monkeypatch):
    from cases.views import queues

    monkeypatch.setattr(queues, "PAGE_SIZE", 2)
    cases = [report(tree, rubbish, title=f"案件{i}") for i in range(5)]
    first = login(client, tree, "community").get(reverse("cases:list"), {"queue": "all"})
    assert [c.pk for c in first.context["cases"]] == [cases[4].pk, cases[3].pk]
    second = client.get(reverse("cases:list"), {"queue": "all", "after": first.context["next_after"]})
    assert [c.pk for c in second.context["cases"]] == [cases[2].pk, cases[1].pk]
    third = client.get(reverse("cases:list"), {"queue": "all", "after": second.context["next_after"]})
    assert [c.pk for c in third.context["cases"]] == [cases[0].pk] and third.context["next_after"] is None


def test_it_shows_a_department_handler_their_units_queue(client, tree, rubbish):
    case = report(tree, rubbish)
    case_file(case_id=case.pk, actor=tree.users["community"])
    case_dispatch(case_id=case.pk, actor=tree.users["community"], department=tree.departments[0])
    page = login(client, tree, "handler").get(reverse("cases:list"))
    assert page.context["current"] == "my_unit"
    assert [c.pk for c in page.context["cases"]] == [case.pk]


def test_it_redirects_anonymous_users_to_login(client):
    assert client.get(reverse("cases:list"))["Location"].startswith("/accounts/login/")


# --- /cases/new/ ----------------------------------------------------------------------------------


def test_it_reports_a_case_with_photos(client, tree, rubbish):
    data = report_data(tree, photos=[photo("a.jpg"), photo("b.jpg", color=(0, 90, 0))])
    response = login(client, tree, "worker").post(reverse("cases:report"), data)
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.pk])
    assert case.area == tree.grids[0] and case.reporter == tree.users["worker"]
    assert case.attachments.filter(kind="before").count() == 2


def test_a_retry_with_the_same_key_makes_no_second_case(client, tree, rubbish):
    login(client, tree, "worker")
    first = client.post(reverse("cases:report"), report_data(tree))
    again = client.post(reverse("cases:report"), report_data(tree))
    assert Case.objects.count() == 1 and IdempotencyKey.objects.count() == 1
    assert first["Location"] == again["Location"]


def test_the_report_form_carries_a_fresh_key_and_most_used_categories_first(client, tree, rubbish):
    report(tree, rubbish)
    page = login(client, tree, "worker").get(reverse("cases:report"))
    key = page.context["form"]["idempotency_key"].value()
    assert (
        len(key) == 32
        and key != client.get(reverse("cases:report")).context["form"]["idempotency_key"].value()
    )
    assert [c.code for c in page.context["favourites"]] == ["01001"]
    html = page.content.decode()
    assert 'capture="environment"' in html and 'accept="image/*"' in html and "multiple" in html


def test_it_shows_report_errors_next_to_fields_and_keeps_the_input(client, tree, rubbish):
    data = report_data(tree, title="", category="01001", description="留着的描述", lat="", lon="")
    page = login(client, tree, "worker").post(reverse("cases:report"), data)
    assert page.status_code == 400 and Case.objects.count() == 0
    html = page.content.decode()
    assert 'id="id_title-error"' in html and 'id="id_lat-error"' in html
    assert "留着的描述" in html and 'value="k-1"' in html  # typed text and the same key are kept


def test_it_puts_an_outside_point_error_by_the_map(client, tree, rubbish):
    page = login(client, tree, "worker").post(reverse("cases:report"), report_data(tree, lat=10, lon=10))
    assert page.status_code == 400 and Case.objects.count() == 0
    assert "outside every grid" in str(page.context["form"].errors["lat"])


def test_it_shows_missing_extra_fields_next_to_them(client, tree, catalogue):
    data = report_data(tree, category="06001")  # 邻里纠纷 needs the number of parties
    page = login(client, tree, "worker").post(reverse("cases:report"), data)
    assert page.status_code == 400 and Case.objects.count() == 0
    assert 'id="extra-06001-parties-error"' in page.content.decode()
    data["extra.parties"] = "3"
    assert client.post(reverse("cases:report"), {**data, "idempotency_key": "k-2"}).status_code == 302
    assert Case.objects.get().extra == {"parties": 3.0}


def test_it_reports_a_self_handled_case_with_after_photos(client, tree, rubbish):
    data = report_data(tree, self_handled="on", self_handled_result="当场清理", after_photos=[photo()])
    response = login(client, tree, "worker").post(reverse("cases:report"), data)
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.status == "self_handled" and case.attachments.filter(kind="after").count() == 1


def test_it_asks_what_was_done_when_self_handled(client, tree, rubbish):
    page = login(client, tree, "worker").post(reverse("cases:report"), report_data(tree, self_handled="on"))
    assert page.status_code == 400 and 'id="id_self_handled_result-error"' in page.content.decode()


def test_it_refuses_a_report_outside_ones_own_areas(client, tree, rubbish):
    grid = tree.grids[7]
    page = login(client, tree, "worker").post(
        reverse("cases:report"), report_data(tree, lat=grid.centroid_lat, lon=grid.centroid_lon)
    )
    assert page.status_code == 400 and Case.objects.count() == 0
    assert "only in your own areas" in page.content.decode()


# --- /cases/<id>/ ---------------------------------------------------------------------------------


def test_the_case_page_shows_only_the_actions_this_user_may_take(client, tree, rubbish):
    case = report(tree, rubbish, before_photos=[photo()])
    page = login(client, tree, "community").get(reverse("cases:detail", args=[case.pk]))
    assert [a["name"] for a in page.context["actions"]] == ["file", "void", "escalate", "merge"]
    assert [a["name"] for a in page.context["side_actions"]] == ["whistle", "correct-area"]
    html = page.content.decode()
    assert reverse("cases:act", args=[case.pk, "file"]) in html
    assert (
        reverse("cases:thumbnail", args=[Attachment.objects.get(case=case).pk]) in html
        and "/media/" not in html
    )
    worker_page = login(client, tree, "worker").get(reverse("cases:detail", args=[case.pk]))
    assert [a["name"] for a in worker_page.context["actions"]] == []
    assert (
        worker_page.context["side_actions"] == []
        and 'data-action="whistle"' not in worker_page.content.decode()
    )


def test_the_case_page_is_404_out_of_scope(client, tree, rubbish):
    case = report(tree, rubbish)
    assert login(client, tree, "community_b").get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert client.post(reverse("cases:act", args=[case.pk, "file"]), {"version": 1}).status_code == 404
    assert case.events.count() == 1


def test_an_action_runs_the_service(client, tree, rubbish):
    case = report(tree, rubbish)
    response = login(client, tree, "community").post(
        reverse("cases:act", args=[case.pk, "file"]), {"version": case.version, "comment": "属实"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "filed" and case.events.last().comment == "属实"


def test_a_dispatch_without_a_unit_shows_the_error_by_the_field_and_keeps_the_input(client, tree, rubbish):
    case = report(tree, rubbish)
    case_file(case_id=case.pk, actor=tree.users["community"])
    case.refresh_from_db()
    page = login(client, tree, "community").post(
        reverse("cases:act", args=[case.pk, "dispatch"]), {"version": case.version, "comment": "请尽快"}
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert 'id="dispatch-department-error"' in html and "请尽快" in html
    assert page.context["open_action"] == "dispatch"
    case.refresh_from_db()
    assert case.status == "filed" and case.handling_department is None
    departments, _teams = page.context["dispatch_choices"]
    assert [(d.code, suggested) for d, suggested in departments][:1] == [("CG", True)]  # covering one first


def test_a_stale_version_says_so_and_changes_nothing(client, tree, rubbish):
    case = report(tree, rubbish)
    login(client, tree, "community")
    response = client.post(
        reverse("cases:act", args=[case.pk, "file"]), {"version": case.version + 5}, follow=True
    )
    assert "Someone changed this case" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "reported"


def test_an_action_not_open_to_the_user_is_refused_with_a_message(client, tree, rubbish):
    case = report(tree, rubbish)
    response = login(client, tree, "worker").post(
        reverse("cases:act", args=[case.pk, "file"]), {"version": case.version}, follow=True
    )
    assert "not possible for you" in response.content.decode()
    assert Case.objects.get().status == "reported"


def test_feedback_without_the_required_after_photo_is_refused_by_the_field(client, tree, rubbish):
    case = report(tree, rubbish)
    case_file(case_id=case.pk, actor=tree.users["community"])
    case_dispatch(case_id=case.pk, actor=tree.users["community"], department=tree.departments[0])
    case_accept(case_id=case.pk, actor=tree.users["handler"])
    events = CaseEvent.objects.count()
    page = login(client, tree, "handler").post(
        reverse("cases:act", args=[case.pk, "feedback"]), {"result": "已清理"}
    )
    assert (
        page.status_code == 400
        and "after-photo" in page.content.decode()
        and "已清理" in page.content.decode()
    )
    assert CaseEvent.objects.count() == events and Case.objects.get().status == "accepted"
    done = client.post(
        reverse("cases:act", args=[case.pk, "feedback"]), {"result": "已清理", "photos": [photo()]}
    )
    assert done.status_code == 302 and Case.objects.get().status == "handled"


def test_the_evaluate_form_requires_a_rating(client, tree, rubbish):
    case = report(tree, rubbish)
    Case.objects.filter(pk=case.pk).update(status="closed")
    page = login(client, tree, "worker").post(
        reverse("cases:act", args=[case.pk, "evaluate"]), {"comment": "好"}
    )
    assert page.status_code == 400 and 'id="evaluate-satisfaction-error"' in page.content.decode()


# --- Files through the scope ------------------------------------------------------------------------


def test_photos_are_served_only_within_scope(client, tree, rubbish):
    case = report(tree, rubbish, before_photos=[photo()])
    attachment = Attachment.objects.get(case=case)
    login(client, tree, "community")
    full = client.get(reverse("cases:attachment", args=[attachment.pk]))
    thumb = client.get(reverse("cases:thumbnail", args=[attachment.pk]))
    assert (
        full.status_code == 200
        and full["Content-Type"] == "image/jpeg"
        and "private" in full["Cache-Control"]
    )
    assert b"".join(thumb.streaming_content)[:3] == b"\xff\xd8\xff"
    login(client, tree, "community_b")
    assert client.get(reverse("cases:attachment", args=[attachment.pk])).status_code == 404
    assert client.get(reverse("cases:thumbnail", args=[attachment.pk])).status_code == 404


def test_grid_boundaries_are_the_users_own(client, tree):
    body = login(client, tree, "worker").get(reverse("cases:grids")).json()
    assert [f["properties"]["code"] for f in body["features"]] == [tree.grids[0].code]
    assert body["features"][0]["geometry"]["type"] == "Polygon"


def test_the_pages_speak_chinese_by_default(client, tree, rubbish, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    report(tree, rubbish)
    html = login(client, tree, "community").get(reverse("cases:list")).content.decode()
    assert "待立案" in html and "上报案件" in html
    assert "基本信息" in client.get(reverse("cases:detail", args=[Case.objects.get().pk])).content.decode()


def test_the_queue_page_costs_the_same_for_many_cases(client, tree, rubbish, django_assert_max_num_queries):
    for i in range(12):
        report(tree, rubbish, title=f"案件{i}")
    login(client, tree, "community").get(reverse("cases:list"))  # warm the per-process caches
    # session, user, reach, own reports outside the community, queue counts, the page, categories, and the
    # nav's unread notices; 10 since risk's predicted-overdue badges read the stage's history and the
    # rates behind it (two queries a page, whatever its length)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("cases:list"), {"queue": "all"})
    assert len(page.context["cases"]) == 12


def test_the_case_page_costs_a_bounded_number_of_queries(
    client, tree, rubbish, django_assert_max_num_queries
):
    from cases.services import case_attach
    from dispatch.services import whistle_summon

    case = report(tree, rubbish, before_photos=[photo()])
    report(tree, rubbish, title="附近的另一件")  # a merge candidate
    staff = tree.users["community"]
    whistle_summon(case_id=case.pk, actor=staff, departments=tree.departments, reason="一")
    login(client, tree, "community").get(reverse("cases:detail", args=[case.pk]))
    # 16 since the case scope lists the reporter's followed cases outside their areas (one small query);
    # 18 since the nav counts unread notices and the note form lists the category's canned replies
    # 19 since the page names the task result a case was raised from (tasks); 20 since it names the grid-day
    # visit a case was found on (fieldwork); 22 since a case whose stage clock runs reads its category's
    # history for the predicted-overdue badge (risk, docs/domain.md §17.1: two grouped queries); 24 since
    # it names the council decisions that raised the case or put it on an agenda (community: two queries)
    with django_assert_max_num_queries(24) as few:
        client.get(reverse("cases:detail", args=[case.pk]))
    # More photos, events and whistles cost no more queries.
    case_attach(case_id=case.pk, actor=staff, files=[photo(), photo(color=(0, 0, 200))])
    for reason in ("二", "三"):
        whistle_summon(case_id=case.pk, actor=staff, departments=tree.departments, reason=reason)
    with django_assert_max_num_queries(len(few)):
        page = client.get(reverse("cases:detail", args=[case.pk]))
    assert len(page.context["whistles"]) == 3 and len(page.context["photos"]) == 3


def test_the_dispatch_form_offers_the_routing_rules_unit_first(client, tree, rubbish):
    from dispatch.models import RoutingRule, TeamKind

    RoutingRule.objects.create(category=rubbish, owner_area=tree.district, team=TeamKind.GRID, priority=1)
    case = report(tree, rubbish)
    case_file(case_id=case.pk, actor=tree.users["community"])
    page = login(client, tree, "community").get(reverse("cases:detail", args=[case.pk]))
    departments, teams = page.context["dispatch_choices"]
    assert teams[0] == (tree.grids[0], True) and (tree.communities[0], False) in teams
    assert departments[0] == (tree.departments[0], True)
    assert "(suggested)" in page.content.decode()


def test_it_filters_by_time_state_and_keeps_it_in_the_tab_links(client, tree, rubbish):
    late, _ok = report(tree, rubbish, title="黄牌的"), report(tree, rubbish, title="正常的")
    Case.objects.filter(pk=late.pk).update(alert="yellow")
    page = login(client, tree, "community").get(reverse("cases:list"), {"queue": "all", "alert": "yellow"})
    assert [c.title for c in page.context["cases"]] == ["黄牌的"]
    assert "alert=yellow" in page.content.decode() and page.context["tabs"][-1][2] == 1
    assert {k: n for k, _label, n in page.context["tabs"]}["warning"] == 1
