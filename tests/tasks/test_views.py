"""The pages: staff send a task (refusals next to their fields, nothing saved), follow progress and review;
the grid leader hands work out; a worker fills a form per object and reports a finding; the case page shows
the task that raised it."""

import pytest
from django.test import Client

from cases.models import Case, Category
from tasks.models import Assignment, Target, Task, TaskResult

from .conftest import building

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _form(tree, admitted, **extra):
    return {
        "title": "燃气安全专项排查",
        "item": admitted["C02"].pk,
        "instructions": "逐栋检查",
        "choose": "subtree",
        "subtree": tree.communities[0].code,
        "target_kind": "building",
        "starts_at": "2026-03-02T09:00",
        "deadline": "2026-03-06T17:30",
        "form_lines": "燃气软管; single; 必填; 正常, 老化\n备注; text",
        **extra,
    }


def test_staff_send_a_task_from_the_page(tree, admitted):
    building(tree.grids[0], 2)
    answer = _client(tree.users["community"]).post("/tasks/new/", _form(tree, admitted))
    task = Task.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/tasks/{task.pk}/"
    assert task.fields[0]["values"] == [{"key": "1", "name": "正常"}, {"key": "2", "name": "老化"}]
    assert task.grids == 2 and task.targets == 2


def test_a_holiday_deadline_is_shown_next_to_its_field_and_nothing_saved(tree, admitted):
    answer = _client(tree.users["centre"]).post(
        "/tasks/new/", _form(tree, admitted, deadline="2026-05-01T17:00")
    )
    assert answer.status_code == 400
    assert "holiday" in answer.context["form"].errors["deadline"][0]
    assert Task.objects.count() == 0


def test_workers_do_not_get_the_send_page(tree, admitted):
    assert _client(tree.users["worker"]).get("/tasks/new/").status_code == 404


def test_a_campaign_through_the_pages(tree, admitted):
    building(tree.grids[0], 1)
    _client(tree.users["centre"]).post("/tasks/new/", _form(tree, admitted))
    a = Assignment.objects.get(area=tree.grids[0])
    leader, worker = _client(tree.users["leader"]), _client(tree.users["worker"])
    assert "燃气安全专项排查" in worker.get("/tasks/mine/").content.decode()
    leader.post(
        f"/tasks/assignments/{a.pk}/assign/", {"workers": [tree.users["worker"].pk], "version": a.version}
    )
    assert list(a.workers.all()) == [tree.users["worker"]]
    target = Target.objects.get(assignment=a)
    url = f"/tasks/assignments/{a.pk}/fill/?target={target.pk}"
    missing = worker.post(url, {"v.f2": "x"})
    assert missing.status_code == 400 and "This field is required." in missing.content.decode()
    rubbish = Category.objects.get(code="01001")
    grid = tree.grids[0]
    saved = worker.post(
        url,
        {
            "v.f1": "2",
            "found": "on",
            "category": rubbish.pk,
            "title": "软管老化",
            "lat": grid.centroid_lat,
            "lon": grid.centroid_lon,
        },
    )
    assert saved.status_code == 302
    case = Case.objects.get()
    assert "task-findings" in worker.get(f"/cases/{case.pk}/").content.decode()
    worker.post(f"/tasks/assignments/{a.pk}/submit/")
    centre = _client(tree.users["centre"])
    page = centre.get(f"/tasks/{a.task_id}/").content.decode()
    assert f'data-review="{a.area_code}"' in page
    a.refresh_from_db()
    centre.post(f"/tasks/assignments/{a.pk}/review/", {"accept": "1", "version": a.version})
    a.refresh_from_db()
    assert a.status == "accepted" and TaskResult.objects.get().case == case
    drilled = centre.get(f"/tasks/{a.task_id}/", {"area": tree.communities[0].code})
    assert drilled.context["progress"]["level"] == "grid"
    export = centre.get(f"/tasks/{a.task_id}/export/")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_burden_and_admission_pages(tree, admitted):
    centre = _client(tree.users["centre"])
    assert "实有人口信息采集" in centre.get("/tasks/admission/").content.decode()
    assert centre.get("/tasks/burden/").status_code == 200
