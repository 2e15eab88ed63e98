import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from cases.models import Alert, Case, Category
from residents.models import VisitTask
from tests.factories import report
from tests.residents.scope_makers import _task

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 20, 9, tzinfo=SH)


def case_at(tree, code, *, grid=0, days_ago=1, urgency="normal", dlat=0.0, dlon=0.0, **fields):
    grid_area = tree.grids[grid]
    case = report(
        tree,
        Category.objects.get(code=code),
        grid=grid,
        lat=grid_area.centroid_lat + dlat,
        lon=grid_area.centroid_lon + dlon,
        urgency=urgency,
        address=f"网格{grid}东门",
    )
    Case.objects.filter(pk=case.pk).update(reported_at=NOW - dt.timedelta(days=days_ago), **fields)
    return case


@pytest.fixture
def cases_district(tree):
    """``fixture_district``'s cases without its visit task (a flushed database lacks the group tags)."""
    _cases(tree)
    return tree


def _cases(tree):
    # Grid 0: three 01001 cases at one spot (a hotspot of 3), one urgent, one reworked twice, one overdue.
    case_at(tree, "01001", urgency="urgent")
    case_at(tree, "01001", rework_count=2, days_ago=2)
    case_at(tree, "01001", alert=Alert.RED, days_ago=3)
    # Grid 5: one normal case of another category, and one outside the 30-day window.
    case_at(tree, "01002", grid=5)
    case_at(tree, "01002", grid=5, days_ago=40)


@pytest.fixture
def fixture_district(tree):
    """The hand-computed district of docs/domain.md §9's example (tests/risk/test_services.py)."""
    _cases(tree)
    # Grid 1: a priority person whose visit was due 10 days ago.
    task = VisitTask.objects.get(pk=_task(tree, 1))
    VisitTask.objects.filter(pk=task.pk).update(due_on=NOW.date() - dt.timedelta(days=10))
    return tree
