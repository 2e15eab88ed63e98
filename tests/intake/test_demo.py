import io

import pytest

from intake import demo
from intake.models import HotlineCategoryMap, HotlineOrder, Integration, SensorAlertRule, SensorDevice

pytestmark = pytest.mark.django_db


def test_the_demo_adds_a_hotline_and_a_sensor_platform_without_printing_keys(tree):
    out = io.StringIO()
    demo.load(district=tree.district, seed=7, stdout=out)
    assert set(Integration.objects.values_list("kind", flat=True)) == {"hotline", "sensor"}
    assert HotlineCategoryMap.objects.count() == len(demo.HOTLINE_CODES)
    assert SensorAlertRule.objects.count() == len(demo.SENSOR_RULES)
    assert SensorDevice.objects.count() == 8  # one per grid of the test tree
    assert "gg_" not in out.getvalue() and out.getvalue().count("\n") == 0
    assert not Integration.objects.get(kind="hotline").user.has_usable_password()


def test_the_demo_takes_todays_calls_through_the_hotline_path(tree):
    demo.load(district=tree.district, seed=7, stdout=io.StringIO())
    cases = {o.case.title: o.case for o in HotlineOrder.objects.select_related("case")}
    assert len(cases) == len(demo.CALLS)
    by_status = sorted((c.request_type, c.status) for c in cases.values())
    assert by_status.count(("consult", "closed")) == 2
    assert ("praise", "closed") in by_status and ("suggestion", "closed") in by_status
    assert ("complaint", "voided") in by_status
    assert sum(status == "reported" for _kind, status in by_status) == 3
