"""A campaign walked in Debian's Chromium against a live server, from creation to accepted completion: the
centre sends it (desktop, 1366 px), the grid leader hands it out and the worker fills the form with a photo,
its location and a finding (phone, 360 px), the centre accepts it."""

import datetime as dt

import pytest

from cases.models import Case
from residents.models import Building
from tasks import services
from tasks.models import Assignment
from tests.browser import PHONE, SHOTS, jpeg, needs_chromium
from worktime.calendar import is_working_day

pytestmark = [pytest.mark.browser, needs_chromium]
LAPTOP = {"width": 1366, "height": 900}


@pytest.fixture(autouse=True)
def _chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the screenshots show what users see by default


class Session:
    def __init__(self, browser, base, username, viewport, point=None):
        options = {"viewport": viewport, "locale": "zh-CN"}
        if point:
            options.update(geolocation=point, permissions=["geolocation"])
        self.context = browser.new_context(**options)
        self.context.set_default_timeout(15000)
        self.page = self.context.new_page()
        self.size = "360" if viewport == PHONE else "1366"
        self.base = base
        self.page.goto(f"{base}/accounts/login/?next=/tasks/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", "pw-" + username)
        self.page.click("main form button[type=submit]")
        self.page.wait_for_load_state()

    def go(self, path):
        self.page.goto(self.base + path)
        self.page.wait_for_load_state()

    def shot(self, name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"tasks-{name}-{self.size}.png"), full_page=True)


def _working_day(days):
    day = dt.date.today() + dt.timedelta(days=days)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def test_a_campaign_from_creation_to_accepted_completion(transactional_db, tree, live_server, browser):
    services.admission_list_publish(
        actor=tree.users["centre"],
        version=1,
        title="测试区网格事项准入清单",
        approved_by="测试区人民政府",
        approved_on=dt.date(2025, 12, 20),
        effective_from=dt.date(2026, 1, 1),
        items=[
            {
                "code": "C02",
                "name": "燃气使用安全隐患排查",
                "item_class": "安全隐患巡查",
                "basis": "《城镇燃气管理条例》",
                "grid_action": "patrol",
                "frequency": "每月",
            },
        ],
    )
    for k in (1, 2):
        Building.objects.create(area=tree.grids[0], code=f"B{k}", name=f"幸福小区{k}栋")
    centre = Session(browser, live_server.url, "centre", LAPTOP)
    centre.go("/tasks/new/")
    page = centre.page
    page.fill("#id_title", "冬季燃气使用安全专项排查")
    page.select_option("#id_item", label="C02 燃气使用安全隐患排查")
    page.fill("#id_instructions", "逐栋检查燃气软管和报警器，发现隐患当场拍照上报。")
    page.fill("#id_subtree", tree.communities[0].code)
    page.select_option("#id_target_kind", "building")
    page.fill("#id_starts_at", f"{dt.date.today().isoformat()}T08:30")
    page.fill("#id_deadline", f"{_working_day(7).isoformat()}T17:30")
    page.fill(
        "#id_form_lines",
        "燃气软管; single; 必填; 正常, 老化\n报警器; single; 必填; 已安装, 未安装\n备注; text",
    )
    centre.shot("new")
    page.click("form.t-form button[type=submit]")
    page.wait_for_selector("#progress")
    assert "冬季燃气使用安全专项排查" in page.content()
    centre.shot("sent")

    a = Assignment.objects.get(area=tree.grids[0])
    leader = Session(browser, live_server.url, "leader", PHONE)
    leader.go("/tasks/mine/")
    leader.page.click("a.t-card >> nth=0")
    leader.page.check(f"input[name=workers][value='{tree.users['worker'].pk}']")
    leader.shot("assign")
    leader.page.click("#assign-form button[type=submit]")
    leader.page.wait_for_load_state()
    assert list(a.workers.all()) == [tree.users["worker"]]

    grid = tree.grids[0]
    worker = Session(
        browser,
        live_server.url,
        "worker",
        PHONE,
        point={"latitude": grid.centroid_lat, "longitude": grid.centroid_lon},
    )
    worker.go(f"/tasks/assignments/{a.pk}/")
    worker.shot("assignment")
    for n in range(2):
        worker.page.click("a.t-button >> nth=0")
        worker.page.wait_for_function("() => document.getElementById('id_lat').value !== ''")
        worker.page.check("input[name='v.f1'][value='2']" if n == 0 else "input[name='v.f1'][value='1']")
        worker.page.check("input[name='v.f2'][value='1']")
        if n == 0:
            worker.page.set_input_files("#id_photos", [jpeg("gas.jpg", (180, 90, 40))])
            worker.page.check("#id_found")
            worker.page.select_option("#id_category", index=1)
            worker.page.fill("#id_title", "幸福小区1栋燃气软管老化")
            worker.shot("fill")
        worker.page.click("#fill-form button[type=submit]")
        worker.page.wait_for_selector("#a-status")
    assert Case.objects.get().task_results.count() == 1
    worker.page.click("form[action$='/submit/'] button")
    worker.page.wait_for_selector("#a-status")
    worker.shot("submitted")

    centre.go(f"/tasks/{a.task_id}/")
    centre.shot("review")
    centre.page.click(f"form[data-review='{a.area_code}'] button[value='1']")
    centre.page.wait_for_selector("#progress")
    a.refresh_from_db()
    assert a.status == "accepted"
    centre.shot("accepted")
    phone = Session(browser, live_server.url, "centre", PHONE)
    phone.go(f"/tasks/{a.task_id}/")
    phone.shot("accepted")
