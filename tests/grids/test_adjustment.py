import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from grids.adjustment import area_retire, grid_merge, grid_redraw, grid_split
from grids.boundaries import area_m2
from grids.geometry import boundary_shape
from grids.models import Area, AreaChange, BoundaryRevision, Level, Membership, Role
from grids.spatial import grid_for_point
from tests.factories import LAT0, LON0, STEP, make_area, square

HALF = STEP / 2


def halves(x0=LON0, y0=LAT0):
    return [
        {"name": "第1网格西", "boundary": square(x0, y0, HALF, STEP)},
        {"name": "第1网格东", "boundary": square(x0 + HALF, y0, HALF, STEP)},
    ]


def active_roles(user):
    return set(Membership.objects.filter(user=user, is_active=True).values_list("role", "area__code"))


def test_a_split_retires_the_grid_and_its_team_follows_the_named_part(tree):
    grid, worker, leader = tree.grids[0], tree.users["worker"], tree.users["leader"]
    result = grid_split(grid=grid, parts=halves(), actor=tree.users["centre"], team_to=1, note="新建小区")
    grid.refresh_from_db()
    west, east = result.created
    assert not grid.is_active and grid.retired_at is not None
    assert (west.code, east.code) == (grid.parent.code + "003", grid.parent.code + "004")
    assert west.households + east.households == grid.households
    assert active_roles(worker) == {(Role.GRID_WORKER, east.code)}
    assert active_roles(leader) == {(Role.GRID_LEADER, east.code)}
    # The old memberships are kept, inactive, still pointing at the retired grid.
    assert Membership.objects.filter(user=worker, area=grid, is_active=False).exists()
    change = result.change
    assert change.kind == AreaChange.Kind.SPLIT and change.actor == tree.users["centre"]
    assert list(change.retired.all()) == [grid]
    assert set(change.created.all()) == {west, east}
    assert change.previous_boundaries == {grid.code: grid.boundary}
    assert grid_for_point(LAT0 + STEP / 2, LON0 + STEP / 4) == west.pk


def test_a_split_without_a_successor_team_lists_the_members_left_behind(tree):
    result = grid_split(grid=tree.grids[0], parts=halves(), actor=None)
    assert {m.user.username for m in result.unassigned_memberships} == {"worker", "leader"}
    assert active_roles(tree.users["worker"]) == {(Role.GRID_WORKER, tree.grids[0].code)}


def test_micro_grids_follow_the_part_they_lie_in(tree):
    grid = tree.grids[0]
    inside_west = make_area(
        grid.code + "001", "1栋", Level.MICROGRID, grid, boundary=square(LON0, LAT0, HALF, HALF)
    )
    straddling = make_area(
        grid.code + "002", "2栋", Level.MICROGRID, grid, boundary=square(LON0, LAT0 + HALF, STEP, HALF)
    )
    worker = tree.users["worker2"]
    Membership.objects.create(user=worker, area=inside_west, role=Role.GRID_WORKER)
    result = grid_split(grid=grid, parts=halves(), actor=None)
    west = result.created[0]
    copy = Area.objects.get(parent=west, name="1栋")
    assert copy.boundary == inside_west.boundary and copy.code == west.code + "001"
    assert (Role.GRID_WORKER, copy.code) in active_roles(worker)
    assert not Area.objects.filter(name="2栋", is_active=True).exists()
    assert any("2栋" in w for w in result.warnings)
    assert {inside_west, straddling} <= set(result.change.retired.all())


def test_a_split_must_tile_the_grid(tree):
    parts = halves()
    parts[1]["boundary"] = square(LON0 + HALF, LAT0, HALF / 2, STEP)
    with pytest.raises(ValidationError) as exc:
        grid_split(grid=tree.grids[0], parts=parts, actor=None)
    assert "cover the grid exactly" in str(exc.value)
    assert Area.objects.get(pk=tree.grids[0].pk).is_active


def test_a_split_refuses_an_invalid_part(tree):
    parts = halves()
    parts[0]["boundary"]["coordinates"][0].pop()
    with pytest.raises(ValidationError) as exc:
        grid_split(grid=tree.grids[0], parts=parts, actor=None)
    assert "parts[0].boundary" in exc.value.message_dict


def test_a_merge_makes_one_grid_and_moves_both_teams(tree):
    left, right = tree.grids[0], tree.grids[1]
    micro = make_area(
        right.code + "001", "5栋", Level.MICROGRID, right, boundary=square(LON0 + STEP, LAT0, HALF, HALF)
    )
    result = grid_merge(grids=[left, right], name="第1网格", actor=tree.users["centre"])
    merged = result.created[0]
    assert merged.households == left.households + right.households
    assert area_m2(boundary_shape(merged.boundary)) == pytest.approx(
        area_m2(boundary_shape(square(LON0, LAT0, 2 * STEP, STEP))), rel=1e-6
    )
    assert boundary_shape(merged.boundary).geom_type == "Polygon"
    for name in ("worker", "worker2", "leader"):
        assert {code for _, code in active_roles(tree.users[name])} == {merged.code}
    assert Area.objects.get(parent=merged, name="5栋").boundary == micro.boundary
    assert set(result.change.retired.all()) == {left, right, micro}
    assert grid_for_point(LAT0 + STEP / 2, LON0 + STEP * 1.5) == Area.objects.get(parent=merged).pk


