"""WGS 84 ↔ GCJ-02 against published pairs (the JavaScript twin in static/js/basemap.js is checked against the
same pairs in tests/gridgov/test_basemap_browser.py)."""

import math

import pytest

from gridgov.gcj02 import gcj_to_wgs, outside_china, wgs_to_gcj

# (WGS 84 lat, lon) → (GCJ-02 lat, lon), as published with two widely used implementations:
# eviltransform's tests (Shanghai, Shenzhen, Beijing) and coordtransform's README (Tiananmen, Beijing).
PAIRS = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),
    ((39.915, 116.404), (39.91640428150164, 116.41024449916938)),
]


def metres(a, b):
    """Distance between two (lat, lon) points a few metres apart, in metres (equirectangular)."""
    lat = math.radians((a[0] + b[0]) / 2)
    dy = (a[0] - b[0]) * 111_320
    dx = (a[1] - b[1]) * 111_320 * math.cos(lat)
    return math.hypot(dx, dy)


@pytest.mark.parametrize(("wgs", "gcj"), PAIRS)
def test_it_shifts_a_wgs_point_as_published(wgs, gcj):
    assert wgs_to_gcj(*wgs) == pytest.approx(gcj, abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), PAIRS)
def test_it_finds_the_wgs_point_back_to_well_under_a_metre(wgs, gcj):
    back = gcj_to_wgs(*gcj)
    assert metres(back, wgs) < 0.01
    assert metres(wgs_to_gcj(*back), gcj) < 0.01


def test_it_shifts_by_hundreds_of_metres_in_the_demo_district():
    changsha = (28.2, 112.9)
    assert 300 < metres(wgs_to_gcj(*changsha), changsha) < 800


@pytest.mark.parametrize(
    "point", [(51.5007, -0.1246), (48.8584, 2.2945), (-33.8568, 151.2153), (40.6892, -74.0445)]
)
def test_it_shifts_nothing_outside_china(point):
    assert outside_china(*point)
    assert wgs_to_gcj(*point) == point
    assert gcj_to_wgs(*point) == point
