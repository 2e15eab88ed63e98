import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine

from gridgov import audit_chain
from mediation import demo
from mediation.models import Dispute, Mediator, Screening
from mediation.workflow import Status

pytestmark = pytest.mark.django_db


def test_the_demo_has_disputes_in_every_state_and_recent_screenings(tree):
    with time_machine.travel(dt.datetime(2026, 12, 10, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        out = io.StringIO()
        demo.load(district=tree.district, seed=3, stdout=out)
    assert out.getvalue().startswith("Mediation:")
    assert set(Dispute.objects.values_list("status", flat=True)) == set(Status.values)
    months = set(Screening.objects.values_list("month", flat=True))
    assert months == {dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 12, 1)}
    assert Screening.objects.filter(month=dt.date(2026, 11, 1)).count() == len(tree.grids)
    assert Mediator.objects.filter(kind="police").count() == len(tree.streets)
    assert Dispute.objects.filter(escalated_at__isnull=False).count() == 1
    assert Dispute.objects.filter(source="screening").exists()
    assert audit_chain.breaks(["dispute_events"]) == []
