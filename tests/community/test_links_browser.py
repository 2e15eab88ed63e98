"""Issue 20's links in Debian's Chromium: the community desk carries out a council's follow-up action as a
task (first without an admitted item: the refusal with its reason shows next to the action), the task's page
shows the decision and creates a volunteer activity in one step, and a volunteer reads a notice on their phone
while the desk sees the receipt. Shot at 360 and 1366 px."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command

from community import services
from notices.services import notice_publish
from residents.models import Person
from tasks import services as task_services
from tests.browser import PHONE, SHOTS, needs_chromium
from tests.tasks.conftest import ITEMS, SH

pytestmark = [pytest.mark.browser, needs_chromium]
LAPTOP = {"width": 1366, "height": 900}
MONDAY_9 = dt.datetime(2026, 3, 2, 9, tzinfo=SH)


@pytest.fixture(autouse=True)
def _chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


def _shot(page, name, size):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"community-{name}-{size}.png"), full_page=True)


def _login(browser, viewport, base, next_url):
    page = browser.new_context(viewport=viewport, locale="zh-CN").new_page()
    page.set_default_timeout(15000)
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("#id_username", "community")
    page.fill("#id_password", "pw-community")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    return page


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_follow_up_becomes_a_task_that_calls_volunteers(transactional_db, tree, live_server, browser):
    with time_machine.travel(MONDAY_9, tick=True):
        call_command("load_holidays", year=[2026], stdout=io.StringIO())
        task_services.admission_list_publish(
            actor=tree.users["centre"],
            version=1,
            title="准入清单",
            approved_by="区政府",
            approved_on=dt.date(2025, 12, 20),
            effective_from=dt.date(2026, 1, 1),
            items=ITEMS,
        )
        desk = tree.users["community"]
        council = services.council_create(
            actor=desk,
            area=tree.communities[0],
            name="望麓社区四方议事会",
            members=[
                {"role": "party", "name": "刘书记"},
                {"role": "property", "name": "陈经理"},
                {"role": "owners", "name": "周主任"},
            ],
        )
        members = list(council.members.all())
        meeting = services.meeting_hold(
            actor=desk,
            council=council,
            held_at=MONDAY_9 - dt.timedelta(hours=1),
            place="党群服务中心",
            present=members,
            agenda=[{"text": "楼道堆物和燃气安全"}],
        )
        services.decision_record(
            actor=desk,
            meeting=meeting,
            text="开展楼道燃气安全排查并招募志愿者宣传",
            votes={str(m.pk): "for" for m in members},
            follow_ups=[{"what": "逐栋排查燃气软管", "who": "网格员", "deadline": dt.date(2026, 3, 6)}],
        )
        person = Person.objects.create(area=tree.grids[0], name="王志愿")
        volunteer = services.volunteer_register(actor=desk, person=person, is_liaison=True)
        services.point_rule_set(
            actor=desk, community=tree.communities[0], activity_type="patrol", points_per_hour=10
        )
        base = live_server.url

        laptop = _login(browser, LAPTOP, base, f"/community/meetings/{meeting.pk}/")
        laptop.click("details.raise summary")
        laptop.click("form.raise-form:has(input[value=task]) button[type=submit]")  # no item chosen
        laptop.wait_for_load_state()
        assert "该事项不在网格事项准入清单内" in laptop.locator("[id^=raise-errors]").inner_text()
        _shot(laptop, "follow-up-refused", "1366")
        item = laptop.locator("select[name=item] option", has_text="燃气安全隐患巡查").get_attribute("value")
        laptop.select_option("select[name=item]", item)
        laptop.click("form.raise-form:has(input[value=task]) button[type=submit]")
        laptop.wait_for_load_state()
        assert "2 个网格中已完成 0 个" in laptop.locator("[data-follow-up]").inner_text()
        _shot(laptop, "follow-up-task", "1366")

        laptop.click("[data-follow-up] a")
        laptop.wait_for_load_state()
        assert "开展楼道燃气安全排查" in laptop.locator("#task-community").inner_text()
        laptop.click("#task-community details summary")
        laptop.fill("#id_title", "燃气安全宣传志愿活动")
        laptop.fill("#id_place", "小区广场")
        laptop.fill("#id_starts_at", "2026-03-03T09:00")
        laptop.fill("#id_ends_at", "2026-03-03T11:00")
        _shot(laptop, "task-panel", "1366")
        laptop.click("#activity-from-task button[type=submit]")
        laptop.wait_for_load_state()
        assert "燃气安全宣传志愿活动" in laptop.locator("h1").inner_text()
        assert laptop.locator("#activity-task").is_visible()

        phone = _login(browser, PHONE, base, f"/community/meetings/{meeting.pk}/")
        _fits(phone)
        _shot(phone, "follow-up-task", "360")
        phone.click("[data-follow-up] a")
        phone.wait_for_load_state()
        _fits(phone)
        _shot(phone, "task-panel", "360")

        notice = notice_publish(
            sender=desk, audience="liaisons", area=tree.grids[0], title="联络员周五例会", body="周五下午三点"
        )
        own = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
        own.goto(f"{base}/public/volunteer/{services.volunteer_token(volunteer)}/")
        assert "联络员周五例会" in own.locator("#volunteer-notices").inner_text()
        _fits(own)
        _shot(own, "volunteer-notice", "360")
        own.click("#volunteer-notices button[type=submit]")
        own.wait_for_load_state()
        assert "已读" in own.locator("#volunteer-notices").inner_text()

        laptop.goto(f"{base}/notices/{notice.pk}/")
        assert "王志愿" in laptop.locator(".receipts").inner_text()
        _shot(laptop, "notice-volunteer-receipts", "1366")
