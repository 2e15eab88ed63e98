"""A grid day walked in Debian's Chromium against a live server: the community schedules it and sends a street
cadre to a grid (desktop, 1366 px); the cadre's check-in from outside the grid is refused, from inside it is
accepted, and a finding becomes a case (phone, 360 px, the browser's geolocation); the coverage shows who
came; the grid worker submits the day's work log (phone)."""

import datetime as dt

import pytest

from cases.models import Case
from fieldwork.models import Deployment, WorkLog
from tests.browser import PHONE, SHOTS, needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]
LAPTOP = {"width": 1366, "height": 900}


@pytest.fixture(autouse=True)
def _chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


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
        self.page.goto(f"{base}/accounts/login/?next=/fieldwork/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", "pw-" + username)
        self.page.click("main form button[type=submit]")
        self.page.wait_for_load_state()

    def go(self, path):
        self.page.goto(self.base + path)
        self.page.wait_for_load_state()

    def shot(self, name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"fieldwork-{name}-{self.size}.png"), full_page=True)


def _point(grid):
    return {"latitude": grid.centroid_lat, "longitude": grid.centroid_lon}


def test_a_grid_day_from_scheduling_to_check_in_and_coverage(transactional_db, tree, live_server, browser):
    community = Session(browser, live_server.url, "community", LAPTOP)
    community.go("/fieldwork/days/new/")
    page = community.page
    page.select_option("#id_community", str(tree.communities[0].pk))
    page.fill("#id_day", dt.date.today().isoformat())
    page.fill("#id_title", "12月网格日")
    page.fill("#id_note", "重点走访独居老人，排查楼道堆物")
    community.shot("schedule")
    page.click("form.t-form button[type=submit]")
    page.wait_for_selector("#assign-form")
    page.select_option("#id_grid", str(tree.grids[0].pk))
    page.select_option("#id_cadre", str(tree.users["street"].pk))
    page.click("#assign-form button[type=submit]")
    page.wait_for_selector("#deployments a")
    community.shot("day")
    d = Deployment.objects.get()

    street = Session(browser, live_server.url, "street", PHONE, point=_point(tree.grids[1]))
    street.go("/fieldwork/mine/")
    street.shot("mine")
    street.page.click("a.t-card >> nth=0")
    street.page.click("#check-in")
    street.page.wait_for_selector("#form-errors")
    assert "范围内" in street.page.inner_text("#form-errors")
    street.shot("check-in-outside")
    d.refresh_from_db()
    assert d.checked_in_at is None
    street.context.set_geolocation(_point(tree.grids[0]))
    street.page.click("#check-in")
    street.page.wait_for_selector("#checked-in")
    street.page.fill("#id_did", "走访独居老人3户，召开楼栋长小会")
    street.page.fill("#id_found", "3栋楼道堆放杂物")
    street.page.check("#id_report")
    street.page.select_option("#id_category", index=1)
    street.page.fill("#id_title", "3栋楼道堆物")
    street.shot("record")
    street.page.click("#record-form button[type=submit]")
    street.page.wait_for_selector("a[href^='/cases/']")
    street.shot("recorded")
    d.refresh_from_db()
    assert d.checked_in_at is not None and d.case == Case.objects.get()

    community.go("/fieldwork/coverage/")
    assert str(tree.users["street"]) in community.page.inner_text("#coverage")
    community.shot("coverage")
    phone = Session(browser, live_server.url, "community", PHONE)
    phone.go("/fieldwork/coverage/")
    phone.shot("coverage")

    worker = Session(browser, live_server.url, "worker", PHONE)
    worker.go("/fieldwork/mine/")
    worker.page.click("a.f-today")
    worker.page.wait_for_selector("#log-form")
    worker.page.fill("#id_summary", "巡查网格两圈，走访5户")
    worker.shot("log")
    worker.page.click("#log-form button[type=submit]")
    worker.page.wait_for_selector("#log-figures")
    worker.shot("log-submitted")
    assert WorkLog.objects.get(worker=tree.users["worker"]).status == WorkLog.Status.SUBMITTED
