"""The public map of reports: the same published reports and filters as the list, bounded by a box and a
limit, states in plain words, bad input refused by field, a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import services as case_services
from cases.models import Category
from open311 import selectors
from tests.pages.conftest import report

from .test_public_pages import citizen

pytestmark = pytest.mark.django_db
MAP = "/public/reports/map/"
POINTS = "/public/reports/map.json"
WORLD = "-180,-90,180,90"


def _ids(response):
    assert response.status_code == 200, response.content
    return [r["id"] for r in response.json()["reports"]]


def _box_around(area, pad=0.0005):
    lat, lon = area.centroid_lat, area.centroid_lon
    return f"{lon - pad},{lat - pad},{lon + pad},{lat + pad}"


def test_it_maps_published_reports_in_the_box_with_their_state_in_words(client, tree):
    here, there = citizen(tree, grid=0), citizen(tree, grid=5)
    report(tree, Category.objects.get(code="01001"))  # a patrol report: internal work, never on the map
    assert _ids(client.get(POINTS, {"bbox": WORLD})) == [there.public_id, here.public_id]
    assert _ids(client.get(POINTS, {"bbox": _box_around(tree.grids[0])})) == [here.public_id]
    [point] = client.get(POINTS, {"bbox": _box_around(tree.grids[0])}).json()["reports"]
    assert point["state"] == "received" and point["state_words"] == "Received, waiting to be handled"
    assert point["url"] == f"/public/reports/{here.public_id}/"
    assert set(point) == {"id", "lat", "lon", "state", "state_words", "category", "reported", "url"}


def test_it_takes_the_lists_filters(client, tree):
    here, there = citizen(tree, grid=0), citizen(tree, grid=5)
    case_services.case_void(case_id=there.pk, actor=tree.users["centre"], reason="已由物业清理")
    box = {"bbox": WORLD}
    assert _ids(client.get(POINTS, {**box, "area": tree.grids[0].code[:12]})) == [here.public_id]
    assert _ids(client.get(POINTS, {**box, "state": "closed"})) == [there.public_id]
    assert _ids(client.get(POINTS, {**box, "category": "05003"})) == []
    closed = client.get(POINTS, {**box, "state": "closed"}).json()["reports"][0]
    assert closed["state"] == "not_taken"


def test_it_is_bounded_and_says_when_more_lay_in_the_box(client, tree):
    made = [citizen(tree, grid=n % 4) for n in range(4)]
    answer = client.get(POINTS, {"bbox": WORLD, "limit": 2}).json()
    assert [r["id"] for r in answer["reports"]] == [made[3].public_id, made[2].public_id]
    assert answer["truncated"] is True and answer["limit"] == 2
    assert client.get(POINTS, {"bbox": WORLD}).json()["truncated"] is False


@pytest.mark.parametrize(
    "params, field",
    [
        ({}, "bbox"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "113,28,112,29"}, "bbox"),  # west east swapped
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"bbox": "nan,28,113,29"}, "bbox"),
        ({"bbox": WORLD, "limit": "0"}, "limit"),
        ({"bbox": WORLD, "limit": str(selectors.MAP_LIMIT + 1)}, "limit"),
        ({"bbox": WORLD, "limit": "-5"}, "limit"),
    ],
)
def test_bad_input_is_a_400_by_field(client, tree, params, field):
    answer = client.get(POINTS, params)
    assert answer.status_code == 400 and list(answer.json()["errors"]) == [field]


def test_the_points_cost_the_same_queries_for_more_reports(client, tree):
    citizen(tree)
    with CaptureQueriesContext(connection) as few:
        client.get(POINTS, {"bbox": WORLD})
    for n in range(6):
        citizen(tree, grid=n % 4)
    with CaptureQueriesContext(connection) as many:
        assert len(_ids(client.get(POINTS, {"bbox": WORLD}))) == 7
    assert len(many) == len(few)


def test_the_map_page_has_the_legend_in_words_and_the_filters(client, tree):
    page = client.get(MAP, {"state": "open", "area": "nonsense"})
    assert page.status_code == 200
    html = page.content.decode()
    for words in selectors.MAP_STATES.values():
        assert str(words) in html
    assert "data-public-map" in html and "state=open" in html and 'name="category"' in html
    assert "tile" not in html.split("data-public-map", 1)[1].split(">", 1)[0]  # no tile server by default
    assert client.get("/public/reports/").content.decode().count("/public/reports/map/") == 1
