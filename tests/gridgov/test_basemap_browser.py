"""The base map in Debian's Chromium: GCJ-02 in the browser against published pairs and against Python, a pin
placed on GCJ-02 tiles stored in WGS 84, the offline base layer, a photo's GPS offered on the report form.
No request leaves the live server: tiles of a configured provider are answered by a local fixture."""

import io
from fractions import Fraction

import pytest
from django.conf import settings as django_settings
from django.test import Client
from PIL import ExifTags, Image, TiffImagePlugin

from cases.models import Category
from gridgov.gcj02 import gcj_to_wgs, wgs_to_gcj
from residents.models import Building, Place
from tests.browser import PHONE, SHOTS, needs_chromium
from tests.factories import report
from tests.gridgov.test_gcj02 import PAIRS, metres

pytestmark = [pytest.mark.browser, needs_chromium]

WIDE = {"width": 1366, "height": 800}


@pytest.fixture(autouse=True)
def _chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"  # the screenshots show what users see by default


def tile_png():
    """A 256-pixel tile: a pale ground with a grid of lines, so a screenshot shows where tiles are."""
    image = Image.new("RGB", (256, 256), (236, 240, 232))
    for k in range(0, 256, 32):
        for j in range(256):
            image.putpixel((k, j), (200, 206, 214))
            image.putpixel((j, k), (200, 206, 214))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def dms(value):
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = (value - degrees - minutes / 60) * 3600
    return tuple(
        TiffImagePlugin.IFDRational(Fraction(v).limit_denominator(10000)) for v in (degrees, minutes, seconds)
    )


