"""Re-homing after a split or merge (command.rehoming): every row of the old grids goes to the new grid that
covers its point, in the adjustment's transaction, with one event per moved case and a constant number of
queries; what no new grid covers is listed for a person to place."""

import io
import json
from datetime import date

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services as case_services
from cases.events import verify_chain
from cases.models import Case, CaseEvent
from command import adjustments, rehoming
from command.models import PatrolLast
from grids.models import Area, AreaChange, Level, User
from grids.scope import scoped
from residents.models import Building, Household, Person, Place
from residents.services import (
    building_save,
    household_register,
    household_settle,
    person_register,
    place_save,
)
from tasks import services as task_services
from tasks.models import AdmissionItem, Assignment, Target, Task
from tests.command.conftest import open_case
from tests.factories import LAT0, LON0, STEP, square
from tests.tasks.conftest import ITEMS, MONDAY_9, send

pytestmark = pytest.mark.django_db
HALF = STEP / 2


def west_cut(grid):
    """The west half of a grid of the test tree (the drawn shape overlaps its edges)."""
    x0 = LON0 + (int(grid.code[-3:]) - 1) * STEP
    return square(x0 - 0.001, LAT0 - 0.001, HALF + 0.001, STEP + 0.002)


def split(tree, grid, team_to=1) -> adjustments.Request:
    drawn = adjustments.polygons(west_cut(grid))
    parts = adjustments.split_parts(grid, drawn, ["西网格", "东网格"])
    return adjustments.Request(kind=adjustments.SPLIT, grids=[grid], parts=parts, team_to=team_to)


def merge(tree) -> adjustments.Request:
    return adjustments.Request(kind=adjustments.MERGE, grids=tree.grids[:2], name="合并网格")


def fill(tree, rubbish, grid_index=0, n=1):
    """In a grid: ``n`` buildings in the west half (the first with a household of two), ``n`` places and
    ``n`` open cases in the east half, a worker's last position in the west, a building without a point
    and a household without a dwelling."""
    centre, grid = tree.users["centre"], tree.grids[grid_index]
    x0 = LON0 + grid_index * STEP
    west = [
        building_save(
            actor=centre,
            area=grid,
            code=f"W{grid_index}-{i}",
            name=f"西楼{i}",
            lat=LAT0 + HALF,
            lon=x0 + STEP / 4,
        )
        for i in range(n)
    ]
    household = household_settle(actor=centre, number=f"H{grid_index}", building=west[0], room="101")
    for name in ("甲", "乙"):
        person_register(actor=centre, household=household, name=name)
    places = [
        place_save(
            actor=centre, area=grid, name=f"东店{i}", kind="shop", lat=LAT0 + HALF, lon=x0 + 0.75 * STEP
        )
        for i in range(n)
    ]
    cases = [open_case(tree, rubbish, grid=grid_index, dx=STEP / 4, title=f"东侧占道{i}") for i in range(n)]
    nowhere = building_save(actor=centre, area=grid, code=f"N{grid_index}", name="无坐标楼")
    loose = household_register(actor=centre, number=f"L{grid_index}", area=grid, address="散户")
    PatrolLast.objects.create(
        user=tree.users["worker" if grid_index == 0 else "worker2"],
        lat=LAT0 + HALF,
        lon=x0 + STEP / 4,
        recorded_at=timezone.now(),
        area_code=grid.code,
    )
    return {
        "west": west,
        "places": places,
        "cases": cases,
        "nowhere": nowhere,
        "loose": loose,
        "hh": household,
    }


