"""The demo's assessment: evaluation records for the demo cases, the last three months' published reports
(district and streets) and a few five-star awards. Runs after ``cases`` in ``load_demo`` (DEMO_APPS)."""

import random
import time

from django.utils import timezone

from grids.models import Area, Level, Membership, Role

from .models import Star, StarAward
from .records import month_bounds, month_key, records_rebuild
from .selectors import default_month
from .services import snapshot_publish
from .stars import supporting_figures_for

MONTHS = 3


def _months_back(n):
    start, _end = default_month()
    key = month_key(start)
    months = []
    for _ in range(n):
        months.append(key)
        year, mon = divmod(key, 100)
        key = (year - 1) * 100 + 12 if mon == 1 else key - 1
    return months


def load(*, district, seed, stdout, **options):
    started = time.perf_counter()
    records = records_rebuild(case_ids=None)
    streets = list(Area.objects.filter(code__startswith=district.code, level=Level.STREET, is_active=True))
    published = 0
    for month in _months_back(MONTHS):
        _start, end = month_bounds(month)
        as_of = min(timezone.now(), end.replace(hour=1))  # as the beat task would have, on the 1st at 01:00
        for area in [district, *streets]:
            snapshot_publish(area=area, month=month, now=as_of)
            published += 1
    awards = _stars(district, seed)
    stdout.write(
        f"Assessment: {records} evaluation records, {published} published reports, {awards} star decisions "
        f"in {time.perf_counter() - started:.1f}s"
    )


def _stars(district, seed):
    """The centre decides the stars of the first dozen grids for last month, from their figures."""
    rng = random.Random(seed)
    centre = (
        Membership.objects.filter(area=district, role=Role.DISTRICT_CENTRE, is_active=True)
        .select_related("user")
        .first()
    )
    if centre is None:
        return 0
    grids = list(
        Area.objects.filter(code__startswith=district.code, level=Level.GRID, is_active=True).order_by(
            "code"
        )[:12]
    )
    month = _months_back(1)[0]
    figures = supporting_figures_for(centre.user, grids, month)
    now = timezone.now()
    rows = []
    for grid in grids:
        for star in Star.values:
            closure = figures[grid.code][star]["figures"].get("closure_rate", {}).get("value")
            awarded = (closure is None or closure >= 80) and rng.random() < 0.8
            rows.append(
                StarAward(
                    grid=grid,
                    grid_code=grid.code,
                    period_month=month,
                    star=star,
                    awarded=awarded,
                    figures=figures[grid.code][star],
                    evaluator=centre.user,
                    decided_at=now,
                    note="" if awarded else "本月指标未达标",
                )
            )
    StarAward.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
