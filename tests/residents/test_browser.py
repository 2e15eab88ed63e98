"""Register editing (入户采集) in Debian's Chromium on a 360 px phone and a 1366 px screen: a refused ID
number is shown in Chinese beside its field and nothing is saved; a building is placed by tapping the map."""

import datetime as dt

import pytest

from residents import idcard
from residents.catalogue import BUILTIN_TAGS, SPECIAL
from residents.models import Building, GroupTag, Person
from tests.browser import PHONE, SHOTS, needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]
WIDE = {"width": 1366, "height": 900}
GOOD = idcard.make("430104", dt.date(1988, 3, 9), 246)
BAD = GOOD[:17] + ("0" if GOOD[17] != "0" else "1")


@pytest.fixture(autouse=True)
def _chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    settings.GRIDGOV = {**settings.GRIDGOV, "MAP_TILE_URL": ""}  # no tile server: nothing leaves the site


@pytest.fixture(autouse=True)
def _builtin_tags(transactional_db):
    """The data migration's tags: a transactional test's flush removes them."""
    for code, name, category, interval in BUILTIN_TAGS:
        GroupTag.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "category": category,
                "visit_interval_days": interval,
                "sensitivity": "sensitive" if category == SPECIAL else "normal",
            },
        )


class Session:
    def __init__(self, browser, base, username, viewport):
        self.context = browser.new_context(viewport=viewport, locale="zh-CN")
        self.context.set_default_timeout(15000)
        self.page = self.context.new_page()
        self.requests = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.base, self.size = base, viewport["width"]
        self.page.goto(f"{base}/accounts/login/?next=/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", "pw-" + username)
        self.page.click("main form button[type=submit]")
        self.page.wait_for_load_state()

    def go(self, path):
        self.page.goto(self.base + path)

    def shot(self, name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"register-{name}-{self.size}.png"), full_page=True)

    def fits(self):
        return self.page.evaluate("document.documentElement.scrollWidth") <= self.size

    def foreign_requests(self):
        return [u for u in self.requests if not u.startswith((self.base, "data:", "blob:"))]


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["360", "1366"])
def test_it_adds_a_resident_on_the_phone_with_the_id_checked(
    transactional_db, register, live_server, browser, viewport
):
    tree = register.tree
    household = register.households[tree.grids[0].code][0]
    me = Session(browser, live_server.url, "worker", viewport)
    page = me.page
    me.go(f"/residents/households/{household.pk}/")
    page.click("text=登记居民")
    page.fill("#id_name", "王小明")
    page.fill("#id_id_number", BAD)
    page.fill("#id_phone", "13800138000")
    page.select_option("#id_residence_type", "floating")
    page.select_option("#id_relation", "tenant")
    page.click("#person-form button[type=submit]")
    error = page.locator(".has-error .field-error").first
    assert "校验" in error.inner_text()
    assert page.locator(".has-error #id_id_number").count() == 1
    assert not Person.objects.filter(name="王小明").exists()
    assert me.fits()
    me.shot("person-refused")

    page.fill("#id_id_number", GOOD)
    page.click("#person-form button[type=submit]")
    page.wait_for_url(f"**/residents/households/{household.pk}/")
    person = Person.objects.get(name="王小明")
    body = page.inner_text("main")
    assert person.id_mask in body and GOOD not in body and "13800138000" not in body
    me.shot("household")

    page.click("main .r-list a:has-text('王小明')")
    page.wait_for_selector("#person-form")
    assert page.input_value("#id_id_number") == ""  # the stored number never comes back to the page
    assert "1988" in page.inner_text("main") and "1988-03-09" not in page.content()
    assert me.fits()
    me.shot("person-edit")
    assert me.foreign_requests() == []


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["360", "1366"])
def test_it_places_a_building_by_tapping_the_map(transactional_db, register, live_server, browser, viewport):
    tree = register.tree
    grid = tree.grids[0]
    Building.objects.filter(area=grid).update(lat=grid.centroid_lat, lon=grid.centroid_lon)
    me = Session(browser, live_server.url, "worker", viewport)
    page = me.page
    me.go("/residents/buildings/new/")
    page.wait_for_function("() => document.querySelector('#register-map').dataset.drawn === '1'")
    box = page.locator("#register-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.6)
    page.wait_for_function("() => !!document.querySelector('#register-map').dataset.picked")
    assert page.input_value("#id_lat") and page.input_value("#id_lon")
    page.fill("#id_code", "B-TAP")
    page.fill("#id_name", "新建3栋")
    page.fill("#id_floors", "0")
    page.click("#building-form button[type=submit]")
    assert page.locator(".has-error #id_floors").count() == 1
    assert not Building.objects.filter(code="B-TAP").exists()
    assert me.fits()
    me.shot("building-refused")
    page.fill("#id_floors", "6")
    page.click("#building-form button[type=submit]")
    page.wait_for_selector("#dwelling-form")
    building = Building.objects.get(code="B-TAP")
    assert building.area == grid and building.lat is not None
    me.shot("building")

    me.go("/residents/buildings/")
    page.wait_for_function("() => document.querySelector('#register-map').dataset.drawn === '2'")
    page.wait_for_timeout(400)
    assert me.fits()
    me.shot("buildings")
    assert me.foreign_requests() == []
