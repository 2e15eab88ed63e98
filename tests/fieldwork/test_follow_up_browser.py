"""A grid-day finding raised as a follow-up task on the phone (360 px): an item grid workers may not be given
is refused next to the field, an admitted one raises the task; the task's page (1366 px) shows the visit."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from fieldwork import services
from fieldwork.models import Deployment
from tasks.models import AdmissionItem
from tasks.services import admission_list_publish
from tests.browser import PHONE, needs_chromium
from tests.tasks.conftest import ITEMS
from worktime.calendar import is_working_day

from .test_browser import LAPTOP, Session, _point

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture(autouse=True)
def _chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


def _due_day():
    day = dt.date.today() + dt.timedelta(days=10)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def test_a_finding_becomes_a_follow_up_task_shown_on_both_pages(transactional_db, tree, live_server, browser):
    today = dt.date.today()
    call_command("load_holidays", year=[today.year, today.year + 1], stdout=io.StringIO())
    admission_list_publish(
        actor=tree.users["centre"],
        version=1,
        title="测试区网格事项准入清单",
        approved_by="测试区人民政府",
        approved_on=dt.date(2025, 12, 20),
        effective_from=dt.date(2026, 1, 1),
        items=ITEMS,
    )
    grid_day = services.grid_day_schedule(
        actor=tree.users["community"], community_id=tree.communities[0].pk, day=today, title="网格日"
    )
    d = services.cadre_assign(
        actor=tree.users["community"],
        grid_day_id=grid_day.pk,
        grid_id=tree.grids[0].pk,
        cadre_id=tree.users["street"].pk,
    )
    point = _point(tree.grids[0])
    services.check_in(
        actor=tree.users["street"], deployment_id=d.pk, lat=point["latitude"], lon=point["longitude"]
    )
    street = Session(browser, live_server.url, "street", PHONE)
    street.go(f"/fieldwork/visits/{d.pk}/")
    page = street.page
    page.fill("#id_did", "随社区走访沿街商铺12家")
    page.fill("#id_found", "4家商铺燃气软管老化")
    page.check("#id_follow_up")
    page.select_option("#id_item", str(AdmissionItem.objects.get(code="Z99").pk))
    page.fill("#id_task_title", "沿街商铺燃气软管复查")
    page.fill("#id_deadline", _due_day().isoformat())
    page.click("#record-form button[type=submit]")
    page.wait_for_selector("text=不得指派网格员")
    street.shot("follow-up-refused")
    page.check("#id_follow_up")
    page.select_option("#id_item", str(AdmissionItem.objects.get(code="C02").pk))
    page.fill("#id_did", "随社区走访沿街商铺12家")
    page.fill("#id_deadline", _due_day().isoformat())
    page.click("#record-form button[type=submit]")
    page.wait_for_selector(f"a[href='/tasks/{Deployment.objects.get().task_id or 0}/']")
    street.shot("follow-up-raised")
    task_id = Deployment.objects.get().task_id
    desk = Session(browser, live_server.url, "street", LAPTOP)
    desk.go(f"/tasks/{task_id}/")
    desk.page.wait_for_selector("#grid-day-findings")
    desk.shot("follow-up-task-page")
    street.go(f"/tasks/{task_id}/")
    street.shot("follow-up-task-page")
