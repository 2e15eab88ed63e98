import copy
import re

import pytest
from django.core.exceptions import PermissionDenied

from grids.boundaries import area_m2, boundaries_export, boundaries_import, boundaries_validate
from grids.geometry import boundary_shape
from grids.models import Area, AreaChange, Level
from tests.factories import LAT0, LON0, STEP, square


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def feature(code, geometry, **props):
    return {"type": "Feature", "geometry": geometry, "properties": {"code": code, **props}}


def errors_of(report, code):
    return next(f for f in report.features if f.code == code).errors


def warnings_of(report, code):
    return next(f for f in report.features if f.code == code).warnings


def test_an_export_imports_back_unchanged(tree):
    exported = boundaries_export(Area.objects.all())
    assert len(exported["features"]) == 15
    report = boundaries_import(collection=exported)
    assert report.ok and report.imported
    assert report.count("unchanged") == 15
    assert report.change is None and not AreaChange.objects.exists()


def test_it_refuses_an_unclosed_ring_and_imports_nothing(tree):
    grid, other = tree.grids[0], tree.grids[1]
    open_ring = copy.deepcopy(grid.boundary)
    open_ring["coordinates"][0].pop()
    moved = square(LON0 + STEP, LAT0, STEP * 0.9, STEP)
    report = boundaries_import(
        collection=collection(feature(grid.code, open_ring), feature(other.code, moved))
    )
    assert not report.ok and not report.imported
    assert any("not closed" in e for e in errors_of(report, grid.code))
    other.refresh_from_db()
    assert other.boundary == tree.grids[1].boundary  # the valid feature was not imported either


def test_it_refuses_a_self_intersecting_ring_with_the_reason(tree):
    grid = tree.grids[0]
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[LON0, LAT0], [LON0 + STEP, LAT0 + STEP], [LON0 + STEP, LAT0], [LON0, LAT0 + STEP], [LON0, LAT0]]
        ],
    }
    report = boundaries_import(collection=collection(feature(grid.code, bowtie)))
    assert any("not valid" in e and "Self-intersection" in e for e in errors_of(report, grid.code))


def test_it_refuses_a_grid_that_leaves_its_community(tree):
    grid = tree.grids[0]
    report = boundaries_import(
        collection=collection(feature(grid.code, square(LON0 - STEP, LAT0, 2 * STEP, STEP)))
    )
    (error,) = errors_of(report, grid.code)
    assert "outside the parent" in error
    outside_m2 = float(re.search(r"([\d.]+) m²", error).group(1))
    expected = area_m2(boundary_shape(square(LON0 - STEP, LAT0, STEP, STEP)))
    assert outside_m2 == pytest.approx(expected, rel=0.01)


def test_it_tolerates_a_sliver_outside_the_parent(tree):
    grid = tree.grids[0]
    sliver = square(LON0 - 1e-7, LAT0, STEP, STEP)  # ~5 m² west of the community, under the 10 m² tolerance
    assert boundaries_import(collection=collection(feature(grid.code, sliver)), dry_run=True).ok


def test_it_reports_sibling_overlaps_with_their_area(tree):
    grid, neighbour = tree.grids[0], tree.grids[1]
    wider = square(LON0, LAT0, STEP + 0.001, STEP)
    report = boundaries_import(collection=collection(feature(grid.code, wider)))
    assert report.ok and report.imported  # an overlap is a warning unless strict
    (warning,) = warnings_of(report, grid.code)
    assert neighbour.code in warning
    m2 = float(re.search(r"by ([\d.]+) m²", warning).group(1))
    assert m2 == pytest.approx(area_m2(boundary_shape(square(LON0 + STEP, LAT0, 0.001, STEP))), rel=0.01)
    assert 50_000 < m2 < 60_000


def test_strict_makes_an_overlap_an_error(tree):
    grid = tree.grids[0]
    report = boundaries_import(
        collection=collection(feature(grid.code, square(LON0, LAT0, STEP + 0.001, STEP))), strict=True
    )
    assert not report.imported and any("Overlaps sibling" in e for e in errors_of(report, grid.code))


def test_overlaps_between_two_new_features_are_reported_once_each(tree):
    a, b = tree.grids[0], tree.grids[1]
    report, _ = boundaries_validate(
        collection(
            feature(a.code, square(LON0, LAT0, STEP + 0.001, STEP)),
            feature(b.code, square(LON0 + STEP, LAT0, STEP, STEP)),
        )
    )
    assert len(warnings_of(report, a.code)) == 1 and len(warnings_of(report, b.code)) == 1


