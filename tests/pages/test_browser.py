"""The whole case loop in Debian's Chromium against one live server, across roles, phone and desktop.

Screenshots of the main pages go to ``screenshots/`` (git-ignored) or to ``$GRIDGOV_SHOTS``; look at them."""

import pytest

from cases.models import Case, IdempotencyKey
from tests.browser import DESKTOP, PHONE, SHOTS, jpeg, needs_chromium

from .conftest import report

pytestmark = [pytest.mark.browser, needs_chromium]


class Session:
    """One person at one screen size, logged in through the login page once."""

    def __init__(self, browser, base, username, viewport, point):
        self.context = browser.new_context(
            viewport=viewport, locale="zh-CN", geolocation=point, permissions=["geolocation"]
        )
        self.context.set_default_timeout(15000)
        self.page = self.context.new_page()
        self.base, self.size = base, "phone" if viewport == PHONE else "desktop"
        self.page.goto(f"{base}/accounts/login/?next=/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", "pw-" + username)
        self.page.click("main form button[type=submit]")
        self.page.wait_for_selector("section.tasks, .roles, main h1")
        assert "/accounts/login/" not in self.page.url

    def go(self, path):
        self.page.goto(self.base + path)
        return self.page

    def shot(self, name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}-{self.size}.png"), full_page=True)

    def fits(self):
        """Nothing is wider than the screen."""
        return self.page.evaluate("document.documentElement.scrollWidth") <= self.page.viewport_size["width"]

    def open_form(self, case, name, fill=None):
        self.go(f"/cases/{case.pk}/").click(f"[data-action='{name}']")
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
        return form

    def act(self, case, name, fill=None, shot=None):
        form = self.open_form(case, name, fill)
        if shot:
            self.shot(shot)
            assert self.fits(), f"{shot} is wider than the screen"
        # Wait for the navigation the submit causes: the current page is already "loaded".
        with self.page.expect_navigation(wait_until="load"):
            form.locator("button[type=submit]").click()
        case.refresh_from_db()
        return case


