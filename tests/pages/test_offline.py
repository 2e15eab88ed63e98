"""The grid worker's phone offline (issue 23): the installable app, its service worker, and case reports
kept on the phone without a connection and sent exactly once when it returns.

Screenshots go to ``screenshots/`` (git-ignored) or to ``$GRIDGOV_SHOTS``; look at them."""

import json

import pytest
from django.contrib.staticfiles import finders

from cases.models import Case, IdempotencyKey
from tests.browser import PHONE, jpeg, needs_chromium, shot

from .conftest import login

ALL_STATES = "() => GGOffline.all().then(items => items.map(i => i.state))"


def test_it_serves_the_manifest_in_chinese_with_its_icons(client, tree, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    response = client.get("/manifest.webmanifest")
    body = json.loads(response.content)
    assert response["Content-Type"] == "application/manifest+json"
    assert body["name"] == "网格通" and body["start_url"] == "/" and body["display"] == "standalone"
    for icon in body["icons"]:
        assert icon["src"].startswith("/static/") and finders.find(icon["src"][len("/static/") :])


def test_it_serves_the_service_worker_from_the_root(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert b"networkFirst" in response.content


def test_it_links_the_app_for_logged_in_users_only(client, tree):
    assert b'rel="manifest"' not in client.get("/accounts/login/").content
    login(client, tree, "worker")
    page = client.get("/cases/new/").content
    assert b'rel="manifest"' in page and b"js/offline.js" in page and b"data-outbox" in page


def _login(browser, base, point, **options):
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN", geolocation=point, permissions=["geolocation"], **options
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/?next=/cases/new/")
    page.fill("#id_username", "worker")
    page.fill("#id_password", "pw-worker")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#report-form")
    return context, page


def _fill(page, grid, title, colour):
    page.select_option("#id_category", "01001")
    page.fill("#id_title", title)
    page.fill("#id_lat", str(grid.centroid_lat))
    page.fill("#id_lon", str(grid.centroid_lon))
    page.set_input_files("#id_photos", [jpeg(f"{title}.jpg", colour)])
    page.click("#report-form button[type=submit]")


@pytest.mark.browser
@needs_chromium
def test_it_queues_two_reports_offline_and_sends_each_exactly_once(
    transactional_db, tree, live_server, browser, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    grid = tree.grids[0]
    context, page = _login(
        browser, live_server.url, {"latitude": grid.centroid_lat, "longitude": grid.centroid_lon}
    )
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")  # it controls the page

    # No signal in the stairwell: two reports with a photo each wait on the phone, in order.
    context.set_offline(True)
    _fill(page, grid, "楼道堆放杂物", (200, 60, 60))
    page.wait_for_function("() => document.querySelectorAll('#outbox li').length === 1")
    assert page.input_value("#id_title") == ""  # cleared for the next report
    _fill(page, grid, "地下室积水", (60, 60, 200))
    page.wait_for_function("() => document.querySelectorAll('#outbox li').length === 2")
    assert page.is_visible("[data-queued-note]") and page.inner_text("[data-outbox-count]") == "2"
    titles = [t.split("\n")[0] for t in page.locator("#outbox li").all_inner_texts()]
    assert titles == ["楼道堆放杂物", "地下室积水"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator("#outbox").scroll_into_view_if_needed()
    shot(page, "offline-waiting", "phone")
    keys = page.evaluate("() => GGOffline.all().then(items => items.map(i => i.key))")
    assert len(set(keys)) == 2 and not Case.objects.exists()

    # The page is closed; the signal returns; the next page load sends them, oldest first.
    page.close()
    context.set_offline(False)
    page = context.new_page()
    page.goto(f"{live_server.url}/cases/new/")
    page.wait_for_function("() => document.querySelectorAll('#outbox li.sent').length === 2")
    shot(page, "offline-sent", "phone")
    cases = list(Case.objects.filter(reporter=tree.users["worker"]).order_by("pk"))
    links = page.locator("#outbox li.sent a").evaluate_all("links => links.map(a => a.pathname)")
    assert links == [f"/cases/{c.pk}/" for c in cases]
    assert [c.title for c in cases] == ["楼道堆放杂物", "地下室积水"]
    assert all(c.attachments.filter(kind="before").count() == 1 for c in cases)
    assert set(IdempotencyKey.objects.values_list("key", flat=True)) == set(keys)

    # Syncing again sends nothing more.
    page.evaluate("() => GGOffline.sync()")
    assert Case.objects.count() == 2 and page.evaluate(ALL_STATES) == ["sent", "sent"]
    context.close()


@pytest.mark.browser
@needs_chromium
def test_it_resends_a_report_whose_answer_was_lost_and_keeps_a_refused_one(
    transactional_db, tree, live_server, browser, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    grid = tree.grids[0]
    # Requests go straight to the network (no service worker), so that the test can drop an answer.
    context, page = _login(
        browser,
        live_server.url,
        {"latitude": grid.centroid_lat, "longitude": grid.centroid_lon},
        service_workers="block",
    )
    context.set_offline(True)
    _fill(page, grid, "路灯不亮", (200, 200, 60))
    page.wait_for_function("() => document.querySelectorAll('#outbox li').length === 1")
    # A report the server will refuse: no title.
    page.evaluate(
        """() => GGOffline.add({fields: [["category", "01001"], ["title", ""]], files: [],
                                label: "无标题", categoryName: "暴露垃圾"})"""
    )
    # The connection returns (the "online" event starts a sync) but drops after the server made the case:
    # the phone never hears back, keeps the report and sends it again with the same key.
    dropped = []

    def drop_answer(route):
        if not dropped:
            dropped.append(route.fetch().status)
            route.abort()
        else:
            route.continue_()

    page.route("**/api/v1/cases/", drop_answer)
    context.set_offline(False)
    for _ in range(3):
        page.evaluate("() => GGOffline.sync()")
        if page.evaluate(ALL_STATES) == ["sent", "refused"]:
            break
    assert dropped == [201]
    assert Case.objects.count() == 1 and page.evaluate(ALL_STATES) == ["sent", "refused"]
    page.evaluate("() => GGOffline.render()")
    refused = page.locator("#outbox li.refused")
    assert refused.locator(".errors").inner_text().endswith("标题: 该字段不能为空。")
    refused.locator("button").first.scroll_into_view_if_needed()
    shot(page, "offline-refused", "phone")

    refused.locator("button", has_text="删除").click()
    page.wait_for_function("() => document.querySelectorAll('#outbox li.refused').length === 0")
    assert page.evaluate(ALL_STATES) == ["sent"]
    context.close()
