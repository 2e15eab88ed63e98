"""A citizen on a phone reports with a photo, keeps the link, follows the case and rates it (Chromium)."""

import re
from unittest import mock

import pytest

from cases import moderation, services
from cases.models import Case
from intake.tasks import deliver_webhook
from tests.browser import DESKTOP, PHONE, jpeg, needs_chromium, shot

pytestmark = [pytest.mark.browser, pytest.mark.urls("tests.intake.urls"), needs_chromium]


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_citizen_reports_follows_and_rates(transactional_db, tree, live_server, browser, settings):
    from django.core.cache import cache

    from tests.cases.conftest import report

    cache.clear()
    settings.LANGUAGE_CODE = "zh-hans"
    settings.GRIDGOV = {
        **settings.GRIDGOV,
        "PUBLIC_REPORT_MIN_SECONDS": 0,
    }  # the test does not wait like a person
    from cases.models import Category

    rubbish = Category.objects.get(code="01001")
    grid = tree.grids[0]
    earlier = report(tree, rubbish, title="东门垃圾桶满了")
    context = browser.new_context(viewport=PHONE, locale="zh-CN")  # no geolocation: the map click places it
    context.set_default_timeout(15000)
    page = context.new_page()
    page.goto(f"{live_server.url}/public/report/")
    assert "我要反映问题" in page.inner_text("h1")
    page.select_option("#id_category", "01001")
    page.fill("#id_description", "小区东门垃圾三天没人清运，有异味")
    page.set_input_files("#id_photos", [jpeg("before.jpg", (160, 40, 40))])
    page.wait_for_selector("#report-map path.leaflet-interactive")  # grid outlines: no tiles needed
    # Tap the middle of grid 1-1-1's outline (a click on the outline layer reaches the map and sets the pin).
    tap_grid(page, "网格1-1-1")
    page.wait_for_selector("[data-same-as]")  # the earlier report nearby is offered
    assert earlier.title in page.inner_text("#duplicates") and "worker" not in page.inner_text("#duplicates")
    page.fill("#id_phone", "13900002222")
    shot(page, "citizen-report", "phone")
    assert fits(page)
    page.click("#report-form button[type=submit]")
    page.wait_for_url(re.compile(r"/public/track/[^/]+/\?new=1$"))
    link = page.input_value("#track-link")
    assert "/public/track/" in link and "提交成功" in page.inner_text(".sent")
    shot(page, "citizen-sent", "phone")
    assert fits(page)

    case = Case.objects.get(source="citizen")
    assert case.area == grid and case.attachments.filter(kind="before").count() == 1
    u = tree.users
    services.case_file(case_id=case.pk, actor=u["community"])
    services.case_dispatch(case_id=case.pk, actor=u["community"], department=tree.departments[0])
    services.case_accept(case_id=case.pk, actor=u["handler"])
    after = jpeg("after.jpg", (40, 160, 40))
    from django.core.files.uploadedfile import SimpleUploadedFile

    services.case_feedback(
        case_id=case.pk,
        actor=u["handler"],
        result="已清运并消毒",
        photos=[SimpleUploadedFile("after.jpg", after["buffer"], content_type="image/jpeg")],
    )
    services.case_verify(case_id=case.pk, actor=u["worker"], passed=True, note="内部：已核实")
    services.case_close(case_id=case.pk, actor=u["community"])
    # The after-photo reaches the citizen's page once the community approves it (issue 24, moderation).
    for photo in case.attachments.filter(kind="after"):
        moderation.photo_moderate(attachment_id=photo.pk, actor=u["community"], approve=True)

    page.goto(link)
    assert "已办结" in page.inner_text(".status-words")
    steps = page.locator(".milestones li").all_inner_texts()
    assert len(steps) == 7 and "已清运并消毒" in steps[-1]
    assert "内部" not in page.inner_text("main") and "城管局" not in page.inner_text("main")
    page.wait_for_function(
        "() => (img => img && img.complete && img.naturalWidth > 0)(document.querySelector('.photo-row img'))"
    )
    shot(page, "citizen-track-closed", "phone")
    assert fits(page)
    page.check("input[value=satisfied]")
    with page.expect_navigation(wait_until="load"):
        page.click("#rate-form button[type=submit]")
    assert "满意" in page.inner_text(".rated")
    shot(page, "citizen-rated", "phone")
    case.refresh_from_db()
    assert (case.status, case.satisfaction) == ("evaluated", "satisfied")

    desktop = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
    desktop.goto(link)
    shot(desktop, "citizen-rated", "desktop")
    desktop.goto(f"{live_server.url}/public/report/")
    desktop.wait_for_selector("#report-map path.leaflet-interactive")
    shot(desktop, "citizen-report", "desktop")
    context.close()