def test_the_whole_loop_across_roles(transactional_db, tree, live_server, browser, rubbish, settings):
    settings.LANGUAGE_CODE = "zh-hans"  # what users get: Chinese by default
    grid = tree.grids[0]
    here = {"latitude": grid.centroid_lat, "longitude": grid.centroid_lon}
    base = live_server.url
    earlier = report(tree, rubbish, actor=tree.users["leader"], title="早先报的垃圾")

    # A grid worker on a phone: home shows the tasks, the report form locates them and warns of a duplicate.
    worker = Session(browser, base, "worker", PHONE, here)
    assert worker.page.locator("[data-tile=my_open_reports] .tile-count").inner_text() == "0"
    worker.shot("home")
    assert worker.fits()
    page = worker.go("/cases/new/")
    page.wait_for_function("() => document.querySelector('#grid-name').textContent.includes('网格1-1-1')")
    assert worker.fits()
    page.fill("#category-filter", "暴露")
    assert page.input_value("#id_category") == "01001"
    page.wait_for_selector(f"#duplicates a[href='/cases/{earlier.pk}/']")  # "is it the same?" with a link
    page.fill("#id_description", "东门三袋生活垃圾")
    page.set_input_files("#id_photos", [jpeg("before.jpg", (160, 40, 40))])
    worker.shot("report")

    # A form with errors says so next to the field and keeps everything, the photo too.
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#id_title-error")
    assert page.input_value("#id_description") == "东门三袋生活垃圾"
    assert page.evaluate("document.querySelector('#id_photos').files.length") == 1
    assert "网格1-1-1" in page.inner_text("#grid-name")
    worker.shot("report-error")

    # The network fails after the server took the report: the retry sends the same key, no second case.
    page.fill("#id_title", "东门垃圾堆放")
    dropped = []

    def drop_answer(route):
        if route.request.method == "POST" and not dropped:
            dropped.append(route.fetch(max_redirects=0).status)  # the server did receive it…
            route.abort()  # …but the phone never hears back
        else:
            route.continue_()

    page.route("**/cases/new/", drop_answer)
    page.click("#report-form button[type=submit]")
    # The phone keeps it under the form's key (static/js/offline.js) and sends it through the API: the
    # server answers with the case it already made, no second case.
    page.wait_for_selector("[data-queued-note]:not([hidden])")
    assert dropped == [302]
    page.unroute("**/cases/new/")
    page.evaluate("() => GGOffline.sync()")
    case = Case.objects.exclude(pk=earlier.pk).get()
    assert IdempotencyKey.objects.count() == 1
    assert page.evaluate("() => GGOffline.all().then(items => items.map(i => i.state))") == ["sent"]
    page.goto(f"{base}/cases/{case.pk}/")
    assert case.area == grid and case.attachments.filter(kind="before").count() == 1
    # The thumbnail loads (served through the scope-checked view); fails by timeout if it never does.
    page.wait_for_function(
        "() => (img => img && img.complete && img.naturalWidth > 0)(document.querySelector('.thumbs img'))"
    )
    worker.shot("case-reported")
    assert worker.fits()

    # Community staff at a desk: home, queues, file, then bulk-dispatch from the queue of one category.
    staff = Session(browser, base, "community", DESKTOP, here)
    assert staff.page.locator("[data-tile=to_file] .tile-count").inner_text() == "2"
    staff.shot("home")
    staff.go("/cases/?queue=to_file")
    staff.page.wait_for_selector(".case-row")
    staff.shot("queue")
    assert staff.act(case, "file").status == "filed"
    staff.open_form(case, "dispatch")
    assert (
        staff.page.inner_text("#dispatch-department option:nth-child(2)") == "城管局 (推荐)"
    )  # suggested first
    staff.shot("case-dispatch-form")
    page = staff.go("/cases/?queue=to_dispatch&category=01001")
    page.check(f"input[name=case][value^='{case.pk}:']")
    page.select_option("#bulk-form select[name=department]", "CG")
    staff.shot("queue-bulk")
    with page.expect_navigation(wait_until="load"):
        page.click("#bulk-form button[type=submit]")
    assert case.number in page.inner_text(".messages")
    case.refresh_from_db()
    assert case.status == "dispatched" and case.handling_department.code == "CG"

    # The department handler: their unit's queue, accept, feed back with a photo.
    handler = Session(browser, base, "handler", DESKTOP, here)
    handler.go("/cases/")
    assert handler.page.locator(f"a[href='/cases/{case.pk}/']").count() == 1
    handler.shot("handler-queue")
    assert handler.act(case, "accept").status == "accepted"
    case = handler.act(
        case,
        "feedback",
        {"textarea[name=result]": "已清运", "input[name=photos]": [jpeg("after.jpg", (40, 160, 40))]},
    )
    assert case.status == "handled" and case.attachments.filter(kind="after").count() == 1

    # The grid worker verifies on site with a photo; staff close; the reporter rates it.
    case = worker.act(
        case,
        "verify-pass",
        {"textarea[name=note]": "现场已干净", "input[name=photos]": [jpeg("check.jpg", (40, 40, 160))]},
        shot="case-verify",
    )
    assert case.status == "verified" and case.attachments.count() == 3
    assert worker.fits()
    assert staff.act(case, "close").status == "closed"
    assert worker.act(case, "evaluate", {"radio": "satisfied"}).status == "evaluated"
    worker.go(f"/cases/{case.pk}/")
    worker.shot("case-done")
    staff.go(f"/cases/{case.pk}/")
    staff.shot("case-done")
    kinds = list(case.events.order_by("seq").values_list("kind", flat=True))
    assert kinds == ["report", "file", "dispatch", "accept", "feedback", "verify_pass", "close", "evaluate"]
    worker.go("/cases/?queue=my_reports")
    worker.shot("queue")
    assert worker.fits()

    # English on request, from any page.
    with staff.page.expect_navigation(wait_until="load"):
        staff.page.select_option(".langswitch select", "en")
    assert "Nothing for you to do on this case now." in staff.page.inner_text("main")
    assert staff.page.locator("html").get_attribute("lang") == "en"
