"""The attendance figure and its place in the assessment's worker composite (docs/domain.md §5.17, §8.5),
against a hand-computed fixture."""

import datetime as dt

import pytest

from assessment.report import worker_table
from fieldwork import selectors
from fieldwork.models import WorkLog

from .conftest import SH

pytestmark = pytest.mark.django_db

MARCH = (dt.datetime(2026, 3, 1, tzinfo=SH), dt.datetime(2026, 4, 1, tzinfo=SH))


def _logs(worker, grid, minutes):
    WorkLog.objects.bulk_create(
        [
            WorkLog(worker=worker, day=dt.date(2026, 3, 2 + k), area_code=grid.code, patrol_minutes=m)
            for k, m in enumerate(minutes)
        ]
    )


def _table(tree, period=MARCH):
    w = str(tree.users["worker"].pk)
    reported = {w: {"reported": 10, "filed": 8}}  # valid report rate 80
    verified = {w: {"verified": 4, "verified_on_time": 3}}  # on-time verification 75
    grids = {tree.grids[0].code: {"public_first": 1, "filed": 10}}  # missed 10 → 90 inverted
    return worker_table(tree.users["centre"], reported, verified, grids, period=period)


def test_attended_days_over_logged_days(tree):
    _logs(tree.users["worker"], tree.grids[0], [150, 120, 119, 300])
    WorkLog.objects.create(
        worker=tree.users["worker"], day=dt.date(2026, 4, 1), area_code=tree.grids[0].code, patrol_minutes=200
    )
    figures = selectors.attendance_figures(
        [tree.users["worker"].pk], dt.date(2026, 3, 1), dt.date(2026, 4, 1)
    )
    assert figures == {tree.users["worker"].pk: {"value": 75.0, "num": 3, "den": 4}}


def test_the_worker_composite_weighs_attendance(tree):
    _logs(tree.users["worker"], tree.grids[0], [150, 120, 119, 300])  # 3 of 4 days attended: 75
    [row] = _table(tree)
    assert row["figures"]["attendance_rate"] == {"value": 75.0, "num": 3, "den": 4}
    # (40 × 80 + 20 × 90 + 40 × 75 + 20 × 75) / 120 = 9500 / 120
    assert row["score"] == 79.17


def test_without_work_logs_the_component_is_left_out(tree):
    [row] = _table(tree)
    assert "attendance_rate" not in row["figures"]
    assert row["score"] == 80.0  # (40 × 80 + 20 × 90 + 40 × 75) / 100


def test_monthly_attendance_is_scoped(tree):
    _logs(tree.users["worker"], tree.grids[0], [150, 30])
    _logs(tree.users["worker2"], tree.grids[1], [200])
    march = dt.date(2026, 3, 1)
    mine = selectors.attendance(tree.users["worker"], march)
    assert [(r["worker_id"], r["days"], r["attended"], r["rate"]) for r in mine] == [
        (tree.users["worker"].pk, 2, 1, 50.0)
    ]
    assert len(selectors.attendance(tree.users["community"], march)) == 2
    assert selectors.attendance(tree.users["community_b"], march) == []
