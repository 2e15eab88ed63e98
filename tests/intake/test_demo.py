import io

import pytest

from intake import demo
from intake.models import HotlineCategoryMap, Integration, SensorAlertRule, SensorDevice

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
