"""The inbox, progress notes and the named handler (签收人) in Debian's Chromium, at 360 px (a phone) and
1366 px (a laptop): the grid leader names a worker, the worker hears of it in the inbox (count in the nav),
opens the case from there, finds it under "my cases", writes a public note from a canned reply and an
internal one; the reporter's tracking page shows the public note only.

Screenshots go to ``screenshots/`` (git-ignored) or ``$GRIDGOV_SHOTS``: ``handling-*-360.png`` and
``handling-*-1366.png``; look at them."""

import re

import pytest

from cases.models import CannedReply, Case, CaseEvent
from cases.services import case_dispatch, case_file
from cases.tokens import citizen_token
from dispatch.models import Notification
from tests.browser import SHOTS, needs_chromium

from .conftest import report

pytestmark = [pytest.mark.browser, needs_chromium]

SIZES = {"360": {"width": 360, "height": 740}, "1366": {"width": 1366, "height": 768}}


class Person:
    """One person at one screen size, logged in through the login page."""

    def __init__(self, browser, base, username, size):
        self.context = browser.new_context(viewport=SIZES[size], locale="zh-CN")
        self.context.set_default_timeout(15000)
        self.page = self.context.new_page()
        self.base, self.size = base, size
        self.page.goto(f"{base}/accounts/login/?next=/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", "pw-" + username)
        self.page.click("main form button[type=submit]")
        self.page.wait_for_selector("main h1")
        assert "/accounts/login/" not in self.page.url

    def go(self, path):
        self.page.goto(self.base + path)
        return self.page

    def shot(self, name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"handling-{name}-{self.size}.png"), full_page=True)
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= SIZES[self.size]["width"], f"{name} is wider than the screen"

    def submit(self, form):
        with self.page.expect_navigation(wait_until="load"):
            form.locator("button[type=submit]").click()


@pytest.mark.parametrize("size", sorted(SIZES))
def test_inbox_named_handler_and_notes(transactional_db, tree, live_server, browser, rubbish, settings, size):
    settings.LANGUAGE_CODE = "zh-hans"
    u = tree.users
    case = report(tree, rubbish, title="东门垃圾堆放")
    case_file(case_id=case.pk, actor=u["community"])
    case_dispatch(case_id=case.pk, actor=u["community"], team=tree.grids[0])
    CannedReply.objects.create(category=rubbish, title="已安排清运", text="已安排人员今天清运，请耐心等待。")
    CannedReply.objects.create(category=rubbish.parent, title="内部：待车辆", text="等环卫车辆", public=False)
    base = live_server.url

    # The grid leader names the worker on the case page.
    leader = Person(browser, base, "leader", size)
    page = leader.go(f"/cases/{case.pk}/")
    page.click("[data-action='assign']")
    form = page.locator("#act-assign")
    form.locator("select[name=assignee]").select_option(str(u["worker"].pk))
    form.locator("input[name=comment]").fill("你负责")
    leader.shot("assign-form")
    leader.submit(form)
    assert page.inner_text("#case-assignee") == "worker"
    assert Case.objects.get(pk=case.pk).assignee == u["worker"]

    # The worker sees the count in the nav, the inbox, and opens the case from the notice.
    worker = Person(browser, base, "worker", size)
    page = worker.go("/cases/")
    assert page.inner_text("#nav-inbox .unread-count") == "2"  # the dispatch and the naming
    page.click("#nav-inbox")
    page.wait_for_selector(".notice.unread")
    assert page.locator(".notice").count() == 2
    worker.shot("inbox")
    named = Notification.objects.get(kind="assign", recipient=u["worker"])
    with page.expect_navigation(wait_until="load"):
        page.locator(f"[data-notice='{named.pk}'] button.primary").click()
    assert page.url.endswith(f"/cases/{case.pk}/")
    assert page.inner_text("#nav-inbox .unread-count") == "1"
    named.refresh_from_db()
    assert named.read_at is not None

    # "My cases" lists it.
    page = worker.go("/cases/?queue=my_cases")
    page.wait_for_selector(f".case-row a[href='/cases/{case.pk}/']")
    assert "worker" in page.inner_text(".case-row .assignee")
    worker.shot("my-cases")

    # A public note from a canned reply (the script fills the text and who reads it), then an internal one.
    page = worker.go(f"/cases/{case.pk}/")
    page.click("[data-action='note']")
    form = page.locator("#act-note")
    form.locator("select[name=canned]").select_option(label="已安排清运")
    assert form.locator("textarea[name=text]").input_value() == "已安排人员今天清运，请耐心等待。"
    assert form.locator("input[name=public][value='1']").is_checked()
    worker.shot("note-form")
    worker.submit(form)
    page.click("[data-action='note']")
    form = page.locator("#act-note")
    form.locator("select[name=canned]").select_option(label="内部：待车辆")
    assert form.locator("input[name=public][value='0']").is_checked()
    form.locator("textarea[name=text]").fill("等环卫车辆，明早到")
    worker.submit(form)
    assert page.locator(".timeline li.note_public").count() == 1
    assert "明早到" in page.inner_text(".timeline li.note:not(.note_public)")
    worker.shot("timeline")
    assert list(
        CaseEvent.objects.filter(case=case, kind__startswith="note").values_list("kind", flat=True)
    ) == [
        "note_public",
        "note",
    ]

    # Mark all read empties the count.
    page = worker.go("/inbox/")
    with page.expect_navigation(wait_until="load"):
        page.click("#read-all")
    assert page.locator("#nav-inbox .unread-count").count() == 0

    # The reporter's tracking page: the public note, never the internal one.
    citizen = browser.new_context(viewport=SIZES[size], locale="zh-CN")
    track = citizen.new_page()
    track.goto(f"{base}/public/track/{citizen_token(case)}/")
    text = track.inner_text("main")
    assert "已安排人员今天清运" in text and "明早到" not in text
    SHOTS.mkdir(parents=True, exist_ok=True)
    track.screenshot(path=str(SHOTS / f"handling-track-{size}.png"), full_page=True)
    assert re.search(r"/public/track/", track.url)
