"""Re-homing after a redraw (command.rehoming.redraw_plan): the rows of the redrawn grid and its neighbours
whose point now lies in another grid move there, each case with one ``rehome`` event saying why; closed
cases, rows of an untouched grid and rows left in no grid stay; the page shows the effect before saving.
Hand-built rows in the test tree's community 0: grid 0 [x0, x0+STEP], grid 1 [x0+STEP, x0+2·STEP]."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cases.events import verify_chain
from cases.models import Case, CaseEvent
from cases.workflow import Status
from command import rehoming
from grids.adjustment import grid_redraw
from grids.models import Area, AreaChange
from residents.models import Building, Household, Person
from residents.services import building_save, household_settle, person_register
from tests.command.conftest import open_case
from tests.factories import LAT0, LON0, STEP, square

pytestmark = pytest.mark.django_db
HALF = STEP / 2
EAST, WEST = LON0 + 0.75 * STEP, LON0 + 0.25 * STEP  # in grid 0


@pytest.fixture
def rows(tree, rubbish):
    """In grid 0's east half: a building with a household of two, an open case and a closed one; in its
    west half a building; in grid 1 a building of its own."""
    centre, grid0, grid1 = tree.users["centre"], tree.grids[0], tree.grids[1]
    east = building_save(actor=centre, area=grid0, code="E1", name="东楼", lat=LAT0 + HALF, lon=EAST)
    household = household_settle(actor=centre, number="H1", building=east, room="101")
    for name in ("甲", "乙"):
        person_register(actor=centre, household=household, name=name)
    west = building_save(actor=centre, area=grid0, code="W1", name="西楼", lat=LAT0 + HALF, lon=WEST)
    theirs = building_save(
        actor=centre, area=grid1, code="N1", name="邻楼", lat=LAT0 + HALF, lon=LON0 + 1.5 * STEP
    )
    case = open_case(tree, rubbish, grid=0, dx=STEP / 4, title="东侧占道")
    closed = open_case(tree, rubbish, grid=0, dx=STEP / 4, title="已结案")
    Case.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    return {"east": east, "hh": household, "west": west, "theirs": theirs, "case": case, "closed": closed}


def _move_the_edge(tree):
    """Grid 0 keeps its west half, grid 1 takes the east half: one redraw of both."""
    return grid_redraw(
        boundaries={
            tree.grids[0]: square(LON0, LAT0, HALF, STEP),
            tree.grids[1]: square(LON0 + HALF, LAT0, STEP + HALF, STEP),
        },
        actor=tree.users["centre"],
    )


def test_a_redraw_moves_what_now_lies_in_the_other_grid_with_its_residents(tree, rows):
    grid0, grid1 = tree.grids[0], tree.grids[1]
    result = _move_the_edge(tree)
    plan = rehoming.adjustment_rehome(adjustment=result, actor=tree.users["centre"])
    assert Building.objects.get(pk=rows["east"].pk).area == grid1
    assert Household.objects.get(pk=rows["hh"].pk).area == grid1
    assert set(Person.objects.filter(household=rows["hh"]).values_list("area_id", flat=True)) == {grid1.pk}
    assert Building.objects.get(pk=rows["west"].pk).area == grid0
    assert Building.objects.get(pk=rows["theirs"].pk).area == grid1
    case = Case.objects.get(pk=rows["case"].pk)
    assert (case.area, case.area_code, case.version) == (grid1, grid1.code, rows["case"].version + 1)
    assert Case.objects.get(pk=rows["closed"].pk).area == grid0  # history keeps its grid
    [event] = CaseEvent.objects.filter(case=case, kind="rehome")
    assert event.payload == {"from": grid0.code, "to": grid1.code, "change": result.change.pk}
    assert "redrawn" in event.comment and event.actor == tree.users["centre"]
    assert event.get_kind_display() == "Moved with a grid adjustment"
    assert verify_chain(CaseEvent.objects.filter(case=case).order_by("seq")) is None
    assert not CaseEvent.objects.filter(case=rows["closed"], kind="rehome").exists()
    assert {(p.code, p.kind): p.count for p in plan.placements()} == {
        (grid1.code, "building"): 1,
        (grid1.code, "person"): 2,
        (grid1.code, "case"): 1,
    }


def test_a_redraw_that_changes_no_rows_grid_moves_nothing(tree, rows):
    result = grid_redraw(
        boundaries={tree.grids[1]: square(LON0 + STEP, LAT0, STEP * 0.9, STEP)}, actor=tree.users["centre"]
    )
    events = CaseEvent.objects.count()
    plan = rehoming.adjustment_rehome(adjustment=result, actor=tree.users["centre"])
    assert plan.placements() == [] and CaseEvent.objects.count() == events
    assert Building.objects.get(pk=rows["theirs"].pk).area == tree.grids[1]


def test_the_redraws_queries_do_not_grow_with_the_rows(tree, rows, rubbish):
    def queries():
        result = _move_the_edge(tree)
        with CaptureQueriesContext(connection) as q:
            rehoming.adjustment_rehome(adjustment=result, actor=tree.users["centre"])
        return len(q)

    few = queries()
    Case.objects.filter(area=tree.grids[1]).update(area=tree.grids[0], area_code=tree.grids[0].code)
    Building.objects.filter(area=tree.grids[1]).update(area=tree.grids[0])
    for i in range(5):
        open_case(tree, rubbish, grid=0, dx=STEP / 4, title=f"更多{i}")
    assert queries() == few


def _page(client, grid, boundary, step):
    return client.post(
        "/command/grids/adjust/",
        {"kind": "redraw", "grids": [grid.code], "geojson": json.dumps(boundary), "step": step},
        follow=step == "confirm",
    )


def test_the_page_shows_the_effect_before_saving_then_moves_the_rows(tree, rows):
    """Grid 0 cedes its east half (its rows there lie in no grid: they stay, listed); then grid 1 takes
    the strip in, and with it grid 0's rows there."""
    grid0, grid1 = tree.grids[0], tree.grids[1]
    client = Client()
    client.force_login(tree.users["centre"])
    shrunk = _page(client, grid0, square(LON0, LAT0, HALF, STEP), "confirm")
    assert shrunk.status_code == 200 and "东楼" in shrunk.content.decode()  # listed: in no grid now
    assert Building.objects.get(pk=rows["east"].pk).area == grid0
    grown = square(LON0 + HALF, LAT0, STEP + HALF, STEP)
    preview = _page(client, grid1, grown, "preview")
    assert preview.context["preview"].effect == {"buildings": 1, "persons": 2, "cases": 1, "places": 0}
    page = preview.content.decode()
    assert 'id="rehome-effect"' in page and 'id="placements"' in page
    assert preview.context["preview"].totals["building"] == 1  # the rows listed agree with the effect
    assert Building.objects.get(pk=rows["east"].pk).area == grid0  # a preview moves nothing
    assert Area.objects.get(pk=grid1.pk).boundary != grown
    confirmed = _page(client, grid1, grown, "confirm")
    assert confirmed.status_code == 200
    assert Building.objects.get(pk=rows["east"].pk).area == grid1
    assert Case.objects.get(pk=rows["case"].pk).area == grid1
    assert Case.objects.get(pk=rows["closed"].pk).area == grid0
    assert AreaChange.objects.filter(kind=AreaChange.Kind.REDRAW).count() == 2
