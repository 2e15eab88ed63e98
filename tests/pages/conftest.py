import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases.models import Category
from tasks import services as task_services
from tasks.models import AdmissionItem, Assignment
from tests.factories import photo, report  # noqa: F401  (re-exported: tests import them from here)
from tests.tasks.conftest import FORM, ITEMS, building, send


@pytest.fixture
def rubbish(catalogue):
    """暴露垃圾: grid level, verification required, after-photo required."""
    return Category.objects.get(code="01001")


def login(client, tree, name):
    client.force_login(tree.users[name])
    return client


@pytest.fixture
def assignment(tree):
    """A task on the worker's grid with one building to check (its form: the gas hose, 正常 or 老化), handed
    to the worker: a task's form to fill without a signal (issue 23). Without a frozen clock, for a live
    server: the task runs from now for three days."""
    call_command("load_holidays", year=[timezone.localdate().year], stdout=io.StringIO())
    task_services.admission_list_publish(
        actor=tree.users["centre"],
        version=1,
        title="测试区网格事项准入清单",
        approved_by="测试区人民政府",
        approved_on=date(2025, 12, 20),
        effective_from=date(2025, 12, 21),
        items=ITEMS,
    )
    grid = tree.grids[0]
    building(grid, 1)
    now = timezone.now()
    task = send(
        tree,
        AdmissionItem.objects.get(code="C02"),
        selection={"subtree": grid.code},
        fields=FORM,
        target_kind="building",
        starts_at=now,
        deadline=now + timedelta(days=3),
    )
    chosen = Assignment.objects.get(task=task, area=grid)
    task_services.assignment_assign(
        actor=tree.users["leader"], assignment_id=chosen.pk, workers=[tree.users["worker"]]
    )
    return chosen
