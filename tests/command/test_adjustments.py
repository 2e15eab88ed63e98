"""The grid adjustment page: the district centre chooses grids, draws or uploads a boundary, sees a preview
(computed by the service itself, rolled back) and confirms; the history lists who changed what, when."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from grids.models import Area, AreaChange, Membership
from residents.services import building_save, household_settle, person_register
from tests.command.conftest import open_case
from tests.factories import LAT0, LON0, STEP, square

pytestmark = pytest.mark.django_db
HALF = STEP / 2


def browser(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def placed(tree, rubbish):
    """In grid 0: a building with two residents in its west half, a place in its east half, and a case."""
    centre, grid = tree.users["centre"], tree.grids[0]
    west = building_save(
        actor=centre, area=grid, code="B-W", name="西楼", lat=LAT0 + STEP / 2, lon=LON0 + STEP / 4
    )
    east = building_save(
        actor=centre, area=grid, code="B-E", name="东楼", lat=LAT0 + STEP / 2, lon=LON0 + 3 * STEP / 4
    )
    household = household_settle(actor=centre, number="H-W-1", building=west, room="101")
    for name in ("甲", "乙"):
        person_register(actor=centre, household=household, name=name)
    case = open_case(tree, rubbish, grid=0, dx=STEP / 4, title="东侧占道")
    return {"west": west, "east": east, "case": case}


def split_post(tree, **extra):
    body = {
        "kind": "split",
        "grids": [tree.grids[0].code],
        "geojson": json.dumps(square(LON0 - 0.001, LAT0 - 0.001, HALF + 0.001, STEP + 0.002)),
        "name": "西网格",
        "name_rest": "东网格",
        "note": "新建小区",
        "step": "preview",
    }
    body.update(extra)
    return body


def test_it_previews_a_split_without_changing_anything(tree, placed):
    areas = Area.objects.count()
    response = browser(tree.users["centre"]).post("/command/grids/adjust/", split_post(tree))
    assert response.status_code == 200
    preview = response.context["preview"]
    assert [o.name for o in preview.after] == ["西网格", "东网格"]
    assert abs(sum(o.area_m2 for o in preview.after) - preview.before[0].area_m2) < 1
    moves = {m.name: m for m in preview.moves}
    assert (moves["西楼"].to_name, moves["西楼"].persons) == ("西网格", 2)
    assert moves["东楼"].to_name == "东网格"
    assert moves[f"{placed['case'].public_id} 东侧占道"].to_name == "东网格"
    assert preview.totals == {"building": 2, "place": 0, "case": 1, "persons": 2}
    assert Area.objects.count() == areas and not AreaChange.objects.exists()
    assert Area.objects.get(pk=tree.grids[0].pk).is_active
    assert 'value="confirm"' in response.content.decode()


def test_confirming_a_split_runs_the_service_and_shows_the_history(tree, placed):
    client = browser(tree.users["centre"])
    response = client.post("/command/grids/adjust/", split_post(tree, step="confirm", team_to="1"))
    assert response.status_code == 302
    change = AreaChange.objects.get()
    assert change.kind == "split" and change.actor == tree.users["centre"] and change.note == "新建小区"
    assert sorted(a.name for a in change.created.all()) == ["东网格", "西网格"]
    assert not Area.objects.get(pk=tree.grids[0].pk).is_active
    east = change.created.get(name="东网格")
    assert Membership.objects.get(user=tree.users["worker"], is_active=True).area == east
    page = client.get("/command/grids/adjust/").content.decode()
    assert "西网格" in page and "新建小区" in page and str(tree.users["centre"]) in page


def test_an_uploaded_file_is_carried_into_the_confirmation(tree, placed):
    shape = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "北"},
                "geometry": square(LON0, LAT0 + HALF, STEP, HALF),
            },
            {"type": "Feature", "properties": {"name": "南"}, "geometry": square(LON0, LAT0, STEP, HALF)},
        ],
    }
    upload = SimpleUploadedFile("parts.geojson", json.dumps(shape).encode(), "application/geo+json")
    response = browser(tree.users["centre"]).post(
        "/command/grids/adjust/", split_post(tree, geojson="", file=upload)
    )
    assert [o.name for o in response.context["preview"].after] == ["北", "南"]
    assert response.context["form"]["geojson"].value().startswith('{"type": "FeatureCollection"')


def test_a_merge_preview_moves_everything_into_the_merged_grid(tree, placed):
    response = browser(tree.users["centre"]).post(
        "/command/grids/adjust/",
        {
            "kind": "merge",
            "grids": [tree.grids[0].code, tree.grids[1].code],
            "name": "合并网格",
            "step": "preview",
        },
    )
    preview = response.context["preview"]
    assert [o.name for o in preview.after] == ["合并网格"] and len(preview.before) == 2
    assert {m.to_name for m in preview.moves} == {"合并网格"}


def test_a_redraw_that_shrinks_a_grid_shows_what_falls_outside(tree, placed):
    response = browser(tree.users["centre"]).post(
        "/command/grids/adjust/",
        {
            "kind": "redraw",
            "grids": [tree.grids[0].code],
            "geojson": json.dumps(square(LON0, LAT0, HALF, STEP)),
            "step": "preview",
        },
    )
    preview = response.context["preview"]
    moved = {m.name: m.to_name for m in preview.moves}
    assert moved == {"东楼": "", f"{placed['case'].public_id} 东侧占道": ""}
    assert not AreaChange.objects.exists()


def test_a_redraw_over_a_neighbour_is_refused_beside_the_boundary(tree):
    response = browser(tree.users["centre"]).post(
        "/command/grids/adjust/",
        {
            "kind": "redraw",
            "grids": [tree.grids[0].code],
            "geojson": json.dumps(square(LON0, LAT0, STEP * 1.5, STEP)),
            "step": "confirm",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["geojson"]
    assert response.context["preview"] is None and not AreaChange.objects.exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"geojson": "{not json"}, "geojson"),
        ({"geojson": json.dumps({"type": "Point", "coordinates": [1, 2]})}, "geojson"),
        ({"geojson": ""}, "geojson"),
        ({"grids": []}, "grids"),
        ({"name_rest": ""}, "name"),
    ],
)
def test_bad_input_is_refused_next_to_the_field(tree, body, field):
    response = browser(tree.users["centre"]).post("/command/grids/adjust/", split_post(tree, **body))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors or (field == "name" and "geojson" in errors), errors
    assert not AreaChange.objects.exists()


@pytest.mark.parametrize("name", ["worker", "community", "street", "handler", "stranger"])
def test_only_the_district_centre_adjusts_grids(tree, name):
    client = browser(tree.users[name])
    assert client.get("/command/grids/adjust/").status_code == 403
    assert client.post("/command/grids/adjust/", split_post(tree, step="confirm")).status_code == 403
    assert not AreaChange.objects.exists()