def test_a_merge_refuses_grids_of_different_communities_or_apart(tree):
    with pytest.raises(ValidationError):
        grid_merge(grids=[tree.grids[0], tree.grids[2]], name="x", actor=None)
    far = make_area(
        tree.communities[0].code + "005",
        "飞地",
        Level.GRID,
        tree.communities[0],
        boundary=square(LON0 + 3 * STEP, LAT0 + 3 * STEP, STEP, STEP),
    )
    with pytest.raises(ValidationError) as exc:
        grid_merge(grids=[tree.grids[0], far], name="x", actor=None)
    assert "contiguous" in str(exc.value)


def test_a_redraw_moves_a_shared_edge_and_keeps_the_old_boundaries(tree):
    left, right = tree.grids[0], tree.grids[1]
    new_left = square(LON0, LAT0, STEP * 1.2, STEP)
    new_right = square(LON0 + STEP * 1.2, LAT0, STEP * 0.8, STEP)
    old = {left.code: left.boundary, right.code: right.boundary}
    result = grid_redraw(boundaries={left: new_left, right: new_right}, actor=tree.users["centre"])
    left = Area.objects.get(pk=left.pk)
    assert left.boundary == new_left and left.is_active and left.code == tree.grids[0].code
    assert result.change.previous_boundaries == old
    assert grid_for_point(LAT0 + STEP / 2, LON0 + STEP * 1.1) == left.pk


def test_a_redraw_refuses_an_overlap_with_a_sibling(tree):
    left = tree.grids[0]
    old = left.boundary
    with pytest.raises(ValidationError) as exc:
        grid_redraw(boundaries={left: square(LON0, LAT0, STEP * 1.2, STEP)}, actor=None)
    assert tree.grids[1].code in str(exc.value) and "m²" in str(exc.value)
    assert Area.objects.get(pk=left.pk).boundary == old


def test_a_redraw_refuses_leaving_the_parent(tree):
    with pytest.raises(ValidationError):
        grid_redraw(boundaries={tree.grids[0]: square(LON0 - STEP, LAT0, 2 * STEP, STEP)}, actor=None)


def test_retiring_a_community_retires_its_subtree_and_moves_its_staff(tree):
    community, successor = tree.communities[0], tree.communities[1]
    result = area_retire(area=community, actor=tree.users["centre"], successor=successor)
    assert set(result.retired) == {community, tree.grids[0], tree.grids[1]}
    assert not Area.objects.filter(pk__in=[a.pk for a in result.retired], is_active=True).exists()
    assert active_roles(tree.users["community"]) == {(Role.COMMUNITY_STAFF, successor.code)}
    assert {m.user.username for m in result.unassigned_memberships} == {"worker", "worker2", "leader"}
    assert grid_for_point(LAT0 + STEP / 2, LON0 + STEP / 2) == tree.streets[0].pk


def test_only_the_district_centre_adjusts(tree):
    for name in ("worker", "community", "street", "handler"):
        with pytest.raises(PermissionDenied):
            area_retire(area=tree.grids[0], actor=tree.users[name])
    assert Area.objects.get(pk=tree.grids[0].pk).is_active


def test_it_refuses_to_adjust_a_retired_grid(tree):
    area_retire(area=tree.grids[0], actor=None)
    with pytest.raises(ValidationError):
        grid_split(grid=tree.grids[0], parts=halves(), actor=None)


def test_references_keep_pointing_at_retired_grids(tree):
    grid = tree.grids[0]
    membership = Membership.objects.get(user=tree.users["worker"], area=grid)
    grid_merge(grids=[grid, tree.grids[1]], name="合并网格", actor=None)
    membership.refresh_from_db()
    assert membership.area_id == grid.pk
    assert Area.objects.filter(pk=grid.pk).exists()


def test_an_adjustment_bumps_the_boundary_revision_on_commit(tree, django_capture_on_commit_callbacks):
    before = BoundaryRevision.current()
    with django_capture_on_commit_callbacks(execute=True):
        grid_split(grid=tree.grids[0], parts=halves(), actor=None)
    assert BoundaryRevision.current() > before


def test_split_parts_are_checked_against_the_neighbours(tree):
    parts = halves()
    # The east half reaches into the next grid: the parts no longer tile the old grid exactly.
    parts[1]["boundary"] = square(LON0 + HALF, LAT0, STEP, STEP)
    with pytest.raises(ValidationError):
        grid_split(grid=tree.grids[0], parts=parts, actor=None)
    assert Area.objects.get(pk=tree.grids[0].pk).is_active
    assert not Area.objects.filter(
        code__startswith=tree.communities[0].code, code__gt=tree.grids[1].code
    ).exists()
