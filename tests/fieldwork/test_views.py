import pytest
from django.test import Client

from cases.models import Case, Category
from fieldwork import services
from fieldwork.models import Deployment, GridDay, WorkLog

from .conftest import MORNING, inside, schedule

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


def login(user):
    c = Client()
    c.force_login(user)
    return c


def _deployment(tree):
    grid_day = schedule(tree)
    return services.cadre_assign(
        actor=tree.users["community"],
        grid_day_id=grid_day.pk,
        grid_id=tree.grids[0].pk,
        cadre_id=tree.users["street"].pk,
    )


def test_staff_schedule_and_assign_on_pages(tree, before):
    c = login(tree.users["community"])
    assert c.get("/fieldwork/").url == "/fieldwork/coverage/"
    page = c.post("/fieldwork/days/new/", {"community": tree.communities[0].pk, "day": "2026-03-01"})
    assert page.status_code == 400 and "网格日不能安排在已经过去的日期" in page.content.decode()
    done = c.post("/fieldwork/days/new/", {"community": tree.communities[0].pk, "day": "2026-03-18"})
    grid_day = GridDay.objects.get()
    assert done.url == f"/fieldwork/days/{grid_day.pk}/"
    wrong = c.post(done.url, {"grid": tree.grids[0].pk, "cadre": tree.users["community_b"].pk})
    assert wrong.status_code == 400
    ok = c.post(done.url, {"grid": tree.grids[0].pk, "cadre": tree.users["street"].pk})
    assert ok.status_code == 302 and Deployment.objects.count() == 1
    body = c.get(done.url).content.decode()
    assert "安排干部下沉" in body and str(tree.users["street"]) in body
    cover = c.get("/fieldwork/coverage/?month=2026-03").content.decode()
    assert tree.grids[0].name in cover and "未安排" not in cover
    assert c.get("/fieldwork/coverage/export/?month=2026-03").status_code == 200
    assert c.get("/fieldwork/coverage/?month=garbage").status_code == 200


def test_outsiders_see_nothing(tree, before):
    d = _deployment(tree)
    assert login(tree.users["community_b"]).get(f"/fieldwork/days/{d.grid_day_id}/").status_code == 404
    assert login(tree.users["community_b"]).get(f"/fieldwork/visits/{d.pk}/").status_code == 404
    assert login(tree.users["worker"]).get("/fieldwork/days/new/").status_code == 404
    worker_page = login(tree.users["worker"]).post(
        f"/fieldwork/days/{d.grid_day_id}/", {"grid": tree.grids[0].pk, "cadre": tree.users["street"].pk}
    )
    assert worker_page.status_code == 403


def test_the_cadre_checks_in_and_reports_on_the_phone_page(tree, before):
    d = _deployment(tree)
    c = login(tree.users["street"])
    assert "网格日当天" in c.get(f"/fieldwork/visits/{d.pk}/").content.decode()
    before.move_to(MORNING)
    c = login(tree.users["street"])  # a new session on the day (the one from two weeks ago has lapsed)
    outside = c.post(f"/fieldwork/visits/{d.pk}/check-in/", inside(tree.grids[1]))
    assert outside.status_code == 400 and "请到网格内现场签到" in outside.content.decode()
    none = c.post(f"/fieldwork/visits/{d.pk}/check-in/", {})
    assert none.status_code == 400 and "请允许浏览器获取定位" in none.content.decode()
    assert c.post(f"/fieldwork/visits/{d.pk}/check-in/", inside(tree.grids[0])).status_code == 302
    missing = c.post(f"/fieldwork/visits/{d.pk}/record/", {"did": "走访", "report": "on"})
    assert missing.status_code == 400 and "请选择发现问题的类别" in missing.content.decode()
    category = Category.objects.get(code="01001")
    saved = c.post(
        f"/fieldwork/visits/{d.pk}/record/",
        {"did": "走访3户", "found": "井盖缺失", "report": "on", "category": category.pk, "title": "井盖缺失"},
    )
    assert saved.status_code == 302
    case = Case.objects.get()
    assert case.number in c.get(f"/fieldwork/visits/{d.pk}/").content.decode()
    case_page = login(tree.users["centre"]).get(f"/cases/{case.pk}/").content.decode()
    assert "网格日上报" in case_page


def test_the_worker_completes_todays_log(tree, before):
    c = login(tree.users["worker"])
    assert c.get("/fieldwork/").url == "/fieldwork/mine/"
    assert "今日巡查日志" in c.get("/fieldwork/mine/").content.decode()
    to = c.get("/fieldwork/logs/today/")
    log = WorkLog.objects.get()
    assert to.url == f"/fieldwork/logs/{log.pk}/"
    empty = c.post(to.url, {"summary": ""})
    assert empty.status_code == 400 and "请填写当天的工作内容" in empty.content.decode()
    assert c.post(to.url, {"summary": "巡查两圈", "issues": ""}).status_code == 302
    log.refresh_from_db()
    assert log.status == WorkLog.Status.SUBMITTED
    assert login(tree.users["worker2"]).get(to.url).status_code == 404
    assert "巡查两圈" in login(tree.users["community"]).get(to.url).content.decode()
    assert login(tree.users["community"]).post(to.url, {"summary": "改"}).status_code == 403
    assert "考勤" in login(tree.users["community"]).get("/fieldwork/attendance/").content.decode()
