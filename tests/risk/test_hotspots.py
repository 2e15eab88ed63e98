import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from risk.hotspots import cell_size, clusters_of, hotspots_find
from tests.risk.conftest import NOW, case_at


def test_it_joins_touching_core_cells_and_takes_in_their_borders():
    counts = {(0, 0): 2, (1, 0): 1, (5, 5): 1, (6, 6): 1, (2, 1): 1}
    # (0,0): 2 + 1 = 3 around it, core; (1,0): 2 + 1 + 1 = 4, core; (2,1): 1 + 1 = 2, a border of (1,0).
    assert clusters_of(counts, 3) == [{(0, 0), (1, 0), (2, 1)}]
    # (5,5) and (6,6) touch but hold 2 together: no core cell, no hotspot.
    assert clusters_of({(5, 5): 1, (6, 6): 1}, 3) == []


def test_two_groups_apart_are_two_hotspots():
    counts = {(0, 0): 3, (10, 10): 2, (10, 11): 1}
    assert sorted(clusters_of(counts, 3), key=min) == [{(0, 0)}, {(10, 10), (10, 11)}]


def test_a_cell_is_as_wide_in_metres_east_as_north():
    dlat, dlon = cell_size(100, 60.0)
    assert round(dlat * 111_320) == 100 and round(dlon * 111_320 * 0.5) == 100


def _find(tree, keep):
    return hotspots_find(
        district_code=tree.district.code,
        start=NOW - dt.timedelta(days=30),
        end=NOW,
        cell_m=100,
        min_cases=3,
        lat0=tree.grids[0].centroid_lat,
        keep=keep,
    )


@pytest.mark.django_db
def test_it_lists_each_hotspots_latest_cases_in_one_query_however_many_hotspots(tree):
    # Grid 0: four 01001 cases over two touching cells (≈ 50 m and 150 m east), reported 4, 3, 2, 1 days ago.
    east = cell_size(100, tree.grids[0].centroid_lat)[1]
    first = [case_at(tree, "01001", days_ago=d, dlon=east * (0.5 if d > 2 else 1.5)) for d in (4, 3, 2, 1)]
    with CaptureQueriesContext(connection) as one:
        (found,) = _find(tree, keep=3)
    assert found.case_count == 4 and found.case_ids == [c.pk for c in first[1:]]  # the latest 3, oldest first
    # Two more hotspots (another category in grid 0, the same category in grid 1): still two queries.
    second = [case_at(tree, "01002", days_ago=d) for d in (3, 2, 1)]
    third = [case_at(tree, "01001", grid=1, days_ago=d) for d in (5, 4, 3)]
    with CaptureQueriesContext(connection) as three:
        found = _find(tree, keep=3)
    assert len(one.captured_queries) == len(three.captured_queries) == 2
    assert sorted(sorted(c.case_ids) for c in found) == sorted(
        sorted(c.pk for c in cases) for cases in (first[1:], second, third)
    )
