"""The whole case loop in Debian's Chromium against a live server, across roles, phone and desktop."""

import io
import os
import re
from pathlib import Path

import pytest
from PIL import Image

from cases.models import Case

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).resolve().parents[2] / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1920, "height": 1080}

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's Chromium at /usr/bin/chromium")]


def jpeg(name, color):
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(buffer, "JPEG")
    return {"name": name, "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Session:
    """One person at one screen size."""

    def __init__(self, browser, base, username, viewport, point):
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", geolocation=point,
                                           permissions=["geolocation"])
        self.context.set_default_timeout(15000)
        self.page = self.context.new_page()
        self.base, self.size = base, "phone" if viewport == PHONE else "desktop"
        self.page.goto(f"{base}/accounts/login/?next=/cases/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", "pw-" + username)
        self.page.click("main form button[type=submit]")
        self.page.wait_for_url(re.compile(r"/cases/$"))

    def shot(self, name):
        SHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}-{self.size}.png"), full_page=True)

    def act(self, case, name, fill=None):
        self.page.goto(f"{self.base}/cases/{case.pk}/")
        self.page.click(f"[data-action='{name}']")
        form = self.page.locator(f"#act-{name}")
        for selector, value in (fill or {}).items():
            if "photos" in selector:
                form.locator(selector).set_input_files(value)
            elif selector.startswith("select"):
                form.locator(selector).select_option(value)
            elif selector.startswith("radio"):
                form.locator(f"input[value='{value}']").check()
            else:
                form.locator(selector).fill(value)
        # Wait for the navigation the submit causes: the current page is already "loaded".
        with self.page.expect_navigation(wait_until="load"):
            form.locator("button[type=submit]").click()
        case.refresh_from_db()
        return case


def test_the_whole_loop_across_roles(transactional_db, tree, live_server, browser):
    grid = tree.grids[0]
    here = {"latitude": grid.centroid_lat, "longitude": grid.centroid_lon}
    base = live_server.url

    # A grid worker reports on a phone: located by the browser, one error first, then a photo.
    worker = Session(browser, base, "worker", PHONE, here)
    page = worker.page
    page.goto(f"{base}/cases/new/")
    page.wait_for_function("document.querySelector('#grid-name').textContent.includes('网格1-1-1')")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
    page.fill("#category-filter", "暴露")
    assert page.input_value("#id_category") == "01001"
    page.fill("#id_description", "东门三袋生活垃圾")
    page.set_input_files("#id_photos", [jpeg("before.jpg", (160, 40, 40))])
    worker.shot("report")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#id_title-error")  # the title is missing: said next to it…
    assert page.input_value("#id_description") == "东门三袋生活垃圾"  # …and nothing typed is lost
    assert page.evaluate("document.querySelector('#id_photos').files.length") == 1  # not even the photo
    worker.shot("report-error")
    page.fill("#id_title", "东门垃圾堆放")
    page.click("#report-form button[type=submit]")
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    case = Case.objects.get()
    assert case.area == grid and case.attachments.filter(kind="before").count() == 1
    page.wait_for_selector(".thumbs img")
    # The thumbnail loads (served through the scope-checked view); fails by timeout if it never does.
    page.wait_for_function("(img => img.complete && img.naturalWidth > 0)(document.querySelector('.thumbs img'))")
    worker.shot("case-reported")

    # Community staff file and dispatch at a desk.
    staff = Session(browser, base, "community", DESKTOP, here)
    staff.shot("queues")
    staff.page.goto(f"{base}/cases/new/")
    staff.page.wait_for_selector("#report-map .leaflet-interactive")  # grid boundaries drawn without tiles
    staff.shot("report")
    assert staff.act(case, "file").status == "filed"
    staff.page.goto(f"{base}/cases/{case.pk}/")
    staff.page.click("[data-action='dispatch']")
    staff.shot("dispatch-form")
    assert staff.act(case, "dispatch", {"select[name=department]": "CG"}).status == "dispatched"

    # The department handler accepts and feeds back with a photo.
    handler = Session(browser, base, "handler", DESKTOP, here)
    assert handler.page.locator(f"a[href='/cases/{case.pk}/']").count() == 1  # in the unit's queue
    assert handler.act(case, "accept").status == "accepted"
    case = handler.act(case, "feedback", {"textarea[name=result]": "已清运",
                                          "input[name=photos]": [jpeg("after.jpg", (40, 160, 40))]})
    assert case.status == "handled" and case.attachments.filter(kind="after").count() == 1

    # The grid worker verifies on site; staff close; the reporter rates it.
    assert worker.act(case, "verify-pass", {"textarea[name=note]": "现场已干净"}).status == "verified"
    assert staff.act(case, "close").status == "closed"
    assert worker.act(case, "evaluate", {"radio": "satisfied"}).status == "evaluated"
    worker.page.goto(f"{base}/cases/{case.pk}/")
    worker.shot("case-done")
    staff.page.goto(f"{base}/cases/{case.pk}/")
    staff.shot("case-done")
    kinds = list(case.events.order_by("seq").values_list("kind", flat=True))
    assert kinds == ["report", "file", "dispatch", "accept", "feedback", "verify_pass", "close", "evaluate"]
    worker.page.goto(f"{base}/cases/?queue=my_reports")
    worker.shot("my-tasks")
    assert worker.page.evaluate("document.documentElement.scrollWidth") <= 360
