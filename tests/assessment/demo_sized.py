"""A district the size of the demo's (``load_demo``: 300 grids, their staff and workers, the departments)
with a month of evaluation records in every grid, written in bulk: what the report pages must stay light
on. The cases behind the records are bare rows (the report reads the records only)."""

from datetime import timedelta

from django.db import transaction

from assessment.models import CaseRecord
from cases.models import Case, Category
from grids.demo import build_district
from grids.models import Area, Department, Level, Membership, Role

CASES = 3000  # the demo's


def demo_sized_district(first_day, *, grids=300, cases=CASES):
    """The demo district and ``cases`` cases reported over the 28 days from ``first_day``: closed on time or
    late, open past the deadline, through every source, department and rating."""
    with transaction.atomic():
        district = build_district(grids=grids, seed=2024).district
        grid_areas = list(
            Area.objects.filter(code__startswith=district.code, level=Level.GRID).order_by("code")
        )
        workers = dict(
            Membership.objects.filter(role=Role.GRID_WORKER, area__in=grid_areas).values_list(
                "area_id", "user_id"
            )
        )
        leaders = dict(
            Membership.objects.filter(role=Role.GRID_LEADER, area__in=grid_areas).values_list(
                "area_id", "user_id"
            )
        )
        departments = list(Department.objects.filter(area=district))
        minors = list(Category.objects.filter(parent__isnull=False).order_by("code")[:40])
        rows, records = [], []
        for i in range(cases):
            grid, minor = grid_areas[i % len(grid_areas)], minors[i % len(minors)]
            reported = first_day + timedelta(days=i % 28, hours=8 + i % 9)
            rows.append(
                Case(
                    number=f"T{i:08d}",
                    title="测试案件",
                    category=minor,
                    area=grid,
                    area_code=grid.code,
                    reported_at=reported,
                    source=("patrol", "citizen", "hotline")[i % 3],
                )
            )
        Case.objects.bulk_create(rows, batch_size=1000)
        for i, case in enumerate(rows):
            grid, minor = grid_areas[i % len(grid_areas)], minors[i % len(minors)]
            reported = case.reported_at
            filed = reported + timedelta(minutes=10 + i % 40)
            dispatched = filed + timedelta(minutes=5 + i % 30)
            handled = dispatched + timedelta(hours=1 + i % 30)
            is_open = i % 12 == 0
            records.append(
                CaseRecord(
                    case=case,
                    grid_code=grid.code,
                    community_code=grid.code[:12],
                    street_code=grid.code[:9],
                    district_code=grid.code[:6],
                    category=minor,
                    major_id=minor.parent_id,
                    source=case.source,
                    status="handling" if is_open else "closed",
                    reporter_id=workers.get(grid.pk),
                    verifier_id=leaders.get(grid.pk),
                    department=departments[i % len(departments)],
                    period_at=reported,
                    period_month=reported.year * 100 + reported.month,
                    reported_at=reported,
                    responded_at=filed,
                    responded_on_time=filed - reported <= timedelta(minutes=30),
                    file_due_at=reported + timedelta(minutes=30),
                    filed_at=filed,
                    filed_on_time=filed - reported <= timedelta(minutes=30),
                    self_handled=i % 17 == 0,
                    dispatched_at=dispatched,
                    dispatched_on_time=dispatched - filed <= timedelta(minutes=30),
                    returned=i % 13 == 0,
                    handle_due_at=dispatched + timedelta(hours=24),
                    handled_at=None if is_open else handled,
                    handled_on_time=None if is_open else i % 30 < 24,
                    handling_seconds=None if is_open else int((handled - dispatched).total_seconds()),
                    reworked=i % 19 == 0,
                    verified_on_time=None if is_open else i % 5 != 0,
                    closing_due_at=reported + timedelta(days=2),
                    closed_at=None if is_open else handled + timedelta(hours=1),
                    closed_on_time=None if is_open else i % 30 < 23,
                    close_type="" if is_open else ("normal" if i % 30 < 23 else "overdue"),
                    satisfaction=""
                    if is_open
                    else ("satisfied", "basically_satisfied", "dissatisfied", "no_response")[i % 4],
                )
            )
        CaseRecord.objects.bulk_create(records, batch_size=1000)
    return district
