import io

import pytest

from open311 import alerts, demo
from open311.models import AlertSubscription
from tests.open311.test_public_pages import citizen

pytestmark = pytest.mark.django_db


def test_the_demo_subscribes_a_few_citizens_of_the_first_community(tree):
    case = citizen(tree)
    out = io.StringIO()
    demo.load(district=tree.district, seed=7, stdout=out)
    community = tree.grids[0].code[:12]
    rows = list(AlertSubscription.objects.select_related("area", "case"))
    assert len(rows) == 8 and out.getvalue().count("\n") == 0
    assert all((r.area.code if r.area else r.case.area_code).startswith(community) for r in rows)
    assert any(r.case_id == case.pk for r in rows)
    assert alerts.live().count() == 6  # one unsubscribed, one e-mail not checked
