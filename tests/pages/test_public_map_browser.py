"""The public map of reports and the photo moderation queue in Debian's Chromium, at 360 px and 1366 px:
a citizen finds reports on the map (points by state, a popup linking to the report) with no tile server;
community staff approve a photo from the queue and blur one with the tool on its page.

Screenshots: ``public-map-*.png`` and ``moderation-*.png`` in ``screenshots/`` (or ``$GRIDGOV_SHOTS``)."""

import pytest

from cases import services as case_services
from cases.models import Attachment, Publication, Source
from tests.browser import SHOTS, jpeg, needs_chromium

from .conftest import report
from .test_handling_browser import SIZES, Person

pytestmark = [pytest.mark.browser, needs_chromium]


def _shot(page, name, size):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{size}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"], name


def _uploaded(name, color):
    from django.core.files.uploadedfile import SimpleUploadedFile

    made = jpeg(name, color)
    return SimpleUploadedFile(made["name"], made["buffer"], content_type="image/jpeg")


@pytest.mark.parametrize("size", sorted(SIZES))
def test_the_public_map_and_the_moderation_queue(
    transactional_db, tree, live_server, browser, rubbish, settings, size
):
    settings.LANGUAGE_CODE = "zh-hans"
    u = tree.users
    made = [
        report(
            tree,
            rubbish,
            grid=n % 4,
            source=Source.CITIZEN,
            description=f"垃圾堆放 {n}",
            before_photos=[_uploaded(f"p{n}.jpg", (40 * n, 120, 200))],
        )
        for n in range(4)
    ]
    case_services.case_file(case_id=made[1].pk, actor=u["community"])
    case_services.case_dispatch(case_id=made[1].pk, actor=u["community"], department=tree.departments[0])
    case_services.case_void(case_id=made[2].pk, actor=u["centre"], reason="重复反映")
    base = live_server.url

    citizen = browser.new_context(viewport=SIZES[size], locale="zh-CN")
    page = citizen.new_page()
    page.goto(f"{base}/public/reports/map/")
    page.wait_for_function(
        "() => Number(document.querySelector('[data-public-map]').dataset.pointsDrawn) > 0"
    )
    assert page.locator("path.report-dot").count() == 4
    assert page.locator(".map-legend li").count() == 4 and "处置中" in page.inner_text(".map-legend")
    page.locator("path.dot-handling").first.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "处置中" in popup.inner_text()
    _shot(page, "public-map", size)
    with page.expect_navigation():
        popup.locator("a").click()
    assert page.url.endswith(f"/public/reports/{made[1].public_id}/")
    page.goto(f"{base}/public/reports/map/?state=closed")
    page.wait_for_function("() => document.querySelector('[data-public-map]').dataset.pointsDrawn === '1'")
    citizen.close()

    staff = Person(browser, base, "community", size)
    page = staff.go("/photo-moderation/")
    assert page.locator("[data-photo]").count() == 2  # grids 0 and 1: the community's own
    _shot(page, "moderation-queue", size)
    first = page.locator("[data-photo]").first
    with page.expect_navigation():
        first.locator("button[value=approve]").click()
    assert page.locator("[data-photo]").count() == 1
    assert Attachment.objects.filter(publication=Publication.APPROVED).count() == 1

    pending = Attachment.objects.get(case=made[1])
    page = staff.go(f"/cases/attachments/{pending.pk}/blur/")
    image = page.locator("[data-blur-image]")
    image.wait_for()
    page.wait_for_function("() => document.querySelector('[data-blur-image]').complete")
    box = image.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.5, steps=5)
    page.mouse.up()
    assert page.inner_text("[data-blur-count]") == "1"
    _shot(page, "moderation-blur", size)
    with page.expect_navigation():
        page.locator("[data-blur-form] button[type=submit]").click()
    pending.refresh_from_db()
    assert pending.public_file and pending.publication == Publication.PENDING
    _shot(page, "moderation-blurred", size)
