"""The report pages in Debian's Chromium: charts drawn by the vendored Chart.js, a number's drill-down, the
published report and the stars, at phone and desktop sizes. Screenshots go to $GRIDGOV_SHOTS (or
screenshots/)."""

import pytest

from assessment.services import snapshot_publish
from tests.browser import DESKTOP, PHONE, SHOTS, needs_chromium

from .conftest import AS_OF

SIZES = {"phone": PHONE, "desktop": DESKTOP}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_chromium]


def _session(browser, base, username, size):
    context = browser.new_context(viewport=SIZES[size], locale="zh-CN")
    context.set_default_timeout(15000)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/?next=/assessment/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-" + username)
    page.click("main form button[type=submit]")
    page.wait_for_selector("main h1")
    return page


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_centre_reads_charts_drills_down_and_awards_stars(live_server, browser, tree, march, size):
    SHOTS.mkdir(parents=True, exist_ok=True)
    snapshot = snapshot_publish(area=tree.district, month=202603, now=AS_OF)
    page = _session(browser, live_server.url, "centre", size)
    as_of = AS_OF.strftime("%Y-%m-%dT%H:%M")
    page.goto(f"{live_server.url}/assessment/?month=2026-03&as_of={as_of}&level=street")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-trend'))")
    assert page.evaluate("Chart.getChart(document.getElementById('chart-scores')).data.labels.length") == 2
    page.screenshot(path=str(SHOTS / f"assessment-report-{size}.png"), full_page=size == "desktop")
    link = page.locator("section[data-table=street] a[data-part=num]").first
    number = int(link.inner_text())
    link.click()
    page.wait_for_selector("#drill-count")
    assert int(page.inner_text("#drill-count")) == number
    page.screenshot(path=str(SHOTS / f"assessment-drill-{size}.png"))
    page.goto(f"{live_server.url}/assessment/published/{snapshot.pk}/")
    page.wait_for_selector("#generated-at")
    page.screenshot(path=str(SHOTS / f"assessment-published-{size}.png"))
    page.goto(f"{live_server.url}/assessment/stars/?month=2026-03")
    grid = page.locator("section.a-grid").first
    grid.locator("[data-star=security] button[value='1']").click()
    page.wait_for_selector(".messages li")
    assert "★" in page.locator("section.a-grid").first.locator("[data-star=security] h3").inner_text()
    page.screenshot(path=str(SHOTS / f"assessment-stars-{size}.png"))
