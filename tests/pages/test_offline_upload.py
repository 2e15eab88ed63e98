"""The phone's photos sent in pieces (issue 23, static/js/upload.js): a dropped connection mid-photo goes
on from the server's offset, and exactly one photo is stored, for a report as for a task's form (whose
lost answer is resent with the same key and the same upload); Background Sync sends the queue with no
page open.

Screenshots go to ``screenshots/`` (git-ignored) or to ``$GRIDGOV_SHOTS``; look at them."""

import hashlib
import io

import pytest
from PIL import Image

from cases.models import Attachment, Case, PhotoUpload
from tasks.models import ResultPhoto, Target, TaskResult
from tests.browser import PHONE, needs_chromium, shot

STATES = "() => GGOffline.all().then(items => items.map(i => i.state))"
PIECE = 256 * 1024


def big_photo():
    """A noisy camera-sized JPEG: three pieces and a bit."""
    buffer = io.BytesIO()
    Image.effect_noise((960, 740), 90).convert("RGB").save(buffer, "JPEG", quality=97)
    data = buffer.getvalue()
    assert 3 * PIECE < len(data) < 5 * PIECE, len(data)
    return {"name": "stairwell.jpg", "mimeType": "image/jpeg", "buffer": data}


def _login(browser, base, **options):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", **options)
    context.set_default_timeout(20000)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/?next=/cases/new/")
    page.fill("#id_username", "worker")
    page.fill("#id_password", "pw-worker")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#report-form")
    return context, page


def _fill(page, grid, title, photo):
    page.select_option("#id_category", "01001")
    page.fill("#id_title", title)
    page.fill("#id_lat", str(grid.centroid_lat))
    page.fill("#id_lon", str(grid.centroid_lon))
    page.set_input_files("#id_photos", [photo])
    page.click("#report-form button[type=submit]")
    page.wait_for_function("() => document.querySelectorAll('#outbox li').length >= 1")


@pytest.mark.browser
@needs_chromium
def test_it_sends_a_photo_in_pieces_and_goes_on_from_the_servers_offset_after_a_drop(
    transactional_db, tree, live_server, browser, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    grid = tree.grids[0]
    # Straight to the network (no service worker), so that the test sees and drops the pieces.
    context, page = _login(browser, live_server.url, service_workers="block")
    photo = big_photo()
    context.set_offline(True)
    _fill(page, grid, "楼道照片", photo)

    # The second piece reaches the server but its answer is lost: the connection drops mid-photo.
    pieces = []

    def drop_second_answer(route):
        request = route.request
        if request.method == "PATCH":
            pieces.append(int(request.headers["upload-offset"]))
            if len(pieces) == 2:
                route.fetch()
                route.abort()
                return
        route.continue_()

    page.route("**/api/v1/uploads/**", drop_second_answer)
    context.set_offline(False)
    page.evaluate("() => GGOffline.sync()")
    assert page.evaluate(STATES) == ["waiting"] and not Case.objects.exists()
    upload = PhotoUpload.objects.get()
    assert upload.received == 2 * PIECE and upload.finished_at is None

    # The next try asks how far the server got and sends only the rest.
    page.evaluate("() => GGOffline.sync()")
    assert page.evaluate(STATES) == ["sent"]
    assert pieces == [0, PIECE, 2 * PIECE, 3 * PIECE]
    case = Case.objects.get()
    assert Attachment.objects.filter(case=case).count() == 1 and PhotoUpload.objects.count() == 1
    upload.refresh_from_db()
    assert upload.case_id == case.pk and upload.sha256 == hashlib.sha256(photo["buffer"]).hexdigest()

    page.evaluate("() => GGOffline.render()")
    page.locator("#outbox").scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "offline-upload-sent", "phone")
    context.close()


@pytest.mark.browser
@needs_chromium
def test_background_sync_sends_the_queue_with_no_page_open(
    transactional_db, tree, live_server, browser, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    grid = tree.grids[0]
    context, page = _login(browser, live_server.url)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    _fill(page, grid, "地下室积水", big_photo())
    tags = page.evaluate("() => navigator.serviceWorker.ready.then(r => r.sync.getTags())")
    assert tags == ["gg-outbox"]  # the browser will wake the service worker when the signal returns

    # The page closed, the browser fires the sync (through DevTools here, as Chromium does on reconnecting).
    blank = context.new_page()
    cdp = context.new_cdp_session(blank)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: registrations.extend(e["registrations"]))
    cdp.send("ServiceWorker.enable")
    page.close()
    context.set_offline(False)
    blank.wait_for_timeout(200)
    registration = next(r for r in registrations if r["scopeURL"] == f"{live_server.url}/")
    cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": live_server.url,
            "registrationId": registration["registrationId"],
            "tag": "gg-outbox",
            "lastChance": False,
        },
    )
    for _ in range(100):
        if Case.objects.exists():
            break
        blank.wait_for_timeout(100)
    case = Case.objects.get()
    assert case.title == "地下室积水" and Attachment.objects.filter(case=case).count() == 1

    # The next page shows it as sent.
    page = context.new_page()
    page.goto(f"{live_server.url}/cases/new/")
    page.wait_for_function("() => document.querySelectorAll('#outbox li.sent').length === 1")
    assert page.evaluate(STATES) == ["sent"] and Case.objects.count() == 1
    context.close()


@pytest.mark.browser
@needs_chromium
def test_a_task_forms_photo_resumes_after_a_drop_and_the_form_is_recorded_once(
    transactional_db, tree, assignment, live_server, browser, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    target = Target.objects.get(assignment=assignment)
    context, page = _login(browser, live_server.url, service_workers="block")
    page.goto(f"{live_server.url}/tasks/assignments/{assignment.pk}/fill/?target={target.pk}")
    context.set_offline(True)
    page.check("input[name='v.hose'][value='ok']")
    page.set_input_files("#id_photos", [big_photo()])
    page.click("#fill-form button[type=submit]")
    page.wait_for_selector("[data-step-queued]:not([hidden])")

    # The second piece arrives but its answer is lost; then the form arrives but its answer is lost too.
    pieces, forms = [], []

    def drop_answers(route):
        request, lost = route.request, False
        if request.method == "PATCH":
            pieces.append(int(request.headers["upload-offset"]))
            lost = len(pieces) == 2
        elif request.method == "POST" and "/task-results/" in request.url:
            forms.append((request.headers["idempotency-key"], request.post_data_json["photo_uploads"]))
            lost = len(forms) == 1
        if lost:
            route.fetch()
            route.abort()
            return
        route.continue_()

    page.route("**/api/v1/**", drop_answers)
    context.set_offline(False)
    page.evaluate("() => GGOffline.sync()")
    assert page.evaluate(STATES) == ["waiting"] and not TaskResult.objects.exists()
    assert PhotoUpload.objects.get().received == 2 * PIECE
    page.evaluate("() => GGOffline.sync()")  # the rest of the photo; the form's answer is lost
    assert page.evaluate(STATES) == ["waiting"] and TaskResult.objects.count() == 1
    page.evaluate("() => GGOffline.sync()")  # the same form again: the server answers as the first time
    assert page.evaluate(STATES) == ["sent"]

    assert pieces == [0, PIECE, 2 * PIECE, 3 * PIECE]
    [upload] = PhotoUpload.objects.all()
    assert forms == [forms[0], forms[0]] and forms[0][1] == [str(upload.pk)]
    [result] = TaskResult.objects.all()
    assert ResultPhoto.objects.filter(result=result).count() == 1 and upload.used_at is not None
    context.close()
