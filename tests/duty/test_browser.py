"""Duty rosters in Debian's Chromium against a live server: a grid worker asks for a swap on the phone
(360 px), the community's leader approves it on the desktop (1366 px); the month calendar at both widths."""

import pytest

from duty.models import Shift, Swap, SwapStatus
from tests.browser import PHONE, needs_chromium, shot

pytestmark = [pytest.mark.browser, needs_chromium]
LAPTOP = {"width": 1366, "height": 900}


@pytest.fixture(autouse=True)
def _chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


def _login(browser, base, username, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    context.set_default_timeout(20000)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/?next=/duty/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-" + username)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    return page


def test_a_swap_asked_on_the_phone_and_approved_on_the_desktop(
    transactional_db, tree, published, future_day, live_server, browser
):
    base = live_server.url
    u = tree.users
    night = Shift.objects.get(person=u["worker"])
    month = f"{base}/duty/units/{tree.communities[0].code}/?month={future_day:%Y-%m}"

    worker = _login(browser, base, "worker", PHONE)
    assert "我的后续班次" in worker.content()
    worker.goto(month)
    assert worker.locator(".duty-list").is_visible() and not worker.locator(".duty-calendar").is_visible()
    assert worker.evaluate("() => document.documentElement.scrollWidth") <= 360
    shot(worker, "duty-month", "360")
    worker.goto(f"{base}/duty/shifts/{night.pk}/")
    worker.select_option("#id_substitute", str(u["leader"].pk))
    worker.click("#swap-form button[type=submit]")  # no reason: refused next to the field
    worker.wait_for_load_state()
    assert worker.locator("#reason-errors").is_visible() and not Swap.objects.exists()
    worker.select_option("#id_substitute", str(u["leader"].pk))
    worker.fill("#id_reason", "当晚需陪同家人就医")
    worker.click("#swap-form button[type=submit]")
    worker.wait_for_load_state()
    assert "待审批" in worker.locator(".duty-swap").inner_text()
    assert worker.evaluate("() => document.documentElement.scrollWidth") <= 360
    shot(worker, "duty-swap-asked", "360")

    leader = _login(browser, base, "community", LAPTOP)
    assert "当晚需陪同家人就医" in leader.content()
    leader.click(f"a[href='/duty/shifts/{night.pk}/']")
    leader.wait_for_load_state()
    shot(leader, "duty-swap-to-approve", "1366")
    leader.click(".duty-decide button[value=approve]")
    leader.wait_for_load_state()
    assert "已同意" in leader.locator(".duty-swap").inner_text()
    assert leader.locator("#shift-person").inner_text() == "leader"
    assert Swap.objects.get().status == SwapStatus.APPROVED
    shot(leader, "duty-swap-approved", "1366")
    leader.goto(month)
    assert leader.locator(".duty-calendar").is_visible()
    assert "leader" in leader.locator(".duty-calendar").inner_text()
    shot(leader, "duty-month", "1366")

    # The people concerned heard it through the one inbox: the worker that the shift is no longer theirs,
    # the substitute that it is now theirs (and both, earlier, that the roster was published).
    worker.goto(f"{base}/inbox/")
    worker.wait_for_load_state()
    assert "换班已批准" in worker.content() and "值班表已发布" in worker.content()
    assert worker.evaluate("() => document.documentElement.scrollWidth") <= 360
    shot(worker, "duty-inbox", "360")
    substitute = _login(browser, base, "leader", LAPTOP)
    substitute.goto(f"{base}/inbox/")
    substitute.wait_for_load_state()
    assert "值班变更" in substitute.content()
    shot(substitute, "duty-inbox", "1366")