def test_it_creates_new_areas_below_parents_in_the_same_file(tree):
    street = tree.streets[1]
    community_code, grid_code = street.code + "009", street.code + "009001"
    box = square(LON0 + 3 * STEP, LAT0, STEP, STEP)
    report = boundaries_import(
        collection=collection(
            feature(grid_code, box, name="第1网格", households=320, residents=900),
            feature(community_code, box, name="新社区"),
        )
    )
    assert report.ok, report.lines()
    grid = Area.objects.get(code=grid_code)
    assert grid.level == Level.GRID and grid.parent.code == community_code and grid.households == 320
    assert grid.min_lon == pytest.approx(LON0 + 3 * STEP)
    assert set(report.change.created.values_list("code", flat=True)) == {community_code, grid_code}


def test_it_refuses_an_orphan_a_retired_area_and_a_new_area_without_name(tree):
    from django.utils import timezone

    retired = tree.grids[7]
    Area.objects.filter(pk=retired.pk).update(is_active=False, retired_at=timezone.now())
    box = square(LON0, LAT0, STEP, STEP)
    report = boundaries_import(
        collection=collection(
            feature("430104999001001", box, name="孤儿"),
            feature(retired.code, retired.boundary),
            feature(tree.communities[0].code + "077", box),
        )
    )
    assert any("does not exist" in e for e in errors_of(report, "430104999001001"))
    assert any("retired" in e for e in errors_of(report, retired.code))
    assert any("needs a name" in e for e in errors_of(report, tree.communities[0].code + "077"))


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"type": "Feature", "properties": {}, "geometry": None}, "digits"),
        (
            {
                "type": "Feature",
                "properties": {"code": "430104001001001"},
                "geometry": {"type": "Point", "coordinates": [1, 2]},
            },
            "Polygon or MultiPolygon",
        ),
        (
            {
                "type": "Feature",
                "properties": {"code": "430104001001001"},
                "geometry": {"type": "Polygon", "coordinates": [[[1, 2], [3]]]},
            },
            "not [lon, lat]",
        ),
        (
            {
                "type": "Feature",
                "properties": {"code": "430104001001001", "kind": "dedicated", "purpose": "zoo"},
                "geometry": square(LON0, LAT0, STEP, STEP),
            },
            "Unknown dedicated purpose",
        ),
        (
            {
                "type": "Feature",
                "properties": {"code": "430104001001001", "households": -3},
                "geometry": square(LON0, LAT0, STEP, STEP),
            },
            "whole number",
        ),
    ],
)
def test_it_reports_malformed_features(tree, bad, message):
    report = boundaries_import(collection=collection(bad))
    assert not report.ok
    assert any(message in e for e in report.features[0].errors), report.features[0].errors


def test_it_refuses_what_is_not_a_feature_collection(tree):
    report = boundaries_import(collection={"type": "Feature"})
    assert not report.ok and report.errors


def test_it_reports_duplicate_codes(tree):
    grid = tree.grids[0]
    report = boundaries_import(
        collection=collection(feature(grid.code, grid.boundary), feature(grid.code, grid.boundary))
    )
    assert any("also appears" in e for e in report.features[1].errors)


def test_an_update_records_the_previous_boundary(tree):
    grid = tree.grids[0]
    old = grid.boundary
    smaller = square(LON0, LAT0, STEP / 2, STEP)
    report = boundaries_import(collection=collection(feature(grid.code, smaller, name="第1网格")))
    grid.refresh_from_db()
    assert (
        grid.boundary == smaller and grid.name == "第1网格" and grid.max_lon == pytest.approx(LON0 + STEP / 2)
    )
    assert report.change.previous_boundaries == {grid.code: old}


def test_a_dry_run_writes_nothing(tree):
    grid = tree.grids[0]
    report = boundaries_import(
        collection=collection(feature(grid.code, square(LON0, LAT0, STEP / 2, STEP))), dry_run=True
    )
    assert report.ok and not report.imported
    grid.refresh_from_db()
    assert grid.boundary == tree.grids[0].boundary


def test_only_the_district_centre_imports(tree):
    grid = tree.grids[0]
    fc = collection(feature(grid.code, grid.boundary))
    with pytest.raises(PermissionDenied):
        boundaries_import(collection=fc, actor=tree.users["community"])
    assert boundaries_import(collection=fc, actor=tree.users["centre"]).ok
