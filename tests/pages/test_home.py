"""The home page: each role's work at a glance, with counts that link to the queues."""

import datetime as dt

import pytest
from django.urls import reverse

from cases.models import Case
from cases.services import case_accept, case_dispatch, case_feedback, case_file
from tests.residents.conftest import register  # noqa: F401 — the residents register fixture

from .conftest import login, photo, report

pytestmark = pytest.mark.django_db


def tiles(page):
    return {t["key"]: t["count"] for _name, group in page.context["groups"] for t in group}


def handled(tree, category, **kwargs):
    case = report(tree, category, **kwargs)
    staff, handler = tree.users["community"], tree.users["handler"]
    case_file(case_id=case.pk, actor=staff)
    case_dispatch(case_id=case.pk, actor=staff, department=tree.departments[0])
    case_accept(case_id=case.pk, actor=handler)
    case_feedback(case_id=case.pk, actor=handler, result="已清理", photos=[photo()])
    return case


def test_it_shows_a_grid_worker_what_to_verify_report_and_rate(client, tree, rubbish):
    handled(tree, rubbish, actor=tree.users["leader"], title="网格长报的")  # in the worker's grid: to verify
    report(tree, rubbish, title="我的在办")
    rated = report(tree, rubbish, title="待评价")
    Case.objects.filter(pk=rated.pk).update(status="closed")
    page = login(client, tree, "worker").get(reverse("home"))
    assert page.status_code == 200
    assert [name for name, _tiles in page.context["groups"]] == ["worker"]
    assert tiles(page) == {"to_verify_mine": 1, "my_open_reports": 1, "to_rate": 1}
    html = page.content.decode()
    assert 'href="/cases/?queue=to_verify_mine"' in html and reverse("cases:report") in html
    assert [c.title for c in page.context["recent_reports"]] == ["待评价", "我的在办"]


def test_it_counts_the_visits_due_in_the_workers_grids(client, tree, register):  # noqa: F811
    from residents.visits import task_list, visit_tasks_build

    visit_tasks_build(today=dt.date(2026, 1, 10))
    expected = task_list(tree.users["worker"]).count()
    assert expected >= 1
    page = login(client, tree, "worker").get(reverse("home"))
    assert page.context["visits_due"] == expected
    assert reverse("residents:tasks") in page.content.decode()


def test_it_shows_staff_the_stage_counts_with_overdue_in_red(client, tree, rubbish):
    late = report(tree, rubbish)
    Case.objects.filter(pk=late.pk).update(alert="red")
    report(tree, rubbish)
    page = login(client, tree, "community").get(reverse("home"))
    counts = tiles(page)
    assert counts["to_file"] == 2 and counts["overdue"] == 1 and counts["warning"] == 0
    assert 'class="tile tile-red" href="/cases/?queue=overdue"' in page.content.decode()
    assert page.context["recent_reports"] == [] and page.context["visits_due"] is None


def test_it_shows_a_handler_what_to_accept(client, tree, rubbish):
    case = report(tree, rubbish)
    case_file(case_id=case.pk, actor=tree.users["community"])
    case_dispatch(case_id=case.pk, actor=tree.users["community"], department=tree.departments[0])
    page = login(client, tree, "handler").get(reverse("home"))
    assert tiles(page) == {"to_accept": 1, "my_unit": 1}


def test_a_user_without_roles_is_told_to_ask_for_one(client, tree):
    page = login(client, tree, "stranger").get(reverse("home"))
    assert page.status_code == 200 and page.context["groups"] == []
    assert "You hold no role yet" in page.content.decode() or "尚无角色" in page.content.decode()


def test_the_home_page_costs_the_same_for_many_cases(client, tree, rubbish, django_assert_max_num_queries):
    report(tree, rubbish)
    login(client, tree, "worker").get(reverse("home"))
    # 11 since the nav counts unread notifications (one query); 12 since the home page lists unread notices;
    # 13 since it shows who is on duty now (issue 19 §3)
    with django_assert_max_num_queries(13) as few:
        client.get(reverse("home"))
    for i in range(10):
        report(tree, rubbish, title=f"案件{i}")
    with django_assert_max_num_queries(len(few)):
        client.get(reverse("home"))


def test_the_home_page_speaks_chinese_by_default(client, tree, rubbish, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    html = login(client, tree, "worker").get(reverse("home")).content.decode()
    assert "我的任务" in html and "我的网格待核查" in html and "待走访" in html
