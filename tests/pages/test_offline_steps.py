"""The offline queue's other kinds of step (issue 23 §1–3), in the browser with the context offline: two
reports and a visit made without a signal reach the server once each and in order after the page was
closed; a verification of a case that changed meanwhile shows the refusal and the case as it is now, with
a way to redo or drop it; a step the server refuses says why; a verification and a task's form made
without a signal send their photos in pieces, as a report does, and reach the server once each.

Screenshots go to ``screenshots/`` (git-ignored) or to ``$GRIDGOV_SHOTS``; look at them."""

import io
from datetime import UTC, datetime

import pytest
from django.utils import translation
from PIL import Image

from cases import services as case_services
from cases.models import Case, IdempotencyKey, PhotoUpload
from cases.views.report import case_status_labels
from residents.models import Visit
from tasks.models import ResultPhoto, Target, TaskResult
from tests.browser import PHONE, jpeg, needs_chromium, shot
from tests.cases.test_idempotency import _to_verify
from tests.cases.test_media import YUELU, camera_exif
from tests.factories import photo
from tests.residents.conftest import Register, fill_grid

STATES = "() => GGOffline.all().then(items => items.map(i => i.kind + ':' + i.state))"


def _count(selector, n):
    return f"() => document.querySelectorAll('{selector}').length === {n}"


def _login(browser, base, grid):
    context = browser.new_context(
        viewport=PHONE,
        locale="zh-CN",
        geolocation={"latitude": grid.centroid_lat, "longitude": grid.centroid_lon},
        permissions=["geolocation"],
    )
    context.set_default_timeout(20000)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/?next=/offline/")
    page.fill("#id_username", "worker")
    page.fill("#id_password", "pw-worker")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#to-verify")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    return context, page


def _report(page, grid, title, colour):
    page.select_option("#id_category", "01001")
    page.fill("#id_title", title)
    page.fill("#id_lat", str(grid.centroid_lat))
    page.fill("#id_lon", str(grid.centroid_lon))
    page.set_input_files("#id_photos", [jpeg(f"{title}.jpg", colour)])
    page.click("#report-form button[type=submit]")


@pytest.fixture
def household(tree, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="pw-root")
    reg = Register(tree=tree)
    fill_grid(reg, tree.grids[0], root, households=1, persons_per_household=1)
    return reg.households[tree.grids[0].code][0]


