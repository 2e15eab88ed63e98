"""The warning queue, the likely-overdue list, the case badge and the monthly report at 1366 px and 360 px in
Debian's Chromium against a live server (zh-hans): nothing wider than the screen, the refusal by its field."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from cases.events import event_append
from cases.models import Case, Category
from cases.workflow import Status
from risk import predict, services
from tests.browser import PHONE, SHOTS, needs_chromium
from tests.factories import report

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


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"risk-{name}.png"), full_page=True)


def _fits(page, width):
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width


def _likely_case(tree):
    """Ten past cases of the 城管局, four late, and an open one half through its stage: 57 %."""
    now, rubbish, cg = timezone.now(), Category.objects.get(code="01001"), tree.departments[0]
    for i in range(10):
        case = report(tree, rubbish)
        Case.objects.filter(pk=case.pk).update(
            status=Status.CLOSED, closed_at=now - dt.timedelta(days=3), handled_at=now, handling_department=cg
        )
        if i < 4:
            event_append(case=case, kind="overdue", payload={"stage": "handle"})
    case = report(tree, rubbish, title="河道边垃圾堆积")
    Case.objects.filter(pk=case.pk).update(
        status=Status.ACCEPTED,
        stage="handle",
        stage_started_at=now - dt.timedelta(hours=10),
        stage_due_at=now + dt.timedelta(hours=10),
        handling_department=cg,
    )
    predict.rates_refresh(now)  # what the daily recomputation stores for the lists and pages to read
    return case


def test_the_followup_pages_on_the_laptop_and_the_phone(
    transactional_db, cases_district, live_server, browser
):
    tree = cases_district
    with time_machine.travel(NOW, tick=False):
        services.risk_recompute(district=tree.district)
    likely = _likely_case(tree)
    base = live_server.url
    area = tree.communities[0].code
    for viewport, tag in ((LAPTOP, "1366"), (PHONE, "360")):
        page = _login(browser, base, "community", viewport)
        page.goto(f"{base}/risk/warnings/")
        assert page.locator(".r-warning").count() == 1  # the hotspot's, given to community 0
        _fits(page, viewport["width"])
        page.locator(".r-transfer summary").first.click()
        _shot(page, f"warnings-{tag}")
        page.goto(f"{base}/risk/report/?area={area}&month=2026-03")
        assert page.locator("#findings li").count() >= 3
        _fits(page, viewport["width"])
        _shot(page, f"report-{tag}")
        page.goto(f"{base}/risk/report/?area={area}&month=2026-13")
        assert page.locator("#id_month-errors").is_visible()
        _shot(page, f"report-refused-{tag}")
        page = _login(browser, base, "handler", viewport)
        page.goto(f"{base}/risk/likely-overdue/")
        assert page.locator("#likely").inner_text().count("57%") == 1
        _fits(page, viewport["width"])
        _shot(page, f"likely-{tag}")
        page.goto(f"{base}/cases/{likely.pk}/")
        assert page.locator("#case-predicted").is_visible()
        _shot(page, f"case-badge-{tag}")
        page.goto(f"{base}/cases/?queue=all")
        row = page.locator(".case-row", has=page.locator('[data-badge="predicted"]'))
        assert row.count() == 1 and likely.number in row.inner_text() and "57%" in row.inner_text()
        _fits(page, viewport["width"])
        _shot(page, f"list-badge-{tag}")
