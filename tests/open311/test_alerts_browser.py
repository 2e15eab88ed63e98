"""A citizen on a phone and on a desktop (Chromium): verifies their number by SMS code, adds an update to a
published report, and subscribes to alerts for their community; no phone number shows on either page."""

import pytest
from django.core.cache import cache

from cases.models import CaseEvent
from open311.models import AlertSubscription
from tests.browser import PHONE, needs_chromium, shot

from .test_public_pages import citizen

pytestmark = [pytest.mark.browser, needs_chromium]
SIZES = {"phone": PHONE, "desktop": {"width": 1366, "height": 768}}


def verify(page):
    page.fill("#id_phone", "13800002222")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("intake.phones.secrets.randbelow", lambda n: 123456)
        page.click("[data-phone-code]")
        page.locator("[data-phone-status]", has_text="5 分钟").wait_for()
    page.fill("#id_phone_code", "123456")
    page.click("[data-phone-verify]")
    page.locator("[data-phone-status]", has_text="已验证").wait_for()


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_citizen_updates_a_report_and_subscribes(
    transactional_db, tree, live_server, browser, settings, size
):
    cache.clear()
    settings.LANGUAGE_CODE = "zh-hans"
    settings.GRIDGOV = {k: v for k, v in settings.GRIDGOV.items() if k != "SMS"}  # the console gateway
    case = citizen(tree)
    context = browser.new_context(viewport=SIZES[size], locale="zh-CN")
    context.set_default_timeout(15000)
    page = context.new_page()
    page.goto(f"{live_server.url}/public/reports/{case.public_id}/")
    page.check("[name=still_there]")
    page.fill("#id_text", "垃圾还在，气味很大")
    verify(page)
    page.locator("#update").scroll_into_view_if_needed()
    shot(page, "citizen-update-form", size)
    assert fits(page)
    page.click("#update button[type=submit]")
    page.locator(".notice", has_text="谢谢").wait_for()
    assert "垃圾还在，气味很大" in page.inner_text(".milestones")
    assert "13800002222" not in page.content()
    assert CaseEvent.objects.filter(case=case, kind="citizen_update").count() == 1

    page.goto(f"{live_server.url}/public/reports/alerts/")
    page.select_option("#id_area", tree.communities[0].code)
    shot(page, "alerts-subscribe-form", size)
    assert fits(page)
    page.click("form button[type=submit]")
    page.locator("[role=status]", has_text="订阅成功").wait_for()
    shot(page, "alerts-subscribed", size)
    assert "13800002222" not in page.content()
    assert AlertSubscription.objects.get().contact == "13800002222"
    context.close()