def photo_with_gps(lat, lon):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "HUAWEI"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: dms(lat),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: dms(lon),
    }
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (120, 140, 90)).save(out, "JPEG", exif=exif)
    return {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


class Visitor:
    """One signed-in person at one screen size (session cookie: the login page is not what this looks at);
    records every request, and every script error."""

    def __init__(self, browser, base, user, viewport, point=None):
        options = {"viewport": viewport, "locale": "zh-CN"}
        if point:
            options.update(geolocation=point, permissions=["geolocation"])
        self.context = browser.new_context(**options)
        self.context.set_default_timeout(15000)
        client = Client()
        client.force_login(user)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        self.context.add_cookies(
            [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": base}]
        )
        self.page = self.context.new_page()
        self.requests, self.errors = [], []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.base, self.size = base, "phone" if viewport == PHONE else "desktop"

    def go(self, path):
        self.page.goto(self.base + path)

    def shot(self, name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"basemap-{name}-{self.size}.png"), full_page=True)

    def foreign_requests(self):
        return [u for u in self.requests if not u.startswith((self.base, "data:", "blob:"))]


def wait_drawn(page, selector, index, at_least=1):
    """Wait until the offline layer on ``selector`` has drawn at least this many of one kind
    (data-base-drawn is "streets,communities,buildings,places")."""
    page.wait_for_function(
        """([sel, k, n]) => { const el = document.querySelector(sel);
             return !!(el && el.dataset.baseDrawn && +el.dataset.baseDrawn.split(",")[k] >= n); }""",
        arg=[selector, index, at_least],
    )
    return [int(n) for n in page.locator(selector).get_attribute("data-base-drawn").split(",")]


def test_the_browser_shifts_like_the_published_pairs_and_like_python(
    transactional_db, tree, live_server, browser
):
    visitor = Visitor(browser, live_server.url, tree.users["worker"], PHONE)
    visitor.go("/cases/new/")
    visitor.page.wait_for_function("() => !!window.GGBasemap")
    points = [wgs for wgs, _gcj in PAIRS] + [(28.2 + k * 0.37, 112.9 + k * 0.53) for k in range(8)]
    got = visitor.page.evaluate(
        """(points) => points.map(p => ({ gcj: GGBasemap.wgsToGcj(p[0], p[1]),
             back: GGBasemap.gcjToWgs(...GGBasemap.wgsToGcj(p[0], p[1])) }))""",
        points,
    )
    for (_wgs, gcj), answer in zip(PAIRS, got):
        assert answer["gcj"] == pytest.approx(list(gcj), abs=1e-9)
    for point, answer in zip(points, got):
        assert answer["gcj"] == pytest.approx(list(wgs_to_gcj(*point)), abs=1e-9)
        assert metres(answer["back"], point) < 0.01
    london = visitor.page.evaluate(
        "() => [GGBasemap.wgsToGcj(51.5007, -0.1246), GGBasemap.gcjToWgs(51.5007, -0.1246)]"
    )
    assert london == [[51.5007, -0.1246], [51.5007, -0.1246]]
    assert visitor.errors == []


def test_on_gcj02_tiles_the_grid_is_drawn_shifted_and_a_pin_is_stored_in_wgs84(
    transactional_db, tree, live_server, browser, settings
):
    settings.GRIDGOV = {**settings.GRIDGOV, "MAP_TILES": "amap"}
    policy = {
        **settings.CONTENT_SECURITY_POLICY,
        "DIRECTIVES": dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]),
    }
    policy["DIRECTIVES"]["img-src"] = [*policy["DIRECTIVES"]["img-src"], "https://*.is.autonavi.com"]
    settings.CONTENT_SECURITY_POLICY = policy
    visitor = Visitor(browser, live_server.url, tree.users["worker"], WIDE)
    png, tiles = tile_png(), []

    def answer_tile(route):
        tiles.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=png)

    visitor.context.route("https://*.is.autonavi.com/**", answer_tile)
    page = visitor.page
    visitor.go("/cases/new/")
    page.wait_for_selector("#report-map path.leaflet-interactive")  # the grid outlines
    grid = tree.grids[0]
    page.evaluate(
        "([lat, lon]) => document.getElementById('report-map').ggMap"
        ".setView([lat, lon], 17, {animate: false})",
        [grid.centroid_lat, grid.centroid_lon],
    )
    page.wait_for_selector("#report-map img.leaflet-tile-loaded")
    assert tiles and all("is.autonavi.com/appmaptile?" in u and "style=8" in u for u in tiles)
    assert page.locator("#report-map").get_attribute("data-datum") == "gcj02"

    # Display: a WGS 84 corner of the grid sits on the tile pixel of its GCJ-02 point, computed in Python.
    corner = grid.boundary["coordinates"][0][0]  # [lon, lat]
    gcj = wgs_to_gcj(corner[1], corner[0])
    drawn, tile_pixel = page.evaluate(
        """([wgs, gcj]) => { const map = document.getElementById('report-map').ggMap, z = map.getZoom();
             const a = map.project(wgs, z), b = L.CRS.EPSG3857.latLngToPoint(L.latLng(gcj), z);
             return [[a.x, a.y], [b.x, b.y]]; }""",
        [[corner[1], corner[0]], list(gcj)],
    )
    assert drawn == pytest.approx(tile_pixel, abs=0.01)

    # Placing a pin: the tap lands on a GCJ-02 spot of the tiles; the form stores its WGS 84 point.
    page.evaluate(
        "() => document.getElementById('report-map').ggMap"
        ".once('click', e => { window.tap = e.containerPoint; })"
    )
    page.locator("#report-map").click(position={"x": 500, "y": 150})
    page.wait_for_function("() => document.getElementById('id_lat').value !== ''")
    tapped = page.evaluate(
        """() => { const map = document.getElementById('report-map').ggMap;
             const layer = map.containerPointToLayerPoint(window.tap);
             const p = L.CRS.EPSG3857.pointToLatLng(layer.add(map.getPixelOrigin()), map.getZoom());
             return [p.lat, p.lng]; }"""
    )
    stored = (float(page.input_value("#id_lat")), float(page.input_value("#id_lon")))
    assert stored == pytest.approx(gcj_to_wgs(*tapped), abs=1.5e-6)
    assert 300 < metres(stored, tapped) < 800  # the tiles' datum really is another one
    page.wait_for_function("() => document.getElementById('grid-name').textContent.includes('网格')")
    visitor.shot("gcj02-pin")
    assert [u for u in visitor.foreign_requests() if "is.autonavi.com" not in u] == []
    assert visitor.errors == []


@pytest.fixture
def district_things(tree):
    for k, grid in enumerate(tree.grids):
        for j, (dy, dx) in enumerate(
            [(-0.001, -0.001), (0.001, -0.0012), (-0.0008, 0.0011), (0.0012, 0.001)]
        ):
            Building.objects.create(
                area=grid,
                code=f"B{k}-{j}",
                name=f"{j + 1}栋",
                floors=6,
                lat=grid.centroid_lat + dy,
                lon=grid.centroid_lon + dx,
            )
        Place.objects.create(
            area=grid, name=f"便民超市{k}", kind="shop", lat=grid.centroid_lat, lon=grid.centroid_lon
        )
    return tree


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["desktop", "phone"])
def test_without_tiles_the_command_map_draws_the_districts_own_base_layer(
    transactional_db, district_things, live_server, browser, settings, viewport
):
    settings.GRIDGOV = {**settings.GRIDGOV, "MAP_TILES": "", "MAP_TILE_URL": ""}
    tree = district_things
    visitor = Visitor(browser, live_server.url, tree.users["centre"], viewport)
    page = visitor.page
    visitor.go("/")
    assert page.locator(".basemap-notice").is_visible()  # the first-run notice for the centre
    visitor.shot("home-notice")
    visitor.go("/command/")
    streets, communities, _b, _p = wait_drawn(page, "#command-map", 1, 4)  # once fitted to the district
    assert (streets, communities) == (2, 4)
    page.locator(".gg-base-label.street").first.wait_for()
    assert sorted(page.locator(".gg-base-label.street").all_inner_texts()) == ["街道1", "街道2"]
    assert page.locator("#command-map canvas").count() >= 1  # drawn on a canvas under the grid outlines
    page.wait_for_timeout(500)
    visitor.shot("command-offline")

    grid = tree.grids[0]
    page.evaluate(
        "([lat, lon]) => document.getElementById('command-map').ggMap"
        ".setView([lat, lon], 17, {animate: false})",
        [grid.centroid_lat, grid.centroid_lon],
    )
    drawn = wait_drawn(page, "#command-map", 2, 4)
    assert drawn[2] >= 4 and drawn[3] >= 1
    page.locator(".gg-base-label.place").first.wait_for()
    assert any("便民超市0" in t for t in page.locator(".gg-base-label.place").all_inner_texts())
    page.wait_for_timeout(300)
    visitor.shot("command-offline-close")
    assert visitor.foreign_requests() == []
    assert visitor.errors == []