def test_it_moves_each_row_of_a_split_grid_to_the_part_that_covers_it(tree, rubbish):
    rows = fill(tree, rubbish)
    old = tree.grids[0]
    alone = person_register(actor=tree.users["centre"], area=old, name="丙")  # no household, no address point
    _adjustment, plan = adjustments.adjustment_apply(actor=tree.users["centre"], request=split(tree, old))
    change = AreaChange.objects.get()
    west, east = change.created.get(name="西网格"), change.created.get(name="东网格")
    building = Building.objects.get(pk=rows["west"][0].pk)
    assert building.area == west
    assert Household.objects.get(pk=rows["hh"].pk).area == west
    assert set(Person.objects.filter(household=rows["hh"]).values_list("area_id", flat=True)) == {west.pk}
    assert Place.objects.get(pk=rows["places"][0].pk).area == east
    case = Case.objects.get(pk=rows["cases"][0].pk)
    assert (case.area, case.area_code, case.grid_code) == (east, east.code, east.code)
    assert case.version == rows["cases"][0].version + 1
    event = CaseEvent.objects.filter(case=case).order_by("-seq").first()
    assert event.kind == "rehome" and event.payload == {
        "from": old.code,
        "to": east.code,
        "change": change.pk,
    }
    assert event.actor == tree.users["centre"]
    assert verify_chain(CaseEvent.objects.filter(case=case).order_by("seq")) is None
    assert PatrolLast.objects.get(user=tree.users["worker"]).area_code == west.code
    # Nothing open is left on the old grid but what cannot be placed, and that is listed.
    assert not Case.objects.filter(area=old).exists()
    assert list(Building.objects.filter(area=old)) == [rows["nowhere"]]
    assert {(u.kind, u.name) for u in plan.unplaced} == {
        ("building", "无坐标楼"),
        ("household", "L0 散户"),
        ("person", "丙"),
    }
    assert {u.area_name for u in plan.unplaced} == {old.name}
    assert dict(plan.unplaced_counts) == {"building": 1, "household": 1, "person": 1}
    assert Person.objects.get(pk=alone.pk).area == old
    assert Household.objects.get(pk=rows["loose"].pk).area == old


def test_a_merge_moves_every_row_of_both_grids_into_the_merged_grid(tree, rubbish):
    rows = fill(tree, rubbish)
    other = open_case(tree, rubbish, grid=1, title="隔壁")
    adjustments.adjustment_apply(actor=tree.users["centre"], request=merge(tree))
    merged = AreaChange.objects.get().created.get(level=Level.GRID)
    assert set(
        Case.objects.filter(pk__in=[other.pk, rows["cases"][0].pk]).values_list("area", flat=True)
    ) == {merged.pk}
    assert Building.objects.get(pk=rows["west"][0].pk).area == merged
    assert Place.objects.get(pk=rows["places"][0].pk).area == merged
    assert not Case.objects.filter(area__in=tree.grids[:2]).exists()


def test_after_a_split_the_new_grids_worker_sees_the_rows_and_the_old_grid_is_gone(tree, rubbish):
    rows = fill(tree, rubbish)
    west_case = open_case(tree, rubbish, grid=0, dx=-STEP / 4, title="西侧")
    adjustments.adjustment_apply(actor=tree.users["centre"], request=split(tree, tree.grids[0], team_to=1))
    worker = User.objects.get(pk=tree.users["worker"].pk)  # a fresh reach: the membership moved to the east
    visible = set(scoped(worker, Case.objects.all()).values_list("pk", flat=True))
    assert rows["cases"][0].pk in visible and west_case.pk not in visible
    places = set(scoped(worker, Place.objects.all()).values_list("pk", flat=True))
    assert rows["places"][0].pk in places
    assert not scoped(worker, Building.objects.filter(pk=rows["west"][0].pk)).exists()
    assert not Area.objects.get(pk=tree.grids[0].pk).is_active
    assert not Case.objects.filter(area=tree.grids[0]).exists()


def test_nothing_is_half_applied_when_the_rehoming_fails(tree, rubbish, monkeypatch):
    rows = fill(tree, rubbish)
    events = CaseEvent.objects.count()

    def broken(drafts):
        raise RuntimeError("the event writer fails")

    monkeypatch.setattr(case_services, "events_append", broken)
    with pytest.raises(RuntimeError):
        adjustments.adjustment_apply(actor=tree.users["centre"], request=split(tree, tree.grids[0]))
    assert Area.objects.get(pk=tree.grids[0].pk).is_active and not AreaChange.objects.exists()
    assert Building.objects.get(pk=rows["west"][0].pk).area == tree.grids[0]
    assert Case.objects.get(pk=rows["cases"][0].pk).area == tree.grids[0]
    assert CaseEvent.objects.count() == events