@pytest.mark.browser
@needs_chromium
def test_it_sends_reports_and_a_visit_in_order_and_shows_a_conflict(
    transactional_db, tree, rubbish, household, live_server, browser, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    grid = tree.grids[0]
    changed = case_services.case_report(
        actor=tree.users["centre"],
        category=rubbish,
        title="井盖缺失",
        lat=grid.centroid_lat,
        lon=grid.centroid_lon,
    ).case
    _to_verify(tree, changed)
    context, page = _login(browser, live_server.url, grid)
    # Online, the worker opens the pages once: the service worker keeps them for the stairwell.
    page.goto(f"{live_server.url}/cases/new/")
    page.goto(f"{live_server.url}/residents/households/{household.pk}/")
    page.goto(f"{live_server.url}/offline/")
    page.wait_for_selector(f"#verify-{changed.pk} form")

    # No signal: two reports, a visit and a verification wait on the phone, in order.
    context.set_offline(True)
    page.goto(f"{live_server.url}/cases/new/")
    _report(page, grid, "楼道堆放杂物", (200, 60, 60))
    page.wait_for_function(_count("#outbox li", 1))
    _report(page, grid, "地下室积水", (60, 60, 200))
    page.wait_for_function(_count("#outbox li", 2))
    page.goto(f"{live_server.url}/residents/households/{household.pk}/")
    page.select_option("#id_method", "door")
    page.fill("#id_notes", "独居老人，身体尚可")
    page.click("#visit-form button[type=submit]")
    page.wait_for_selector("[data-step-queued]:not([hidden])")
    page.goto(f"{live_server.url}/offline/")
    page.fill(f"#verify-note-{changed.pk}", "已清理干净")
    page.click(f"#verify-{changed.pk} button[value=verify-pass]")
    page.wait_for_function(_count("#outbox li", 4))
    # A step the server will refuse: a visit with a method it does not know.
    page.evaluate(
        """h => GGOffline.add({kind: "visit", url: "/api/v1/residents/visits/", label: "走访（方式有误）",
                                json: {household: h, method: "by-pigeon"}})""",
        household.pk,
    )
    page.wait_for_function(_count("#outbox li", 5))
    assert page.evaluate(STATES) == [
        "report:waiting",
        "report:waiting",
        "visit:waiting",
        "verify:waiting",
        "visit:waiting",
    ]
    keys = page.evaluate("() => GGOffline.all().then(items => items.map(i => i.key))")
    assert not Visit.objects.exists() and not Case.objects.filter(reporter=tree.users["worker"]).exists()
    # Meanwhile the grid leader verified the case on site: the worker's verification will conflict.
    case_services.case_act("verify-pass", case_id=changed.pk, actor=tree.users["leader"], note="已核查")

    # The page is closed; the signal returns; the next page sends everything, oldest first.
    page.close()
    context.set_offline(False)
    page = context.new_page()
    page.goto(f"{live_server.url}/offline/")
    page.wait_for_function(_count("#outbox li.sent", 3))
    page.wait_for_function(_count("#outbox li.refused", 2))
    assert page.evaluate(STATES) == [
        "report:sent",
        "report:sent",
        "visit:sent",
        "verify:refused",
        "visit:refused",
    ]
    cases = list(Case.objects.filter(reporter=tree.users["worker"]).order_by("pk"))
    assert [c.title for c in cases] == ["楼道堆放杂物", "地下室积水"]
    assert all(c.attachments.filter(kind="before").count() == 1 for c in cases)
    [visit] = Visit.objects.all()
    assert visit.household_id == household.pk and visit.notes == "独居老人，身体尚可"
    # In the order they were made: each step's key was written when it acted.
    assert list(IdempotencyKey.objects.order_by("pk").values_list("key", flat=True))[-3:] == keys[:3]

    # The conflict: the refusal, and the case as it is now.
    conflict = page.locator("#outbox li.conflict")
    with translation.override("zh-hans"):
        now = case_status_labels()["verified"]
    assert f"现为 {now}" in conflict.locator(".outbox-now").inner_text()
    assert conflict.locator(".errors").inner_text()
    # The refused visit says why (the field's message from the server).
    refused = page.locator("#outbox li.refused:not(.conflict)")
    assert "by-pigeon" in refused.locator(".errors").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # One more verification without a signal: the queue shows waiting, sent and refused together.
    context.set_offline(True)
    page.evaluate(
        """c => GGOffline.add({kind: "verify", url: "/api/v1/cases/" + c + "/verify-fail/", caseId: c,
                                label: "井盖缺失（复核）", json: {note: ""}})""",
        changed.pk,
    )
    page.wait_for_function(_count("#outbox li", 6))
    page.locator("#outbox").scroll_into_view_if_needed()
    shot(page, "offline-queue", "phone")
    page.set_viewport_size({"width": 1366, "height": 900})
    shot(page, "offline-queue", "desktop")
    page.set_viewport_size(PHONE)

    # Drop the conflicting step; redo is offered beside it.
    assert conflict.locator("button", has_text="按案件现状重做").count() == 1
    conflict.locator("button", has_text="删除").click()
    page.wait_for_function(_count("#outbox li.conflict", 0))
    assert Case.objects.get(pk=changed.pk).events.filter(kind="verify_pass").count() == 1
    context.close()


@pytest.mark.browser
@needs_chromium
def test_a_conflicting_verification_is_redone_on_the_case_as_it_is_now(
    transactional_db, tree, rubbish, live_server, browser, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    grid = tree.grids[0]
    case = case_services.case_report(
        actor=tree.users["centre"],
        category=rubbish,
        title="井盖缺失",
        lat=grid.centroid_lat,
        lon=grid.centroid_lon,
    ).case
    _to_verify(tree, case)
    context, page = _login(browser, live_server.url, grid)
    context.set_offline(True)
    page.fill(f"#verify-note-{case.pk}", "现场已恢复")
    page.click(f"#verify-{case.pk} button[value=verify-pass]")
    page.wait_for_function(_count("#outbox li", 1))
    # Meanwhile the leader found it not done and the unit handled it again: the case is back, newer.
    case_services.case_act("verify-fail", case_id=case.pk, actor=tree.users["leader"], note="未清理")
    case_services.case_act(
        "feedback", case_id=case.pk, actor=tree.users["handler"], result="已再次清运", photos=[photo()]
    )
    context.set_offline(False)
    page.evaluate("() => GGOffline.sync()")
    page.wait_for_function(_count("#outbox li.conflict", 1))
    with translation.override("zh-hans"):
        now = case_status_labels()["handled"]
    assert f"现为 {now}" in page.inner_text("#outbox li.conflict .outbox-now")
    first_key = page.evaluate("() => GGOffline.all().then(items => items[0].key)")
    page.click("#outbox li.conflict button:has-text('按案件现状重做')")
    page.wait_for_function(_count("#outbox li.sent", 1))
    case.refresh_from_db()
    assert case.status == "verified" and case.events.filter(kind="verify_pass").count() == 1
    assert page.evaluate("() => GGOffline.all().then(items => items[0].key)") != first_key
    context.close()


def camera_jpeg(name, colour):
    """A phone's photo as Playwright's set_input_files takes it: with the camera's time and GPS."""
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(buffer, "JPEG", exif=camera_exif())
    return {"name": name, "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


@pytest.mark.browser
@needs_chromium
def test_a_verification_and_a_task_form_send_their_photos_in_pieces_once(
    transactional_db, tree, rubbish, assignment, live_server, browser, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    grid = tree.grids[0]
    case = case_services.case_report(
        actor=tree.users["centre"],
        category=rubbish,
        title="楼道杂物",
        lat=grid.centroid_lat,
        lon=grid.centroid_lon,
    ).case
    _to_verify(tree, case)
    target = Target.objects.get(assignment=assignment)
    fill = f"{live_server.url}/tasks/assignments/{assignment.pk}/fill/?target={target.pk}"
    context, page = _login(browser, live_server.url, grid)
    page.goto(fill)  # online once: the service worker keeps the form for the basement
    page.goto(f"{live_server.url}/offline/")

    # No signal: a verification with its photo, then the task's form with its photo.
    context.set_offline(True)
    page.fill(f"#verify-note-{case.pk}", "已清理干净")
    page.set_input_files(f"#verify-photos-{case.pk}", [camera_jpeg("verify.jpg", (40, 160, 60))])
    page.locator(f"#verify-{case.pk}").scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "offline-verify-photo", "phone")
    page.click(f"#verify-{case.pk} button[value=verify-pass]")
    page.wait_for_function(_count("#outbox li", 1))
    page.goto(fill)
    page.check("input[name='v.hose'][value='old']")
    page.set_input_files("#id_photos", [camera_jpeg("hose.jpg", (180, 90, 40))])
    page.click("#fill-form button[type=submit]")
    page.wait_for_selector("[data-step-queued]:not([hidden])")
    assert page.evaluate(STATES) == ["verify:waiting", "task-result:waiting"]
    assert page.evaluate("() => GGOffline.all().then(items => items.map(i => i.files.length))") == [1, 1]
    assert not PhotoUpload.objects.exists() and not TaskResult.objects.exists()

    # The page is closed; the signal returns; the next page sends both, each photo in pieces first.
    page.close()
    context.set_offline(False)
    page = context.new_page()
    page.goto(f"{live_server.url}/offline/")
    page.wait_for_function(_count("#outbox li.sent", 2))
    # Another load sends nothing again.
    page.reload()
    page.evaluate("() => GGOffline.sync()")
    assert page.evaluate(STATES) == ["verify:sent", "task-result:sent"]

    case.refresh_from_db()
    assert case.status == "verified" and case.events.filter(kind="verify_pass").count() == 1
    [verify_photo] = case.attachments.filter(uploaded_by=tree.users["worker"])
    [result] = TaskResult.objects.all()
    assert result.target_id == target.pk and result.values == {"hose": "old"}
    [form_photo] = ResultPhoto.objects.filter(result=result)
    # The server read each photo's time and place before storing it without them.
    for stored in (verify_photo, form_photo):
        assert stored.taken_at == datetime(2025, 3, 14, 1, 26, 53, tzinfo=UTC)
        assert (stored.gps_lat, stored.gps_lon) == pytest.approx(YUELU, abs=1e-5)
        assert not Image.open(stored.file.open("rb")).getexif()
    uploads = PhotoUpload.objects.order_by("created_at")
    assert [u.case_id for u in uploads] == [case.pk, None] and all(u.used_at for u in uploads)
    context.close()
