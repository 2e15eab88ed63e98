"""Objects inside grid N for tests/test_scope_coverage.py (one maker per dispatch endpoint)."""

from datetime import timedelta

from django.utils import timezone


def _case_in(tree, i):
    from cases.models import Category
    from cases.services import case_report

    grid = tree.grids[i]
    return case_report(
        actor=tree.users["centre"],
        category=Category.objects.get(code="01001"),
        title="占道",
        lat=grid.centroid_lat,
        lon=grid.centroid_lon,
    ).case


def _department(tree, label):
    from grids.models import Department

    n = Department.objects.count()
    return Department.objects.create(code=f"T{label}{n}", name=f"部门{label}{n}", area=tree.district)


def department_in(tree, i):
    dept = _department(tree, i)
    dept.covered_areas.add(tree.grids[i])
    return dept.pk


def routing_rule_in(tree, i):
    from cases.models import Category
    from dispatch.models import RoutingRule

    return RoutingRule.objects.create(
        category=Category.objects.get(code="01001"), owner_area=tree.district, area=tree.grids[i], team="grid"
    ).pk


def whistle_in(tree, i):
    from dispatch.models import Whistle, WhistleCall

    case = _case_in(tree, i)
    now = timezone.now()
    whistle = Whistle.objects.create(
        case=case,
        area=tree.grids[i].parent.parent,
        reason="聚集",
        arrive_by=now + timedelta(minutes=30),
        created_at=now,
    )
    WhistleCall.objects.create(
        whistle=whistle, department=_department(tree, "W"), arrive_by=whistle.arrive_by
    )
    return whistle.pk


def case_assist_in(tree, i):
    from dispatch.models import CaseAssist

    return CaseAssist.objects.create(
        case=_case_in(tree, i), department=_department(tree, "A"), due_at=timezone.now() + timedelta(days=1)
    ).pk