def _rehome_queries(tree, grid):
    adjustment = split(tree, grid).run(tree.users["centre"])
    with CaptureQueriesContext(connection) as queries:
        rehoming.adjustment_rehome(adjustment=adjustment, actor=tree.users["centre"])
    return len(queries)


def test_the_rehoming_queries_do_not_grow_with_the_rows(tree, rubbish):
    fill(tree, rubbish, grid_index=0, n=1)
    fill(tree, rubbish, grid_index=1, n=6)
    assert Case.objects.filter(area=tree.grids[1]).count() == 6
    few = _rehome_queries(tree, tree.grids[0])
    many = _rehome_queries(tree, tree.grids[1])
    assert few == many
    assert Building.objects.filter(area__in=tree.grids[:2]).count() == 2  # the two without a point


def test_the_preview_says_how_many_rows_of_each_kind_go_where_and_moves_none(tree, rubbish):
    rows = fill(tree, rubbish)
    client = Client()
    client.force_login(tree.users["centre"])
    response = client.post(
        "/command/grids/adjust/",
        {
            "kind": "split",
            "grids": [tree.grids[0].code],
            "geojson": json.dumps(west_cut(tree.grids[0])),
            "name": "西网格",
            "name_rest": "东网格",
            "step": "preview",
        },
    )
    preview = response.context["preview"]
    placed = {(p.name, p.kind): p.count for p in preview.placements}
    assert placed == {
        ("西网格", "building"): 1,
        ("西网格", "person"): 2,
        ("西网格", "patrol"): 1,
        ("东网格", "case"): 1,
        ("东网格", "place"): 1,
    }
    assert {u.name for u in preview.left} == {"无坐标楼", "L0 散户"}
    page = response.content.decode()
    assert 'id="placements"' in page and "无坐标楼" in page
    assert Building.objects.get(pk=rows["west"][0].pk).area == tree.grids[0]
    assert Area.objects.get(pk=tree.grids[0].pk).is_active


def test_confirming_on_the_page_moves_the_rows_and_says_so(tree, rubbish):
    rows = fill(tree, rubbish)
    client = Client()
    client.force_login(tree.users["centre"])
    response = client.post(
        "/command/grids/adjust/",
        {
            "kind": "merge",
            "grids": [tree.grids[0].code, tree.grids[1].code],
            "name": "合并网格",
            "step": "confirm",
        },
        follow=True,
    )
    assert response.status_code == 200
    merged = AreaChange.objects.get().created.get(level=Level.GRID)
    assert Case.objects.get(pk=rows["cases"][0].pk).area == merged
    page = response.content.decode()
    assert "合并网格" in page and "无坐标楼" in page


@pytest.fixture
def sent(tree):
    """A task sent to the grids of street 0, on a Monday of 2026 with the admission list in force."""
    with time_machine.travel(MONDAY_9, tick=False):
        call_command("load_holidays", year=[2026], stdout=io.StringIO())
        task_services.admission_list_publish(
            actor=tree.users["centre"],
            version=1,
            title="清单",
            approved_by="测试区人民政府",
            approved_on=date(2025, 12, 20),
            effective_from=date(2026, 1, 1),
            items=ITEMS,
        )
        yield send(tree, AdmissionItem.objects.get(code="C02"))


def test_a_merge_takes_one_open_assignment_per_task_along_and_lists_the_rest(tree, sent):
    _adjustment, plan = adjustments.adjustment_apply(actor=tree.users["centre"], request=merge(tree))
    merged = AreaChange.objects.get().created.get(level=Level.GRID)
    first, second = (Assignment.objects.get(task=sent, area_code=g.code) for g in (merged, tree.grids[1]))
    assert first.version == 2 and second.area == tree.grids[1]
    assert [(p.kind, p.name, p.count) for p in plan.placements()] == [("assignment", "合并网格", 1)]
    assert [(u.kind, u.name, u.area_name) for u in plan.unplaced] == [
        ("assignment", sent.title, tree.grids[1].name)
    ]
    worker2 = User.objects.get(pk=tree.users["worker2"].pk)  # the merged grid's team now
    assert list(scoped(worker2, Assignment.objects.filter(task=sent))) == [first]


