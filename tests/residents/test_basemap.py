"""The offline base layer (residents/basemap.py and its view): outlines of the user's streets and
communities, buildings and places close up, light (simplified, only the box on screen), in scope."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grids.models import Area
from residents import basemap
from residents.models import Building, Place
from tests.factories import LAT0, LON0, STEP

EVERYWHERE = f"{LON0 - 0.01},{LAT0 - 0.01},{LON0 + 0.03},{LAT0 + 0.02}"


@pytest.fixture
def things(tree):
    """A building and a shop at the centre of every grid."""
    for k, grid in enumerate(tree.grids):
        lat, lon = grid.centroid_lat, grid.centroid_lon
        Building.objects.create(area=grid, code=f"B{k}", name=f"{k}栋", kind="residential", lat=lat, lon=lon)
        Place.objects.create(area=grid, name=f"小店{k}", kind="shop", lat=lat + 0.0005, lon=lon)
    return tree


def layer(client, user, **params):
    client.force_login(user)
    answer = client.get("/residents/base-layer/", params)
    assert answer.status_code == 200, answer.content
    return answer


def by_layer(body):
    found = {}
    for f in body["features"]:
        found.setdefault(f["properties"]["layer"], []).append(f)
    return found


def test_it_draws_the_district_streets_and_communities_named(client, things):
    body = layer(client, things.users["centre"], zoom=14, bbox=EVERYWHERE).json()
    found = by_layer(body)
    assert [f["properties"]["name"] for f in found["street"]] == ["街道1", "街道2"]
    assert len(found["community"]) == 4 and len(found["district"]) == 1
    assert "building" not in found and "place" not in found  # not at this zoom
    label = found["street"][0]["properties"]["label"]
    assert LAT0 < label[0] < LAT0 + 2 * STEP


def test_it_leaves_communities_out_far_away(client, things):
    found = by_layer(layer(client, things.users["centre"], zoom=11, bbox=EVERYWHERE).json())
    assert set(found) == {"district", "street"}


def test_close_up_it_adds_the_buildings_and_places_on_screen_only(client, things):
    grid = things.grids[0]
    box = f"{grid.min_lon},{grid.min_lat},{grid.max_lon},{grid.max_lat}"
    found = by_layer(layer(client, things.users["centre"], zoom=17, bbox=box).json())
    assert [f["properties"]["name"] for f in found["building"]] == ["0栋"]
    assert [(f["properties"]["name"], f["properties"]["kind"]) for f in found["place"]] == [("小店0", "Shop")]
    assert found["building"][0]["geometry"]["coordinates"] == [
        round(grid.centroid_lon, 6),
        round(grid.centroid_lat, 6),
    ]


def test_a_worker_sees_the_outlines_above_the_grid_and_only_the_grids_own_things(client, things):
    body = layer(client, things.users["worker"], zoom=16, bbox=EVERYWHERE).json()
    found = by_layer(body)
    assert [f["properties"]["code"] for f in found["street"]] == [things.streets[0].code]
    assert [f["properties"]["code"] for f in found["community"]] == [things.communities[0].code]
    assert [f["properties"]["name"] for f in found["building"]] == ["0栋"]


def test_a_stranger_gets_an_empty_map(client, things):
    assert layer(client, things.users["stranger"], zoom=16, bbox=EVERYWHERE).json()["features"] == []


def test_it_caps_the_points_and_says_so(client, things, monkeypatch):
    monkeypatch.setattr(basemap, "POINT_LIMIT", 3)
    body = layer(client, things.users["centre"], zoom=16, bbox=EVERYWHERE).json()
    found = by_layer(body)
    assert len(found["building"]) == 3 and len(found["place"]) == 3 and body["truncated"]


def test_outlines_are_simplified_for_the_zoom_and_cached(client, things):
    wiggly = [[LON0 + STEP * k / 400, LAT0 + (0.00001 if k % 2 else 0)] for k in range(401)]
    ring = [*wiggly, [LON0 + STEP, LAT0 - STEP], [LON0, LAT0 - STEP], wiggly[0]]
    street = things.streets[0]
    street.boundary = {"type": "Polygon", "coordinates": [ring]}
    street.save()
    cache.clear()

    def points(zoom):
        found = by_layer(layer(client, things.users["centre"], zoom=zoom, bbox=EVERYWHERE).json())
        mine = next(f for f in found["street"] if f["properties"]["code"] == street.code)
        return len(mine["geometry"]["coordinates"][0])

    assert points(12) < 10 < 300 < points(20)  # a 1 m wiggle is a pixel only close up
    with CaptureQueriesContext(connection) as again:  # the outlines come from the cache: no boundary read
        assert client.get("/residents/base-layer/", {"zoom": 12, "bbox": EVERYWHERE}).status_code == 200
    assert not [q for q in again.captured_queries if '"boundary" FROM' in q["sql"]]


def test_queries_do_not_grow_with_the_outlines_or_points(client, things):
    params = {"zoom": 17, "bbox": EVERYWHERE}
    layer(client, things.users["centre"], **params)  # warm the session and the outlines

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/residents/base-layer/", params).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for k in range(20):
        Building.objects.create(
            area=things.grids[1], code=f"X{k}", name="x", lat=LAT0 + 0.001, lon=LON0 + 0.001
        )
        Place.objects.create(
            area=things.grids[2], name=f"p{k}", kind="shop", lat=LAT0 + 0.001, lon=LON0 + 0.001
        )
    Area.objects.filter(level="community").update(name="改名社区")  # every outline read again
    assert count() == before <= 8


def test_the_browser_may_keep_it_a_few_minutes_for_this_user_only(client, things):
    assert layer(client, things.users["centre"], zoom=12)["Cache-Control"] == "private, max-age=300"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"zoom": "x"}, "zoom"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "1,2,3,nan"}, "bbox"),
        ({"bbox": "5,2,3,4"}, "bbox"),
        ({"bbox": "a,b,c,d"}, "bbox"),
    ],
)
def test_it_answers_bad_input_with_the_field(client, tree, params, field):
    client.force_login(tree.users["centre"])
    answer = client.get("/residents/base-layer/", params)
    assert answer.status_code == 400 and field in answer.json()["fields"]


def test_it_asks_for_a_login(client, db):
    assert client.get("/residents/base-layer/").status_code == 302
