"""Recording a council meeting in Debian's Chromium, on the phone (360 px) and the desk (1366 px): a meeting
with no member ticked is refused next to the members, then recorded and shown on its page."""

import pytest

from community import services
from tests.browser import PHONE, needs_chromium

from .test_councils import FOUR
from .test_councils_browser import LAPTOP, _login, _shot

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture(autouse=True)
def _chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.mark.parametrize("viewport, size", [(PHONE, "360"), (LAPTOP, "1366")])
def test_it_records_a_meeting_on_the_phone_and_the_desk(
    transactional_db, tree, live_server, browser, viewport, size
):
    council = services.council_create(
        actor=tree.users["community"], area=tree.communities[0], name="望麓社区四方议事会", members=FOUR
    )
    page = _login(browser, viewport, live_server.url, "/community/councils/")
    page.click(f"[data-council='{council.pk}'] a.button")
    page.wait_for_load_state()
    page.fill("#id_held_at", "2026-01-05T09:30")
    page.fill("#id_place", "党群服务中心二楼会议室")
    page.fill("#id_agenda-1-text", "3栋楼下非机动车乱停放、飞线充电")
    page.fill("#id_minutes", "社区党委主持，各方讨论了充电棚选址。")
    page.click("button.primary")
    page.wait_for_load_state()
    assert "请勾选到会成员" in page.locator("#present-errors").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    _shot(page, "meeting-new-refused", size)
    for box in page.locator("#present input[type=checkbox]").all()[:3]:
        box.check()
    page.click("button.primary")
    page.wait_for_load_state()
    assert "/community/meetings/" in page.url and "达到法定人数" in page.locator("#quorum").inner_text()
