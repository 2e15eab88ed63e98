"""A citizen on a phone verifies their number by SMS code on the report page (Chromium)."""

import pytest
from django.core.cache import cache

from intake.models import PhoneCode
from tests.browser import DESKTOP, PHONE, needs_chromium, shot

pytestmark = [pytest.mark.browser, pytest.mark.urls("tests.intake.urls"), needs_chromium]


def said(page, words):
    page.locator("[data-phone-status]", has_text=words).wait_for()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_it_verifies_a_phone_on_the_report_page(transactional_db, tree, live_server, browser, settings, size):
    cache.clear()
    settings.LANGUAGE_CODE = "zh-hans"
    settings.GRIDGOV = {k: v for k, v in settings.GRIDGOV.items() if k != "SMS"}  # the console gateway
    context = browser.new_context(viewport=PHONE if size == "phone" else DESKTOP, locale="zh-CN")
    context.set_default_timeout(15000)
    page = context.new_page()
    page.goto(f"{live_server.url}/public/report/")
    page.fill("#id_phone", "138")
    page.click("[data-phone-code]")
    said(page, "手机号")
    page.fill("#id_phone", "13800001111")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("intake.phones.secrets.randbelow", lambda n: 123456)
        page.click("[data-phone-code]")
        said(page, "5 分钟")
    assert PhoneCode.objects.filter(phone="13800001111").count() == 1
    page.fill("#id_phone_code", "000000")
    page.click("[data-phone-verify]")
    said(page, "还可尝试 4 次")
    page.fill("#id_phone_code", "123456")
    page.click("[data-phone-verify]")
    said(page, "已验证")
    page.locator(".phone-verify").scroll_into_view_if_needed()
    shot(page, "citizen-phone-verified", size)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.reload()
    assert "138****1111" in page.inner_text("#report-form")
    context.close()
