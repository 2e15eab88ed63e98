import random

import pytest
from django.utils import timezone

from grids import spatial
from grids.models import Area, BoundaryRevision, Level
from grids.spatial import grid_for_point, grids_for_points, nearest_grid
from tests.factories import LAT0, LON0, STEP, make_area, square


def centre_of(area):
    return area.centroid_lat, area.centroid_lon


def test_it_finds_the_grid_around_a_point(tree):
    for grid in tree.grids:
        assert grid_for_point(*centre_of(grid)) == grid.pk


def test_it_resolves_a_shared_edge_deterministically(tree):
    left, right = tree.grids[0], tree.grids[1]
    on_edge = (LAT0 + STEP / 2, LON0 + STEP)
    first = grid_for_point(*on_edge)
    assert first in {left.pk, right.pk}
    for _ in range(3):
        spatial.invalidate()
        assert grid_for_point(*on_edge) == first
    assert grids_for_points([on_edge]) == [first]


def test_it_resolves_a_corner_shared_by_four_grids_deterministically(tree):
    corner = (LAT0 + STEP, LON0 + STEP)
    answers = set()
    for _ in range(3):
        spatial.invalidate()
        answers.add(grid_for_point(*corner))
    assert len(answers) == 1 and answers.pop() in {g.pk for g in tree.grids}


def test_it_honours_holes(tree):
    grid = tree.grids[0]
    x0, y0 = LON0, LAT0
    hole = [
        [x0 + 0.002, y0 + 0.002],
        [x0 + 0.002, y0 + 0.003],
        [x0 + 0.003, y0 + 0.003],
        [x0 + 0.003, y0 + 0.002],
        [x0 + 0.002, y0 + 0.002],
    ]
    grid.boundary = {"type": "Polygon", "coordinates": [square(x0, y0, STEP, STEP)["coordinates"][0], hole]}
    grid.save()
    assert grid_for_point(y0 + 0.0025, x0 + 0.0025) == tree.communities[0].pk  # in the hole: the next one up
    assert grid_for_point(y0 + 0.001, x0 + 0.001) == grid.pk


def test_it_answers_none_outside_everything_and_suggests_the_nearest_grid(tree):
    west_of_grid0 = (LAT0 + STEP / 2, LON0 - 0.01)
    assert grid_for_point(*west_of_grid0) is None
    assert nearest_grid(*west_of_grid0) == tree.grids[0].pk
    assert grids_for_points([west_of_grid0]) == [None]


def test_it_ignores_retired_grids(tree):
    grid = tree.grids[0]
    point = centre_of(grid)
    grid.is_active, grid.retired_at = False, timezone.now()
    grid.save()
    assert grid_for_point(*point) == tree.communities[0].pk
    assert nearest_grid(LAT0 + STEP / 2, LON0 - 0.01) != grid.pk


def test_it_prefers_the_micro_grid_inside_a_grid(tree):
    grid = tree.grids[0]
    micro = make_area(
        grid.code + "001", "1栋", Level.MICROGRID, grid, boundary=square(LON0, LAT0, STEP / 2, STEP / 2)
    )
    assert grid_for_point(LAT0 + STEP / 4, LON0 + STEP / 4) == micro.pk
    assert grid_for_point(LAT0 + 3 * STEP / 4, LON0 + 3 * STEP / 4) == grid.pk


def test_it_follows_a_revision_bumped_by_another_process(tree, monkeypatch):
    grid = tree.grids[0]
    point = centre_of(grid)
    assert grid_for_point(*point) == grid.pk
    # Another process moved the grid away: no signal here, only the shared revision counter.
    Area.objects.filter(pk=grid.pk).update(boundary=square(LON0 + 1, LAT0 + 1, STEP, STEP))
    BoundaryRevision.bump()
    monkeypatch.setattr(spatial, "RECHECK_SECONDS", 0)
    assert grid_for_point(*point) == tree.communities[0].pk


def test_vectorised_lookup_agrees_with_single_lookups(tree):
    rng = random.Random(5)
    points = [(LAT0 - 0.002 + rng.random() * 0.014, LON0 - 0.002 + rng.random() * 0.024) for _ in range(300)]
    assert grids_for_points(points) == [grid_for_point(lat, lon) for lat, lon in points]


@pytest.mark.django_db
def test_it_answers_none_with_no_boundaries_at_all():
    assert grid_for_point(28.2, 112.9) is None
    assert nearest_grid(28.2, 112.9) is None
    assert grids_for_points([(28.2, 112.9)]) == [None]
