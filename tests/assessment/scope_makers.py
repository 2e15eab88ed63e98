"""Objects inside grid N for tests/test_scope_coverage.py: basename -> maker(tree, i) -> pk."""

import datetime as dt

from django.utils import timezone


def snapshot_in(tree, i):
    from assessment.models import ReportSnapshot

    grid = tree.grids[i]
    start = timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return ReportSnapshot.objects.create(
        kind="test",
        scope_code=grid.code,
        period_start=start,
        period_end=start + dt.timedelta(days=28),
        as_of=start,
        generated_at=start,
        data={},
    ).pk


def star_in(tree, i):
    from assessment.models import StarAward

    grid = tree.grids[i]
    return StarAward.objects.create(
        grid=grid,
        grid_code=grid.code,
        period_month=202603,
        star="security",
        awarded=True,
        decided_at=timezone.now(),
    ).pk


MAKERS = {"assessment-published": snapshot_in, "assessment-star": star_in}
# basename -> why the endpoint is not area-scoped
EXEMPT = {
    "assessment-report": "no rows of its own: figures aggregated over the caller's scoped case records; "
    "scope tested in tests/assessment/test_api.py",
    "assessment-cases": "case rows behind a figure, from the caller's scoped case records; "
    "scope tested in tests/assessment/test_api.py",
}