@pytest.fixture
def sent_to_buildings(tree):
    """A task to street 0's grids with a building per target: two in grid 0's west half, one in its east."""
    grid, centre = tree.grids[0], tree.users["centre"]
    for code, lon in (("W1", 0.2), ("W2", 0.3), ("E1", 0.8)):
        building_save(actor=centre, area=grid, code=code, name=code, lat=LAT0 + HALF, lon=LON0 + lon * STEP)
    with time_machine.travel(MONDAY_9, tick=False):
        call_command("load_holidays", year=[2026], stdout=io.StringIO())
        task_services.admission_list_publish(
            actor=centre,
            version=1,
            title="清单",
            approved_by="测试区人民政府",
            approved_on=date(2025, 12, 20),
            effective_from=date(2026, 1, 1),
            items=ITEMS,
        )
        yield send(tree, AdmissionItem.objects.get(code="C02"), target_kind="building")


def test_a_split_gives_each_part_the_task_and_each_target_to_the_part_it_lies_in(tree, sent_to_buildings):
    task = sent_to_buildings
    old = Assignment.objects.get(task=task, area=tree.grids[0])
    assert (old.targets_total, task.grids) == (3, 4)
    _adjustment, plan = adjustments.adjustment_apply(
        actor=tree.users["centre"], request=split(tree, tree.grids[0], team_to=1)
    )
    west, east = (AreaChange.objects.get().created.get(name=n) for n in ("西网格", "东网格"))
    old.refresh_from_db()
    assert (old.area, old.area_code, old.targets_total, old.version) == (west, west.code, 2, 2)
    fresh = Assignment.objects.get(task=task, area=east)
    assert (fresh.targets_total, fresh.deadline, fresh.status) == (1, old.deadline, "assigned")
    assert list(Target.objects.filter(assignment=fresh).values_list("label", flat=True)) == ["E1"]
    assert sorted(Target.objects.filter(assignment=old).values_list("label", flat=True)) == ["W1", "W2"]
    assert Task.objects.get(pk=task.pk).grids == 5
    assert not Assignment.objects.filter(task=task, area=tree.grids[0]).exists()
    assert {(p.kind, p.name, p.count) for p in plan.placements() if p.kind == "assignment"} == {
        ("assignment", "西网格", 1),
        ("assignment", "东网格", 1),
    }
    worker = User.objects.get(pk=tree.users["worker"].pk)  # moved with the team to the east part
    assert list(scoped(worker, Assignment.objects.filter(task=task))) == [fresh]


def test_a_split_grids_assignment_already_begun_is_listed_for_a_person_to_place(tree, sent):
    Assignment.objects.filter(task=sent, area=tree.grids[0]).update(status="started")
    _adjustment, plan = adjustments.adjustment_apply(
        actor=tree.users["centre"], request=split(tree, tree.grids[0])
    )
    assert Assignment.objects.get(task=sent, area=tree.grids[0]).version == 1
    assert [(u.kind, u.area_name) for u in plan.unplaced] == [("assignment", tree.grids[0].name)]
    assert not Assignment.objects.filter(task=sent, area__in=AreaChange.objects.get().created.all()).exists()


def test_a_split_grids_task_without_targets_goes_to_every_part(tree, sent):
    adjustments.adjustment_apply(actor=tree.users["centre"], request=split(tree, tree.grids[0]))
    parts = AreaChange.objects.get().created.filter(level=Level.GRID)
    assert Assignment.objects.filter(task=sent, area__in=parts).count() == 2
    assert Task.objects.get(pk=sent.pk).grids == 5
