import io
import itertools
import sys
import types
from collections import Counter

import pytest
import shapely
from django.conf import settings
from django.core.management import CommandError, call_command

from grids import demo
from grids.geometry import boundary_shape
from grids.models import Area, Department, Level, Membership, Role, User
from grids.spatial import grid_for_point

pytestmark = pytest.mark.django_db


def load(grids=40, seed=7, **options):
    options.setdefault("apps", "")  # the district alone; other apps test their own demo data
    call_command("load_demo", grids=grids, seed=seed, stdout=io.StringIO(), **options)
    return Area.objects.get(code=demo.DISTRICT_CODE)


def shapes(level, parent_code=""):
    return [
        boundary_shape(a.boundary) for a in Area.objects.filter(level=level, code__startswith=parent_code)
    ]


def assert_tiles(pieces, whole, rel=1e-9):
    """The pieces cover ``whole`` with no gap (union == whole) and no overlap (pairwise intersections 0)."""
    union = shapely.union_all(pieces)
    assert shapely.symmetric_difference(union, whole).area <= rel * whole.area
    assert sum(p.area for p in pieces) == pytest.approx(whole.area, rel=rel)
    tree = shapely.STRtree(pieces)
    left, right = tree.query(pieces, predicate="intersects")
    pairs = left < right
    overlap = sum(shapely.intersection(pieces[i], pieces[j]).area for i, j in zip(left[pairs], right[pairs]))
    assert overlap <= rel * whole.area


def test_grids_tile_the_district_without_gaps_or_overlaps():
    district = load()
    whole = boundary_shape(district.boundary)
    assert whole.geom_type == "Polygon" and not whole.interiors
    for level in (Level.STREET, Level.COMMUNITY, Level.GRID):
        pieces = shapes(level)
        assert all(p.is_valid and p.geom_type == "Polygon" for p in pieces)
        assert_tiles(pieces, whole)
    for community in Area.objects.filter(level=Level.COMMUNITY):
        assert_tiles(shapes(Level.GRID, community.code), boundary_shape(community.boundary))
    for grid in Area.objects.filter(level=Level.GRID):
        assert_tiles(shapes(Level.MICROGRID, grid.code), boundary_shape(grid.boundary))


def test_every_grid_answers_for_its_own_centre():
    load()
    for grid in Area.objects.filter(level=Level.GRID):
        found = Area.objects.get(pk=grid_for_point(grid.centroid_lat, grid.centroid_lon))
        assert found.code.startswith(grid.code)  # the grid or one of its micro-grids


def snapshot():
    return (
        list(
            Area.objects.order_by("code").values_list(
                "code", "name", "kind", "purpose", "boundary", "households"
            )
        ),
        list(User.objects.order_by("username").values_list("username", "display_name", "phone")),
        sorted(Membership.objects.values_list("user__username", "role", "area__code")),
    )


def test_it_is_deterministic_for_a_seed():
    load(seed=11)
    first = snapshot()
    Membership.objects.all().delete()
    Department.objects.all().delete()
    User.objects.all().delete()
    for level in reversed(Level.values):
        Area.objects.filter(level=level).delete()
    load(seed=11)
    assert snapshot() == first
    other = demo.Builder(40, 12)
    assert other.lattice.lon.tolist() != demo.Builder(40, 11).lattice.lon.tolist()


