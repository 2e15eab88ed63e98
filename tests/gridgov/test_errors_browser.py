"""The error pages in Debian's Chromium, as a grid worker, in zh-hans at 360 px and 1366 px: Chinese text, the
site's navigation, nothing the Content-Security-Policy refuses, nothing wider than the screen. Screenshots go
to $GRIDGOV_SHOTS (or screenshots/)."""

import pytest

from tests.browser import PHONE, needs_chromium, shot

SIZES = {"phone": PHONE, "desktop": {"width": 1366, "height": 768}}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium]


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_grid_worker_meets_the_404_the_403_and_the_500_in_chinese(
    live_server, browser, tree, settings, size
):
    settings.LANGUAGE_CODE = "zh-hans"  # the site's default (the test settings read English)
    context = browser.new_context(viewport=SIZES[size], locale="zh-CN")
    context.set_default_timeout(15000)
    page = context.new_page()
    refused = []
    page.on("console", lambda message: "Refused" in message.text and refused.append(message.text))  # CSP
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "worker")
    page.fill("#id_password", "pw-worker")
    page.click("main form button[type=submit]")
    page.wait_for_selector("main h1")

    for path, status, heading, name in [
        ("/no/such/page/", 404, "页面不存在", "error-404"),
        ("/accounts/lockouts/", 403, "您无权打开此页面", "error-403"),
    ]:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == status
        assert page.locator("html").get_attribute("lang") == "zh-hans"
        assert page.inner_text("main h1") == heading
        assert page.inner_text(".error-code") == str(status)
        nav = page.inner_text(".topnav")
        assert "案件" in nav and "上报案件" in nav
        assert page.locator(".error-links a").first.inner_text() == "首页"
        # Styled by the site's stylesheets (the top bar's colour), and as wide as the screen at most.
        assert page.evaluate("() => getComputedStyle(document.querySelector('.topbar')).display") == "flex"
        assert page.evaluate("() => document.documentElement.scrollWidth") <= SIZES[size]["width"]
        shot(page, name, size)
    settings.ROOT_URLCONF = "tests.gridgov.urls_errors"  # adds a page that fails
    response = page.goto(f"{live_server.url}/boom/")
    assert response.status == 500
    assert page.inner_text("main h1") == "服务器出现了问题"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= SIZES[size]["width"]
    shot(page, "error-500", size)
    assert refused == []
    context.close()
