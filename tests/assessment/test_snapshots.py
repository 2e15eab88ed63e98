"""Published reports: frozen figures, once per month and area, the beat task, immutability."""

import pytest
import time_machine

from assessment.models import ReportSnapshot
from assessment.records import record_rebuild
from assessment.report import report
from assessment.selectors import report_params
from assessment.services import monthly_reports_publish, snapshot_publish
from assessment.tasks import publish_monthly_report

from .conftest import AS_OF, at, on

pytestmark = pytest.mark.django_db


def test_a_published_report_does_not_change_when_cases_change(tree, march):
    snapshot = snapshot_publish(area=tree.district, month=202603, now=AS_OF)
    before = snapshot.data["total"]["figures"]["closure_rate"]
    assert before == {"value": 83.33, "num": 5, "den": 6}
    # Case 7 is handled and closed afterwards: the live report moves, the published one does not.
    march[7].feedback(on(3, "13:00")).verify(on(3, "13:10")).close(on(3, "13:20"))
    record_rebuild(march[7].case.pk)
    live = report(tree.users["centre"], report_params(tree.users["centre"], {"month": "2026-03"}))
    assert live["total"]["figures"]["closure_rate"]["num"] == 6
    snapshot = ReportSnapshot.objects.get(pk=snapshot.pk)
    assert snapshot.data["total"]["figures"]["closure_rate"] == before
    assert snapshot_publish(area=tree.district, month=202603).pk == snapshot.pk  # once per month and area


def test_a_published_report_refuses_updates_and_deletes(tree):
    snapshot = snapshot_publish(area=tree.district, month=202603, now=AS_OF)
    snapshot.data = {}
    with pytest.raises(PermissionError):
        snapshot.save()
    with pytest.raises(PermissionError):
        snapshot.delete()


def test_the_beat_task_publishes_last_month_for_the_district_and_each_street(tree, march):
    with time_machine.travel(at(2026, 4, 1, 1, 0), tick=False):
        ids = publish_monthly_report.delay().get()
        again = publish_monthly_report.delay().get()
    assert ids == again and len(ids) == 3
    snapshots = ReportSnapshot.objects.filter(pk__in=ids)
    assert {s.scope_code for s in snapshots} == {"430104", "430104001", "430104002"}
    street = snapshots.get(scope_code="430104002")
    assert street.data["total"]["figures"]["due_for_closing"]["value"] == 1  # case 9 only
    assert street.generated_at == at(2026, 4, 1, 1, 0)
    assert all(s.period_start == at(2026, 3, 1) and s.period_end == at(2026, 4, 1) for s in snapshots)


def test_monthly_reports_cover_only_active_districts_and_streets(tree):
    assert len(monthly_reports_publish(month=202602, now=AS_OF)) == 3
