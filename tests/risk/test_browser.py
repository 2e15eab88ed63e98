"""The big screen at 1920×1080 in Debian's Chromium against a live server: every panel draws from its own
endpoint, the map shades the grids, and a panel whose endpoint fails says so while the others carry on.
The risk page at 1366 px (street) and 360 px (community)."""

import pytest
import time_machine

from risk import services
from tests.browser import DESKTOP, PHONE, SHOTS, needs_chromium

from .conftest import NOW

pytestmark = [pytest.mark.browser, needs_chromium]
LAPTOP = {"width": 1366, "height": 900}


@pytest.fixture(autouse=True)
def _chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


def _login(browser, base, username, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    context.set_default_timeout(20000)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/?next=/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-" + username)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    return page


def _shot(page, name, full_page=True):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"risk-{name}.png"), full_page=full_page)


def test_the_big_screen_draws_every_panel_and_says_which_failed(
    transactional_db, cases_district, live_server, browser
):
    tree = cases_district
    with time_machine.travel(NOW, tick=False):
        services.risk_recompute(district=tree.district)
    base = live_server.url
    page = _login(browser, base, "street", DESKTOP)
    page.route("**/risk/screen/tasks.json", lambda route: route.fulfill(status=500, body="{}"))
    page.goto(f"{base}/risk/screen/")
    page.wait_for_function("() => document.querySelectorAll('[data-updated]').length >= 7")
    page.wait_for_function("() => Number(document.getElementById('s-map').dataset.gridsDrawn) >= 4")
    # The failing panel answers on its own time: wait for it to say so (the others need not wait for it).
    page.wait_for_selector("[data-panel=tasks] .s-failed")
    assert page.locator("[data-panel=tasks] .s-failed").is_visible()
    assert page.locator("[data-panel=counts] .s-big").is_visible()
    assert page.locator("#s-updated").inner_text() != "—"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1920
    _shot(page, "screen-test-1920", full_page=False)


def test_the_risk_page_on_the_laptop_and_the_phone(transactional_db, cases_district, live_server, browser):
    tree = cases_district
    with time_machine.travel(NOW, tick=False):
        services.risk_recompute(district=tree.district)
    base = live_server.url
    laptop = _login(browser, base, "street", LAPTOP)
    laptop.goto(f"{base}/risk/")
    laptop.locator("#scores details").first.click()
    assert laptop.locator(".r-parts li").first.is_visible()
    _shot(laptop, "page-test-1366")
    phone = _login(browser, base, "community", PHONE)
    phone.goto(f"{base}/risk/")
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 360
    _shot(phone, "page-test-360")