def test_the_report_form_offers_the_photos_location_when_the_browser_has_none(
    transactional_db, district_things, live_server, browser, settings
):
    settings.GRIDGOV = {**settings.GRIDGOV, "MAP_TILES": "", "MAP_TILE_URL": ""}
    tree = district_things
    grid = tree.grids[0]
    visitor = Visitor(browser, live_server.url, tree.users["worker"], PHONE)  # no location permission
    page = visitor.page
    visitor.go("/cases/new/")
    wait_drawn(page, "#report-map", 0, 1)
    assert page.input_value("#id_lat") == ""
    lat, lon = grid.centroid_lat + 0.0004, grid.centroid_lon - 0.0003
    page.set_input_files("#id_photos", [photo_with_gps(lat, lon)])
    offer = page.locator("#photo-offer")
    offer.wait_for(state="visible")
    assert f"{lat:.5f}" in offer.inner_text()
    offer.scroll_into_view_if_needed()
    visitor.shot("report-photo-offer")
    page.click("[data-photo-place]")
    page.wait_for_function("() => document.getElementById('id_lat').value !== ''")
    assert float(page.input_value("#id_lat")) == pytest.approx(lat, abs=2e-5)
    assert float(page.input_value("#id_lon")) == pytest.approx(lon, abs=2e-5)
    assert offer.is_hidden()
    page.wait_for_function(f"() => document.getElementById('grid-name').textContent === '{grid.name}'")
    wait_drawn(page, "#report-map", 2, 1)  # the pin's close-up shows the buildings around it
    page.wait_for_timeout(300)
    visitor.shot("report-photo-placed")
    assert visitor.foreign_requests() == []
    assert visitor.errors == []


def test_a_photo_never_overrides_the_browsers_position(
    transactional_db, district_things, live_server, browser
):
    tree = district_things
    grid = tree.grids[1]
    here = {"latitude": grid.centroid_lat, "longitude": grid.centroid_lon, "accuracy": 10}
    visitor = Visitor(browser, live_server.url, tree.users["worker"], PHONE, point=here)
    page = visitor.page
    visitor.go("/cases/new/")
    page.wait_for_function("() => document.getElementById('id_lat').value !== ''")
    page.set_input_files(
        "#id_photos", [photo_with_gps(tree.grids[0].centroid_lat, tree.grids[0].centroid_lon)]
    )
    page.wait_for_timeout(500)
    assert page.locator("#photo-offer").is_hidden()
    assert float(page.input_value("#id_lat")) == pytest.approx(grid.centroid_lat, abs=1e-6)


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["desktop", "phone"])
def test_the_case_page_and_the_patrol_page_draw_the_base_layer(
    transactional_db, district_things, live_server, browser, settings, viewport, catalogue
):
    settings.GRIDGOV = {**settings.GRIDGOV, "MAP_TILES": "", "MAP_TILE_URL": ""}
    tree = district_things
    case = report(tree, Category.objects.get(code="01001"), title="东门垃圾堆放")
    visitor = Visitor(browser, live_server.url, tree.users["worker"], viewport)
    page = visitor.page
    visitor.go(f"/cases/{case.pk}/")
    drawn = wait_drawn(page, ".small-map", 2, 1)
    assert drawn[0] == 1  # the worker's street, around the case
    page.wait_for_timeout(300)
    visitor.shot("case")
    visitor.go("/command/patrol/")
    wait_drawn(page, "#patrol-map", 0, 1)
    page.wait_for_timeout(300)
    visitor.shot("patrol")
    assert page.locator(".basemap-notice").count() == 0  # a worker is not told to configure tiles
    assert visitor.foreign_requests() == []
    assert visitor.errors == []