def test_the_default_district_has_the_promised_shape_and_teams():
    district = load(grids=300, seed=2024)
    counts = Counter(Area.objects.values_list("level", flat=True))
    assert counts[Level.STREET] == 6 and counts[Level.COMMUNITY] == 40 and counts[Level.GRID] == 300
    assert counts[Level.MICROGRID] >= 600
    assert Area.objects.filter(level=Level.GRID, kind="dedicated").exclude(purpose="").count() >= 5
    assert district.households == sum(
        Area.objects.filter(level=Level.GRID).values_list("households", flat=True)
    )
    lon, lat = district.centroid_lon, district.centroid_lat
    assert 112.9 <= lon <= 113.0 and 28.15 <= lat <= 28.25
    teams = Counter(Membership.objects.filter(area__level=Level.GRID).values_list("area_id", "role"))
    for grid_id in Area.objects.filter(level=Level.GRID).values_list("id", flat=True):
        assert teams[(grid_id, Role.GRID_LEADER)] == 1 and 1 <= teams[(grid_id, Role.GRID_WORKER)] <= 2
    assert Membership.objects.filter(role=Role.COMMUNITY_STAFF).count() == 80
    assert Membership.objects.filter(role=Role.STREET_STAFF).count() == 12
    departments = Department.objects.all()
    assert len(departments) == 8 and {"城市管理局" in d.name for d in departments} == {True, False}
    for department in departments:
        assert list(department.covered_areas.all()) == [district]
        assert department.memberships.filter(role=Role.DEPARTMENT_HANDLER).count() == 2
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(settings.GRIDGOV["DEMO_PASSWORD"])
    assert User.objects.values("password").distinct().count() == 1
    assert User.objects.get(username="grid001001001-w1").display_name[0] in demo.SURNAMES


def test_if_empty_does_nothing_when_a_district_exists_and_a_second_load_is_refused():
    load()
    before = Area.objects.count()
    load(if_empty=True)
    assert Area.objects.count() == before
    with pytest.raises(CommandError):
        load()


def test_it_calls_each_apps_demo_loader(monkeypatch):
    calls = []
    fake = types.ModuleType("cases.demo")
    fake.load = lambda **kwargs: calls.append(kwargs)
    monkeypatch.setitem(sys.modules, "cases.demo", fake)
    district = load(grids=20, seed=3, apps="cases")
    (call,) = calls
    assert call["district"] == district and call["seed"] == 3 and call["grids"] == 20 and "stdout" in call


def test_a_broken_import_inside_an_apps_demo_is_not_swallowed(monkeypatch):
    def import_module(name):
        raise ModuleNotFoundError("No module named 'shapelyy'", name="shapelyy")

    monkeypatch.setattr(demo.importlib, "import_module", import_module)
    with pytest.raises(ModuleNotFoundError):
        demo.load_app_demos(district=None, seed=1, stdout=None)


def test_apportion_keeps_the_total_and_the_minimum():
    parts = demo.apportion(300, [0.8, 1.2, 1.0, 0.9, 1.1, 1.0])
    assert sum(parts) == 300 and min(parts) >= 1
    assert demo.apportion(3, [5.0, 0.001, 0.001]) == [1, 1, 1]


def test_hilbert_neighbours_share_an_edge():
    cells = [demo.hilbert_cell(4, d) for d in range(256)]
    assert len(set(cells)) == 256
    assert all(abs(a[0] - b[0]) + abs(a[1] - b[1]) == 1 for a, b in itertools.pairwise(cells))


def test_load_demo_says_each_stage_with_its_counts_and_seconds(monkeypatch):
    # Wall-clock seconds, then the process's CPU seconds (what a busy machine does not inflate).
    fake = types.ModuleType("cases.demo")
    fake.load = lambda stdout, **kwargs: stdout.write("Cases: 3 cases, 20 events")
    monkeypatch.setitem(sys.modules, "cases.demo", fake)
    out = io.StringIO()
    call_command("load_demo", grids=20, seed=3, apps="cases", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Loading the demo district")
    district, cases = (line.split() for line in lines[1:3])
    assert district[0] == "district" and district[1].endswith("s") and float(district[1][:-1]) >= 0
    assert "20 grids," in lines[1]
    assert (
        cases[:2] == ["cases", cases[1]]
        and cases[1].endswith("s")
        and cases[2] == "(cpu"
        and cases[3].endswith("s)")
        and float(cases[3][:-2]) >= 0
        and cases[4:] == ["Cases:", "3", "cases,", "20", "events"]
    )
    assert lines[3].startswith("Demo loaded in") and "(with cases)" in lines[3]
