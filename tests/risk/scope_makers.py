"""Objects inside grid N for tests/test_scope_coverage.py: basename -> maker(tree, i) -> pk."""

import datetime as dt

from cases.models import Category
from risk.models import Hotspot, RiskScore, RiskWarning, WarningRule

DAY = dt.date(2026, 3, 20)


def score_in(tree, i):
    grid = tree.grids[i]
    return RiskScore.objects.create(
        area=grid, area_code=grid.code, day=DAY, score=3, level="green", components=[]
    ).pk


def hotspot_in(tree, i):
    grid = tree.grids[i]
    now = dt.datetime(2026, 3, 20, tzinfo=dt.UTC)
    return Hotspot.objects.create(
        district_code=tree.district.code,
        area=grid,
        area_code=grid.code,
        category=Category.objects.get(code="01001"),
        day=DAY,
        lat=grid.centroid_lat,
        lon=grid.centroid_lon,
        case_count=3,
        first_at=now,
        last_at=now,
        key=f"1:{i}:0",
    ).pk


def warning_in(tree, i):
    grid = tree.grids[i]
    return RiskWarning.objects.create(
        rule=WarningRule.VISIT_OVERDUE,
        key=f"visit:{i}:1",
        area=grid,
        area_code=grid.code,
        facts={"group": "", "due_on": "2026-03-01", "days": 19},
    ).pk


MAKERS = {"risk-score": score_in, "risk-hotspot": hotspot_in, "risk-warning": warning_in}
EXEMPT = {
    "risk-settings": "one row per district, read by every member of the district and written by its centre "
    "only; tested in tests/risk/test_api.py",
}
