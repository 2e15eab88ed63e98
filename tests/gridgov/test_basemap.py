"""Tile presets by setting, the policy's image origins, the map element's attributes and the first-run
notice."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import engines

from gridgov.basemap import GCJ02, WGS84, map_context, tile_hosts, tile_provider


def test_it_has_no_provider_and_no_image_origin_by_default():
    assert tile_provider({"MAP_TILES": "", "MAP_TILE_URL": ""}) is None
    assert tile_hosts(None) == []


def test_it_puts_tiandituss_key_into_both_layers_and_allows_its_hosts():
    provider = tile_provider({"MAP_TILES": "tianditu", "MAP_TILE_KEY": "abc123"})
    assert provider["datum"] == WGS84
    assert "tk=abc123" in provider["url"] and "T=vec_w" in provider["url"]
    assert "tk=abc123" in provider["labels"] and "T=cva_w" in provider["labels"]
    assert tile_hosts(provider) == ["https://*.tianditu.gov.cn"]


@pytest.mark.parametrize(
    ("preset", "host"), [("amap", "https://*.is.autonavi.com"), ("tencent", "https://*.map.gtimg.com")]
)
def test_it_draws_amap_and_tencent_in_gcj02(preset, host):
    provider = tile_provider({"MAP_TILES": preset})
    assert provider["datum"] == GCJ02
    assert tile_hosts(provider) == [host]


def test_it_takes_any_xyz_url_with_its_datum_and_the_old_setting_alone():
    mine = {"MAP_TILE_URL": "https://tiles.district.gov.cn/styles/basic/{z}/{x}/{y}.png"}
    assert tile_provider(mine)["name"] == "xyz" and tile_provider(mine)["datum"] == WGS84
    assert tile_hosts(tile_provider(mine)) == ["https://tiles.district.gov.cn"]
    shifted = tile_provider({**mine, "MAP_TILES": "xyz", "MAP_TILE_DATUM": "GCJ02"})
    assert shifted["datum"] == GCJ02
    osm = tile_provider({"MAP_TILES": "osm"})
    assert tile_hosts(osm) == ["https://tile.openstreetmap.org"]


@pytest.mark.parametrize(
    "conf",
    [
        {"MAP_TILES": "tianditu"},  # no key
        {"MAP_TILES": "tianditu", "MAP_TILE_KEY": "a}b"},
        {"MAP_TILES": "baidu"},
        {"MAP_TILES": "xyz", "MAP_TILE_URL": "ftp://tiles/{z}/{x}/{y}.png"},
        {"MAP_TILES": "xyz"},
        {"MAP_TILE_URL": "https://t/{z}/{x}/{y}.png", "MAP_TILE_DATUM": "bd09"},
    ],
)
def test_it_refuses_a_setting_that_would_draw_an_empty_map(conf):
    with pytest.raises(ImproperlyConfigured):
        tile_provider(conf)


def render(request, text):
    return engines["django"].from_string("{% load basemap %}" + text).render({"request": request}, request)


def test_the_map_element_names_the_offline_layer_without_tiles(rf, tree, settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "MAP_TILES": "", "MAP_TILE_URL": ""}
    request = rf.get("/")
    request.user = tree.users["worker"]
    assert render(request, "{% basemap_attrs %}") == 'data-datum="wgs84" data-base="/residents/base-layer/"'
    assert map_context()["tiles"] == ""


def test_the_map_element_carries_the_provider_and_no_offline_layer(rf, tree, settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "MAP_TILES": "amap"}
    request = rf.get("/")
    request.user = tree.users["worker"]
    attrs = render(request, "{% basemap_attrs %}")
    assert 'data-datum="gcj02"' in attrs and "autonavi.com" in attrs and "data-base" not in attrs
    assert "&amp;x={x}" in attrs  # escaped in the attribute, whole again in the browser


def test_citizens_get_no_offline_layer(rf, db, settings):
    from django.contrib.auth.models import AnonymousUser

    settings.GRIDGOV = {**settings.GRIDGOV, "MAP_TILES": "", "MAP_TILE_URL": ""}
    request = rf.get("/")
    request.user = AnonymousUser()
    assert render(request, "{% basemap_attrs %}") == 'data-datum="wgs84"'


def test_the_centre_sees_the_first_run_notice_until_hidden(client, tree, settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "MAP_TILES": "", "MAP_TILE_URL": ""}
    client.force_login(tree.users["centre"])
    page = client.get("/").content.decode()
    assert "basemap-notice" in page and "MAP_TILES=tianditu" in page
    answer = client.post("/basemap/notice/hide/", {"next": "/command/"})
    assert answer.status_code == 302 and answer["Location"] == "/command/"
    assert "basemap-notice" not in client.get("/").content.decode()


def test_the_notice_goes_home_rather_than_to_another_site(client, tree):
    client.force_login(tree.users["centre"])
    assert client.post("/basemap/notice/hide/", {"next": "https://evil.example/"})["Location"] == "/"
    assert client.get("/basemap/notice/hide/").status_code == 405


@pytest.mark.parametrize("who", ["worker", "community", "street"])
def test_others_never_see_the_notice(client, tree, settings, who):
    settings.GRIDGOV = {**settings.GRIDGOV, "MAP_TILES": "", "MAP_TILE_URL": ""}
    client.force_login(tree.users[who])
    assert "basemap-notice" not in client.get("/").content.decode()


def test_nobody_sees_the_notice_once_tiles_are_configured(client, tree, settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "MAP_TILES": "osm"}
    client.force_login(tree.users["centre"])
    assert "basemap-notice" not in client.get("/").content.decode()
