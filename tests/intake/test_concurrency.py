"""Two deliveries at the same moment: PostgreSQL only (real row locks)."""

import pytest

from cases.models import Case
from intake.hotline import order_receive
from intake.models import HotlineOrder, SensorAlert
from intake.sensors import alert_receive
from tests.cases.test_concurrency import run_together

from .conftest import order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_alerts_at_once_open_one_case(tree, sensor_platform):
    grid = tree.grids[0]

    def send():
        return alert_receive(
            integration=sensor_platform,
            device_id="BIN-1",
            alert_type="bin_full",
            lat=grid.centroid_lat,
            lon=grid.centroid_lon,
        ).case.pk

    results = run_together(*[send for _ in range(4)])
    assert all(kind == "ok" for kind, _ in results), results
    assert len({case_id for _, case_id in results}) == 1
    assert Case.objects.count() == 1 and SensorAlert.objects.count() == 4


def test_one_order_delivered_twice_at_once_makes_one_case(tree, hotline):
    from intake.serializers import HotlineOrderInSerializer

    data = HotlineOrderInSerializer(data=order(tree))
    data.is_valid(raise_exception=True)

    def send():
        return order_receive(integration=hotline, data=dict(data.validated_data)).order.case_id

    results = run_together(send, send, send)
    assert all(kind == "ok" for kind, _ in results), results
    assert len({case_id for _, case_id in results}) == 1
    assert Case.objects.count() == 1 and HotlineOrder.objects.count() == 1
