"""The command map and the patrol page in Debian's Chromium against a live server, phone and desktop."""

import re

import pytest

from command.models import PatrolPosition, TrackAccessLog
from command.selectors import board
from tests.browser import DESKTOP, PHONE, SHOTS, needs_chromium
from tests.command.conftest import open_case

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.fixture(autouse=True)
def _chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the screenshots show what users see by default


class Session:
    """One person at one screen size; records every request so we can see nothing leaves the server."""

    def __init__(self, browser, base, username, viewport, point=None):
        options = {"viewport": viewport, "locale": "zh-CN"}
        if point:
            options.update(geolocation=point, permissions=["geolocation"])
        self.context = browser.new_context(**options)
        self.context.set_default_timeout(15000)
        self.page = self.context.new_page()
        self.requests = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.base, self.size = base, "phone" if viewport == PHONE else "desktop"
        self.page.goto(f"{base}/accounts/login/?next=/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", "pw-" + username)
        self.page.click("main form button[type=submit]")
        self.page.wait_for_load_state()

    def shot(self, name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"command-{name}-{self.size}.png"), full_page=True)

    def foreign_requests(self):
        return [u for u in self.requests if not u.startswith((self.base, "data:", "blob:"))]


def test_the_command_map_without_tiles_clicks_through_to_a_case(
    transactional_db, tree, live_server, browser, rubbish, monkeypatch, settings
):
    settings.GRIDGOV = {**settings.GRIDGOV, "MAP_TILE_URL": ""}
    monkeypatch.setattr(board, "MARKER_LIMIT", 3)  # a handful of cases is enough to see clusters
    near = [
        open_case(
            tree,
            rubbish,
            grid=0,
            dx=0.0003 * k - 0.0005,
            dy=0.0002 * (k % 2),
            alert="red" if k == 2 else "",
            title=f"东门垃圾堆放{k}",
        )
        for k in range(4)
    ]
    for g in (1, 3, 6):
        open_case(
            tree,
            rubbish,
            grid=g,
            alert="yellow" if g == 3 else "",
            supervised=g == 6,
            title=f"网格{g}占道经营",
        )
    base = live_server.url

    centre = Session(browser, base, "centre", DESKTOP)
    page = centre.page
    page.goto(f"{base}/command/")
    page.wait_for_selector("#command-map path.leaflet-interactive")  # grids drawn from boundaries, no tiles
    assert page.locator("#command-map path.leaflet-interactive").count() == 8
    assert page.locator("[data-count=open] .n").inner_text() == "7"
    assert page.locator("[data-count=overdue] .n").inner_text() == "1"
    assert page.locator("#board-overdue .board-list a").first.get_attribute("href") == f"/cases/{near[2].pk}/"
    page.wait_for_selector(".gg-cluster")
    page.wait_for_timeout(700)  # let the fitBounds animation settle before the screenshot
    centre.shot("map")

    # A cluster opens onto its cases; a case's pin opens a popup whose link leads to the case.
    page.locator(".gg-cluster").first.click()
    pin = page.locator(f".gg-pin[data-case='{near[2].pk}']")
    pin.wait_for()
    pin.click()
    page.locator(".leaflet-popup a.button-link").click()
    page.wait_for_url(re.compile(rf"/cases/{near[2].pk}/$"))
    assert centre.foreign_requests() == []

    phone = Session(browser, base, "centre", PHONE)
    phone.page.goto(f"{base}/command/")
    phone.page.wait_for_selector("#command-map path.leaflet-interactive")
    phone.page.wait_for_selector(".gg-cluster, .gg-pin")
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= 360
    phone.page.wait_for_timeout(700)
    phone.shot("map")


def test_a_worker_on_patrol_is_seen_by_the_centre_and_the_track_look_is_logged(
    transactional_db, tree, live_server, browser
):
    grid = tree.grids[0]
    base = live_server.url
    worker = Session(
        browser,
        base,
        "worker",
        PHONE,
        {"latitude": grid.centroid_lat, "longitude": grid.centroid_lon, "accuracy": 12},
    )
    page = worker.page
    page.goto(f"{base}/command/patrol/")
    page.click("#patrol-toggle")
    page.wait_for_function("() => document.querySelector('#patrol-sent').textContent === '1'")
    assert page.get_attribute("#patrol-toggle", "aria-pressed") == "true"
    position = PatrolPosition.objects.get()
    assert position.user == tree.users["worker"] and position.area_code == grid.code
    assert abs(position.lat - grid.centroid_lat) < 1e-6 and position.accuracy_m == 12
    assert "巡查中" in page.inner_text("#patrol-status")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    worker.shot("patrol")
    page.reload()  # the switch survives a reload and goes on sending
    page.wait_for_function(
        "() => document.querySelector('#patrol-toggle').getAttribute('aria-pressed') === 'true'"
    )
    assert worker.foreign_requests() == []

    # Earlier points of the same patrol, so the track is a line.
    from django.utils import timezone

    for k, (dx, dy) in enumerate([(-0.002, -0.0015), (-0.001, -0.0018), (0.0005, -0.001)]):
        PatrolPosition.objects.create(
            user=position.user,
            lat=grid.centroid_lat + dy,
            lon=grid.centroid_lon + dx,
            recorded_at=position.recorded_at - timezone.timedelta(minutes=3 - k),
        )
    centre = Session(browser, base, "centre", DESKTOP)
    centre.page.goto(f"{base}/command/")
    marker = centre.page.locator(f".gg-worker[data-worker='{tree.users['worker'].pk}']")
    marker.wait_for()
    marker.click()
    centre.page.click(".leaflet-popup [data-track]")
    # The track: its line and its two ends.
    centre.page.wait_for_function(
        "() => document.querySelectorAll(\"#command-map path[stroke='#2e7d32']\").length === 3"
    )
    log = TrackAccessLog.objects.get()
    assert (log.viewer, log.subject) == (tree.users["centre"], tree.users["worker"])
    centre.page.wait_for_timeout(700)  # the zoom to the track has settled
    centre.shot("map-patrol")