def test_the_centre_sees_failed_webhooks(transactional_db, tree, live_server, browser, receiver, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    from django.utils import timezone

    from intake.keys import integration_create
    from intake.models import WebhookDelivery

    from .conftest import order

    hotline, _key = integration_create(
        name="市12345热线", kind="hotline", webhook_url="https://hotline.example/hook"
    )
    from intake.hotline import order_receive
    from intake.serializers import HotlineOrderInSerializer

    data = HotlineOrderInSerializer(data=order(tree))
    data.is_valid(raise_exception=True)
    case = order_receive(integration=hotline, data=dict(data.validated_data)).order.case
    WebhookDelivery.objects.create(
        integration=hotline,
        case=case,
        kind="close",
        key="k1",
        status="failed",
        attempts=8,
        next_attempt_at=timezone.now(),
        response_code=502,
        last_error="HTTP 502 Bad Gateway",
    )
    WebhookDelivery.objects.create(
        integration=hotline,
        case=case,
        kind="file",
        key="k2",
        status="sent",
        attempts=1,
        next_attempt_at=timezone.now(),
        response_code=200,
    )
    for viewport, size in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page = browser.new_context(viewport=viewport, locale="zh-CN").new_page()
        page.goto(f"{live_server.url}/accounts/login/?next=/intake/")
        page.fill("#id_username", "centre")
        page.fill("#id_password", "pw-centre")
        page.click("main form button[type=submit]")
        page.wait_for_url(re.compile(r"/intake/$"))
        assert "HTTP 502" in page.inner_text("main") and case.number in page.inner_text("main")
        shot(page, "centre-integrations", size)
        receiver.codes = []
        failed = WebhookDelivery.objects.get(key="k1")
        # The page queues the delivery; the test is the worker that sends it, once the page says it is
        # queued (no race with a delivery running inside the live server's request).
        with mock.patch.object(deliver_webhook, "apply_async") as queue:
            with page.expect_navigation(wait_until="load"):
                page.click("text=重新发送")
            page.wait_for_selector(f".messages >> text=推送 {failed.pk} 已重新排队发送")
        assert [c.args[0] for c in queue.call_args_list] == [(failed.pk,)]
        failed.refresh_from_db()
        assert (failed.status, failed.attempts) == ("pending", 0)
        assert "HTTP 502" not in page.inner_text("main")  # no longer among the failed deliveries
        deliver_webhook(failed.pk)
        assert WebhookDelivery.objects.get(key="k1").status == "sent"
        WebhookDelivery.objects.filter(key="k1").update(
            status="failed", response_code=502, last_error="HTTP 502 Bad Gateway"
        )


def tap_grid(page, name):
    """Tap the centre of each grid outline until the form names the wanted grid (outlines have no labels)."""
    page.locator("#report-map").scroll_into_view_if_needed()
    for outline in page.locator("#report-map path.leaflet-interactive").all():
        box = outline.bounding_box()
        before = page.input_value("#id_lat") + "," + page.input_value("#id_lon")
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_function(
            "b => document.querySelector('#id_lat').value + ',' + "
            "document.querySelector('#id_lon').value !== b",
            arg=before,
        )
        try:
            page.wait_for_function(
                "n => document.querySelector('#grid-name').textContent.includes(n)", arg=name, timeout=1500
            )
            return
        except Exception:
            pass
    raise AssertionError(f"no outline of {name}")
