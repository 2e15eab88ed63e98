"""A council's meeting in Debian's Chromium: the community desk records a decision with the votes of the
members present and publishes it (1366 px), then the residents' notices page of a grid shows it; the councils
list and the meeting page are shot at phone width (360 px) too."""

import datetime as dt

import pytest
from django.utils import timezone

from community import services
from tests.browser import PHONE, SHOTS, needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]
LAPTOP = {"width": 1366, "height": 900}


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


def test_a_meeting_from_votes_to_the_public_notice(transactional_db, tree, live_server, browser):
    desk = tree.users["community"]
    council = services.council_create(
        actor=desk,
        area=tree.communities[0],
        name="望麓社区四方议事会",
        members=[
            {"role": "party", "name": "刘书记", "organisation": "社区党委"},
            {"role": "property", "name": "陈经理", "organisation": "绿城物业"},
            {"role": "owners", "name": "周主任", "organisation": "业主委员会"},
            {"role": "residents", "name": "李桂英"},
        ],
    )
    a, b, c, _absent = council.members.order_by("id")
    meeting = services.meeting_hold(
        actor=desk,
        council=council,
        held_at=timezone.now() - dt.timedelta(hours=3),
        place="党群服务中心二楼会议室",
        present=[a, b, c],
        agenda=[{"text": "3栋楼下非机动车乱停放、飞线充电"}, {"text": "北门道闸故障"}],
        minutes="社区党委主持，各方就充电棚选址和费用进行了讨论。",
    )
    base = live_server.url
    laptop = _login(browser, LAPTOP, base, f"/community/meetings/{meeting.pk}/")
    assert "达到法定人数" in laptop.locator("#quorum").inner_text()
    laptop.fill("#id_text", "在3栋东侧建设电动车集中充电棚")
    laptop.select_option(f"#vote-{a.pk}", "for")
    laptop.select_option(f"#vote-{b.pk}", "for")
    laptop.select_option(f"#vote-{c.pk}", "abstain")
    laptop.fill("#id_what", "联系供电公司勘查线路")
    laptop.fill("#id_who", "绿城物业")
    laptop.fill("#id_deadline", (timezone.localdate() + dt.timedelta(days=14)).isoformat())
    laptop.click("form.community-grid button[type=submit]")
    laptop.wait_for_load_state()
    assert "通过" in laptop.locator("[data-decision]").inner_text()
    _shot(laptop, "meeting-decided", "1366")
    laptop.click("#publish")
    laptop.wait_for_load_state()
    assert laptop.locator("#published").is_visible()
    laptop.goto(f"{base}/community/councils/")
    _shot(laptop, "councils", "1366")

    public = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    public.goto(f"{base}/public/notices/?area={tree.grids[0].code}")
    assert "建设电动车集中充电棚" in public.content()
    _shot(public, "council-notice", "360")

    phone = _login(browser, PHONE, base, f"/community/meetings/{meeting.pk}/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(phone, "meeting", "360")
    phone.goto(f"{base}/community/councils/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(phone, "councils", "360")
