import io

import pytest

from tasks import demo, selectors
from tasks.models import AdmissionList, AdmissionRefusal, Assignment, Task, TaskResult

from .conftest import building

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_versioned_list_refusals_and_a_running_campaign(tree, monday):
    for grid in tree.grids[:4]:
        building(grid, 3)
    out = io.StringIO()
    demo.load(district=tree.district, seed=3, stdout=out)
    assert out.getvalue().startswith("Tasks: admission list v2")
    assert list(AdmissionList.objects.values_list("version", flat=True)) == [2, 1]
    assert AdmissionRefusal.objects.filter(kind="task").count() >= 4
    task = Task.objects.get()
    assert task.grids == 4 and task.targets == 12
    assert TaskResult.objects.exists()
    assert Assignment.objects.exclude(status="assigned").exists()
    assert selectors.burden_report(tree.users["centre"])


def test_it_leaves_the_first_grids_campaign_part_way_for_the_demo_login(tree, monday):
    for grid in tree.grids[:4]:
        building(grid, 3)
    demo.load(district=tree.district, seed=3, stdout=io.StringIO())
    first = Assignment.objects.order_by("area__code").first()
    assert first.status == "started"
    assert 0 < first.targets_done < first.targets_total
