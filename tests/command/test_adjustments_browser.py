"""The grid adjustment page in Debian's Chromium: the centre taps a grid, draws the part to split off,
previews (outlines before and after, what changes grid) and confirms; at 1366 px and on a 360 px phone."""

import pytest

from grids.models import AreaChange
from residents.models import Building
from residents.services import building_save
from tests.browser import PHONE, SHOTS, needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]
WIDE = {"width": 1366, "height": 900}


@pytest.fixture(autouse=True)
def _chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    settings.GRIDGOV = {**settings.GRIDGOV, "MAP_TILE_URL": ""}


def login(browser, base, username, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    context.set_default_timeout(15000)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/?next=/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-" + username)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    return page


def shot(page, name, viewport):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"adjust-{name}-{viewport['width']}.png"), full_page=True)


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1366", "360"])
def test_the_centre_splits_a_grid_by_drawing_on_the_map(
    transactional_db, tree, live_server, browser, viewport
):
    grid = tree.grids[0]
    building_save(
        actor=tree.users["centre"],
        area=grid,
        code="B-1",
        name="西一栋",
        lat=grid.min_lat + 0.6 * (grid.max_lat - grid.min_lat),
        lon=grid.min_lon + 0.2 * (grid.max_lon - grid.min_lon),
    )
    building_save(
        actor=tree.users["centre"],
        area=grid,
        code="B-2",
        name="东二栋",
        lat=grid.min_lat + 0.4 * (grid.max_lat - grid.min_lat),
        lon=grid.min_lon + 0.8 * (grid.max_lon - grid.min_lon),
    )
    page = login(browser, live_server.url, "centre", viewport)
    page.goto(f"{live_server.url}/command/grids/adjust/")
    page.wait_for_function("() => document.querySelector('#adjust-map').dataset.ready === '1'")
    page.check("input[name=kind][value=split]")
    assert page.locator("#field-name_rest").is_visible()
    first = page.locator("#adjust-map path.leaflet-interactive").first
    first.scroll_into_view_if_needed()
    box = first.bounding_box()
    first.click(position={"x": box["width"] * 0.5, "y": box["height"] * 0.5})
    assert page.is_checked(f"input[name=grids][value='{grid.code}']")

    # Draw a shape over the grid's west half (corners outside the grid are cut off by the grid's edge).
    page.click("[data-draw=start]")
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    for x, y in [(x0 - 8, y0 - 8), (x0 + w / 2, y0 - 8), (x0 + w / 2, y0 + h + 8), (x0 - 8, y0 + h + 8)]:
        page.mouse.click(x, y)
    page.wait_for_function("() => document.querySelector('#adjust-map').dataset.corners === '4'")
    page.click("[data-draw=finish]")
    assert '"Polygon"' in page.input_value("#id_geojson")
    page.fill("#id_name", "西片网格")
    page.fill("#id_name_rest", "东片网格")
    page.fill("#id_note", "新建小区后拆分")
    page.click("button[value=preview]")
    page.wait_for_selector("#preview")
    page.wait_for_function("() => document.querySelector('#adjust-map').dataset.preview === '3'")
    moves = page.inner_text("#moves")
    assert "西一栋" in moves and "西片网格" in moves and "东二栋" in moves and "东片网格" in moves
    placements = page.inner_text("#placements")  # what the re-homing will move, per new grid and kind
    assert "西片网格" in placements and "东片网格" in placements and "楼栋" in placements
    assert not AreaChange.objects.exists()
    page.wait_for_timeout(400)
    shot(page, "preview", viewport)
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

    page.click("button[value=confirm]")
    page.wait_for_selector("#history li strong")
    change = AreaChange.objects.get()
    assert change.kind == "split" and change.actor == tree.users["centre"]
    assert sorted(a.name for a in change.created.all()) == ["东片网格", "西片网格"]
    homes = dict(Building.objects.values_list("code", "area__name"))
    assert homes == {"B-1": "西片网格", "B-2": "东片网格"}
    history = page.inner_text("#history")
    assert "西片网格" in history and "centre" in history and "新建小区后拆分" in history
    shot(page, "history", viewport)
