import io

import pytest

from fieldwork import demo, selectors
from fieldwork.models import Deployment, GridDay, WorkLog
from gridgov import audit_chain

from .conftest import MORNING

pytestmark = pytest.mark.django_db


def test_the_demo_has_last_months_grid_days_and_recent_work_logs(tree, before):
    before.move_to(MORNING)
    out = io.StringIO()
    demo.load(district=tree.district, seed=3, stdout=out)
    assert out.getvalue().startswith("Field work: 12 grid days")  # 4 communities × 3 months
    assert set(GridDay.objects.values_list("month__month", flat=True)) == {1, 2, 3}
    assert Deployment.objects.exclude(checked_in_at=None).exists()
    assert Deployment.objects.exclude(case=None).exists()
    assert not Deployment.objects.filter(grid_day__month__month=3).exclude(checked_in_at=None).exists()
    assert WorkLog.objects.filter(status=WorkLog.Status.SUBMITTED).exists()
    assert WorkLog.objects.values("day").distinct().count() == demo.LOG_DAYS + 1  # and today's
    last = selectors.coverage(tree.users["centre"], MORNING.date().replace(month=2, day=1))
    assert last["scheduled"] == 8 and last["held"] > 0
    assert audit_chain.breaks(["field_events"]) == []
