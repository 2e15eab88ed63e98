"""Notices in Debian's Chromium against a live server: a community writes one (1366 px), a grid worker
sees it on the home page and marks it read (360 px), residents read the area's public notices (360 px)."""

import pytest

from notices import services
from tests.browser import PHONE, SHOTS, needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]
LAPTOP = {"width": 1366, "height": 900}


@pytest.fixture(autouse=True)
def _chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


def _login(browser, base, username, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    context.set_default_timeout(15000)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/?next=/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-" + username)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    return page


def _shot(page, name, size):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"notices-{name}-{size}.png"), full_page=True)


def test_a_notice_from_the_community_to_the_home_page_and_the_public(
    transactional_db, tree, live_server, browser
):
    base = live_server.url
    staff = _login(browser, base, "community", LAPTOP)
    staff.goto(f"{base}/notices/")
    staff.fill("#id_area", tree.communities[0].code)
    staff.select_option("#id_audience", "grid_workers")
    staff.fill("#id_title", "防汛值班通知")
    staff.fill("#id_body", "今晚有暴雨，请各网格员巡查低洼地段，发现积水及时上报。")
    staff.click("form.notice-form button[type=submit]")
    staff.wait_for_load_state()
    assert "防汛值班通知" in staff.content()
    _shot(staff, "receipts", "1366")

    worker = _login(browser, base, "worker", PHONE)
    assert worker.locator(".notices-unread").is_visible()
    _shot(worker, "home-unread", "360")
    worker.click(".notices-unread form button[type=submit]")
    worker.wait_for_load_state()
    assert worker.locator(".notices-unread").count() == 0
    assert worker.evaluate("() => document.documentElement.scrollWidth") <= 360

    staff.reload()
    assert "1" in staff.locator("[data-receipts]").inner_text()
    _shot(staff, "receipts-after", "1366")

    services.notice_publish(
        sender=tree.users["centre"],
        audience="public",
        area=tree.district,
        title="停水公告",
        body="周六停水。",
    )
    resident = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    resident.goto(f"{base}/public/notices/?area={tree.grids[0].code}")
    assert "停水公告" in resident.content() and "防汛值班通知" not in resident.content()
    assert resident.evaluate("() => document.documentElement.scrollWidth") <= 360
    _shot(resident, "public", "360")
