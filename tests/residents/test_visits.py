import datetime as dt

import pytest
from django.utils import timezone

from grids.models import Level
from residents.models import GroupTag, VisitTask
from residents.services import tag_assign, visit_record
from residents.tasks import build_visit_tasks
from residents.visits import (
    coverage_by_area,
    coverage_by_worker,
    coverage_total,
    task_list,
    visit_tasks_build,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def month_visits(register):
    """In grid 0 (2 households): one household visited twice this month, once last month."""
    tree = register.tree
    now = timezone.now()
    h0, h1 = register.households[tree.grids[0].code]
    worker = tree.users["worker"]
    visit_record(actor=worker, household=h0, visited_at=now - dt.timedelta(minutes=5))
    visit_record(actor=worker, household=h0, visited_at=now - dt.timedelta(minutes=1))
    visit_record(actor=worker, household=h1, visited_at=now - dt.timedelta(days=40))
    other = register.households[tree.grids[1].code][0]
    visit_record(actor=tree.users["worker2"], household=other, visited_at=now - dt.timedelta(minutes=2))
    return register


def by_code(rows):
    return {r.code: (r.households, r.visited, r.visits, r.rate) for r in rows}


def test_grid_coverage_counts_distinct_households_visited_in_the_month(month_visits):
    tree = month_visits.tree
    rows = by_code(coverage_by_area(tree.users["community"], month=timezone.localdate()))
    assert rows == {tree.grids[0].code: (2, 1, 2, 50.0), tree.grids[1].code: (2, 1, 1, 50.0)}


def test_coverage_adds_up_the_tree(month_visits):
    tree = month_visits.tree
    centre = tree.users["centre"]
    communities = by_code(coverage_by_area(centre, month=timezone.localdate(), level=Level.COMMUNITY))
    assert communities[tree.communities[0].code] == (4, 2, 3, 50.0)
    assert communities[tree.communities[1].code] == (4, 0, 0, 0.0)
    streets = by_code(coverage_by_area(centre, month=timezone.localdate(), level=Level.STREET))
    assert streets[tree.streets[0].code] == (8, 2, 3, 25.0)
    total = coverage_total(coverage_by_area(centre, month=timezone.localdate(), level=Level.STREET))
    assert (total.households, total.visited, total.rate) == (16, 2, 12.5)


def test_last_month_is_its_own_period(month_visits):
    tree = month_visits.tree
    last_month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    rows = by_code(coverage_by_area(tree.users["worker"], month=last_month))
    # Households were registered this month, so last month had none to cover.
    assert rows == {tree.grids[0].code: (0, 0, 0, None)}


def test_a_worker_sees_only_their_grid_and_their_own_figures(month_visits):
    tree = month_visits.tree
    worker = tree.users["worker"]
    assert list(by_code(coverage_by_area(worker, month=timezone.localdate()))) == [tree.grids[0].code]
    figures = {
        w["name"]: (w["households"], w["visited"], w["visits"], w["rate"])
        for w in coverage_by_worker(tree.users["community"], month=timezone.localdate())
    }
    assert figures["worker"] == (2, 1, 2, 50.0)
    assert figures["worker2"] == (2, 1, 1, 50.0)
    assert figures["leader"] == (2, 0, 0, 0.0)


def test_the_daily_task_lists_priority_persons_overdue_for_a_visit(register):
    tree = register.tree
    elderly = register.persons[tree.grids[0].code][0]  # tagged 2026-01-01, every 7 days
    disabled = register.persons[tree.grids[1].code][0]
    tag_assign(
        actor=register.root,
        person=disabled,
        tag=GroupTag.objects.get(code="disabled"),
        since=dt.date(2026, 1, 1),
    )
    assert visit_tasks_build(today=dt.date(2026, 1, 5))["opened"] == 0
    result = visit_tasks_build(today=dt.date(2026, 1, 10))
    assert (
        result["opened"] == 2
    )  # elderly (due 8 Jan) and the correction subject (due 8 Jan); disabled due 31 Jan
    assert set(VisitTask.objects.values_list("person", flat=True)) == {
        elderly.id,
        register.persons[tree.grids[0].code][1].id,
    }
    assert VisitTask.objects.get(person=elderly).due_on == dt.date(2026, 1, 8)
    assert visit_tasks_build(today=dt.date(2026, 1, 10))["opened"] == 0  # idempotent
    assert visit_tasks_build(today=dt.date(2026, 2, 1))["opened"] == 1  # now the disabled person too


def test_the_worker_task_list_holds_their_grid_and_no_sensitive_follow_ups(register):
    tree = register.tree
    visit_tasks_build(today=dt.date(2026, 1, 10))
    worker_tasks = list(task_list(tree.users["worker"]))
    assert [t.person for t in worker_tasks] == [register.persons[tree.grids[0].code][0]]
    assert list(task_list(tree.users["worker2"])) == []
    assert len(task_list(tree.users["centre"])) == 2


def test_the_celery_task_builds_the_list(register, settings):
    build_visit_tasks.delay()
    assert VisitTask.objects.filter(status="open").exists()
