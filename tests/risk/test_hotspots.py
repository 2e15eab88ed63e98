from risk.hotspots import cell_size, clusters_of


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
