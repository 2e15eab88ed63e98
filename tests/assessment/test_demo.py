import io

import pytest

from assessment import demo
from assessment.models import CaseRecord, ReportSnapshot, StarAward
from cases.models import Case

pytestmark = pytest.mark.django_db


def test_the_demo_builds_records_reports_and_stars_once(tree, march):
    CaseRecord.objects.all().delete()
    out = io.StringIO()
    demo.load(district=tree.district, seed=7, stdout=out)
    assert CaseRecord.objects.count() == Case.objects.count() == 10
    assert ReportSnapshot.objects.count() == 3 * 3  # three months × (district + two streets)
    assert StarAward.objects.count() == 8 * 5
    assert out.getvalue().startswith(
        "Assessment: 10 evaluation records, 9 published reports, 40 star decisions"
    )
    demo.load(district=tree.district, seed=7, stdout=io.StringIO())
    assert ReportSnapshot.objects.count() == 9 and StarAward.objects.count() == 40
